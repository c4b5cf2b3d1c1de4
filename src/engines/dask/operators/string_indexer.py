"""StringIndexer: dask-ml's Categorizer + OrdinalEncoder, with the code of null and unseen values (-1) made null
(native+adapter).

`Categorizer(columns)` learns each column's categories with Dask's `categorize`: the distinct non-null values in
one tree reduction, sorted with pandas' `sort_values`, which orders Arrow-backed strings by their UTF-8 bytes
(code point order, also beyond U+FFFF) and numbers numerically (integer, boolean and index columns are float64,
false 0 < true 1). Its transform gives each column that categorical dtype (`set_categories`: an unseen value
becomes missing) and `OrdinalEncoder` takes the codes, -1 for missing. The adapter: -1 -> null (NaN in a float64
column), as null and unseen values have no index. A column without a non-null fitted value has no category:
every index is null. The OneHotEncoder numbers its slots with the same `fit` and `codes`.
"""

from dataclasses import dataclass

import dask.dataframe as dd
import numpy as np
from dask_ml.preprocessing import Categorizer, OrdinalEncoder

from src.bench.spec.operators import INTEGER
from src.engines.numpy.operators.string_indexer import require_whole_numbers

IMPLEMENTATION = "native+adapter"


@dataclass(frozen=True)
class Categories:
    columns: list[str]
    categorizer: Categorizer
    encoder: OrdinalEncoder

    def size(self, column: str) -> int:
        """K, the number of categories of the column."""
        return len(self.categorizer.categories_[column].categories)


def fit(data: dd.DataFrame, step) -> Categories:
    columns = list(step.input_cols)
    categorizer = Categorizer(columns=columns).fit(data[columns])
    for c, kind in zip(columns, step.input_kinds):
        if kind == INTEGER:  # a CSV column typed integer from its first rows may hold a fraction further down
            require_whole_numbers(np.asarray(categorizer.categories_[c].categories, dtype=np.float64), step.name, c)
    encoder = OrdinalEncoder(columns=columns).fit(categorizer.transform(data[columns]))
    return Categories(columns, categorizer, encoder)


def codes(data: dd.DataFrame, state: Categories) -> dd.DataFrame:
    """Each row's category code per column (int), -1 for null or unseen."""
    return state.encoder.transform(state.categorizer.transform(data[state.columns]))


def transform(data: dd.DataFrame, state: Categories, step) -> dd.DataFrame:
    found = codes(data, state)
    return data.assign(
        **{name: found[col].where(found[col] >= 0).astype("float64") for name, col in zip(step.output_cols,
                                                                                            step.input_cols)}
    )

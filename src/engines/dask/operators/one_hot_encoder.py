"""OneHotEncoder: a K-wide 0/1 sparse row over StringIndexer's categories; null and unseen -> an all-zero row
(custom).

dask-ml's OneHotEncoder cannot give the canonical output: `handle_unknown="ignore"` raises NotImplementedError
(so an unseen value would be an error), and on a DataFrame it returns dense dummy columns (`get_dummies`), K
float columns per input, where a cardinality of millions needs sparse rows. So the categories and each row's
code are StringIndexer's (dask-ml's Categorizer + OrdinalEncoder: code point order for strings, numeric for
integer, boolean and index columns; null is never a category, so it does not count in K), and a `map_partitions`
writes each partition's rows in prepbench's sparse vector layout: the code with value 1, nothing for -1.
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.bench.data.vectors import vector_array

from ..columns import VECTORS, meta, series
from .string_indexer import Categories, codes
from .string_indexer import fit as fit_categories

IMPLEMENTATION = "custom"


def one_hot(part: pd.Series, size: int) -> pd.Series:
    position = part.to_numpy(dtype=np.int64)
    seen = position >= 0
    offsets = np.concatenate([[0], np.cumsum(seen)])
    return series(vector_array(offsets, position[seen], np.ones(int(seen.sum())), size), part)


def fit(data: dd.DataFrame, step) -> Categories:
    return fit_categories(data, step)


def transform(data: dd.DataFrame, state: Categories, step) -> dd.DataFrame:
    found = codes(data, state)
    return data.assign(**{
        name: found[col].map_partitions(one_hot, state.size(col), meta=meta(col, VECTORS))
        for name, col in zip(step.output_cols, step.input_cols)
    })

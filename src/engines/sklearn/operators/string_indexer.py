"""StringIndexer: sklearn's OrdinalEncoder, one per column, with unseen values encoded as NaN (= null).

OrdinalEncoder sorts the distinct values with np.unique: Python's str order for strings, which is code point
order also beyond U+FFFF, and numeric order for integer and boolean columns (float64 here, false 0 < true 1), as
the canonical definition asks. Each column is fitted on its non-null values: given a None, OrdinalEncoder would
learn it as a category of its own; at transform a null is unknown and comes out NaN. The empty string is a
category like any other. A column with no value at all in the fitted rows has no category (OrdinalEncoder
cannot fit zero rows), so every row's index is null.
"""

import numpy as np
from sklearn.preprocessing import OrdinalEncoder

from ._columns import as_feature, check_categories

IMPLEMENTATION = "native"


def fit(frame, step):
    return [_fit(frame[c], kind, step.name, c) for c, kind in zip(step.input_cols, step.input_kinds)]


def _fit(values: np.ndarray, kind: str, operator: str, column: str) -> OrdinalEncoder | None:
    observed = as_feature(values, drop_missing=True)
    if not len(observed):
        return None
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, dtype=np.float64)
    return check_categories(encoder.fit(observed), kind, operator, column)


def transform(frame, state, step):
    return frame.with_columns(
        {
            name: np.full(frame.n_rows, np.nan) if encoder is None
            else encoder.transform(as_feature(frame[col])).ravel()
            for name, col, encoder in zip(step.output_cols, step.input_cols, state)
        }
    )

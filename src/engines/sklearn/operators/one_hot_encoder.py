"""OneHotEncoder: sklearn's OneHotEncoder(handle_unknown="ignore"), sparse, one per column.

Categories are sorted as in StringIndexer (np.unique: code point order for strings, numeric order for integer,
boolean and index columns). Each column is fitted on its non-null values (strings) or non-NaN values (numbers),
so missing is never learnt as a category and does not count in K; at transform, null, NaN and unseen values are
unknown and give all-zero rows. A column with no value at all in the fitted rows has K = 0 (OneHotEncoder
cannot fit zero rows): zero-width rows.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import OneHotEncoder

from ._columns import as_feature, check_categories

IMPLEMENTATION = "native"


def fit(frame, step):
    return [_fit(frame[c], kind, step.name, c) for c, kind in zip(step.input_cols, step.input_kinds)]


def _fit(values: np.ndarray, kind: str, operator: str, column: str) -> OneHotEncoder | None:
    observed = as_feature(values, drop_missing=True)
    if not len(observed):
        return None
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=True, dtype=np.float64)
    return check_categories(encoder.fit(observed), kind, operator, column)


def transform(frame, state, step):
    return frame.with_columns(
        {
            name: sp.csr_matrix((frame.n_rows, 0)) if encoder is None
            else sp.csr_matrix(encoder.transform(as_feature(frame[col])))
            for name, col, encoder in zip(step.output_cols, step.input_cols, state)
        }
    )

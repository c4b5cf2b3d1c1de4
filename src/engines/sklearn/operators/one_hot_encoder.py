"""OneHotEncoder: sklearn's OneHotEncoder(handle_unknown="ignore"), sparse, one per column.

Each column is fitted on its non-null values (strings) or non-NaN values (index numbers), so missing is
never learnt as a category; at transform, null, NaN and unseen values are unknown and give all-zero rows.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import OneHotEncoder

from ._columns import as_feature

IMPLEMENTATION = "native"


def fit(frame, step):
    return [
        OneHotEncoder(handle_unknown="ignore", sparse_output=True, dtype=np.float64).fit(
            as_feature(frame[c], drop_missing=True)
        )
        for c in step.input_cols
    ]


def transform(frame, state, step):
    return frame.with_columns(
        {
            name: sp.csr_matrix(encoder.transform(as_feature(frame[col])))
            for name, col, encoder in zip(step.output_cols, step.input_cols, state)
        }
    )

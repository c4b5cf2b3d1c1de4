"""StringIndexer: sklearn's OrdinalEncoder, one per column, with unseen values encoded as NaN (= null).

OrdinalEncoder sorts the distinct values with Python's str order, which is code point order, as the canonical
definition asks. Each column is fitted on its non-null values: given a None, OrdinalEncoder would learn it as
a category of its own.
"""

import numpy as np
from sklearn.preprocessing import OrdinalEncoder

from ._columns import as_feature

IMPLEMENTATION = "native"


def fit(frame, step):
    return [
        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, dtype=np.float64).fit(
            as_feature(frame[c], drop_missing=True)
        )
        for c in step.input_cols
    ]


def transform(frame, state, step):
    return frame.with_columns(
        {
            name: encoder.transform(as_feature(frame[col])).ravel()
            for name, col, encoder in zip(step.output_cols, step.input_cols, state)
        }
    )

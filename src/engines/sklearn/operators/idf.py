"""IDF: sklearn's TfidfTransformer(norm=None, smooth_idf=True) with idf_ - 1 and min_doc_freq zeroing.

With smoothing, scikit-learn's idf is ln((n + 1) / (df + 1)) + 1 and it L2-normalises rows by default; the
canonical idf (Spark's) has no "+ 1" and no normalisation, and is 0 for terms in fewer than min_doc_freq
documents. So: norm=None, subtract 1 from the fitted idf_, zero the rare terms (native+adapter). scikit-learn refuses
zero-width input (CountVectorizer's, of an empty vocabulary), whose canonical output is the same zero-width vectors.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

IMPLEMENTATION = "native+adapter"


def _fit_column(tf: sp.csr_matrix, min_doc_freq: int) -> TfidfTransformer | None:
    if tf.shape[1] == 0:
        return None
    model = TfidfTransformer(norm=None, smooth_idf=True, sublinear_tf=False).fit(tf)
    idf = model.idf_ - 1.0
    if min_doc_freq > 0:
        doc_freq = np.bincount(tf.indices[tf.data != 0], minlength=tf.shape[1])
        idf[doc_freq < min_doc_freq] = 0.0
    model.idf_ = idf
    return model


def fit(frame, step):
    return [_fit_column(frame[c], step.params["min_doc_freq"]) for c in step.input_cols]


def transform(frame, state, step):
    return frame.with_columns(
        {
            name: sp.csr_matrix(frame[col] if model is None else model.transform(frame[col]))
            for name, col, model in zip(step.output_cols, step.input_cols, state)
        }
    )

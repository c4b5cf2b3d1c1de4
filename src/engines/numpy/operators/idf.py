"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents.

n is every fitted row, the all-zero rows of empty and null documents included.
"""

import numpy as np
import scipy.sparse as sp

IMPLEMENTATION = "native"


def inverse_document_frequency(tf, min_doc_freq: int) -> np.ndarray:
    tf = tf.tocsr()
    df = np.bincount(tf.indices[tf.data != 0], minlength=tf.shape[1])
    idf = np.log((tf.shape[0] + 1.0) / (df + 1.0))
    idf[df < min_doc_freq] = 0.0
    return idf


def fit(frame, step):
    return [inverse_document_frequency(frame[c], step.params["min_doc_freq"]) for c in step.input_cols]


def transform(frame, state, step):
    out = {}
    for name, col, idf in zip(step.output_cols, step.input_cols, state):
        tf = frame[col].tocsr()
        out[name] = sp.csr_matrix((tf.data * idf[tf.indices], tf.indices, tf.indptr), shape=tf.shape)
    return frame.with_columns(out)

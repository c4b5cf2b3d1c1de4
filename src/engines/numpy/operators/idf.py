"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents.

n is every fitted row, the all-zero rows of empty and null documents included. Document frequencies add up over
row chunks, so the fit also runs on chunks (`fit_chunks`): the reference streams a corpus too big to hold.
"""

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

IMPLEMENTATION = "native"


def document_frequency(tf) -> np.ndarray:
    tf = tf.tocsr()
    return np.bincount(tf.indices[tf.data != 0], minlength=tf.shape[1])


def inverse_document_frequency(df: np.ndarray, n_docs: int, min_doc_freq: int) -> np.ndarray:
    idf = np.log((n_docs + 1.0) / (df + 1.0))
    idf[df < min_doc_freq] = 0.0
    return idf


def fit(frame, step):
    return fit_chunks([frame], step)


def fit_chunks(frames: Iterable, step) -> list[np.ndarray]:
    dfs: list[np.ndarray] | None = None
    n_docs = 0
    for frame in frames:
        counts = [document_frequency(frame[c]) for c in step.input_cols]
        dfs = counts if dfs is None else [a + b for a, b in zip(dfs, counts)]
        n_docs += frame.n_rows
    return [inverse_document_frequency(df, n_docs, step.params["min_doc_freq"]) for df in dfs]


def transform(frame, state, step):
    out = {}
    for name, col, idf in zip(step.output_cols, step.input_cols, state):
        tf = frame[col].tocsr()
        out[name] = sp.csr_matrix((tf.data * idf[tf.indices], tf.indices, tf.indptr), shape=tf.shape)
    return frame.with_columns(out)

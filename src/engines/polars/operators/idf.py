"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents (custom).

Polars has no IDF. The fit is one query: n = every row (the all-zero rows of empty and null documents
included) and each term's document frequency, the `value_counts` of the exploded indices whose value is not 0
(a row holds each index once); the idf of every term follows in numpy. The transform multiplies each row's
values by the idf of its indices; that lookup is a numpy `take` in `map_batches` over the flattened indices,
because Polars' `gather` from a literal inside `list.eval` runs once per row.
"""

from functools import partial

import numpy as np
import polars as pl

from src.engines.tf_idf import idf_weights

from ..table import Table, vector

IMPLEMENTATION = "custom"


def _document_frequencies(column: str) -> pl.Expr:
    tf = pl.col(column)
    nonzero = tf.struct.field("values").explode() != 0
    terms = tf.struct.field("indices").explode().filter(nonzero).alias("term").value_counts(name="df")
    return pl.struct(n=pl.len(), size=tf.struct.field("size").first(), terms=terms.implode())


def _idf(stats: pl.Series, min_doc_freq: int) -> np.ndarray:
    terms = stats.struct.field("terms")[0]
    df = np.zeros(stats.struct.field("size")[0], dtype=np.int64)
    df[terms.struct.field("term").to_numpy()] = terms.struct.field("df").to_numpy()
    return idf_weights(stats.struct.field("n")[0], df, min_doc_freq)


def fit(data: Table, step) -> list[np.ndarray]:
    stats = data.compute(**{c: _document_frequencies(c) for c in step.input_cols})
    return [_idf(stats[c], step.params["min_doc_freq"]) for c in step.input_cols]


def _take(idf: np.ndarray, indices: pl.Series) -> pl.Series:
    return pl.Series(idf[indices.to_numpy()])


def transform(data: Table, state: list[np.ndarray], step) -> Table:
    out = {}
    for name, col, idf in zip(step.output_cols, step.input_cols, state):
        indices = pl.col(col).struct.field("indices")
        weights = indices.list.eval(pl.element().map_batches(partial(_take, idf), return_dtype=pl.Float64,
                                                             is_elementwise=True))
        out[name] = vector(len(idf), indices, pl.col(col).struct.field("values") * weights)
    return data.with_columns(out)

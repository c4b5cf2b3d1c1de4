"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents (custom).

Ray has no IDF. The fit is one Ray aggregate of document frequencies over the sparse vectors
(aggregates.DocumentFrequency, a partial df array per block, summed); the transform multiplies each row's
values by the idf of their indices in an Arrow map_batches. n counts every row, the all-zero rows of empty and
null documents included.
"""

import numpy as np
import pyarrow as pa

from src.bench.data.vectors import vector_array, vector_parts

from ..aggregates import DocumentFrequency
from ..vectors import map_columns

IMPLEMENTATION = "custom"


def fit(ds, step):
    aggregates = [DocumentFrequency(c) for c in step.input_cols]
    stats = ds.aggregate(*aggregates)
    return [_idf(np.asarray(stats[a.name]), step.params["min_doc_freq"]) for a in aggregates]


def _idf(counts: np.ndarray, min_doc_freq: int) -> np.ndarray:
    n, df = counts[0], counts[1:]
    idf = np.log((n + 1.0) / (df + 1.0))
    idf[df < min_doc_freq] = 0.0
    return idf


def transform(ds, state, step):
    return map_columns(ds, step.input_cols, step.output_cols, _weigh, state)


def _weigh(tf: pa.ChunkedArray, idf: np.ndarray) -> pa.StructArray:
    offsets, indices, values, size = vector_parts(tf)
    return vector_array(offsets, indices, values * idf[indices], size)

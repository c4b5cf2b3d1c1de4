"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents (custom).

Ray has no IDF. The fit is one Ray aggregate of document frequencies over the sparse vectors
(aggregates.DocumentFrequency, a partial df array per block, summed); the transform multiplies each row's
values by the idf of their indices in an Arrow map_batches. n counts every row, the all-zero rows of empty and
null documents included.
"""

import numpy as np

from src.engines.tf_idf import idf_weights, weigh

from ..aggregates import DocumentFrequency
from ..vectors import map_columns

IMPLEMENTATION = "custom"


def fit(ds, step):
    return document_weights(ds.aggregate, step)


def document_weights(aggregate, step) -> list:
    """Each input column's idf from its document frequencies, aggregated by `aggregate(*aggregations)`."""
    aggregates = [DocumentFrequency(c) for c in step.input_cols]
    stats = aggregate(*aggregates)
    counts = [np.asarray(stats[a.name]) for a in aggregates]
    return [idf_weights(c[0], c[1:], step.params["min_doc_freq"]) for c in counts]


def transform(ds, state, step):
    return map_columns(ds, step.input_cols, step.output_cols, weigh, state)

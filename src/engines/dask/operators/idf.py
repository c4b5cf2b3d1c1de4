"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents (custom).

dask-ml has no IDF (nor a TfidfTransformer). The fit is one Dask aggregation over the persisted vectors: per
partition, its row count and each bucket's document frequency (`np.bincount` of the indices whose value is not 0;
a row holds each index once), added up in one `dask.delayed` reduce; n counts every fitted row, the all-zero
rows of empty and null documents included. The transform is a `map_partitions` multiplying each row's values by
the idf of its indices (a numpy `take`), keeping the rows' indices: a term absent from a row stays absent.
"""

from functools import reduce

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.bench.data.vectors import vector_array, vector_parts

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"
Counts = tuple[int, np.ndarray]  # rows, document frequency per bucket


def document_frequencies(part: pd.Series) -> Counts:
    offsets, indices, values, size = vector_parts(arrow(part))
    return len(part), np.bincount(indices[values != 0], minlength=size)


def add(a: Counts, b: Counts) -> Counts:
    width = max(len(a[1]), len(b[1]))  # an empty partition does not know the width
    return a[0] + b[0], np.pad(a[1], (0, width - len(a[1]))) + np.pad(b[1], (0, width - len(b[1])))


def _idf(counts: Counts, min_doc_freq: int) -> np.ndarray:
    n, df = counts
    idf = np.log((n + 1.0) / (df + 1.0))
    idf[df < min_doc_freq] = 0.0
    return idf


def fit(data: dd.DataFrame, step) -> list[np.ndarray]:
    totals = [
        dask.delayed(reduce)(add, [dask.delayed(document_frequencies)(p) for p in data[c].to_delayed()])
        for c in step.input_cols
    ]
    return [_idf(counts, step.params["min_doc_freq"]) for counts in dask.compute(*totals)]


def weighted(part: pd.Series, idf: np.ndarray) -> pd.Series:
    offsets, indices, values, size = vector_parts(arrow(part))
    return series(vector_array(offsets, indices, values * idf[indices], size), part)


def transform(data: dd.DataFrame, state: list[np.ndarray], step) -> dd.DataFrame:
    return data.assign(**{
        name: data[col].map_partitions(weighted, idf, meta=meta(col, VECTORS))
        for name, col, idf in zip(step.output_cols, step.input_cols, state)
    })

"""IDF: tf * ln((n + 1) / (df + 1)), with idf = 0 for terms in fewer than min_doc_freq documents (custom).

dask-ml has no IDF (nor a TfidfTransformer). The fit is one Dask aggregation over the persisted vectors: per
partition, its row count and each bucket's document frequency (src/engines/tf_idf.py), added up in one
`dask.delayed` reduce; n counts every fitted row, the all-zero
rows of empty and null documents included. The transform is a `map_partitions` multiplying each row's values by
the idf of its indices (a numpy `take`), keeping the rows' indices: a term absent from a row stays absent.
"""

from functools import reduce

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from src.engines.tf_idf import add_frequencies, document_frequencies, idf_weights, weigh

from ..columns import VECTORS, arrow, meta, series

IMPLEMENTATION = "custom"


def fit(data: dd.DataFrame, step) -> list[np.ndarray]:
    count = dask.delayed(lambda part: document_frequencies(arrow(part)))
    totals = [dask.delayed(reduce)(add_frequencies, [count(p) for p in data[c].to_delayed()])
              for c in step.input_cols]
    return [idf_weights(rows, df, step.params["min_doc_freq"]) for rows, df in dask.compute(*totals)]


def weighted(part: pd.Series, idf: np.ndarray) -> pd.Series:
    return series(weigh(arrow(part), idf), part)


def transform(data: dd.DataFrame, state: list[np.ndarray], step) -> dd.DataFrame:
    return data.assign(**{
        name: data[col].map_partitions(weighted, idf, meta=meta(col, VECTORS))
        for name, col, idf in zip(step.output_cols, step.input_cols, state)
    })

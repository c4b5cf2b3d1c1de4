"""IDF, tuned: document frequencies (`mapInArrow` over the input columns) and weights (an Arrow UDF per column),
with numpy.

No SQL expression reads an ML vector's fields (a `VectorUDT` casts only to itself or a string), so the floor built
from Spark's primitives is Python over the vectors' Arrow structs (src/engines/tf_idf.py): the fit counts each
partition's rows and document frequencies with one `np.bincount` per batch and sums the partitions' arrays on the
driver; the transform multiplies each row's values by the idf of its indices. Stock's fit is a treeAggregate of
per-row Scala updates and its transform a Scala UDF per row, both with no Python worker. n counts every row, the
all-zero rows of empty and null documents included; a zero-width vector stays zero-width.
"""

from functools import reduce

import numpy as np
import pyarrow as pa
from pyspark.sql.types import ArrayType, LongType, StructField, StructType

from src.engines.tf_idf import add_frequencies, document_frequencies, idf_weights, weigh

from ..arrow_batches import map_to_vectors, prepbench_vectors

IMPLEMENTATION = "custom"


def fit(df, step):
    """One job: each partition yields one row of (rows, document frequencies) per column; the driver sums them."""
    columns = list(step.input_cols)
    names = [(f"n{i}", f"df{i}") for i in range(len(columns))]

    def count(batches):
        totals = [(0, np.zeros(0, np.int64))] * len(columns)
        for batch in batches:
            totals = [add_frequencies(total, document_frequencies(prepbench_vectors(batch.column(c))))
                      for total, c in zip(totals, columns)]
        arrays = [a for n, df in totals for a in (pa.array([n], pa.int64()), pa.array([df], pa.list_(pa.int64())))]
        yield pa.RecordBatch.from_arrays(arrays, names=[name for pair in names for name in pair])

    schema = StructType([StructField(name, kind) for n, df in names
                         for name, kind in ((n, LongType()), (df, ArrayType(LongType())))])
    parts = df.select(*columns).mapInArrow(count, schema).toArrow()
    weights = []
    for n, df in names:
        partials = [(rows, np.asarray(frequencies.values))
                    for rows, frequencies in zip(parts.column(n).to_pylist(), parts.column(df))]
        rows, frequencies = reduce(add_frequencies, partials, (0, np.zeros(0, np.int64)))
        weights.append(idf_weights(rows, frequencies, step.params["min_doc_freq"]))
    return weights


def transform(df, idfs, step):
    return map_to_vectors(df, step.input_cols, step.output_cols, lambda tf, idf: weigh(prepbench_vectors(tf), idf),
                          idfs)

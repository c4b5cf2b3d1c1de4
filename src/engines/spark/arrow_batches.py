"""Python over a Spark DataFrame's Arrow batches (an Arrow UDF per vector column; IDF's fit runs `mapInArrow`), for
the tuned modules whose work no SQL function does (Spark's HashingTF hash, reading an ML vector's fields).

Spark hands an ML vector column to Python as its struct {type, size, indices, values} (type 0 sparse, 1 dense);
`prepbench_vectors` and `spark_vectors` convert between that and prepbench's sparse layout
(src/bench/data/vectors.py), in which src/engines/tf_idf.py works. The functions that run on the executors are
pickled by value, with the prepbench modules they call (a tuned module passes a lambda), so a cluster's executors
need numpy, pyarrow and scipy but not prepbench itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark import cloudpickle
from pyspark.ml.linalg import VectorUDT
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

import src.bench.data.vectors
import src.engines.numpy.murmur3
import src.engines.spark.vectors
import src.engines.tf_idf
from src.bench.data.vectors import VECTOR_TYPE, from_csr

from .vectors import sparse_to_csr

for _module in (src.bench.data.vectors, src.engines.numpy.murmur3, src.engines.tf_idf, src.engines.spark.vectors,
                sys.modules[__name__]):
    cloudpickle.register_pickle_by_value(_module)


def prepbench_vectors(column: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """Spark's vector struct (sparse or dense rows) in prepbench's sparse layout."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind, size, indices, values = column.flatten()
    if pc.all(pc.equal(kind, 0)).as_py() is not False:  # every row sparse (or none): the fields as they are
        return pa.StructArray.from_arrays([size, indices, values], names=VECTOR_TYPE.names)
    return from_csr(sparse_to_csr(column))


def spark_vectors(vectors: pa.StructArray) -> pa.StructArray:
    """prepbench's sparse layout as Spark's sparse vector struct (type 0)."""
    size, indices, values = vectors.flatten()
    kind = pa.array(np.zeros(len(vectors), dtype=np.int8))
    return pa.StructArray.from_arrays([kind, size, indices, values], names=["type", "size", "indices", "values"])


def map_to_vectors(df: DataFrame, sources: Sequence[str], targets: Sequence[str],
                   fn: Callable[[pa.Array, Any], pa.StructArray], states: Sequence[Any]) -> DataFrame:
    """Set each target to the vector column `fn(source column, state)` with one Arrow UDF per column: only the
    source column goes to Python and back, where `mapInArrow` ships every column of the frame."""
    return df.withColumns({target: F.arrow_udf(vector_function(fn, state), VectorUDT())(F.col(source))
                           for source, target, state in zip(sources, targets, states)})


def vector_function(fn: Callable[[pa.Array, Any], pa.StructArray], state: Any) -> Callable[[pa.Array], pa.Array]:
    """The function `map_to_vectors` ships to the executors: an Arrow batch of one column in, Spark's vector
    structs out."""

    def apply(column: pa.Array) -> pa.Array:
        return spark_vectors(fn(column, state))

    return apply

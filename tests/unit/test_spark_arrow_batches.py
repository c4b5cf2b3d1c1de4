"""What Spark's tuned modules ship to the executors runs in a Python that cannot import prepbench."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("pyspark")

from pyspark import cloudpickle  # noqa: E402

from src.bench.data.vectors import vector_parts  # noqa: E402
from src.engines.spark.arrow_batches import prepbench_vectors, spark_vectors, vector_function  # noqa: E402
from src.engines.tf_idf import term_frequencies, weigh  # noqa: E402

# Unpickles the function with every `src` import failing, runs it on the column given, and prints its output.
NO_PREPBENCH = """
import pickle, sys
import pyarrow as pa
sys.modules["src"] = None  # any import of prepbench now raises ImportError
function = pickle.loads(sys.stdin.buffer.read())
out = pa.record_batch({"v": function(pa.array([["a", "b", "a"], None, ["é"]]))})
with pa.ipc.new_stream(sys.stdout.buffer, out.schema) as writer:
    writer.write_batch(out)
"""


def test_the_executor_side_needs_no_prepbench() -> None:
    function = vector_function(lambda tokens, _: term_frequencies(tokens, 16, False), None)
    done = subprocess.run([sys.executable, "-c", NO_PREPBENCH], input=cloudpickle.dumps(function),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    vectors = pa.ipc.open_stream(done.stdout).read_all().column("v").combine_chunks()
    assert vectors.field("type").to_pylist() == [0, 0, 0]  # Spark's sparse kind
    expected = term_frequencies(pa.array([["a", "b", "a"], None, ["é"]]), 16, False)
    assert vectors.field("indices").to_pylist() == expected.field("indices").to_pylist()
    assert vectors.field("values").to_pylist() == expected.field("values").to_pylist()
    assert [sum(v) for v in vectors.field("values").to_pylist()] == [3.0, 0.0, 1.0]  # a null document: no terms


def test_spark_vectors_round_trip_and_dense_rows_read_as_every_position() -> None:
    tf = term_frequencies(pa.array([["x", "y"], [], ["x"]]), 8, False)
    assert prepbench_vectors(spark_vectors(tf)).equals(tf)
    as_spark_sends_it = spark_vectors(tf).cast(pa.struct([  # Spark's Arrow type: lists of non-null elements
        pa.field("type", pa.int8(), False), ("size", pa.int32()),
        ("indices", pa.list_(pa.field("element", pa.int32(), False))),
        ("values", pa.list_(pa.field("element", pa.float64(), False)))]))
    assert vector_parts(prepbench_vectors(as_spark_sends_it))[1].tolist() == vector_parts(tf)[1].tolist()
    dense = pa.StructArray.from_arrays(  # Spark's dense kind: no size, no indices
        [pa.array([1], pa.int8()), pa.array([None], pa.int32()), pa.array([None], pa.list_(pa.int32())),
         pa.array([[0.5, 0.0, 2.0]], pa.list_(pa.float64()))], names=["type", "size", "indices", "values"])
    offsets, indices, values, size = vector_parts(prepbench_vectors(dense))
    assert (offsets.tolist(), indices.tolist(), values.tolist(), size) == ([0, 3], [0, 1, 2], [0.5, 0.0, 2.0], 3)
    offsets, indices, values, size = vector_parts(weigh(prepbench_vectors(dense), np.array([1.0, 9.0, 3.0])))
    assert (indices.tolist(), values.tolist()) == ([0, 1, 2], [0.5, 0.0, 6.0])

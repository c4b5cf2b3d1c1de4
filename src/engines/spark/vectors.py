"""Between Spark ML vectors and prepbench's column forms.

Spark's scalers read one vector column while prepbench has one double column per feature, so the scalers pack
their inputs with `assemble` and unpack the result with `with_elements`; both are part of the timed pipeline.
`canonical` turns a collected Arrow column into the form `Engine.collect` returns; a sparse vector column
(HashingTF over 2^18 features) goes to CSR straight from its indices and values, never through a dense row; a
dense vector column (Normalizer, PolynomialExpansion) goes to CSR too, as the canonical vector kind is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

_DENSE = 1  # the "type" field of Spark's vector struct: 0 sparse, 1 dense


def scratch(name: str, tag: str) -> str:
    """A temporary column name that cannot clash with the user's columns."""
    return f"_prepbench_{tag}_{name}"


def assemble(df: DataFrame, inputs: tuple[str, ...], vector_col: str) -> DataFrame:
    """Pack the inputs into one vector; "keep" lets a null through as NaN, as the numpy engine does."""
    return VectorAssembler(inputCols=list(inputs), outputCol=vector_col, handleInvalid="keep").transform(df)


def with_elements(df: DataFrame, vector_col: str, outputs: tuple[str, ...],
                  element: Callable[[int, Column], Column], drop: tuple[str, ...] = ()) -> DataFrame:
    """Replace a vector column (and the `drop` columns) by one double column per output; `element(i, array)` gives
    output i. One `withColumns` and one `drop`, as a hand-written script has: every output reads the same
    `vector_to_array` expression, which Spark's subexpression elimination evaluates once per row (a scratch array
    column of its own cost a DataFrame, a plan analysis and its py4j calls more on every transform)."""
    array = vector_to_array(F.col(vector_col))
    return df.withColumns({out: element(i, array) for i, out in enumerate(outputs)}).drop(vector_col, *drop)


def canonical(column: pa.ChunkedArray) -> Any:
    """numeric/index -> float64 ndarray (NaN for null); vector -> CSR float64; strings and tokens -> lists."""
    if pa.types.is_floating(column.type):
        return column.to_numpy().astype(np.float64, copy=False)
    if pa.types.is_struct(column.type):
        return sparse_to_csr(column.combine_chunks() if column.num_chunks else pa.array([], column.type))
    return column.to_pylist()


def sparse_to_csr(vectors: pa.StructArray) -> sp.csr_matrix:
    """Spark's vector struct {type, size, indices, values} as one CSR matrix. A sparse row brings its indices; a
    dense row (type 1: no size, no indices) holds every position 0..len(values)-1, in order."""
    values = vectors.field("values")
    lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = pc.list_flatten(values).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    dense_rows = pc.equal(vectors.field("type"), _DENSE).to_numpy(zero_copy_only=False)
    dense = np.repeat(dense_rows, lengths)
    indices = np.arange(len(data)) - np.repeat(indptr[:-1], lengths)  # the position within the row
    indices[~dense] = pc.list_flatten(vectors.field("indices")).to_numpy(zero_copy_only=False)
    width = max(int(pc.max(vectors.field("size")).as_py() or 0), int(lengths[dense_rows].max(initial=0)))
    return sp.csr_matrix((data, indices, indptr), shape=(len(vectors), width))

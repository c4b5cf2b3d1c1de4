"""StringIndexer: Ray's own OrdinalEncoder, one per column, with a null adapter (native+adapter); unseen and null
-> null.

Ray's OrdinalEncoder fits by converting each block to pandas and counting every value (`value_counts`), merges
the counts on the driver and numbers the distinct values in Python's `sorted` order: code point order for strings
(also beyond U+FFFF), numeric for numbers (integer and boolean columns are float64 here, false 0 < true 1). Its
Arrow transform looks each value up with `pc.index_in` and gives an int64 column, null for an unseen value. But it
refuses a null (or NaN) at fit and at transform ("Unable to fit column because it contains null values"), and
categorical columns may hold nulls, which are never a category and must come out null.

The adapter: each column's encoder is fitted on that column's non-null rows alone (a `map_batches` fused into
Ray's fit job, so one fit job per column; a lazy input is first materialised in its input columns, so earlier
steps run once, not once per column), under the output column's name. Before the transform, one Arrow
`map_batches` writes each output column as its input with null and NaN replaced by a sentinel greater than every
fitted category (`outside`), which Ray's transform then encodes in place as unseen: null. The input columns stay
as they are. The categories, to choose the sentinel, are read from the encoder's `stats_` (Ray's public fitted
state; no method returns them). A column whose fitted rows are all null gives an encoder without categories:
every index null, as Ray's transform gives it. Known limit, Ray's: its fit reads each block's value counts back
from an Arrow struct named by the categories and loses a trailing NUL there, so "b" and "b\\x00" become one
category (a strict expected failure in tests/engines/test_ray_engine.py).
"""

import math
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ray.data.dataset import MaterializedDataset
from ray.data.preprocessors import OrdinalEncoder

from src.bench.spec.operators import INTEGER, STRING
from src.engines.numpy.operators.string_indexer import require_whole_numbers

from ..vectors import map_columns

IMPLEMENTATION = "native+adapter"


def fit(ds, step):
    return fit_encoders(ds, step, OrdinalEncoder)


def transform(ds, fitted, step):
    ds = fill_nulls(ds, fitted, step)
    for encoder, _, _ in fitted:
        ds = encoder.transform(ds)
    return ds


def fit_encoders(ds, step, encoder_class) -> list[tuple]:
    """Per input column: (Ray's encoder fitted on its non-null rows, under the output name; the sentinel; K).
    Lazy input (a pipeline's earlier steps, an end-to-end read) is computed once into the input columns, not once
    per column's fit."""
    if not isinstance(ds, MaterializedDataset):
        ds = ds.select_columns(list(step.input_cols)).materialize()
    fitted = []
    for col, out, kind in zip(step.input_cols, step.output_cols, step.input_kinds):
        valid = ds.map_batches(partial(_valid_rows, col, out), batch_format="pyarrow", batch_size=None,
                               zero_copy_batch=True)
        encoder = encoder_class(columns=[out]).fit(valid)
        found = encoder.stats_[f"unique_values({out})"]  # {category: position}, or Arrow (keys, positions)
        keys = list(found) if isinstance(found, dict) else found[0].to_pylist()
        if kind == INTEGER and keys:
            require_whole_numbers(np.asarray(keys, dtype=np.float64), step.name, col)
        fitted.append((encoder, outside(keys, kind), len(keys)))
    return fitted


def outside(keys: list, kind: str):
    """A value of the column's type greater than every fitted category, so none of them: the largest string with
    a NUL appended (a longer string with the same prefix sorts after it), or the largest number plus one (its next
    float up where + 1 rounds back: integers are within +-2^53, so it is finite). Without categories, any value."""
    if not keys:
        return "" if kind == STRING else 0
    top = max(keys)
    if isinstance(top, str):
        return top + "\x00"
    return top + 1 if top + 1 > top else math.nextafter(top, math.inf)


def fill_nulls(ds, fitted, step):
    """Each output column set to its input with null and NaN replaced by the column's sentinel."""
    return map_columns(ds, step.input_cols, step.output_cols, _filled, [sentinel for _, sentinel, _ in fitted])


def _valid_rows(col: str, out: str, batch: pa.Table) -> pa.Table:
    column = batch.column(col)
    return pa.table({out: column.filter(pc.invert(pc.is_null(column, nan_is_null=True)))})


def _filled(column: pa.ChunkedArray, sentinel) -> pa.ChunkedArray:
    return pc.if_else(pc.is_null(column, nan_is_null=True), pa.scalar(sentinel, column.type), column)

"""Custom Ray aggregations for statistics Ray's preprocessors do not offer, and `streamed_aggregate`, which runs
any of Ray's aggregations as a stream.

Each one is an `AggregateFnV2`: a partial result per block, merged pairwise by `combine`, so a fit is one
`Dataset.aggregate(...)` job over all its columns. Nulls are skipped (`ignore_nulls=True`): a block without
any non-null value contributes nothing.
"""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ray.data.aggregate import AggregateFnV2
from ray.data.block import BlockAccessor

from src.engines.numpy.kernels import counted_order_statistics
from src.engines.numpy.operators.count_vectorizer import term_counts
from src.engines.tf_idf import document_frequencies


def streamed_aggregate(ds, *aggregates) -> dict:
    """What `ds.aggregate(*aggregates)` returns, computed by a map_batches task per block (each block's partial
    results, pickled) merged on the driver as they stream in. Ray's `Dataset.aggregate` is a groupby, an all-to-all
    operator that gathers every block of its input before it aggregates: over a lazy input (an end-to-end read, a
    pipeline's earlier steps) that put the whole input in the object store, and 26M ctr rows under a 2 GiB limit
    were killed in the first fit. The partial results are the aggregations' own (`init`, `accumulate_block`,
    `merge`, `finalize`)."""
    def partials(batch: pa.Table) -> dict:
        return {"partials": [pickle.dumps([a.accumulate_block(a.init(None), batch) for a in aggregates])]}

    merged = [a.init(None) for a in aggregates]
    blocks = ds.map_batches(partials, batch_format="pyarrow", batch_size=None, zero_copy_batch=True)
    for row in blocks.iter_rows():
        merged = [a.merge(m, p) for a, m, p in zip(aggregates, merged, pickle.loads(row["partials"]))]
    return {a.name: a.finalize(m) for a, m in zip(aggregates, merged)}


def _column(block, name: str) -> pa.ChunkedArray:
    return BlockAccessor.for_block(block).to_arrow().column(name)


class _ValueCounts(AggregateFnV2):
    """Distinct non-null values with their counts, as a (2, k) float64 array sorted by value.

    float64 holds counts exactly up to 2^53 and keeps the partial result one plain array. Every partial result
    is sorted: Ray may hand `finalize` the output of one `aggregate_block` over concatenated blocks, with no
    `combine` in between.
    """

    def __init__(self, on: str, name: str) -> None:
        super().__init__(f"{name}({on})", zero_factory=lambda: None, on=on, ignore_nulls=True)

    def aggregate_block(self, block) -> np.ndarray | None:
        counts = pc.value_counts(_column(block, self._target_col_name).drop_null())
        if len(counts) == 0:
            return None
        values = counts.field("values").to_numpy()
        order = np.argsort(values)
        return np.stack([values[order], counts.field("counts").to_numpy()[order].astype(np.float64)])

    def combine(self, current: np.ndarray, new: np.ndarray) -> np.ndarray:
        values = np.concatenate([current[0], new[0]])
        values, where = np.unique(values, return_inverse=True)
        return np.stack([values, np.bincount(where, weights=np.concatenate([current[1], new[1]]))])


class LowerMedian(_ValueCounts):
    """The value at rank ceil(n/2) among the n non-null values (the canonical median of Imputer)."""

    def __init__(self, on: str) -> None:
        super().__init__(on, "lower_median")

    def finalize(self, accumulator: np.ndarray) -> float:
        return counted_order_statistics(np.asarray(accumulator[0]), np.asarray(accumulator[1]), [0.5])[0]


class OrderStatistics(_ValueCounts):
    """The canonical quantiles Q(p) = x_(ceil(p*n)) of the n non-null values, one per probability."""

    def __init__(self, on: str, probabilities: list[float]) -> None:
        super().__init__(on, "order_statistics")
        self.probabilities = probabilities

    def finalize(self, accumulator: np.ndarray) -> list[float]:
        return counted_order_statistics(np.asarray(accumulator[0]), np.asarray(accumulator[1]), self.probabilities)


class SmallestMode(_ValueCounts):
    """The most frequent non-null value; ties go to the smallest (values are sorted, argmax takes the first)."""

    def __init__(self, on: str) -> None:
        super().__init__(on, "smallest_mode")

    def finalize(self, accumulator: np.ndarray) -> float:
        return float(np.asarray(accumulator[0])[np.argmax(accumulator[1])])


class DocumentFrequency(AggregateFnV2):
    """[number of rows, then per vector index the number of rows with a non-zero entry there]."""

    def __init__(self, on: str) -> None:
        super().__init__(f"document_frequency({on})", zero_factory=lambda: None, on=on, ignore_nulls=True)

    def aggregate_block(self, block) -> np.ndarray | None:
        rows, df = document_frequencies(_column(block, self._target_col_name))
        return np.concatenate([[rows], df]) if rows else None

    def combine(self, current: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.asarray(current) + np.asarray(new)


class TermCounts(AggregateFnV2):
    """(rows, a table of each distinct token with its total count and document frequency) over a tokens column."""

    def __init__(self, on: str) -> None:
        super().__init__(f"term_counts({on})", zero_factory=lambda: None, on=on, ignore_nulls=False)

    def aggregate_block(self, block) -> tuple[int, pa.Table]:
        tokens = _column(block, self._target_col_name).combine_chunks()
        words, counts, dfs = term_counts(tokens)
        return len(tokens), pa.table({"token": words, "count": counts, "df": dfs})

    def combine(self, current: tuple[int, pa.Table] | None, new: tuple[int, pa.Table] | None):
        if current is None or new is None:
            return new if current is None else current
        merged = pa.concat_tables([current[1], new[1]]).group_by("token").aggregate([("count", "sum"), ("df", "sum")])
        return current[0] + new[0], merged.rename_columns(["token", "count", "df"])

    def finalize(self, accumulator: tuple[int, pa.Table] | None) -> tuple[int, pa.Table]:
        return accumulator or (0, pa.table({"token": pa.array([], pa.string()), "count": [], "df": []}))

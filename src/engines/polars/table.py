"""What the Polars operators share: the lazy table they fit on and transform, the check of the scalers' inputs,
and the sparse vector column.

A `Table` is a LazyFrame plus the Polars engine its queries run on (auto, in-memory or streaming): a transform adds
expressions to the plan, a fit runs one query that aggregates every input column at once.

A vector column is a struct per row, `{size: int32, indices: list<int32>, values: list<float64>}` (indices
ascending, one entry per non-zero), the layout the Ray engine keeps too: Polars has no sparse type, and a
dense list of 2^18 floats per row would not fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from src.bench.errors import missing_values


@dataclass(frozen=True)
class Table:
    plan: pl.LazyFrame
    engine: str  # how Polars runs the queries: "auto" (Polars' choice), "in-memory" or "streaming"

    def with_columns(self, columns: dict[str, pl.Expr]) -> Table:
        return replace(self, plan=self.plan.with_columns(expr.alias(name) for name, expr in columns.items()))

    def drop(self, columns: list[str]) -> Table:
        return replace(self, plan=self.plan.drop(columns))

    def compute(self, **aggregates: pl.Expr) -> pl.DataFrame:
        """The aggregates (one value each) in one query over the plan: a one-row frame."""
        return self.plan.select(**aggregates).collect(engine=self.engine)

    def collect(self, columns: list[str]) -> pl.DataFrame:
        return self.plan.select(columns).collect(engine=self.engine)


def first_missing(column: str) -> pl.Expr:
    """The row number of the column's first null or NaN, null when it has none (one aggregate of a fit)."""
    x = pl.col(column)
    return (x.is_null() | x.is_nan()).arg_true().first()


def require_values(missing_row: int | None, operator: str, column: str) -> None:
    """The scalers refuse missing values (null or NaN, the same to prepbench), as the reference does."""
    if missing_row is not None:
        raise missing_values(operator, column, missing_row)


def vector(size: int, indices: pl.Expr, values: pl.Expr) -> pl.Expr:
    """A sparse vector column of the given width from per-row lists of ascending indices and their values."""
    return pl.struct(
        size=pl.lit(size, dtype=pl.Int32),
        indices=indices.cast(pl.List(pl.Int32)),
        values=values.cast(pl.List(pl.Float64)),
    )

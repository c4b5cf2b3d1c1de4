"""Normalizer: each row of the input columns divided by its p-norm, one vector column (custom: Polars has no
preprocessing library).

One expression: the row's norm from horizontal sums and maxima (p = 1: sum |x|; 2: sqrt(sum x^2); inf: max |x|),
each column divided by it (a zero row stays zero), and the quotients listed as a dense vector: every position
0..k-1 stored, in prepbench's vector struct.
"""

import math

import polars as pl

from ..table import Table, vector

IMPLEMENTATION = "custom"


def norm(columns: list[pl.Expr], p: float) -> pl.Expr:
    if p == 1.0:
        return pl.sum_horizontal([c.abs() for c in columns])
    if p == math.inf:
        return pl.max_horizontal([c.abs() for c in columns])
    return pl.sum_horizontal([c * c for c in columns]).sqrt()


def transform(data: Table, state, step) -> Table:
    columns = [pl.col(c).cast(pl.Float64) for c in step.input_cols]
    k, length = len(columns), norm(columns, step.params["p"])
    values = pl.concat_list([pl.when(length > 0).then(c / length).otherwise(0.0) for c in columns])
    return data.with_columns({step.output_cols[0]: vector(k, pl.lit(list(range(k)), dtype=pl.List(pl.Int32)), values)})

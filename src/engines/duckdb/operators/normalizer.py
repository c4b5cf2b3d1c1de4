"""Normalizer in SQL (custom: DuckDB has no ML preprocessing library).

The row's p-norm (p = 1: the sum of |x|; 2: the square root of the sum of squares; inf: `greatest` of |x|) in a
scratch column, then each input divided by it (a zero row stays zero) as one dense vector: every position 0..k-1
stored, in prepbench's vector struct. The scratch column is dropped.
"""

import math

from src.bench.spec.plan import Step

from ..query import Query, sparse

IMPLEMENTATION = "custom"


def norm(columns: list[str], p: float) -> str:
    if p == 1.0:
        return " + ".join(f"abs({c})" for c in columns)
    if p == math.inf:
        return f"greatest({', '.join(f'abs({c})' for c in columns)})"
    return f"sqrt({' + '.join(f'{c} * {c}' for c in columns)})"


def transform(data: Query, state: None, step: Step) -> Query:
    output, k = step.output_cols[0], len(step.input_cols)
    scratch = f"_prepbench_norm_{output}"
    normed = data.with_columns({scratch: norm([f"{data.col(c)}::DOUBLE" for c in step.input_cols], step.params["p"])})
    length = normed.col(scratch)
    values = ", ".join(f"CASE WHEN {length} > 0 THEN {normed.col(c)}::DOUBLE / {length} ELSE 0.0 END"
                       for c in step.input_cols)
    return normed.with_columns({output: sparse(k, f"range({k})", f"[{values}]")}, {output: k}, drop=(scratch,))

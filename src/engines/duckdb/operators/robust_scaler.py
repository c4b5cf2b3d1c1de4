"""RobustScaler in SQL (custom: DuckDB has no ML preprocessing library).

fit: the row count (and the missing-value check) in one aggregate query, then per column one query that numbers
the sorted values (`row_number() OVER (ORDER BY x)`) and keeps the three ranks of Q(0.5), Q(lower) and Q(upper),
x_(ceil(p*n)) as the reference computes them. DuckDB's `quantile_disc` takes the element at floor((n - 1) * p),
another rank for some n and p. transform: (x - median) * (1 / IQR); an IQR of 0 gives 0.
"""

from src.bench.spec.plan import Step
from src.engines.numpy.kernels import quantile_rank

from ..query import Query, double, numeric_statistics

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[float, float, float]]:
    n = numeric_statistics(data, step, lambda x: ["count(*)"])[0][0]
    ranks = [quantile_rank(p, n) for p in (0.5, step.params["lower"], step.params["upper"])]
    state = []
    for c in step.input_cols:
        x = data.col(c)
        found = dict(data.session.rows(
            f"SELECT r, v FROM (SELECT {x} AS v, row_number() OVER (ORDER BY {x}) AS r FROM ({data.sql}) AS t) "
            f"WHERE r IN ({', '.join(map(str, sorted(set(ranks))))})"))
        state.append(tuple(found[r] for r in ranks))
    return state


def transform(data: Query, state: list[tuple[float, float, float]], step: Step) -> Query:
    centering, scaling = step.params["with_centering"], step.params["with_scaling"]
    columns = {}
    for name, c, (median, low, high) in zip(step.output_cols, step.input_cols, state):
        if scaling and high == low:
            columns[name] = double(0.0)
        else:
            shift = double(median if centering else 0.0)
            columns[name] = f"({data.col(c)} - {shift}) * {double(1.0 / (high - low) if scaling else 1.0)}"
    return data.with_columns(columns)

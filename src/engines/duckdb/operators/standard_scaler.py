"""StandardScaler in SQL (custom: DuckDB has no ML preprocessing library, so every operator here is SQL written
for prepbench's definition).

fit: one aggregate query for every column: the mean (`favg`, compensated summation), the population standard
deviation (`stddev_pop`, Welford's algorithm) and min and max; a column whose min equals its max is constant and
gets std 0, however the rounding of its std came out (0.1 seven times). transform: (x - mean) * (1 / std), or x - mean
without with_std, x / std without with_mean; a constant column gives 0 (with with_std), also on new data.
"""

from src.bench.spec.plan import Step

from ..query import Query, double, numeric_statistics

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[float, float]]:
    stats = numeric_statistics(data, step, lambda x: [f"favg({x})", f"stddev_pop({x})", f"min({x})", f"max({x})"])
    return [(mean, 0.0 if low == high else std) for mean, std, low, high in stats]


def transform(data: Query, state: list[tuple[float, float]], step: Step) -> Query:
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    columns = {}
    for name, c, (mean, std) in zip(step.output_cols, step.input_cols, state):
        if with_std and std == 0:
            columns[name] = double(0.0)
        else:
            shift, scale = mean if with_mean else 0.0, 1.0 / std if with_std else 1.0
            columns[name] = f"({data.col(c)} - {double(shift)}) * {double(scale)}"
    return data.with_columns(columns)

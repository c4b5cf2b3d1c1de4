"""MinMaxScaler in SQL (custom: DuckDB has no ML preprocessing library).

fit: min and max of every column in one aggregate query. transform: (x - min) * ((hi - lo) / (max - min)) + lo,
not clipped; a column constant at fit gives lo, also on new data.
"""

from src.bench.spec.plan import Step

from ..query import Query, double, numeric_statistics

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[float, float]]:
    return numeric_statistics(data, step, lambda x: [f"min({x})", f"max({x})"])


def transform(data: Query, state: list[tuple[float, float]], step: Step) -> Query:
    lo, hi = step.params["min"], step.params["max"]
    columns = {}
    for name, c, (low, high) in zip(step.output_cols, step.input_cols, state):
        if high > low:
            columns[name] = f"({data.col(c)} - {double(low)}) * {double((hi - lo) / (high - low))} + {double(lo)}"
        else:
            columns[name] = double(lo)
    return data.with_columns(columns)

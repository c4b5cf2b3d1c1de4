"""MaxAbsScaler in SQL (custom: DuckDB has no ML preprocessing library).

fit: max(|x|) of every column in one aggregate query (which also finds missing values). transform: x / max|x|;
an all-zero column is divided by 1, so it stays 0.
"""

from src.bench.spec.plan import Step

from ..query import Query, double, numeric_statistics

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[float]:
    return [high or 1.0 for (high,) in numeric_statistics(data, step, lambda x: [f"max(abs({x}))"])]


def transform(data: Query, state: list[float], step: Step) -> Query:
    return data.with_columns({name: f"{data.col(c)}::DOUBLE / {double(scale)}"
                              for name, c, scale in zip(step.output_cols, step.input_cols, state)})

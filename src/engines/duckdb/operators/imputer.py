"""Imputer in SQL (custom: DuckDB has no ML preprocessing library).

Missing is null or NaN: DuckDB's aggregates skip null but take NaN as a value (ordered above every number), so
each statistic reads only the values that are neither. mean: `favg` (compensated summation); median: the lower
median x_(ceil(n/2)), which is DuckDB's `quantile_disc(x, 0.5)` (the element at floor((n - 1) / 2) of the sorted
values; DuckDB's `median` averages the two middle ones); mode: the most frequent value, ties to the smallest, by
a GROUP BY ordered by count then value (DuckDB's `mode` does not promise which of tied values it returns);
constant: fill_value, without a query. transform replaces null and NaN with the column's statistic.
"""

from src.bench.errors import UserError
from src.bench.spec.plan import Step

from ..query import Query, double, missing

IMPLEMENTATION = "custom"
AGGREGATES = {"mean": "favg({})", "median": "quantile_disc({}, 0.5)"}


def fit(data: Query, step: Step) -> list[float]:
    strategy = step.params["strategy"]
    if strategy == "constant":
        return [step.params["fill_value"]] * len(step.input_cols)
    if strategy == "mode":
        return [_mode(data, c) for c in step.input_cols]
    columns = [data.col(c) for c in step.input_cols]
    found = data.one_row([f"{AGGREGATES[strategy].format(x)} FILTER (WHERE NOT {missing(x)})" for x in columns])
    for c, value in zip(step.input_cols, found):
        _require_values(value, c)
    return list(found)


def _mode(data: Query, column: str) -> float:
    x = data.col(column)
    found = data.session.rows(f"SELECT {x} FROM ({data.sql}) AS t WHERE NOT {missing(x)} GROUP BY {x} "
                              f"ORDER BY count(*) DESC, {x} LIMIT 1")
    _require_values(found[0][0] if found else None, column)
    return found[0][0]


def _require_values(statistic: float | None, column: str) -> None:
    if statistic is None:
        raise UserError(f"Imputer: column '{column}' has no non-null values, so there is nothing to impute from")


def transform(data: Query, state: list[float], step: Step) -> Query:
    return data.with_columns({
        name: f"CASE WHEN {missing(data.col(c))} THEN {double(fill)} ELSE {data.col(c)} END"
        for name, c, fill in zip(step.output_cols, step.input_cols, state)
    })

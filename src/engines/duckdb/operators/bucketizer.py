"""Bucketizer in SQL (custom: DuckDB has no ML preprocessing library).

The bucket is the number of inner splits at or below x, a sum of comparisons: SQL compares doubles as IEEE 754
numbers, so -0.0 counts as 0.0, and the last split s_k, not among the inner ones, stays in the last bucket. A
missing value (null, or NaN, which DuckDB orders above every number) goes to bucket k with handle_invalid keep;
invalid input (missing values under error, values outside the splits) is refused by the reference check before
the engine runs.
"""

from src.bench.spec.plan import Step

from ..query import Query, double, missing

IMPLEMENTATION = "custom"


def bucket(x: str, splits) -> str:
    """The bucket of x among the splits in SQL; missing -> k (QuantileDiscretizer buckets with it too)."""
    inner = " + ".join(f"({x} >= {double(s)})::DOUBLE" for s in splits[1:-1])
    return f"CASE WHEN {missing(x)} THEN {double(len(splits) - 1.0)} ELSE {inner} END"


def transform(data: Query, state, step: Step) -> Query:
    splits = step.params["splits"]
    return data.with_columns({name: bucket(data.col(c), splits) for name, c in zip(step.output_cols, step.input_cols)})

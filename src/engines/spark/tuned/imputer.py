"""Imputer, tuned: every column's statistic in one SQL aggregate, the fill a `coalesce` in one select.

Faster than stock because Spark's Imputer computes the median with approxQuantile (relativeError 0 keeps every
value in its sketch) and the mode with a groupBy per column; here the median is the exact `percentile_disc(0.5)`
(the lower median, as canonical), the mode `mode(x, deterministic)` (ties to the smallest value), the mean `avg`,
all in one aggregate over the NaN-as-null columns, and the constant strategy needs no pass at all.
"""

from pyspark.sql import functions as F

IMPLEMENTATION = "custom"


def _observed(col: str):
    """The column as double with NaN as null: both are missing."""
    x = F.col(col).cast("double")
    return F.when(~F.isnan(x), x)


def _statistic(strategy: str, col: str):
    if strategy == "mean":
        return F.avg(_observed(col))
    if strategy == "median":  # pyspark has no function for it: the SQL aggregate, nulls and NaN skipped
        x = f"CAST(`{col.replace('`', '``')}` AS DOUBLE)"
        return F.expr(f"percentile_disc(0.5) WITHIN GROUP (ORDER BY CASE WHEN NOT isnan({x}) THEN {x} END)")
    return F.mode(_observed(col), deterministic=True)


def fit(df, step):
    strategy = step.params["strategy"]
    if strategy == "constant":
        return [float(step.params["fill_value"])] * len(step.input_cols)
    return list(df.agg(*[_statistic(strategy, c) for c in step.input_cols]).first())


def transform(df, fills, step):
    return df.withColumns({name: F.coalesce(_observed(col), F.lit(fill))
                           for col, name, fill in zip(step.input_cols, step.output_cols, fills)})

"""StandardScaler, tuned: one SQL aggregate of avg, stddev_pop, min and max per column, then one select of
expressions.

Faster than stock because nothing goes through a vector: stock packs the columns with VectorAssembler, fits with
Summarizer over vectors, counts the rows again for the population rescale and unpacks with vector_to_array; here
the fit is one aggregate (the population std directly) and the transform plain arithmetic that codegen compiles.
"""

from pyspark.sql import functions as F

IMPLEMENTATION = "custom"


def fit(df, step):
    """(mean, std) per column; a constant column (min == max: its std may be rounding noise) has std 0."""
    columns = [F.col(c).cast("double") for c in step.input_cols]
    row = df.agg(*[f(x) for x in columns for f in (F.avg, F.stddev_pop, F.min, F.max)]).first()
    stats = [row[4 * i : 4 * i + 4] for i in range(len(columns))]
    return [(mean, 0.0 if mn == mx else std) for mean, std, mn, mx in stats]


def transform(df, stats, step):
    with_mean, with_std = step.params["with_mean"], step.params["with_std"]
    out = {}
    for col, name, (mean, std) in zip(step.input_cols, step.output_cols, stats):
        x = F.col(col).cast("double")
        if with_std and std == 0:  # a constant column gives 0
            out[name] = x * 0.0
            continue
        if with_mean:
            x = x - F.lit(mean)
        out[name] = x * F.lit(1.0 / std) if with_std else x
    return df.withColumns(out)

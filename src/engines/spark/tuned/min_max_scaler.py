"""MinMaxScaler, tuned: one SQL aggregate of min and max per column, then one select of expressions.

Faster than stock because nothing goes through a vector: stock packs the columns with VectorAssembler, fits
Summarizer over vectors and unpacks with vector_to_array (then fixes constant columns); here the fit is one
aggregate and the transform plain arithmetic that codegen compiles, a constant column mapped straight to `min`.
"""

from pyspark.sql import functions as F

IMPLEMENTATION = "custom"


def fit(df, step):
    columns = [F.col(c).cast("double") for c in step.input_cols]
    row = df.agg(*[f(x) for x in columns for f in (F.min, F.max)]).first()
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(columns))]


def transform(df, stats, step):
    lo, hi = step.params["min"], step.params["max"]
    out = {}
    for col, name, (mn, mx) in zip(step.input_cols, step.output_cols, stats):
        x = F.col(col).cast("double")
        out[name] = (x - F.lit(mn)) * F.lit((hi - lo) / (mx - mn)) + F.lit(lo) if mx > mn else x * 0.0 + F.lit(lo)
    return df.withColumns(out)

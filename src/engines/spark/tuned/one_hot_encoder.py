"""OneHotEncoder, tuned: the stock positions (StringIndexer's model, or the index itself), then each row's sparse
vector written as a SQL struct in Spark's vector layout {type 0, size K, indices, values}.

Faster than stock because the OneHotEncoder stage is gone: stock runs the OneHotEncoderModel's Scala UDF per row,
which builds a SparseVector object and serialises it through Spark's vector type; here the vector is a struct of
built-in expressions, which codegen compiles, and the fit is the positions' alone. A position
outside 0..K-1 (unseen or null) gives an empty row, as canonical. The struct has the fields of Spark's vector
type, so collecting and saving read it as they read a vector.
"""

from pyspark.sql import functions as F

from ..operators.one_hot_encoder import fit_positions, with_positions
from ..vectors import scratch

IMPLEMENTATION = "custom"


def fit(df, step):
    return fit_positions(df, step)


def transform(df, state, step):
    _, sizes = state
    positioned = with_positions(df, step, state)
    vectors = {}
    for out, k in zip(step.output_cols, sizes):
        p = F.col(scratch(out, "position")).cast("int")
        seen = (p >= 0) & (p < k)
        vectors[out] = F.struct(
            F.lit(0).cast("byte").alias("type"), F.lit(k).alias("size"),
            F.when(seen, F.array(p)).otherwise(F.array().cast("array<int>")).alias("indices"),
            F.when(seen, F.array(F.lit(1.0))).otherwise(F.array().cast("array<double>")).alias("values"))
    return positioned.withColumns(vectors).drop(*(scratch(o, "position") for o in step.output_cols))

"""OneHotEncoder, tuned: each row's position from the tuned StringIndexer (its labels' broadcast join), or the index
itself, then each row's sparse vector written as a SQL struct in Spark's vector layout {type 0, size K, indices,
values}.

Faster than stock because neither the StringIndexerModel nor the OneHotEncoder stage runs: stock looks each value
up with StringIndexerModel's Scala UDF and runs the OneHotEncoderModel's Scala UDF per row, which builds a
SparseVector object and serialises it through Spark's vector type; here the positions are a broadcast hash join
(tuned/string_indexer.py) and the vector a struct of built-in expressions, which codegen compiles. A position
outside 0..K-1 (unseen or null) gives an empty row, as canonical. The struct has the fields of Spark's vector
type, so collecting and saving read it as they read a vector.
"""

from pyspark.sql import functions as F

from ..operators.one_hot_encoder import index_sizes, split_inputs, sub_step
from ..vectors import scratch
from .string_indexer import fit_labels, with_positions

IMPLEMENTATION = "custom"


def fit(df, step):
    """The labels of the category columns, and K of every column (category columns first, then index columns)."""
    categories, indices = split_inputs(step)
    labels = fit_labels(df, sub_step(step, categories)) if categories else []
    return labels, [len(found) for found in labels] + index_sizes(df, [c for c, _ in indices])


def transform(df, state, step):
    labels, sizes = state
    categories, indices = split_inputs(step)
    if categories:  # 0..K-1, null for unseen and null
        df = with_positions(df, sub_step(step, categories), labels, [scratch(o, "position") for _, o in categories])
    df = df.withColumns({scratch(o, "position"): F.col(c).cast("int") for c, o in indices})  # 0..K-1 or null
    vectors = {}
    for out, k in zip([o for _, o in categories] + [o for _, o in indices], sizes):
        p = F.col(scratch(out, "position"))
        seen = p.isNotNull() & (p >= 0) & (p < k)
        vectors[out] = F.struct(
            F.lit(0).cast("byte").alias("type"), F.lit(k).alias("size"),
            F.when(seen, F.array(p)).otherwise(F.array().cast("array<int>")).alias("indices"),
            F.when(seen, F.array(F.lit(1.0))).otherwise(F.array().cast("array<double>")).alias("values"))
    return df.withColumns(vectors).drop(*(scratch(o, "position") for o in step.output_cols))

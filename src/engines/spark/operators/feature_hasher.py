"""FeatureHasher: Spark's FeatureHasher(numFeatures), whose hashing is the definition, with NaN read as missing
(native+adapter).

Spark hashes `c=value` for string columns and the column name for numeric ones, skips nulls and adds up
collisions, as the definition does. A NaN, though, is missing to prepbench and a value to Spark (it would store
NaN): the adapter hashes a projection in which each numeric input is `nanvl(x, null)` under its own name (the name
is what gets hashed), with the other columns carried in a struct and unpacked afterwards, all in one lazy plan.
Integer and boolean columns are already doubles (the loader's), so Spark takes them as numbers, as prepbench does
(it would hash a boolean column as `c=true`). Known limit: a column name Spark cannot take as it is (a dot, upper
case) has prepbench's Spark-safe name here (names.py), and that name is what Spark hashes.
"""

from pyspark.ml.feature import FeatureHasher
from pyspark.sql import functions as F

from src.bench.spec.operators import STRING

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def transform(df, state, step):
    output = step.output_cols[0]
    carried = scratch(output, "row")
    inputs = [F.col(c) if kind == STRING else F.nanvl(F.col(c), F.lit(None)).alias(c)
              for c, kind in zip(step.input_cols, step.input_kinds)]
    hasher = FeatureHasher(inputCols=list(step.input_cols), outputCol=output, numFeatures=step.params["num_features"])
    hashed = hasher.transform(df.select(*inputs, F.struct(*df.columns).alias(carried)))
    return hashed.select(f"{carried}.*", output)

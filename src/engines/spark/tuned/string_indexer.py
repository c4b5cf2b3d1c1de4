"""StringIndexer, tuned: the sorted labels from one SQL aggregate, the index a broadcast hash join with a small
(label, position) DataFrame.

Faster than stock because no StringIndexerModel is built or run: stock turns the aggregate's row into Java
String arrays with a py4j call per column and step and transforms with a Scala UDF per row (each value converted
to a Java String, looked up in a hash map, the out-of-range index fixed by a second expression); here the labels
come back through Arrow and the lookup is a broadcast hash join that codegen compiles. Measured at 1e7 rows, two
columns of K = 20 labels, median of 5 `noop` writes of the transform: join 1.83 s, stock 1.95 s, and 2.64 s for
`array_position` in a literal label array (a linear scan per row), which this module used up to 32 labels before.

Same labels as stock: `sort_array(collect_set(key))`, strings in UTF-8 byte order (= code point order) and whole
numbers (integer and boolean columns, held as double) as longs in numeric order; collect_set skips nulls, so null
is never a label and, like an unseen value, joins none (null index); the empty string is a label like any other.
"""

import pyarrow as pa
from pyspark.sql import functions as F

from ..operators.string_indexer import keys
from ..vectors import scratch

IMPLEMENTATION = "custom"


def fit_labels(df, step) -> list[pa.Array]:
    """Every column's labels in one aggregate, sorted by Spark, brought to the driver through Arrow."""
    row = df.agg(*[F.sort_array(F.collect_set(k)).alias(f"c{i}") for i, k in enumerate(keys(step).values())])
    table = row.toArrow()
    return [table.column(i).combine_chunks().flatten() for i in range(table.num_columns)]


def with_positions(df, step, labels: list[pa.Array], names: list[str]):
    """Each input's 0-based position among its labels as an int column `names[i]`, null for null or unseen."""
    spark, empty = df.sparkSession, {}
    for key, found, name in zip(keys(step).values(), labels, names):
        if len(found) == 0:  # no value in the fitted rows: no label
            empty[name] = F.lit(None).cast("int")
            continue
        label = scratch(name, "label")
        table = spark.createDataFrame(pa.table({label: found, name: pa.array(range(len(found)), pa.int32())}))
        df = df.join(F.broadcast(table), key == F.col(label), "left").drop(label)
    return df.withColumns(empty) if empty else df


def fit(df, step):
    return fit_labels(df, step)


def transform(df, labels, step):
    names = [scratch(o, "position") for o in step.output_cols]
    positioned = with_positions(df, step, labels, names)
    return positioned.withColumns({o: F.col(n).cast("double") for o, n in zip(step.output_cols, names)}).drop(*names)

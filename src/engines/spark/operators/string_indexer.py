"""StringIndexer: Spark's StringIndexerModel over the labels its alphabetAsc fit computes; unseen and null -> null.

The labels are those of Spark's own alphabetAsc fit, `sort_array(collect_set(column))` in one aggregate, taken
over a key column: a string column itself, whose labels Spark 4.3 sorts as UTF-8 bytes, i.e. by code point also
beyond U+FFFF; an integer or boolean column (held as double) as a long, so the labels sort numerically where
Spark's StringIndexer would cast the numbers to strings and sort "10" before "9". A `StringIndexerModel`
(handleInvalid="keep") built in the JVM from those labels then indexes the key columns (a long is cast to its
decimal string, the label's form): unseen and null values get an index past the column's labels, which becomes
null. The empty string is a label like any other; collect_set skips nulls, so null is never one.
"""

from pyspark.ml.feature import StringIndexerModel
from pyspark.sql import functions as F

from src.bench.spec.operators import INTEGER

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def keys(step) -> dict[str, object]:
    """input column -> the column StringIndexerModel reads: the string itself, or a whole number as a long."""
    out = {}
    for col, kind in zip(step.input_cols, step.input_kinds):
        if kind == INTEGER:
            x = F.col(col).cast("double")  # a boolean becomes 0.0 / 1.0
            out[col] = F.when(x == F.floor(x), x.cast("long"))  # a fraction (mistyped CSV) matches no label
        else:
            out[col] = F.col(col)
    return out


def key_name(step, col: str) -> str:
    kind = step.input_kinds[step.input_cols.index(col)]
    return scratch(col, "key") if kind == INTEGER else col


def with_keys(df, step):
    """The whole-number key columns added; a step of string columns only is given its frame back (an empty
    `withColumns` would still be a new DataFrame, analysed again in the JVM)."""
    if INTEGER not in step.input_kinds:  # nor builds the string columns' keys (a few py4j calls each) to no use
        return df
    return df.withColumns({key_name(step, c): k for c, k in keys(step).items() if key_name(step, c) != c})


def _labels(key, kind: str):
    """The sorted distinct keys as strings: a string column's as they are, a whole number's cast to its decimal
    string (only there: the lambda costs a few dozen py4j calls a column)."""
    found = F.sort_array(F.collect_set(key))
    return F.transform(found, lambda x: x.cast("string")) if kind == INTEGER else found


def fit_indexer(df, step, outputs: list[str]) -> tuple[StringIndexerModel, list[int]]:
    """One aggregate for every column, the labels sorted by Spark (code point / numeric) and cast to the label's
    string form, then the model and the number of labels K of each column. The labels stay in the JVM: the model
    is built there from the aggregate's row, a few py4j calls per column, where pyspark's `from_arrays_of_labels`
    makes one call per label (hours at a million categories in each of 26 columns). Every index >= K of its
    column (unseen, null) is unseen."""
    labels = df.agg(*[_labels(k, kind).alias(f"c{i}") for i, (k, kind) in enumerate(zip(keys(step).values(),
                                                                                           step.input_kinds))])
    row = labels._jdf.first()
    gateway = df.sparkSession.sparkContext._gateway
    jvm = gateway.jvm
    arrays = gateway.new_array(jvm.java.lang.String, len(step.input_cols), 0)
    string_class = jvm.java.lang.Class.forName("java.lang.String")
    sizes = []
    for i in range(len(step.input_cols)):
        values = row.getList(i).toArray()  # Object[] of the column's labels
        sizes.append(len(values))
        arrays[i] = jvm.java.lang.reflect.Array.newInstance(string_class, sizes[-1])
        jvm.java.lang.System.arraycopy(values, 0, arrays[i], 0, sizes[-1])
    model = StringIndexerModel._create_from_java_class("org.apache.spark.ml.feature.StringIndexerModel", arrays)
    model.setInputCols([key_name(step, c) for c in step.input_cols]).setOutputCols(outputs).setHandleInvalid("keep")
    return model, sizes


def fit(df, step):
    return fit_indexer(df, step, [scratch(c, "index") for c in step.output_cols])


def transform(df, state, step):
    model, sizes = state
    raw = model.getOutputCols()
    indexed = model.transform(with_keys(df, step))
    unknown = {out: F.when(F.col(r) < k, F.col(r)) for out, r, k in zip(step.output_cols, raw, sizes)}
    added = [key_name(step, c) for c in step.input_cols if key_name(step, c) != c]
    return indexed.withColumns(unknown).drop(*raw, *added)

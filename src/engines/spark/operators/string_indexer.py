"""StringIndexer: Spark's StringIndexerModel over the labels its alphabetAsc fit computes; unseen and null -> null.

The labels are those of Spark's own alphabetAsc fit, `sort_array(collect_set(column))` in one aggregate, taken
over a key column: a string column itself, whose labels Spark 4.3 sorts as UTF-8 bytes, i.e. by code point also
beyond U+FFFF; an integer or boolean column (held as double) as a long, so the labels sort numerically where
Spark's StringIndexer would cast the numbers to strings and sort "10" before "9". `StringIndexerModel
.from_arrays_of_labels(handleInvalid="keep")` then indexes the key columns (Spark casts a long to its decimal
string, the label's form): unseen and null values get an index past the column's labels, which becomes null. The empty
string is a label like any other; collect_set skips nulls, so null is never one.
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
    return df.withColumns({key_name(step, c): k for c, k in keys(step).items() if key_name(step, c) != c})


def fit_indexer(df, step, outputs: list[str]) -> tuple[StringIndexerModel, list[int]]:
    """One aggregate for every column, the labels sorted by Spark (code point / numeric), then the model and the
    number of labels K of each column. pyspark hands the JVM a rectangular array, padding shorter label lists with
    null, so the model's "unseen" index is the longest list's length: every index >= K of its column is unseen."""
    labels = df.agg(*[F.sort_array(F.collect_set(k)).alias(f"c{i}") for i, k in enumerate(keys(step).values())])
    row = labels.first()
    arrays = [[str(v) for v in row[i]] for i in range(len(step.input_cols))]
    model = StringIndexerModel.from_arrays_of_labels(
        arrays, inputCols=[key_name(step, c) for c in step.input_cols], outputCols=outputs, handleInvalid="keep"
    )
    return model, [len(a) for a in arrays]


def fit(df, step):
    return fit_indexer(df, step, [scratch(c, "index") for c in step.output_cols])


def transform(df, state, step):
    model, sizes = state
    raw = model.getOutputCols()
    indexed = model.transform(with_keys(df, step))
    unknown = {out: F.when(F.col(r) < k, F.col(r)) for out, r, k in zip(step.output_cols, raw, sizes)}
    added = [key_name(step, c) for c in step.input_cols if key_name(step, c) != c]
    return indexed.withColumns(unknown).drop(*raw, *added)

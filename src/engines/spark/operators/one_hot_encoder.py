"""OneHotEncoder: Spark's OneHotEncoder(dropLast=True) fed so that the dropped slot is the "unknown" one.

String input: StringIndexer(alphabetAsc, handleInvalid="keep") numbers the K sorted training values 0..K-1 and
every unseen or null value K; its column metadata tells the encoder there are K+1 values, and dropLast removes
slot K, so unseen and null encode as all zeros in K columns.
Index input (from our StringIndexer, 0..K-1 with null for unseen): K is counted in fit, the column is given
nominal metadata with K values, and handleInvalid="keep" with dropLast sends null (as -1) to the dropped slot.
"""

from pyspark.ml.feature import OneHotEncoder, StringIndexer
from pyspark.sql import functions as F

from src.bench.spec.operators import STRING

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    positions = [scratch(c, "position") for c in step.output_cols]
    if step.input_kinds[0] == STRING:
        indexer = StringIndexer(inputCols=list(step.input_cols), outputCols=positions,
                                stringOrderType="alphabetAsc", handleInvalid="keep").fit(df)
        encoder = OneHotEncoder(inputCols=positions, outputCols=list(step.output_cols), dropLast=True)
        return indexer, encoder.fit(indexer.transform(df))
    sizes = _index_sizes(df, step.input_cols)
    encoder = OneHotEncoder(inputCols=positions, outputCols=list(step.output_cols), dropLast=True,
                            handleInvalid="keep")
    return sizes, encoder.fit(_with_positions(df, step.input_cols, positions, sizes))


def _index_sizes(df, columns) -> list[int]:
    """K per column: the count of distinct non-null indices, which must be exactly 0..K-1."""
    aggs = [f(c) for c in columns for f in (F.count_distinct, F.min, F.max)]
    stats = df.agg(*aggs).first()
    sizes = []
    for i, name in enumerate(columns):
        k, lo, hi = stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]
        if k and (lo != 0 or hi != k - 1):
            raise ValueError(f"OneHotEncoder: index column '{name}' holds values other than 0..{k - 1}")
        sizes.append(int(k))
    return sizes


def _with_positions(df, columns, positions, sizes):
    """The index as a nominal attribute with K values; null becomes -1, which "keep" sends to the dropped slot."""
    return df.withColumns({
        pos: F.coalesce(F.col(c), F.lit(-1.0)).alias(pos, metadata={"ml_attr": {"type": "nominal", "num_vals": k}})
        for c, pos, k in zip(columns, positions, sizes)
    })


def transform(df, state, step):
    first, encoder = state
    if step.input_kinds[0] == STRING:
        return encoder.transform(first.transform(df)).drop(*encoder.getInputCols())
    positions = encoder.getInputCols()
    return encoder.transform(_with_positions(df, step.input_cols, positions, first)).drop(*positions)

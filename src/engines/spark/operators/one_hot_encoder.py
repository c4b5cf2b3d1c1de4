"""OneHotEncoder: Spark's OneHotEncoder(dropLast=True) fed so that the dropped slot is the "unknown" one.

String, integer and boolean input: StringIndexer's labels and model as in string_indexer.py (code point order for
strings, numeric order for numbers) number the K sorted training values 0..K-1 and every unseen or null value
K or more.
Index input (from our StringIndexer, 0..K-1 with null for unseen): K is counted in fit (one aggregate, which
checks the indices are 0..K-1) and null becomes -1.
Either way the position column gets plain nominal metadata with K values, and OneHotEncoder(handleInvalid="keep",
dropLast=True) sends every position outside 0..K-1 (>= K, -1) to the extra "invalid" slot, which dropLast removes:
unseen and null encode as all zeros in K columns. The plain metadata matters: StringIndexer's own names its
values by their labels, and Spark's OneHotEncoder refuses an empty string there ("Cannot have an empty string
for name"), where the empty string is a category like any other. A step may mix columns of both kinds; each is
prepared by its own kind.
"""

from pyspark.ml.feature import OneHotEncoder
from pyspark.sql import functions as F

from src.bench.spec.operators import INDEX

from ..vectors import scratch
from .string_indexer import fit_indexer, key_name, with_keys

IMPLEMENTATION = "native+adapter"


def _nominal(column, name: str, values: int):
    return column.alias(name, metadata={"ml_attr": {"type": "nominal", "num_vals": values}})


def split_inputs(step):
    """(the category columns with their output names, the index columns with theirs)."""
    categories = [(c, o) for c, o, k in zip(step.input_cols, step.output_cols, step.input_kinds) if k != INDEX]
    indices = [(c, o) for c, o, k in zip(step.input_cols, step.output_cols, step.input_kinds) if k == INDEX]
    return categories, indices


def fit_positions(df, step):
    """The StringIndexer model of the category columns (None without any) and K of every column."""
    categories, indices = split_inputs(step)
    indexer, sizes = None, []
    if categories:
        indexer, sizes = fit_indexer(df, sub_step(step, categories), [scratch(o, "index") for _, o in categories])
    return indexer, sizes + index_sizes(df, [c for c, _ in indices])


def fit(df, step):
    state = fit_positions(df, step)
    encoder = OneHotEncoder(inputCols=[scratch(o, "position") for o in step.output_cols],
                            outputCols=list(step.output_cols), dropLast=True, handleInvalid="keep")
    return state, encoder.fit(with_positions(df, step, state))


def sub_step(step, pairs):
    """The step restricted to some of its columns (the indexer helpers read input_cols and input_kinds)."""
    from dataclasses import replace

    kinds = dict(zip(step.input_cols, step.input_kinds))
    return replace(step, input_cols=tuple(c for c, _ in pairs), output_cols=tuple(o for _, o in pairs),
                   input_kinds=tuple(kinds[c] for c, _ in pairs))


def index_sizes(df, columns) -> list[int]:
    """K per column: the count of distinct non-null indices, which must be exactly 0..K-1."""
    if not columns:
        return []
    aggs = [f(c) for c in columns for f in (F.count_distinct, F.min, F.max)]
    stats = df.agg(*aggs).first()
    sizes = []
    for i, name in enumerate(columns):
        k, lo, hi = stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]
        if k and (lo != 0 or hi != k - 1):
            raise ValueError(f"OneHotEncoder: index column '{name}' holds values other than 0..{k - 1}")
        sizes.append(int(k))
    return sizes


def with_positions(df, step, state):
    """Each input as a nominal position column with K values: 0..K-1 for the categories, >= K (category columns)
    or -1 (index columns) for unseen and null, which "keep" sends to the extra slot that dropLast drops."""
    indexer, sizes = state  # K of the category columns, then of the index columns
    categories, indices = split_inputs(step)
    positions = {}
    if categories:
        sub = sub_step(step, categories)
        df = indexer.transform(with_keys(df, sub))
        for (_, o), k in zip(categories, sizes):
            positions[scratch(o, "position")] = _nominal(F.col(scratch(o, "index")), scratch(o, "position"), k)
        temporary = [*indexer.getOutputCols(), *(key_name(sub, c) for c, _ in categories if key_name(sub, c) != c)]
    else:
        temporary = []
    for (c, o), k in zip(indices, sizes[len(categories):]):
        positions[scratch(o, "position")] = _nominal(F.coalesce(F.col(c), F.lit(-1.0)), scratch(o, "position"), k)
    return df.withColumns(positions).drop(*temporary)


def transform(df, state, step):
    first, encoder = state
    positions = encoder.getInputCols()
    return encoder.transform(with_positions(df, step, first)).drop(*positions)

"""CountVectorizer: the vocabulary from one query of term counts and document frequencies, then each row's counts
with Polars list expressions (custom: Polars has no ML preprocessing library).

fit: the token lists exploded with their row number, grouped by token: the total count and the number of distinct
rows (document frequency); the tokens with df >= min_df (a count when >= 1, else a fraction of the rows) sorted by
count descending then token (Polars sorts strings by UTF-8 bytes: code point order), the first vocab_size kept
and sorted by token. transform: each token replaced by its position in the vocabulary (`replace_strict`, null for
tokens outside it, dropped), sorted, and counted (`unique` and `unique_counts` of the sorted positions); a null
token list is an all-zero row.
"""

import polars as pl

from ..table import Table, vector

IMPLEMENTATION = "custom"


def fit(data: Table, step) -> list[list[str]]:
    n = data.compute(n=pl.len())["n"][0]
    min_df, vocab_size = step.params["min_df"], step.params["vocab_size"]
    vocabularies = []
    for c in step.input_cols:
        stats = (data.plan.select(pl.col(c).alias("token")).with_row_index("row").explode("token")
                 .drop_nulls("token").group_by("token").agg(count=pl.len(), df=pl.col("row").n_unique())
                 .filter(pl.col("df") >= (min_df if min_df >= 1 else min_df * n))
                 .sort(["count", "token"], descending=[True, False]).head(vocab_size).sort("token"))
        vocabularies.append(stats.select("token").collect(engine=data.engine)["token"].to_list())
    return vocabularies


def transform(data: Table, state: list[list[str]], step) -> Table:
    out = {}
    for name, col, vocabulary in zip(step.output_cols, step.input_cols, state):
        positions = pl.col(col).fill_null(pl.lit([], dtype=pl.List(pl.String))).list.eval(
            pl.element().replace_strict(vocabulary, list(range(len(vocabulary))), default=None,
                                        return_dtype=pl.Int32).drop_nulls().sort())
        out[name] = vector(len(vocabulary), positions.list.eval(pl.element().unique(maintain_order=True)),
                           positions.list.eval(pl.element().unique_counts()))
    return data.with_columns(out)

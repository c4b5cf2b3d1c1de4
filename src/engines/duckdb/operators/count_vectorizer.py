"""CountVectorizer in SQL (custom: DuckDB has no ML preprocessing library).

fit: per column, one query: the token lists unnested with their row number, grouped by token (total count, and
the distinct rows: document frequency), the tokens with df >= min_df (a count when >= 1, else a fraction of the
rows, null token lists included) ordered by count descending then token (binary collation: UTF-8 bytes = code
point order), the first vocab_size kept; their positions in token order go into a one-row table holding a
MAP(token -> position). transform: that table CROSS JOINed, each token looked up in the map (null outside the
vocabulary, dropped) and the positions counted with `list_aggregate(…, 'histogram')`; a null token list is an
all-zero row.
"""

from src.bench.spec.plan import Step

from ..query import ROW, Query, ident, sparse

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[tuple[str, int]]:
    """Per input column: the table of its vocabulary map and the vocabulary's size."""
    min_df, vocab_size = step.params["min_df"], step.params["vocab_size"]
    state = []
    for c in step.input_cols:
        threshold = f"{min_df!r}" if min_df >= 1 else f"{min_df!r} * (SELECT count(*) FROM fitted)"
        table = data.session.create_table("vocabulary", f"""
            WITH fitted AS ({data.sql}),
            pairs AS (SELECT t.{ident(ROW)} AS doc, unnest({data.col(c)}) AS token FROM fitted AS t),
            kept AS (SELECT token FROM pairs GROUP BY token HAVING count(DISTINCT doc) >= {threshold}
                     ORDER BY count(*) DESC, token LIMIT {vocab_size})
            SELECT map(coalesce(list(token ORDER BY token), []),
                       coalesce(list(position ORDER BY token), [])) AS m, count(*) AS size
            FROM (SELECT token, (row_number() OVER (ORDER BY token) - 1)::INTEGER AS position FROM kept)""")
        state.append((table, data.session.rows(f"SELECT size FROM {ident(table)}")[0][0]))
    return state


def transform(data: Query, state: list[tuple[str, int]], step: Step) -> Query:
    joins = "".join(f" CROSS JOIN {ident(table)} AS vocabulary{i}" for i, (table, _) in enumerate(state))
    columns = {}
    for i, (name, c, (_, size)) in enumerate(zip(step.output_cols, step.input_cols, state)):
        positions = (f"list_filter(list_transform({data.col(c)}, lambda w: vocabulary{i}.m[w]), "
                     "lambda p: p IS NOT NULL)")
        counts = f"list_aggregate({positions}, 'histogram')"
        columns[name] = sparse(size, f"coalesce(map_keys({counts}), [])", f"coalesce(map_values({counts}), [])")
    return data.with_columns(columns, {name: size for name, (_, size) in zip(step.output_cols, state)}, joins=joins)

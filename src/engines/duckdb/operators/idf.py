"""IDF in SQL (custom: DuckDB has no ML preprocessing library).

fit: per column, one query over the n fitted rows (empty rows of empty and null documents included): the
document frequency df of each bucket (the rows where it is non-zero, from the unnested vectors), then the list of
the num_features weights ln((n + 1) / (df + 1)), 0 where df < min_doc_freq, kept in a one-row table. transform:
each value times its bucket's weight (`list_select` of the weights at the row's indices); absent terms stay absent.
"""

from src.bench.spec.plan import Step

from ..query import Query, ident, sparse

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list[str]:
    """The tables of the weights, one per input column."""
    tables = []
    for c in step.input_cols:
        width, min_doc_freq, vectors = data.widths[c], step.params["min_doc_freq"], data.col(c)
        tables.append(data.session.create_table("idf", f"""
            WITH fitted AS ({data.sql}),
            n AS (SELECT count(*) AS n FROM fitted),
            entries AS (SELECT unnest({vectors}.indices) AS i, unnest({vectors}."values") AS v FROM fitted AS t),
            df AS (SELECT i, count(*) AS df FROM entries WHERE v <> 0 GROUP BY i)
            SELECT list(CASE WHEN coalesce(df.df, 0) < {min_doc_freq} THEN 0.0::DOUBLE
                             ELSE ln((n.n + 1)::DOUBLE / (coalesce(df.df, 0) + 1)::DOUBLE) END ORDER BY b.i) AS weights
            FROM range({width}) AS b(i) CROSS JOIN n LEFT JOIN df ON df.i = b.i"""))
    return tables


def transform(data: Query, state: list[str], step: Step) -> Query:
    columns = {}
    for name, c, table in zip(step.output_cols, step.input_cols, state):
        indices, values = f"{data.col(c)}.indices", f'{data.col(c)}."values"'
        weights = f"list_select((SELECT weights FROM {ident(table)}), list_transform({indices}, lambda i: i + 1))"
        products = f"list_transform(list_zip({values}, {weights}), lambda p: p[1] * p[2])"
        columns[name] = sparse(data.widths[c], indices, products)
    return data.with_columns(columns, {name: data.widths[c] for name, c in zip(step.output_cols, step.input_cols)})

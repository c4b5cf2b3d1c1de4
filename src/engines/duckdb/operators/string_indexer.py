"""StringIndexer in SQL (custom: DuckDB has no ML preprocessing library).

fit: per column, a table of the distinct non-null values numbered by `row_number() OVER (ORDER BY value)`. DuckDB
compares VARCHAR byte by byte (its default collation is binary), and UTF-8 byte order is code point order, also
beyond U+FFFF; integer and boolean columns are DOUBLE here (false 0, true 1), so they sort numerically. The empty
string is a category like any other; null never is. transform: a LEFT JOIN of each column with its table, so
null and unseen values find no position and come out null. The helpers here serve the OneHotEncoder too.
"""

import numpy as np

from src.bench.spec.operators import INTEGER
from src.bench.spec.plan import Step
from src.engines.numpy.operators.string_indexer import require_whole_numbers

from ..query import Query, ident

IMPLEMENTATION = "custom"


def fit_categories(data: Query, step: Step) -> list[tuple[str, int]]:
    """Per input column: the table of its categories (value, position) and their number K. On a streaming session
    every column's distinct values are found in one pass over the data (`list(DISTINCT ...)`), then numbered."""
    state = []
    lists = None
    if data.session.streaming:
        distinct = ", ".join(f"list(DISTINCT {data.col(c)}) FILTER (WHERE {data.col(c)} IS NOT NULL) AS l{i}"
                             for i, c in enumerate(step.input_cols))
        lists = data.session.create_table("distinct", f"SELECT {distinct} FROM ({data.sql}) AS t")
    for i, (c, kind) in enumerate(zip(step.input_cols, step.input_kinds)):
        values = (f"SELECT unnest(l{i}) AS value FROM {ident(lists)}" if lists else
                  f"SELECT DISTINCT {data.col(c)} AS value FROM ({data.sql}) AS t WHERE {data.col(c)} IS NOT NULL")
        table = data.session.create_table(
            "categories", f"SELECT value, row_number() OVER (ORDER BY value) - 1 AS position FROM ({values})")
        fraction = "min(value) FILTER (WHERE value <> round(value))" if kind == INTEGER else "NULL"
        count, first_fraction = data.session.rows(f"SELECT count(*), {fraction} FROM {ident(table)}")[0]
        if first_fraction is not None:  # a CSV column typed integer from its first rows, with a fraction further down
            require_whole_numbers(np.array([first_fraction]), step.name, c)
        state.append((table, count))
    return state


def joined_positions(data: Query, step: Step, state: list[tuple[str, int]]) -> tuple[str, list[str]]:
    """The LEFT JOINs of the input columns with their categories, and each one's position (null: null or unseen)."""
    joins = "".join(f" LEFT JOIN {ident(table)} AS categories{i} ON {data.col(c)} = categories{i}.value"
                    for i, (c, (table, _)) in enumerate(zip(step.input_cols, state)))
    return joins, [f"categories{i}.position" for i in range(len(state))]


def fit(data: Query, step: Step) -> list[tuple[str, int]]:
    return fit_categories(data, step)


def transform(data: Query, state: list[tuple[str, int]], step: Step) -> Query:
    joins, positions = joined_positions(data, step, state)
    return data.with_columns({name: f"CAST({p} AS DOUBLE)" for name, p in zip(step.output_cols, positions)},
                             joins=joins)

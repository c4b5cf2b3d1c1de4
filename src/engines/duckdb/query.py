"""The DuckDB engine's lazy tables, and the SQL its operators share.

A `Query` is SQL text over a table in DuckDB's memory (the loaded input): each transform wraps the previous query
as a subquery and adds its output columns, DuckDB's optimiser flattens the nesting, and nothing runs until a fit
aggregates or `materialize` fetches the result. A fit on the outputs of earlier steps first stores that query's rows
as a table (`Session.store`), which its queries and the transform of the same rows then read, so the earlier steps
run once, not once per query (IDF after Tokenizer and HashingTF). Fitted state that is a table (categories, idf
weights) is a table of the `Session` too; the Python functions the SQL calls (MurmurHash3, Python's lowercasing)
are registered in it.

DuckDB resolves identifiers without case, even quoted ones ("num_Ab" and "num_ab" are one column to it), so
columns have names of its own in SQL (c0, c1, ...) and the query maps prepbench's names to them (`names`). A sparse
vector is prepbench's Arrow layout (src/bench/data/vectors.py) as a STRUCT(size INTEGER, indices INTEGER[],
"values" DOUBLE[]) with sorted indices; the query also knows each vector column's width while it builds the SQL
(`widths`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from src.bench.errors import missing_values
from src.bench.run.engine import ROW_COLUMN
from src.bench.spec.plan import Step

ROW = ROW_COLUMN  # each row's 0-based position in the input


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def double(value: float) -> str:
    """A float64 literal, exact: parsed from its shortest repr (a bare 0.1 would be a DECIMAL)."""
    return f"'{value!r}'::DOUBLE"


def missing(expr: str) -> str:
    """Whether a number is missing: null or NaN, the same to prepbench (DuckDB orders NaN as a value)."""
    return f"({expr} IS NULL OR isnan({expr}))"


def sparse(size: int, indices: str, values: str) -> str:
    """A sparse vector of width `size` from lists of indices and values."""
    return (f'struct_pack(size := {size}::INTEGER, indices := CAST({indices} AS INTEGER[]), '
            f'"values" := CAST({values} AS DOUBLE[]))')


class Session:
    """One in-process DuckDB connection, the tables prepbench made in it and the Python functions it registered."""

    def __init__(self, con: duckdb.DuckDBPyConnection, streaming: bool = False) -> None:
        self.con = con
        # end to end under --memory-limit: the input is a scan of its files, never a table, and a fit aggregates
        # over its query as it is (one pass), so nothing the size of the data is kept in DuckDB's memory or spill
        self.streaming = streaming
        self.tables: list[str] = []
        self.stored: dict[str, tuple[str, Query]] = {}  # query SQL -> the table holding its rows, read as a query
        self.functions: set[str] = set()
        self._tables = itertools.count()
        self._columns = itertools.count()

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def create_table(self, prefix: str, select: str) -> str:
        """A new table holding the result of `select`, by its name."""
        name = f"_prepbench_{prefix}_{next(self._tables)}"
        self.con.execute(f"CREATE TABLE {ident(name)} AS {select}")
        self.tables.append(name)
        return name

    def column_name(self) -> str:
        """A new column name for SQL."""
        return f"c{next(self._columns)}"

    def load(self, table: pa.Table) -> Query:
        """The Arrow table as a table of the session, plus ROW."""
        names = {c: self.column_name() for c in table.column_names}
        table = table.rename_columns(list(names.values()))
        table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
        self.con.register("_prepbench_arrow", table)
        try:
            name = self.create_table("input", "SELECT * FROM _prepbench_arrow")
        finally:
            self.con.unregister("_prepbench_arrow")
        query = Query(self, f"SELECT * FROM {ident(name)}", names)
        self.stored[query.sql] = (name, query)
        return query

    def read(self, source: str, types: dict[str, str]) -> Query:
        """The columns (name -> SQL type) of a DuckDB table function (read_parquet, read_csv) in a table of the
        session; a new table's rowid is its insertion order, which is the files' row order, so it is ROW."""
        names = {c: self.column_name() for c in types}
        select = ", ".join(f"CAST({ident(c)} AS {types[c]}) AS {ident(n)}" for c, n in names.items())
        name = self.create_table("input", f"SELECT {select} FROM {source}")
        query = Query(self, f"SELECT *, rowid AS {ident(ROW)} FROM {ident(name)}", names)
        self.stored[query.sql] = (name, query)
        return query

    def scan(self, source: str, types: dict[str, str], row: str) -> Query:
        """The columns (name -> SQL type) of a DuckDB table function, with ROW from the SQL expression `row`, as a
        query that reads the files each time it runs (streaming): no table."""
        names = {c: self.column_name() for c in types}
        select = ", ".join(f"CAST({ident(c)} AS {types[c]}) AS {ident(n)}" for c, n in names.items())
        return Query(self, f"SELECT {select}, {row} AS {ident(ROW)} FROM {source}", names)

    def store(self, query: Query) -> Query:
        """The query's rows in a table, computed once per query text, as a query."""
        if query.sql not in self.stored:
            name = self.create_table("stored", query.sql)
            self.stored[query.sql] = (name, Query(self, f"SELECT * FROM {ident(name)}", query.names, query.widths))
        return self.stored[query.sql][1]

    def reading_stored(self, query: Query) -> Query:
        """The stored table of the query's rows when there is one, else the query itself."""
        return self.stored[query.sql][1] if query.sql in self.stored else query

    def drop_tables(self, keep: int) -> None:
        """Drop every table but the first `keep`."""
        for name in self.tables[keep:]:
            self.con.execute(f"DROP TABLE {ident(name)}")
        del self.tables[keep:]
        self.stored = {sql: (name, q) for sql, (name, q) in self.stored.items() if name in self.tables}

    def function(self, fn: Callable[..., pa.Array], parameters: list[str], returns: str) -> str:
        """`fn` (Arrow arrays in, an Arrow array out, called once per chunk of rows) as a SQL function, by name."""
        if fn.__name__ not in self.functions:
            self.con.create_function(fn.__name__, fn, parameters, returns, type="arrow")
            self.functions.add(fn.__name__)
        return fn.__name__


@dataclass(frozen=True)
class Query:
    """A lazy table: SQL over the session's tables, the SQL name of each of its columns, and the width of each
    vector column."""

    session: Session
    sql: str
    names: Mapping[str, str]
    widths: Mapping[str, int] = field(default_factory=dict)

    def col(self, name: str) -> str:
        """A column in SQL over this query, aliased `t` (as in `with_columns` and `one_row`)."""
        return f"t.{ident(self.names[name])}"

    def with_columns(self, columns: Mapping[str, str], widths: Mapping[str, int] | None = None, *, joins: str = "",
                     drop: tuple[str, ...] = ()) -> Query:
        """The query plus a column per SQL expression over `t` (and the `joins`), less the `drop` columns."""
        added = {name: self.session.column_name() for name in columns}
        kept = f"t.* EXCLUDE ({', '.join(ident(self.names[c]) for c in drop)})" if drop else "t.*"
        select = "".join(f", {expr} AS {ident(added[name])}" for name, expr in columns.items())
        names = {c: n for c, n in {**self.names, **added}.items() if c not in drop}
        return Query(self.session, f"SELECT {kept}{select} FROM ({self.sql}) AS t{joins}", names,
                     {**self.widths, **(widths or {})})

    def one_row(self, aggregates: list[str]) -> tuple[Any, ...]:
        """One aggregate query over every row."""
        return self.session.rows(f"SELECT {', '.join(aggregates)} FROM ({self.sql}) AS t")[0]


def numeric_statistics(data: Query, step: Step, aggregates: Callable[[str], list[str]]) -> list[tuple[float, ...]]:
    """Each input column's statistics (`aggregates` of its SQL expression), in one pass over the data; a column
    with a missing value is a user error naming its first missing row, as the scalers take none."""
    per_column = [[*aggregates(data.col(c)), f"min({ident(ROW)}) FILTER (WHERE {missing(data.col(c))})"]
                  for c in step.input_cols]
    found = data.one_row([a for column in per_column for a in column])
    width = len(per_column[0])
    stats = [found[i * width : (i + 1) * width] for i in range(len(per_column))]
    for name, (*_, first_missing) in zip(step.input_cols, stats):
        if first_missing is not None:
            raise missing_values(step.name, name, first_missing)
    return [tuple(s[:-1]) for s in stats]

"""Tokenizer in SQL, with Python's lowercasing for the documents DuckDB's `lower` gets wrong (custom: DuckDB has
no ML preprocessing library).

A document is lowercased with DuckDB's `lower`, its separators \\t \\n \\x0B \\f \\r (Java's \\s, with the space)
become spaces (`regexp_replace`), it is split on spaces (`string_split`), and the empty strings that leading,
trailing and repeated separators leave are dropped (`list_filter`): a blank document gives [], a null one null.
That is about twice as fast as `regexp_extract_all` of the runs of non-separators (measured on DuckDB 2.0).

DuckDB's `lower` maps code point by code point: İ (U+0130) becomes i where Python's `str.lower` gives i + U+0307,
and every Σ becomes σ where Unicode's Final_Sigma rule gives ς at the end of a word. The code points whose DuckDB
lowercase differs from Python's are found by lowercasing every one both ways (once per process: on DuckDB 2.0
only İ); a document holding one of them, or Σ, goes to a vectorised Python function (Arrow in, Arrow out) running
src/engines/text.py's canonical `tokenize`, the numpy reference's rule. DuckDB's CASE hands it those documents only.
"""

import functools

import duckdb
import pyarrow as pa

from src.bench.spec.plan import Step
from src.engines.text import SEPARATORS, lowercase_exceptions, tokenize

from ..query import Query

IMPLEMENTATION = "custom"
NOT_SPACE = "[" + "".join(f"\\x{ord(s):02x}" for s in SEPARATORS if s != " ") + "]"  # RE2: a separator but space


@functools.cache
def special_characters() -> str:
    """An RE2 class of the characters DuckDB's `lower` maps unlike `str.lower`, and Σ (lowercased by context)."""
    with duckdb.connect() as con:
        return lowercase_exceptions(lambda text: con.execute("SELECT lower(?)", [text]).fetchall()[0][0])


def python_tokens(docs: pa.ChunkedArray) -> pa.Array:
    return tokenize(docs)


def transform(data: Query, state: None, step: Step) -> Query:
    python = data.session.function(python_tokens, ["VARCHAR"], "VARCHAR[]")
    special = special_characters()
    columns = {}
    for name, c in zip(step.output_cols, step.input_cols):
        doc = data.col(c)
        spaced = f"regexp_replace(lower({doc}), '{NOT_SPACE}', ' ', 'g')"
        columns[name] = (f"CASE WHEN regexp_matches({doc}, '{special}') THEN {python}({doc}) "
                         f"ELSE list_filter(string_split({spaced}, ' '), lambda token: token <> '') END")
    return data.with_columns(columns)

"""Tokenizer in SQL, with Python's lowercasing for the documents DuckDB's `lower` gets wrong (custom: DuckDB has
no ML preprocessing library).

A document is lowercased with DuckDB's `lower` and its tokens are `regexp_extract_all` of runs of anything but
[ \\t\\n\\x0B\\f\\r] (Java's \\s), so leading, trailing and repeated separators give no empty token, a blank
document gives [] and a null one null. DuckDB's `lower` maps code point by code point: İ (U+0130) becomes i where
Python's `str.lower` gives i + U+0307, and every Σ becomes σ where Unicode's Final_Sigma rule gives ς at the end
of a word. The code points whose DuckDB lowercase differs from Python's are found by lowercasing every one both
ways (once per process); a document holding one of them, or Σ, goes to a vectorised Python function (Arrow in,
Arrow out) running src/engines/text.py's canonical `tokenize`, the numpy reference's rule. DuckDB's CASE hands the
function those documents only.
"""

import functools

import duckdb
import pyarrow as pa

from src.engines.text import SEPARATORS, tokenize

from ..query import Query

IMPLEMENTATION = "custom"
TOKEN = "[^" + "".join(f"\\x{ord(s):02x}" for s in SEPARATORS) + "]+"  # RE2: a run of non-separators
CAPITAL_SIGMA = "\u03a3"


@functools.cache
def special_characters() -> str:
    """An RE2 class of the characters DuckDB's `lower` maps unlike `str.lower`, and Σ (lowercased by context)."""
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000]  # ASCII agrees; no surrogates
    with duckdb.connect() as con:
        lowered = con.execute("SELECT lower(?)", ["\n".join(chars)]).fetchall()[0][0].split("\n")
    differ = [c for c, ours in zip(chars, lowered) if c.lower() != ours]
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in [*differ, CAPITAL_SIGMA]) + "]"


def python_tokens(docs: pa.ChunkedArray) -> pa.Array:
    return tokenize(docs)


def transform(data: Query, state, step) -> Query:
    python = data.session.function(python_tokens, ["VARCHAR"], "VARCHAR[]")
    special = special_characters()
    return data.with_columns({
        name: f"CASE WHEN regexp_matches({data.col(c)}, '{special}') THEN {python}({data.col(c)}) "
              f"ELSE regexp_extract_all(lower({data.col(c)}), '{TOKEN}') END"
        for name, c in zip(step.output_cols, step.input_cols)
    })

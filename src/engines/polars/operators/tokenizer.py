"""Tokenizer: lowercase with Unicode's full default case mapping (str.lower), split on runs of [ \\t\\n\\x0B\\f\\r],
drop empty tokens; a null document gives null tokens (custom).

Polars has no tokenizer: `str.to_lowercase()` then `str.extract_all` of the runs of non-separators, which yields
no empty token, [] for a blank document and null for a null one. Polars lowercases with Rust's full case mapping
(`İ` -> `i̇`, Final_Sigma), as Python does, but with a newer Unicode: it also lowercases the 55 letters given a
lowercase in Unicode 16 and 17 (U+A7CB, U+10D50..., left as they are by the reference's Python). So the
lowercasing runs in `map_batches`: Polars' `to_lowercase`, except that the documents holding a character whose
`to_lowercase` is not its `str.lower` (found once per process by lowercasing every code point both ways), or a
`Σ` (Final_Sigma depends on neighbours, whose cased and case-ignorable properties may differ between Unicode
versions too), get Python's `str.lower` itself.
"""

import functools
import itertools

import polars as pl

from ..table import Table

IMPLEMENTATION = "custom"
TOKEN = r"[^ \t\n\x0B\f\r]+"  # a run of anything but Java's \s
CAPITAL_SIGMA = "\u03a3"


@functools.cache
def _differs_from_str_lower() -> str:
    """A regular expression class of the characters whose Polars `to_lowercase` is not their `str.lower`, and Σ.

    Every non-ASCII code point, one per line, lowercased by both (no character lowercases to a line break, so
    the lines stay aligned, and no Σ is in Final_Sigma context); the lines are compared as Polars columns.
    """
    text = "\n".join(map(chr, itertools.chain(range(0x80, 0xD800), range(0xE000, 0x110000))))
    lines = pl.DataFrame({"char": [text], "ours": [text.lower()]}).select(pl.all().str.split("\n").explode())
    differ = lines.filter(pl.col("char").str.to_lowercase() != pl.col("ours"))["char"].to_list()
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in [*differ, CAPITAL_SIGMA]) + "]"


def lowercase(docs: pl.Series) -> pl.Series:
    """`str.lower` of every document: Polars' `to_lowercase`, except where that is not `str.lower`."""
    lowered = docs.str.to_lowercase()
    rows = docs.str.contains(_differs_from_str_lower()).arg_true()
    if rows.is_empty():
        return lowered
    return lowered.scatter(rows, [doc.lower() for doc in docs.gather(rows)])


def transform(data: Table, state, step) -> Table:
    return data.with_columns({
        name: pl.col(col).map_batches(lowercase, return_dtype=pl.String, is_elementwise=True).str.extract_all(TOKEN)
        for name, col in zip(step.output_cols, step.input_cols)
    })

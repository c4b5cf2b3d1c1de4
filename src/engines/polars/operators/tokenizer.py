"""Tokenizer: lowercase with Unicode's full default case mapping (str.lower), split on runs of [ \\t\\n\\x0B\\f\\r],
drop empty tokens; a null document gives null tokens (custom).

Polars has no tokenizer: `str.to_lowercase()` then `str.extract_all` of the runs of non-separators, which yields
no empty token, [] for a blank document and null for a null one. Polars lowercases with Rust's full case mapping
(`İ` -> `i̇`, Final_Sigma), as Python does, but with a newer Unicode: it also lowercases the 55 letters given a
lowercase in Unicode 16 and 17 (U+A7CB, U+10D50..., left as they are by the reference's Python). So the
lowercasing runs in `map_batches`: Polars' `to_lowercase`, except that the documents holding a character whose
`to_lowercase` is not its `str.lower` (src/engines/text.py's `lowercase_exceptions`, once per process), or a
`Σ` (Final_Sigma depends on neighbours, whose cased and case-ignorable properties may differ between Unicode
versions too), get Python's `str.lower` itself.
"""

import functools

import polars as pl

from src.engines.text import lowercase_exceptions

from ..table import Table

IMPLEMENTATION = "custom"
TOKEN = r"[^ \t\n\x0B\f\r]+"  # a run of anything but Java's \s


@functools.cache
def _differs_from_str_lower() -> str:
    return lowercase_exceptions(lambda text: pl.Series([text]).str.to_lowercase()[0])


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

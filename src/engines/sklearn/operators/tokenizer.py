"""Tokenizer: a Python loop over the documents, as scikit-learn has no plain whitespace tokenizer (custom).

Its analyzers drop one-letter tokens and lowercase all of Unicode. Canonical: ASCII-lowercase, split on runs
of [ \\t\\n\\r\\f\\v], drop empty tokens. For ASCII text, str.lower and str.split do exactly that (str.split
also splits on \\x1c-\\x1f, which the input rules exclude); other text needs the ASCII-only table and pattern,
since str.lower and str.split would also touch non-ASCII letters and spaces.
"""

import re
import string

from ._columns import cyclic_gc_paused

IMPLEMENTATION = "custom"
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
TOKEN = re.compile(r"[^ \t\n\r\f\v]+")


def non_ascii_tokens(text: str) -> list[str]:
    return TOKEN.findall(text.translate(ASCII_LOWER))


def transform(frame, state, step):
    out = {}
    with cyclic_gc_paused():
        for name, col in zip(step.output_cols, step.input_cols):
            out[name] = [doc.lower().split() if doc.isascii() else non_ascii_tokens(doc) for doc in frame[col]]
    return frame.with_columns(out)

"""Tokenizer: a Python loop over the documents with the canonical rule, as scikit-learn has no plain whitespace
tokenizer (custom).

Its analyzers drop one-letter tokens (token_pattern) and split on every Unicode space. Canonical: str.lower (full
Unicode case mapping), split on runs of [ \\t\\n\\x0B\\f\\r], drop empty tokens; a null document gives null. The
per-document function is src/engines/text.py's `tokens`, shared with the reference and Ray: `str.lower().split()`
for ASCII documents (without \\x1c-\\x1f, on which str.split also splits), a regular expression of the six
separators otherwise.
"""

from src.engines.text import tokens

from ._columns import cyclic_gc_paused

IMPLEMENTATION = "custom"


def transform(frame, state, step):
    out = {}
    with cyclic_gc_paused():
        for name, col in zip(step.output_cols, step.input_cols):
            out[name] = [None if doc is None else tokens(doc) for doc in frame[col]]
    return frame.with_columns(out)

"""Tokenizer: lowercase with Unicode's full default case mapping (str.lower), split on runs of [ \\t\\n\\x0B\\f\\r],
drop empty tokens; a null document gives null tokens.

The rule itself, vectorised on Arrow with exact fast paths for ASCII text, is src/engines/text.py (`tokenize`),
shared with the other engines that tokenize in Python.
"""

from src.engines.text import tokenize

IMPLEMENTATION = "native"


def transform(frame, state, step):
    return frame.with_columns({name: tokenize(frame[col]) for name, col in zip(step.output_cols, step.input_cols)})

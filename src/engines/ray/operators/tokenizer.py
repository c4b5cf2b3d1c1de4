"""Tokenizer: Ray's own Tokenizer given the canonical tokenization function, its output typed (native+adapter).

Ray's default function is `s.split(" ")`: no lowercasing, empty tokens from runs of spaces, tabs kept inside
tokens. The canonical rule is str.lower (Unicode's full case mapping), split on runs of [ \\t\\n\\x0B\\f\\r],
drop empty tokens: src/engines/text.py's `tokens`, shared with the reference and scikit-learn (str.lower().split()
on ASCII documents, a regular expression of the six separators otherwise). Ray applies it row by row on pandas
batches and passes null documents through as null token lists.

The adapter: Ray infers each batch's output type from its values, so a batch whose documents are all blank comes
back as list<null> (all null: null) next to list<string> elsewhere, and the blocks no longer concatenate
("Schema ... was different"). An Arrow map_batches, which Ray fuses with the tokenizer's, casts every output
column to list<string>.
"""

import pyarrow as pa
from ray.data.preprocessors import Tokenizer

from src.engines.text import tokens

from ..vectors import map_columns

IMPLEMENTATION = "native+adapter"
TOKENS = pa.list_(pa.string())


def transform(ds, state, step):
    outputs = list(step.output_cols)
    tokenized = Tokenizer(list(step.input_cols), tokenization_fn=tokens, output_columns=outputs).transform(ds)
    return map_columns(tokenized, outputs, outputs, _typed, [None] * len(outputs))


def _typed(column: pa.ChunkedArray, _state) -> pa.ChunkedArray:
    return column.cast(TOKENS)

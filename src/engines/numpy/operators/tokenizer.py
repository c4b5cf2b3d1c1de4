"""Tokenizer: ASCII-lowercase, split on runs of ASCII whitespace, drop empty tokens."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.errors import UserError

IMPLEMENTATION = "native"


def tokenize(text) -> pa.ListArray:
    """Trimming first means splitting yields no empty token, except the single "" of an all-blank document."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    trimmed = pc.ascii_trim_whitespace(pc.ascii_lower(text))
    pieces = pc.ascii_split_whitespace(trimmed)
    blank = pc.equal(trimmed, "")
    if not pc.any(blank).as_py():
        return pieces
    lengths = pc.if_else(blank, 0, pc.list_value_length(pieces)).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pc.list_flatten(pieces.filter(pc.invert(blank))))


def transform(frame, state, step):
    for col in step.input_cols:
        if frame[col].null_count:
            raise UserError(f"Tokenizer: column '{col}' has {frame[col].null_count} null documents; fill or drop them")
    return frame.with_columns({name: tokenize(frame[col]) for name, col in zip(step.output_cols, step.input_cols)})

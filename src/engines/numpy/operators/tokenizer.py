"""Tokenizer: ASCII-lowercase, split on runs of ASCII whitespace, drop empty tokens."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.errors import UserError

IMPLEMENTATION = "native"


def tokenize(text) -> pa.ListArray:
    pieces = pc.ascii_split_whitespace(pc.ascii_lower(text))  # leading whitespace gives an empty first piece
    if isinstance(pieces, pa.ChunkedArray):
        pieces = pieces.combine_chunks()
    flat = pc.list_flatten(pieces)
    keep = pc.greater(pc.binary_length(flat), 0)
    rows = pc.list_parent_indices(pieces).to_numpy()
    counts = np.bincount(rows[keep.to_numpy(zero_copy_only=False)], minlength=len(pieces))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.filter(keep))


def transform(frame, state, step):
    for col in step.input_cols:
        if frame[col].null_count:
            raise UserError(f"Tokenizer: column '{col}' has {frame[col].null_count} null documents; fill or drop them")
    return frame.with_columns({name: tokenize(frame[col]) for name, col in zip(step.output_cols, step.input_cols)})

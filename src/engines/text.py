"""The canonical Tokenizer rule, in one place for the engines that run it in Python: the numpy reference (on Arrow
arrays, `tokenize`), scikit-learn and Ray (one document at a time, `tokens`).

The rule: lowercase with Unicode's default full case mapping, which is Python's `str.lower` (`İ` -> `i̇`, two code
points; a capital sigma in Final_Sigma context -> `ς`; no locale), then split on runs of Java's `\\s`, i.e.
`[ \\t\\n\\x0B\\f\\r]`, and drop empty tokens. Other spaces (U+00A0, U+2003, ...) and the control characters
`\\x1c-\\x1f` are part of tokens. A null document has null tokens; a blank one has none ([]).

Why the fast paths are exact:
- Splitting before lowercasing gives the same tokens: no character lowercases to a separator, and Final_Sigma looks
  only at cased and case-ignorable neighbours, which a separator is not, so its context never crosses one.
- Arrow's `ascii_split_whitespace` and `ascii_trim_whitespace` cut at exactly the six ASCII separators, byte by
  byte, which is safe in UTF-8 (no byte of a multi-byte character is below 0x80).
- Arrow's `ascii_lower` changes only A-Z: on ASCII text it is `str.lower`. Arrow's `utf8_lower` maps code point by
  code point with its own Unicode tables, so it differs from `str.lower` on `İ` (-> `i`), on a final `Σ` (always
  `σ`) and on the letters the two Unicode versions disagree about. Those characters are found by comparing the two
  over every code point (once per process, about 0.3 s of CPU, and only when some text is not ASCII), and the
  tokens holding one go through `str.lower` itself.
- `str.split()` also splits on `\\x1c-\\x1f` (and, in non-ASCII text, on Unicode spaces), so it serves only ASCII
  documents without `\\x1c-\\x1f`; the others use a regular expression of the six separators.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SEPARATORS = " \t\n\x0b\f\r"  # Java's \s
STRING_BYTES_LIMIT = 2**31 - 1  # Arrow's string type has 32-bit offsets: one array holds at most this many bytes
_TOKEN = re.compile(f"[^{re.escape(SEPARATORS)}]+")
_CAPITAL_SIGMA = 0x3A3


def tokens(doc: str) -> list[str]:
    """One document's tokens."""
    lowered = doc.lower()
    if doc.isascii() and not ("\x1c" in doc or "\x1d" in doc or "\x1e" in doc or "\x1f" in doc):
        return lowered.split()
    return _TOKEN.findall(lowered)


def tokenize(docs: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """Every document's tokens, vectorised: null for a null document, [] for a blank one."""
    docs = _rebased(combined(docs))
    ascii_text = _ascii_only(docs)
    trimmed = pc.ascii_trim_whitespace(pc.ascii_lower(docs) if ascii_text else docs)  # trimmed, so splitting yields
    pieces = pc.ascii_split_whitespace(trimmed)  # no empty token, except the single "" of a blank document
    blank = pc.equal(trimmed, "")
    any_blank = pc.any(blank).as_py()
    if ascii_text and not any_blank:
        return pieces
    words = pc.list_flatten(pieces)
    if any_blank:
        words = words.filter(pc.not_equal(words, ""))
    lengths = pc.if_else(pc.fill_null(blank, True), 0, pc.list_value_length(pieces)).to_numpy()  # null: 0 too
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    lowered = words if ascii_text else _lower(words)
    return pa.ListArray.from_arrays(offsets, lowered, mask=docs.is_null() if docs.null_count else None)


def combined(strings: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The strings as one array: as large_string when their bytes overflow string's offsets (a text column of a
    few GB, e.g. 10 million reviews), where joining the chunks as string would fail."""
    if isinstance(strings, pa.Array):
        return strings
    if pa.types.is_string(strings.type) and (pc.sum(pc.binary_length(strings)).as_py() or 0) > STRING_BYTES_LIMIT:
        strings = strings.cast(pa.large_string())
    return strings.combine_chunks()


def _lower(words: pa.Array) -> pa.Array:
    """`str.lower` of every word: Arrow's `utf8_lower`, except where it is not `str.lower`."""
    lowered = pc.utf8_lower(words)
    special = pc.match_substring_regex(words, _not_utf8_lower())
    rows = np.flatnonzero(special.to_numpy(zero_copy_only=False))
    if not len(rows):
        return lowered
    exact = pa.array([word.lower() for word in words.take(pa.array(rows)).to_pylist()], words.type)
    return pc.replace_with_mask(lowered, special, exact)


@functools.cache
def _not_utf8_lower() -> str:
    return lowercase_exceptions(lambda text: pc.utf8_lower(pa.array([text]))[0].as_py())


def lowercase_exceptions(engine_lower: Callable[[str], str]) -> str:
    """A regular expression class of the characters an engine's lowercasing maps unlike `str.lower`, and Σ, so
    that only the documents holding one need `str.lower` itself. `engine_lower` lowercases one string the engine's
    way; it is given every non-ASCII code point, one per line (no character lowercases to a line break, and no Σ
    is in Final_Sigma context), once per process and engine.

    Line i differs where its lengths differ, or where both are one code point and these differ (a character
    lowercasing to several is counted as different, even where both ways agree).
    """
    codes = np.concatenate([np.arange(0x80, 0xD800), np.arange(0xE000, 0x110000)]).astype("<u4")
    lines = np.full((len(codes), 2), ord("\n"), "<u4")
    lines[:, 0] = codes
    text = lines.tobytes().decode("utf-32-le")
    ours = np.frombuffer(text.lower().encode("utf-32-le"), "<u4")
    theirs = np.frombuffer(engine_lower(text).encode("utf-32-le"), "<u4")
    ends_ours, ends_theirs = np.flatnonzero(ours == ord("\n")), np.flatnonzero(theirs == ord("\n"))
    starts_ours, starts_theirs = np.r_[0, ends_ours[:-1] + 1], np.r_[0, ends_theirs[:-1] + 1]
    lengths_ours, lengths_theirs = ends_ours - starts_ours, ends_theirs - starts_theirs
    differ = (lengths_ours != 1) | (lengths_theirs != 1) | (ours[starts_ours] != theirs[starts_theirs])
    return "[" + "".join(f"\\x{{{code:x}}}" for code in [*codes[differ].tolist(), _CAPITAL_SIGMA]) + "]"


def _rebased(docs: pa.Array) -> pa.Array:
    """The documents with offsets that start at 0. pyarrow 26's `ascii_lower` reads the data buffer from its start
    otherwise (a large_string slice cast to string has such offsets: a Dask partition, a repartitioned slice), and
    returns other rows' text; the copy costs one pass over the slice's bytes, only then."""
    offsets = docs.buffers()[1]
    width = np.int64 if pa.types.is_large_string(docs.type) else np.int32
    if offsets is None or not len(docs) or np.frombuffer(offsets, width)[docs.offset] == 0:
        return docs
    return pa.concat_arrays([docs])


def _ascii_only(docs: pa.Array) -> bool:
    """Whether every byte of the documents is below 0x80: one numpy pass over the data buffer."""
    _, offsets, data = docs.buffers()
    if data is None:
        return True
    width = np.int64 if pa.types.is_large_string(docs.type) else np.int32
    bounds = np.frombuffer(offsets, width)[[docs.offset, docs.offset + len(docs)]]
    values = np.frombuffer(data, np.uint8)[bounds[0] : bounds[1]]
    return not values.size or int(values.max()) < 0x80


def term_count_vectors(tokens: pa.Array | pa.ChunkedArray, vocabulary: pa.Array) -> pa.StructArray:
    """CountVectorizer's transform for the engines that count in Arrow batches: each row's counts of the tokens found
    in the vocabulary (position = index in it), as prepbench's sparse vector layout; a null token list has none."""
    from src.bench.data.vectors import vector_array

    tokens = tokens.combine_chunks() if isinstance(tokens, pa.ChunkedArray) else tokens
    positions = pc.index_in(pc.list_flatten(tokens), value_set=vocabulary)
    found = positions.is_valid().to_numpy(zero_copy_only=False)
    width = max(len(vocabulary), 1)
    rows = pc.list_parent_indices(tokens).to_numpy().astype(np.int64)[found]
    keys, counts = np.unique(rows * width + positions.drop_null().to_numpy().astype(np.int64), return_counts=True)
    offsets = np.searchsorted(keys // width, np.arange(len(tokens) + 1))
    return vector_array(offsets, keys % width, counts.astype(np.float64), len(vocabulary))

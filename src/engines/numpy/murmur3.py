"""MurmurHash3 x86 32-bit over UTF-8 strings, vectorised across strings with numpy.

Written here rather than borrowed from an engine. The reference shares it with the engines that hash in Python
over Arrow (Polars, DuckDB, and Ray and Dask through src/engines/tf_idf.py), so its independence comes from
elsewhere: tests check it against published vectors and scikit-learn's implementation, and Spark's stock HashingTF
and the scikit-learn engine, which hash with their own code, are compared with the reference on every run.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

C1, C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fmix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _padded_words(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(n x w) little-endian uint32 words of each string's bytes, zero-padded, and the byte lengths."""
    strings = strings.cast(pa.large_binary())
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset : strings.offset + len(strings) + 1]
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8) if strings.buffers()[2] else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    width = max(4, int(-(-lengths.max(initial=0) // 4) * 4))
    matrix = np.zeros((len(strings), width), dtype=np.uint8)
    row = np.repeat(np.arange(len(strings)), lengths)
    col = np.arange(int(lengths.sum())) - np.repeat(offsets[:-1] - offsets[0], lengths)
    matrix[row, col] = data[offsets[0] : offsets[-1]]
    return matrix.view("<u4"), lengths


def murmur3_32(strings: pa.Array, seed: int) -> np.ndarray:
    """Unsigned 32-bit hashes of each string's UTF-8 bytes."""
    words, lengths = _padded_words(strings)
    h = np.full(len(lengths), seed, dtype=np.uint32)
    full_blocks = lengths // 4
    with np.errstate(over="ignore"):
        for k in range(words.shape[1]):
            active = full_blocks > k
            if not active.any():
                break
            k1 = _rotl(words[active, k] * C1, 15) * C2
            hk = _rotl(h[active] ^ k1, 13)
            h[active] = hk * np.uint32(5) + np.uint32(0xE6546B64)
        tail = (lengths & 3) > 0
        if tail.any():
            k1 = _rotl(words[tail, full_blocks[tail]] * C1, 15) * C2
            h[tail] ^= k1
        h ^= lengths.astype(np.uint32)
        return _fmix(h)

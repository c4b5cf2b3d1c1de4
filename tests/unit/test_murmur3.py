"""The numpy engine's vectorised MurmurHash3_x86_32 against published test vectors and scikit-learn's hash."""

import numpy as np
import pyarrow as pa
import pytest
from sklearn.utils import murmurhash3_32

from src.engines.numpy.murmur3 import murmur3_32

# (key bytes, seed, hash) from the reference implementation's published verification values.
VECTORS = [
    (b"", 0, 0x00000000),
    (b"", 1, 0x514E28B7),
    (b"", 0xFFFFFFFF, 0x81F16F39),
    (b"\x00", 0, 0x514E28B7),
    (b"\x00\x00", 0, 0x30F4C306),
    (b"\x00\x00\x00", 0, 0x85F0B427),
    (b"\x00\x00\x00\x00", 0, 0x2362F9DE),
    (b"\xff\xff\xff\xff", 0, 0x76293B50),
    (b"\x21", 0, 0x72661CF4),
    (b"\x21\x43", 0, 0xA0F7B07A),
    (b"\x21\x43\x65", 0, 0x7E4A8634),
    (b"\x21\x43\x65\x87", 0, 0xF55B516B),
    (b"a", 0x9747B28C, 0x7FA09EA6),
    (b"ab", 0x9747B28C, 0x74875592),
    (b"abc", 0x9747B28C, 0xC84A62DD),
    (b"abcd", 0x9747B28C, 0xF0478627),
    (b"aa", 0x9747B28C, 0x5D211726),
    (b"aaa", 0x9747B28C, 0x283E0130),
    (b"aaaa", 0x9747B28C, 0x5A97808A),
    (b"Hello, world!", 0x9747B28C, 0x24884CBA),
    (b"Hello, world!", 1234, 0xFAF6CDB3),
    ("ππππππππ".encode(), 0x9747B28C, 0xD58063C1),
    (b"The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
    (b"The quick brown fox jumps over the lazy dog", 0, 0x2E4FF723),
]


@pytest.mark.parametrize(("key", "seed", "expected"), VECTORS, ids=[f"{k[:8]!r}-{s:#x}" for k, s, _ in VECTORS])
def test_published_vectors(key: bytes, seed: int, expected: int) -> None:
    assert int(murmur3_32(pa.array([key], pa.binary()), seed)[0]) == expected


def test_published_vectors_in_one_batch() -> None:
    """Keys of different lengths hashed together (the vectorised path pads them to one width)."""
    for seed in {s for _, s, _ in VECTORS}:
        keys = [k for k, s, _ in VECTORS if s == seed]
        expected = [h for _, s, h in VECTORS if s == seed]
        assert murmur3_32(pa.array(keys, pa.binary()), seed).tolist() == expected


def random_strings(rng: np.random.Generator, alphabet: list[str]) -> list[str]:
    """Three strings of every length 0..40 drawn from the alphabet."""
    return ["".join(rng.choice(alphabet, size=n)) for n in range(41) for _ in range(3)]


ASCII = [chr(c) for c in range(32, 127)] + ["\t", "\n"]
# 2-, 3- and 4-byte UTF-8: Latin-1, Greek, CJK, emoji; plus ASCII so byte lengths are not multiples of 4.
NON_ASCII = ASCII[:20] + ["é", "ß", "Ä", "π", "Ω", "中", "文", "€", "😀", "🚀", "\u00a0", "\U0001f9ea"]


@pytest.mark.parametrize("alphabet", [ASCII, NON_ASCII], ids=["ascii", "non-ascii"])
@pytest.mark.parametrize("seed", [0, 42, 0x9747B28C])
def test_matches_sklearn_on_random_strings(alphabet: list[str], seed: int) -> None:
    strings = random_strings(np.random.default_rng(seed), alphabet)
    expected = [murmurhash3_32(s, seed=seed, positive=True) for s in strings]
    assert murmur3_32(pa.array(strings), seed).tolist() == expected


def test_sliced_array_hashes_only_its_own_strings() -> None:
    """An Arrow slice has an offset into shared buffers; the hash must start at the slice."""
    strings = random_strings(np.random.default_rng(7), NON_ASCII)
    part = pa.array(strings).slice(50, 40)
    assert murmur3_32(part, 42).tolist() == [murmurhash3_32(s, seed=42, positive=True) for s in strings[50:90]]


def test_signed_value_is_sparks_int() -> None:
    """Spark's HashingTF takes the hash as a signed Int: the uint32 viewed as int32 equals sklearn's signed hash."""
    strings = ["a", "b", "spark", "hello", "Straße"]
    signed = murmur3_32(pa.array(strings), 42).view(np.int32).tolist()
    assert signed == [murmurhash3_32(s, seed=42) for s in strings]
    assert signed[0] == -1293573533

"""Seeded synthetic datasets, generated in row chunks so that any number of rows fits in bounded memory.

Two layouts (docs/data.md describes every column, option and profile):

- **Classic** (no new option, no profile): the data every published number so far was measured on, unchanged
  value for value. num_0..num_{K-1} (float64, no nulls, spread >= 0.5), miss_0..miss_{J-1} (float64 with nulls
  at the missing rate, values on a 0.1 grid so modes exist), cat_0..cat_{C-1} (strings, Zipf(0.8)-skewed over
  M values), text (ASCII words of mixed case, separated by runs of spaces and tabs). One generator draws the
  whole table column after column; to stream it, a first pass walks that generator through the columns
  (drawing and dropping values a chunk at a time) and keeps a copy of it where each column's values start;
  every chunk then continues each column's own copy, so the chunks join into exactly today's table.
- **Realistic** (any of --skew, --categorical-null-rate, --unicode, --offset-cols, --rating or a --profile):
  rows come in blocks of BLOCK_ROWS rows and each (column, block) has its own stream,
  SeedSequence(seed, spawn_key=(1, crc32(column name), block)); pools (category strings, vocabulary) and
  per-column parameters are drawn once from (0, crc32(name)) streams. So the chunk size never changes the
  data, and neither does adding or dropping another column.

Everything is vectorised (numpy and Arrow compute; no Python loop over rows or over pool values).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from src.bench.errors import UserError

BLOCK_ROWS = 1 << 16  # realistic layout: the unit of the seeded streams (fixed: it defines the data)
DEFAULT_CHUNK_ROWS = 1 << 20  # rows per chunk / Parquet row group, unless the row width asks for fewer
CHUNK_BUDGET_BYTES = 512 << 20  # estimated bytes of one chunk's columns
MAX_CARDINALITY = 10_000_000
CLASSIC_SKEW = 0.8
WORD_SKEW = 1.0  # Zipf exponent of word frequencies (both layouts)
UNICODE_VOCAB = 100_000  # --vocab-size when --unicode is on and no size is given

PROFILES: dict[str, dict[str, Any]] = {
    # CTR-style (Criteo-like): 13 numeric features with nulls (miss_*, the Imputer's columns; a pipeline
    # Imputer -> StandardScaler scales them), 26 skewed high-cardinality categorical features with nulls.
    "tabular": dict(numeric=0, missing_cols=13, missing_rate=0.2, categorical=26, cardinality=10_000, skew=1.1,
                    categorical_null_rate=0.1, text=False),
    # reviews-style: Unicode documents, a 1-5 star rating (num_rating), a timestamp (big_0), two categories.
    "text": dict(numeric=0, rating=True, offset_cols=1, missing_rate=0.0, categorical=2, cardinality=1000,
                 categorical_null_rate=0.05, text=True, unicode=True, vocab_size=UNICODE_VOCAB),
    # 1,000 numeric columns.
    "wide": dict(numeric=1000, categorical=0, missing_rate=0.0, text=False),
}


@dataclass(frozen=True)
class DatasetSpec:
    rows: int = 1000
    numeric: int = 4
    categorical: int = 2
    cardinality: int = 20
    text: bool = False
    vocab_size: int = 2000
    missing_rate: float = 0.0
    missing_cols: int = 2
    seed: int = 42
    # realistic layout (any of these away from its default selects it)
    skew: float = CLASSIC_SKEW
    categorical_null_rate: float = 0.0
    unicode: bool = False
    offset_cols: int = 0
    rating: bool = False
    profile: str = ""  # the profile the spec was built from; a profile always means the realistic layout

    def validate(self) -> None:
        if self.rows < 1:
            raise UserError(f"--rows must be at least 1, got {self.rows}")
        if min(self.numeric, self.categorical, self.missing_cols, self.offset_cols) < 0:
            raise UserError("--numeric, --categorical, --missing-cols and --offset-cols must not be negative")
        if self.cardinality < 1 or self.vocab_size < 1:
            raise UserError("--cardinality and --vocab-size must be at least 1")
        if self.cardinality > MAX_CARDINALITY:
            raise UserError(f"--cardinality must be at most {MAX_CARDINALITY:,}, got {self.cardinality:,}")
        if not 0.0 <= self.missing_rate < 1.0:
            raise UserError(f"--missing-rate must be in [0, 1), got {self.missing_rate}")
        if not 0.0 <= self.categorical_null_rate < 1.0:
            raise UserError(f"--categorical-null-rate must be in [0, 1), got {self.categorical_null_rate}")
        if not (math.isfinite(self.skew) and 0.0 <= self.skew <= 10.0):
            raise UserError(f"--skew must be in [0, 10], got {self.skew}")
        if self.profile and self.profile not in PROFILES:
            raise UserError(f"unknown --profile '{self.profile}'; choose one of: {', '.join(PROFILES)}")
        if self.unicode and not self.text and self.categorical == 0:
            raise UserError("--unicode changes the text and the categories; add --text or --categorical")
        if self.column_names() == []:
            raise UserError("the dataset would have no columns; give --numeric, --categorical or --text")

    def _miss_count(self) -> int:
        return self.missing_cols if self.missing_rate > 0 else 0

    @property
    def realistic(self) -> bool:
        """True for the realistic (block-seeded) layout: a profile or any new option away from its default."""
        return bool(self.profile) or any(getattr(self, f) != getattr(_CLASSIC, f) for f in _NEW_FIELDS)

    def column_names(self) -> list[str]:
        names = [f"num_{i}" for i in range(self.numeric)]
        names += ["num_rating"] if self.rating else []
        names += [f"big_{i}" for i in range(self.offset_cols)]
        names += [f"miss_{j}" for j in range(self._miss_count())]
        names += [f"cat_{i}" for i in range(self.categorical)]
        return names + (["text"] if self.text else [])

    def cache_key(self) -> str:
        """A file name that changes whenever the data would; a classic spec keeps its key from before."""
        key = (
            f"r{self.rows}_n{self.numeric}_c{self.categorical}x{self.cardinality}_t{int(self.text)}v{self.vocab_size}"
            f"_m{self.missing_rate:g}x{self._miss_count()}_s{self.seed}"
        )
        if self.realistic:  # the profile's name is left out: the resolved options say all there is
            key += (f"_g2k{self.skew:g}_cn{self.categorical_null_rate:g}_u{int(self.unicode)}"
                    f"_o{self.offset_cols}_rt{int(self.rating)}")
        return key


_CLASSIC = DatasetSpec()
_NEW_FIELDS = ("skew", "categorical_null_rate", "unicode", "offset_cols", "rating")
SPEC_FIELDS = tuple(f.name for f in fields(DatasetSpec) if f.name != "profile")


def build_spec(profile: str | None = None, **given: Any) -> DatasetSpec:
    """DatasetSpec defaults, then the profile's options, then the given options (None = not given)."""
    given = {k: v for k, v in given.items() if v is not None}
    unknown = set(given) - set(SPEC_FIELDS)
    if unknown:
        raise TypeError(f"unknown dataset options: {', '.join(sorted(unknown))}")
    if profile and profile not in PROFILES:
        raise UserError(f"unknown --profile '{profile}'; choose one of: {', '.join(PROFILES)}")
    options = {**(PROFILES[profile] if profile else {}), **given}
    if options.get("unicode") and "vocab_size" not in options:
        options["vocab_size"] = UNICODE_VOCAB
    return replace(DatasetSpec(), profile=profile or "", **options)


def chunk_rows_for(spec: DatasetSpec) -> int:
    """Rows per chunk: DEFAULT_CHUNK_ROWS, fewer for wide rows (a multiple of BLOCK_ROWS when realistic)."""
    text_bytes = (220 if spec.unicode else 75) if spec.text else 0
    row_bytes = (8 * (spec.numeric + spec.rating + spec.offset_cols + spec._miss_count())
                 + 16 * spec.categorical + text_bytes)
    rows = min(DEFAULT_CHUNK_ROWS, max(1, CHUNK_BUDGET_BYTES // max(row_bytes, 1)))
    if spec.realistic:
        rows = max(BLOCK_ROWS, rows // BLOCK_ROWS * BLOCK_ROWS)
    return rows


def iter_chunks(spec: DatasetSpec, chunk_rows: int | None = None) -> Iterator[pa.Table]:
    """The dataset as consecutive tables of chunk_rows rows (the last one shorter); the chunk size never
    changes the values."""
    spec.validate()
    chunk_rows = chunk_rows or chunk_rows_for(spec)
    if chunk_rows < 1:
        raise UserError(f"chunk rows must be at least 1, got {chunk_rows}")
    columns = _RealisticColumns(spec) if spec.realistic else _ClassicColumns(spec, chunk_rows)
    for start in range(0, spec.rows, chunk_rows):
        stop = min(start + chunk_rows, spec.rows)
        yield pa.table({name: make(start, stop) for name, make in columns.makers})


def generate_table(spec: DatasetSpec, chunk_rows: int | None = None) -> pa.Table:
    """The whole dataset in memory (small data and tests); the same spec always gives the same table."""
    tables = list(iter_chunks(spec, chunk_rows))
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


# --- the classic layout ---------------------------------------------------------------------------------------


def _fork(rng: np.random.Generator) -> np.random.Generator:
    copy = np.random.Generator(np.random.PCG64())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def _skip(rng: np.random.Generator, draw: Callable[[np.random.Generator, int], Any], n: int, step: int) -> int:
    """Draw n values in steps (bounded memory) and drop them; returns their sum when they are numbers."""
    total = 0
    for start in range(0, n, step):
        values = draw(rng, min(step, n - start))
        if values.dtype.kind in "iu":
            total += int(values.sum())
    return total


def _choice_cdf(p: np.ndarray) -> np.ndarray:
    """The table Generator.choice(m, p=p) searches: choice(...) == cdf.searchsorted(random(...), 'right')."""
    cdf = np.asarray(p, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    return cdf


class _ClassicColumns:
    """Today's single-stream layout, streamed: see the module docstring."""

    def __init__(self, spec: DatasetSpec, step: int) -> None:
        rng, n, step = np.random.default_rng(spec.seed), spec.rows, max(step, 1 << 16)
        self.makers: list[tuple[str, Callable[[int, int], pa.Array]]] = []
        normal = lambda g, k: g.standard_normal(k)  # noqa: E731 - same draws as normal(loc, scale, k)
        uniform = lambda g, k: g.random(k)  # noqa: E731
        for i in range(spec.numeric):
            loc, scale = rng.uniform(-100, 100), rng.uniform(0.5, 50)
            cursor = _fork(rng)
            _skip(rng, normal, n, step)
            self.makers.append((f"num_{i}", partial(self._numeric, cursor, loc, scale)))
        for j in range(spec._miss_count()):
            loc = rng.uniform(-10, 10)
            scale = rng.uniform(1, 5)
            values = _fork(rng)
            _skip(rng, normal, n, step)
            mask = _fork(rng)
            _skip(rng, uniform, n, step)
            keep = int(rng.integers(n))  # at least one observed value per column
            self.makers.append((f"miss_{j}", partial(self._missing, values, mask, loc, scale, spec.missing_rate, keep)))
        if spec.categorical:
            m = spec.cardinality
            width = len(str(m - 1))
            digits = pc.utf8_lpad(pa.array(np.arange(m)).cast(pa.string()), width, "0")
            categories = pc.binary_join_element_wise("v", digits, "")
            cdf = _choice_cdf((w := 1.0 / np.arange(1, m + 1) ** CLASSIC_SKEW) / w.sum())
        for i in range(spec.categorical):
            order = rng.permutation(m)  # the most frequent value is not always the first in sort order
            cursor = _fork(rng)
            _skip(rng, uniform, n, step)
            self.makers.append((f"cat_{i}", partial(self._categorical, cursor, order, cdf, categories)))
        if spec.text:
            v = spec.vocab_size
            words = _vocabulary(rng, v)
            variants = pa.array(words + [w.capitalize() for w in words] + [" " + w for w in words]
                                + ["\t" + w.upper() for w in words])
            lengths = _fork(rng)
            total = _skip(rng, lambda g, k: g.integers(1, 21, k), n, step)
            word_cdf = _choice_cdf((w := 1.0 / np.arange(1, v + 1) ** WORD_SKEW) / w.sum())
            word_order = rng.permutation(v)
            word_cursor = _fork(rng)
            _skip(rng, uniform, total, step * 4)
            variant_cursor = _fork(rng)
            variant_cdf = _choice_cdf(np.array([0.85, 0.1, 0.03, 0.02]))
            self.makers.append(("text", partial(self._text, lengths, word_cursor, word_order, word_cdf,
                                                variant_cursor, variant_cdf, variants, v)))

    @staticmethod
    def _numeric(g: np.random.Generator, loc: float, scale: float, start: int, stop: int) -> pa.Array:
        return pa.array(g.normal(loc, scale, stop - start))

    @staticmethod
    def _missing(values: np.random.Generator, mask: np.random.Generator, loc: float, scale: float, rate: float,
                 keep: int, start: int, stop: int) -> pa.Array:
        x = np.round(values.normal(loc, scale, stop - start), 1)
        missing = mask.random(stop - start) < rate
        if start <= keep < stop:
            missing[keep - start] = False
        return pa.array(x, mask=missing)

    @staticmethod
    def _categorical(g: np.random.Generator, order: np.ndarray, cdf: np.ndarray, categories: pa.Array, start: int,
                     stop: int) -> pa.Array:
        codes = order[cdf.searchsorted(g.random(stop - start), side="right")].astype(np.int32)
        return pa.DictionaryArray.from_arrays(pa.array(codes), categories).cast(pa.string())

    @staticmethod
    def _text(lengths: np.random.Generator, words: np.random.Generator, word_order: np.ndarray, word_cdf: np.ndarray,
              variants: np.random.Generator, variant_cdf: np.ndarray, dictionary: pa.Array, v: int, start: int,
              stop: int) -> pa.Array:
        """Zipf-drawn words joined by " "; a word's variant adds capitals or a leading space or tab before it."""
        counts = lengths.integers(1, 21, stop - start)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        t = int(offsets[-1])
        word_ids = word_order[word_cdf.searchsorted(words.random(t), side="right")].astype(np.int32)
        variant = variant_cdf.searchsorted(variants.random(t), side="right")
        tokens = pa.DictionaryArray.from_arrays(pa.array(word_ids + variant * v), dictionary)
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), tokens.cast(pa.string()))
        return pc.binary_join(lists, " ").cast(pa.string())


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    words: set[str] = set()
    while len(words) < size:
        lengths = rng.integers(2, 10, size)
        for length in lengths:
            words.add(letters[rng.integers(0, 26, length)].tobytes().decode())
            if len(words) == size:
                break
    return sorted(words)


# --- the realistic layout -------------------------------------------------------------------------------------


def _cid(name: str) -> int:
    return zlib.crc32(name.encode())


def _pool_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, _cid(name)))))


def _block_rng(seed: int, name: str, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1, _cid(name), block))))


class ZipfSampler:
    """0-based ranks with P(rank = r) proportional to (r + 1)^-s, vectorised and O(1) per value at any
    cardinality: the first HEAD ranks exactly, by Walker's alias method; the tail by inverting the continuous
    density x^-s on [HEAD + 0.5, m + 0.5) and rounding (the midpoint rule: its relative error there is far below
    sampling noise). No table of m entries, so a million values cost what twenty do."""

    HEAD = 1024

    def __init__(self, m: int, s: float) -> None:
        self.m, self.s = m, s
        head = min(m, self.HEAD)
        weights = 1.0 / np.arange(1, head + 1) ** s
        self.a, self.b = head + 0.5, m + 0.5
        self.f_a = self._integral(self.a)
        self.f_span = self._integral(self.b) - self.f_a if m > head else 0.0
        self.p_head = weights.sum() / (weights.sum() + self.f_span)
        self.prob, self.alias = _alias_table(weights / weights.sum())

    def _integral(self, x: float) -> float:
        t = 1.0 - self.s
        return float(np.log(x) if abs(t) < 1e-9 else np.expm1(t * np.log(x)) / t)

    def ranks(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms in [0, 1) to ranks (int64)."""
        k = self.prob.size
        scaled = np.minimum(u / self.p_head, 1.0 - 1e-16) * k  # head: u / p_head is uniform on [0, 1)
        slot = scaled.astype(np.int64)
        ranks = np.where(scaled - slot < self.prob[slot], slot, self.alias[slot])
        tail = np.flatnonzero(u >= self.p_head)
        if tail.size:
            y = self.f_a + (u[tail] - self.p_head) / (1.0 - self.p_head) * self.f_span
            t = 1.0 - self.s
            x = np.exp(y) if abs(t) < 1e-9 else np.exp(np.log1p(t * y) / t)
            ranks[tail] = np.clip(np.floor(x + 0.5).astype(np.int64) - 1, self.HEAD, self.m - 1)
        return ranks


def _alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table of a distribution p: slot i keeps i with probability prob[i], else alias[i]."""
    k = p.size
    prob, alias = p * k, np.arange(k)
    small = [i for i in range(k) if prob[i] < 1.0]
    large = [i for i in range(k) if prob[i] >= 1.0]
    while small and large:
        lo, hi = small.pop(), large.pop()
        alias[lo] = hi
        prob[hi] -= 1.0 - prob[lo]
        (small if prob[hi] < 1.0 else large).append(hi)
    for i in small + large:  # left over by rounding: keep themselves
        prob[i] = 1.0
    return prob, alias


def _coprime_affine(rng: np.random.Generator, m: int) -> tuple[int, int]:
    """(a, b) with gcd(a, m) = 1: rank -> (a * rank + b) mod m is a permutation of the m codes."""
    b = int(rng.integers(m))
    while True:
        a = int(rng.integers(1, max(m, 2)))
        if math.gcd(a, m) == 1:
            return a, b


def _strings_from_codepoints(cp: np.ndarray) -> pa.Array:
    """Rows of a 2-D uint32 array of code points (0 = padding at the end) as Arrow strings."""
    return pa.array(np.ascontiguousarray(cp, dtype=np.uint32).view(f"<U{cp.shape[1]}").ravel())


# Categorical values with --unicode: these stems + "-" + the code's digits, for one code in every 8.
UNICODE_STEMS = ("Zürich", "Ελλάδα", "Москва", "東京", "😀", "İzmir", "Straße", "ΟΔΥΣΣΕΥΣ", "naïve", "🎉🎉",
                 "São Paulo", "Kraków", "서울", "👍🏽", "Ärger", "ΣΟΦΟΣ")

# Words that the --unicode vocabulary always holds, placed among its frequent ranks.
SPECIAL_WORDS = (
    "Straße", "İstanbul", "ΟΔΥΣΣΕΥΣ", "Σοφία", "ΣΟΦΟΣ", "Москва", "Ёлка", "café", "naïve", "Ærøskøbing",
    "Ελλάδα", "東京", "日本語", "中文", "😀", "👍🏽", "🎉🎉", "👩\u200d💻", "🇫🇷", "New\u00a0York", "10\u00a0km",
    "Mr.\u00a0Smith", "ΙΣΤΟΣ", "ﬁnance", "Œuvre", "ǅemal", "ΐ", "Éclair", "DİYARBAKIR", "groß",
)

_ALPHABETS = {
    "ascii": np.arange(ord("a"), ord("z") + 1),
    "latin": np.array([ord(c) for c in "abcdefghijklmnopqrstuvwxyzàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœ"]),
    "greek": np.array([c for c in range(0x3B1, 0x3CA) if c != 0x3C2]),  # α..ω without the final ς
    "cyrillic": np.array([*range(0x430, 0x450), 0x451]),
    "cjk": np.array([*range(0x4E00, 0x4E00 + 3000), *range(0x3041, 0x3097)]),
    "emoji": np.array([*range(0x1F300, 0x1F5FF), *range(0x1F600, 0x1F650), *range(0x1F680, 0x1F6C6),
                       *range(0x1F90C, 0x1FA00)]),
}
# script: (share of the generated words, shortest, longest)
_SCRIPTS = {"ascii": (0.70, 2, 10), "latin": (0.08, 3, 10), "greek": (0.06, 3, 10), "cyrillic": (0.06, 3, 10),
            "cjk": (0.05, 1, 4), "emoji": (0.03, 1, 2), "nbsp": (0.02, 5, 13)}
WORD_VARIANTS = ("", "capitalized", "upper", ".", ",", "!")
_VARIANT_P = np.array([0.78, 0.10, 0.03, 0.05, 0.03, 0.01])
# separators: runs of ASCII whitespace (index 0, "", is for no leading or trailing whitespace)
SEPARATORS = ("", " ", "  ", "\t", "\n", " \n", "\n\n", " \t ", "   ", "\n\t")
_SEP_P = np.array([0.0, 0.86, 0.04, 0.02, 0.03, 0.01, 0.02, 0.01, 0.005, 0.005])
_EDGE_P = np.array([0.9, 0.03, 0.01, 0.02, 0.02, 0.0, 0.01, 0.0, 0.005, 0.005])  # leading / trailing
_DOC_EMPTY, _DOC_BLANK = 0.02, 0.01  # shares of "" and whitespace-only documents
_EPOCH_SPAN_S = 30 * 86_400  # timestamps over a month: sigma/|mean| = 4.4e-4, inside the scalers' rule
_DOC_MEDIAN_TOKENS, _DOC_SIGMA, _DOC_MAX_TOKENS = 18.0, 1.1, 5000


def unicode_vocabulary(rng: np.random.Generator, size: int) -> pa.Array:
    """size distinct words, index = frequency rank: SPECIAL_WORDS at frequent ranks, the rest random words in
    several scripts (ASCII, accented Latin, Greek with a final ς, Cyrillic, CJK, emoji, two ASCII words joined
    by a U+00A0 no-break space)."""
    specials = list(SPECIAL_WORDS[:size])
    need = size - len(specials)
    generated = np.array([], dtype="<U1")
    attempt = 0
    while generated.size < need:
        batch = _random_words(rng, int((need - generated.size) * 1.2) + 16)
        merged = np.concatenate([generated, batch])
        _, first = np.unique(merged, return_index=True)
        keep = np.sort(first)  # drop repeats, keep the random order
        generated = merged[keep]
        generated = generated[~np.isin(generated, specials)]
        attempt += 1
        if attempt > 50:
            raise UserError(f"cannot draw {size:,} distinct words")
    words = generated[:need].astype(object)
    ranks = sorted({min(size - 1, int(7 * 1.35 ** i)) for i in range(len(specials))}) if specials else []
    while len(ranks) < len(specials):  # a small vocabulary: the specials take the first free ranks
        ranks = sorted(set(ranks) | {min(set(range(size)) - set(ranks))})
    out = np.empty(size, dtype=object)
    is_special = np.zeros(size, dtype=bool)
    is_special[ranks] = True
    out[is_special] = specials
    out[~is_special] = words
    return pa.array(out, type=pa.string())


def _random_words(rng: np.random.Generator, count: int) -> np.ndarray:
    shares = np.array([share for share, _, _ in _SCRIPTS.values()])
    script = rng.choice(len(_SCRIPTS), size=count, p=shares / shares.sum())
    width = max(longest for _, _, longest in _SCRIPTS.values())
    cp = np.zeros((count, width), dtype=np.uint32)
    for k, (name, (_, shortest, longest)) in enumerate(_SCRIPTS.items()):
        rows = np.flatnonzero(script == k)
        if rows.size == 0:
            continue
        alphabet = _ALPHABETS["ascii" if name == "nbsp" else name]
        lengths = rng.integers(shortest, longest + 1, rows.size)
        letters = alphabet[rng.integers(0, alphabet.size, (rows.size, width))].astype(np.uint32)
        letters[np.arange(width)[None, :] >= lengths[:, None]] = 0
        if name == "nbsp":  # "word\u00a0word": the no-break space is inside the token
            cut = rng.integers(2, np.maximum(lengths - 2, 3))
            letters[np.arange(rows.size), np.minimum(cut, lengths - 2)] = 0xA0
        if name == "greek":  # a word-final sigma is written ς
            last = letters[np.arange(rows.size), lengths - 1]
            letters[np.arange(rows.size), lengths - 1] = np.where(last == 0x3C3, 0x3C2, last)
        cp[rows] = letters
    return cp.view(f"<U{width}").ravel()


class _RealisticColumns:
    """Block-seeded columns: see the module docstring."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        seed = spec.seed
        self.makers: list[tuple[str, Callable[[int, int], pa.Array]]] = []
        for i in range(spec.numeric):
            g = _pool_rng(seed, f"num_{i}")
            self._add(f"num_{i}", partial(self._normal, g.uniform(-100, 100), g.uniform(0.5, 50)))
        if spec.rating:
            self._add("num_rating", self._rating)
        for i in range(spec.offset_cols):
            g = _pool_rng(seed, f"big_{i}")
            if i % 2 == 0:  # epoch seconds with millisecond resolution over 30 days
                self._add(f"big_{i}", partial(self._epoch, 1.7e9 + float(np.round(g.uniform(0, 1e6)))))
            else:  # increasing integer ids near 1e12..9e12 (exact in float64)
                self._add(f"big_{i}", partial(self._ids, float(g.integers(10**12, 9 * 10**12))))
        for j in range(spec._miss_count()):
            g = _pool_rng(seed, f"miss_{j}")
            self._add(f"miss_{j}", partial(self._missing, g.uniform(-10, 10), g.uniform(1, 5)))
        if spec.categorical:
            categories = self._categories()
            zipf = ZipfSampler(spec.cardinality, spec.skew)
        for i in range(spec.categorical):
            a, b = _coprime_affine(_pool_rng(seed, f"cat_{i}"), spec.cardinality)
            self._add(f"cat_{i}", partial(self._categorical, zipf, a, b, categories))
        if spec.text:
            self._add("text", self._unicode_text() if spec.unicode else self._ascii_text())

    def _add(self, name: str, block_maker: Callable[[np.random.Generator, int, int], pa.Array]) -> None:
        self.makers.append((name, partial(self._column, name, block_maker)))

    def _column(self, name: str, block_maker: Callable[[np.random.Generator, int, int], pa.Array], start: int,
                stop: int) -> pa.Array | pa.ChunkedArray:
        """Rows [start, stop) of a column: the blocks that hold them, each from its own stream, sliced."""
        parts = []
        for block in range(start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS + 1):
            b0 = block * BLOCK_ROWS
            b1 = min(b0 + BLOCK_ROWS, self.spec.rows)
            values = block_maker(_block_rng(self.spec.seed, name, block), b0, b1 - b0)
            lo, hi = max(start, b0) - b0, min(stop, b1) - b0
            parts.append(values if (lo, hi) == (0, b1 - b0) else values.slice(lo, hi - lo))
        return parts[0] if len(parts) == 1 else pa.chunked_array(parts)  # no copy: one row group still

    def _nulls(self, g: np.random.Generator, first_row: int, k: int, rate: float) -> np.ndarray | None:
        """A null mask at the rate (drawn last in the block, so it never shifts the values); row 0 is kept."""
        if rate <= 0:
            return None
        mask = g.random(k) < rate
        if first_row == 0:
            mask[0] = False
        return mask

    @staticmethod
    def _normal(loc: float, scale: float, g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        return pa.array(g.normal(loc, scale, k))

    @staticmethod
    def _rating(g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        stars = np.cumsum([0.06, 0.04, 0.08, 0.22, 0.60]).searchsorted(g.random(k), side="right")
        return pa.array(np.minimum(stars, 4).astype(np.float64) + 1.0)

    @staticmethod
    def _epoch(base: float, g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        return pa.array(np.round(base + g.uniform(0, _EPOCH_SPAN_S, k), 3))

    @staticmethod
    def _ids(base: float, g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        rows = np.arange(first_row, first_row + k, dtype=np.int64)
        return pa.array(base + (rows * 7 + g.integers(0, 7, k)).astype(np.float64))

    def _missing(self, loc: float, scale: float, g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        values = np.round(g.normal(loc, scale, k), 1)
        return pa.array(values, mask=self._nulls(g, first_row, k, self.spec.missing_rate))

    def _categories(self) -> pa.Array:
        """The m category strings, code -> value: "v" + zero-padded code; with --unicode one code in 8 is a
        Unicode stem + "-" + digits and one code is the empty string."""
        m = self.spec.cardinality
        digits = pc.utf8_lpad(pa.array(np.arange(m)).cast(pa.string()), len(str(m - 1)), "0")
        if not self.spec.unicode:
            return pc.binary_join_element_wise("v", digits, "")
        codes = np.arange(m)
        stems = pa.array(["v", *[s + "-" for s in UNICODE_STEMS]])
        stem = np.where(codes % 8 == 3, 1 + (codes // 8) % len(UNICODE_STEMS), 0)
        values = pc.binary_join_element_wise(stems.take(pa.array(stem)), digits, "")
        if m >= 2:  # the empty string is cat_0's second most frequent value
            a, b = _coprime_affine(_pool_rng(self.spec.seed, "cat_0"), m)
            empty = np.zeros(m, dtype=bool)
            empty[(a + b) % m] = True
            values = pc.if_else(pa.array(empty), "", values)
        return values

    def _categorical(self, zipf: ZipfSampler, a: int, b: int, categories: pa.Array, g: np.random.Generator,
                     first_row: int, k: int) -> pa.Array:
        codes = ((a * zipf.ranks(g.random(k)) + b) % zipf.m).astype(np.int32)
        mask = self._nulls(g, first_row, k, self.spec.categorical_null_rate)
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=mask), categories).cast(pa.string())

    def _ascii_text(self) -> Callable[[np.random.Generator, int, int], pa.Array]:
        """The classic documents (1-20 ASCII words, variants with capitals or a leading space or tab) with
        nulls; used when the realistic layout is on without --unicode."""
        v = self.spec.vocab_size
        words = _vocabulary(_pool_rng(self.spec.seed, "text"), v)
        dictionary = pa.array(words + [w.capitalize() for w in words] + [" " + w for w in words]
                              + ["\t" + w.upper() for w in words])
        zipf = ZipfSampler(v, WORD_SKEW)
        variant_cdf = np.cumsum([0.85, 0.1, 0.03, 0.02])

        def make(g: np.random.Generator, first_row: int, k: int) -> pa.Array:
            counts = g.integers(1, 21, k)
            offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            t = int(offsets[-1])
            ids = zipf.ranks(g.random(t)) + np.minimum(variant_cdf.searchsorted(g.random(t), "right"), 3) * v
            tokens = pa.DictionaryArray.from_arrays(pa.array(ids.astype(np.int32)), dictionary).cast(pa.string())
            docs = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), tokens), " ").cast(pa.string())
            return self._with_nulls(docs, g, first_row, k)

        return make

    def _unicode_text(self) -> Callable[[np.random.Generator, int, int], pa.Array]:
        """Documents of Zipf-drawn words (variants: capitalised, upper case, trailing punctuation) between runs of
        ASCII whitespace; lognormal lengths; some documents empty or whitespace-only."""
        v = self.spec.vocab_size
        vocab = unicode_vocabulary(_pool_rng(self.spec.seed, "text"), v)
        variants = [vocab, pc.utf8_capitalize(vocab), pc.utf8_upper(vocab)]
        variants += [pc.binary_join_element_wise(vocab, p, "") for p in (".", ",", "!")]
        dictionary = pa.concat_arrays([*variants, pa.array(SEPARATORS)])
        n_tokens = len(WORD_VARIANTS) * v  # separators follow the token variants in the dictionary
        zipf = ZipfSampler(v, WORD_SKEW)
        variant_cdf, sep_cdf, edge_cdf = (np.cumsum(p / p.sum()) for p in (_VARIANT_P, _SEP_P, _EDGE_P))
        last = len(SEPARATORS) - 1

        def make(g: np.random.Generator, first_row: int, k: int) -> pa.Array:
            kind = g.random(k)
            lengths = np.floor(g.lognormal(math.log(_DOC_MEDIAN_TOKENS), _DOC_SIGMA, k)).astype(np.int64)
            lengths = np.where(kind < _DOC_EMPTY + _DOC_BLANK, 0, np.minimum(lengths, _DOC_MAX_TOKENS))
            t = int(lengths.sum())
            token = zipf.ranks(g.random(t)) + np.minimum(variant_cdf.searchsorted(g.random(t), "right"), 5) * v
            between = np.minimum(sep_cdf.searchsorted(g.random(t), "right"), last)
            lead, trail = (np.minimum(edge_cdf.searchsorted(g.random(k), "right"), last) for _ in range(2))
            blank = 1 + g.integers(0, last, k)  # a whitespace-only document: one non-empty separator run
            # each document is [lead, token, sep, token, ..., token, trail] (2L + 1 pieces), joined with ""
            pieces = 2 * lengths + 1
            offsets = np.concatenate([[0], np.cumsum(pieces)])
            idx = np.empty(int(offsets[-1]), dtype=np.int32)
            doc_start = np.repeat(offsets[:-1], lengths)
            within = np.arange(t) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            pos = doc_start + 1 + 2 * within
            idx[pos] = token
            idx[pos + 1] = n_tokens + between  # after each token; the last one is overwritten by trail below
            idx[offsets[:-1]] = n_tokens + lead
            idx[offsets[1:] - 1] = n_tokens + trail
            empty = lengths == 0
            idx[offsets[:-1][empty]] = n_tokens + np.where(kind[empty] < _DOC_EMPTY, 0, blank[empty])
            pieces_text = pa.DictionaryArray.from_arrays(pa.array(idx), dictionary).cast(pa.string())
            lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pieces_text)
            return self._with_nulls(pc.binary_join(lists, ""), g, first_row, k)

        return make

    def _with_nulls(self, docs: pa.Array, g: np.random.Generator, first_row: int, k: int) -> pa.Array:
        mask = self._nulls(g, first_row, k, self.spec.categorical_null_rate)
        if mask is None:
            return docs
        return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), docs)


# --- writing --------------------------------------------------------------------------------------------------

PART_NAME = re.compile(r"part-\d{5}\.parquet")


def output_kind(path: str) -> str:
    """'csv', 'parquet' (one file) or 'dir' (a directory of part-NNNNN.parquet files)."""
    target = Path(path)
    if path.endswith(("/", os.sep)) or target.is_dir() or target.suffix == "":
        return "dir"
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise UserError(f"--output must end in .csv or .parquet, or be a directory (ending in /), got {path}")


def check_output(path: str) -> None:
    """Refuse an output that cannot be written before any data is generated."""
    from src.bench.data.results import check_writable_file

    target = Path(path.rstrip("/" + os.sep) or path)
    if output_kind(path) != "dir":
        check_writable_file(path, "--output")
        return
    if target.exists() and not target.is_dir():
        raise UserError(f"--output {path} is a file; a directory output needs a directory path")
    if target.is_dir():
        foreign = [p.name for p in target.iterdir() if not PART_NAME.fullmatch(p.name)]
        if foreign:
            raise UserError(f"--output {path} already holds {foreign[0]!r}, which prepbench did not write; "
                            "choose another directory")
        check_writable_file(target / "part-00000.parquet", "--output")
    else:
        check_writable_file(target, "--output")


@dataclass(frozen=True)
class Written:
    path: str
    rows: int
    columns: list[str]
    files: int


def write_dataset(spec: DatasetSpec, path: str, chunk_rows: int | None = None, progress: bool = False) -> Written:
    """Generate and write chunk by chunk, so memory stays bounded: a .parquet file gets one row group per chunk,
    a .csv file is streamed, a directory gets part-00000.parquet, ... (one per chunk). Atomic: written to a
    temporary file or directory beside the target, then renamed into place."""
    spec.validate()
    kind = output_kind(path)
    target = Path(path.rstrip("/" + os.sep) or path)
    tmp = _temporary_beside(target)
    chunks = iter_chunks(spec, chunk_rows)
    # Parquet dictionary pages only where values repeat (random floats and documents would only grow the file);
    # the classic layout keeps the writer's defaults, so its files stay byte for byte what they were
    dictionary: bool | list[str] = True if not spec.realistic else [
        c for c in spec.column_names() if c.startswith(("miss_", "cat_")) or c == "num_rating"]
    files = 0
    try:
        with _progress(spec.rows, progress) as advance:
            if kind == "dir":
                tmp.mkdir()
                for files, chunk in enumerate(chunks, 1):
                    _write_parquet_file(chunk, tmp / f"part-{files - 1:05d}.parquet", dictionary)
                    advance(chunk.num_rows)
                    del chunk  # not alive while the next chunk is generated
                _replace_dir(tmp, target)
            else:
                files = 1
                _stream_file(chunks, tmp, kind, advance, dictionary)
                os.replace(tmp, target)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    return Written(str(target), spec.rows, spec.column_names(), files)


def _write_parquet_file(table: pa.Table, path: Path, dictionary: bool | list[str]) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path, row_group_size=max(table.num_rows, 1), use_dictionary=dictionary)


def _stream_file(chunks: Iterator[pa.Table], tmp: Path, kind: str, advance: Callable[[int], None],
                 dictionary: bool | list[str]) -> None:
    writer: Any = None
    try:
        for chunk in chunks:
            if writer is None:
                if kind == "csv":
                    import pyarrow.csv as pcsv

                    writer = pcsv.CSVWriter(tmp, chunk.schema)
                else:
                    import pyarrow.parquet as pq

                    writer = pq.ParquetWriter(tmp, chunk.schema, use_dictionary=dictionary)
            if kind == "csv":
                writer.write_table(chunk)
            else:
                writer.write_table(chunk, row_group_size=max(chunk.num_rows, 1))
            advance(chunk.num_rows)
            del chunk  # not alive while the next chunk is generated
    finally:
        if writer is not None:
            writer.close()


def _replace_dir(tmp: Path, target: Path) -> None:
    """Rename the finished directory into place; a previous output (only part files) is swapped out."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


class _progress:
    """A rich progress bar on stderr when asked for (a line per tenth of the rows when stderr is not a terminal,
    e.g. a log file); otherwise a no-op."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.bar = total, enabled, None

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda rows: None
        if not sys.stderr.isatty():
            return self._lines()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("generate"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("generate", total=self.total)
        return lambda rows: self.bar.advance(task, rows)

    def _lines(self) -> Callable[[int], None]:
        done, shown, t0 = 0, 0, time.perf_counter()

        def advance(rows: int) -> None:
            nonlocal done, shown
            done += rows
            if done * 10 // self.total > shown:
                shown = done * 10 // self.total
                print(f"generate: {done:,}/{self.total:,} rows ({100 * done // self.total}%) in "
                      f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

        return advance

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def write_table(table: pa.Table, path: str) -> None:
    """Write an in-memory table as CSV or Parquet by extension, atomically (a temp file renamed into place)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise UserError(f"--output must end in .csv or .parquet, got {path}")
    tmp = _temporary_beside(target)
    try:
        if suffix == ".csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, tmp)
        else:
            import pyarrow.parquet as pq

            pq.write_table(table, tmp, row_group_size=1 << 20)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _temporary_beside(target: Path) -> Path:
    """A temporary path in the target's directory (created if needed), so the finished output is renamed in."""
    from src.bench.data.results import ensure_writable_dir

    parent = ensure_writable_dir(target.parent if str(target.parent) else Path("."))
    return parent / f".{target.name}.tmp-{os.getpid()}"

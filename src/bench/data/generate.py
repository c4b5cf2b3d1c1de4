"""Seeded synthetic datasets that every engine can read and that obey the canonical input rules.

Columns: num_0..num_{K-1} (float64, no nulls, spread >= 0.5), miss_0..miss_{J-1} (float64 with nulls at the
missing rate, values on a 0.1 grid so modes exist), cat_0..cat_{C-1} (strings, Zipf-skewed over M values),
text (ASCII words of mixed case, separated by runs of spaces and tabs). Everything is vectorised so that
10 million rows take seconds, not minutes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from src.bench.errors import UserError


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

    def validate(self) -> None:
        if self.rows < 1:
            raise UserError(f"--rows must be at least 1, got {self.rows}")
        if min(self.numeric, self.categorical, self.missing_cols) < 0:
            raise UserError("--numeric, --categorical and --missing-cols must not be negative")
        if self.cardinality < 1 or self.vocab_size < 1:
            raise UserError("--cardinality and --vocab-size must be at least 1")
        if not 0.0 <= self.missing_rate < 1.0:
            raise UserError(f"--missing-rate must be in [0, 1), got {self.missing_rate}")
        if self.numeric + self.categorical + int(self.text) + self._miss_count() == 0:
            raise UserError("the dataset would have no columns; give --numeric, --categorical or --text")

    def _miss_count(self) -> int:
        return self.missing_cols if self.missing_rate > 0 else 0

    def cache_key(self) -> str:
        return (
            f"r{self.rows}_n{self.numeric}_c{self.categorical}x{self.cardinality}_t{int(self.text)}v{self.vocab_size}"
            f"_m{self.missing_rate:g}x{self._miss_count()}_s{self.seed}"
        )


def generate_table(spec: DatasetSpec) -> pa.Table:
    """The dataset as an Arrow table; the same spec always gives the same table."""
    spec.validate()
    rng = np.random.default_rng(spec.seed)
    n = spec.rows
    columns: dict[str, pa.Array] = {}
    for i in range(spec.numeric):
        loc, scale = rng.uniform(-100, 100), rng.uniform(0.5, 50)
        columns[f"num_{i}"] = pa.array(rng.normal(loc, scale, n))
    for j in range(spec._miss_count()):
        values = np.round(rng.normal(rng.uniform(-10, 10), rng.uniform(1, 5), n), 1)
        missing = rng.random(n) < spec.missing_rate
        missing[rng.integers(n)] = False  # at least one observed value per column
        columns[f"miss_{j}"] = pa.array(values, mask=missing)
    width = len(str(spec.cardinality - 1))
    categories = pa.array([f"v{k:0{width}d}" for k in range(spec.cardinality)])
    for i in range(spec.categorical):
        codes = _zipf_codes(rng, spec.cardinality, n, exponent=0.8)
        columns[f"cat_{i}"] = pa.DictionaryArray.from_arrays(pa.array(codes), categories).cast(pa.string())
    if spec.text:
        columns["text"] = _documents(rng, spec.vocab_size, n)
    return pa.table(columns)


def _zipf_codes(rng: np.random.Generator, m: int, n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, m + 1) ** exponent
    order = rng.permutation(m)  # the most frequent value is not always the first in sort order
    return order[rng.choice(m, size=n, p=weights / weights.sum())].astype(np.int32)


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


def _documents(rng: np.random.Generator, vocab_size: int, n: int) -> pa.Array:
    """Join Zipf-drawn words; a word's variant adds capitals or a leading space or tab before it."""
    words = _vocabulary(rng, vocab_size)
    variants = words + [w.capitalize() for w in words] + [" " + w for w in words] + ["\t" + w.upper() for w in words]
    lengths = rng.integers(1, 21, n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    word_ids = _zipf_codes(rng, vocab_size, int(offsets[-1]), exponent=1.0)
    variant = rng.choice(4, size=word_ids.size, p=[0.85, 0.1, 0.03, 0.02])
    tokens = pa.DictionaryArray.from_arrays(pa.array(word_ids + variant * vocab_size), pa.array(variants))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), tokens.cast(pa.string()))
    import pyarrow.compute as pc

    return pc.binary_join(lists, " ").cast(pa.string())


def write_table(table: pa.Table, path: str) -> None:
    """Write CSV or Parquet by extension, atomically (a temp file renamed into place)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise UserError(f"--output must end in .csv or .parquet, got {path}")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the directory {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise UserError(f"cannot write to {parent}: permission denied; choose another --output")
    tmp = parent / f".{target.name}.tmp-{os.getpid()}"
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

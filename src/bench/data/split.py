"""--split: fit on a seeded fraction of the rows, transform every row.

Which rows are fitted on is one mask computed from each row's number in the input and the seed (a splitmix64
hash of both), so every engine and the reference fit on exactly the same rows — never an engine's own random
sample. The fitted rows are written once, in bounded memory, to a Parquet file in the split cache, keyed by the
input's path, size and modification time, the fraction and the seed; each engine then reads that file as its
fit input, like `--fit-input`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from src.bench.data.inputs import InputSource, csv_options
from src.bench.errors import UserError

CACHE_VARIABLE = "PREPBENCH_CACHE_DIR"
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def fit_mask(first_row: int, rows: int, fraction: float, seed: int) -> np.ndarray:
    """True for the rows first_row .. first_row+rows-1 that are fitted on."""
    with np.errstate(over="ignore"):
        z = np.arange(first_row, first_row + rows, dtype=np.uint64) + np.uint64(seed % 2**64) * _GOLDEN + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53 < fraction


def check_fraction(fraction: float) -> None:
    if not 0.0 < fraction < 1.0:
        raise UserError(f"--split takes the fraction of rows to fit on, strictly between 0 and 1; got {fraction:g}")


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "prepbench") / "splits"


def split_file(source: InputSource, fraction: float, seed: int) -> Path:
    """The Parquet file of the fitted rows of `source`, written on first use."""
    check_fraction(fraction)
    if not source.is_local:
        raise UserError(f"--split needs a local input, got {source.path}; split it yourself and give the part to "
                        "fit on with --fit-input")
    stat = Path(source.uri).stat()
    key = hashlib.sha256(f"{source.uri}|{source.size_bytes}|{stat.st_mtime_ns}|{fraction!r}|{seed}".encode())
    target = cache_dir() / f"{Path(source.uri).stem}_fit{fraction:g}_seed{seed}_{key.hexdigest()[:12]}.parquet"
    if not target.exists():
        _write_fit_rows(source, fraction, seed, target)
    return target


def _batches(source: InputSource):
    """The input's record batches in row order, typed as every engine reads them."""
    if source.format == "parquet":
        import pyarrow.dataset as ds

        return ds.dataset(source.uri, format="parquet").to_batches(batch_size=1 << 20)
    import pyarrow.csv as pcsv

    return pcsv.open_csv(source.uri, **csv_options(source.schema))


def _write_fit_rows(source: InputSource, fraction: float, seed: int, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the split cache {target.parent}: {exc.strerror}; set {CACHE_VARIABLE} to "
                        "a writable directory") from None
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    first, fitted, writer = 0, 0, None
    try:
        for batch in _batches(source):
            kept = batch.filter(pa.array(fit_mask(first, batch.num_rows, fraction, seed)))
            first, fitted = first + batch.num_rows, fitted + kept.num_rows
            if writer is None:
                writer = pq.ParquetWriter(tmp, batch.schema)
            writer.write_batch(kept)
        if writer is not None:
            writer.close()
        if fitted == 0:
            raise UserError(f"--split {fraction:g} leaves no row of the {first} rows of {source.path} to fit on; "
                            "give a larger fraction")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)

"""The page-cache share of an input: Linux mincore on the input's files, unknown where it cannot be known."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from src.bench.run.pagecache import resident_fraction


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mincore is read on Linux only")
def test_a_file_dropped_from_the_cache_then_read_back(tmp_path: Path) -> None:
    parts = tmp_path / "data.parquet"
    parts.mkdir()
    for i in range(2):
        (parts / f"part-{i}.parquet").write_bytes(os.urandom(1 << 20))
    for file in parts.iterdir():  # written pages are clean after fsync, and DONTNEED then drops them
        fd = os.open(file, os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    assert resident_fraction(str(parts)) < 0.1
    (parts / "part-0.parquet").read_bytes()
    assert 0.45 < resident_fraction(str(parts)) < 0.6  # one of two equal files
    (parts / "part-1.parquet").read_bytes()
    assert resident_fraction(str(parts / "part-1.parquet")) == 1.0


def test_a_missing_or_empty_input_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert resident_fraction(str(tmp_path / "nothing.csv")) is None
    assert resident_fraction(str(tmp_path / "empty.csv")) is None

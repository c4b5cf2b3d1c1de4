"""--split and --fit-input: the fitted rows are one seeded mask of row numbers, the same for every engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import write_table
from src.bench.data.inputs import resolve_input
from src.bench.data.split import fit_mask, split_file
from src.bench.errors import UserError

MASK64 = 2**64 - 1


def splitmix64_unit(row: int, seed: int) -> float:
    """splitmix64 written out with Python integers: the uniform number a row is compared with."""
    golden = 0x9E3779B97F4A7C15
    z = (row + seed * golden + golden) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return (z >> 11) * 2.0**-53


def test_mask_is_splitmix64_of_the_row_number_and_seed() -> None:
    for seed in (0, 7, 2**40 + 3):
        expected = [splitmix64_unit(row, seed) < 0.5 for row in range(1000, 1040)]
        assert fit_mask(1000, 40, 0.5, seed).tolist() == expected


def test_mask_of_row_zero_seed_zero_by_hand() -> None:
    # splitmix64's first output for state 0 is 0xE220A8397B1DCDAF; its top 53 bits / 2^53 = 0.883...
    assert splitmix64_unit(0, 0) == pytest.approx(0xE220A8397B1DCDAF / 2.0**64)
    assert fit_mask(0, 1, 0.88, 0).tolist() == [False] and fit_mask(0, 1, 0.89, 0).tolist() == [True]


def test_mask_keeps_the_fraction_and_does_not_depend_on_batching() -> None:
    whole = fit_mask(0, 100_000, 0.8, 3)
    assert abs(whole.mean() - 0.8) < 0.01
    parts = np.concatenate([fit_mask(0, 30_000, 0.8, 3), fit_mask(30_000, 70_000, 0.8, 3)])
    np.testing.assert_array_equal(whole, parts)
    assert not np.array_equal(whole, fit_mask(0, 100_000, 0.8, 4)), "another seed gives other rows"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_split_file_holds_exactly_the_masked_rows(tmp_path: Path, monkeypatch, fmt: str) -> None:
    monkeypatch.setenv("PREPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    rows = 5000
    table = pa.table({"x": np.arange(rows, dtype=np.float64), "c": [f"v{i % 7}" for i in range(rows)]})
    path = tmp_path / f"in.{fmt}"
    write_table(table, str(path))
    source = resolve_input(str(path))
    fitted = split_file(source, 0.25, 11)
    got = pq.read_table(fitted)
    expected = np.arange(rows)[fit_mask(0, rows, 0.25, 11)]
    np.testing.assert_array_equal(got.column("x").to_numpy(), expected.astype(np.float64))
    assert got.column("c").to_pylist() == [f"v{i % 7}" for i in expected]
    mtime = fitted.stat().st_mtime_ns
    assert split_file(source, 0.25, 11) == fitted and fitted.stat().st_mtime_ns == mtime, "made once, then reused"
    assert split_file(source, 0.5, 11) != fitted


def test_split_refuses_a_fraction_outside_zero_one_and_an_empty_fit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "in.parquet"
    write_table(pa.table({"x": [1.0, 2.0]}), str(path))
    source = resolve_input(str(path))
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(UserError, match="strictly between 0 and 1"):
            split_file(source, bad, 0)
    tiny = next(f for f in (1e-3, 1e-4, 1e-5) if not fit_mask(0, 2, f, 0).any())
    with pytest.raises(UserError, match="leaves no row"):
        split_file(source, tiny, 0)
    assert not list((tmp_path / "cache" / "splits").glob("*.parquet")), "nothing half-written"

"""`prepbench sweep`: one process per cell, one JSONL line per cell, resumable after a hard kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from src.bench.errors import UserError
from src.bench.orchestrate.sweep import row_counts
from tests.clitools import CLI, ROOT, cli

GRID = {"engines": ["numpy"], "operators": ["StandardScaler", "MinMaxScaler"], "rows": ["1e2", "2e2", "3e2"],
        "cols": ["1", "2"]}
CELLS = {(e, o, int(float(r)), int(c)) for e in GRID["engines"] for o in GRID["operators"] for r in GRID["rows"]
         for c in GRID["cols"]}


def sweep_args(out: Path, data_dir: Path, *extra: str, grid: dict = GRID) -> list[str]:
    return ["sweep", "--engines", *grid["engines"], "--operators", *grid["operators"], "--rows", *grid["rows"],
            "--cols", *grid["cols"], "--repeats", "1", "--warmup", "0", "--out", str(out), "--data-dir", str(data_dir),
            *extra]


def run_sweep(out: Path, data_dir: Path, *extra: str, grid: dict = GRID) -> subprocess.CompletedProcess:
    return cli(*sweep_args(out, data_dir, *extra, grid=grid), timeout=300)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]  # every line whole: json.loads would fail


def readers(data_dir: Path) -> list[int]:
    return [p.pid for p in psutil.process_iter(["cmdline"]) if str(data_dir) in " ".join(p.info["cmdline"] or [])]


def cell_key(record: dict) -> tuple:
    c = record["cell"]
    return c["engine"], c["operator"], c["rows"], c["cols"]


def test_rows_given_as_floats_are_whole_counts() -> None:
    assert row_counts([1e4, 1e2, 100.0]) == [100, 10_000]
    for bad in (1.5, 0.0):
        with pytest.raises(UserError, match="whole row counts"):
            row_counts([bad])


@pytest.mark.slow  # twelve cells, one process each, twice
def test_killed_sweep_resumes_without_loss_or_duplicate(tmp_path: Path) -> None:
    out, data_dir = tmp_path / "sweep.jsonl", tmp_path / "data"
    proc = subprocess.Popen([*CLI, *sweep_args(out, data_dir)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while (not out.exists() or len(out.read_text().splitlines()) < 2) and time.monotonic() < deadline:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = lines(out)
    assert 2 <= len(before) < len(CELLS), "the kill must land mid-sweep"
    # the cell that was running dies with the sweep: no process is left reading this test's data
    deadline = time.monotonic() + 15
    while readers(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert readers(data_dir) == []

    res = run_sweep(out, data_dir, "--resume")
    assert res.returncode == 0, res.stderr
    assert f"{len(before)} already in" in res.stdout
    after = lines(out)
    assert after[: len(before)] == before  # append-only
    keys = [cell_key(r) for r in after]
    assert len(keys) == len(set(keys)) == len(CELLS) and set(keys) == CELLS
    for record in after:
        engine, operator, rows, cols = cell_key(record)
        assert record["status"] == "ok" and record["operators"] == [operator]
        assert record["dataset"]["rows"] == rows and isinstance(rows, int)
        assert len(record["steps"][0]["input_cols"]) == cols  # the scalers read the num_* columns
        assert pq.read_metadata(record["sweep"]["dataset"]).num_rows == rows  # the cached dataset
    assert len(list(data_dir.glob("*.parquet"))) == 6  # one per (rows, cols), reused by both operators

    res = run_sweep(out, data_dir)
    assert res.returncode == 2 and "add --resume" in res.stderr  # never mixes two sweeps silently


@pytest.mark.slow  # three sweeps
def test_timed_out_cell_is_recorded_then_retried_only_on_request(tmp_path: Path) -> None:
    out, data_dir = tmp_path / "sweep.jsonl", tmp_path / "data"
    grid = {**GRID, "operators": ["StandardScaler"], "rows": ["1e2"], "cols": ["1"]}
    res = run_sweep(out, data_dir, "--timeout-per-cell", "0.05", grid=grid)
    assert res.returncode == 1
    (record,) = lines(out)
    assert record["status"] == "timeout" and "no result after 0.05 s" in record["error"]["message"]
    assert record["cell"] == {"engine": "numpy", "operator": "StandardScaler", "rows": 100, "cols": 1, "split": None,
                              "split_seed": 0, "end_to_end": False, "variant": "stock"}

    res = run_sweep(out, data_dir, "--resume", grid=grid)
    assert res.returncode == 1 and len(lines(out)) == 1  # a final status: not run again by --resume

    res = run_sweep(out, data_dir, "--resume", "--retry-failed", grid=grid)
    assert res.returncode == 0, res.stderr
    assert [r["status"] for r in lines(out)] == ["timeout", "ok"]

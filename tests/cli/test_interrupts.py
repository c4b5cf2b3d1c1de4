"""Ctrl-C during `run`, `compare` and `sweep` with real engines: engines shut down, no process left, partial
results marked, exit 130; and a sweep file whose last line was cut by a kill is still read and resumed.

Each command runs in its own session, like a terminal's foreground job, and gets SIGINT on its whole process
group, as Ctrl-C delivers it. Every process ever seen below the command is remembered (tests/clitools.py: Cli), so a
test can check that none outlives it (a JVM, Ray's daemons and workers)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from src.bench.data.results import read_records
from src.bench.errors import EXIT_INTERRUPTED
from src.bench.orchestrate.sweep import Cell, finished_cells
from tests.clitools import SAMPLE, Cli, need
from tests.clitools import cli as prepbench

_PR_SET_CHILD_SUBREAPER = 36


def only_json(directory: Path, pattern: str = "*.json") -> dict:
    (path,) = list(directory.glob(pattern))
    return json.loads(path.read_text())


@pytest.mark.parametrize("engine", ["numpy", pytest.param("spark", marks=pytest.mark.slow),
                                    pytest.param("ray", marks=pytest.mark.slow)])
def test_ctrl_c_during_run_records_interrupted_and_leaves_nothing(engine: str, tmp_path: Path) -> None:
    need(engine)
    cli = Cli("run", "--engine", engine, "--operator", "StandardScaler", "--input", str(SAMPLE), "--warmup", "0",
              "--repeats", "10000000", "--output", str(tmp_path))
    try:
        cli.wait_for(f"{engine}: repetition 1/")
        sent = cli.ctrl_c()
        code = cli.finish()
        seconds = time.monotonic() - sent
    finally:
        cli.kill()
    assert code == EXIT_INTERRUPTED, cli.stderr[-2000:]
    assert cli.lines[-1] == "prepbench: interrupted"
    assert seconds < 60, f"took {seconds:.1f} s to stop"
    assert cli.left == []
    record = only_json(tmp_path)
    assert record["status"] == "interrupted" and record["engine"]["name"] == engine
    assert len(record["timing"]["repetition_seconds"]) >= 1  # what was measured before Ctrl-C is kept
    assert "summary" not in record["timing"] and "consistency" not in record  # and nothing pretends to be final
    assert any(f"interrupted: the repetitions done so far are in {tmp_path}" in line for line in cli.lines)
    if engine != "numpy":  # the check above covered the engine's own processes
        assert cli.saw("java" if engine == "spark" else "raylet")


@pytest.mark.slow
def test_ctrl_c_during_compare_reports_the_engines_done_so_far(tmp_path: Path) -> None:
    need("ray", "sklearn")
    cli = Cli("compare", "--operator", "StandardScaler", "--engines", "numpy", "ray", "sklearn", "--input",
              str(SAMPLE), "--warmup", "0", "--repeats", "2000", "--output", str(tmp_path))  # numpy: 1 s; Ray: minutes
    try:
        cli.wait_for("     ray | prepbench: ray: repetition 1/")
        cli.ctrl_c()
        code = cli.finish()
    finally:
        cli.kill()
    assert code == EXIT_INTERRUPTED, cli.stderr[-2000:]
    assert cli.left == []
    assert cli.saw("raylet") and cli.saw("gcs_server")  # the child's local Ray ran, and is gone
    assert "== interrupted: not run: sklearn" in cli.stderr
    comparison = only_json(tmp_path, "comparison_*.json")
    assert comparison["exit_code"] == EXIT_INTERRUPTED and comparison["not_run"] == ["sklearn"]
    numpy_run, ray_run = comparison["runs"]
    assert numpy_run["engine"]["name"] == "numpy" and numpy_run["status"] == "ok"
    assert ray_run["engine"]["name"] == "ray" and ray_run["status"] == "interrupted"
    assert len(ray_run["timing"]["repetition_seconds"]) >= 1  # the child stopped cleanly and wrote its record
    assert [r["engine"] for r in comparison["summary"]] == ["numpy", "ray"]
    assert "Interrupted (Ctrl-C); not run: sklearn." in (tmp_path / "comparison_StandardScaler_sample.md").read_text()
    assert len(list(tmp_path.glob("ray_StandardScaler_*.json"))) == 1  # the interrupted run file is kept
    assert not list(tmp_path.glob(".compare-*"))  # no temporary directory left behind


@pytest.mark.slow
def test_ctrl_c_during_sweep_records_no_unfinished_cell(tmp_path: Path) -> None:
    need("spark")
    out = tmp_path / "sweep.jsonl"
    cli = Cli("sweep", "--engines", "numpy", "spark", "--operators", "StandardScaler", "--rows", "1e3", "--cols", "2",
              "--warmup", "0", "--repeats", "2000", "--out", str(out), "--data-dir", str(tmp_path / "data"))
    try:  # the numpy cell is done in seconds; Ctrl-C once the Spark cell's JVM runs
        cli.wait_until(lambda: out.exists() and len(out.read_text().splitlines()) == 1 and cli.saw("java"),
                       "the numpy cell recorded and the Spark cell's JVM running")
        cli.ctrl_c()
        code = cli.finish()
    finally:
        cli.kill()
    assert code == EXIT_INTERRUPTED, cli.stderr[-2000:]
    assert cli.left == []
    assert f"sweep: interrupted; the running cell was not recorded; {out} holds 1 cells" in cli.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]  # one whole line, nothing else
    assert record["cell"]["engine"] == "numpy" and record["status"] == "ok"
    assert finished_cells(read_records(out), retry_failed=False) == {Cell("numpy", "StandardScaler", 1000, 2)}


@contextlib.contextmanager
def orphans_never_reaped() -> Iterator[Callable[[Cli], None]]:
    """Orphans of the test's command become this process's children, which it never waits for: a process whose parent
    died stays a zombie, as under CI's init. Ray's agents watch their raylet's PID and miss such a death.
    Yields what reaps a command's processes afterwards (by PID: no one else's child is touched)."""
    prctl = ctypes.CDLL(None).prctl
    prctl(_PR_SET_CHILD_SUBREAPER, 1)

    def reap(cli: Cli) -> None:
        for pid in cli.seen:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    try:
        yield reap
    finally:
        prctl(_PR_SET_CHILD_SUBREAPER, 0)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER is Linux's")
@pytest.mark.parametrize("settle", [0.0, 5.0], ids=["starting", "running"])
@pytest.mark.parametrize(("engine", "marker"), [("spark", "java"), ("ray", "raylet")])
def test_sigkilled_sweep_takes_its_running_cell_down_with_it(engine: str, marker: str, settle: float,
                                                              tmp_path: Path) -> None:
    """No Ctrl-C handler runs on SIGKILL: the cell's child gets SIGTERM by its parent-death signal and takes what it
    started down with it, also while the engine is still starting (tests/cli/test_sweep.py checks that --resume
    then loses and repeats nothing)."""
    need(engine)
    out = tmp_path / "sweep.jsonl"
    with orphans_never_reaped() as reap:
        cli = Cli("sweep", "--engines", engine, "--operators", "StandardScaler", "--rows", "1e3", "--cols", "2",
                  "--warmup", "0", "--repeats", "100000", "--out", str(out), "--data-dir", str(tmp_path / "data"))
        try:
            cli.wait_until(lambda: cli.saw(marker), f"the cell's {marker}")
            time.sleep(settle)
            cli.snapshot()
            cli.proc.kill()
            assert cli.finish(within=60) == -signal.SIGKILL
        finally:
            cli.kill()
            reap(cli)
    assert cli.left == []
    assert not out.exists() or out.read_text() == ""  # the cell that was running left no line


@pytest.mark.slow  # two sweeps and a report
def test_torn_last_line_is_skipped_and_resume_completes_the_sweep(tmp_path: Path) -> None:
    out, data = tmp_path / "sweep.jsonl", tmp_path / "data"
    grid = ["sweep", "--engines", "numpy", "--operators", "StandardScaler", "--rows", "1e2", "2e2", "--cols", "1",
            "--warmup", "0", "--repeats", "1", "--out", str(out), "--data-dir", str(data)]
    assert prepbench(*grid).returncode == 0
    first, second = out.read_text().splitlines()
    out.write_text(first + "\n" + second[: len(second) // 2])  # killed while writing the second line
    assert [r["cell"]["rows"] for r in read_records(out)] == [100]

    res = prepbench(*grid, "--resume")
    assert res.returncode == 0, res.stderr
    assert "1 already in" in res.stdout
    lines = out.read_text().splitlines()
    assert lines[:2] == [first, second[: len(second) // 2]]  # append-only: the torn fragment stays on its own line
    records = read_records(out)
    assert sorted(r["cell"]["rows"] for r in records) == [100, 200] and all(r["status"] == "ok" for r in records)
    res = prepbench("report", str(out), "--format", "md", "--out", str(tmp_path / "report"))
    assert res.returncode == 0, res.stderr


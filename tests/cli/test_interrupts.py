"""Ctrl-C during `run`, `compare` and `sweep` with real engines: engines shut down, no process left, partial
results marked, exit 130; and a sweep file whose last line was cut by a kill is still read and resumed.

Each command runs in its own session, like a terminal's foreground job, and gets SIGINT on its whole process
group, as Ctrl-C delivers it. Every process ever seen below the command is remembered, so a test can check that
none outlives it (a JVM, Ray's daemons and workers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from src.bench.data.results import read_records
from src.bench.errors import EXIT_INTERRUPTED
from src.bench.orchestrate.sweep import Cell, finished_cells
from src.bench.registry import engine_installed

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample.csv"
START_TIMEOUT_S = 240.0  # a JVM or Ray starting on a busy 2-core machine
GONE_WITHIN_S = 10.0


class Cli:
    """A prepbench command in its own session, its stderr collected as it comes, its process tree watched."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "src.bench.cli", *args], cwd=ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, errors="replace", start_new_session=True)
        self.lines: list[str] = []
        self.times: list[float] = []  # time.monotonic() when each stderr line arrived
        self.stdout_lines: list[str] = []
        self.seen: dict[int, psutil.Process] = {}  # every descendant ever observed
        self.commands: dict[int, set[str]] = {}  # every command line each showed (exec and Ray task titles change it)
        self._done = threading.Event()
        self.left: list[str] | None = None  # set by finish()
        for target in (self._read_stderr, self._read_stdout, self._watch_tree):
            threading.Thread(target=target, daemon=True).start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.times.append(time.monotonic())
            self.lines.append(line.rstrip("\n"))

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            self.stdout_lines.append(line.rstrip("\n"))

    def _watch_tree(self) -> None:
        while not self._done.is_set():
            self.snapshot()
            time.sleep(0.2)

    def snapshot(self) -> None:
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            self.seen.setdefault(child.pid, child)
            try:
                self.commands.setdefault(child.pid, set()).add(" ".join(child.cmdline()))
            except psutil.Error:
                continue

    def saw(self, text: str) -> bool:
        """Whether a process whose command line contains `text` ran below the command."""
        return any(text in command for commands in self.commands.values() for command in commands)

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = START_TIMEOUT_S) -> None:
        """Until a stderr line contains `text`; fail if the command ends first."""
        self.wait_until(lambda: self.when(text) is not None, f"'{text}' on stderr", timeout)

    def when(self, text: str) -> float | None:
        """time.monotonic() of the first stderr line that contains `text`."""
        return next((t for t, line in zip(self.times, self.lines) if text in line), None)

    def wait_until(self, condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            code = self.proc.poll()
            assert code is None, f"ended (code {code}) before {what}:\n{self.stderr[-3000:]}"
            assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s:\n{self.stderr[-3000:]}"
            time.sleep(0.1)

    def ctrl_c(self) -> float:
        """SIGINT to the command's process group, as a terminal's Ctrl-C; returns when it was sent."""
        self.snapshot()
        os.killpg(self.proc.pid, signal.SIGINT)
        return time.monotonic()

    def finish(self, timeout: float = 120.0, within: float = GONE_WITHIN_S) -> int:
        """Wait for the command to end; `left` is then what of its tree is still alive `within` seconds later."""
        code = self.proc.wait(timeout=timeout)
        self._done.set()
        time.sleep(0.3)  # let the readers drain the pipes
        self.left = self._survivors(within)
        return code

    def _survivors(self, within: float) -> list[str]:
        """Descendants still alive `within` seconds from now (zombies do not count)."""
        deadline = time.monotonic() + within
        while True:
            alive = [p for p in self.seen.values() if _alive(p)]
            if not alive or time.monotonic() > deadline:
                return [f"{p.pid} {sorted(self.commands.get(p.pid, {'?'}))[-1][:120]}" for p in alive if _alive(p)]
            time.sleep(0.2)

    def kill(self) -> None:
        """Teardown, always after `finish` has taken note of survivors: nothing of this command may outlive the
        test, whatever it asserts."""
        self._done.set()
        if self.proc.poll() is None:
            self.proc.kill()
        for p in self.seen.values():
            try:
                p.kill()
            except psutil.Error:
                pass


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def need(*engines: str) -> None:
    missing = [e for e in engines if not engine_installed(e)]
    if missing:
        pytest.skip(f"engine(s) {', '.join(missing)} not installed")


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


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "marker"), [("spark", "java"), ("ray", "raylet")])
def test_sigkilled_sweep_takes_its_running_cell_down_with_it(engine: str, marker: str, tmp_path: Path) -> None:
    """No Ctrl-C handler runs on SIGKILL: the cell's child dies by its parent-death signal, and the JVM or local
    Ray it started must follow (tests/cli/test_sweep.py checks that --resume then loses and repeats nothing)."""
    need(engine)
    out = tmp_path / "sweep.jsonl"
    cli = Cli("sweep", "--engines", engine, "--operators", "StandardScaler", "--rows", "1e3", "--cols", "2",
              "--warmup", "0", "--repeats", "100000", "--out", str(out), "--data-dir", str(tmp_path / "data"))
    try:
        cli.wait_until(lambda: cli.saw(marker), f"the cell's {marker}")
        time.sleep(5)  # let the engine get going
        cli.snapshot()
        cli.proc.kill()
        assert cli.finish(within=30) == -signal.SIGKILL
    finally:
        cli.kill()
    assert cli.left == []
    assert not out.exists() or out.read_text() == ""  # the cell that was running left no line


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


def prepbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "src.bench.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)

"""Run one `prepbench run|pipeline` in a process of its own: the isolation `compare` and `sweep` rely on.

A child gets its own session (process group), so a timeout or Ctrl-C ends it and everything it started (a JVM,
Ray daemons) by process group and by PID; a crash or a memory leak of one engine cannot touch the next one.
The child writes its result JSON into an empty directory given to it, so finding that file needs no guessing.
Only the standard library is imported here (psutil when a child has to be killed).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.bench.data.results import REPO_ROOT, SCHEMA_VERSION, utc_now, write_json_atomic
from src.bench.run.engine_args import local_path
from src.bench.run.memory_limit import MemoryGuard, verdict

KILL_GRACE_SECONDS = 5.0
INTERRUPT_GRACE_SECONDS = 15.0  # a child stopping Spark or Ray after Ctrl-C; a second Ctrl-C cuts it short
_PR_SET_PDEATHSIG = 1


@dataclass
class ChildResult:
    """How a child run ended, and the record it wrote (None when it died before writing one)."""

    exit_code: int | None  # None: killed because it ran out of time
    record: dict[str, Any] | None
    run_file: Path | None
    seconds: float
    started_at: str
    stderr_tail: list[str] = field(default_factory=list)
    interrupted: bool = False  # stopped because the user pressed Ctrl-C
    memory: dict[str, Any] | None = None  # --memory-limit: the limit, the peak, the mechanism, whether exceeded

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None and not self.interrupted


class ChildInterrupted(KeyboardInterrupt):
    """Ctrl-C while a child ran: the child was stopped (see `interrupt_tree`); `result` holds what it left."""

    def __init__(self, result: ChildResult) -> None:
        super().__init__()
        self.result = result


def global_flags(args: argparse.Namespace) -> list[str]:
    return ["--log-level", args.log_level, "--py4j-log-level", args.py4j_log_level]


def run_child(cli_args: list[str], result_dir: Path, timeout: float | None,
              on_line: Callable[[str], None] | None = None, memory_limit: int | None = None) -> ChildResult:
    """Run `python -m src.bench.cli <cli_args> --output <result_dir>`; kill its process group on timeout, or at
    once when its tree goes over `memory_limit` bytes (see memory_limit.py; the child gets --memory-limit too)."""
    argv = [sys.executable, "-m", "src.bench.cli", *cli_args, "--output", str(result_dir)]
    guard = MemoryGuard(memory_limit, result_dir / "engine-started") if memory_limit else None
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(guard.child_env() if guard else {})}
    started, t0 = utc_now().isoformat(), time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, errors="replace", bufsize=1, start_new_session=True, preexec_fn=_die_with_parent(),
    )
    if guard:
        guard.watch(proc.pid, lambda: _kill_now(proc))
    tail: deque[str] = deque(maxlen=40)
    pump = threading.Thread(target=_pump, args=(proc, tail, on_line), daemon=True)
    pump.start()
    interrupted = False
    try:
        exit_code: int | None = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        exit_code = None
    except KeyboardInterrupt:  # Ctrl-C: the child stops its engine and records what it measured
        interrupt_tree(proc)
        exit_code, interrupted = proc.returncode, True
    except BaseException:  # anything else: the child must not outlive us
        kill_tree(proc)
        raise
    finally:
        memory = guard.close() if guard else None
    pump.join(timeout=2.0)  # a daemon that inherited stderr may keep the pipe open
    run_file = next(iter(sorted(result_dir.glob("*.json"))), None)
    record = json.loads(run_file.read_text(encoding="utf-8")) if run_file else None
    if record is not None and memory is not None:  # the limit's verdict overrides what the run wrote
        record = verdict(record, memory)
        write_json_atomic(run_file, record)
    result = ChildResult(exit_code, record, run_file, time.perf_counter() - t0, started, list(tail), interrupted,
                         memory)
    if interrupted:
        raise ChildInterrupted(result)
    return result


def _pump(proc: subprocess.Popen, tail: deque, on_line: Callable[[str], None] | None) -> None:
    for line in proc.stderr:
        line = line.rstrip("\n")
        tail.append(line)
        if on_line:
            on_line(line)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a child gets SIGTERM when this process dies, even by SIGKILL, so no run is left orphaned."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only makes one call

    def set_death_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal


def leave_no_process_behind() -> None:
    """However this process ends, SIGTERM included (what a child gets when its parent dies), it kills what it started
    and left running. An engine's own shutdown misses processes when the end comes mid-start: a local Ray killed
    during ray.init leaves its agents, which wait forever on a raylet nobody reaped (seen in CI)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # unwinds: finally blocks, atexit
    atexit.register(_kill_descendants)  # registered before any engine's: runs after their shutdown hooks


def _kill_descendants() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM (seen: while a JVM starts) must not cut this short
    for p in _descendants(os.getpid()):
        try:
            p.kill()
        except Exception:  # psutil.Error: gone already
            continue


def interrupt_tree(proc: subprocess.Popen) -> None:
    """SIGINT the child alone, as Ctrl-C would: it stops its engine and writes an interrupted record. Whatever of
    its tree is left after a grace period (at once on a second Ctrl-C) is killed."""
    descendants = _descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=INTERRUPT_GRACE_SECONDS)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        pass
    kill_tree(proc, descendants)


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def kill_tree(proc: subprocess.Popen, known: list | None = None) -> None:
    """SIGTERM the child's process group, SIGKILL it after a grace period, then any descendant left (by PID),
    including `known` ones seen earlier that may have been re-parented since."""
    import psutil

    descendants = [*(known or []), *_descendants(proc.pid)]
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()
    for p in descendants:
        try:
            p.kill()
        except psutil.Error:
            continue


def _kill_now(proc: subprocess.Popen) -> None:
    """SIGKILL the child's tree without a grace period: it is over its memory limit and still growing."""
    descendants = _descendants(proc.pid)
    _signal_group(proc.pid, signal.SIGKILL)
    for p in descendants:
        try:
            p.kill()
        except Exception:  # psutil.Error: gone already
            continue


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def failure_record(engine: str, operators: list[str], command: str, input_path: str, result: ChildResult,
                   timeout: float) -> dict[str, Any]:
    """The record of a child that wrote none: it timed out, or died (user error, crash, out of memory)."""
    from src.bench.registry import engine_version

    if result.interrupted:
        status, error = "interrupted", {"type": "Interrupted",
                                        "message": f"stopped by Ctrl-C after {result.seconds:.1f} s, before a result"}
    elif result.timed_out:
        status, error = "timeout", {"type": "Timeout", "message": f"no result after {timeout:g} s; process killed"}
    else:
        status, error = "failed", _error_from_stderr(result)
    record = {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "status": status,
        "engine": {"name": engine, "version": engine_version(engine)},
        "operators": operators,
        "dataset": {"input": input_path, "uri": local_path(input_path)},
        "error": error,
        "started_at": result.started_at,
        "finished_at": utc_now().isoformat(),
    }
    return record if result.memory is None else verdict(record, result.memory)


def _error_from_stderr(result: ChildResult) -> dict[str, str]:
    """The child's own one-line message: prepbench prints user errors and engine failures as its last line."""
    lines = [ln.strip() for ln in result.stderr_tail if ln.strip()]
    for line in reversed(lines):
        if line.startswith("prepbench: error: "):
            return {"type": "UserError", "message": line.removeprefix("prepbench: error: ")}
        if line.startswith("prepbench: engine failure: "):
            return {"type": "EngineFailure", "message": line.removeprefix("prepbench: engine failure: ")}
    code = result.exit_code
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
    if code == -signal.SIGKILL:  # timeouts and Ctrl-C are told apart above: this kill came from outside
        how += " (SIGKILL: most likely the kernel's out-of-memory killer; try fewer rows or more memory)"
    last = f": {lines[-1][:300]}" if lines else ""
    return {"type": "ProcessDied", "message": f"the run {how} without writing a result{last}"}

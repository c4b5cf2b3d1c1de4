"""Running prepbench from tests, in one place.

- `cli(*args)`: the real command in a subprocess (`python -m src.bench.cli ...`), as a user runs it; returns the
  CompletedProcess with text stdout/stderr.
- `Cli(*args)`: the same for a long-running command in its own session, its stderr collected as it comes and its
  process tree watched (Ctrl-C, kills, timeouts).
- `run_main(argv)`: `src.bench.cli.main(argv)` in this process, for the cases that need no process of their own
  (a bad input refused before any engine starts); returns (exit code, stdout, stderr) and puts back everything
  main() changes in the process: the root logger's handlers and the levels it sets, the SIGINT handler,
  the interrupt flag, and environment variables.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample.csv"
CLI = [sys.executable, "-m", "src.bench.cli"]
START_TIMEOUT_S = 240.0  # a JVM or Ray starting on a busy 2-core machine
GONE_WITHIN_S = 10.0


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT,
        timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `prepbench ARGS` in a subprocess and wait for it."""
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def need(*engines: str) -> None:
    """Skip the test unless these engines are installed."""
    from src.bench.registry import engine_installed

    missing = [e for e in engines if not engine_installed(e)]
    if missing:
        pytest.skip(f"engine(s) {', '.join(missing)} not installed")


# ------------------------------------------------------------------------------------------- in this process


@contextlib.contextmanager
def _process_state_restored() -> Iterator[None]:
    """Put back what main() changes in the process (setup_logging, watch_interrupts), whatever happens."""
    from src.bench import errors

    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    loggers = {name: lg.level for name, lg in logging.Logger.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    for name in ("prepbench", "py4j", "py4j.clientserver", "py4j.java_gateway"):  # set by setup_logging
        loggers.setdefault(name, logging.getLogger(name).level)
    sigint = signal.getsignal(signal.SIGINT)
    interrupted = errors._interrupt_requested
    environ = dict(os.environ)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, level in loggers.items():
            logging.getLogger(name).setLevel(level)
        signal.signal(signal.SIGINT, sigint)
        errors._interrupt_requested = interrupted
        for key in set(os.environ) - set(environ):
            del os.environ[key]
        for key, value in environ.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


def run_main(argv: Sequence[str]) -> tuple[int, str, str]:
    """`prepbench ARGV` in this process: (exit code, stdout, stderr). argparse's exits count as exit codes."""
    from src.bench.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _process_state_restored(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------- a watched process


class Cli:
    """A prepbench command in its own session, its stderr collected as it comes, its process tree watched."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([*CLI, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                     start_new_session=True)
        self.lines: list[str] = []
        self.times: list[float] = []  # time.monotonic() when each stderr line arrived
        self.stdout_lines: list[str] = []
        self.seen: dict[int, psutil.Process] = {}  # every descendant ever observed
        self.commands: dict[int, set[str]] = {}  # every command line each showed (exec and Ray task titles change it)
        self._done = threading.Event()
        self._readers = [threading.Thread(target=t, daemon=True) for t in (self._read_stderr, self._read_stdout)]
        self.left: list[str] | None = None  # set by finish()
        for thread in (*self._readers, threading.Thread(target=self._watch_tree, daemon=True)):
            thread.start()

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
        deadline = time.monotonic() + within
        for reader in self._readers:  # the pipes reach EOF once every holder of them has ended
            reader.join(timeout=max(deadline - time.monotonic(), 0))
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

"""`--memory-limit`: hold a run's whole process tree (engine daemons included) under a size, and tell a run that
went over it from any other failure.

The parent of a run (`child.run_child`) enforces the limit; the run itself only says when its engine starts
(`enter_limit`). The numpy reference that every output is checked against is computed before that, outside the
limit: it is the check, not the engine's work. Two mechanisms:

- **cgroup**: the parent creates a memory cgroup (v1 `memory.limit_in_bytes`, or v2 `memory.max`) under its own,
  and the run moves itself into it right before its engine starts, so every JVM, raylet and worker the engine
  starts inherits it. Over the limit the kernel kills a process of the group; the parent sees that kill (the
  group's `oom_kill` count) within 0.1 s and kills the rest of the tree, so a half-dead engine never hangs.
- **watchdog** (where no cgroup memory controller is writable: not Linux, not root; or forced with
  `PREPBENCH_MEMORY_ENFORCER=watchdog`): the parent sums the RSS of the run's process tree every 0.1 s and kills
  the tree when the sum is over the limit. RSS counts memory shared between processes (Ray's object store) once
  per process, so this errs on the side of stopping a run.

Either way the run is recorded `failed` with reason `memory limit`, the peak and the limit (`verdict`).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENFORCER_ENV = "PREPBENCH_MEMORY_ENFORCER"  # "watchdog" forces the fallback where cgroups work (tests)
GROUP_ENV = "PREPBENCH_MEMORY_CGROUP"  # the cgroup directory a run joins when its engine starts
ARMED_ENV = "PREPBENCH_MEMORY_ARMED"  # a file the run creates when its engine starts
POLL_SECONDS = 0.1
CGROUP_ROOT = Path("/sys/fs/cgroup")

_UNITS = {"": 1, "b": 1, "k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30,
          "t": 2**40, "tib": 2**40, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}


def parse_size(text: str) -> int:
    """Bytes from `4GiB`, `500MiB`, `1.5G` (K, M, G, T are powers of 1024, like KiB...), `4GB` (powers of 1000)
    or a plain number of bytes; argparse type of --memory-limit."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([a-zA-Z]*)\s*", text)
    unit = match and _UNITS.get(match.group(2).lower())
    if not unit or float(match.group(1)) * unit < 1:
        raise argparse.ArgumentTypeError(f"expected a size such as 4GiB, 500MiB or 2G, got {text!r}")
    return int(float(match.group(1)) * unit)


def format_size(size: float) -> str:
    """`31 GiB`, `1.5 GiB`, `500 MiB`: two significant figures at most below 10."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:.0f} B"


def enter_limit() -> None:
    """In the run's process, right before its engine starts: join the run's cgroup, so the daemons the engine
    starts inherit it, and tell the parent's watchdog to start counting. Nothing to do without a limit."""
    if not supervised():
        return
    _return_freed_memory()
    group = os.environ.get(GROUP_ENV)
    if group:
        (Path(group) / "cgroup.procs").write_text(str(os.getpid()))
    armed = os.environ.get(ARMED_ENV)
    if armed:
        Path(armed).touch()


def _return_freed_memory() -> None:
    """Hand back to the system what the reference computation freed: Arrow's allocator (mimalloc) keeps freed
    memory for reuse (2.4 GB of RSS after a 1e7-row reference, 0.2 GB after this), and it would count in the
    watchdog's sum and in the peak, though it is not the engine's."""
    gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


def leave_limit() -> bool:
    """In the run's process, once the engine's timed work is done, before prepbench reads the written output back
    to check it (end to end): move this process out of the run's cgroup, back to the group it came from, and stop
    the watchdog's count, so the check, like the reference, is not counted as the engine's memory (the engine's
    own processes stay in the group). Whether the check now runs outside the limit."""
    if not supervised():
        return False
    group = os.environ.get(GROUP_ENV)
    if group:
        try:
            (Path(group).parent / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:  # e.g. cgroup v2, whose inner groups hold no processes: the check stays limited
            return False
    armed = os.environ.get(ARMED_ENV)
    if armed:
        Path(armed).unlink(missing_ok=True)
    return True


def scratch_dir() -> Path | None:
    """A directory for an engine's spill files that the supervising parent removes when the run ends, however it
    ends (a run killed over the limit cannot clean up after itself); None without a limit."""
    armed = os.environ.get(ARMED_ENV)
    return Path(armed).parent if armed else None


def supervised() -> bool:
    """Whether this process is a run whose parent enforces its memory limit."""
    return ARMED_ENV in os.environ


@dataclass
class CGroup:
    """A memory cgroup of one run, under this process's own (so any limit above it still holds)."""

    path: Path
    version: int

    @classmethod
    def create(cls, limit: int, name: str) -> CGroup | None:
        """The group with its limit, or None where no memory controller is writable."""
        for version, parent in _own_memory_groups():
            path = parent / name
            try:
                path.mkdir()
            except OSError:
                continue
            group = cls(path, version)
            try:
                if version == 1:
                    (path / "memory.limit_in_bytes").write_text(str(limit))
                    _try_write(path / "memory.memsw.limit_in_bytes", limit)  # no swapping out instead (v1 + swap)
                else:
                    (path / "memory.max").write_text(str(limit))
                    _try_write(path / "memory.swap.max", 0)
            except OSError:
                group.remove()
                continue
            return group
        return None

    @property
    def mechanism(self) -> str:
        return f"cgroup v{self.version}"

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        return _field(self.path / name, "oom_kill")

    def peak(self) -> int | None:
        """The group's peak charge (it includes the page cache of files read, so it sits near the limit of any
        run that read much); None where the kernel does not keep it."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def remove(self) -> None:
        """Remove the group once its processes are gone (a killed process may take a moment to leave it)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                threading.Event().wait(POLL_SECONDS)


def _own_memory_groups() -> list[tuple[int, Path]]:
    """This process's memory cgroup directories: the v1 memory hierarchy, then a v2 group with the memory
    controller enabled for its children."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        if "memory" in controllers.split(","):
            found.append((1, CGROUP_ROOT / "memory" / rel.lstrip("/")))
    for line in lines:
        if line.startswith("0::"):
            for base in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
                group = base / line[3:].lstrip("/")
                if "memory" in _read(group / "cgroup.subtree_control").split():
                    found.append((2, group))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _try_write(path: Path, value: int) -> None:
    try:
        path.write_text(str(value))
    except OSError:
        pass


def _field(path: Path, name: str) -> int:
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            return int(value)
    return 0


class MemoryGuard:
    """The parent's side of one run under a limit: the cgroup (if any), and a thread that watches the run's
    process tree from the moment its engine starts until it exits, and kills the tree when it goes over."""

    def __init__(self, limit: int, armed_file: Path) -> None:
        self.limit = limit
        self.armed_file = armed_file
        forced = os.environ.get(ENFORCER_ENV, "")
        self.group = None if forced == "watchdog" else CGroup.create(limit, f"prepbench-{os.getpid()}-"
                                                                            f"{armed_file.parent.name}")
        self.mechanism = self.group.mechanism if self.group else "watchdog"
        self.peak = 0
        self.exceeded = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def child_env(self) -> dict[str, str]:
        env = {ARMED_ENV: str(self.armed_file)}
        if self.group:
            env[GROUP_ENV] = str(self.group.path)
        return env

    def watch(self, pid: int, kill: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=self._run, args=(pid, kill), name="prepbench-memory", daemon=True)
        self._thread.start()

    def _run(self, pid: int, kill: Callable[[], None]) -> None:
        from src.bench.run.measure import tree_rss

        while not self._stop.wait(POLL_SECONDS):
            if not self.armed_file.exists():
                continue
            rss = tree_rss([pid])
            self.peak = max(self.peak, rss)
            over = self.group.oom_kills() > 0 if self.group else rss > self.limit
            if over:
                self.exceeded = True
                kill()
                return

    def close(self) -> dict[str, Any]:
        """Stop watching, remove the cgroup; what the record says about the limit."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        info: dict[str, Any] = {"limit_bytes": self.limit, "mechanism": self.mechanism, "peak_bytes": self.peak}
        if self.group:
            self.exceeded = self.exceeded or self.group.oom_kills() > 0
            info["cgroup_peak_bytes"] = self.group.peak()
            if self.exceeded:  # killed by the kernel between two samples: its own figure is the peak
                info["peak_bytes"] = max(self.peak, info["cgroup_peak_bytes"] or 0)
            self.group.remove()
        info["exceeded"] = self.exceeded
        return info


# an engine's own words for running out: a JVM's OutOfMemoryError, Python's MemoryError, Dask's KilledWorker (its
# nanny restarts a worker at 95% of its share of the limit, and a task whose workers all died fails so)
MEMORY_ERRORS = ("outofmemory", "out of memory", "memoryerror", "cannot allocate memory", "killedworker")


def verdict(record: dict[str, Any], memory: dict[str, Any]) -> dict[str, Any]:
    """The record with the limit in it; a run that went over the limit, or failed on running out of memory under
    it, is `failed` with reason `memory limit`, whatever the run itself wrote."""
    record = {**record, "memory_limit": {**record.get("memory_limit", {}), **memory}}
    error = record.get("error") or {}
    ran_out = record.get("status") == "failed" and error.get("type") != "MemoryLimit" and any(
        word in f"{error.get('type', '')} {error.get('message', '')}".lower() for word in MEMORY_ERRORS)
    if not (memory["exceeded"] or ran_out):
        return record
    peak = memory.get("peak_bytes") or 0
    how = ("the kernel killed a process of the run's cgroup" if memory["mechanism"].startswith("cgroup") and
           memory["exceeded"] else "the watchdog killed the run's process tree" if memory["exceeded"] else
           "the engine ran out of memory")
    message = (f"memory limit: {how} (peak {format_size(peak)}, limit "
               f"{format_size(memory['limit_bytes'])}, enforced by {memory['mechanism']})")
    if error and error.get("type") != "ProcessDied":
        record["engine_error"] = error
    record.update(status="failed", error={"type": "MemoryLimit", "message": message})
    return record

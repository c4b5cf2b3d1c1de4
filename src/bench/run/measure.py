"""The timing protocol: summary statistics of repetitions, and CPU/memory sampling of the engine's processes.

The sampler runs in a background thread and walks the process tree of this process plus any engine daemons
(Spark workers, Ray raylets) every interval, summing RSS and CPU time, so the figures cover every process
doing the engine's work, not only the driver.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import psutil


def summarize(seconds: list[float]) -> dict[str, float]:
    """Median, mean, stdev, min, max and the interquartile range of repetition times."""
    ordered = sorted(seconds)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "mean": statistics.fmean(ordered),
        "stdev": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "iqr": q3 - q1,
    }


def tree_processes(root_pids: list[int]) -> list[psutil.Process]:
    """The processes of these trees: each root and its descendants, once each."""
    seen: dict[int, psutil.Process] = {}
    for pid in root_pids:
        try:
            root = psutil.Process(pid)
            for p in [root, *root.children(recursive=True)]:
                seen[p.pid] = p
        except psutil.Error:
            continue
    return list(seen.values())


def tree_rss(root_pids: list[int]) -> int:
    """The summed resident memory of these process trees, in bytes (what `--memory-limit`'s watchdog checks)."""
    total = 0
    for p in tree_processes(root_pids):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


class ResourceSampler:
    """Peak RSS and mean CPU% of a set of process trees, sampled in a background thread.

    CPU% is process CPU time over wall time, summed over processes: 200% means two cores fully busy.
    """

    def __init__(self, root_pids: list[int], interval: float = 0.25) -> None:
        # a sweep of a Spark or Ray process tree costs 18-33 ms of CPU (research/clusters.md section 5), and it
        # runs during the timed repetitions on the same cores: 0.25 s keeps that under ~10% of one core
        self.root_pids = list(dict.fromkeys(root_pids))
        self.interval = interval
        self.peak_rss = 0
        self.samples = 0
        self._cpu_start: dict[tuple[int, float], float] = {}
        self._cpu_last: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prepbench-sampler", daemon=True)
        self._started = self._stopped = 0.0

    def __enter__(self) -> ResourceSampler:
        self._started = time.perf_counter()
        self._sample(initial=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._stopped = time.perf_counter()

    def _sample(self, initial: bool = False) -> None:
        rss = 0
        for p in tree_processes(self.root_pids):
            try:
                with p.oneshot():
                    key = (p.pid, p.create_time())
                    times = p.cpu_times()
                    rss += p.memory_info().rss
            except psutil.Error:
                continue
            cpu = times.user + times.system
            if initial:
                self._cpu_start[key] = cpu
            else:
                self._cpu_start.setdefault(key, 0.0)  # a process born during the run counts from zero
            self._cpu_last[key] = cpu
        self.peak_rss = max(self.peak_rss, rss)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def result(self) -> dict[str, Any]:
        wall = max(self._stopped - self._started, 1e-9)
        cpu = sum(self._cpu_last[k] - self._cpu_start.get(k, 0.0) for k in self._cpu_last)
        return {
            "peak_rss_bytes": self.peak_rss,
            "mean_cpu_percent": 100.0 * cpu / wall,
            "samples": self.samples,
            "sample_interval_s": self.interval,
        }

"""A real Spark standalone cluster (master + 2 workers) on 127.0.0.1 for tests.

The pyspark wheel has no sbin/start-*.sh scripts, so the daemons are started with `bin/spark-class`, which execs
java: each Popen PID is the daemon JVM itself. Every daemon gets its own free ports, work dir and log file, runs
in its own session (process group), and is stopped by PID at teardown — never by name, because other Spark
users may share the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "1g"
START_TIMEOUT_S = 180.0  # a deadline only: 20-40 s is usual on 2 busy cores, 165 s was seen at load 19
STOP_GRACE_S = 10.0


@dataclass
class SparkStandalone:
    """Handle on a running cluster: where to connect, and what to stop."""

    master_url: str
    master_pid: int
    worker_pids: list[int]
    root: Path
    start_seconds: float
    procs: list[subprocess.Popen] = field(default_factory=list, repr=False)

    @property
    def pids(self) -> list[int]:
        return [self.master_pid, *self.worker_pids]


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free right now (binding port 0); small race accepted for tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def daemon_env(root: Path) -> dict[str, str]:
    """Environment for the daemons: loopback only, no REST server on fixed port 6066, small daemon heaps, and only
    the quick JIT tier and the serial GC, which halve the CPU three daemon JVMs starting at once take on 2 cores
    (their own speed does not matter to the tests). The executors a worker starts inherit its environment, so
    JAVA_TOOL_OPTIONS gives them the quick JIT tier too, as tests/conftest.py does for drivers: the cluster tests'
    short-lived executors then cost less (test_spark_cli plus test_spark_session: user CPU by `time` 48 s against
    77 s, wall 62 s against 77 s)."""
    conf_dir = root / "conf"
    conf_dir.mkdir(exist_ok=True)  # empty: no stray spark-defaults.conf or spark-env.sh from the machine
    env = dict(os.environ)
    env.update({
        "SPARK_HOME": str(spark_home()),
        "SPARK_CONF_DIR": str(conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_HOSTNAME": "localhost",
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1",
        "PYSPARK_PYTHON": sys.executable,
    })
    return env


def _spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start one daemon in its own session so its whole process group (executors too) can be cleaned up."""
    cmd = [str(spark_home() / "bin" / "spark-class"), *args]
    with open(log_path, "wb") as log:
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def start_cluster(root: Path, workers: int = WORKERS, timeout_s: float = START_TIMEOUT_S) -> SparkStandalone:
    """Start master and workers, and return once the master log shows every worker registered."""
    started = time.monotonic()
    env = daemon_env(root)
    port = free_port()
    master_log = root / "master.log"
    procs = [_spawn(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                     "--webui-port", str(free_port())], env, master_log)]
    url = f"spark://127.0.0.1:{port}"
    try:
        _wait_for_port("127.0.0.1", port, procs, master_log, started + timeout_s)
        for i in range(workers):
            work_dir = root / f"work{i}"
            work_dir.mkdir()
            procs.append(_spawn(["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                                 "--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY,
                                 "--webui-port", str(free_port()), "--work-dir", str(work_dir)],
                                env, root / f"worker{i}.log"))
        _wait_for_workers(master_log, workers, procs, started + timeout_s)
    except BaseException:
        stop_cluster(procs)
        raise
    return SparkStandalone(master_url=url, master_pid=procs[0].pid, worker_pids=[p.pid for p in procs[1:]],
                           root=root, start_seconds=time.monotonic() - started, procs=procs)


def _wait_for_port(host: str, port: int, procs: list[subprocess.Popen], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        _check_alive(procs, log)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Spark master did not listen on {host}:{port} in time\n{_tail(log)}")


def _wait_for_workers(master_log: Path, count: int, procs: list[subprocess.Popen], deadline: float) -> None:
    while time.monotonic() < deadline:
        _check_alive(procs, master_log)
        if master_log.read_text(errors="replace").count("Registering worker") >= count:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{count} Spark workers did not register in time\n{_tail(master_log)}")


def _check_alive(procs: list[subprocess.Popen], log: Path) -> None:
    dead = [p for p in procs if p.poll() is not None]
    if dead:
        raise RuntimeError(f"Spark daemon {dead[0].args[1:2]} exited with {dead[0].returncode}\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop_cluster(procs: list[subprocess.Popen]) -> None:
    """SIGTERM workers first, then the master, by PID; SIGKILL whatever is left in their process groups."""
    workers, master = procs[1:], procs[:1]
    for group in (workers, master):
        for proc in group:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in group:
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_GRACE_S)
    for proc in procs:  # executors and python daemons forked by a worker share its process group
        _kill_group(proc.pid)


def _kill_group(pgid: int, wait_s: float = 2.0) -> None:
    """SIGKILL a daemon's process group, then give the kernel a moment to remove it."""
    deadline = time.monotonic() + wait_s
    try:
        os.killpg(pgid, signal.SIGKILL)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="package")
def spark_standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkStandalone]:
    """A standalone cluster (master + 2 one-core workers on 127.0.0.1) shared by the tests of tests/cluster:
    registered once by tests/cluster/conftest.py (a test module importing it would get a cluster of its own). Each
    test stops the Spark session it made, so the next finds both workers free."""
    cluster = start_cluster(tmp_path_factory.mktemp("spark-standalone"))
    try:
        yield cluster
    finally:
        stop_cluster(cluster.procs)

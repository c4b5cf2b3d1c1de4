"""A real two-node Ray cluster on this machine, for tests that must cross a node boundary.

The head listens on 127.0.0.2 and the worker on 127.0.0.3: Ray rewrites 127.0.0.1/localhost to the machine's
external IP, so other loopback addresses are the only way to keep a multi-node cluster private to this host.
Both nodes run `ray start --block` as children of the test process, each in its own session and temp dir, and
are stopped by PID on teardown — never with the Ray CLI's stop command, which would kill every Ray on the machine.

Tests under tests/cluster get the `ray_cluster` fixture through tests/cluster/conftest.py: one cluster for the whole
package. A test that breaks its cluster starts its own with start_cluster() and stop_cluster() (test_faults.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HEAD_IP = "127.0.0.2"
WORKER_IP = "127.0.0.3"
START_TIMEOUT_S = 180.0  # a deadline only: 10-30 s is usual on 2 busy cores, 57 s was seen at load 20
STOP_GRACE_S = 15.0

# Same values for the head, the worker and the driver (the test process): token auth must agree everywhere,
# and nothing may report usage off the machine. RUNTIME_ENV_RETRY_TIMES=1 makes a failing pip install fail
# once instead of three times (37 s → ~12 s); it changes nothing for environments that succeed.
# RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0: on SIGTERM, `ray start --block` (Ray 2.60) first drains its node for up
# to 30 s, and a head that ran Ray Data never finishes draining (its detached actors hold their leases), so each
# teardown sat out STOP_GRACE_S (15 s) before the SIGKILL; without the drain a node stops in 2-3 s.
CLUSTER_ENV = {
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RUNTIME_ENV_RETRY_TIMES": "1",
    "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
}
ROLE_VAR = "PREPBENCH_TEST_NODE_ROLE"  # "head" on the head node, "worker" on the worker node
DRIVER_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass
class RayTestCluster:
    """Handles of a running two-node cluster: where to connect and which processes to stop."""

    address: str
    temp_root: Path
    head: subprocess.Popen
    worker: subprocess.Popen
    log_files: list[Path] = field(default_factory=list)

    def logs_tail(self, lines: int = 40) -> str:
        """Last lines of both nodes' `ray start` output, for assertion messages when start-up fails."""
        parts = []
        for path in self.log_files:
            text = path.read_text(errors="replace").splitlines() if path.exists() else []
            parts.append(f"--- {path.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)


def free_port(ip: str) -> int:
    """A port that is free on `ip` right now (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def _ray_bin() -> str:
    """The `ray` script of the interpreter running the tests, so nodes and driver share one environment."""
    candidate = Path(sys.executable).parent / "ray"
    return str(candidate) if candidate.exists() else "ray"


def _node_env(role: str) -> dict[str, str]:
    """The node's environment; ROLE_VAR differs on purpose, so tests can see a real node-to-node difference."""
    env = dict(os.environ)
    env.update(CLUSTER_ENV)
    env[ROLE_VAR] = role
    return env


def _spawn(args: list[str], log_path: Path, role: str) -> subprocess.Popen:
    """Start one `ray start --block` in its own session, so its whole process group can be killed later."""
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=_node_env(role), start_new_session=True)


def _head_args(port: int, temp_dir: Path) -> list[str]:
    return [
        _ray_bin(), "start", "--head", "--block",
        f"--node-ip-address={HEAD_IP}", f"--port={port}",
        "--num-cpus=1", "--include-dashboard=false", "--disable-usage-stats",
        f"--temp-dir={temp_dir}",
    ]


def _worker_args(address: str, temp_dir: Path) -> list[str]:
    return [
        _ray_bin(), "start", "--block",
        f"--address={address}", f"--node-ip-address={WORKER_IP}",
        "--num-cpus=1", '--resources={"w": 1}', "--disable-usage-stats",
        f"--temp-dir={temp_dir}",
    ]


def _wait_port(ip: str, port: int, proc: subprocess.Popen, deadline: float) -> None:
    """Wait until the head's GCS accepts TCP connections (or the head died, or time ran out)."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ray head exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection((ip, port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"ray head did not listen on {ip}:{port} within {START_TIMEOUT_S:.0f} s")


def _alive_nodes(address: str) -> int:
    """Count alive nodes by connecting briefly as a driver (public API only)."""
    import ray

    ray.init(address=address, namespace="prepbench-fixture", log_to_driver=False, logging_level="WARNING")
    try:
        return sum(1 for node in ray.nodes() if node.get("Alive"))
    finally:
        ray.shutdown()


def _wait_nodes(cluster: RayTestCluster, want: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        for proc in (cluster.head, cluster.worker):
            if proc.poll() is not None:
                raise RuntimeError(f"a ray node exited early (code {proc.returncode})\n{cluster.logs_tail()}")
        if _alive_nodes(cluster.address) >= want:
            return
        time.sleep(0.5)
    raise TimeoutError(f"fewer than {want} Ray nodes alive after {START_TIMEOUT_S:.0f} s\n{cluster.logs_tail()}")


def start_cluster() -> RayTestCluster:
    """Start head then worker, wait until both nodes are alive, and return their handles."""
    os.environ.update(DRIVER_ENV)
    temp_root = Path(tempfile.mkdtemp(prefix="pbr", dir="/tmp"))  # short: Unix socket paths live under it
    port = free_port(HEAD_IP)
    address = f"{HEAD_IP}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    head_log, worker_log = temp_root / "head.out", temp_root / "worker.out"
    head = _spawn(_head_args(port, temp_root / "h"), head_log, "head")
    worker = None
    try:
        _wait_port(HEAD_IP, port, head, deadline)
        worker = _spawn(_worker_args(address, temp_root / "w"), worker_log, "worker")
        cluster = RayTestCluster(address, temp_root, head, worker, [head_log, worker_log])
        _wait_nodes(cluster, 2, deadline)
        return cluster
    except Exception as exc:  # the nodes' own words on why, before their directory goes
        tail = RayTestCluster(address, temp_root, head, worker, [head_log, worker_log]).logs_tail()
        stop_processes([p for p in (worker, head) if p is not None])
        remove_tree(temp_root)
        raise RuntimeError(f"{exc}\n{tail}") from exc
    except BaseException:
        stop_processes([p for p in (worker, head) if p is not None])
        remove_tree(temp_root)
        raise


def _stop_one(proc: subprocess.Popen) -> None:
    """SIGTERM the `ray start --block` PID, wait, then SIGKILL whatever is left in its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # start_new_session=True made pid the group id
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def stop_processes(procs: list[subprocess.Popen]) -> None:
    """Stop nodes in the given order (worker first, then head), each by its own PID."""
    for proc in procs:
        _stop_one(proc)


_background_removals: list[subprocess.Popen] = []  # waited for by finish_removals() at the end of the session


def remove_tree(path: Path, wait_s: float = 2.0) -> None:
    """Delete a stopped cluster's temp dir, waiting at most `wait_s` seconds.

    Each pip env in it is a full copy of the venv (~1.7 GB, 44k files per node), which takes 20 s or more to delete
    on a busy 2-core machine. Nothing uses the directory any more, so a slow `rm -rf` goes on in the background (in
    its own session) while the next tests run, and tests/conftest.py waits for it when the session ends.
    """
    if not path.exists():
        return
    try:
        proc = subprocess.Popen(["rm", "-rf", "--", str(path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        proc.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        _background_removals.append(proc)


def finish_removals(timeout_s: float = 300.0) -> None:
    """Wait for the deletions remove_tree left running, so none outlives the test session."""
    deadline = time.monotonic() + timeout_s
    while _background_removals:
        proc = _background_removals.pop()
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            pass


def stop_cluster(cluster: RayTestCluster) -> None:
    """Disconnect this process if it is still attached, stop worker then head, and delete the temp dirs."""
    try:
        import ray

        if ray.is_initialized():
            ray.shutdown()
    except Exception:  # teardown must go on even if the driver is in a bad state
        pass
    stop_processes([cluster.worker, cluster.head])
    remove_tree(cluster.temp_root)


@pytest.fixture(scope="package")
def ray_cluster():
    """A real head (127.0.0.2) + worker (127.0.0.3) Ray cluster shared by the tests of tests/cluster: registered once
    by tests/cluster/conftest.py (a test module importing it would get a cluster of its own)."""
    saved = {key: os.environ.get(key) for key in DRIVER_ENV}
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        stop_cluster(cluster)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

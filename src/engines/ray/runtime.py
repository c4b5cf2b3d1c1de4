"""Connect to Ray (local or an existing cluster) with a checked runtime_env, and prove it works on every node.

The runtime_env is validated before connecting (see runtime_env.py). After connecting, one tiny task per alive
node is run under the runtime_env, so a pip/conda/working_dir failure shows up at once as one readable line —
not minutes later inside the first benchmark — and the set-up time is measured apart from any operator time.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import ray

from src.bench.errors import EngineError, UserError
from src.engines.ray.runtime_env import parse_runtime_env, pip_packages, requirement_name

log = logging.getLogger("prepbench.ray")

DEFAULT_GCS_PORT = 6379
DEFAULT_CLIENT_PORT = 10001
PREFLIGHT_TIMEOUT_S = 900.0  # Ray's own runtime_env set-up timeout is 600 s; pip on a slow node can take that long
_HTTP2_SETTINGS = 0x04
# the HTTP/2 client preface and an empty SETTINGS frame
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(3) + bytes([_HTTP2_SETTINGS]) + bytes(5)


@dataclass
class RayInfo:
    """What prepbench connected to; recorded in every result so a number can be traced to its cluster."""

    ray_version: str
    namespace: str
    address: str
    mode: str  # "local" (started here) or "cluster" (an existing cluster)
    alive_nodes: int
    total_nodes: int
    resources: dict[str, float]
    node_ips: list[str]
    runtime_env: dict[str, Any]
    connect_seconds: float
    runtime_env_setup_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy for result files."""
        return asdict(self)


_current: dict[str, Any] = {}  # {"key": connection key, "info": RayInfo} of the connection this module made


# ---------------------------------------------------------------------------------------------------- address


def _split_host_port(text: str, default_port: int) -> tuple[str, int]:
    match = re.fullmatch(r"\[([0-9a-fA-F:.]+)\](?::(\d+))?|([^:\[\]/]+)(?::(\d+))?", text)
    if not match:
        raise UserError(f"--ray-address {text!r} is not host:port; give the head's address, e.g. 192.168.1.100:6379")
    host = match.group(1) or match.group(3)
    port_text = match.group(2) or match.group(4)
    port = int(port_text) if port_text else default_port
    if not 0 < port < 65536:
        raise UserError(f"--ray-address port {port} is out of range; give the head's GCS port (default 6379)")
    return host, port


def _resolve_auto() -> str:
    """`auto` means the cluster started on this machine with `ray start`; fail clearly if there is none."""
    from ray._private.services import canonicalize_bootstrap_address

    try:
        found = canonicalize_bootstrap_address("auto")
    except Exception:  # Ray raises ConnectionError or ValueError when nothing is running
        found = None
    if not found:
        raise UserError("--ray-address auto found no Ray cluster on this machine; start one with "
                        "`ray start --head` or give the head's host:port")
    return found


def _resolve_target(address: str | None) -> str | None:
    """The address to connect to, or None to start a private local Ray."""
    if address is None or not address.strip():
        env_address = os.environ.get("RAY_ADDRESS", "").strip()
        if env_address:
            log.info("no address given; using RAY_ADDRESS=%s", env_address)
        address = env_address or None
    if address is None or address == "local":
        return None
    address = address.strip()
    if address == "auto":
        return _resolve_auto()
    if address.startswith("ray://"):
        if find_spec("grpc") is None:
            raise UserError(f"{address} uses Ray Client, which needs `pip install 'ray[client]'`; "
                            "or give the head's GCS address host:port (default port 6379)")
        _split_host_port(address[len("ray://"):], DEFAULT_CLIENT_PORT)
        return address
    host, port = _split_host_port(address, DEFAULT_GCS_PORT)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _probe_tcp(host: str, port: int, timeout_s: float, target: str) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            problem = _http2_problem(sock, timeout_s)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"cannot reach the Ray cluster at {target} ({reason}); check --ray-address "
                        "(the head's GCS port, default 6379) and that the cluster is running") from None
    if problem:
        raise UserError(f"{target} {problem}; check that --ray-address names the head's GCS port (default 6379) "
                        "or ray://host:10001, not the dashboard or another service")


def _http2_problem(sock: socket.socket, timeout_s: float) -> str | None:
    """None when the peer speaks HTTP/2, as gRPC servers (Ray's GCS and client server) do; else why not. Ray's
    own client would retry a silent or foreign port for minutes and print C++ warnings meanwhile. A closed
    connection (e.g. a TLS-only port) is inconclusive and left to the GCS probe."""
    sock.settimeout(timeout_s)
    sock.sendall(_HTTP2_PREFACE)
    head = b""
    try:
        while len(head) < 9:
            chunk = sock.recv(9 - len(head))
            if not chunk:
                return None
            head += chunk
    except TimeoutError:
        return f"accepts connections but does not answer as a Ray head within {timeout_s:.0f} s"
    if head[3] == _HTTP2_SETTINGS:  # a server's first frame is its SETTINGS
        return None
    return f"answers, but not as a Ray head (it sent {head!r})"


def _probe_gcs(target: str, timeout_s: float) -> None:
    """Ask the GCS for its cluster id in a side thread: ray.init would retry for minutes against a wrong port."""
    try:
        from ray._raylet import GcsClient
    except ImportError:  # a Ray without this internal class: fall back to the TCP check alone
        return
    outcome: dict[str, BaseException | None] = {}

    def ask() -> None:
        try:
            GcsClient(address=target).cluster_id  # noqa: B018 - the call is the probe
            outcome["error"] = None
        except BaseException as exc:  # reported to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=ask, name="prepbench-gcs-probe", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if "error" not in outcome:
        raise UserError(f"{target} accepts connections but does not answer as a Ray head within {timeout_s:.0f} s; "
                        "check that the port is the head's GCS port (default 6379), not the dashboard or client port")
    error = outcome["error"]
    if error is not None:
        raise UserError(_explain_connect_error(error, target)) from None


def _check_reachable(target: str, timeout_s: float) -> None:
    """Fail within `timeout_s` with one line when nothing (or not a Ray head) answers at `target`."""
    started = time.monotonic()
    is_client = target.startswith("ray://")
    host, port = _split_host_port(target[len("ray://"):] if is_client else target,
                                  DEFAULT_CLIENT_PORT if is_client else DEFAULT_GCS_PORT)
    _probe_tcp(host, port, min(5.0, timeout_s), target)
    if not is_client:
        _probe_gcs(target, max(1.0, timeout_s - (time.monotonic() - started)))


# ---------------------------------------------------------------------------------------------------- connect


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _explain_connect_error(exc: BaseException, target: str) -> str:
    text = str(exc)
    if "Authentication" in type(exc).__name__ or ("auth" in text.lower() and "token" in text.lower()):
        return (f"the Ray cluster at {target} rejected this driver's authentication; set RAY_AUTH_MODE (and the token) "
                "the same way as on the cluster's nodes")
    if "Version mismatch" in text or "version mismatch" in text:
        return f"Ray version mismatch with the cluster at {target}: {_first_line(exc)}; install the cluster's Ray here"
    return f"cannot connect to the Ray cluster at {target}: {_first_line(exc)}; check --ray-address"


def _init_kwargs(target: str | None, namespace: str, env: dict[str, Any], num_cpus: int | None,
                 log_to_driver: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "address": target or "local",  # "local": never attach to someone else's `ray start` cluster by accident
        "namespace": namespace,
        "runtime_env": copy.deepcopy(env) or None,  # Ray rewrites local paths to gcs:// URIs in place
        "log_to_driver": log_to_driver,
        "logging_level": logging.WARNING,
    }
    if target is None:
        kwargs["include_dashboard"] = False
        if num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
    return kwargs  # for an existing cluster, num_cpus/num_gpus are never passed: Ray refuses them there


def _connect(target: str | None, namespace: str, env: dict[str, Any], num_cpus: int | None,
             log_to_driver: bool) -> None:
    if target is None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(**_init_kwargs(target, namespace, env, num_cpus, log_to_driver))
    except (ValueError, TypeError) as exc:
        raise UserError(f"Ray rejected the runtime_env or options: {_first_line(exc)}") from None
    except (ConnectionError, TimeoutError) as exc:
        raise UserError(_explain_connect_error(exc, target or "local")) from None
    except Exception as exc:
        if "mismatch" in str(exc).lower() or "Authentication" in type(exc).__name__:
            raise UserError(_explain_connect_error(exc, target or "local")) from None
        raise EngineError(f"ray.init failed: {_first_line(exc)}") from exc


def _describe(target: str | None, env: dict[str, Any], connect_s: float, warnings: list[str]) -> RayInfo:
    nodes = ray.nodes()
    alive = [node for node in nodes if node.get("Alive")]
    context = ray.get_runtime_context()
    resources = {k: float(v) for k, v in sorted(ray.cluster_resources().items()) if not k.startswith("node:")}
    return RayInfo(
        ray_version=ray.__version__,
        namespace=context.namespace,
        address=context.gcs_address,
        mode="local" if target is None else "cluster",
        alive_nodes=len(alive),
        total_nodes=len(nodes),
        resources=resources,
        node_ips=sorted(node.get("NodeManagerAddress", "?") for node in alive),
        runtime_env=env,
        connect_seconds=round(connect_s, 3),
        warnings=warnings,
    )


def _log_info(info: RayInfo) -> None:
    shown = {k: v for k, v in info.resources.items() if k in ("CPU", "GPU") or not k.islower()}
    log.info("Ray %s, namespace %s, address %s (%s)", info.ray_version, info.namespace, info.address, info.mode)
    log.info("nodes alive/total: %d/%d (%s); resources: %s", info.alive_nodes, info.total_nodes,
             ", ".join(info.node_ips), json.dumps(shown, sort_keys=True))


def _ray_pin_error(env: dict[str, Any]) -> None:
    """Ray in the pip list must be the cluster's own version (the driver's, which Ray already checked)."""
    for fld in ("pip", "uv"):
        for req in pip_packages(env[fld], fld) if fld in env else []:
            name = requirement_name(req)
            if name and name.lower() == "ray" and "==" in req:
                pinned = req.split("==", 1)[1].split(";", 1)[0].strip()
                if pinned != ray.__version__:
                    raise UserError(f"runtime_env {fld} pins {req} but the cluster runs Ray {ray.__version__}; a "
                                    f"worker with another Ray cannot join: pin ray=={ray.__version__} or drop it")


def _prepbench_package() -> Path:
    import src

    return Path(src.__file__).resolve().parent


def _is_local_path(value: Any) -> bool:
    return isinstance(value, str) and "://" not in value


def with_prepbench_code(env: dict[str, Any], target: str | None) -> dict[str, Any]:
    """Add prepbench's own `src` package to py_modules when the nodes could not import it otherwise.

    Ray ships functions defined in an importable module by reference, so every node must import `src.engines...`.
    Ray only puts the driver's directory on the workers' path when there is no working_dir, and that path means
    nothing on another machine; so for a cluster, or any working_dir, the package (about 0.5 MiB) is shipped.
    """
    if target is None and "working_dir" not in env:
        return env
    package = _prepbench_package()
    working_dir = env.get("working_dir")
    if _is_local_path(working_dir) and (Path(working_dir).expanduser().resolve() / "src") == package:
        return env
    modules = list(env.get("py_modules", []))
    if any(_is_local_path(m) and Path(m).expanduser().resolve() == package for m in modules):
        return env
    log.debug("shipping prepbench's code (%s) to the nodes as a py_modules entry", package)
    return {**env, "py_modules": [*modules, str(package)]}


# ---------------------------------------------------------------------------------------------------- preflight


def _make_probe():
    """Build the preflight task here, so cloudpickle ships it by value: nodes need not have prepbench installed."""

    @ray.remote(num_cpus=0, max_retries=0)
    def preflight_probe() -> dict[str, Any]:
        import os as _os
        import sys as _sys

        import ray as _ray

        return {"node_ip": _ray.util.get_node_ip_address(), "pid": _os.getpid(), "python": _sys.version.split()[0]}

    return preflight_probe


def _alive_node_ids() -> list[str]:
    return [node["NodeID"] for node in ray.nodes() if node.get("Alive")]


def run_on_every_node(remote_fn, *args: Any, timeout_s: float = PREFLIGHT_TIMEOUT_S) -> list[Any]:
    """Run `remote_fn` once on each alive node (hard node affinity) and return the results in node order."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    refs = [
        remote_fn.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)).remote(*args)
        for node_id in _alive_node_ids()
    ]
    return ray.get(refs, timeout=timeout_s)


_NOISE = re.compile(r"^(Traceback|File |During handling|The above exception|\^+$|\s*$)")


def _meaningful_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not _NOISE.match(line) and not line.startswith("[Node ")]


def explain_setup_error(text: str) -> str:
    """Condense a RuntimeEnvSetupError (a remote traceback) to the one line that says what to fix."""
    node = re.search(r"\[Node ([^\]]+)\]", text)
    where = f" on node {node.group(1)}" if node else ""
    if "Conda executable" in text or "No such file or directory: 'conda'" in text:
        return (f"runtime_env set-up failed{where}: conda is not installed on the cluster nodes (Ray found no conda "
                "executable); install conda on every node (or set RAY_CONDA_HOME there), or use pip instead")
    if "install virtualenv" in text:
        return (f"runtime_env set-up failed{where}: the nodes' Python lacks virtualenv, which Ray needs for pip/uv; "
                "pip install virtualenv on every node and restart the cluster")
    pip_errors = list(dict.fromkeys(line for line in _meaningful_lines(text) if line.startswith("ERROR:")))
    if pip_errors:
        return (f"pip install failed{where}: {' / '.join(pip_errors[-2:])}; check the package names and versions, "
                "the nodes' access to the package index, and their free disk space")
    meaningful = _meaningful_lines(text)
    last = meaningful[-1] if meaningful else "unknown error"
    return f"runtime_env set-up failed{where}: {last}"


def _preflight(timeout_s: float, info: RayInfo) -> float:
    """Apply the runtime_env on every alive node with a tiny task; return the wall time it took.

    A node that died just before (its raylet gone, yet still listed alive until Ray's health check gives up on
    it, about 20-30 s) fails its probe: once Ray marks it dead, it counts as lost, with a warning, and the probe
    runs again on the nodes left, instead of failing a run that the other nodes can do.
    """
    started = time.perf_counter()
    while True:
        targeted = set(_alive_node_ids())
        try:
            results = run_on_every_node(_make_probe(), timeout_s=timeout_s)
            break
        except ray.exceptions.RuntimeEnvSetupError as exc:
            raise UserError(explain_setup_error(str(exc))) from None
        except ray.exceptions.GetTimeoutError:
            raise UserError(f"runtime_env set-up did not finish on every node within {timeout_s:.0f} s; "
                            "check the nodes' network and disk, or raise the timeout") from None
        except ray.exceptions.RayError as exc:
            lost = _lost_since(targeted)
            if not lost or len(lost) == len(targeted):
                raise EngineError(f"preflight task failed: {_first_line(exc)}") from exc
            _count_lost_nodes(info, lost)
    seconds = time.perf_counter() - started
    log.info("runtime_env ready on %d node(s) in %.2f s", len(results), seconds)
    return seconds


def _lost_since(targeted: set[str], wait_s: float = 60.0) -> list[dict[str, Any]]:
    """Nodes of `targeted` that Ray now lists as dead, waiting up to `wait_s` for its verdict on a silent one."""
    deadline = time.monotonic() + wait_s
    while True:
        nodes = [n for n in ray.nodes() if n["NodeID"] in targeted]
        dead = [n for n in nodes if not n.get("Alive")]
        if dead or time.monotonic() > deadline:
            return dead
        time.sleep(1.0)


def _count_lost_nodes(info: RayInfo, lost: list[dict[str, Any]]) -> None:
    ips = sorted(n.get("NodeManagerAddress", "?") for n in lost)
    alive = [n for n in ray.nodes() if n.get("Alive")]
    info.alive_nodes = len(alive)
    info.node_ips = sorted(n.get("NodeManagerAddress", "?") for n in alive)
    info.warnings.append(f"{len(lost)} node(s) lost before the run ({', '.join(ips)}): Ray marked them dead "
                         f"during the preflight; running on the {len(alive)} left")
    log.warning("%s", info.warnings[-1])


# ---------------------------------------------------------------------------------------------------- public API


def _connection_key(target: str | None, namespace: str, env: dict[str, Any], num_cpus: int | None) -> str:
    return json.dumps([target or "local", namespace, env, num_cpus if target is None else None], sort_keys=True)


def _reuse(key: str) -> RayInfo | None:
    """The existing connection if it is ours and identical; otherwise drop whatever Ray connection exists."""
    if ray.is_initialized() and _current.get("key") == key:
        log.info("reusing the Ray connection to %s", _current["info"].address)
        return _current["info"]
    if ray.is_initialized():
        log.info("Ray is connected with other settings; reconnecting")
        ray.shutdown()
    _current.clear()
    return None


def _parse(runtime_env_json: str | None) -> tuple[dict[str, Any], list[str]]:
    if runtime_env_json is None or not runtime_env_json.strip():
        return {}, []
    return parse_runtime_env(runtime_env_json, source="runtime_env")


def init_ray(
    address: str | None = None,
    namespace: str = "benchmark",
    runtime_env_json: str | None = None,
    num_cpus: int | None = None,
    connect_timeout_s: float = 30.0,
    preflight: bool = True,
    preflight_timeout_s: float = PREFLIGHT_TIMEOUT_S,
    log_to_driver: bool = False,
) -> RayInfo:
    """Validate the runtime_env, connect (local when address is None), and check the env on every node."""
    env, warnings = _parse(runtime_env_json)
    target = _resolve_target(address)
    env = with_prepbench_code(env, target)
    if target is not None and num_cpus is not None:
        warnings.append(f"num_cpus={num_cpus} ignored: an existing cluster's CPUs are set by its own `ray start`")
    key = _connection_key(target, namespace, env, num_cpus)
    reused = _reuse(key)
    if reused is not None:
        return reused
    _ray_pin_error(env)
    for message in warnings:
        log.warning("%s", message)
    if target is not None:
        _check_reachable(target, connect_timeout_s)
    try:
        info = _connect_and_check(target, namespace, env, num_cpus, log_to_driver, warnings,
                                  preflight_timeout_s if preflight else None)
    except BaseException:
        if ray.is_initialized():  # leave no half-usable connection behind
            ray.shutdown()
        raise
    _current.update(key=key, info=info)
    return info


def check_address(address: str | None, timeout_s: float = 30.0) -> None:
    """The address checks of init_ray without connecting: one line within `timeout_s` when no Ray head answers
    there. Nothing to check for a local Ray (address None or "local")."""
    target = _resolve_target(address)
    if target is not None:
        _check_reachable(target, timeout_s)


def _connect_and_check(target: str | None, namespace: str, env: dict[str, Any], num_cpus: int | None,
                       log_to_driver: bool, warnings: list[str], preflight_timeout_s: float | None) -> RayInfo:
    started = time.perf_counter()
    _connect(target, namespace, env, num_cpus, log_to_driver)
    info = _describe(target, env, time.perf_counter() - started, warnings)
    _log_info(info)
    if target is not None and info.alive_nodes < 2:
        info.warnings.append(f"connected to {target} but only {info.alive_nodes} node is alive: nothing runs "
                             "distributed; check that the worker nodes joined the cluster")
        log.warning("%s", info.warnings[-1])
    if preflight_timeout_s is not None:
        info.runtime_env_setup_seconds = round(_preflight(preflight_timeout_s, info), 3)
    return info


def shutdown_ray() -> None:
    """Disconnect (and stop a local Ray started here); safe to call when not connected."""
    if ray.is_initialized():
        ray.shutdown()
    _current.clear()

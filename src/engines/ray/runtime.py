"""Connect to Ray (local or an existing cluster) with a checked runtime_env, and ship prepbench's code to the nodes.

This is the entry point: init_ray parses the runtime_env (runtime_env.py), resolves the address (address.py),
probes it (probe.py), connects, and proves the runtime_env on every node (preflight.py). It keeps the one
connection this process made, so a second call with the same settings reuses it instead of reconnecting.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ray

from src.bench.errors import EngineError, UserError
from src.engines.ray.address import resolve_target
from src.engines.ray.explain import explain_connect_error, first_line
from src.engines.ray.preflight import PREFLIGHT_TIMEOUT_S, run_preflight
from src.engines.ray.probe import check_reachable
from src.engines.ray.runtime_env import parse_runtime_env, pip_packages, requirement_name

log = logging.getLogger("prepbench.ray")


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


# ---------------------------------------------------------------------------------------------------- connect


def _init_kwargs(target: str | None, namespace: str, env: dict[str, Any], local: dict[str, Any],
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
        kwargs.update((k, v) for k, v in local.items() if v is not None)
    return kwargs  # for an existing cluster, num_cpus/object_store_memory are never passed: Ray refuses them there


def _connect(target: str | None, namespace: str, env: dict[str, Any], local: dict[str, Any],
             log_to_driver: bool) -> None:
    if target is None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(**_init_kwargs(target, namespace, env, local, log_to_driver))
    except (ValueError, TypeError) as exc:
        raise UserError(f"Ray rejected the runtime_env or options: {first_line(exc)}") from None
    except (ConnectionError, TimeoutError) as exc:
        raise UserError(explain_connect_error(exc, target or "local")) from None
    except Exception as exc:
        if "mismatch" in str(exc).lower() or "Authentication" in type(exc).__name__:
            raise UserError(explain_connect_error(exc, target or "local")) from None
        raise EngineError(f"ray.init failed: {first_line(exc)}") from exc


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


# ---------------------------------------------------------------------------------------------------- public API


def _connection_key(target: str | None, namespace: str, env: dict[str, Any], local: dict[str, Any]) -> str:
    return json.dumps([target or "local", namespace, env, local], sort_keys=True)


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
    object_store_memory: int | None = None,
    connect_timeout_s: float = 30.0,
    preflight: bool = True,
    preflight_timeout_s: float = PREFLIGHT_TIMEOUT_S,
    log_to_driver: bool = False,
) -> RayInfo:
    """Validate the runtime_env, connect (local when address is None), and check the env on every node."""
    env, warnings = _parse(runtime_env_json)
    target = resolve_target(address)
    env = with_prepbench_code(env, target)
    if target is not None and num_cpus is not None:
        warnings.append(f"num_cpus={num_cpus} ignored: an existing cluster's CPUs are set by its own `ray start`")
    local = {"num_cpus": num_cpus, "object_store_memory": object_store_memory} if target is None else {}
    key = _connection_key(target, namespace, env, local)
    reused = _reuse(key)
    if reused is not None:
        return reused
    _ray_pin_error(env)
    for message in warnings:
        log.warning("%s", message)
    if target is not None:
        check_reachable(target, connect_timeout_s)
    try:
        info = _connect_and_check(target, namespace, env, local, log_to_driver, warnings,
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
    target = resolve_target(address)
    if target is not None:
        check_reachable(target, timeout_s)


def _connect_and_check(target: str | None, namespace: str, env: dict[str, Any], local: dict[str, Any],
                       log_to_driver: bool, warnings: list[str], preflight_timeout_s: float | None) -> RayInfo:
    started = time.perf_counter()
    _connect(target, namespace, env, local, log_to_driver)
    info = _describe(target, env, time.perf_counter() - started, warnings)
    _log_info(info)
    if target is not None and info.alive_nodes < 2:
        info.warnings.append(f"connected to {target} but only {info.alive_nodes} node is alive: nothing runs "
                             "distributed; check that the worker nodes joined the cluster")
        log.warning("%s", info.warnings[-1])
    if preflight_timeout_s is not None:
        info.runtime_env_setup_seconds = round(run_preflight(preflight_timeout_s, info), 3)
    return info


def shutdown_ray() -> None:
    """Disconnect (and stop a local Ray started here); safe to call when not connected."""
    if ray.is_initialized():
        ray.shutdown()
    _current.clear()

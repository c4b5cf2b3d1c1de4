"""Prove the runtime_env works on every node right after connecting, with one tiny task per alive node.

Why: a pip/conda/working_dir failure then shows up at once as one readable line, not minutes later inside the
first benchmark, and the set-up time is measured apart from any operator time. A node that died just before
the run is counted as lost, with a warning, instead of failing a run that the other nodes can do.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import ray

from src.bench.errors import EngineError, UserError
from src.engines.ray.explain import explain_setup_error, first_line

if TYPE_CHECKING:
    from src.engines.ray.runtime import RayInfo

log = logging.getLogger("prepbench.ray")

PREFLIGHT_TIMEOUT_S = 900.0  # Ray's own runtime_env set-up timeout is 600 s; pip on a slow node can take that long


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


def run_preflight(timeout_s: float, info: RayInfo) -> float:
    """Apply the runtime_env on every alive node with a tiny task; return the wall time it took.

    A node that died just before (its raylet gone, yet still listed alive until Ray's health check gives up on
    it, about 20-30 s) fails its probe: once Ray marks it dead, it counts as lost in `info`, with a warning,
    and the probe runs again on the nodes left.
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
                raise EngineError(f"preflight task failed: {first_line(exc)}") from exc
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

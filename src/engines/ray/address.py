"""Turn a --ray-address (or RAY_ADDRESS) into the address to connect to, refusing a malformed one at once.

Why apart: the address is checked twice, by the option checks before any data is loaded (check_address) and
by init_ray, and neither must start Ray to do it; so this module imports Ray only to find a local `ray start`.
"""

from __future__ import annotations

import logging
import os
import re
from importlib.util import find_spec

from src.bench.errors import UserError

log = logging.getLogger("prepbench.ray")

DEFAULT_GCS_PORT = 6379
DEFAULT_CLIENT_PORT = 10001


def split_host_port(text: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]` or `[v6]:port` as (host, port), or a UserError naming --ray-address."""
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


def resolve_target(address: str | None) -> str | None:
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
        split_host_port(address[len("ray://"):], DEFAULT_CLIENT_PORT)
        return address
    host, port = split_host_port(address, DEFAULT_GCS_PORT)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

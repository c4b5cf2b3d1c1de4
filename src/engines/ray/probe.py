"""Fail within seconds, with one line, when nothing (or not a Ray head) answers at a Ray address.

Why: against a closed, silent or foreign port, ray.init retries for minutes and prints C++ warnings meanwhile.
So before connecting, the port is asked to speak HTTP/2 (as gRPC servers, Ray's GCS and client server, do),
and a GCS address is then asked for its cluster id, in a side thread that is abandoned at the timeout.
"""

from __future__ import annotations

import threading
import time

from src.bench.errors import UserError
from src.engines import netprobe
from src.engines.ray.address import DEFAULT_CLIENT_PORT, DEFAULT_GCS_PORT, split_host_port
from src.engines.ray.explain import explain_connect_error

_HTTP2_SETTINGS = 0x04
# the HTTP/2 client preface and an empty SETTINGS frame
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(3) + bytes([_HTTP2_SETTINGS]) + bytes(5)
_FRAME_HEAD = 9  # bytes of an HTTP/2 frame header: length (3), type (1), flags (1), stream id (4)


def _probe_tcp(host: str, port: int, timeout_s: float, target: str) -> None:
    try:
        answer = netprobe.ask(host, port, _HTTP2_PREFACE, _FRAME_HEAD, timeout_s, timeout_s)
    except netprobe.Unreachable as exc:
        raise UserError(f"cannot reach the Ray cluster at {target} ({exc}); check --ray-address "
                        "(the head's GCS port, default 6379) and that the cluster is running") from None
    problem = _http2_problem(answer, timeout_s)
    if problem:
        raise UserError(f"{target} {problem}; check that --ray-address names the head's GCS port (default 6379) "
                        "or ray://host:10001, not the dashboard or another service")


def _http2_problem(answer: bytes | None, timeout_s: float) -> str | None:
    """None when the answer (see netprobe.ask) is an HTTP/2 server's, else why not. A closed connection (e.g. a
    TLS-only port) is inconclusive and left to the GCS probe."""
    if answer is None:
        return f"accepts connections but does not answer as a Ray head within {timeout_s:.0f} s"
    if len(answer) < _FRAME_HEAD or answer[3] == _HTTP2_SETTINGS:  # a server's first frame is its SETTINGS
        return None
    return f"answers, but not as a Ray head (it sent {answer!r})"


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
        raise UserError(explain_connect_error(error, target)) from None


def check_reachable(target: str, timeout_s: float) -> None:
    """Fail within `timeout_s` with one line when nothing (or not a Ray head) answers at `target`."""
    started = time.monotonic()
    is_client = target.startswith("ray://")
    host, port = split_host_port(target[len("ray://"):] if is_client else target,
                                 DEFAULT_CLIENT_PORT if is_client else DEFAULT_GCS_PORT)
    _probe_tcp(host, port, min(5.0, timeout_s), target)
    if not is_client:
        _probe_gcs(target, max(1.0, timeout_s - (time.monotonic() - started)))

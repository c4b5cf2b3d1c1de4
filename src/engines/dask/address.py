"""Check a --dask-address before connecting: refuse a malformed one at once, and fail within seconds, with one
line, when nothing (or not a Dask scheduler) answers there.

Why: `Client(address)` retries a closed or silent port until its connect timeout and logs a page meanwhile. A
Dask server speaks first: on accepting a connection it sends its comm handshake, one message framed as uint64
little-endian numbers (the byte count of what follows, the number of frames, each frame's size), then a msgpack
map. So the probe sends nothing and checks the first three numbers of that frame header (src/engines/netprobe.py
does the socket work). Only tcp:// is probed: a tls:// server waits for the client's TLS hello, so Dask's own
connect, with a short timeout, judges those.
"""

from __future__ import annotations

import re
import struct

from src.bench.errors import UserError
from src.engines import netprobe

DEFAULT_PORT = 8786
PROBE_TIMEOUT_S = 5.0
_HEADER = 24  # bytes of the first frame header the probe reads: total, frame count, first frame's size


def parse_address(text: str) -> tuple[str, str, int]:
    """(scheme, host, port) of `tcp://host:port`, `host:port` or `host` (tcp and port 8786 by default)."""
    match = re.fullmatch(r"(?:(tcp|tls)://)?(\[[0-9a-fA-F:.]+\]|[^:/\[\]]+)(?::(\d+))?/?", text.strip())
    if not match:
        raise UserError(f"--dask-address {text!r} is not tcp://host:port; give the scheduler's address, e.g. "
                        f"tcp://192.168.1.100:{DEFAULT_PORT}")
    port = int(match.group(3) or DEFAULT_PORT)
    if not 0 < port < 65536:
        raise UserError(f"--dask-address port {port} is out of range; give the scheduler's port (default "
                        f"{DEFAULT_PORT})")
    return match.group(1) or "tcp", match.group(2).strip("[]"), port


def scheduler_url(text: str) -> str:
    scheme, host, port = parse_address(text)
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def check_reachable(text: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """A UserError (one line) unless a Dask scheduler answers at the address; tls:// is left to Dask."""
    scheme, host, port = parse_address(text)
    if scheme != "tcp":
        return
    try:
        answer = netprobe.ask(host, port, b"", _HEADER, timeout_s, timeout_s)
    except netprobe.Unreachable as exc:
        raise UserError(f"cannot reach the Dask scheduler at {scheduler_url(text)} ({str(exc).lower()}); start it "
                        f"(`dask scheduler`) or pass the right --dask-address tcp://host:port (default port "
                        f"{DEFAULT_PORT})") from None
    problem = _answer_problem(answer, timeout_s)
    if problem:
        raise UserError(f"{scheduler_url(text)} {problem}; check that --dask-address names the scheduler's port "
                        f"(default {DEFAULT_PORT}), not its dashboard or another service")


def _answer_problem(answer: bytes | None, timeout_s: float) -> str | None:
    """None when the answer starts as a Dask comm handshake does, else why not."""
    if answer is None:
        return f"accepts connections but does not answer as a Dask scheduler within {timeout_s:.0f} s"
    if len(answer) == _HEADER:
        total, frames, first = struct.unpack("<QQQ", answer)  # what follows = the frame sizes, then the frames
        if 1 <= frames <= 64 and (total == 16 + first if frames == 1 else total >= 8 + 8 * frames + first):
            return None
    return f"answers, but not as a Dask scheduler (it sent {answer[:12]!r}...)"

"""Ask a TCP address one question before an engine connects to it, and get its first bytes back within seconds.

Why: Ray and Spark both retry a wrong, closed or silent address for a minute or more before they give up, and
print pages of warnings meanwhile. So each engine first sends a request only its own server answers in a known
way, and judges the answer's first bytes itself. The socket work is the same for both and lives here; this
module imports only the standard library, so the engines' option checks stay cheap.
"""

from __future__ import annotations

import socket


class Unreachable(Exception):
    """Nothing took the connection, or it broke; str() is a short reason, e.g. 'Connection refused'."""


def ask(host: str, port: int, request: bytes, answer_bytes: int, connect_timeout_s: float,
        answer_timeout_s: float) -> bytes | None:
    """Connect, send `request`, and return the first `answer_bytes` bytes of the answer: fewer when the peer
    closes the connection first, None when it sends no more within `answer_timeout_s`. Raises Unreachable."""
    try:
        with socket.create_connection((host, port), timeout=connect_timeout_s) as sock:
            sock.settimeout(answer_timeout_s)
            sock.sendall(request)
            return _read_answer(sock, answer_bytes)
    except OSError as exc:
        raise Unreachable(_reason(exc)) from None


def _read_answer(sock: socket.socket, answer_bytes: int) -> bytes | None:
    answer = b""
    try:
        while len(answer) < answer_bytes:
            chunk = sock.recv(answer_bytes - len(answer))
            if not chunk:
                break
            answer += chunk
    except TimeoutError:
        return None
    return answer


def _reason(exc: OSError) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return exc.strerror or str(exc) or type(exc).__name__

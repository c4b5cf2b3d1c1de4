"""Condense Ray's multi-line exceptions (remote tracebacks, C++ status texts) to the one line that says what to fix.

Why apart: the reachability probe, ray.init and the preflight on every node all fail with Ray's own long texts,
and each must end as a single readable UserError line; this is pure text work, with no Ray import.
"""

from __future__ import annotations

import re

_NOISE = re.compile(r"^(Traceback|File |During handling|The above exception|\^+$|\s*$)")


def first_line(exc: BaseException) -> str:
    """The first non-blank line of the exception's text, or its class name when it has none."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def explain_connect_error(exc: BaseException, target: str) -> str:
    """Why connecting to the Ray cluster at `target` failed: authentication, a version mismatch, or else."""
    text = str(exc)
    if "Authentication" in type(exc).__name__ or ("auth" in text.lower() and "token" in text.lower()):
        return (f"the Ray cluster at {target} rejected this driver's authentication; set RAY_AUTH_MODE (and the token) "
                "the same way as on the cluster's nodes")
    if "Version mismatch" in text or "version mismatch" in text:
        return f"Ray version mismatch with the cluster at {target}: {first_line(exc)}; install the cluster's Ray here"
    return f"cannot connect to the Ray cluster at {target}: {first_line(exc)}; check --ray-address"


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

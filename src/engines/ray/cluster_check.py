"""`cluster check --engine ray`: show what every node really sees, and flag the nodes that disagree.

The guide's troubleshooting cases 2 (an environment variable has no effect) and 3 (a node still runs old code)
are invisible from the driver: the driver's own environment is fine. So one task per node reports its Python,
key package versions, the requested environment variables and a hash of the code it runs, side by side.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import Any

from src.engines.ray.runtime_env import pip_packages, requirement_name

CORE_PACKAGES = ("ray", "pandas", "numpy", "pyarrow", "scikit-learn")
IDENTITY_COLUMNS = ("node", "host")  # expected to differ between nodes
UNSET = "<unset>"
MISSING = "-"


def packages_to_check(env: dict[str, Any]) -> list[str]:
    """The core packages plus every package named in the runtime_env's pip/uv list (or merged conda pip list)."""
    names = list(CORE_PACKAGES)
    requirements: list[str] = []
    for fld in ("pip", "uv"):
        if fld in env:
            requirements += pip_packages(env[fld], fld)
    conda = env.get("conda")
    if isinstance(conda, dict):
        for dep in conda.get("dependencies", []):
            if isinstance(dep, dict):
                requirements += dep.get("pip", [])
    for req in requirements:
        name = requirement_name(req)
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def _make_node_probe():
    """Build the per-node task here so it is shipped by value (nodes need not have prepbench installed)."""
    import ray

    @ray.remote(num_cpus=0, max_retries=0)
    def node_probe(packages: list[str], env_names: list[str], hash_cwd: bool) -> dict[str, Any]:
        import hashlib
        import os
        import platform
        import socket
        from importlib import metadata

        import ray as _ray

        def version(name: str) -> str:
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                return "-"

        def tree_hash(root: str) -> str:
            digest = hashlib.sha256()
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")  # written by imports, not code
                for name in sorted(f for f in filenames if not f.endswith(".pyc")):
                    path = os.path.join(dirpath, name)
                    digest.update(os.path.relpath(path, root).encode() + b"\0")
                    with open(path, "rb") as handle:
                        for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                            digest.update(chunk)
            return digest.hexdigest()[:12]

        cwd = os.getcwd()
        report = {
            "node": _ray.util.get_node_ip_address(),
            "host": socket.gethostname(),
            "python": platform.python_version(),
            "versions": {name: version(name) for name in packages},
            "env": {name: os.environ.get(name) for name in env_names},
        }
        if hash_cwd:
            base = os.path.basename(cwd)
            report["working_dir"] = {"package": base.replace("_ray_pkg_", "")[:12], "sha256": tree_hash(cwd)}
        return report

    return node_probe


def flatten(report: dict[str, Any]) -> dict[str, str]:
    """One node's report as column name → cell text, in display order."""
    row = {"node": report["node"], "host": report["host"], "python": report["python"]}
    row.update(report.get("versions", {}))
    for name, value in report.get("env", {}).items():
        row[f"${name}"] = UNSET if value is None else value
    if "working_dir" in report:
        row["wd package"] = report["working_dir"]["package"]
        row["wd sha256"] = report["working_dir"]["sha256"]
    return row


def differing_columns(rows: Sequence[dict[str, str]], identity: Sequence[str] = IDENTITY_COLUMNS) -> list[str]:
    """Columns whose value is not the same on every node (node address and host name excluded)."""
    columns = list(dict.fromkeys(col for row in rows for col in row))
    return [col for col in columns if col not in identity and len({row.get(col, MISSING) for row in rows}) > 1]


def _hint(column: str) -> str:
    if column.startswith("$"):
        return f"set {column[1:]} in runtime_env env_vars so every task sees it (troubleshooting 2)"
    if column.startswith("wd "):
        return ("nodes run different code: change the working_dir content or name, or restart the cluster to clear "
                "Ray's runtime_env cache (troubleshooting 3)")
    return f"pin {column} in the runtime_env pip list so every node installs the same version (best practice 1)"


def verdict(rows: Sequence[dict[str, str]], differing: Sequence[str]) -> str:
    """One line: do the nodes agree, and if not, where and what to do."""
    if not differing:
        return f"OK: all {len(rows)} node(s) agree on Python, packages, env vars and code"
    hints = "; ".join(dict.fromkeys(_hint(col) for col in differing))
    return f"DIFFER: nodes disagree on {', '.join(differing)} (cells marked *); {hints}"


def render(rows: Sequence[dict[str, str]], differing: Sequence[str], title: str, console=None) -> None:
    """Print a rich table, one row per node, with differing cells in red and marked with *."""
    from rich.console import Console
    from rich.table import Table

    if console is None:
        width = None if sys.stdout.isatty() else max(160, shutil.get_terminal_size((160, 24)).columns)
        console = Console(width=width, soft_wrap=False)
    table = Table(title=title, show_lines=False)
    columns = list(dict.fromkeys(col for row in rows for col in row))
    for col in columns:
        table.add_column(f"{col} *" if col in differing else col, style="bold red" if col in differing else None)
    for row in rows:
        table.add_row(*[row.get(col, MISSING) + (" *" if col in differing else "") for col in columns])
    console.print(table)
    console.print(verdict(rows, differing), style="bold red" if differing else "bold green", soft_wrap=True)


def _title(info) -> str:
    setup = info.runtime_env_setup_seconds
    setup_text = f", runtime_env set-up {setup:.1f} s" if setup is not None else ""
    return (f"Ray {info.ray_version} at {info.address} ({info.mode}), namespace {info.namespace}: "
            f"{info.alive_nodes}/{info.total_nodes} nodes alive{setup_text}")


def collect_reports(env: dict[str, Any], env_var_names: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Run the probe on every alive node of the current connection and return the raw reports by node."""
    from src.engines.ray.preflight import run_on_every_node

    names = list(dict.fromkeys([*env.get("env_vars", {}), *env_var_names]))
    hash_cwd = "working_dir" in env
    reports = run_on_every_node(_make_node_probe(), packages_to_check(env), names, hash_cwd, timeout_s=300.0)
    return sorted(reports, key=lambda r: r["node"])


def cluster_check(
    address: str | None,
    namespace: str = "benchmark",
    runtime_env_json: str | None = None,
    env_var_names: Sequence[str] = (),
    console=None,
    shutdown: bool = True,
) -> int:
    """Print one row per node and a verdict; return 0 when all nodes agree, 1 when they differ."""
    from src.engines.ray.runtime import init_ray, shutdown_ray

    info = init_ray(address=address, namespace=namespace, runtime_env_json=runtime_env_json)
    try:
        rows = [flatten(report) for report in collect_reports(info.runtime_env, env_var_names)]
        differing = differing_columns(rows)
        render(rows, differing, _title(info), console)
        for message in info.warnings:
            (console or _stderr_console()).print(f"warning: {message}", style="yellow", soft_wrap=True)
        return 1 if differing else 0
    finally:
        if shutdown:
            shutdown_ray()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def check_from_options(options) -> int:
    """`prepbench cluster check --engine ray`: the runtime_env option read as the runs read it."""
    from src.engines.ray.runtime_env import read_runtime_env_arg

    raw = options.ray_runtime_env_json
    return cluster_check(options.ray_address, options.ray_namespace, read_runtime_env_arg(raw) if raw else None)

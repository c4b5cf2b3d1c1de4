"""Result records: environment metadata, file names, and atomic JSON writes.

A result file is written whole or not at all (temp file + rename), so a crash or Ctrl-C never leaves a
half-written JSON for `compare`, `sweep` or `report` to trip over.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from src.bench.errors import UserError

SCHEMA_VERSION = 1
REPO_ROOT = Path(__file__).resolve().parents[3]  # src/bench/data/results.py -> the repository


def tool_version() -> str:
    try:
        import importlib.metadata

        return importlib.metadata.version("prepbench")
    except Exception:  # running from a checkout that is not installed
        return "0.1.0"


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@lru_cache(maxsize=1)
def java_version() -> str | None:
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    first = (out.stderr or out.stdout).strip().splitlines()
    return first[0] if first else None


def environment(include_java: bool = False) -> dict[str, Any]:
    """The machine and software a result was measured on."""
    import psutil

    env = {
        "tool_version": tool_version(),
        "git_commit": git_commit(),
        "hostname": platform.node(),
        "cpu_model": _cpu_model(),
        "cpu_cores_logical": os.cpu_count(),
        "cpu_cores_physical": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    if include_java:
        env["java"] = java_version()
    return env


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def run_file_name(engine: str, operators: list[str], started: datetime) -> str:
    ops = "-".join(operators)
    return f"{engine}_{ops}_{started.strftime('%Y%m%dT%H%M%SZ')}_{uuid.uuid4().hex[:6]}.json"


def ensure_writable_dir(path: str | Path, option: str = "--output") -> Path:
    """Create the output directory (given by `option`, or the one that option's output goes in) or fail with one
    clear line before any work starts."""
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise UserError(f"output path {directory} is a file, not a directory; choose a directory for {option}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create output directory {directory}: {exc.strerror}; choose another {option}"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK) or not can_create_file(directory):
        raise UserError(f"output directory {directory} is not writable; choose another {option}")
    return directory


def can_create_file(directory: Path) -> bool:
    """Create and delete a probe file: os.access says yes to root on read-only places such as /proc or /sys."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".prepbench-probe-"):
            return True
    except OSError:
        return False


def check_writable_file(path: str | Path, flag: str) -> None:
    """Refuse, before any work, a file path that cannot be written: a directory, a path under a regular file,
    or a read-only place. Nothing is created, so a refused run leaves no empty directory behind."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{flag} {path} is a directory; give a file path")
    ancestor = target.parent.absolute()
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"{flag} {path} is under {ancestor}, which is a file, not a directory; choose another path")
    if not os.access(ancestor, os.W_OK | os.X_OK) or not can_create_file(ancestor):
        raise UserError(f"cannot write {flag} {path}: {ancestor} is not writable; choose another path")


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null / strings so every reader can parse the file."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _clean(value.item())
    return value


def write_json_atomic(path: str | Path, record: dict[str, Any]) -> Path:
    return write_text_atomic(path, json.dumps(_clean(record), indent=2, sort_keys=False) + "\n")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write the whole text or nothing: a temp file beside the target, renamed into place."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def append_jsonl(path: str | Path, record: dict[str, Any]) -> None:
    """Append one whole line and flush it, so an interrupted sweep never leaves half a record."""
    line = json.dumps(_clean(record), sort_keys=False) + "\n"
    if not _ends_with_newline(path):  # a line torn by a kill mid-write stays alone on its line (readers skip it)
        line = "\n" + line
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def _ends_with_newline(path: str | Path) -> bool:
    """True for a missing or empty file too: only a non-empty file whose last line was cut needs a newline."""
    try:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"
    except OSError:
        return True


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records of a run JSON, a comparison JSON or a sweep JSONL; a torn last JSONL line is skipped."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".jsonl":
        records = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records
    data = json.loads(text)
    return data.get("runs", [data]) if isinstance(data, dict) else data

"""`prepbench list` prints every parameter and default in full, whatever the output is (a pipe, a file, a
narrow terminal): rich would otherwise cut cells to the width it guesses, with "…"."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from src.bench.registry import engines
from src.bench.spec.operators import OPERATORS

ROOT = Path(__file__).resolve().parents[2]


def _cell(p) -> str:
    """What `list` shows for a parameter: name=default, the default as JSON; "name (required)" without one."""
    return f"{p.name} (required)" if p.default is None else f"{p.name}={json.dumps(p.default)}"


def _expected_cells() -> list[str]:
    return [_cell(p) for spec in OPERATORS.values() for p in spec.params]


def _run_list(columns: str) -> str:
    env = {**os.environ, "COLUMNS": columns}  # rich sizes a non-terminal to COLUMNS (or 80): make it narrow
    # capture_output: stdout is a pipe, as in `prepbench list | cat`
    result = subprocess.run([sys.executable, "-m", "src.bench.cli", "list"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", ["40", "80"])
def test_list_into_a_pipe_prints_every_parameter_and_default_in_full(columns: str) -> None:
    out = _run_list(columns)
    assert "…" not in out
    lines = out.splitlines()
    for cell in _expected_cells():
        assert cell in out, f"{cell!r} missing or cut in:\n{out}"
    for spec in OPERATORS.values():
        row = next((line for line in lines if f" {spec.name} " in line), None)
        assert row is not None, f"no row for {spec.name}:\n{out}"
        # each operator's whole row is one line: kind and every parameter next to the name
        assert spec.kind in row
        for p in spec.params:
            assert _cell(p) in row, row
    assert "see docs/operators.md for the semantics." in out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a pseudo-terminal")
def test_list_on_a_narrow_terminal_folds_cells_instead_of_cutting_them() -> None:
    import fcntl
    import pty
    import struct
    import termios

    env = {**os.environ, "COLUMNS": "60", "TERM": "xterm", "NO_COLOR": "1"}  # (rich draws a dumb one 80 wide)
    pid, fd = pty.fork()
    if pid == 0:  # child: stdout is the terminal, 60 columns wide
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "src.bench.cli", "list"], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO once the child has exited
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())  # bold and italic headers
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 60
    for name in [*OPERATORS, *engines()]:  # the names are never folded
        assert f" {name} " in out, name

"""Log levels on the error path; the bad-input table (exit 2, one line, nothing written) is test_bad_inputs.py."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "sample.csv")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "src.bench.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_log_level_before_or_after_command(where: str, tmp_path: Path) -> None:
    run = ["run", "--engine", "numpy", "--operator", "MinMaxScaler", "--input", SAMPLE, "--output", str(tmp_path)]
    args = ["--log-level", "WARNING", *run] if where == "before" else [*run, "--log-level", "WARNING"]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert "repetition" not in result.stderr  # INFO progress is hidden at WARNING
    assert len(list(tmp_path.glob("numpy_MinMaxScaler_*.json"))) == 1


def test_user_error_stays_one_line_at_debug(tmp_path: Path) -> None:
    """DEBUG shows tracebacks of engine failures; a user mistake is still just its line."""
    result = cli("--log-level", "DEBUG", "run", "--engine", "numpy", "--operator", "StandardScalar", "--input", SAMPLE,
                 "--output", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "prepbench: error: unknown operator 'StandardScalar'; did you mean 'StandardScaler'? available: "
        "StandardScaler, MinMaxScaler, Imputer, StringIndexer, OneHotEncoder, Tokenizer, HashingTF, IDF "
        "(see: prepbench list)"
    ]

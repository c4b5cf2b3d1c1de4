"""`prepbench compare`: each engine in its own process, the same inputs, one table, honest exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.clitools import cli, need, run_main


def load_comparison(out: Path, name: str) -> dict:
    return json.loads((out / f"comparison_{name}.json").read_text())


@pytest.mark.slow  # two engine processes below compare
def test_numpy_and_sklearn_same_inputs_one_table(tmp_path: Path, sample_csv: Path) -> None:
    need("sklearn")
    res = cli("compare", "--operator", "MinMaxScaler", "--engines", "numpy", "sklearn", "--input",
              str(sample_csv), "--output", str(tmp_path), "--repeats", "2", "--params", '{"min": -1, "max": 1}',
              "--save-output", str(tmp_path / "scaled.parquet"))
    assert res.returncode == 0, res.stderr
    comparison = load_comparison(tmp_path, "MinMaxScaler_sample")
    assert [r["engine"]["name"] for r in comparison["runs"]] == ["numpy", "sklearn"]
    for row, record in zip(comparison["summary"], comparison["runs"]):
        assert json.loads(Path(row["run_file"]).read_text()) == record  # the run file sits in --output
        assert record["status"] == "ok" and record["dataset"]["rows"] == 1000
        assert len(record["timing"]["repetition_seconds"]) == 2
        assert record["steps"][0]["params"] == {"min": -1.0, "max": 1.0}
    numpy_row, sklearn_row = comparison["summary"]
    assert numpy_row["speedup_vs_numpy"] == 1.0
    assert sklearn_row["speedup_vs_numpy"] == pytest.approx(numpy_row["median_seconds"] / sklearn_row["median_seconds"])
    assert comparison["runs"][1]["consistency"]["verdict"] == "ok"
    assert comparison["runs"][1]["consistency"]["rows_checked"] == 1000
    # each engine saved its own output; both are the canonical [-1, 1] scaling of the input
    saved = {e: pq.read_table(tmp_path / f"scaled_{e}.parquet") for e in ("numpy", "sklearn")}
    raw = pcsv.read_csv(sample_csv)
    for col in ("num_0", "num_3"):
        x = raw[col].to_numpy()
        expected = (x - x.min()) / (x.max() - x.min()) * 2 - 1
        for table in saved.values():
            np.testing.assert_allclose(table[f"{col}_minmax"].to_numpy(), expected, rtol=1e-12, atol=1e-12)
    md = (tmp_path / "comparison_MinMaxScaler_sample.md").read_text()
    assert "| numpy | stock | native | 1,000 |" in md and "| 1.00x | - | ok | ok |" in md
    assert f"| sklearn | stock | {sklearn_row['implementation']} | 1,000 |" in md and "Exit code: 0." in md
    assert "sklearn | prepbench: sklearn: repetition 2/2" in res.stderr  # progress streamed, prefixed
    assert "speed-up vs numpy" in res.stdout and "comparison:" in res.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary directory left


def test_timeout_is_recorded_and_exits_1(tmp_path: Path, sample_csv: Path) -> None:
    res = cli("compare", "--operator", "StandardScaler", "--engines", "numpy", "--input", str(sample_csv),
              "--output", str(tmp_path), "--timeout", "0.05")
    assert res.returncode == 1, res.stderr
    comparison = load_comparison(tmp_path, "StandardScaler_sample")
    (record,) = comparison["runs"]
    assert record["status"] == "timeout" and record["error"]["type"] == "Timeout"
    assert comparison["exit_code"] == 1 and comparison["summary"][0]["exit_code"] is None
    assert "timeout" in (tmp_path / "comparison_StandardScaler_sample.md").read_text()


def test_user_errors_exit_2_before_any_engine_runs(tmp_path: Path, sample_csv: Path) -> None:
    """Refused before any child process starts, so main() runs in this process."""
    code, _, stderr = run_main(["compare", "--operator", "StandardScaler", "--engines", "numpy", "numpyy", "--input",
                                str(sample_csv), "--output", str(tmp_path)])
    assert code == 2 and "unknown engine 'numpyy'; did you mean 'numpy'?" in stderr
    code, _, stderr = run_main(["compare", "--operator", "StandardScaler", "--input", str(tmp_path / "none.csv"),
                                "--output", str(tmp_path)])
    assert code == 2 and "input file not found" in stderr
    code, _, stderr = run_main(["compare", "--operator", "StandardScaler", "--params", '{"with_meen": true}',
                                "--input", str(sample_csv), "--output", str(tmp_path)])
    assert code == 2 and "did you mean 'with_mean'" in stderr
    assert list(tmp_path.iterdir()) == []


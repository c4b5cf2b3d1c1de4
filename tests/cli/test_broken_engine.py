"""A deliberately wrong engine (tests/fixtures/broken_engine, added through PREPBENCH_EXTRA_ENGINES) proves that
the consistency check fails when it should: `run` exits 3 with status inconsistent and the mismatching rows,
`--allow-inconsistent` exits 0 yet still records inconsistent, and `compare` names the wrong engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from src.bench.data.results import read_records
from src.bench.errors import EXIT_INCONSISTENT, EXIT_OK
from src.bench.registry import EXTRA_ENGINES_VARIABLE, engines
from tests.clitools import SAMPLE, cli, run_main
from tests.fixtures.broken_engine.engine import SCALER_OFFSET
from tests.fixtures.broken_engine.tuned.imputer import FILL_OFFSET

BROKEN = "tests.fixtures.broken_engine"


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The broken engine registered (the registry's cache is keyed by the variable's value)."""
    monkeypatch.setenv(EXTRA_ENGINES_VARIABLE, BROKEN)


def run(tmp_path: Path, operator: str, *flags: str) -> tuple[int, dict]:
    code, _, err = run_main(["run", "--engine", "broken", "--operator", operator, "--input", str(SAMPLE),
                             "--output", str(tmp_path), "--repeats", "1", "--warmup", "0", *flags])
    paths = list(tmp_path.glob(f"broken_{operator}_*.json"))
    assert len(paths) == 1, err
    return code, json.loads(paths[0].read_text())


def test_the_registry_adds_the_engine_named_in_the_variable(broken) -> None:
    assert list(engines())[-1] == "broken" and engines()["broken"].package == BROKEN


def test_run_of_a_wrong_operator_is_inconsistent_with_examples(broken, tmp_path: Path) -> None:
    code, record = run(tmp_path, "StandardScaler")
    assert code == EXIT_INCONSISTENT
    assert record["status"] == "inconsistent" and record["engine"]["name"] == "broken"
    consistency = record["consistency"]
    assert consistency["verdict"] == "inconsistent" and consistency["reference"] == "numpy"
    columns = consistency["columns"]
    assert set(columns) == {f"num_{i}_scaled" for i in range(4)}
    for column in columns.values():
        assert column["verdict"] == "inconsistent" and column["mismatches"] == 1000
        assert column["max_abs_diff"] == pytest.approx(SCALER_OFFSET, rel=1e-6)
        if "examples" in column:  # the rows that differ, rendered (results written before examples have none)
            assert [e["row"] for e in column["examples"]] == list(range(len(column["examples"])))
            assert column["examples"]
            for example in column["examples"]:
                assert float(example["engine"]) - float(example["reference"]) == pytest.approx(SCALER_OFFSET)


def test_allow_inconsistent_exits_0_and_still_records_it(broken, tmp_path: Path) -> None:
    code, record = run(tmp_path, "StandardScaler", "--allow-inconsistent")
    assert code == EXIT_OK
    assert record["status"] == "inconsistent" and record["consistency"]["verdict"] == "inconsistent"


def test_an_operator_it_does_not_break_is_consistent(broken, tmp_path: Path) -> None:
    """The check fails because of the wrong values, not because of the engine: its right operators pass."""
    code, record = run(tmp_path, "MinMaxScaler")
    assert code == EXIT_OK and record["status"] == "ok" and record["consistency"]["verdict"] == "ok"


def test_compare_names_the_broken_engine_as_inconsistent(tmp_path: Path) -> None:
    """Each engine of a comparison runs in a child process (from the repository root), which finds the broken
    engine through the variable it inherits."""
    result = cli("compare", "--engines", "numpy", "broken", "--operator", "Tokenizer", "--input", "data/sample.csv",
                 "--output", str(tmp_path), "--repeats", "1", "--warmup", "0",
                 env={**os.environ, EXTRA_ENGINES_VARIABLE: BROKEN})
    assert result.returncode == EXIT_INCONSISTENT, result.stderr[-3000:]
    rows = {cells[1].strip(): line for line in result.stdout.splitlines()
            if line.startswith("│ ") and (cells := line.split("│"))[1].strip()}
    assert rows["broken"].rstrip(" │").endswith("inconsistent") and "inconsistent (text_tokens row 0" in rows["broken"]
    assert rows["numpy"].rstrip(" │").endswith("ok")
    (path,) = tmp_path.glob("comparison_Tokenizer_sample.json")
    comparison = json.loads(path.read_text())
    status = {row["engine"]: (row["status"], row["exit_code"]) for row in comparison["summary"]}
    assert status == {"numpy": ("ok", EXIT_OK), "broken": ("inconsistent", EXIT_INCONSISTENT)}
    assert comparison["exit_code"] == EXIT_INCONSISTENT


def test_each_variant_is_checked_on_its_own_run(broken, tmp_path: Path) -> None:
    """`--variant all` runs the stock Imputer (right) and the tuned one (wrong) as two runs, each checked and
    labelled: the tuned run alone is inconsistent, and the exit code says so."""
    code, _, err = run_main(["run", "--engine", "broken", "--operator", "Imputer", "--variant", "all", "--input",
                             str(SAMPLE), "--output", str(tmp_path), "--repeats", "1", "--warmup", "0"])
    assert code == EXIT_INCONSISTENT, err
    stock, = (json.loads(p.read_text()) for p in tmp_path.glob("broken_Imputer_*.json"))
    tuned, = (json.loads(p.read_text()) for p in tmp_path.glob("broken-tuned_Imputer_*.json"))
    assert (stock["variant"], stock["status"], stock["implementations"]) == ("stock", "ok", {"Imputer": "native"})
    assert (tuned["variant"], tuned["status"], tuned["implementations"]) == ("tuned", "inconsistent",
                                                                               {"Imputer": "custom"})
    assert [s["variant"] for s in tuned["steps"]] == ["tuned"]
    column = tuned["consistency"]["columns"]["miss_0_imputed"]
    assert column["max_abs_diff"] == pytest.approx(FILL_OFFSET)


def test_tuned_falls_back_to_stock_where_an_engine_has_no_tuned_module(broken, tmp_path: Path) -> None:
    code, record = run(tmp_path, "MinMaxScaler", "--variant", "tuned")
    assert code == EXIT_OK and record["variant"] == "stock" and record["steps"][0]["variant"] == "stock"


@pytest.mark.slow  # five child processes: about 4 s on an idle machine
def test_compare_and_sweep_run_every_variant_as_its_own_row_and_cell(broken, tmp_path: Path) -> None:
    """`--variant all`: compare shows the engine's stock and tuned rows with their ratio (the reference has only
    stock); a sweep keys its cells by variant, so --resume finds both."""
    code, _, err = run_main(["compare", "--operator", "Imputer", "--engines", "numpy", "broken", "--variant", "all",
                             "--input", str(SAMPLE), "--output", str(tmp_path / "compare"), "--repeats", "1",
                             "--warmup", "0"])
    assert code == EXIT_INCONSISTENT, err
    comparison = json.loads(next((tmp_path / "compare").glob("comparison_*.json")).read_text())
    rows = [(r["engine"], r["variant"], r["status"]) for r in comparison["summary"]]
    assert rows == [("numpy", "stock", "ok"), ("broken", "stock", "ok"), ("broken", "tuned", "inconsistent")]
    assert [r["stock_over_tuned"] is None for r in comparison["summary"]] == [True, True, False]
    out = tmp_path / "sweep.jsonl"
    argv = ["sweep", "--engines", "broken", "--operators", "Imputer", "--rows", "200", "--cols", "2", "--repeats",
            "1", "--warmup", "0", "--variant", "all", "--out", str(out), "--data-dir", str(tmp_path / "data")]
    code, _, err = run_main(argv)
    assert code == EXIT_INCONSISTENT, err
    assert {r["cell"]["variant"]: r["status"] for r in read_records(out)} == {"stock": "ok", "tuned": "inconsistent"}
    code, stdout, _ = run_main([*argv, "--resume"])
    assert code == EXIT_INCONSISTENT and "2 cells, 2 already in" in stdout

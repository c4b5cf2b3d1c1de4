"""`prepbench workload list|run`: the shipped spec files, their data profiles, and a consistent run of each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.bench.workloads.catalog import WORKLOADS
from tests.clitools import need, run_main


def test_every_shipped_spec_file_is_a_listed_workload_of_that_name() -> None:
    files = sorted(p.stem for p in Path(WORKLOADS["ctr"].path).parent.glob("*.yaml"))
    assert files == sorted(WORKLOADS) and len(files) >= 3
    assert all(w.spec().name == name for name, w in WORKLOADS.items())
    assert WORKLOADS["ctr"].spec().operators == ["Imputer", "StandardScaler", "StringIndexer", "OneHotEncoder"]
    assert WORKLOADS["reviews"].spec().operators == ["Tokenizer", "HashingTF", "IDF"]


def test_workload_list_shows_name_description_steps_and_data() -> None:
    code, stdout, stderr = run_main(["workload", "list"])
    assert code == 0, stderr
    rows = {line.split("│")[1].strip(): line for line in stdout.splitlines() if line.startswith("│")}
    assert list(rows) == list(WORKLOADS)
    assert "Imputer → StandardScaler → StringIndexer → OneHotEncoder" in rows["ctr"]
    assert "--profile tabular" in rows["ctr"]
    assert "Tokenizer → HashingTF → IDF" in rows["reviews"] and "--profile text" in rows["reviews"]
    assert WORKLOADS["mixed"].spec().description in rows["mixed"]


def test_unknown_workload_is_one_line() -> None:
    code, _, stderr = run_main(["workload", "run", "reveiws", "--engines", "numpy"])
    assert code == 2 and stderr == "prepbench: error: unknown workload 'reveiws'; did you mean 'reviews'? available: " \
                                   "ctr, reviews, mixed (see: prepbench workload list)\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workload-data")  # reviews and mixed share the text profile's data


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_workload_runs_consistently_on_numpy_and_sklearn(name: str, data_dir: Path, tmp_path: Path) -> None:
    need("sklearn")
    code, stdout, stderr = run_main(["workload", "run", name, "--engines", "numpy", "sklearn", "--rows", "2000",
                                     "--repeats", "1", "--warmup", "0", "--data-dir", str(data_dir),
                                     "--output", str(tmp_path)])
    assert code == 0, stderr
    (path,) = tmp_path.glob(f"comparison_{name}_*.json")
    comparison = json.loads(path.read_text())
    assert comparison["spec"]["name"] == name and comparison["dataset"]["rows"] == 2000
    assert [(r["engine"]["name"], r["status"], r["consistency"]["verdict"]) for r in comparison["runs"]] == [
        ("numpy", "ok", "ok"), ("sklearn", "ok", "ok")]
    assert comparison["runs"][1]["consistency"]["rows_checked"] == 2000
    checked = set(comparison["runs"][1]["consistency"]["columns"])
    explicit = [c for s in comparison["runs"][1]["steps"] if not s["implicit"] for c in s["output_cols"]]
    assert checked == set(explicit)  # every explicit step's every output, against the reference
    assert f"workload {name}: data {data_dir}" in stderr and "speed-up vs numpy" in stdout

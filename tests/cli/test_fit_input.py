"""--fit-input and --split on run, pipeline and compare: fit on one set of rows, transform another."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import write_table
from src.bench.data.split import fit_mask
from tests.clitools import run_main


def _files(tmp_path: Path) -> tuple[Path, Path]:
    train = pa.table({"num_0": [1.0, 2.0, 3.0, 6.0], "cat_0": ["b", "a", "b", "c"]})
    test = pa.table({"num_0": [0.0, 4.0, 9.0], "cat_0": ["c", "zz", "a"]})
    write_table(train, str(tmp_path / "train.parquet"))
    write_table(test, str(tmp_path / "test.csv"))
    return tmp_path / "train.parquet", tmp_path / "test.csv"


def _record(out: Path) -> dict:
    (path,) = out.glob("*.json")
    return json.loads(path.read_text())


@pytest.mark.parametrize("engine", ["numpy", "sklearn"])
def test_fit_on_one_file_transform_another(tmp_path: Path, engine: str) -> None:
    train, test = _files(tmp_path)
    out = tmp_path / "runs"
    params = '{"StringIndexer": {"input_cols": ["cat_0"]}, "MinMaxScaler": {"input_cols": ["num_0"]}}'
    code, _, err = run_main(["pipeline", "--engine", engine, "--operators", "StringIndexer", "MinMaxScaler",
                             "--input", str(test), "--fit-input", str(train), "--output", str(out), "--repeats", "1",
                             "--warmup", "0", "--params", params, "--save-output", str(tmp_path / f"{engine}.parquet")])
    assert code == 0, err
    record = _record(out)
    assert record["status"] == "ok"
    assert record["dataset"]["rows"] == 3 and record["dataset"]["fit_input"]["rows"] == 4
    saved = pq.read_table(tmp_path / f"{engine}.parquet")
    # categories a < b < c from the training file; "zz" is unseen -> null; min 1, max 6 from the training file
    assert saved.column("cat_0_index").to_pylist() == [2.0, None, 0.0]
    np.testing.assert_allclose(saved.column("num_0_minmax").to_numpy(), [-0.2, 0.6, 1.6])


def test_fit_input_without_a_needed_column_is_one_clear_error(tmp_path: Path) -> None:
    train, test = _files(tmp_path)
    write_table(pa.table({"other": [1.0]}), str(tmp_path / "bad.parquet"))
    code, _, stderr = run_main(["run", "--engine", "numpy", "--operator", "StandardScaler", "--input", str(test),
                                "--params", '{"input_cols": ["num_0"]}', "--fit-input", str(tmp_path / "bad.parquet"),
                                "--output", str(tmp_path / "runs")])
    err = stderr.strip().splitlines()
    assert code == 2 and err[-1].startswith("prepbench: error: --fit-input") and "no column 'num_0'" in err[-1]
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").glob("*.json"))


def test_fit_input_and_split_together_are_refused(tmp_path: Path) -> None:
    train, test = _files(tmp_path)
    code, _, err = run_main(["run", "--engine", "numpy", "--operator", "StandardScaler", "--input", str(test),
                             "--fit-input", str(train), "--split", "0.5", "--output", str(tmp_path / "runs")])
    assert code == 2 and "give one of them" in err


def test_split_fits_on_the_masked_rows_and_records_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREPBENCH_CACHE_DIR", str(tmp_path / "cache"))
    rows = 400
    values = np.arange(rows, dtype=np.float64) ** 2
    write_table(pa.table({"num_0": values}), str(tmp_path / "d.parquet"))
    out = tmp_path / "runs"
    code, _, err = run_main(["run", "--engine", "sklearn", "--operator", "MinMaxScaler", "--input",
                             str(tmp_path / "d.parquet"), "--split", "0.3", "--split-seed", "5", "--output", str(out),
                             "--repeats", "1", "--save-output", str(tmp_path / "o.parquet")])
    assert code == 0, err
    fitted = values[fit_mask(0, rows, 0.3, 5)]
    record = _record(out)
    assert record["dataset"]["fit_input"]["rows"] == fitted.size
    assert record["parameters"]["split"] == {"fraction": 0.3, "seed": 5}
    got = pq.read_table(tmp_path / "o.parquet").column("num_0_minmax").to_numpy()
    np.testing.assert_allclose(got, (values - fitted.min()) / (fitted.max() - fitted.min()))

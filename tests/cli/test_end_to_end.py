"""--end-to-end: each engine reads the input with its own reader and writes its outputs with its own Parquet writer;
the phases are recorded, the written dataset carries every input row number once and equals the reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest

from src.bench.registry import engine_installed, engines
from src.bench.run.engine import PHASES, ROW_COLUMN
from tests.clitools import cli, need, run_main

SPEC = """name: kinds
steps:
  - {name: impute, operator: Imputer, params: {strategy: median}, input_cols: ["miss_*"]}
  - {name: scale, operator: StandardScaler}
  - {name: centre, operator: StandardScaler, params: {with_std: false}, input_cols: [num_0, num_1]}
  - {name: index, operator: StringIndexer, input_cols: ["cat_*"]}
  - {name: onehot, operator: OneHotEncoder, input_cols: ["@index"]}
  - {name: tokens, operator: Tokenizer, input_cols: [text]}
  - {name: tf, operator: HashingTF, params: {num_features: 256}, input_cols: ["@tokens"]}
  - {name: idf, operator: IDF}
"""
ROWS = 1000


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A directory of 4 Parquet parts (every reader must number rows across files) and a spec of every kind."""
    root = tmp_path_factory.mktemp("end-to-end")
    data = root / "parts.parquet"
    code, _, stderr = run_main(["data", "generate", "--rows", str(ROWS), "--numeric", "2", "--categorical", "2",
                                "--cardinality", "30", "--text", "--missing-rate", "0.1", "--categorical-null-rate",
                                "0.05", "--seed", "5", "--chunk-rows", "300", "--output", f"{data}/"])
    assert code == 0, stderr
    spec = root / "kinds.yaml"
    spec.write_text(SPEC)
    return data, spec


def written(path: Path) -> dict[str, list]:
    """The written dataset's columns in input row order (vectors as {index: value} dicts)."""
    table = ds.dataset(str(path), format="parquet").to_table()
    table = table.take(np.argsort(table.column(ROW_COLUMN).to_numpy()))
    columns = {}
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if values and isinstance(values[0], dict):
            values = [dict(zip(v["indices"], v["values"])) for v in values]
        columns[name] = values
    return columns


def test_numpy_end_to_end_writes_the_outputs_by_phase(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    data, spec = inputs
    target = tmp_path / "out.parquet"
    args = ["pipeline", "--engine", "numpy", "--spec", str(spec), "--input", str(data), "--end-to-end",
            "--save-output", str(target), "--output", str(tmp_path / "runs"), "--repeats", "2", "--warmup", "1"]
    code, stdout, stderr = run_main(args)
    assert code == 0, stderr
    (run_file,) = (tmp_path / "runs").glob("numpy_kinds_*.json")
    record = json.loads(run_file.read_text())
    section = record["end_to_end"]
    assert record["status"] == "ok" and record["consistency"]["rows_checked"] == ROWS
    assert record["consistency"]["checked"] == "the written Parquet dataset, read back"
    assert record["parameters"]["end_to_end"] is True and section["output"] == str(target)
    for i, total in enumerate(record["timing"]["repetition_seconds"]):
        phases = [section["phase_seconds"][p][i] for p in PHASES]
        assert min(phases) >= 0 and sum(phases) <= total + 1e-9
    assert len(section["input_cached_fraction"]) == 3  # before each repetition, the warm-up too
    assert all(0.0 <= share <= 1.0 for share in section["input_cached_fraction"])
    assert "read / fit / transform / write" in stdout
    out = written(target)
    assert out[ROW_COLUMN] == list(range(ROWS))
    assert json.loads((target / "_prepbench.json").read_text())["row_column"] == ROW_COLUMN
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging directory left
    # the written values are the reference's: the input's first row by hand, the rest by the numpy engine itself
    first = ds.dataset(str(data), format="parquet").to_table().slice(0, 1).to_pylist()[0]
    assert out["text_tokens"][0] == (first["text"].lower().split() if first["text"] is not None else None)
    assert sum(out["text_tokens_tf"][0].values()) == len(out["text_tokens"][0] or [])
    # a second run replaces the dataset prepbench wrote there
    assert run_main(args)[0] == 0 and written(target) == out


@pytest.mark.parametrize(("flags", "message"), [
    (["--include-io"], "--end-to-end already times the read inside every repetition: drop --include-io"),
    (["--io-mode", "pandas"], "--end-to-end reads with the engine's own reader: drop --io-mode pandas"),
])
def test_end_to_end_refuses_flags_that_contradict_it(flags: list[str], message: str, inputs: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    data, _ = inputs
    for command in (["run", "--engine", "spark", "--operator", "Tokenizer"],  # an engine that reads --io-mode
                    ["compare", "--operator", "Tokenizer", "--engines", "numpy", "spark"]):
        code, _, stderr = run_main([*command, "--input", str(data), "--end-to-end", *flags,
                                    "--output", str(tmp_path)])
        assert (code, stderr) == (2, f"prepbench: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_end_to_end_never_replaces_files_it_did_not_write(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = inputs
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    code, _, stderr = run_main(["run", "--engine", "numpy", "--operator", "Tokenizer", "--input", str(data),
                                "--end-to-end", "--save-output", str(mine), "--output", str(tmp_path / "runs")])
    assert (code, stderr) == (2, f"prepbench: error: --save-output {mine} is a directory prepbench did not write; "
                              "give a new or empty directory\n")
    assert (mine / "notes.txt").read_text() == "keep" and not (tmp_path / "runs").exists()


@pytest.mark.slow  # one process per installed engine, Spark's JVM and Ray among them
def test_every_installed_engine_writes_the_reference_end_to_end(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    need("sklearn", "spark", "ray")
    data, spec = inputs
    res = cli("compare", "--spec", str(spec), "--input", str(data), "--end-to-end", "--save-output",
              str(tmp_path / "out.parquet"), "--output", str(tmp_path), "--repeats", "1", "--warmup", "0",
              "--spark-conf", "spark.sql.shuffle.partitions=2")
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert "end to end, by phase" in res.stdout
    for engine in ("spark", "ray"):
        assert f"{engine:>8} | prepbench: {engine}: repetition 1/1" in res.stderr  # progress streamed, prefixed
    for noise in ("log4j profile", "setLogLevel", "NativeCodeLoader", "resolves to a loopback", "pandas >= 3"):
        assert noise not in res.stderr  # Spark's start-up notices stay off the terminal
    comparison = json.loads(next(tmp_path.glob("comparison_kinds_*.json")).read_text())
    installed = [e for e in engines() if engine_installed(e)]
    assert [r["engine"]["name"] for r in comparison["runs"]] == installed
    reference = written(tmp_path / "out_numpy.parquet")
    assert reference[ROW_COLUMN] == list(range(ROWS))
    for record in comparison["runs"]:
        name, section = record["engine"]["name"], record["end_to_end"]
        assert (record["status"], record["consistency"]["rows_checked"]) == ("ok", ROWS), (name, record.get("error"))
        phases = [section["phase_seconds"][p][0] for p in PHASES]
        assert min(phases) >= 0 and sum(phases) <= record["timing"]["repetition_seconds"][0] + 1e-9, name
        if name == "spark":
            assert record["engine"]["shuffle_partitions"] == 2  # cluster flags reach the engine
        out = written(tmp_path / f"out_{name}.parquet")
        assert out[ROW_COLUMN] == list(range(ROWS)), name
        for column in ("text_tokens", "text_tokens_tf", "cat_0_index_onehot"):
            assert out[column] == reference[column], (name, column)
        for column in ("miss_0_imputed_scaled", "cat_1_index"):  # None (a null index) -> NaN
            np.testing.assert_allclose(np.array(out[column], dtype=float), np.array(reference[column], dtype=float),
                                       rtol=1e-9, err_msg=f"{name} {column}")

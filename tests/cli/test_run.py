"""End-to-end runs through the CLI on the numpy engine: result files, timings, saved outputs, data generation.

The complete run and `list` are real commands in a subprocess; the other commands call main() in this process
(tests/clitools.py: run_main), which saves a Python start-up each and checks the same files and lines."""

import json
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from src.bench.spec.operators import OPERATORS
from tests.clitools import SAMPLE as SAMPLE_PATH
from tests.clitools import cli, run_main

SAMPLE = str(SAMPLE_PATH)


def only_result(directory: Path) -> dict:
    files = list(directory.glob("*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


def test_run_writes_a_complete_result(tmp_path: Path) -> None:
    result = cli(
        "run",
        "--engine",
        "numpy",
        "--operator",
        "StandardScaler",
        "--input",
        SAMPLE,
        "--output",
        str(tmp_path),
        "--repeats",
        "4",
        "--warmup",
        "2",
    )
    assert result.returncode == 0, result.stderr
    record = only_result(tmp_path)
    assert record["status"] == "ok"
    assert record["consistency"]["verdict"] == "ok"
    assert record["dataset"]["rows"] == 1000
    assert record["steps"][0]["input_cols"] == ["num_0", "num_1", "num_2", "num_3"]
    assert record["steps"][0]["output_cols"] == ["num_0_scaled", "num_1_scaled", "num_2_scaled", "num_3_scaled"]
    timing = record["timing"]
    assert len(timing["repetition_seconds"]) == 4 and len(timing["warmup_seconds"]) == 2
    summary = timing["summary"]
    assert summary["min"] <= summary["median"] <= summary["max"]
    assert summary["median"] == float(np.median(timing["repetition_seconds"]))
    assert timing["rows_per_second"] == 1000 / summary["median"]
    for fit, transform, total in zip(timing["fit_seconds"], timing["transform_seconds"], timing["repetition_seconds"]):
        assert abs(fit + transform - total) < 1e-9
    assert record["resources"]["peak_rss_bytes"] > 10_000_000
    env = record["environment"]
    assert env["cpu_cores_logical"] >= 1 and env["python"] and env["memory_bytes"] > 0
    assert record["implementations"] == {"StandardScaler": "native"}


def test_warmup_zero_is_allowed(tmp_path: Path) -> None:
    code, _, stderr = run_main([
        "run",
        "--engine",
        "numpy",
        "--operator",
        "Tokenizer",
        "--input",
        SAMPLE,
        "--output",
        str(tmp_path),
        "--warmup",
        "0",
        "--repeats",
        "1",
    ])
    assert code == 0, stderr
    assert only_result(tmp_path)["timing"]["warmup_seconds"] == []


def test_pipeline_text_chain_and_saved_output(tmp_path: Path) -> None:
    saved = tmp_path / "tfidf.parquet"
    code, _, stderr = run_main([
        "pipeline",
        "--engine",
        "numpy",
        "--operators",
        "Tokenizer",
        "HashingTF",
        "IDF",
        "--input",
        SAMPLE,
        "--output",
        str(tmp_path / "runs"),
        "--params",
        '{"HashingTF": {"num_features": 64}}',
        "--save-output",
        str(saved),
    ])
    assert code == 0, stderr
    record = only_result(tmp_path / "runs")
    assert [s["operator"] for s in record["steps"]] == ["Tokenizer", "HashingTF", "IDF"]
    assert record["steps"][2]["input_cols"] == ["text_tokens_tf"]
    table = pq.read_table(saved)
    assert table.column_names == ["text_tokens", "text_tokens_tf", "text_tokens_tf_tfidf"]
    first = table.column("text_tokens_tf").to_pylist()[0]
    assert first["size"] == 64
    tokens = table.column("text_tokens").to_pylist()[0]
    assert sum(first["values"]) == len(tokens)  # term counts add up to the number of tokens
    text = pcsv.read_csv(SAMPLE).column("text").to_pylist()[0]
    assert tokens == text.lower().split()


def test_save_output_csv_keeps_nullable_indices(tmp_path: Path) -> None:
    saved = tmp_path / "idx.csv"
    code, _, stderr = run_main([
        "run",
        "--engine",
        "numpy",
        "--operator",
        "StringIndexer",
        "--input",
        SAMPLE,
        "--output",
        str(tmp_path / "runs"),
        "--save-output",
        str(saved),
    ])
    assert code == 0, stderr
    out = pcsv.read_csv(saved)
    cats = pcsv.read_csv(SAMPLE).column("cat_0").to_pylist()
    order = sorted(set(cats))
    assert out.column("cat_0_index").to_pylist() == [order.index(c) for c in cats]


def test_data_generate_writes_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "g.parquet"
    code, _, stderr = run_main([
        "data",
        "generate",
        "--rows",
        "1e4",
        "--numeric",
        "3",
        "--categorical",
        "1",
        "--text",
        "--missing-rate",
        "0.2",
        "--missing-cols",
        "1",
        "--output",
        str(path),
    ])
    assert code == 0, stderr
    table = pq.read_table(path)
    assert table.num_rows == 10_000
    assert table.column_names == ["num_0", "num_1", "num_2", "miss_0", "cat_0", "text"]
    assert 0.17 < table.column("miss_0").null_count / 10_000 < 0.23


def test_list_is_fast_and_complete() -> None:
    start = time.perf_counter()
    result = cli("list", "--json")
    elapsed = time.perf_counter() - start
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert [o["name"] for o in data["operators"]] == list(OPERATORS)
    assert {e["name"] for e in data["engines"]} == {"numpy", "sklearn", "spark", "ray", "dask", "polars", "duckdb"}
    hashing = next(o for o in data["operators"] if o["name"] == "HashingTF")
    assert hashing["params"]["num_features"]["default"] == 262144
    assert elapsed < 5  # the 0.5 s target is checked by benchmarks/startup.py, not by a timed unit test


def test_engine_options_no_engine_reads_are_named_in_a_warning(tmp_path: Path) -> None:
    code, _, stderr = run_main(["run", "--engine", "numpy", "--operator", "MinMaxScaler", "--input", SAMPLE, "--output",
                                str(tmp_path), "--repeats", "1", "--spark-master", "local[1]", "--ray-num-cpus", "1"])
    assert code == 0, stderr
    assert ("prepbench: warning: --spark-master, --ray-num-cpus ignored: only the spark and ray engines read them, "
            "and this command runs numpy") in stderr.splitlines()
    assert only_result(tmp_path)["status"] == "ok"


def test_children_get_only_the_engine_options_their_engine_reads() -> None:
    from src.bench.cli import build_parser
    from src.bench.run.engine_args import engine_flags

    args = build_parser().parse_args(
        ["sweep", "--operators", "MinMaxScaler", "--rows", "1e2", "--out", "x.jsonl", "--io-mode", "engine",
         "--spark-conf", "spark.driver.memory=6g", "--ray-num-cpus", "1"])
    assert engine_flags(args, "spark") == ["--io-mode", "engine", "--spark-conf", "spark.driver.memory=6g"]
    assert engine_flags(args, "ray") == ["--io-mode", "engine", "--ray-num-cpus", "1"]
    assert engine_flags(args, "numpy") == []

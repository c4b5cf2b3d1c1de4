"""What is particular to the Spark engine, on real Spark (local[2], one session for the module): the session it
starts, its two ways of reading the input (io-modes pandas and engine, CSV and Parquet) and the row order they
keep, the noop action, releasing inputs, labels that depend on parameters, and the runner end to end. Its values
against the numpy reference (every operator, parameter and pipeline, every io-mode and format, the edge-case
datasets) are checked by tests/engines/test_conformance.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import DatasetSpec, generate_table
from src.bench.data.inputs import resolve_input
from src.bench.run.facts import EngineOptions
from src.bench.run.runner import RunRequest, execute
from src.bench.spec.plan import plan_pipeline
from src.engines.spark.engine import SparkEngine
from tests.engines.edge_data import assert_loaded_rows_match_reference, edge_table, with_unseen, write_train_test

pytestmark = pytest.mark.slow

MASTER = "local[2]"
IO_CASES = [("pandas", "csv"), ("pandas", "parquet"), ("engine", "csv"), ("engine", "parquet")]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    train = edge_table(300, seed=1, constant=5.0, numeric=3, vocab_size=80, missing_rate=0.25)
    test = with_unseen(edge_table(120, seed=2, constant=7.0, numeric=3, vocab_size=80, missing_rate=0.25), every=5)
    return write_train_test(tmp_path_factory.mktemp("spark-engine"), train, test)


@pytest.fixture(scope="module")
def engines():
    """One SparkSession shared by an engine per io-mode (same master and config, so get_spark reuses it)."""
    by_mode = {mode: SparkEngine(EngineOptions(io_mode=mode, spark_master=MASTER, app_name="prepbench-test"))
               for mode in ("pandas", "engine")}
    infos = {mode: engine.start() for mode, engine in by_mode.items()}
    yield by_mode, infos
    for engine in by_mode.values():
        engine.stop()


@pytest.fixture(scope="module")
def loaded(engines, files):
    """Train and test data per (io-mode, format), loaded once: all the columns any case reads."""
    by_mode, _ = engines
    cache = {}

    def get(io_mode: str, fmt: str):
        if (io_mode, fmt) not in cache:
            sources = [resolve_input(str(p)) for p in files[fmt]]
            columns = list(sources[0].schema)
            cache[io_mode, fmt] = sources, [by_mode[io_mode].load(s, columns) for s in sources]
        return cache[io_mode, fmt]

    return get


def test_imputer_label_follows_the_strategy(engines, files):
    by_mode, _ = engines
    schema = resolve_input(str(files["csv"][0])).schema
    for strategy, label in (("median", "native"), ("constant", "custom")):
        (step,) = plan_pipeline(["Imputer"], {"Imputer": {"strategy": strategy}}, schema)
        assert by_mode["pandas"].implementation("Imputer", step) == label


def test_start_reports_local_session_and_java(engines):
    _, infos = engines
    info = infos["pandas"]
    assert info["mode"] == "local" and info["master"] == MASTER
    assert info["executor_count"] == 0 and info["nodes"] == 1
    assert info["version"].startswith("4.")
    assert info["java"].startswith("17")
    assert SparkEngine(EngineOptions(spark_master=MASTER)).start()["io_mode"] == "pandas", "local: pandas by default"


@pytest.mark.parametrize("io_mode,fmt", IO_CASES)
def test_collect_returns_the_requested_rows_in_input_order(engines, loaded, io_mode, fmt):
    by_mode, _ = engines
    sources, data = loaded(io_mode, fmt)
    rows = np.array([0, 1, 7, 150, 298, 299], dtype=np.int64)
    assert_loaded_rows_match_reference(by_mode[io_mode], data[0], sources[0], rows)


def test_engine_reader_numbers_rows_in_file_order_across_files(engines, tmp_path):
    """Spark packs a directory's files largest first; row numbers must still follow the files' name order."""
    directory = tmp_path / "parts.parquet"
    directory.mkdir()
    table = generate_table(DatasetSpec(rows=500, numeric=1, categorical=0, seed=3))
    pq.write_table(table.slice(0, 40), directory / "part-0.parquet")
    pq.write_table(table.slice(40), directory / "part-1.parquet", row_group_size=100)
    by_mode, _ = engines
    source = resolve_input(str(directory))
    got = by_mode["engine"].collect(by_mode["engine"].load(source, ["num_0"]), ["num_0"], None)
    np.testing.assert_array_equal(got["num_0"], table.column("num_0").to_numpy())


def test_materialize_computes_every_output_column(engines, loaded):
    """The noop write evaluates each listed column: a column that fails when computed makes it fail."""
    from pyspark.sql import functions as F

    by_mode, _ = engines
    _, data = loaded("pandas", "csv")
    failing = data[0].withColumn("boom", F.raise_error(F.lit("computed")))
    by_mode["pandas"].materialize(failing, ["num_0"])
    with pytest.raises(Exception, match="computed"):
        by_mode["pandas"].materialize(failing, ["num_0", "boom"])


def test_release_unpersists_inputs_loaded_inside_repetitions(files):
    """With --include-io every repetition loads (and caches) again; release frees those, not the shared input."""
    engine = SparkEngine(EngineOptions(spark_master=MASTER))
    engine.start()
    source = resolve_input(str(files["parquet"][0]))
    shared, per_repetition = engine.load(source, ["num_0"]), engine.load(source, ["num_0"])
    engine.release(per_repetition)
    assert shared.is_cached and not per_repetition.is_cached


def test_full_run_path_records_labels_and_consistency(engines, files, tmp_path):
    """Through the runner (as the CLI runs it). Last in the module: the runner stops the session at the end."""
    outcome = execute(RunRequest(engine="spark", operators=["StringIndexer", "OneHotEncoder"],
                                 input_path=str(files["csv"][0]), output_dir=str(tmp_path), repeats=2, warmup=0,
                                 check_rows=100, options=EngineOptions(spark_master=MASTER)))
    record = outcome.record
    assert outcome.exit_code == 0 and record["status"] == "ok"
    assert record["consistency"]["verdict"] == "ok" and record["consistency"]["rows_checked"] == 100
    assert record["implementations"] == {"StringIndexer": "native+adapter", "OneHotEncoder": "native+adapter"}
    assert record["engine"]["io_mode"] == "pandas" and len(record["timing"]["repetition_seconds"]) == 2
    assert all(t > 0 for t in record["timing"]["fit_seconds"])

"""A `pipeline` through the CLI on a real Spark standalone cluster (master + 2 workers on 127.0.0.1).

The command runs in its own process, as a user runs it, with Spark's own reader (--io-mode auto: engine on a
cluster); the result file must show both executors, a successful run and an output equal to the numpy reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.bench.data.generate import DatasetSpec, generate_table, write_table
from tests.clitools import cli
from tests.cluster.spark_fixtures import SparkStandalone

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

CLUSTER_ARGS = ["--spark-conf", "spark.executor.memory=512m", "--spark-conf", "spark.cores.max=2", "--warmup", "0"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("spark-cli-data")
    table = generate_table(DatasetSpec(rows=2000, numeric=3, categorical=2, text=True, missing_rate=0.1, seed=7))
    path = root / "data.csv"
    write_table(table, str(path))
    return path


def run_cli(args: list[str], out_dir: Path) -> dict:
    """Run the CLI in a subprocess; return the one result file it wrote."""
    proc = cli(*args, "--output", str(out_dir))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = out_dir.glob("*.json")
    return json.loads(result.read_text())


def assert_cluster_run_ok(record: dict, master_url: str) -> None:
    engine = record["engine"]
    assert record["status"] == "ok", record.get("error")
    assert record["consistency"]["verdict"] == "ok", record["consistency"]
    assert record["consistency"]["rows_checked"] == 2000
    assert engine["mode"] == "standalone" and engine["master"] == master_url
    assert engine["executor_count"] == 2 and engine["nodes"] == 2
    assert engine["io_mode"] == "engine"
    assert record["dataset"]["rows"] == 2000


def test_pipeline_on_the_cluster_with_the_engine_reader(spark_standalone: SparkStandalone, dataset, tmp_path):
    """One pipeline of a numeric and the text operators: each JVM and executor start costs tens of seconds here."""
    # --io-mode left to auto: the engine reader on a cluster, here Spark's CSV reader on the executors
    record = run_cli(["pipeline", "--engine", "spark", "--operators", "StandardScaler", "Tokenizer", "HashingTF",
                      "IDF", "--input", str(dataset), "--spark-master", spark_standalone.master_url,
                      "--repeats", "2", *CLUSTER_ARGS], tmp_path)
    assert_cluster_run_ok(record, spark_standalone.master_url)
    assert record["implementations"] == {"StandardScaler": "native+adapter", "Tokenizer": "native+adapter",
                                         "HashingTF": "native+adapter", "IDF": "native+adapter"}
    assert len(record["timing"]["repetition_seconds"]) == 2

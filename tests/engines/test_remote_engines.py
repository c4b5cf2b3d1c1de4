"""Remote inputs for the distributed engines, against a real S3 API (moto's server on 127.0.0.1).

Ray reads s3:// with its own readers through a pyarrow S3FileSystem built from AWS_ENDPOINT_URL, on one machine
and on a two-node cluster. Spark's own reader has no S3 filesystem in the pyspark package (no hadoop-aws jar):
s3a:// and s3:// are refused with the fix named before any JVM starts, and --io-mode pandas reads them on the
driver instead. hdfs:// needs a Hadoop client that this machine lacks: one clear line, exit 2, no engine started.
Every successful run is checked against the numpy engine's output by the runner (rows and values).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from src.bench.errors import EXIT_USER_ERROR
from tests.cli.test_interrupts import SAMPLE, Cli, need
from tests.cluster import ray_fixtures
from tests.cluster.test_faults import node_task_names
from tests.s3_fixtures import CREDENTIALS, S3Server, s3_server  # noqa: F401


@pytest.fixture(scope="module")
def uploaded(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:  # noqa: F811
    """The sample as CSV and as Parquet in the bucket: format -> s3:// URI."""
    parquet = tmp_path_factory.mktemp("s3") / "sample.parquet"
    pq.write_table(pcsv.read_csv(SAMPLE), parquet)
    return {"csv": s3_server.upload(SAMPLE, "in/sample.csv"), "parquet": s3_server.upload(parquet, "in/sample.parquet")}


def run(engine: str, operator: str, uri: str, out: Path, *flags: str, env: dict[str, str] | None = None) -> Cli:
    cli = Cli("run", "--engine", engine, "--operator", operator, "--input", uri, "--repeats", "1", "--warmup", "0",
              "--output", str(out), *flags, env=env)
    try:
        cli.finish(timeout=600)
    finally:
        cli.kill()
    return cli


def checked_record(cli: Cli, out: Path, uri: str) -> dict:
    assert cli.proc.returncode == 0, cli.stderr[-3000:]
    (path,) = list(out.glob("*.json"))
    record = json.loads(path.read_text())
    assert record["status"] == "ok" and record["dataset"]["uri"] == uri
    assert record["dataset"]["rows"] == 1000 and record["consistency"]["rows_checked"] == 1000
    assert all(c["verdict"] == "ok" for c in record["consistency"]["columns"].values())  # values equal numpy's
    return record


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "operator"), [("csv", "OneHotEncoder"), ("parquet", "Imputer")])
def test_ray_reads_s3_with_its_own_reader(s3_server: S3Server, uploaded: dict, fmt: str, operator: str,  # noqa: F811
                                          tmp_path: Path) -> None:
    need("ray")
    uri = uploaded[fmt]
    cli = run("ray", operator, uri, tmp_path, "--io-mode", "engine", env=s3_server.env)
    record = checked_record(cli, tmp_path, uri)
    assert record["engine"]["io_mode"] == "engine"  # ray.data.read_csv / read_parquet did the reading


@pytest.mark.slow
@pytest.mark.cluster
def test_ray_cluster_runs_an_s3_input_on_both_nodes(s3_server: S3Server, uploaded: dict, tmp_path: Path,  # noqa: F811
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    need("ray")
    for key, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": s3_server.endpoint}.items():
        monkeypatch.setenv(key, value)  # the nodes start with this environment, as a cluster's nodes would
    cluster = ray_fixtures.start_cluster()
    try:
        cli = run("ray", "StandardScaler", uploaded["parquet"], tmp_path, "--ray-address", cluster.address)
        worker_tasks = node_task_names(cluster.temp_root / "w")
    finally:
        ray_fixtures.stop_cluster(cluster)
    record = checked_record(cli, tmp_path, uploaded["parquet"])
    assert record["engine"]["nodes"] == 2 and record["engine"]["io_mode"] == "engine"  # the default on a cluster
    assert worker_tasks - {"preflight_probe"}, worker_tasks  # the worker node handled part of the S3 data


@pytest.mark.slow  # the s3 server starts for it
@pytest.mark.parametrize(("scheme", "problem"), [
    ("s3a", re.escape("the hadoop-aws jar (org.apache.hadoop.fs.s3a.S3AFileSystem) is not on Spark's classpath; add "
                      "--spark-conf spark.jars.packages=org.apache.hadoop:hadoop-aws:") + r"\d+\.\d+\.\d+"),
    ("s3", re.escape("Hadoop has no filesystem for s3://; use an s3a:// URI with the hadoop-aws jar")),
], ids=["s3a", "s3"])
def test_spark_reader_on_s3_is_refused_before_the_jvm(s3_server: S3Server, uploaded: dict, scheme: str,  # noqa: F811
                                                      problem: str, tmp_path: Path) -> None:
    need("spark")
    uri = uploaded["csv"].replace("s3://", f"{scheme}://")
    started = time.monotonic()
    cli = run("spark", "StandardScaler", uri, tmp_path, "--io-mode", "engine", env=s3_server.env)
    assert cli.proc.returncode == EXIT_USER_ERROR
    (line,) = cli.lines
    assert re.fullmatch(re.escape(f"prepbench: error: Spark cannot read {uri} with its own reader: ") + problem
                        + re.escape("; or use --io-mode pandas to read it on the driver"), line), line
    assert not cli.saw("java") and time.monotonic() - started < 60  # refused before any JVM
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.slow
def test_spark_reads_s3a_on_the_driver_with_pandas_io(s3_server: S3Server, uploaded: dict,  # noqa: F811
                                                      tmp_path: Path) -> None:
    need("spark")
    uri = uploaded["parquet"].replace("s3://", "s3a://")
    cli = run("spark", "Imputer", uri, tmp_path, "--io-mode", "pandas", env=s3_server.env)
    assert checked_record(cli, tmp_path, uri)["engine"]["io_mode"] == "pandas"


@pytest.mark.parametrize("engine", ["spark", "ray"])
@pytest.mark.parametrize("io_mode", ["engine", "pandas"])
@pytest.mark.parametrize("java_home", [False, True])
def test_hdfs_without_a_client_is_one_clear_line(engine: str, io_mode: str, java_home: bool, tmp_path: Path) -> None:
    need(engine)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    if java_home:  # then pyarrow finds the JVM and stops at the missing libhdfs.so instead
        env["JAVA_HOME"] = str(Path(os.path.realpath("/usr/bin/java")).parents[1])
    uri = "hdfs://127.0.0.1:9/data/sample.csv"
    cli = run(engine, "Tokenizer", uri, tmp_path, "--io-mode", io_mode, env=env)
    assert cli.proc.returncode == EXIT_USER_ERROR
    (line,) = cli.lines
    assert line.startswith(f"prepbench: error: cannot open {uri}: no HDFS client here (")
    assert line.endswith("install a Hadoop client (libhdfs.so, JAVA_HOME, CLASSPATH) or copy the file to local or "
                         "S3 storage")
    assert cli.seen == {} and not list(tmp_path.glob("*.json"))  # no engine process was started

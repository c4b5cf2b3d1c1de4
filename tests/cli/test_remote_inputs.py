"""s3:// inputs against a local S3 server (moto), and hdfs:// with no HDFS here, for the single-machine engines."""

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.clitools import SAMPLE, cli
from tests.s3_fixtures import S3Server, s3_server  # noqa: F401


@pytest.mark.slow  # the s3_server fixture starts a moto server: 2-3 s before the first test
@pytest.mark.parametrize("engine", ["numpy", "sklearn"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_s3_input(s3_server: S3Server, engine: str, fmt: str, tmp_path: Path) -> None:  # noqa: F811
    local = SAMPLE
    if fmt == "parquet":
        local = tmp_path / "sample.parquet"
        pq.write_table(pcsv.read_csv(SAMPLE), local)
    uri = s3_server.upload(local, f"in/sample.{fmt}")
    result = cli(
        "run",
        "--engine",
        engine,
        "--operator",
        "OneHotEncoder",
        "--input",
        uri,
        "--output",
        str(tmp_path / "runs"),
        "--repeats",
        "1",
        env=s3_server.env,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert record["status"] == "ok" and record["dataset"]["rows"] == 1000
    assert record["dataset"]["uri"] == uri


@pytest.mark.slow
def test_missing_s3_object_is_a_user_error(s3_server: S3Server, tmp_path: Path) -> None:  # noqa: F811
    result = cli(
        "run",
        "--engine",
        "numpy",
        "--operator",
        "Tokenizer",
        "--input",
        "s3://bench/nope.csv",
        "--output",
        str(tmp_path),
        env=s3_server.env,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "prepbench: error: input not found: s3://bench/nope.csv; check the bucket and key"
    assert not any(tmp_path.iterdir())


def test_hdfs_without_a_client_names_what_is_missing(tmp_path: Path) -> None:
    result = cli(
        "run",
        "--engine",
        "numpy",
        "--operator",
        "Tokenizer",
        "--input",
        "hdfs://namenode:9000/data/sample.csv",
        "--output",
        str(tmp_path),
    )
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "cannot open hdfs://namenode:9000/data/sample.csv: no HDFS client here" in line

"""The guide's multi-node command lines through the CLI, against a real two-node Ray cluster on loopback.

Each run is a subprocess, as a user would type it: `--ray-address` points at the test cluster's head and
`--ray-runtime-env-json` carries env_vars, so the engine reads with Ray's own readers on the nodes
(io-mode engine by default) and the result must be consistent with the numpy reference and report 2 nodes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clitools import cli

RUNTIME_ENV = json.dumps({"env_vars": {"OMP_NUM_THREADS": "1", "PREPBENCH_GUIDE_RUN": "1"}})


def only_record(directory: Path) -> dict:
    [path] = directory.glob("*.json")
    return json.loads(path.read_text())


@pytest.mark.slow
@pytest.mark.cluster
@pytest.mark.parametrize("operators", [["StandardScaler"], ["Tokenizer", "HashingTF", "IDF"]], ids=" ".join)
def test_guide_command_on_a_two_node_cluster(ray_cluster, tmp_path, operators):
    result = cli("pipeline", "--engine", "ray", "--ray-address", ray_cluster.address,
                 "--ray-runtime-env-json", RUNTIME_ENV, "--operators", *operators, "--input", "data/sample.csv",
                 "--output", str(tmp_path), "--repeats", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    record = only_record(tmp_path)
    assert record["status"] == "ok" and record["consistency"]["verdict"] == "ok"
    engine = record["engine"]
    assert engine["mode"] == "cluster" and engine["nodes"] == 2 and engine["io_mode"] == "engine"
    assert engine["address"].startswith("127.0.0.2:")
    assert engine["runtime_env"]["env_vars"]["PREPBENCH_GUIDE_RUN"] == "1"
    assert engine["runtime_env_setup_seconds"] is not None


def test_guide_hdfs_command_fails_with_one_line_naming_hdfs(tmp_path):
    """The guide's hdfs:// example, word for word; there is no HDFS client or cluster here."""
    result = cli("pipeline", "--engine", "ray", "--ray-address", "192.168.1.100:6379",
                 "--ray-runtime-env-json", '{"pip": ["pandas==1.5.3", "scikit-learn==1.2.0"]}',
                 "--operators", "StandardScaler", "--input", "hdfs://namenode:9000/data/sample.csv",
                 "--output", str(tmp_path))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "HDFS" in lines[0] and "hdfs://namenode:9000/data/sample.csv" in lines[0], lines
    assert "Traceback" not in result.stderr and not list(tmp_path.iterdir())

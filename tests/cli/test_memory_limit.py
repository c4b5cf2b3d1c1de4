"""--memory-limit end to end: refused up front, killed over the limit (cgroup and watchdog, numpy in this process
and Spark's JVM), recorded `failed` with reason `memory limit`, the peak and the limit, and nothing claiming
success left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import resolve_input
from src.bench.run.memory_estimate import needed_bytes
from src.bench.run.memory_limit import ENFORCER_ENV, CGroup, format_size
from tests.clitools import SAMPLE, cli, need

NUMPY_RUN = ["run", "--engine", "numpy", "--operator", "StandardScaler", "--repeats", "1", "--warmup", "0"]


def _only_record(out: Path) -> dict:
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".json"]  # the record, and no temporary left behind
    return json.loads(files[0].read_text())


def _cgroups_work() -> bool:
    group = CGroup.create(2**30, f"prepbench-test-{os.getpid()}")
    if group:
        group.remove()
    return group is not None


@pytest.fixture(scope="module")
def numbers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2e6 rows of four float columns: 64 MB loaded, about 250 MB at the peak of a StandardScaler run."""
    path = tmp_path_factory.mktemp("memory") / "numbers.parquet"
    rng = np.random.default_rng(0)
    pq.write_table(pa.table({f"num_{i}": rng.normal(size=2_000_000) for i in range(4)}), path)
    return path


def test_an_engine_holding_everything_is_refused_up_front(tmp_path: Path) -> None:
    result = cli(*NUMPY_RUN, "--input", str(SAMPLE), "--memory-limit", "1KiB", "--output", str(tmp_path))
    source = resolve_input(str(SAMPLE))
    needed = needed_bytes(source, [c for c in source.schema if c.startswith("num_")], 1)
    message = f"numpy engine: this input needs about {format_size(needed)} in memory; the limit is 1 KiB"
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"prepbench: engine failure: MemoryLimit: {message} ")
    record = _only_record(tmp_path)
    assert (record["status"], record["error"]) == ("failed", {"type": "MemoryLimit", "message": message})
    assert "timing" not in record and "consistency" not in record  # the engine never started


@pytest.mark.parametrize("mechanism", ["cgroup", "watchdog"])
def test_numpy_over_the_limit_is_killed_and_recorded(numbers: Path, tmp_path: Path, mechanism: str) -> None:
    if mechanism == "cgroup" and not _cgroups_work():
        pytest.skip("no writable cgroup memory controller here")
    env = {**os.environ, ENFORCER_ENV: "watchdog"} if mechanism == "watchdog" else None
    result = cli(*NUMPY_RUN, "--input", str(numbers), "--memory-limit", "160MiB", "--output", str(tmp_path), env=env)
    assert result.returncode == 1, result.stderr
    record = _only_record(tmp_path)
    limit = record["memory_limit"]
    assert record["status"] == "failed" and record["error"]["type"] == "MemoryLimit"
    assert limit["limit_bytes"] == 160 * 2**20 and limit["exceeded"] is True
    assert limit["mechanism"].startswith(mechanism)
    assert limit["peak_bytes"] > limit["limit_bytes"]
    assert f"limit 160 MiB, enforced by {limit['mechanism']})" in record["error"]["message"]


@pytest.mark.slow  # a JVM starts
def test_spark_jvm_over_the_limit_is_a_memory_limit_failure(tmp_path: Path) -> None:
    need("spark")
    result = cli("run", "--engine", "spark", "--operator", "StandardScaler", "--input", str(SAMPLE),
                 "--memory-limit", "200MiB", "--output", str(tmp_path))
    assert result.returncode == 1, result.stderr
    record = _only_record(tmp_path)
    assert record["status"] == "failed" and record["error"]["type"] == "MemoryLimit"
    assert record["memory_limit"]["exceeded"] is True and record["memory_limit"]["limit_bytes"] == 200 * 2**20


def test_compare_passes_the_limit_and_a_refused_engine_is_a_failed_row(tmp_path: Path) -> None:
    result = cli("compare", "--engines", "numpy", "--operator", "StandardScaler", "--input", str(SAMPLE),
                 "--memory-limit", "1KiB", "--output", str(tmp_path))
    assert result.returncode == 1, result.stderr
    comparison = json.loads(next(tmp_path.glob("comparison_*.json")).read_text())
    assert comparison["parameters"]["memory_limit_bytes"] == 1024
    run = comparison["runs"][0]
    assert (run["status"], run["error"]["type"]) == ("failed", "MemoryLimit")
    assert run["memory_limit"]["limit_bytes"] == 1024 and run["memory_limit"]["exceeded"] is False

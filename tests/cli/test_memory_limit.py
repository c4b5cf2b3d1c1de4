"""--memory-limit end to end: refused up front, killed over the limit (cgroup and watchdog, numpy in this process,
Polars' streaming engine and Spark's JVM), recorded `failed` with reason `memory limit`, the peak and the limit, and
nothing claiming success left behind; Polars and DuckDB streaming file to file (--end-to-end) under a limit below
what the in-memory engines would need."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import build_spec, write_dataset
from src.bench.data.inputs import resolve_input
from src.bench.run.memory_estimate import needed_bytes
from src.bench.run.memory_limit import ENFORCER_ENV, CGroup, format_size
from tests.clitools import SAMPLE, cli, need

NUMPY_RUN = ["run", "--engine", "numpy", "--operator", "StandardScaler", "--repeats", "1", "--warmup", "0"]
# the ctr workload with the Imputer's mean (an exact median is not a streaming aggregate)
CTR_MEAN = """name: ctr_mean
steps:
  - {name: impute, operator: Imputer, params: {strategy: mean}, input_cols: ["miss_*"]}
  - {name: scale, operator: StandardScaler}
  - {name: index, operator: StringIndexer, input_cols: ["cat_*"]}
  - {name: onehot, operator: OneHotEncoder}
"""


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
    """2e6 rows of four float columns: 64 MB loaded, which numpy's StandardScaler is estimated to run in 195 MiB
    (what it holds at the end, times ENGINE_HEADROOM); its run's cgroup peaks at about 240 MiB."""
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
    """A limit above the estimate (so the run starts) and below the run's peak."""
    if mechanism == "cgroup" and not _cgroups_work():
        pytest.skip("no writable cgroup memory controller here")
    env = {**os.environ, ENFORCER_ENV: "watchdog"} if mechanism == "watchdog" else None
    result = cli(*NUMPY_RUN, "--input", str(numbers), "--memory-limit", "200MiB", "--output", str(tmp_path), env=env)
    assert result.returncode == 1, result.stderr
    record = _only_record(tmp_path)
    limit = record["memory_limit"]
    assert record["status"] == "failed" and record["error"]["type"] == "MemoryLimit"
    assert limit["limit_bytes"] == 200 * 2**20 and limit["exceeded"] is True
    assert limit["mechanism"].startswith(mechanism)
    assert limit["peak_bytes"] > limit["limit_bytes"]
    assert f"limit 200 MiB, enforced by {limit['mechanism']})" in record["error"]["message"]


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


@pytest.mark.parametrize("mechanism", ["cgroup", "watchdog"])
def test_a_64_mib_limit_stops_a_streaming_engine_cleanly(numbers: Path, tmp_path: Path, mechanism: str) -> None:
    """An engine the limit does not refuse up front (Polars, streaming file to file) and that cannot live in 64 MiB:
    stopped, and recorded `failed: memory limit` with its peak and the limit, exit 1, no output left."""
    need("polars")
    if mechanism == "cgroup" and not _cgroups_work():
        pytest.skip("no writable cgroup memory controller here")
    env = {**os.environ, ENFORCER_ENV: "watchdog"} if mechanism == "watchdog" else None
    result = cli("run", "--engine", "polars", "--operator", "StandardScaler", "--input", str(numbers), "--end-to-end",
                 "--repeats", "1", "--warmup", "0", "--memory-limit", "64MiB", "--output", str(tmp_path), env=env)
    assert result.returncode == 1, result.stderr
    record = _only_record(tmp_path)
    limit = record["memory_limit"]
    assert record["status"] == "failed" and record["error"]["type"] == "MemoryLimit"
    killer = "the kernel killed a process of the run's cgroup" if mechanism == "cgroup" else "the watchdog killed"
    assert record["error"]["message"].startswith(f"memory limit: {killer}")  # not refused up front: it ran
    assert limit["limit_bytes"] == 64 * 2**20 and limit["exceeded"] is True and limit["mechanism"].startswith(mechanism)


@pytest.fixture(scope="module")
def ctr_rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """1e5 rows of the tabular (CTR) profile, 33 MB in Arrow, whose ctr pipeline the in-memory engines estimate at
    818 MiB; and the ctr workload's spec with the Imputer's mean."""
    folder = tmp_path_factory.mktemp("ctr")
    write_dataset(build_spec("tabular", rows=100_000, seed=42), str(folder / "ctr.parquet"))
    (folder / "ctr_mean.yaml").write_text(CTR_MEAN)
    return folder / "ctr.parquet", folder / "ctr_mean.yaml"


@pytest.mark.slow  # a numpy reference of 1e5 CTR rows and a streaming run of the pipeline, each ~5-20 s
@pytest.mark.parametrize(("engine", "limit"), [("polars", "512MiB"), ("duckdb", "768MiB")])
def test_polars_and_duckdb_stream_end_to_end_under_a_limit_below_the_in_memory_estimate(
        ctr_rows: tuple[Path, Path], tmp_path: Path, engine: str, limit: str) -> None:
    """In memory the engine is refused up front (the estimate is over the limit); end to end it streams the files
    and finishes within the limit, its written dataset consistent with the reference. Measured here: cgroup peaks
    of 346-375 MiB (Polars, 512 MiB) and 425-430 MiB (DuckDB, 768 MiB: half of it for DuckDB's buffers)."""
    need(engine)
    data, spec = ctr_rows
    source = resolve_input(str(data))
    estimate = needed_bytes(source, list(source.schema), 4)
    assert estimate > 768 * 2**20
    common = ["pipeline", "--engine", engine, "--spec", str(spec), "--input", str(data), "--repeats", "1",
              "--warmup", "0", "--memory-limit", limit]
    refused = cli(*common, "--output", str(tmp_path / "in-memory"))
    assert refused.returncode == 1, refused.stderr
    assert "this input needs about 818 MiB in memory" in _only_record(tmp_path / "in-memory")["error"]["message"]
    result = cli(*common, "--end-to-end", "--output", str(tmp_path / "end-to-end"))
    assert result.returncode == 0, result.stderr
    record = _only_record(tmp_path / "end-to-end")
    assert (record["status"], record["consistency"]["verdict"]) == ("ok", "ok")
    assert record["memory_limit"]["exceeded"] is False and record["dataset"]["rows"] == 100_000
    assert record["end_to_end"]["checked_outside_limit"] is True  # the read-back is prepbench's, not the engine's

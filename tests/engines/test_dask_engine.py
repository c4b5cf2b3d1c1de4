"""What is particular to the Dask engine; its values against the numpy reference on every operator, parameter and
pipeline are checked by tests/engines/test_conformance.py (with PREPBENCH_EXTRA_ENGINES=src.engines.dask until it is
registered). Here: a wrong --dask-address fails in seconds with one line, --cores sets the LocalCluster's workers,
stop() ends its processes, and every operator on a real scheduler with two workers on loopback (--dask-address,
where the workers read the input themselves)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

pytest.importorskip("dask_ml")

from src.bench.data.inputs import InputSource, resolve_input  # noqa: E402
from src.bench.errors import EXIT_USER_ERROR, UserError  # noqa: E402
from src.bench.run.facts import EngineOptions  # noqa: E402
from src.engines.dask.address import check_reachable  # noqa: E402
from src.engines.dask.engine import DaskEngine  # noqa: E402
from tests.engines import conformance as cf  # noqa: E402
from tests.engines import edge_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")


def _options(**given) -> EngineOptions:
    """Every option the engine reads, so these tests need no registry entry for it."""
    return EngineOptions(**{"cores": None, "dask_address": None, **given})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_closed_port_fails_in_seconds_with_one_line() -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as error:
        DaskEngine(_options(dask_address=f"tcp://127.0.0.1:{_free_port()}")).check_options()
    assert time.monotonic() - started < 5
    message = str(error.value)
    assert "\n" not in message and "cannot reach the Dask scheduler" in message and "refused" in message


def test_the_command_line_refuses_a_closed_port_with_one_line_before_loading(tmp_path) -> None:
    env = {**os.environ, "PREPBENCH_EXTRA_ENGINES": "src.engines.dask"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "src.bench.cli", "run", "--engine", "dask", "--operator", "StandardScaler", "--input",
         "data/sample.csv", "--output", str(tmp_path), "--dask-address", f"tcp://127.0.0.1:{_free_port()}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert time.monotonic() - started < 30
    assert result.returncode == EXIT_USER_ERROR
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("prepbench: error: cannot reach the Dask scheduler at tcp://127.0.0.1:")


@pytest.mark.parametrize(("greeting", "expected"), [(b"HTTP/1.1 400 Bad Request\r\n\r\n" + bytes(24),
                                                     "answers, but not as a Dask scheduler"),
                                                    (None, "does not answer as a Dask scheduler within 1 s")])
def test_a_port_that_is_not_a_scheduler_is_refused(greeting: bytes | None, expected: str) -> None:
    """Another service answers (an HTTP server), or one that accepts and stays silent."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        accepted = []

        def serve() -> None:
            conn, _ = server.accept()
            accepted.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with pytest.raises(UserError, match=expected) as error:
            check_reachable(f"127.0.0.1:{server.getsockname()[1]}", timeout_s=1.0)
        thread.join(5)
        for conn in accepted:
            conn.close()
    assert "\n" not in str(error.value)


def test_a_malformed_address_and_cores_with_an_address_are_refused() -> None:
    with pytest.raises(UserError, match="is not tcp://host:port"):
        DaskEngine(_options(dask_address="http://host:8786")).check_options()
    with pytest.raises(UserError, match="drop one of --cores and --dask-address"):
        DaskEngine(_options(cores=2, dask_address="tcp://127.0.0.1:8786")).check_options()


@pytest.mark.slow
def test_cores_sets_the_workers_and_stop_ends_their_processes() -> None:
    engine = DaskEngine(_options(cores=1))
    info = engine.start()
    try:
        assert info["mode"] == "local" and info["nodes"] == 1 and info["threads"] == 1
        pids = engine.resource_pids()
        assert len(pids) == 1 and pids[0] != os.getpid() and psutil.pid_exists(pids[0])
    finally:
        engine.stop()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pids):
        time.sleep(0.1)
    assert not _alive(pids)


@pytest.mark.slow
def test_under_a_memory_limit_the_workers_read_a_directory_of_parts_in_order(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = tmp_path / "parts.parquet"
    parts.mkdir()
    for i in range(5):  # more parts than the partitions wanted (2 per worker): under a limit Dask keeps them
        pq.write_table(pa.table({"num_0": np.arange(i * 100, (i + 1) * 100, dtype=np.float64)}),
                       parts / f"part-{i}.parquet")
    engine = DaskEngine(_options(cores=1))
    assert engine.limit_memory(2**30) == ("LocalCluster memory_limit 624 MiB per worker x 1, spilling to disk, never "
                                          "paused or restarted, partitions of a row group")
    engine.start()
    try:
        assert engine.cluster.workers[0].memory_manager.memory_limit == 624 * 2**20
        data = engine.load(resolve_input(str(parts)), ["num_0"])
        assert engine.count(data) == 500
        output = engine.materialize(data, ["num_0"])
        assert engine.collect(output, ["num_0"], None)["num_0"].tolist() == list(range(500))
    finally:
        engine.stop()


def test_end_to_end_under_a_limit_row_groups_stream_in_numbered_partitions(tmp_path: Path, monkeypatch) -> None:
    """The streamed frame's partitions are the row groups split by count, whatever columns a graph projects, so ROW
    and every column computed alone come from the same rows, in file order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    import src.engines.dask.load as load

    monkeypatch.setattr(load, "PARTITION_BYTES", 2_000)  # about 14 bytes a row decoded: slices of about 140 rows
    path = tmp_path / "t.parquet"
    table = pa.table({"num_0": np.arange(1000, dtype=np.float64), "cat_0": [f"c{i % 7}" for i in range(1000)]})
    pq.write_table(table, path, row_group_size=300)  # 300, 300, 300, 100
    frame = load.streamed_frame(resolve_input(str(path)), ["num_0", "cat_0"])
    whole = frame.compute()
    assert list(whole.columns) == ["num_0", "cat_0", load.ROW]
    assert whole[load.ROW].tolist() == list(range(1000)) and whole["num_0"].tolist() == list(range(1000))
    assert (frame["num_0"] * 2).compute().tolist() == [2.0 * i for i in range(1000)]
    pairs = frame[[load.ROW, "cat_0"]].compute()
    assert pairs["cat_0"].tolist() == [f"c{i % 7}" for i in pairs[load.ROW]]
    lengths = frame.map_partitions(len).compute().tolist()
    assert len(lengths) == 10 and lengths[:3] == lengths[3:6] == lengths[6:9] and lengths[-1] == 100
    assert sum(lengths[:3]) == 300 and max(lengths) < 300


def test_end_to_end_under_a_limit_a_pipeline_streams_and_matches_the_reference(tmp_path: Path) -> None:
    """The batch job under --memory-limit on the streamed frame: fits over lazy reads, written output consistent,
    and the record says the read only planned."""
    import json

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    rng = np.random.default_rng(0)
    pq.write_table(pa.table({"num_0": rng.normal(size=30_000), "cat_0": [f"c{i % 13}" for i in range(30_000)]}),
                   path, row_group_size=7_000)
    result = subprocess.run(
        [sys.executable, "-m", "src.bench.cli", "pipeline", "--engine", "dask", "--operators", "StandardScaler",
         "StringIndexer", "--input", str(path), "--end-to-end", "--memory-limit", "2GiB", "--repeats", "1",
         "--warmup", "0", "--output", str(tmp_path / "out")],
        cwd=ROOT, env={**os.environ, "PREPBENCH_EXTRA_ENGINES": "src.engines.dask"}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(f.read_text()) for f in (tmp_path / "out").glob("dask_*.json")]
    assert (record["status"], record["consistency"]["verdict"], record["dataset"]["rows"]) == ("ok", "ok", 30_000)
    assert record["end_to_end"]["fused"] == {"read": "fit and write", "transform": "write"}
    assert "in partitions of about 64 MiB" in record["memory_limit"]["engine_settings"]


def _alive(pids: list[int]) -> bool:
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            continue
    return False


# --- a real cluster on loopback ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scheduler(request) -> str:
    """`dask scheduler` and two one-thread `dask worker`s on 127.0.0.1, stopped by PID when the module ends."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)]

    def stop() -> None:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    request.addfinalizer(stop)
    deadline = time.monotonic() + 60
    while True:
        try:
            check_reachable(address, timeout_s=1.0)
            break
        except UserError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    for _ in range(2):
        processes.append(subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"],
                                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=120)
    return address


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[InputSource, InputSource]]:
    """The main edge-case pair: format (csv, parquet, parts) -> (train, test)."""
    paths = edge_data.write_train_test(tmp_path_factory.mktemp("dask"), *edge_data.main_pair())
    return {fmt: tuple(resolve_input(str(p)) for p in pair) for fmt, pair in paths.items()}


@pytest.fixture(scope="module")
def on_cluster(scheduler):
    engine = DaskEngine(_options(dask_address=scheduler))
    info = engine.start()
    yield engine, info
    engine.stop()


@pytest.mark.cluster
@pytest.mark.slow
def test_start_on_a_cluster_reports_its_workers_and_stop_leaves_it_running(scheduler, on_cluster) -> None:
    engine, info = on_cluster
    assert info["mode"] == "cluster" and info["nodes"] == 2 and info["threads"] == 2
    assert info["address"] == scheduler
    assert engine.resource_pids() == []  # the cluster's processes are not this run's


MAIN_SCHEMA = cf.schema_of(cf.DATASETS[0])
CLUSTER_CASES = {"parquet": [c for c in cf.DEFAULT_CASES if len(c.operators) == 1],
                 **{fmt: cf.format_cases(MAIN_SCHEMA) for fmt in ("parts", "csv")}}


@pytest.mark.cluster
@pytest.mark.slow
@pytest.mark.parametrize("fmt", CLUSTER_CASES)
def test_every_operator_on_a_cluster_matches_the_reference(on_cluster, files, fmt) -> None:
    """The workers read the input themselves: Parquet (a file, or parts with dictionary-encoded strings) with
    dd.read_parquet, CSV with prepbench's reader in a worker task. Every operator runs on the Parquet file; the
    other formats run the cases that read every column (conformance.format_cases)."""
    engine, _ = on_cluster
    data = tuple(engine.load(s, list(s.schema)) for s in files[fmt])
    cf.assert_cases_match_reference(engine, files[fmt], data, CLUSTER_CASES[fmt])

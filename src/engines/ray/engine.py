"""The Ray Data engine: operators on a Ray Dataset, on a local Ray or on a cluster (--ray-address).

Data flow: `load` materialises the input in the object store (blocks carry a ROW column, their position in the
input file); each step's fit runs Ray jobs (aggregates) and its transform adds lazy `map_batches` stages; the
timed action `materialize` executes them all and pins the output columns; `collect` picks rows by ROW and
converts to the canonical forms. Vector columns are sparse structs (see vectors.py).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from src.bench.data.inputs import InputSource
from src.bench.data.vectors import to_csr
from src.bench.errors import UserError
from src.bench.run.engine import ROW_COLUMN, Engine, EngineOptions
from src.bench.run.memory_limit import format_size

from .load import ROW, load_dataset, read_with_ray

DAEMON_BYTES = 600 * 2**20  # a local Ray's GCS, raylet and agents, resident (measured about 500 MiB here)
WORKER_BYTES = 400 * 2**20  # one worker process with pyarrow and pandas loaded, and its share of a block
LIMITED_BLOCK_BYTES = 32 * 2**20  # Ray Data's largest block under --memory-limit (its default: 128 MiB)


@dataclass
class Output:
    """One repetition's materialised outputs; `release` drops the only reference, so Ray frees the blocks."""

    dataset: ray.data.MaterializedDataset | None


class RayEngine(Engine):
    name = "ray"
    operators_package = "src.engines.ray.operators"
    fused_phases = {"transform": "write"}
    phase_note = ("read is Ray tasks reading the input (a Parquet row group each, with pyarrow, numbering its rows; a "
                  "CSV file with Ray's read_csv), which puts the blocks in the object store; transform only plans what "
                  "the write's tasks compute")

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self._owns_ray = False
        self._object_store: int | None = None
        self._limited_cpus: int | None = None

    def limit_memory(self, limit_bytes: int) -> str:
        """A local Ray's object store gets 30% of the limit (Ray's own default share of the machine's memory); it
        spills to disk beyond that, into the session's directory under /tmp/ray. Each worker process costs about
        WORKER_BYTES and the daemons (GCS, raylet, agents) about DAEMON_BYTES, so the CPUs (= workers) are capped
        by what is left; without --io-mode the workers read the input, not the driver; Ray Data's blocks are at most
        LIMITED_BLOCK_BYTES and the reader's blocks are kept (not combined into two per CPU). An existing cluster's
        memory is its own: only this driver is limited there."""
        if self.options.ray_address:
            return "none: an existing Ray cluster's memory is set by its own `ray start`"
        self._object_store = max(limit_bytes * 3 // 10, 80 * 2**20)
        room = (limit_bytes - self._object_store - DAEMON_BYTES) // WORKER_BYTES
        wanted = self.options.ray_num_cpus or self.options.cores or os.cpu_count() or 1
        self._limited_cpus = wanted if self.options.ray_num_cpus or self.options.cores else max(1, min(wanted, room))
        return (f"object_store_memory {format_size(self._object_store)} (spilling to /tmp/ray), num_cpus "
                f"{self._limited_cpus}, io-mode {self.io_mode}, blocks of at most {format_size(LIMITED_BLOCK_BYTES)}")

    def check_options(self) -> None:
        """The runtime_env and the cluster address, checked before the runner loads any data (init_ray checks
        again when it connects: a cluster may go away in between)."""
        from .runtime import check_address
        from .runtime_env import parse_runtime_env, read_runtime_env_arg

        opts = self.options
        if opts.ray_runtime_env_json:
            parse_runtime_env(read_runtime_env_arg(opts.ray_runtime_env_json), source="--ray-runtime-env-json")
        for flag, value in (("--ray-num-cpus", opts.ray_num_cpus), ("--cores", opts.cores)):
            if opts.ray_address and value:
                raise UserError(
                    f"{flag} sets the CPUs of a local Ray only; an existing cluster's CPUs come from its own "
                    f"`ray start --num-cpus`: drop one of {flag} and --ray-address"
                )
        if opts.cores and opts.ray_num_cpus and opts.cores != opts.ray_num_cpus:
            raise UserError(f"--cores {opts.cores} and --ray-num-cpus {opts.ray_num_cpus} ask for different CPU "
                            "counts; give one of them")
        check_address(opts.ray_address)

    def start(self) -> dict[str, Any]:
        from .runtime import init_ray
        from .runtime_env import read_runtime_env_arg

        opts = self.options
        env = read_runtime_env_arg(opts.ray_runtime_env_json) if opts.ray_runtime_env_json else None
        before = _node_id()
        info = init_ray(
            address=opts.ray_address, namespace=opts.ray_namespace, runtime_env_json=env,
            num_cpus=self._limited_cpus or opts.ray_num_cpus or opts.cores, object_store_memory=self._object_store
        )
        self._owns_ray = info.mode == "local" and _node_id() != before  # not when an existing Ray was reused
        shuffle = _configure_ray_data(LIMITED_BLOCK_BYTES if self._object_store else None)
        return {
            "version": info.ray_version,
            "mode": info.mode,
            "address": info.address,
            "namespace": info.namespace,
            "nodes": info.alive_nodes,
            "total_nodes": info.total_nodes,
            "node_ips": info.node_ips,
            "resources": info.resources,
            "runtime_env": info.runtime_env,
            "connect_seconds": info.connect_seconds,
            "runtime_env_setup_seconds": info.runtime_env_setup_seconds,
            "warnings": info.warnings,
            "io_mode": self.io_mode,
            "shuffle_strategy": shuffle,
        }

    @property
    def io_mode(self) -> str:
        """pandas (read on the driver) by default; engine (Ray's readers on the nodes) for a cluster or under
        --memory-limit."""
        return self.options.io_mode or ("engine" if self.options.ray_address or self._object_store else "pandas")

    def load(self, source: InputSource, columns: list[str]) -> ray.data.MaterializedDataset:
        return load_dataset(source, columns, self.io_mode, self._block_bytes)

    def read(self, source: InputSource, columns: list[str]) -> ray.data.Dataset:
        if self._block_bytes and source.format == "parquet":  # read_with_ray's lazy datasource
            self.fused_phases = {"read": "fit and write", "transform": "write"}
            self.phase_note = ("read only plans Ray Data's read tasks of the Parquet row groups, which every fit and "
                               "the write run again; transform only plans what the write's tasks compute")
        return read_with_ray(source, columns, self._block_bytes)

    @property
    def _block_bytes(self) -> int | None:
        return LIMITED_BLOCK_BYTES if self._object_store else None

    def write(self, data: ray.data.Dataset, kinds: dict[str, str], path: str) -> None:
        """`Dataset.write_parquet`: one file per block, written by the tasks that compute them."""
        data.select_columns([ROW, *kinds]).rename_columns({ROW: ROW_COLUMN}).write_parquet(path)

    def count(self, data: ray.data.Dataset) -> int:
        return data.count()

    def materialize(self, data: ray.data.Dataset, columns: list[str]) -> Output:
        return Output(data.select_columns([ROW, *columns]).materialize())

    def release(self, data: Output) -> None:
        data.dataset = None

    def collect(self, data: Output, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        ds = data.dataset.select_columns([ROW, *columns])
        if rows is not None:
            wanted = pa.array(rows, pa.int64())
            ds = ds.map_batches(
                lambda batch: batch.filter(pc.is_in(batch[ROW], value_set=wanted)),
                batch_format="pyarrow",
                batch_size=None,
            )
        table = _concat(ds).sort_by(ROW)
        expected = data.dataset.count() if rows is None else len(rows)
        if table.num_rows != expected:
            raise RuntimeError(f"Ray returned {table.num_rows} of the {expected} requested rows")
        return {c: _canonical(table.column(c)) for c in columns}

    def stop(self) -> None:
        if self._owns_ray:
            from .runtime import shutdown_ray

            shutdown_ray()
            self._owns_ray = False

    def finish_info(self) -> dict[str, Any]:
        """Nodes still alive, for the runner to compare with the count at start (a node lost mid-run)."""
        if not ray.is_initialized():
            return {}
        alive = [node for node in ray.nodes() if node.get("Alive")]
        return {"nodes": sum(_raylet_answers(node) for node in alive)}


def _raylet_answers(node: dict[str, Any]) -> bool:
    """Ray marks a dead node dead only after its health checks time out (~15-30 s), but a raylet that died
    refuses connections at once: so a node lost just before the end of a run is counted as lost too."""
    try:
        socket.create_connection((node["NodeManagerAddress"], node["NodeManagerPort"]), timeout=2.0).close()
    except OSError:
        return False
    return True


def _node_id() -> str | None:
    return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None


def _concat(ds: ray.data.Dataset) -> pa.Table:
    return pa.concat_tables(ds.iter_batches(batch_size=None, batch_format="pyarrow"))


def _canonical(column: pa.ChunkedArray) -> Any:
    """The form `Engine.collect` promises: CSR for vectors, lists for tokens and strings, float64 with NaN
    otherwise."""
    kind = column.type
    if pa.types.is_struct(kind):
        return to_csr(column)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_string(kind):
        return column.to_pylist()
    return column.cast(pa.float64()).to_numpy().astype(np.float64, copy=False)


def _configure_ray_data(max_block_bytes: int | None = None) -> str:
    """Ray Data settings for benchmarking; returns the shuffle strategy, which goes into the result.

    Global aggregates (the scaler, imputer and IDF fits) run as a shuffle. Ray 2.60's default strategy starts
    aggregator actors for each one: measured on a loaded 2-core machine, a 1M-row StandardScaler repetition took
    14-21 s with it and 0.7-1.2 s with the task-based sort shuffle, which computes the same aggregate.
    No progress bars (they cost time and flood logs); Ray Data's INFO lines only with --log-level DEBUG.
    """
    from ray.data.context import ShuffleStrategy

    context = ray.data.DataContext.get_current()
    context.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    context.enable_progress_bars = False
    if max_block_bytes:  # under --memory-limit: smaller blocks, so a task holds less at once
        context.target_max_block_size = max_block_bytes
    verbose = logging.getLogger("prepbench").isEnabledFor(logging.DEBUG)
    logging.getLogger("ray.data").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.INFO if verbose else logging.ERROR)
    return context.shuffle_strategy.value

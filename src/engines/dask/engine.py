"""The Dask engine: dask-ml's preprocessors, and Dask DataFrame primitives where dask-ml has none, on a
dask.distributed cluster: a LocalCluster of worker processes started here, or a running scheduler (--dask-address).

Data flow: `load` persists the input on the workers as a Dask DataFrame with a ROW column, its position in the input
file (load.py); each step's fit runs dask-ml's fit or one Dask aggregation over the persisted data and returns
plain numbers to this process, its transform adds lazy column expressions; the timed action `materialize`
persists every output column on the workers and waits for them; `collect` picks rows by ROW, sorts them into
input order and converts to the canonical forms. Tokens and vectors are Arrow-backed columns (columns.py).
"""

from __future__ import annotations

import logging
import os
import platform
from dataclasses import dataclass
from typing import Any

import dask
import dask.dataframe as dd
import dask_ml
import distributed
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client, LocalCluster, wait

from src.bench.data.inputs import InputSource
from src.bench.data.vectors import to_csr
from src.bench.errors import UserError
from src.bench.run.engine import ROW_COLUMN, Engine
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_limit import format_size

from .address import check_reachable, scheduler_url
from .columns import ROW, arrow
from .load import PARTITION_BYTES, load_frame, read_frame, streamed_frame

CONNECT_TIMEOUT = "10s"
CLIENT_BYTES = 400 * 2**20  # this process under --memory-limit: scheduler, nannies, client, pandas and pyarrow
MIN_WORKER_BYTES = 1 * 2**30  # a worker's share of the limit below which another worker is not started


@dataclass
class Output:
    """One repetition's persisted outputs; `release` drops the only reference, so the workers free them."""

    frame: dd.DataFrame | None


class DaskEngine(Engine):
    name = "dask"
    operators_package = "src.engines.dask.operators"
    fused_phases = {"transform": "write"}
    phase_note = ("read is the workers reading the input into their memory (Parquet with dd.read_parquet, CSV with "
                  "prepbench's reader in one worker task); transform only builds the graph the write computes")

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None
        self._worker_memory: int | None = None
        self._workers: int | None = None

    def limit_memory(self, limit_bytes: int) -> str:
        """Each worker of the LocalCluster gets an equal share of the limit after CLIENT_BYTES for this process
        (scheduler, nannies, client): Dask spills a worker's data to disk from 60-70% of its share and never
        pauses or restarts it (`start`). A worker holds ~500 MiB of its own besides its data (pandas, pyarrow, a
        partition being read and cast), so without --cores there are only as many workers as get MIN_WORKER_BYTES
        each. The workers read the input themselves, not this process, in the reader's partitions (a row group
        each); end to end they stream a local Parquet input instead of persisting it (load.streamed_frame). A
        running cluster's workers have their own limits: only this process is limited there."""
        if self.options.dask_address:
            return "none: a running Dask cluster's workers have their own --memory-limit"
        room = max((limit_bytes - CLIENT_BYTES) // MIN_WORKER_BYTES, 1)
        self._workers = self.options.cores or min(os.cpu_count() or 1, room)
        self._worker_memory = max((limit_bytes - CLIENT_BYTES) // self._workers, 128 * 2**20)
        streamed = (", end to end: a local Parquet input read again by every fit and the write, in partitions of "
                    f"about {format_size(PARTITION_BYTES)}") if self.end_to_end else ""
        return (f"LocalCluster memory_limit {format_size(self._worker_memory)} per worker x {self._workers}, "
                f"spilling to disk, never paused or restarted, partitions of a row group{streamed}")

    def check_options(self) -> None:
        address = self.options.dask_address
        if address and self.options.cores:
            raise UserError("--cores sets the workers of the LocalCluster prepbench starts; a running cluster's "
                            "workers come from its own `dask worker --nworkers/--nthreads`: drop one of --cores "
                            "and --dask-address")
        if address:
            check_reachable(address)

    def start(self) -> dict[str, Any]:
        address = self.options.dask_address
        _quiet_logs()
        if address:
            self.check_options()
            try:
                self.client = Client(scheduler_url(address), timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                raise UserError(f"cannot connect to the Dask scheduler at {scheduler_url(address)}: "
                                f"{str(exc).splitlines()[0]}") from None
        else:
            workers = self._workers or self.options.cores or os.cpu_count() or 1
            # under a limit a worker over its share is neither paused nor restarted: what it holds outside Dask's
            # accounting never frees, so a paused worker waited forever, and a restarted one lost the persisted
            # partitions and left the scheduler waiting. Dask still spills to disk from 60-70% of the share; beyond
            # the whole limit the cgroup (or the watchdog) stops the run, recorded `failed: memory limit`. (The
            # nannies keep this setting.)
            pause = {"distributed.worker.memory.pause": False,
                     "distributed.worker.memory.terminate": False} if self._worker_memory else {}
            with dask.config.set(pause):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.WARNING,
                                            memory_limit=self._worker_memory or "auto")
            self.client = Client(self.cluster)
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return {"version": dask.__version__, "dask_ml": dask_ml.__version__, "distributed": distributed.__version__,
                "mode": "cluster" if address else "local", "address": self.client.scheduler.address,
                "nodes": len(workers), "threads": sum(w["nthreads"] for w in workers.values()),
                "python": platform.python_version()}

    def load(self, source: InputSource, columns: list[str]) -> dd.DataFrame:
        # under --memory-limit the workers read the input, as on a cluster, instead of this process reading it all
        return load_frame(self.client, source, columns, on_cluster=self.cluster is None or bool(self._worker_memory),
                          keep_partitions=bool(self._worker_memory))

    def read(self, source: InputSource, columns: list[str]) -> dd.DataFrame:
        if self._worker_memory and source.format == "parquet" and source.is_local:
            self.fused_phases = {"read": "fit and write", "transform": "write"}
            self.phase_note = ("read only plans the workers' reads of the Parquet row groups, which every fit and "
                               "the write run again; transform only builds the graph the write computes")
            return streamed_frame(source, columns)  # under --memory-limit a batch job streams the files
        return read_frame(self.client, source, columns, keep_partitions=bool(self._worker_memory))

    def write(self, data: dd.DataFrame, kinds: dict[str, str], path: str) -> None:
        """`DataFrame.to_parquet` on the workers: one file per partition; Arrow-backed tokens and vectors as is."""
        data[[ROW, *kinds]].rename(columns={ROW: ROW_COLUMN}).to_parquet(path, write_index=False)

    def count(self, data: dd.DataFrame) -> int:
        return int(data.shape[0].compute())

    def materialize(self, data: dd.DataFrame, columns: list[str]) -> Output:
        frame = self.client.persist(data[[ROW, *columns]])
        wait(frame)
        return Output(frame)

    def release(self, data: Output) -> None:
        data.frame = None

    def collect(self, data: Output, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        frame = data.frame[[ROW, *columns]]
        if rows is not None:
            frame = frame[frame[ROW].isin(np.asarray(rows, dtype=np.int64))]
        if rows is None:  # the rows and the frame's length in one graph: one round trip to the scheduler
            table, expected = dask.compute(frame, data.frame.shape[0])
        else:
            table, expected = frame.compute(), len(rows)
        table = table.sort_values(ROW)
        if len(table) != expected:
            raise RuntimeError(f"Dask returned {len(table)} of the {expected} requested rows")
        return {c: _canonical(table[c]) for c in columns}

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def finish_info(self) -> dict[str, Any]:
        """Workers still connected, for the runner to compare with the count at start (a worker lost mid-run)."""
        if self.client is None:
            return {}
        return {"nodes": len(self.client.scheduler_info(n_workers=-1)["workers"])}

    def resource_pids(self) -> list[int]:
        """The worker processes of the LocalCluster started here (its scheduler and nannies run in this process);
        none for a running cluster, whose processes are not this run's."""
        if self.cluster is None:
            return []
        return sorted(self.client.run(os.getpid).values())


def _quiet_logs() -> None:
    """distributed logs every client, worker and nanny coming and going at INFO: shown with --log-level DEBUG only."""
    verbose = logging.getLogger("prepbench").isEnabledFor(logging.DEBUG)
    logging.getLogger("distributed").setLevel(logging.INFO if verbose else logging.WARNING)


def _canonical(column: pd.Series) -> Any:
    """The form `Engine.collect` promises: CSR for vectors, lists for tokens (None for a null document), float64
    with NaN otherwise."""
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_struct(column.dtype.pyarrow_dtype):
        return to_csr(arrow(column))
    if isinstance(column.dtype, pd.ArrowDtype):
        return arrow(column).to_pylist()
    return column.to_numpy(dtype=np.float64, na_value=np.nan)

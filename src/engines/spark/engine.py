"""The Spark MLlib engine: pyspark.ml.feature on a SparkSession, local[*] or a standalone cluster.

Spark is lazy: an operator's `fit` runs the jobs that learn its statistics, `transform` only adds columns to the
plan, and `materialize` is the one action of a repetition — a "noop" write of every output column, which
computes each column for each row and writes nothing. The loaded input is cached and counted beforehand, so no
repetition reads the file again.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyspark
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from src.bench.data.inputs import InputSource
from src.bench.errors import UserError
from src.bench.run.engine import Engine, EngineOptions
from src.bench.spec.plan import Step

from .load import ROW, load_cached, read_engine
from .names import spark_name, spark_step
from .session import (
    check_master_reachable,
    executor_count,
    get_spark,
    parse_master,
    parse_spark_conf,
    resolve_host,
    spark_info,
    stop_spark,
    wait_for_executors,
)
from .vectors import canonical

# pyspark warns on every session that it does not "fully support" pandas 3; every run here checks Spark's
# outputs against the numpy reference instead, and a mismatch is reported as inconsistent.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

MIN_DRIVER_HEAP = 512 * 2**20  # Spark needs 1.5 x its 300 MiB reserved memory (INVALID_DRIVER_MEMORY below)
EXECUTOR_WAIT_S = 60.0  # the first executor must register within this
EXECUTOR_SETTLE_S = 2.0  # then the count must stay unchanged this long (all workers have answered)


class SparkEngine(Engine):
    name = "spark"
    operators_package = "src.engines.spark.operators"
    fused_phases = {"transform": "write"}
    phase_note = ("read is Spark's reader plus the job that numbers the rows; nothing is cached, so every fit job and "
                  "the write job read the file again; transform only plans the columns the write job computes")

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self.spark = None
        self.mode = "local"
        self.io_mode = options.io_mode
        self.inputs: list[DataFrame] = []  # cached by load(); the first `_shared_inputs` serve every repetition
        self._shared_inputs = 1
        self._memory_conf: dict[str, str] = {}

    def limit_memory(self, limit_bytes: int) -> str:
        """The driver JVM (in local mode it also runs the tasks) gets half the limit as heap, set before it starts;
        the other half is for the JVM's off-heap memory and the Python driver (at least MIN_DRIVER_HEAP: below
        about 1 GiB the JVM alone may go over the limit). The cached input is
        MEMORY_AND_DISK (`DataFrame.cache`), so what the heap cannot hold spills to disk, and without --io-mode
        Spark reads the input itself instead of through Arrow on the Python driver. An explicit --spark-conf
        spark.driver.memory wins. On a standalone cluster only this machine's driver is limited."""
        heap = max(limit_bytes // 2, MIN_DRIVER_HEAP) // 2**20  # Spark refuses to start with a smaller heap
        self._memory_conf = {"spark.driver.memory": f"{heap}m"}
        master, conf = self._master_and_conf()
        return (f"spark.driver.memory {conf['spark.driver.memory']}, cache MEMORY_AND_DISK, io-mode "
                f"{self._chosen_io_mode()}")

    def check_options(self) -> None:
        """The checks get_spark makes before its JVM starts, made before the runner reads any data."""
        opts = self.options
        master, _ = self._master_and_conf()
        spec = parse_master(master)
        if opts.spark_driver_host is not None:
            resolve_host(opts.spark_driver_host.strip(), "--spark-driver-host")
        if spec.mode == "standalone":
            check_master_reachable(spec)

    def check_input(self, source: InputSource) -> None:
        """Spark's own reader (io-mode engine) needs a Hadoop filesystem for S3, and pyspark ships none: say so
        before the JVM starts instead of a ClassNotFoundException deep in the first job."""
        if source.scheme in ("s3", "s3a") and self._chosen_io_mode() == "engine":
            problem = _s3_reader_problem(source.scheme, parse_spark_conf(self.options.spark_conf))
            if problem:
                raise UserError(f"Spark cannot read {source.path} with its own reader: {problem}; "
                                "or use --io-mode pandas to read it on the driver")

    def start(self) -> dict[str, Any]:
        opts = self.options
        master, conf = self._master_and_conf()
        self.spark = get_spark(opts.app_name, master=master, config=conf, driver_host=opts.spark_driver_host)
        self.mode = parse_master(master).mode
        if self.mode == "standalone":
            _wait_for_executors(self.spark)
        self.io_mode = self._chosen_io_mode()
        info = spark_info(self.spark)
        jvm_system = self.spark.sparkContext._jvm.java.lang.System
        return {
            **info,
            "version": info["spark_version"],
            "nodes": max(info["executor_count"], 1),
            "java": f"{jvm_system.getProperty('java.version')} ({jvm_system.getProperty('java.vendor')})",
            "io_mode": self.io_mode,
        }

    def _master_and_conf(self) -> tuple[str | None, dict[str, str]]:
        """--spark-master and --spark-conf with --cores applied: local[N] when no master is given, and
        spark.cores.max (the cores the application takes across the cluster) on a standalone cluster."""
        opts = self.options
        conf = {**self._memory_conf, **parse_spark_conf(opts.spark_conf)}
        if opts.cores is None:
            return opts.spark_master, conf
        if opts.spark_master is None:
            return f"local[{opts.cores}]", conf
        spec = parse_master(opts.spark_master)
        given = spec.local_cores if spec.mode == "local" else int(conf.get("spark.cores.max", opts.cores))
        if given != opts.cores:
            source = f"--spark-master {opts.spark_master}" if spec.mode == "local" else "spark.cores.max"
            raise UserError(f"--cores {opts.cores} and {source} ask for different core counts; give one of them")
        return opts.spark_master, conf if spec.mode == "local" else {**conf, "spark.cores.max": str(opts.cores)}

    def _chosen_io_mode(self) -> str:
        """--io-mode, or Spark's own reader on a standalone cluster or under --memory-limit, and Arrow on the
        driver in local mode."""
        standalone = parse_master(self.options.spark_master).mode == "standalone"
        return self.options.io_mode or ("engine" if standalone or self._memory_conf else "pandas")

    def load(self, source: InputSource, columns: list[str]) -> DataFrame:
        df = load_cached(self.spark, source, columns, self.io_mode)
        self.inputs.append(df)
        return df

    def read(self, source: InputSource, columns: list[str]) -> DataFrame:
        return read_engine(self.spark, source, columns)

    def write(self, data: DataFrame, kinds: dict[str, str], path: str) -> None:
        """`DataFrame.write.parquet`: one file per partition; vectors keep Spark's own struct, the shared layout's
        fields plus its `type` (0 = sparse), which the shared layout's readers take by field name."""
        data.select(ROW, *(F.col(spark_name(c)).alias(c) for c in kinds)).write.parquet(path)

    def count(self, data: DataFrame) -> int:
        return data.count()  # the input is cached, so this reads memory, not the file

    def fit(self, step: Step, data: DataFrame) -> Any:
        return super().fit(spark_step(step), data)

    def transform(self, step: Step, state: Any, data: DataFrame) -> DataFrame:
        return super().transform(spark_step(step), state, data)

    def materialize(self, data: DataFrame, columns: list[str]) -> DataFrame:
        data.select(*map(spark_name, columns)).write.format("noop").mode("overwrite").save()
        return data

    def collect(self, data: DataFrame, columns: list[str], rows: np.ndarray | None) -> dict[str, Any]:
        """The rows (by a broadcast join with their numbers, not a Python loop) in input order, canonical. Arrow
        sorts them on the driver, which holds them all anyway: Spark's orderBy would add a sampling job and a
        shuffle."""
        picked = data.select(ROW, *map(spark_name, columns))
        if rows is not None:
            wanted = self.spark.createDataFrame(pa.table({ROW: pa.array(rows, pa.int64())}))
            picked = picked.join(F.broadcast(wanted), ROW)
        table = picked.toArrow().sort_by(ROW)
        return {c: canonical(table.column(spark_name(c))) for c in columns}

    def keep_loaded(self) -> None:
        self._shared_inputs = len(self.inputs)

    def release(self, data: DataFrame) -> None:
        """Unpersist the inputs loaded inside repetitions (--include-io); the shared ones stay cached."""
        for df in self.inputs[self._shared_inputs:]:
            df.unpersist()
        del self.inputs[self._shared_inputs:]

    def stop(self) -> None:
        """Stop the session, which also frees the cached input."""
        stop_spark()

    def finish_info(self) -> dict[str, Any]:
        """Executors still registered (standalone), for the runner to compare with the count at start."""
        if self.spark is None or self.mode != "standalone":
            return {}
        return {"nodes": executor_count(self.spark)}

    def resource_pids(self) -> list[int]:
        """Standalone workers on this machine (their executors are their children); none in local mode.

        In local mode the driver JVM is already our child. A standalone worker is found only by its exact master
        URL on its command line, so no other cluster's processes are counted.
        """
        if self.mode != "standalone":
            return []
        return _local_worker_pids(self.spark.sparkContext.master)


def _wait_for_executors(spark) -> None:
    """Wait until executors stop registering, so executor start-up is not inside the timed repetitions."""
    count = wait_for_executors(spark, 1, timeout_s=EXECUTOR_WAIT_S)
    stable_since = time.monotonic()
    while time.monotonic() - stable_since < EXECUTOR_SETTLE_S:
        time.sleep(0.2)
        now = executor_count(spark)
        if now != count:
            count, stable_since = now, time.monotonic()


def _s3_reader_problem(scheme: str, conf: dict[str, str]) -> str | None:
    """Why Spark's reader cannot open s3:// or s3a:// with this configuration, or None when it can."""
    if scheme == "s3" and "spark.hadoop.fs.s3.impl" not in conf:
        return "Hadoop has no filesystem for s3://; use an s3a:// URI with the hadoop-aws jar"
    jars_dir = Path(pyspark.__file__).parent / "jars"
    given = " ".join(conf.get(k, "") for k in ("spark.jars", "spark.jars.packages", "spark.driver.extraClassPath"))
    if "hadoop-aws" in given or any(jars_dir.glob("hadoop-aws-*.jar")):
        return None
    client = next(iter(sorted(jars_dir.glob("hadoop-client-api-*.jar"))), None)
    version = client.stem.removeprefix("hadoop-client-api-") if client else "<Hadoop version>"
    return (f"the hadoop-aws jar (org.apache.hadoop.fs.s3a.S3AFileSystem) is not on Spark's classpath; add "
            f"--spark-conf spark.jars.packages=org.apache.hadoop:hadoop-aws:{version}")


def _local_worker_pids(master_url: str) -> list[int]:
    import psutil

    pids = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "org.apache.spark.deploy.worker.Worker" in cmdline and master_url in cmdline:
            pids.append(proc.pid)
    return pids

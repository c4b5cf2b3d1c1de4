"""Read the input into a cached Spark DataFrame that carries each row's position in the input file.

Spark reorders rows (repartitioning, joins), but `Engine.collect` must return rows in input order, so every
loaded row gets a 0-based row number (`ROW`) before the data is spread over the cluster.

Two ways in, as the user chooses with --io-mode:
- "pandas": the core reads the file on the driver with Arrow (`read_arrow_table`), exactly as the numpy engine
  does, and Spark receives the table in pieces that its tasks load in parallel: on a local master, a temporary
  Parquet file (one row group per piece) that Spark's reader splits over the cores; on a cluster, whose
  executors do not see the driver's disk, Arrow slices of at most about 1 MB each, one `createDataFrame` each,
  united. (One `createDataFrame` of the whole table is a LocalRelation that Spark ships to the executors in a
  single task: 9 MB for 200,000 rows of 8 numbers, seconds of serialisation on one core and a warning.)
Columns get Spark-safe names on the way in (names.py).
- "engine": Spark's own reader on the executors, with the column types given explicitly from the input's schema
  (CSV: a full StructType, so there is no inferSchema pass; Parquet: the footer's schema, cast to the same types).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from contextlib import ExitStack

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark import SparkFiles
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from src.bench.data.inputs import InputSource, read_arrow_table
from src.bench.run.engine import ROW_COLUMN
from src.bench.spec.operators import INTEGER, NUMERIC, STRING

from .names import quoted, spark_name

ROW = ROW_COLUMN
PARTITIONS_PER_CORE = 2
SLICE_BYTES = 1 << 20  # on a cluster, the Arrow bytes per createDataFrame (Spark warns of tasks over 1000 KiB)
CSV_NULL = "\x00prepbench-null\x00"  # Spark's nullValue for CSV: what an unquoted empty field reads as, then null
_ID_BITS = 33  # monotonically_increasing_id() = partition index << 33 | position within the partition


def spark_type(kind: str):
    return DoubleType() if kind in (NUMERIC, INTEGER) else StringType()


def load_cached(spark: SparkSession, source: InputSource, columns: list[str], io_mode: str) -> DataFrame:
    """The columns plus ROW, spread over a multiple of the cores, cached and counted (so nothing is read later)."""
    partitions = PARTITIONS_PER_CORE * spark.sparkContext.defaultParallelism
    with ExitStack() as temporary:  # a pandas-mode temporary file lives until the cache holds the rows
        if io_mode == "pandas":
            df = read_pandas(spark, source, columns, partitions, temporary)
        else:
            df = read_engine(spark, source, columns)
        cached = df.repartition(partitions).cache()
        cached.count()
    # The cache (memory and disk) and the repartition's shuffle files now hold every row: Spark does not go back
    # to the temporary file, which is gone.
    return cached


def read_pandas(spark: SparkSession, source: InputSource, columns: list[str], pieces: int,
                temporary: ExitStack) -> DataFrame:
    """Arrow on the driver (the same reader as the numpy engine), row numbers added before Spark sees it, handed
    to Spark in pieces that its tasks load in parallel; `temporary` removes what this leaves on disk."""
    table = read_arrow_table(source, columns)
    table = table.rename_columns([spark_name(c) for c in columns])
    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    if spark.sparkContext.master.startswith("local"):
        return _via_parquet(spark, table, pieces, temporary)
    return _in_slices(spark, table, pieces)


def _via_parquet(spark: SparkSession, table: pa.Table, pieces: int, temporary: ExitStack) -> DataFrame:
    """A local master shares the driver's disk: write the table as Parquet with `pieces` row groups and let Spark's
    reader split it over the cores (each task reads its row groups; no rows travel inside a task)."""
    # Under the driver's Spark scratch directory, which the JVM also deletes when it exits: the file goes even if
    # this process is killed mid-load (the JVM exits when its Python driver dies).
    directory = tempfile.mkdtemp(prefix="prepbench-load-", dir=SparkFiles.getRootDirectory())
    temporary.callback(shutil.rmtree, directory, ignore_errors=True)
    path = f"{directory}/input.parquet"
    # Read once, right away, from the local disk: plain and uncompressed, no statistics, is the fastest to write.
    pq.write_table(table, path, row_group_size=max(1, math.ceil(table.num_rows / pieces)), compression="none",
                   use_dictionary=False, write_statistics=False)
    # The schema given (Spark's types of the Arrow table, as createDataFrame would choose), so that Spark plans the
    # read without opening the file on the driver.
    return spark.read.schema(from_arrow_schema(table.schema)).parquet(path)


def _in_slices(spark: SparkSession, table: pa.Table, pieces: int) -> DataFrame:
    """Executors elsewhere: slices of the table of at most about SLICE_BYTES (and at least `pieces` of them, when
    there are rows enough), each its own createDataFrame (one task each), united."""
    count = max(pieces, math.ceil(table.nbytes / SLICE_BYTES))
    step = max(1, math.ceil(table.num_rows / count))
    frames = [spark.createDataFrame(table.slice(start, step)) for start in range(0, table.num_rows, step)]
    if not frames:  # no rows: the schema alone
        return spark.createDataFrame(table)
    df = frames[0]
    for frame in frames[1:]:
        df = df.union(frame)
    return df


def read_engine(spark: SparkSession, source: InputSource, columns: list[str]) -> DataFrame:
    """Spark's reader with explicit types, then row numbers in file order."""
    if source.format == "csv":
        schema = StructType([StructField(spark_name(c), spark_type(k)) for c, k in source.schema.items()])
        # Like the core's reader (csv_options): an unquoted empty field is null, "" the empty string, and quoted
        # line breaks stay in their field (multiLine: Spark then reads each CSV file in one task). Spark turns
        # every field equal to nullValue into null, the "" of a quoted empty field too when nullValue is "" (its
        # default): an unquoted empty field is given a sentinel nullValue instead, which only it becomes.
        multi_line = any(source.schema[c] == STRING for c in columns)
        df = spark.read.csv(source.uri, schema=schema, header=True, multiLine=multi_line, nullValue=CSV_NULL,
                            emptyValue="")
        df = df.select([spark_name(c) for c in columns])
    else:
        df = spark.read.parquet(source.uri).select(
            [F.col(quoted(c)).cast(spark_type(source.schema[c])).alias(spark_name(c)) for c in columns])
    return with_row_numbers(spark, df)


def with_row_numbers(spark: SparkSession, df: DataFrame) -> DataFrame:
    """Add ROW = position in the input (files by name, then file order) with one counting pass, no single-task sort.

    Spark may put the splits of several files into one partition, in an order of its own, so a row's position
    comes from the rows before it in its file and in the files sorted before it (the order pyarrow reads a
    directory in): count rows per (file, partition), then add each group's offset via a small broadcast join.
    """
    keyed = df.withColumns({"_file": F.input_file_name(), "_id": F.monotonically_increasing_id()})
    keyed = keyed.withColumn("_part", F.shiftright("_id", _ID_BITS))
    groups = keyed.groupBy("_file", "_part").agg(F.count("*").alias("n"), F.min("_id").alias("first")).collect()
    groups.sort(key=lambda g: (g["_file"], g["_part"]))
    offsets = np.concatenate([[0], np.cumsum([g["n"] for g in groups])[:-1]]).astype(np.int64)
    bases = spark.createDataFrame(
        [(g["_file"], g["_part"], int(off) - g["first"]) for g, off in zip(groups, offsets)],
        StructType([StructField("_file", StringType()), StructField("_part", LongType()),
                     StructField("_base", LongType())]),
    )
    joined = keyed.join(F.broadcast(bases), ["_file", "_part"])
    return joined.select(*df.columns, (F.col("_id") + F.col("_base")).alias(ROW))

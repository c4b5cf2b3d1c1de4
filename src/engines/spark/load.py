"""Read the input into a cached Spark DataFrame that carries each row's position in the input file.

Spark reorders rows (repartitioning, joins), but `Engine.collect` must return rows in input order, so every
loaded row gets a 0-based row number (`ROW`) before the data is spread over the cluster.

Two ways in, as the user chooses with --io-mode:
- "pandas": the core reads the file on the driver with Arrow (`read_arrow_table`), exactly as the numpy engine
  does, and Spark receives the table with `createDataFrame`;
- "engine": Spark's own reader on the executors, with the column types given explicitly from the input's schema
  (CSV: a full StructType, so there is no inferSchema pass; Parquet: the footer's schema, cast to the same types).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from src.bench.data.inputs import InputSource, read_arrow_table
from src.bench.spec.operators import NUMERIC

ROW = "_prepbench_row"
PARTITIONS_PER_CORE = 2
_ID_BITS = 33  # monotonically_increasing_id() = partition index << 33 | position within the partition


def spark_type(kind: str):
    return DoubleType() if kind == NUMERIC else StringType()


def load_cached(spark: SparkSession, source: InputSource, columns: list[str], io_mode: str) -> DataFrame:
    """The columns plus ROW, spread over a multiple of the cores, cached and counted (so nothing is read later)."""
    df = read_pandas(spark, source, columns) if io_mode == "pandas" else read_engine(spark, source, columns)
    partitions = PARTITIONS_PER_CORE * spark.sparkContext.defaultParallelism
    cached = df.repartition(partitions).cache()
    cached.count()
    return cached


def read_pandas(spark: SparkSession, source: InputSource, columns: list[str]) -> DataFrame:
    """Arrow on the driver (the same reader as the numpy engine), row numbers added before Spark sees it."""
    table = read_arrow_table(source, columns)
    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    return spark.createDataFrame(table)


def read_engine(spark: SparkSession, source: InputSource, columns: list[str]) -> DataFrame:
    """Spark's reader with explicit types, then row numbers in file order."""
    if source.format == "csv":
        schema = StructType([StructField(c, spark_type(k)) for c, k in source.schema.items()])
        df = spark.read.csv(source.uri, schema=schema, header=True)
        # The core reads an empty CSV field of a string column as "", Spark as null: follow the core.
        df = df.select([F.coalesce(c, F.lit("")).alias(c) if source.schema[c] != NUMERIC else F.col(c)
                        for c in columns])
    else:
        df = spark.read.parquet(source.uri).select([F.col(c).cast(spark_type(source.schema[c])) for c in columns])
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

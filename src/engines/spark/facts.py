"""The Spark engine as the registry sees it: its command-line options, and when it runs on other machines."""

from src.bench.run.facts import CORES, IO_MODE, EngineFacts, EngineOption, EngineOptions


def _on_cluster(options: EngineOptions) -> bool:
    return bool(options.spark_master) and not options.spark_master.startswith("local")


FACTS = EngineFacts(
    name="spark",
    description="Spark MLlib",
    engine_class="SparkEngine",
    distribution="pyspark",
    import_name="pyspark",
    extra="spark",
    colour="#d62728",
    options=(
        CORES,
        IO_MODE,
        EngineOption("--spark-master", "Spark master URL, e.g. spark://host:7077 or local[1] (default local[*])"),
        EngineOption("--spark-driver-host", "address executors use to reach this driver (cluster mode)"),
        EngineOption("--spark-conf", "extra Spark configuration; repeatable", metavar="KEY=VALUE", repeatable=True),
    ),
    remote=_on_cluster,
    runs_on_java=True,
)

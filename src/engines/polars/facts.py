"""The Polars engine as the registry sees it: one process on Polars' own thread pool (--cores sizes it), and
--polars-engine to run every query on Polars' streaming engine."""

from src.bench.run.facts import CORES, EngineFacts, EngineOption

POLARS_ENGINE = EngineOption(
    "--polars-engine",
    "the engine Polars runs every query on (fits and the timed collect): auto, Polars' own choice per query (its "
    "default; 1.9x faster than in-memory on the Tokenizer at 1e6 rows, measured), in-memory, or streaming, which "
    "runs the plan batch by batch (default: auto)",
    default="auto",
    choices=("auto", "in-memory", "streaming"),
)

FACTS = EngineFacts(
    name="polars",
    description="Polars lazy expressions",
    engine_class="PolarsEngine",
    distribution="polars",
    import_name="polars",
    extra="polars",
    colour="#9467bd",
    options=(CORES, POLARS_ENGINE),
)

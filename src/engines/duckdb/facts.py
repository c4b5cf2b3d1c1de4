"""The DuckDB engine as the registry sees it: one in-process database on --cores threads, and the settings that let
it work out of core (a memory limit, and the directory it spills to beyond it)."""

from src.bench.run.facts import CORES, EngineFacts, EngineOption

FACTS = EngineFacts(
    name="duckdb",
    description="DuckDB SQL (in-process)",
    engine_class="DuckdbEngine",
    distribution="duckdb",
    import_name="duckdb",
    extra="duckdb",
    colour="#bcbd22",
    options=(
        CORES,
        EngineOption("--duckdb-memory-limit", "DuckDB's memory limit, e.g. 4GB (default: DuckDB's own, 80 percent "
                     "of the RAM); beyond it DuckDB spills to its temp directory", metavar="SIZE"),
        EngineOption("--duckdb-temp-dir", "the directory DuckDB spills to (default: DuckDB's own, .tmp in the "
                     "working directory)", metavar="DIR"),
    ),
)

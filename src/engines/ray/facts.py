"""The Ray engine as the registry sees it: its command-line options (the user's guide spells --ray-address,
--ray-namespace and --ray-runtime-env-json), when it runs on other machines, and its cluster check."""

from src.bench.run.facts import CORES, IO_MODE, EngineFacts, EngineOption, EngineOptions, positive_int


def _on_cluster(options: EngineOptions) -> bool:
    return bool(options.ray_address)


FACTS = EngineFacts(
    name="ray",
    description="Ray Data preprocessors",
    engine_class="RayEngine",
    distribution="ray",
    import_name="ray",
    extra="ray",
    colour="#2ca02c",
    options=(
        CORES,
        IO_MODE,
        EngineOption("--ray-address",
                     "Ray cluster to connect to: host:port, ray://host:10001 or auto (default: start a local Ray)"),
        EngineOption("--ray-namespace", "Ray namespace (default: benchmark)", default="benchmark"),
        EngineOption("--ray-num-cpus",
                     "CPUs of the local Ray that prepbench starts (default: all cores), e.g. 1 to measure one core",
                     type=positive_int, metavar="N"),
        EngineOption("--ray-runtime-env-json", "Ray runtime_env as JSON text or @file.json (see "
                     "docs/ray_runtime_env.md)", metavar="JSON|@FILE", file_prefix=True),
    ),
    remote=_on_cluster,
    cluster_check="src.engines.ray.cluster_check:check_from_options",
)

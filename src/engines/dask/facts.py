"""The Dask engine as the registry sees it: a LocalCluster of worker processes (--cores of them) by default, or
the scheduler of a running cluster (--dask-address), which sends the work to other machines."""

from src.bench.run.facts import CORES, EngineFacts, EngineOption, EngineOptions


def _on_cluster(options: EngineOptions) -> bool:
    return bool(options.dask_address)


FACTS = EngineFacts(
    name="dask",
    description="dask-ml on dask.distributed",
    engine_class="DaskEngine",
    distribution="dask",
    import_name="dask",
    extra="dask",
    colour="#17becf",
    options=(
        CORES,
        EngineOption("--dask-address", "tcp://host:8786 of a running scheduler (default: a LocalCluster of worker "
                     "processes on this machine)", metavar="ADDRESS"),
    ),
    remote=_on_cluster,
)

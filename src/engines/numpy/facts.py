"""The numpy engine as the registry sees it: the canonical semantics, one process; --cores caps its threads."""

from src.bench.run.facts import CORES, EngineFacts

FACTS = EngineFacts(
    name="numpy",
    description="canonical semantics, numpy",
    engine_class="NumpyEngine",
    distribution="numpy",
    import_name="numpy",
    colour="#1f77b4",
    options=(CORES,),
)

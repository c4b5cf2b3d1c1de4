"""The scikit-learn engine as the registry sees it: one process; --cores caps its threads."""

from src.bench.run.facts import CORES, EngineFacts

FACTS = EngineFacts(
    name="sklearn",
    description="scikit-learn",
    engine_class="SklearnEngine",
    distribution="scikit-learn",
    import_name="sklearn",
    colour="#ff7f0e",
    options=(CORES,),
)

"""The numpy engine as the registry sees it: the canonical semantics, one process, no options."""

from src.bench.run.facts import EngineFacts

FACTS = EngineFacts(
    name="numpy",
    description="canonical semantics, numpy",
    engine_class="NumpyEngine",
    distribution="numpy",
    import_name="numpy",
    colour="#1f77b4",
)

"""Variants of an operator on an engine: `stock` and `tuned`.

`stock` is the engine's own operator library (pyspark.ml.feature, ray.data.preprocessors, ...), in
`src/engines/<engine>/operators/`. `tuned` is the fastest correct implementation a strong engineer writes from
the engine's core primitives (Spark SQL column expressions, Ray `map_batches` over Arrow batches, ...), in
`src/engines/<engine>/tuned/`, beside the stock one: the engine's floor for that operator. An engine whose stock
modules are already hand-written from its core primitives (Dask, Polars, DuckDB) has no tuned modules: its stock
implementation is its floor. `--variant tuned` runs each step's tuned module where the engine has one and the
stock one elsewhere, and every record says which variant each step ran. Only the standard library is imported
here: `list` reads these facts and must answer at once.
"""

from __future__ import annotations

import importlib.util

from src.bench.spec.operators import module_name

STOCK = "stock"
TUNED = "tuned"
ALL = "all"
CHOICES = (STOCK, TUNED, ALL)  # what --variant takes


def tuned_module(engine_package: str, operator: str) -> str:
    """The module of an operator's tuned variant in an engine package (which may not exist)."""
    return f"{engine_package}.{TUNED}.{module_name(operator)}"


def has_tuned(engine_package: str, operator: str) -> bool:
    """Whether the engine has a tuned variant of the operator, found without importing the engine's library."""
    try:
        return importlib.util.find_spec(tuned_module(engine_package, operator)) is not None
    except ModuleNotFoundError:  # the engine has no tuned package at all
        return False


def engine_variants(engine: str, operators: list[str]) -> list[str]:
    """The variants an engine can run a pipeline in: stock, and tuned when some step has a tuned module."""
    from src.bench.registry import facts

    package = facts(engine).package
    return [STOCK, TUNED] if any(has_tuned(package, op) for op in operators) else [STOCK]


def chosen_variants(engine: str, operators: list[str], choice: str) -> list[str]:
    """The variants `--variant choice` runs on an engine: `all` every one it has; `tuned` its floor (tuned where
    it has tuned modules, else stock); `stock` the operator library."""
    available = engine_variants(engine, operators)
    return available if choice == ALL else [available[-1]] if choice == TUNED else [STOCK]

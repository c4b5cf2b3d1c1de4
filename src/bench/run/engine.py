"""The Engine interface every backend implements (the registry of engines is src/bench/registry.py).

An engine starts (session, cluster connection), loads and caches the input, then runs steps: fit and transform
are lazy where the engine is lazy, and `materialize` is the one action that computes every output column.
Each operator lives in `src/engines/<engine>/operators/<operator>.py` with `IMPLEMENTATION` (native,
native+adapter or custom), `fit(data, step)` for stateful operators and `transform(data, state, step)`; its
tuned variant, when the engine has one, in `src/engines/<engine>/tuned/<operator>.py` (src/bench/run/variants.py).

`collect` returns outputs in the canonical forms the consistency check compares:
numeric -> float64 ndarray (NaN for null); index -> float64 ndarray of integers (NaN for null);
tokens -> list of lists of str; vector -> scipy.sparse.csr_matrix (float64, one row per input row).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from src.bench.data.inputs import InputSource
from src.bench.errors import UserError
from src.bench.run.facts import EngineOptions
from src.bench.run.variants import STOCK, TUNED, has_tuned, tuned_module
from src.bench.spec.operators import module_name
from src.bench.spec.plan import Step


class Engine(ABC):
    """One backend. Subclasses set `name` and `operators_package` and implement the data methods."""

    name: ClassVar[str]
    operators_package: ClassVar[str]
    variant: str = STOCK  # TUNED: `operator` loads an operator's tuned module where the engine has one

    def __init__(self, options: EngineOptions) -> None:
        self.options = options

    def check_options(self) -> None:
        """Check the engine's options without starting it (syntax, files, cluster reachability): the runner
        calls this before it loads any data, so a mistake is one line in seconds. Engines with options override."""

    def check_input(self, source: InputSource) -> None:
        """Refuse, before the engine starts, an input this engine cannot read as configured (e.g. a storage
        scheme its own reader has no client for), with a UserError that names the fix."""

    @abstractmethod
    def start(self) -> dict[str, Any]:
        """Start or connect; return engine facts for the result (version, mode, master/address, nodes...)."""

    @abstractmethod
    def load(self, source: InputSource, columns: list[str]) -> Any:
        """Read the columns and cache them, so that no timed repetition reads the file again."""

    @abstractmethod
    def count(self, data: Any) -> int:
        """The number of rows."""

    @abstractmethod
    def materialize(self, data: Any, columns: list[str]) -> Any:
        """The timed action: compute every listed output column for every row."""

    @abstractmethod
    def collect(self, data: Any, columns: list[str], rows: Any) -> dict[str, Any]:
        """The given rows (sorted row numbers, or None for all) of the columns, in canonical form."""

    def keep_loaded(self) -> None:
        """The inputs loaded so far (the input, and the fit input when it differs) serve every repetition:
        `release` must not free them. Called once, after the up-front loads."""

    def release(self, data: Any) -> None:
        """Free what `materialize` cached, so repetitions do not pile up memory."""

    def stop(self) -> None:
        """Stop what `start` started."""

    def finish_info(self) -> dict[str, Any]:
        """Engine facts at the end of the run that may differ from `start` (e.g. "nodes" still alive), so the
        runner can note a node or executor lost mid-run. Called before `stop`; engines without a cluster skip it."""
        return {}

    def resource_pids(self) -> list[int]:
        """Processes outside this process's tree that do the engine's work (e.g. local cluster daemons)."""
        return []

    def variant_of(self, name: str) -> str:
        """The variant `operator` loads for this operator."""
        return TUNED if self.variant == TUNED and has_tuned(self._package(), name) else STOCK

    def _package(self) -> str:
        """The engine's package, which holds engine.py and the `tuned` package."""
        return type(self).__module__.rpartition(".")[0]

    def operator(self, name: str):
        if self.variant_of(name) == TUNED:
            return importlib.import_module(tuned_module(self._package(), name))
        module = module_name(name)
        try:
            return importlib.import_module(f"{self.operators_package}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.operators_package}.{module}":
                raise
            raise UserError(f"the {self.name} engine has no implementation of {name} yet") from None

    def implementation(self, name: str, step: Step | None = None) -> str:
        """The operator's label; a module whose label depends on the step (parameters, input kind) defines
        `label(step)`, and `IMPLEMENTATION` is then the label of the default parameters."""
        module = self.operator(name)
        if step is not None and hasattr(module, "label"):
            return module.label(step)
        return module.IMPLEMENTATION

    def fit(self, step: Step, data: Any) -> Any:
        return self.operator(step.name).fit(data, step)

    def transform(self, step: Step, state: Any, data: Any) -> Any:
        return self.operator(step.name).transform(data, state, step)


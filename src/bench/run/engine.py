"""The Engine interface every backend implements, and the registry of engines.

An engine starts (session, cluster connection), loads and caches the input, then runs steps: fit and transform
are lazy where the engine is lazy, and `materialize` is the one action that computes every output column.
Each operator lives in `src/engines/<engine>/operators/<operator>.py` with `IMPLEMENTATION` (native,
native+adapter or custom), `fit(data, step)` for stateful operators and `transform(data, state, step)`.

`collect` returns outputs in the canonical forms the consistency check compares:
numeric -> float64 ndarray (NaN for null); index -> float64 ndarray of integers (NaN for null);
tokens -> list of lists of str; vector -> scipy.sparse.csr_matrix (float64, one row per input row).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from src.bench.data.inputs import InputSource
from src.bench.errors import UserError
from src.bench.spec.plan import Step


@dataclass
class EngineOptions:
    """Engine settings from the command line; each engine reads the ones that concern it."""

    io_mode: str | None = None  # "pandas" | "engine" | None (auto)
    spark_master: str | None = None
    spark_driver_host: str | None = None
    spark_conf: list[str] = field(default_factory=list)  # KEY=VALUE items, parsed by the Spark engine
    ray_address: str | None = None
    ray_namespace: str = "benchmark"
    ray_num_cpus: int | None = None  # local Ray only
    ray_runtime_env_json: str | None = None  # JSON text or @file.json, validated by the Ray engine
    app_name: str = "prepbench"


class Engine(ABC):
    """One backend. Subclasses set `name` and `operators_package` and implement the data methods."""

    name: ClassVar[str]
    operators_package: ClassVar[str]

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

    def operator(self, name: str):
        module = _snake(name)
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


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@dataclass(frozen=True)
class EngineEntry:
    name: str
    module: str
    cls: str
    distribution: str  # the package whose version is reported
    extra: str  # pip extra that installs it
    description: str


ENGINES: dict[str, EngineEntry] = {
    e.name: e
    for e in (
        EngineEntry("numpy", "src.engines.numpy.engine", "NumpyEngine", "numpy", "", "canonical semantics, numpy"),
        EngineEntry("sklearn", "src.engines.sklearn.engine", "SklearnEngine", "scikit-learn", "", "scikit-learn"),
        EngineEntry("spark", "src.engines.spark.engine", "SparkEngine", "pyspark", "spark", "Spark MLlib"),
        EngineEntry("ray", "src.engines.ray.engine", "RayEngine", "ray", "ray", "Ray Data preprocessors"),
    )
}


def engine_version(name: str) -> str | None:
    """Installed version of the engine's package, without importing it (fast)."""
    try:
        return importlib.metadata.version(ENGINES[name].distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def engine_installed(name: str) -> bool:
    entry = ENGINES[name]
    top = {"scikit-learn": "sklearn"}.get(entry.distribution, entry.distribution)
    return importlib.util.find_spec(top) is not None and importlib.util.find_spec(entry.module) is not None


def create_engine(name: str, options: EngineOptions) -> Engine:
    """An engine instance; an unknown or missing engine is a UserError that says how to install it."""
    if name not in ENGINES:
        import difflib

        close = difflib.get_close_matches(name, list(ENGINES), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(f"unknown engine '{name}'; {hint}available: {', '.join(ENGINES)}")
    entry = ENGINES[name]
    if not engine_installed(name):
        extra = f"pip install 'prepbench[{entry.extra}]'" if entry.extra else f"pip install {entry.distribution}"
        raise UserError(f"engine '{name}' is not installed: {extra}")
    cls = getattr(importlib.import_module(entry.module), entry.cls)
    return cls(options)

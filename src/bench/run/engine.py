"""The Engine interface every backend implements (the registry of engines is src/bench/registry.py).

An engine starts (session, cluster connection), loads and caches the input, then runs steps: fit and transform
are lazy where the engine is lazy, and `materialize` is the one action that computes every output column.
Each operator lives in `src/engines/<engine>/operators/<operator>.py` with `IMPLEMENTATION` (native,
native+adapter or custom), `fit(data, step)` for stateful operators and `transform(data, state, step)`; its
tuned variant, when the engine has one, in `src/engines/<engine>/tuned/<operator>.py` (src/bench/run/variants.py).

`collect` returns outputs in the canonical forms the consistency check compares:
numeric -> float64 ndarray (NaN for null); index -> float64 ndarray of integers (NaN for null);
tokens -> list of lists of str; vector -> scipy.sparse.csr_matrix (float64, one row per input row).

End-to-end runs (`--end-to-end`, src/bench/run/end_to_end.py) use `read` (the engine's own reader, nothing
cached) and `write` (the engine's own Parquet writer): the written dataset carries each row's 0-based position
in the input in the column ROW_COLUMN, token lists as list<string> and vectors in the shared Arrow layout
(src/bench/data/vectors.py), so the runner reads it back with pyarrow and checks it against the reference.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from src.bench.data.inputs import InputSource
from src.bench.errors import UserError
from src.bench.run.facts import EngineOptions
from src.bench.run.memory_estimate import STRING_OVERHEAD
from src.bench.run.variants import STOCK, TUNED, has_tuned, tuned_module
from src.bench.spec.operators import module_name
from src.bench.spec.plan import Step

ROW_COLUMN = "_prepbench_row"  # int64: the 0-based input row number of each written row (end-to-end runs)
PHASES = ("read", "fit", "transform", "write")


class Engine(ABC):
    """One backend. Subclasses set `name` and `operators_package` and implement the data methods."""

    name: ClassVar[str]
    operators_package: ClassVar[str]
    # End-to-end phases whose work this lazy engine runs in a later phase (e.g. {"transform": "write"}: transform
    # only plans, the write job computes): such a phase's seconds are recorded as measured and marked fused.
    fused_phases: ClassVar[dict[str, str]] = {}
    # What the end-to-end phases hold on this engine where their names alone would mislead (one sentence).
    phase_note: ClassVar[str] = ""
    # Bytes each string value costs an engine that holds everything in memory, besides its characters.
    string_overhead_bytes: ClassVar[int] = STRING_OVERHEAD
    variant: str = STOCK  # TUNED: `operator` loads an operator's tuned module where the engine has one
    end_to_end: bool = False  # set by the runner before `limit_memory`: the run reads and writes with `read`/`write`

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

    def read(self, source: InputSource, columns: list[str]) -> Any:
        """End-to-end: the columns with the engine's own reader, nothing cached (lazy where the engine is lazy),
        with each row's input position wherever the engine needs it to write ROW_COLUMN. Engines whose `load`
        caches, or reads with another reader, override this."""
        return self.load(source, columns)

    def write(self, data: Any, kinds: dict[str, str], path: str) -> None:
        """End-to-end: write the output columns (name -> output kind) and ROW_COLUMN as a Parquet dataset in the
        directory `path` (which does not exist yet), with the engine's own writer, in the files it makes."""
        raise UserError(f"the {self.name} engine cannot write its outputs yet, so --end-to-end is not available")

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

    def limit_memory(self, limit_bytes: int) -> str:
        """Configure the engine to live within `limit_bytes` for all its processes (--memory-limit), before
        `check_options` and `start`; return what was set, for the record. Engines with a setting override."""
        return "none: the engine has no memory setting"

    def holds_everything_in_memory(self) -> bool:
        """Whether the engine holds the whole input and every output in this one process (in the mode
        `end_to_end` says), so that a run under --memory-limit is refused before it starts when the estimate of
        that is over the limit (`string_overhead_bytes` is what each string value costs it there besides its
        characters)."""
        return False

    def held_bytes(self, data: Any, columns: list[str]) -> int | None:
        """The bytes these columns of in-process data hold (the memory checks of the reference and of an engine
        holding everything, on a sample); None where the engine cannot tell, whatever the data."""
        return None

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

    def fits_in_chunks(self, step: Step) -> bool:
        """Whether the operator's fit also takes its rows in chunks (`fit_chunks(chunks, step)` in its module),
        so that a caller can stream an input too big to hold."""
        return hasattr(self.operator(step.name), "fit_chunks")

    def fit_chunks(self, step: Step, chunks: Iterable[Any]) -> Any:
        return self.operator(step.name).fit_chunks(chunks, step)

    def transform(self, step: Step, state: Any, data: Any) -> Any:
        return self.operator(step.name).transform(data, state, step)


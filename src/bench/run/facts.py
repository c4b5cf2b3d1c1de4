"""What an engine declares about itself without importing its library: the registry, the CLI, `list`, compare,
sweep and the reports read these facts, so none of them has to name an engine.

Each engine package `src/engines/<name>/` has a `facts.py` whose `FACTS` is an `EngineFacts`. Only the standard
library is imported here: `list` and `--help` read every engine's facts and must answer at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineOption:
    """One command-line option an engine reads, e.g. `--spark-master`; its value reaches the engine as
    `options.spark_master`. Several engines may declare the same option object (e.g. `IO_MODE`)."""

    flag: str
    help: str
    default: Any = None
    type: Callable[[str], Any] | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    repeatable: bool = False  # given several times, e.g. --spark-conf A=1 --spark-conf B=2
    file_prefix: bool = False  # a value "@path" names a file: children get the path made absolute

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def empty(self) -> Any:
        """The value when the option is not given."""
        return [] if self.repeatable else self.default


IO_MODE = EngineOption(
    "--io-mode",
    "how the engine loads the input: pandas on the driver, or the engine's own reader "
    "(default: engine when a cluster address is given, else pandas)",
    choices=("pandas", "engine"),
)


def positive_int(text: str) -> int:
    """argparse type of a count of at least 1."""
    import argparse

    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


CORES = EngineOption(
    "--cores",
    "cores the engine may use, the same knob on every engine: Spark local[N] (spark.cores.max on a cluster), the "
    "CPUs of a local Ray, the threads of the single-machine engines and of BLAS (default: every core)",
    type=positive_int,
    metavar="N",
)


def _never_remote(options: EngineOptions) -> bool:
    return False


@dataclass(frozen=True)
class EngineFacts:
    """An engine as the rest of prepbench sees it before it starts."""

    name: str
    description: str  # one line for `list`
    engine_class: str  # class in the package's engine.py
    distribution: str  # the package whose version is reported
    import_name: str  # its top-level module, to tell whether it is installed without importing it
    extra: str = ""  # pip extra that installs it ("" = a core dependency)
    colour: str = "#7f7f7f"  # its colour in every plot
    options: tuple[EngineOption, ...] = ()
    # whether the options send the work to other machines (then workers read local input paths themselves)
    remote: Callable[[EngineOptions], bool] = _never_remote
    runs_on_java: bool = False  # the Java version goes into its results
    cluster_check: str | None = None  # "module:function(options) -> exit code" behind `prepbench cluster check`
    package: str = field(default="", compare=False)  # set by the registry: where the engine lives

    @property
    def install_hint(self) -> str:
        return f"pip install 'prepbench[{self.extra}]'" if self.extra else f"pip install {self.distribution}"


class EngineOptions:
    """Engine settings from the command line, by option name (`options.ray_address`); an option that was not
    given reads as its declared default, and a name no engine declares is an AttributeError (a typo)."""

    def __init__(self, app_name: str = "prepbench", **values: Any) -> None:
        self.app_name = app_name
        self.values = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("app_name", "values"):
            raise AttributeError(name)
        if name in self.values:
            return self.values[name]
        from src.bench.registry import option_by_dest

        option = option_by_dest(name)
        if option is None:
            raise AttributeError(f"no engine declares an option '{name}'")
        return option.empty

    def __repr__(self) -> str:
        return f"EngineOptions(app_name={self.app_name!r}, {self.values!r})"

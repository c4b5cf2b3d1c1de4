"""The one registry of engines: the only place in the core that names them.

Adding an engine = a package under `src/engines/` (facts.py, engine.py, operators/) and one line here.
`PREPBENCH_EXTRA_ENGINES` (comma-separated package paths) adds engines kept outside this repository, e.g. a
plugin of your own or the deliberately wrong engine of the test suite.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import os
from functools import cache
from typing import TYPE_CHECKING

from src.bench.errors import UserError
from src.bench.run.facts import EngineFacts, EngineOption, EngineOptions

if TYPE_CHECKING:
    from src.bench.run.engine import Engine

ENGINE_PACKAGES = ("src.engines.numpy", "src.engines.sklearn", "src.engines.spark", "src.engines.ray",
                   "src.engines.dask", "src.engines.polars", "src.engines.duckdb")
REFERENCE = "numpy"  # the oracle every other engine is checked against, and the speed-up baseline
EXTRA_ENGINES_VARIABLE = "PREPBENCH_EXTRA_ENGINES"


@cache
def _engines(extra: str) -> dict[str, EngineFacts]:
    packages = [*ENGINE_PACKAGES, *(p.strip() for p in extra.split(",") if p.strip())]
    found = {}
    for package in packages:
        facts: EngineFacts = importlib.import_module(f"{package}.facts").FACTS
        object.__setattr__(facts, "package", package)
        found[facts.name] = facts
    return found


def engines() -> dict[str, EngineFacts]:
    """Every known engine by name, in the order tables and plots show them (the reference first)."""
    return _engines(os.environ.get(EXTRA_ENGINES_VARIABLE, ""))


def facts(name: str) -> EngineFacts:
    """An engine's facts; an unknown name is a UserError suggesting the closest one."""
    known = engines()
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(f"unknown engine '{name}'; {hint}available: {', '.join(known)}")
    return known[name]


def engine_version(name: str) -> str | None:
    """Installed version of the engine's package, without importing it (fast)."""
    try:
        return importlib.metadata.version(facts(name).distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def engine_installed(name: str) -> bool:
    f = facts(name)
    return importlib.util.find_spec(f.import_name) is not None


def installed_engines() -> list[str]:
    return [name for name in engines() if engine_installed(name)]


def selected_engines(names: list[str] | None) -> list[str]:
    """The engines asked for (checked), or every installed engine."""
    if not names:
        installed = installed_engines()
        if not installed:
            raise UserError("no engine is installed; run scripts/setup.sh")
        return installed
    for name in names:
        if not engine_installed(name):
            raise UserError(f"engine '{name}' is not installed: {facts(name).install_hint} (or leave it out of "
                            "--engines)")
    return list(dict.fromkeys(names))


def create_engine(name: str, options: EngineOptions) -> Engine:
    """An engine instance; an unknown or missing engine is a UserError that says how to install it."""
    f = facts(name)
    if not engine_installed(name):
        raise UserError(f"engine '{name}' is not installed: {f.install_hint}")
    cls = getattr(importlib.import_module(f"{f.package}.engine"), f.engine_class)
    return cls(options)


def engine_options() -> list[tuple[EngineOption, tuple[str, ...]]]:
    """Every engine option once, in registry order, with the engines that read it."""
    readers: dict[str, list[str]] = {}
    options: dict[str, EngineOption] = {}
    for f in engines().values():
        for option in f.options:
            options.setdefault(option.flag, option)
            readers.setdefault(option.flag, []).append(f.name)
    return [(option, tuple(readers[flag])) for flag, option in options.items()]


def option_by_dest(dest: str) -> EngineOption | None:
    return next((o for o, _ in engine_options() if o.dest == dest), None)

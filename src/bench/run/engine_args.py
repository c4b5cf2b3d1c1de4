"""Engine options on the command line: declared by the engines (their facts), added to every command that runs
engines, turned into `EngineOptions`, and passed on to each child of compare and sweep — only the options that
child's engine reads. Only the standard library is imported here.
"""

from __future__ import annotations

import argparse
import os
from urllib.parse import urlparse

from src.bench.registry import engine_options, engines
from src.bench.run.facts import EngineOption, EngineOptions


def add_engine_options(parser: argparse.ArgumentParser, only: list[str] | None = None) -> None:
    """One argument group with the options of every engine (or of the `only` engines)."""
    group = parser.add_argument_group("engine and cluster options")
    for option, readers in engine_options():
        if only is not None and not set(readers) & set(only):
            continue
        who = ", ".join(readers)
        kwargs = {"help": f"[{who}] {option.help}", "metavar": option.metavar, "type": option.type,
                  "choices": option.choices}
        if option.repeatable:
            kwargs.update(action="append", default=[])
        else:
            kwargs["default"] = option.default
        group.add_argument(option.flag, **{k: v for k, v in kwargs.items() if v is not None or k == "default"})


def options_from_args(args: argparse.Namespace, app_name: str) -> EngineOptions:
    values = {o.dest: getattr(args, o.dest) for o, _ in engine_options() if hasattr(args, o.dest)}
    return EngineOptions(app_name=app_name, **values)


def local_path(path: str) -> str:
    """An absolute path for a local file (children run in the repository root); URIs are left alone."""
    if len(urlparse(path).scheme) > 1:
        return path
    return os.path.realpath(path)


def _given(args: argparse.Namespace) -> list[tuple[EngineOption, tuple[str, ...], str]]:
    """The engine options given on this command (not at their defaults), as (option, readers, value) items."""
    given = []
    for option, readers in engine_options():
        value = getattr(args, option.dest, None)
        items = value if option.repeatable else [value]
        for item in items or []:
            if item is None or item == option.default:
                continue
            text = str(item)
            if option.file_prefix and text.startswith("@"):
                text = "@" + local_path(text[1:])
            given.append((option, readers, text))
    return given


def engine_flags(args: argparse.Namespace, engine: str | None = None) -> list[str]:
    """The engine options of this command for a child running `engine` (every one when None)."""
    return [part for option, readers, value in _given(args) if engine is None or engine in readers
            for part in (option.flag, value)]


def unused_engine_flags(args: argparse.Namespace, selected: list[str]) -> str | None:
    """A warning naming the engine options that no engine of this command reads, or None."""
    unused = [(option, readers) for option, readers, _ in _given(args) if not set(readers) & set(selected)]
    if not unused:
        return None
    flags = list(dict.fromkeys(option.flag for option, _ in unused))
    known = list(engines())
    owners = sorted({e for _, readers in unused for e in readers}, key=known.index)
    who = f"the {owners[0]} engine reads" if len(owners) == 1 else f"the {' and '.join(owners)} engines read"
    return (f"{', '.join(flags)} ignored: only {who} {'it' if len(flags) == 1 else 'them'}, and this command "
            f"runs {', '.join(selected)}")


def warn_unused_engine_flags(args: argparse.Namespace, selected: list[str]) -> None:
    import logging

    message = unused_engine_flags(args, selected)
    if message:
        logging.getLogger("prepbench").warning("%s", message)

"""Pipeline spec files (`--spec FILE`): a named list of steps in YAML or JSON, checked into step definitions.

This module checks what the file says (its shape, keys, operator names); the planner (plan.py) resolves
parameters, columns, step names and references exactly as for `--operators`, so both forms behave alike. Every
mistake is one line naming the file, the step (number and name) and the fix. The format: docs/pipelines.md.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.bench.errors import UserError
from src.bench.spec.operators import get_operator
from src.bench.spec.plan import StepDef

SUFFIXES = (".yaml", ".yml", ".json")
TOP_KEYS = ("name", "description", "steps")
STEP_KEYS = ("name", "operator", "params", "input_cols", "output_cols")
COLUMN_KEYS = ("input_cols", "output_cols")
# pipeline and step names: safe in file names and in output column names; '.' is kept for implicit steps
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
NAME_RULE = "letters, digits, '_' and '-'"


@dataclass(frozen=True)
class PipelineSpec:
    """A loaded spec file: its name, description, where it came from and its steps as written."""

    name: str
    description: str
    path: str
    steps: tuple[StepDef, ...]

    @property
    def operators(self) -> list[str]:
        return [s.operator for s in self.steps]

    def written_steps(self) -> list[dict[str, Any]]:
        """The steps as the file gives them (keys left out are not shown)."""
        return [{k: getattr(s, k) for k in STEP_KEYS if getattr(s, k) not in (None, {})} for s in self.steps]

    def digest(self) -> str:
        """Changes when the pipeline does; not with comments, layout or the file's format."""
        text = json.dumps({"name": self.name, "steps": self.written_steps()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """What a result records of the spec (the resolved steps are the record's `steps`)."""
        return {"name": self.name, "description": self.description, "path": self.path, "digest": self.digest(),
                "steps": self.written_steps()}


def load_pipeline(path: str) -> PipelineSpec:
    """Read and check a spec file; any mistake is a UserError naming the file and the step."""
    document = _parse(path)
    if document is None:
        raise UserError(f"{path} is empty; a pipeline spec needs 'name' and 'steps' (see docs/pipelines.md)")
    if not isinstance(document, dict):
        raise UserError(f"{path}: a pipeline spec is a mapping with 'name' and 'steps', got {_kind(document)}; "
                        "see docs/pipelines.md")
    _known_keys(document, TOP_KEYS, path, "top-level key")
    name = _name(document.get("name"), path, "the pipeline")
    description = document.get("description") or ""
    if not isinstance(description, str):
        raise UserError(f"{path}: 'description' must be text, got {_kind(description)}")
    steps = document.get("steps")
    if not isinstance(steps, list) or not steps:
        got = "none" if steps is None else ("an empty list" if steps == [] else _kind(steps))
        raise UserError(f"{path}: 'steps' must be a non-empty list of steps (- operator: ...), got {got}")
    return PipelineSpec(name, description, path, tuple(_step(path, i, s) for i, s in enumerate(steps, 1)))


def _parse(path: str) -> Any:
    file = Path(path)
    if file.suffix.lower() not in SUFFIXES:
        raise UserError(f"--spec {path}: a spec file ends in .yaml, .yml or .json; rename it")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"--spec {path}: no such file; check the path (shipped pipelines: prepbench workload "
                        "list)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UserError(f"--spec {path}: cannot read it ({reason}); give a readable UTF-8 text file") from None
    if file.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
                            "fix the syntax there") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}: invalid YAML{where}: {problem}; fix the syntax there (indent with spaces; quote "
                        "values that start with @ or * or hold ': ' or ' #': \"@scale\", \"num_*\")") from None


def _step(path: str, number: int, step: Any) -> StepDef:
    if not isinstance(step, dict):
        raise UserError(f"{path}: step {number} must be a mapping with an 'operator' (- operator: StandardScaler), "
                        f"got {_kind(step)}")
    given_name = step.get("name")
    where = f"{path}: step {number}" + (f" '{given_name}'" if isinstance(given_name, str) else "")
    operator = step.get("operator")
    if not isinstance(operator, str):
        _known_keys(step, STEP_KEYS, where, "step key")  # a misspelt 'operator' is the likelier mistake
        if operator is None:
            raise UserError(f"{where}: 'operator' is missing; add e.g. 'operator: StandardScaler' (see: prepbench "
                            "list)")
        raise UserError(f"{where}: 'operator' must be an operator's name, got {_kind(operator)}")
    try:
        spec = get_operator(operator)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    where += f" ({spec.name})"
    _known_keys(step, STEP_KEYS, where, "step key", params={p.name for p in spec.params})
    name = None if given_name is None else _name(given_name, where, "a step")
    params = {} if step.get("params") is None else step["params"]
    if not isinstance(params, dict):
        raise UserError(f"{where}: 'params' must be a mapping of parameter names to values, e.g. "
                        f"'params: {{strategy: median}}', got {_kind(params)}")
    misplaced = [k for k in COLUMN_KEYS if k in params]
    if misplaced:
        raise UserError(f"{where}: '{misplaced[0]}' is a step key, not a parameter: move it out of 'params' to the "
                        "step itself")
    return StepDef(spec.name, name, params, step.get("input_cols"), step.get("output_cols"), where)


def _known_keys(mapping: dict, known: tuple[str, ...], where: str, what: str, params: Collection[str] = ()) -> None:
    for key in mapping:
        if key in known:
            continue
        if key in params:
            raise UserError(f"{where}: '{key}' is a parameter of the operator: put it under 'params' "
                            f"(params: {{{key}: ...}})")
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(f"{where}: unknown {what} '{key}'; {hint}valid: {', '.join(known)}")


def _name(value: Any, where: str, whose: str) -> str:
    if value is None:
        raise UserError(f"{where}: 'name' is missing; give {whose} a name, e.g. 'name: ctr'")
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise UserError(f"{where}: the name {value!r} of {whose} must be {NAME_RULE}, e.g. 'name: scale_2'")
    return value


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}
    return f"{names.get(type(value), type(value).__name__)} ({json.dumps(value, default=str)[:40]})"

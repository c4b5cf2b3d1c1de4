"""Turn operator names and user parameters into concrete steps with resolved columns.

Every engine receives the same steps, so column wiring, defaults and implicit prerequisite steps (HashingTF on
a text column is Tokenizer then HashingTF) are decided once, here, not per engine.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from typing import Any

from src.bench.errors import UserError
from src.bench.spec.operators import ALSO_ACCEPTED_AS, INTEGER, NUMERIC, OPERATORS, OperatorSpec, get_operator


@dataclass(frozen=True)
class Step:
    """One operator applied to concrete columns."""

    spec: OperatorSpec
    params: dict[str, Any]
    input_cols: tuple[str, ...]
    output_cols: tuple[str, ...]
    input_kinds: tuple[str, ...]
    implicit: bool = False  # inserted as a prerequisite of the next step

    @property
    def name(self) -> str:
        return self.spec.name

    def describe(self) -> dict[str, Any]:
        return {
            "operator": self.name,
            "params": self.params,
            "input_cols": list(self.input_cols),
            "output_cols": list(self.output_cols),
            "implicit": self.implicit,
        }


def output_columns(steps: list[Step]) -> list[str]:
    """Every column the steps write, in order."""
    return [c for s in steps for c in s.output_cols]


def plan_pipeline(operators: list[str], params_by_operator: dict[str, dict], schema: dict[str, str]) -> list[Step]:
    """Resolve a chain of operators against the input schema (column name -> kind).

    A step without explicit input_cols reads the previous step's outputs when their kind suits it, else its
    default columns.
    """
    specs = [get_operator(name) for name in operators]
    for key in params_by_operator:
        if key not in {s.name for s in specs}:
            raise UserError(
                f"--params has a key '{key}' that is not an operator of this pipeline ({', '.join(operators)}); "
                f"pipeline parameters are keyed by operator name, e.g. '{{\"{specs[0].name}\": {{...}}}}'"
            )
    schema = dict(schema)
    steps: list[Step] = []
    previous: list[str] | None = None
    for spec in specs:
        given = dict(params_by_operator.get(spec.name, {}))
        new_steps = _plan_operator(spec, given, schema, previous)
        for step in new_steps:
            schema.update(dict.fromkeys(step.output_cols, step.spec.output_kind))
        steps.extend(new_steps)
        previous = list(new_steps[-1].output_cols)
    return steps


def _plan_operator(spec: OperatorSpec, given: dict, schema: dict[str, str], previous: list[str] | None) -> list[Step]:
    params = spec.resolve_params(given)
    inputs = _input_columns(spec, given.get("input_cols"), schema, previous)
    kinds = {schema[c] for c in inputs}
    refused = [c for c in inputs if not accepts(spec, schema[c])]
    steps: list[Step] = []
    if refused:
        # Columns of kinds the operator reads may mix (a float and an integer column, string and integer
        # categories): each engine handles each column by its own kind. A prerequisite runs on one kind only.
        kind = schema[refused[0]]
        before = spec.prerequisites.get(kind)
        if before is not None and len(kinds) > 1:
            raise UserError(
                f"{spec.name}: input columns mix kinds ({', '.join(f'{c}: {schema[c]}' for c in inputs)}); "
                "give columns of one kind in input_cols"
            )
        if before is None:
            raise UserError(_wrong_kind(spec, refused[0], kind))
        steps = [
            _implicit(s) for s in _plan_operator(OPERATORS[before], {"input_cols": inputs}, schema, None)
        ]
        for s in steps:
            schema.update(dict.fromkeys(s.output_cols, s.spec.output_kind))
        inputs = list(steps[-1].output_cols)
    outputs = _output_columns(spec, given.get("output_cols"), inputs, schema)
    steps.append(Step(spec, params, tuple(inputs), tuple(outputs), tuple(schema[c] for c in inputs)))
    return steps


def accepts(spec: OperatorSpec, kind: str) -> bool:
    """Whether the operator reads a column of this kind as it is (an integer column is also numeric)."""
    return kind in spec.input_kinds or any(k in spec.input_kinds for k in ALSO_ACCEPTED_AS.get(kind, ()))


def _wrong_kind(spec: OperatorSpec, column: str, kind: str) -> str:
    needs = f"{spec.name}: column '{column}' is {kind}, but {spec.name} needs {' or '.join(spec.input_kinds)} columns"
    choose = "choose other columns with --params '{\"input_cols\": [...]}'"
    if kind == NUMERIC and INTEGER in spec.input_kinds:  # a float column given as categories
        return (f"{needs} (booleans count as integers; floating-point numbers are not categories): store "
                f"'{column}' as integers or strings in the input, or {choose}")
    return f"{needs}; {choose}"


def _implicit(step: Step) -> Step:
    return Step(step.spec, step.params, step.input_cols, step.output_cols, step.input_kinds, implicit=True)


def _as_list(spec: OperatorSpec, name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"{spec.name}: '{name}' must be a column name or a non-empty list of column names")
    return value


def _input_columns(spec: OperatorSpec, given: Any, schema: dict[str, str], previous: list[str] | None) -> list[str]:
    if given is not None:
        patterns = _as_list(spec, "input_cols", given)
    elif previous is not None and all(accepts(spec, schema[c]) or schema[c] in spec.prerequisites for c in previous):
        return previous
    else:
        patterns = list(spec.default_inputs)
    columns: list[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matched = [c for c in schema if fnmatch.fnmatchcase(c, pattern)]
            if not matched:
                raise UserError(
                    f"{spec.name}: no column matches '{pattern}' (columns: {', '.join(schema)}); "
                    f"choose columns with --params '{{\"input_cols\": [...]}}'"
                )
            columns.extend(c for c in matched if c not in columns)
        elif pattern not in schema:
            close = difflib.get_close_matches(pattern, list(schema), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise UserError(f"{spec.name}: unknown column '{pattern}'; {hint}columns: {', '.join(schema)}")
        elif pattern not in columns:
            columns.append(pattern)
    return columns


def _output_columns(spec: OperatorSpec, given: Any, inputs: list[str], schema: dict[str, str]) -> list[str]:
    if given is None:
        outputs = [f"{c}_{spec.output_suffix}" for c in inputs]
    else:
        outputs = _as_list(spec, "output_cols", given)
        if len(outputs) != len(inputs):
            raise UserError(
                f"{spec.name}: {len(outputs)} output_cols for {len(inputs)} input columns ({', '.join(inputs)}); "
                "give one output name per input column"
            )
    taken = [c for c in outputs if c in schema]
    if taken or len(set(outputs)) != len(outputs):
        raise UserError(
            f"{spec.name}: output column '{(taken or outputs)[0]}' already exists or repeats; "
            "choose new names with --params '{\"output_cols\": [...]}'"
        )
    return outputs

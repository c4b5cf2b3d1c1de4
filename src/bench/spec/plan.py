"""Turn step definitions (operator, name, parameters, columns) into concrete steps with resolved columns.

Every engine receives the same steps, so column wiring, step names, references between steps, defaults and
implicit prerequisite steps (HashingTF on a text column is Tokenizer then HashingTF) are decided once, here, not
per engine. Both ways of giving a pipeline, `--operators` with `--params` (`cli_definitions`) and a spec file
(`pipeline_file.py`), become StepDefs and go through `plan_steps`; docs/pipelines.md states the rules.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from src.bench.errors import UserError
from src.bench.spec.operators import (
    ALSO_ACCEPTED_AS,
    INTEGER,
    NUMERIC,
    OPERATORS,
    VECTOR,
    OperatorSpec,
    get_operator,
)

REFERENCE = "@"  # input_cols "@scale": the output columns of the step named scale


@dataclass(frozen=True)
class StepDef:
    """One step as the user wrote it: an operator of --operators with its --params, or a step of a spec file."""

    operator: str
    name: str | None = None  # None: named after the operator (StandardScaler, then StandardScaler_2, ...)
    params: dict[str, Any] = field(default_factory=dict)
    input_cols: Any = None  # None: the previous step's outputs when their kind suits, else the operator's defaults
    output_cols: Any = None  # None: <input>_<suffix>, or <input>_<step name> when that column exists
    where: str | None = None  # how an error names the step ("ctr.yaml: step 2 'scale'"); None: by its operator

    def setting(self, key: str) -> str:
        """Where the user sets a key of this step: the fix an error proposes."""
        return f"--params '{{\"{key}\": [...]}}'" if self.where is None else f"the step's {key}"


@dataclass(frozen=True)
class Step:
    """One operator applied to concrete columns."""

    spec: OperatorSpec
    params: dict[str, Any]
    input_cols: tuple[str, ...]
    output_cols: tuple[str, ...]
    input_kinds: tuple[str, ...]
    step_name: str  # the step's own name: unique in the pipeline; an implicit step's is <owner>.<operator>
    implicit: bool = False  # inserted as a prerequisite of the next step

    @property
    def name(self) -> str:
        """The operator's name: what engines look their implementation up by."""
        return self.spec.name

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.step_name,
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
    """The command-line form: a chain of operators with --params keyed by operator name."""
    return plan_steps(cli_definitions(operators, params_by_operator), schema)


def cli_definitions(operators: list[str], params_by_operator: dict[str, dict]) -> list[StepDef]:
    """--operators and --params as step definitions; input_cols and output_cols ride in --params."""
    specs = [get_operator(name) for name in operators]
    for key in params_by_operator:
        if key not in {s.name for s in specs}:
            raise UserError(
                f"--params has a key '{key}' that is not an operator of this pipeline ({', '.join(operators)}); "
                f"pipeline parameters are keyed by operator name, e.g. '{{\"{specs[0].name}\": {{...}}}}'"
            )
    definitions = []
    for spec in specs:
        given = dict(params_by_operator.get(spec.name, {}))
        columns = {key: given.pop(key, None) for key in ("input_cols", "output_cols")}
        definitions.append(StepDef(spec.name, params=given, **columns))
    return definitions


def plan_steps(definitions: list[StepDef], schema: dict[str, str]) -> list[Step]:
    """Resolve the steps in order against the input schema (column name -> kind).

    A step reads its input_cols (names, glob patterns over the input's own columns, @step for the outputs of an
    earlier step), else the previous step's outputs when their kind suits it, else its operator's defaults."""
    planner = _Planner(schema, definitions)
    for number, definition in enumerate(definitions, 1):
        try:
            planner.add(number, definition)
        except UserError as exc:
            raise _located(definition, exc) from None
    return planner.steps


def _located(definition: StepDef, exc: UserError) -> UserError:
    """A spec file's error names the file and the step instead of the operator that starts the message."""
    if definition.where is None:
        return exc
    return UserError(f"{definition.where}: {str(exc).removeprefix(f'{definition.operator}: ')}")


def _step_names(definitions: list[StepDef]) -> list[str]:
    """Given names must differ; an unnamed step takes its operator's name, numbered _2, _3... when taken."""
    given: dict[str, int] = {}
    for number, d in enumerate(definitions, 1):
        if d.name is not None and d.name in given:
            raise UserError(f"{d.where or d.operator}: the name '{d.name}' is already step {given[d.name]}'s; "
                            "give each step a name of its own")
        if d.name is not None:
            given[d.name] = number
    taken, names = set(given), []
    for d in definitions:
        name, base, n = d.name, None, 2
        if name is None:
            base = name = get_operator(d.operator).name
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            taken.add(name)
        names.append(name)
    return names


class _Planner:
    """The steps planned so far, the columns they made and the names of all steps (for references)."""

    def __init__(self, schema: dict[str, str], definitions: list[StepDef]) -> None:
        self.input_columns = list(schema)  # what glob patterns match: the data's columns, not the steps' outputs
        self.schema = dict(schema)
        self.names = _step_names(definitions)
        self.outputs: dict[str, list[str]] = {}  # step name -> its output columns, for the steps planned so far
        self.steps: list[Step] = []
        self.previous: list[str] | None = None

    def add(self, number: int, definition: StepDef) -> None:
        spec = get_operator(definition.operator)
        name = self.names[number - 1]
        new_steps = self._plan_operator(spec, definition, name, name)
        self.steps.extend(new_steps)
        self.previous = self.outputs[name] = list(new_steps[-1].output_cols)

    def _plan_operator(self, spec: OperatorSpec, d: StepDef, name: str, owner: str) -> list[Step]:
        params = spec.resolve_params(d.params)
        inputs = self._input_columns(spec, d, name)
        kinds = {self.schema[c] for c in inputs}
        refused = [c for c in inputs if not accepts(spec, self.schema[c])]
        steps: list[Step] = []
        if refused:
            # Columns of kinds the operator reads may mix (a float and an integer column, string and integer
            # categories): each engine handles each column by its own kind. A prerequisite runs on one kind only.
            kind = self.schema[refused[0]]
            before = spec.prerequisites.get(kind)
            if before is not None and len(kinds) > 1:
                raise UserError(
                    f"{spec.name}: input columns mix kinds ({', '.join(f'{c}: {self.schema[c]}' for c in inputs)}); "
                    "give columns of one kind in input_cols"
                )
            if before is None:
                raise UserError(_wrong_kind(spec, refused[0], kind, d))
            prerequisite = StepDef(before, input_cols=inputs, where=d.where)
            steps = [_implicit(s) for s in self._plan_operator(OPERATORS[before], prerequisite,
                                                               f"{owner}.{before}", owner)]
            inputs = list(steps[-1].output_cols)
        outputs = self._output_columns(spec, d, inputs, name)
        step = Step(spec, params, tuple(inputs), tuple(outputs), tuple(self.schema[c] for c in inputs), name)
        self.schema.update(dict.fromkeys(outputs, spec.output_kind))
        return [*steps, step]

    def _input_columns(self, spec: OperatorSpec, d: StepDef, name: str) -> list[str]:
        previous = self.previous
        if d.input_cols is not None:
            patterns = _as_list(spec, "input_cols", d.input_cols)
        elif previous is not None and all(accepts(spec, self.schema[c]) or self.schema[c] in spec.prerequisites
                                          for c in previous):
            return previous
        else:
            patterns = list(spec.default_inputs)
        columns: list[str] = []
        for pattern in patterns:
            if pattern.startswith(REFERENCE):
                found = self._reference(spec, pattern.removeprefix(REFERENCE), name)
            elif any(ch in pattern for ch in "*?["):
                found = [c for c in self.input_columns if fnmatch.fnmatchcase(c, pattern)]
                if not found:
                    raise UserError(
                        f"{spec.name}: no column matches '{pattern}' (patterns match the input's columns: "
                        f"{', '.join(self.input_columns)}); choose columns with {d.setting('input_cols')}"
                    )
            elif pattern not in self.schema:
                close = difflib.get_close_matches(pattern, list(self.schema), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise UserError(f"{spec.name}: unknown column '{pattern}'; {hint}columns: {', '.join(self.schema)}")
            else:
                found = [pattern]
            columns.extend(c for c in found if c not in columns)
        return columns

    def _reference(self, spec: OperatorSpec, target: str, name: str) -> list[str]:
        """@target: the outputs of an earlier step; itself or a later step would be a cycle."""
        if target in self.outputs:
            return self.outputs[target]
        if target in self.names:
            which = "itself" if target == name else f"step {self.names.index(target) + 1}, which comes later"
            raise UserError(f"{spec.name}: input_cols reads {REFERENCE}{target}, {which}: a step reads only the "
                            "outputs of earlier steps (anything else is a cycle); refer to an earlier step")
        earlier = self.names[:len(self.outputs)]
        close = difflib.get_close_matches(target, earlier, n=1)
        hint = f"did you mean '{REFERENCE}{close[0]}'? " if close else ""
        raise UserError(f"{spec.name}: input_cols reads {REFERENCE}{target}, but no step is named '{target}'; "
                        f"{hint}earlier steps: {', '.join(earlier) or 'none'}")

    def _output_columns(self, spec: OperatorSpec, d: StepDef, inputs: list[str], name: str) -> list[str]:
        if d.output_cols is None and spec.combines:
            outputs = [spec.output_suffix]
            if outputs[0] in self.schema:  # a second such step: the step's name tells apart
                outputs = [f"{spec.output_suffix}_{name.replace('.', '_')}"]
        elif d.output_cols is None:
            outputs = [f"{c}_{spec.output_suffix}" for c in inputs]
            if any(c in self.schema for c in outputs):  # the same input read again: the step's name tells apart
                outputs = [f"{c}_{name.replace('.', '_')}" for c in inputs]
        else:
            outputs = _as_list(spec, "output_cols", d.output_cols)
            if spec.combines and len(outputs) != 1:
                raise UserError(
                    f"{spec.name}: {len(outputs)} output_cols, but {spec.name} writes one vector column of all its "
                    f"inputs ({', '.join(inputs)}); give one output name"
                )
            if not spec.combines and len(outputs) != len(inputs):
                raise UserError(
                    f"{spec.name}: {len(outputs)} output_cols for {len(inputs)} input columns ({', '.join(inputs)}); "
                    "give one output name per input column"
                )
        taken = [c for c in outputs if c in self.schema]
        if taken or len(set(outputs)) != len(outputs):
            raise UserError(
                f"{spec.name}: output column '{(taken or outputs)[0]}' already exists or repeats; "
                f"choose new names with {d.setting('output_cols')}"
            )
        return outputs


def accepts(spec: OperatorSpec, kind: str) -> bool:
    """Whether the operator reads a column of this kind as it is (an integer column is also numeric)."""
    return kind in spec.input_kinds or any(k in spec.input_kinds for k in ALSO_ACCEPTED_AS.get(kind, ()))


def _wrong_kind(spec: OperatorSpec, column: str, kind: str, d: StepDef) -> str:
    needs = f"{spec.name}: column '{column}' is {kind}, but {spec.name} needs {' or '.join(spec.input_kinds)} columns"
    choose = f"choose other columns with {d.setting('input_cols')}"
    if kind == NUMERIC and INTEGER in spec.input_kinds:  # a float column given as categories
        return (f"{needs} (booleans count as integers; floating-point numbers are not categories): store "
                f"'{column}' as integers or strings in the input, or {choose}")
    if kind == VECTOR and NUMERIC in spec.input_kinds:  # e.g. StandardScaler after PolynomialExpansion
        return (f"{needs}; a vector column is not split back into numbers: put the step that writes '{column}' "
                f"last, or {choose}")
    return f"{needs}; {choose}"


def _implicit(step: Step) -> Step:
    return Step(step.spec, step.params, step.input_cols, step.output_cols, step.input_kinds, step.step_name,
                implicit=True)


def _as_list(spec: OperatorSpec, name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"{spec.name}: '{name}' must be a column name or a non-empty list of column names")
    return value

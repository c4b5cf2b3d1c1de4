"""Spec files and the planner's step rules: names, references, patterns, default outputs (no engine runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from src.bench.data.generate import build_spec, generate_table
from src.bench.data.inputs import schema_kinds
from src.bench.errors import UserError
from src.bench.spec.operators import INDEX, NUMERIC, STRING, TOKENS, VECTOR
from src.bench.spec.pipeline_file import load_pipeline
from src.bench.spec.plan import StepDef, plan_pipeline, plan_steps

EXAMPLE = """\
name: ctr
steps:
  - operator: Imputer
    params: {strategy: median}
    input_cols: ["num_*"]
  - operator: StandardScaler        # no input_cols: the previous step's outputs
  - operator: StringIndexer
    input_cols: ["cat_*"]
  - operator: OneHotEncoder
  - name: counts                    # a step may be named; the same operator may appear twice
    operator: HashingTF
    input_cols: ["text"]
    params: {num_features: 4096}
"""
SCHEMA = {"num_0": NUMERIC, "num_1": NUMERIC, "cat_0": STRING, "text": STRING}


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def wiring(steps: list) -> list[tuple]:
    return [(s.step_name, s.name, s.input_cols, s.output_cols, s.implicit) for s in steps]


def plan(*definitions: StepDef, schema: dict[str, str] = SCHEMA) -> list[tuple]:
    return wiring(plan_steps(list(definitions), schema))


def test_example_spec_plans_its_columns_on_generated_data(tmp_path: Path) -> None:
    spec = load_pipeline(write(tmp_path, EXAMPLE))
    assert (spec.name, spec.operators) == ("ctr", ["Imputer", "StandardScaler", "StringIndexer", "OneHotEncoder",
                                                   "HashingTF"])
    data = generate_table(build_spec(rows=5, numeric=2, categorical=2, text=True, missing_rate=0.1))
    steps = plan_steps(list(spec.steps), schema_kinds(data.schema, "generated"))
    assert wiring(steps) == [
        ("Imputer", "Imputer", ("num_0", "num_1"), ("num_0_imputed", "num_1_imputed"), False),
        ("StandardScaler", "StandardScaler", ("num_0_imputed", "num_1_imputed"),
         ("num_0_imputed_scaled", "num_1_imputed_scaled"), False),
        ("StringIndexer", "StringIndexer", ("cat_0", "cat_1"), ("cat_0_index", "cat_1_index"), False),
        ("OneHotEncoder", "OneHotEncoder", ("cat_0_index", "cat_1_index"), ("cat_0_index_onehot",
                                                                            "cat_1_index_onehot"), False),
        ("counts.Tokenizer", "Tokenizer", ("text",), ("text_tokens",), True),
        ("counts", "HashingTF", ("text_tokens",), ("text_tokens_tf",), False),
    ]
    assert steps[0].params == {"strategy": "median", "fill_value": 0.0}
    assert steps[-1].params == {"num_features": 4096, "binary": False}
    assert [s.input_kinds for s in steps[3:]] == [(INDEX, INDEX), (STRING,), (TOKENS,)]
    assert steps[-1].describe()["name"] == "counts" and steps[-1].spec.output_kind == VECTOR


def test_json_and_yaml_are_the_same_pipeline(tmp_path: Path) -> None:
    from_yaml = load_pipeline(write(tmp_path, EXAMPLE))
    from_json = load_pipeline(write(tmp_path, json.dumps(yaml.safe_load(EXAMPLE)), "p.json"))
    assert from_json.steps == tuple(StepDef(**{**vars(s), "where": s.where.replace("p.yaml", "p.json")})
                                    for s in from_yaml.steps)
    assert from_json.digest() == from_yaml.digest()
    assert from_yaml.describe()["steps"][4] == {"name": "counts", "operator": "HashingTF",
                                                 "params": {"num_features": 4096}, "input_cols": ["text"]}


def test_unnamed_steps_take_the_operators_name_numbered_when_taken() -> None:
    names = [n for n, *_ in plan(StepDef("StandardScaler"), StepDef("StandardScaler", name="StandardScaler_2"),
                                 StepDef("StandardScaler"), StepDef("MinMaxScaler"))]
    assert names == ["StandardScaler", "StandardScaler_2", "StandardScaler_3", "MinMaxScaler"]


def test_same_input_twice_gets_outputs_named_after_the_step() -> None:
    steps = plan_steps([StepDef("StandardScaler", "scale", input_cols=["num_*"]),
                        StepDef("StandardScaler", "centre", {"with_std": False}, ["num_*"]),
                        StepDef("StandardScaler", input_cols=["num_0"])], SCHEMA)
    assert [s.output_cols for s in steps] == [("num_0_scaled", "num_1_scaled"), ("num_0_centre", "num_1_centre"),
                                              ("num_0_StandardScaler",)]
    assert [s.params["with_std"] for s in steps] == [True, False, True]
    assert [s.input_cols for s in steps][1] == ("num_0", "num_1")  # patterns match the input's columns only


def test_references_read_an_earlier_steps_outputs() -> None:
    assert plan(StepDef("StringIndexer", "index", input_cols=["cat_0"]), StepDef("StandardScaler", "scale"),
                StepDef("OneHotEncoder", input_cols=["@index"]))[2][2] == ("cat_0_index",)
    assert plan(StepDef("Tokenizer", "tokens"), StepDef("HashingTF", "a"),
                StepDef("HashingTF", "b", {"num_features": 8}, ["@tokens"]))[2][2:4] == (("text_tokens",),
                                                                                  ("text_tokens_b",))
    both = plan(StepDef("StandardScaler", "s", input_cols=["num_0"]),
                StepDef("MinMaxScaler", "m", input_cols=["num_1"]),
                StepDef("MinMaxScaler", input_cols=["@s", "@m", "num_0"]))
    assert both[2][2] == ("num_0_scaled", "num_1_minmax", "num_0")


@pytest.mark.parametrize(("definitions", "message"), [
    ([StepDef("StandardScaler", "s", input_cols=["@s"], where="f: step 1 's'")],
     "f: step 1 's': input_cols reads @s, itself: a step reads only the outputs of earlier steps"),
    ([StepDef("StandardScaler", "a", input_cols=["@b"], where="f: step 1 'a'"), StepDef("MinMaxScaler", "b")],
     "f: step 1 'a': input_cols reads @b, step 2, which comes later: a step reads only the outputs of earlier steps "
     r"\(anything else is a cycle\)"),
    ([StepDef("StandardScaler", "scale"), StepDef("MinMaxScaler", input_cols=["@scal"], where="f: step 2")],
     "f: step 2: input_cols reads @scal, but no step is named 'scal'; did you mean '@scale'"),
    ([StepDef("StandardScaler", "x", where="f: step 1 'x'"), StepDef("MinMaxScaler", "x", where="f: step 2 'x'")],
     "f: step 2 'x': the name 'x' is already step 1's; give each step a name of its own"),
    ([StepDef("StandardScaler", input_cols=["nmu_0"], where="f: step 1")],
     "^f: step 1: unknown column 'nmu_0'; did you mean 'num_0'"),
    ([StepDef("StandardScaler", input_cols=["cat_0"], where="f: step 1")],
     "^f: step 1: column 'cat_0' is string, but StandardScaler needs numeric columns; choose other columns with the "
     "step's input_cols"),
    ([StepDef("StandardScaler", params={"with_men": True}, where="f: step 1")],
     "^f: step 1: unknown parameter 'with_men'; did you mean 'with_mean'"),
])
def test_planner_errors_name_the_step(definitions: list[StepDef], message: str) -> None:
    with pytest.raises(UserError, match=message):
        plan_steps(definitions, SCHEMA)


def test_command_line_form_keeps_its_messages_and_wiring() -> None:
    with pytest.raises(UserError, match=r"^StandardScaler: unknown column 'nmu_0'"):
        plan_pipeline(["StandardScaler"], {"StandardScaler": {"input_cols": ["nmu_0"]}}, SCHEMA)
    with pytest.raises(UserError, match=r"choose other columns with --params '\{\"input_cols\": \[...\]\}'"):
        plan_pipeline(["StandardScaler"], {"StandardScaler": {"input_cols": ["cat_0"]}}, SCHEMA)
    assert [s.step_name for s in plan_pipeline(["IDF", "StandardScaler"], {}, SCHEMA)] == [
        "IDF.Tokenizer", "IDF.HashingTF", "IDF", "StandardScaler"]

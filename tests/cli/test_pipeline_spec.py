"""`--spec FILE` on pipeline, compare and sweep: one-line errors for every mistake, real runs on numpy and sklearn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clitools import SAMPLE, cli, need, run_main

# sample.csv: num_0..num_3, miss_0, miss_1 (with nulls), cat_0, cat_1, text
SPEC = """\
name: sample_features
description: every kind of column of the sample
steps:
  - name: impute
    operator: Imputer
    params: {strategy: median}
    input_cols: ["miss_*"]
  - name: scale                  # the imputed columns
    operator: StandardScaler
  - name: centre                 # the same operator again, other parameters, the raw columns
    operator: StandardScaler
    params: {with_std: false}
    input_cols: ["num_0", "num_1"]
  - name: index
    operator: StringIndexer
    input_cols: ["cat_*"]
  - name: onehot
    operator: OneHotEncoder
    input_cols: ["@index"]
  - name: counts
    operator: HashingTF
    params: {num_features: 64}
    input_cols: [text]
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pipeline(spec: Path, tmp_path: Path, *extra: str, engine: str = "numpy") -> list[str]:
    return ["pipeline", "--engine", engine, "--spec", str(spec), "--input", str(SAMPLE), "--output",
            str(tmp_path / "runs"), "--repeats", "1", "--warmup", "0", *extra]


def steps(*lines: str) -> str:
    return "name: p\nsteps:\n" + "\n".join(lines) + "\n"


ERRORS = {
    "unknown top-level key": ("name: p\nstep:\n  - operator: Imputer\n",
                              "spec.yaml: unknown top-level key 'step'; did you mean 'steps'? valid: name, "
                              "description, steps"),
    "not a mapping": ("- operator: Imputer\n", "spec.yaml: a pipeline spec is a mapping with 'name' and 'steps', "
                      "got a list"),
    "empty file": ("# nothing yet\n", "spec.yaml is empty; a pipeline spec needs 'name' and 'steps'"),
    "name missing": ("steps:\n  - operator: Imputer\n", "spec.yaml: 'name' is missing; give the pipeline a name"),
    "bad pipeline name": ("name: my pipeline\nsteps:\n  - operator: Imputer\n",
                          "the name 'my pipeline' of the pipeline must be letters, digits, '_' and '-'"),
    "steps not a list": ("name: p\nsteps: {operator: Imputer}\n",
                         "spec.yaml: 'steps' must be a non-empty list of steps (- operator: ...), got a mapping"),
    "steps empty": ("name: p\nsteps: []\n", "'steps' must be a non-empty list of steps (- operator: ...), got an empty "
                    "list"),
    "step not a mapping": (steps("  - Imputer"), "spec.yaml: step 1 must be a mapping with an 'operator'"),
    "operator missing": (steps("  - name: a", "    params: {}"), "spec.yaml: step 1 'a': 'operator' is missing"),
    "unknown step key": (steps("  - operater: Imputer"),
                         "spec.yaml: step 1: unknown step key 'operater'; did you mean 'operator'?"),
    "unknown step key after operator": (steps("  - operator: Imputer", "    input_col: [miss_0]"),
                                        "spec.yaml: step 1 (Imputer): unknown step key 'input_col'; did you mean "
                                        "'input_cols'?"),
    "parameter as a step key": (steps("  - operator: Imputer", "    strategy: median"),
                                "step 1 (Imputer): 'strategy' is a parameter of the operator: put it under 'params'"),
    "column key inside params": (steps("  - operator: Imputer", "    params: {input_cols: [miss_0]}"),
                                 "step 1 (Imputer): 'input_cols' is a step key, not a parameter"),
    "unknown operator": (steps("  - name: s", "    operator: StandardScalar"),
                         "spec.yaml: step 1 's': unknown operator 'StandardScalar'; did you mean 'StandardScaler'?"),
    "unknown parameter": (steps("  - operator: Imputer", "    params: {stratgy: median}"),
                          "spec.yaml: step 1 (Imputer): unknown parameter 'stratgy'; did you mean 'strategy'?"),
    "bad parameter value": (steps("  - name: tf", "    operator: HashingTF", "    params: {num_features: 0}"),
                            "spec.yaml: step 1 'tf' (HashingTF): parameter 'num_features' must be >= 1, got 0"),
    "unknown column": (steps("  - operator: Imputer", "  - operator: StandardScaler", "    input_cols: [nmu_0]"),
                       "spec.yaml: step 2 (StandardScaler): unknown column 'nmu_0'; did you mean 'num_0'?"),
    "no column matches": (steps("  - operator: StandardScaler", "    input_cols: ['price_*']"),
                          "spec.yaml: step 1 (StandardScaler): no column matches 'price_*'"),
    "wrong column kind": (steps("  - operator: StandardScaler", "    input_cols: [cat_0]"),
                          "spec.yaml: step 1 (StandardScaler): column 'cat_0' is string, but StandardScaler needs "
                          "numeric columns; choose other columns with the step's input_cols"),
    "output exists": (steps("  - operator: StandardScaler", "    input_cols: [num_0]", "    output_cols: [num_1]"),
                      "step 1 (StandardScaler): output column 'num_1' already exists or repeats; choose new names "
                      "with the step's output_cols"),
    "reference to a later step": (steps("  - name: a", "    operator: OneHotEncoder", "    input_cols: ['@b']",
                                        "  - name: b", "    operator: StringIndexer"),
                                  "spec.yaml: step 1 'a' (OneHotEncoder): input_cols reads @b, step 2, which comes "
                                  "later: a step reads only the outputs of earlier steps (anything else is a cycle)"),
    "reference to itself": (steps("  - name: a", "    operator: StandardScaler", "    input_cols: ['@a']"),
                            "input_cols reads @a, itself"),
    "unknown reference": (steps("  - name: index", "    operator: StringIndexer", "  - operator: OneHotEncoder",
                                "    input_cols: ['@indx']"),
                          "step 2 (OneHotEncoder): input_cols reads @indx, but no step is named 'indx'; did you mean "
                          "'@index'?"),
    "name used twice": (steps("  - name: s", "    operator: StandardScaler", "  - name: s",
                              "    operator: MinMaxScaler"),
                        "spec.yaml: step 2 's' (MinMaxScaler): the name 's' is already step 1's; give each step a name "
                        "of its own"),
    "invalid YAML": (steps("  - operator: [Imputer"), "spec.yaml: invalid YAML at line 4 column 1:"),
    "unquoted reference": (steps("  - operator: StandardScaler", "    input_cols: [@a]"),
                           "spec.yaml: invalid YAML at line 4 column 18: found character '@' that cannot start any "
                           "token; fix the syntax there (indent with spaces; quote values that start with @ or *"),
}


@pytest.mark.parametrize("case", ERRORS, ids=str)
def test_each_mistake_is_one_line_naming_file_step_and_fix(case: str, tmp_path: Path) -> None:
    text, message = ERRORS[case]
    code, _, stderr = run_main(pipeline(write(tmp_path, text), tmp_path))
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("prepbench: error: ") and message in stderr, stderr
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())  # nothing written


@pytest.mark.parametrize(("name", "text", "extra", "message"), [
    ("spec.json", '{"name": "p",\n "steps": [}', (), "spec.json: invalid JSON at line 2 column 12: Expecting value"),
    ("spec.txt", "name: p", (), "spec.txt: a spec file ends in .yaml, .yml or .json"),
    ("spec.yaml", SPEC, ("--params", "{}"), "--params cannot be used with --spec: parameters live in the spec file"),
])
def test_file_and_flag_mistakes(tmp_path: Path, name: str, text: str, extra: tuple, message: str) -> None:
    code, _, stderr = run_main(pipeline(write(tmp_path, text, name), tmp_path, *extra))
    assert code == 2 and stderr.count("\n") == 1 and message in stderr, stderr


def test_compare_refuses_a_bad_spec_before_any_engine_runs(tmp_path: Path) -> None:
    spec = write(tmp_path, steps("  - operator: StandardScaler", "    input_cols: [cat_0]"))
    code, stdout, stderr = run_main(["compare", "--spec", str(spec), "--engines", "numpy", "sklearn", "--input",
                                     str(SAMPLE), "--output", str(tmp_path / "cmp")])
    assert code == 2 and stderr.count("\n") == 1 and stdout == "", stderr
    assert "spec.yaml: step 1 (StandardScaler): column 'cat_0' is string" in stderr and "== numpy" not in stderr


def test_spec_replaces_the_operators(tmp_path: Path) -> None:
    code, _, stderr = run_main(pipeline(tmp_path / "missing.yaml", tmp_path))
    assert code == 2 and "--spec " in stderr and "missing.yaml: no such file" in stderr, stderr
    both = pipeline(write(tmp_path, SPEC), tmp_path, "--operators", "Imputer")
    code, _, stderr = run_main(both)
    assert code == 2 and "argument --operators: not allowed with argument --spec" in stderr, stderr
    code, _, stderr = run_main(["pipeline", "--engine", "numpy", "--input", str(SAMPLE)])
    assert code == 2 and "one of the arguments --operators --spec is required" in stderr, stderr


@pytest.mark.parametrize("engine", ["numpy", "sklearn"])
def test_pipeline_spec_runs_and_records_the_spec(tmp_path: Path, engine: str) -> None:
    need(engine)
    spec = write(tmp_path, SPEC)
    code, stdout, stderr = run_main(pipeline(spec, tmp_path, engine=engine))
    assert code == 0, stderr
    (run_file,) = (tmp_path / "runs").glob(f"{engine}_sample_features_*.json")
    record = json.loads(run_file.read_text())
    assert record["status"] == "ok" and record["consistency"]["verdict"] == "ok"
    assert record["operators"] == ["Imputer", "StandardScaler", "StandardScaler", "StringIndexer", "OneHotEncoder",
                                   "HashingTF"]
    assert record["spec"]["name"] == "sample_features" and record["spec"]["path"] == str(spec)
    assert record["spec"]["steps"][2] == {"name": "centre", "operator": "StandardScaler",
                                          "params": {"with_std": False}, "input_cols": ["num_0", "num_1"]}
    wired = {s["name"]: (s["input_cols"], s["output_cols"], s["params"]) for s in record["steps"]}
    assert wired["scale"] == (["miss_0_imputed", "miss_1_imputed"], ["miss_0_imputed_scaled", "miss_1_imputed_scaled"],
                              {"with_mean": True, "with_std": True})
    assert wired["centre"] == (["num_0", "num_1"], ["num_0_scaled", "num_1_scaled"],
                               {"with_mean": True, "with_std": False})
    assert wired["onehot"][:2] == (["cat_0_index", "cat_1_index"], ["cat_0_index_onehot", "cat_1_index_onehot"])
    assert [s["name"] for s in record["steps"]][-2:] == ["counts.Tokenizer", "counts"]
    assert record["parameters"]["params"] == {} and "sample_features" not in stderr.splitlines()[-1]


def test_same_operator_twice_computes_each_with_its_own_parameters(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    spec = write(tmp_path, steps("  - name: full", "    operator: StandardScaler", "    input_cols: [num_0]",
                                 "  - name: centred", "    operator: StandardScaler", "    params: {with_std: false}",
                                 "    input_cols: [num_0]"))
    code, _, stderr = run_main(pipeline(spec, tmp_path, "--save-output", str(tmp_path / "out.parquet")))
    assert code == 0, stderr
    x = pcsv.read_csv(SAMPLE)["num_0"].to_numpy()
    out = pq.read_table(tmp_path / "out.parquet")
    np.testing.assert_allclose(out["num_0_scaled"].to_numpy(), (x - x.mean()) / x.std(), rtol=1e-9)
    np.testing.assert_allclose(out["num_0_centred"].to_numpy(), x - x.mean(), rtol=1e-9, atol=1e-12)


def test_compare_spec_on_numpy_and_sklearn(tmp_path: Path) -> None:
    need("sklearn")
    spec = write(tmp_path, SPEC)
    res = cli("compare", "--spec", str(spec), "--engines", "numpy", "sklearn", "--input", str(SAMPLE), "--output",
              str(tmp_path / "cmp"), "--repeats", "1", "--warmup", "0", timeout=300)
    assert res.returncode == 0, res.stderr
    comparison = json.loads((tmp_path / "cmp" / "comparison_sample_features_sample.json").read_text())
    assert comparison["spec"]["name"] == "sample_features" and comparison["exit_code"] == 0
    assert [(r["engine"]["name"], r["status"], r["consistency"]["verdict"]) for r in comparison["runs"]] == [
        ("numpy", "ok", "ok"), ("sklearn", "ok", "ok")]
    assert comparison["runs"][1]["consistency"]["rows_checked"] == 1000
    assert all(r["spec"]["digest"] == comparison["spec"]["digest"] for r in comparison["runs"])
    assert "sample_features (Imputer -> StandardScaler" in res.stdout
    md = (tmp_path / "cmp" / "comparison_sample_features_sample.md").read_text()
    assert f"parameters from the spec file `{spec}`" in md


def test_sweep_spec_cells_resume_and_report(tmp_path: Path) -> None:
    spec = write(tmp_path, steps("  - name: scale", "    operator: StandardScaler", "    input_cols: ['num_*']",
                                 "  - name: index", "    operator: StringIndexer", "    input_cols: ['cat_*']"))
    out = tmp_path / "sweep.jsonl"

    def sweep(*specs: Path, to: Path = out) -> list[str]:
        return ["sweep", "--engines", "numpy", "sklearn", "--spec", *map(str, specs), "--rows", "100", "--cols", "2",
                "--repeats", "1", "--warmup", "0", "--out", str(to), "--data-dir", str(tmp_path / "data")]

    args = sweep(spec)
    code, _, stderr = run_main(args)
    assert code == 0, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["cell"]["engine"], r["cell"]["operator"], r["status"]) for r in records] == [
        ("numpy", "spec:p", "ok"), ("sklearn", "spec:p", "ok")]
    assert records[1]["steps"][0]["input_cols"] == ["num_0", "num_1"] and records[1]["spec"]["name"] == "p"
    code, stdout, stderr = run_main([*args, "--resume"])
    assert code == 0 and "2 already in" in stdout, stderr
    spec.write_text(spec.read_text().replace("operator: StandardScaler", "operator: MinMaxScaler"))
    code, _, stderr = run_main([*args, "--resume"])
    assert code == 2 and "holds cells of pipeline 'p' from another definition" in stderr, stderr
    code, _, stderr = run_main(sweep(spec, spec, to=tmp_path / "new.jsonl"))
    assert code == 2 and "are both named 'p'" in stderr, stderr
    bad = write(tmp_path, steps("  - operator: StandardScaler", "    input_cols: [miss_9]"), "bad.yaml")
    code, _, stderr = run_main(sweep(bad, to=tmp_path / "new.jsonl"))
    assert code == 2 and "bad.yaml: step 1 (StandardScaler): unknown column 'miss_9'" in stderr, stderr
    assert "(in the data this sweep generates: no --profile, --cols 2; see docs/data.md)" in stderr
    code, _, stderr = run_main(["report", str(out), "--out", str(tmp_path / "report"), "--format", "md"])
    assert code == 0, stderr
    report = (tmp_path / "report" / "report.md").read_text()
    assert "spec:p" in report and "| sklearn |" in report  # a spec's cells go by its name

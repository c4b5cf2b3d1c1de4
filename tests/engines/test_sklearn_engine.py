"""What is particular to the sklearn engine; its values against the numpy reference on every operator, parameter
and pipeline are checked by tests/engines/test_conformance.py. Here: inputs outside the input rules that it
still handles like the reference (null categories, non-ASCII text), how its models share the loaded block,
labels that depend on parameters, and the CLI end to end."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from src.bench.data.inputs import resolve_input
from src.bench.run.facts import EngineOptions
from src.bench.spec.operators import OPERATORS
from src.bench.spec.plan import plan_pipeline
from src.engines.sklearn.engine import SklearnEngine
from src.engines.sklearn.operators._columns import numeric_matrix
from tests.engines import edge_data
from tests.engines.conformance import REQUIRED_PARAMS, assert_matches_reference

ROOT = Path(__file__).resolve().parents[2]
# Outside the input rules (docs/operators.md), on the last rows: null categories, non-ASCII letters and spaces.
NULL_CATEGORIES = [None, "v1", None, "v2", "v3"]
NON_ASCII_TEXT = ["Straße ÉCOLE\u00a0Nbsp ÄÖü", "ÀB caf\u00c9", "x", "\u00a0", "Ünï  ÀB"]


def _outside_the_rules(table: pa.Table) -> pa.Table:
    n = table.num_rows - len(NULL_CATEGORIES)
    table = edge_data.replaced(table, "cat_1", table["cat_1"].to_pylist()[:n] + NULL_CATEGORIES)
    return edge_data.replaced(table, "text", table["text"].to_pylist()[:n] + NON_ASCII_TEXT)


@pytest.fixture(scope="module")
def splits(tmp_path_factory) -> tuple:
    """The conformance suite's main pair, its last rows changed to inputs outside the rules (parquet: null stays
    null)."""
    train, test = (_outside_the_rules(t) for t in edge_data.main_pair())
    paths = edge_data.write_train_test(tmp_path_factory.mktemp("sklearn_data"), train, test)["parquet"]
    return tuple(resolve_input(str(p)) for p in paths)


@pytest.mark.parametrize("operators", [["StringIndexer"], ["OneHotEncoder"], ["StringIndexer", "OneHotEncoder"],
                                       ["Tokenizer"], ["Tokenizer", "HashingTF", "IDF"]], ids=" ".join)
def test_outside_the_input_rules_it_still_agrees_with_numpy(splits, operators) -> None:
    engine = SklearnEngine(EngineOptions())
    data = tuple(engine.load(s, list(s.schema)) for s in splits)
    assert_matches_reference(engine, splits, data, operators)


def test_the_inputs_outside_the_rules_are_really_checked(splits) -> None:
    engine = SklearnEngine(EngineOptions())
    data = tuple(engine.load(s, list(s.schema)) for s in splits)
    n = len(NULL_CATEGORIES)
    index = assert_matches_reference(engine, splits, data, ["StringIndexer"])["test"]["cat_1_index"]
    assert np.isnan(index[-n:]).tolist() == [v is None for v in NULL_CATEGORIES]  # null -> null
    onehot = assert_matches_reference(engine, splits, data, ["OneHotEncoder"])["test"]["cat_1_onehot"]
    assert (np.diff(onehot.indptr)[-n:] == 0).tolist() == [v is None for v in NULL_CATEGORIES]  # null -> zeros
    tokens = assert_matches_reference(engine, splits, data, ["Tokenizer"])["test"]["text_tokens"][-n:]
    # how non-ASCII letters are lowercased is the reference's rule (tests/unit/test_numpy_operators.py); here:
    # they reached the check, and U+00A0 is not a separator
    assert [len(t) for t in tokens] == [3, 2, 1, 1, 2] and not all(t.isascii() for doc in tokens for t in doc)
    assert tokens[3] == ["\u00a0"] and "\u00a0" in tokens[0][1]


def test_models_read_the_loaded_block_without_copying_or_changing_it(splits) -> None:
    """Loaded numeric columns share one column-major block; a model's input is a view of it, chained outputs
    are views of the previous model's output, other column sets are copied, and nothing writes into the input."""
    engine = SklearnEngine(EngineOptions())
    frame = engine.load(splits[0], ["num_0", "cat_0", "num_1", "num_2", "num_const", "num_int", "miss_0"])
    before = {c: frame[c].copy() for c in ("num_0", "num_1", "num_2", "miss_0")}
    x = numeric_matrix(frame, ("num_1", "num_2"))
    assert x.base is frame["num_0"].base and x.flags.f_contiguous
    assert np.array_equal(x, np.column_stack([before["num_1"], before["num_2"]]))
    apart = numeric_matrix(frame, ("num_0", "miss_0", "num_2"))
    assert apart.base is not frame["num_0"].base
    assert np.array_equal(apart, np.column_stack([before[c] for c in ("num_0", "miss_0", "num_2")]), equal_nan=True)
    steps = plan_pipeline(["StandardScaler", "MinMaxScaler"], {}, splits[0].schema)
    for step in steps:
        frame = engine.transform(step, engine.fit(step, frame), frame)
    scaled = numeric_matrix(frame, steps[1].input_cols)
    assert scaled.base is frame[steps[1].input_cols[0]].base
    assert all(np.array_equal(frame[c], before[c], equal_nan=True) for c in before)


def test_implementation_labels(splits) -> None:
    engine = SklearnEngine(EngineOptions())
    schema = splits[0].schema
    steps = {s.name: s for op in OPERATORS
             for s in plan_pipeline([op], {op: REQUIRED_PARAMS.get(op, {})}, schema)}
    assert {op: engine.implementation(op, steps[op]) for op in OPERATORS} == {
        "StandardScaler": "native+adapter",
        "MinMaxScaler": "native+adapter",
        "Imputer": "native",
        "StringIndexer": "native",
        "OneHotEncoder": "native",
        "Tokenizer": "custom",
        "HashingTF": "custom",
        "IDF": "native+adapter",
        "MaxAbsScaler": "native+adapter",
        "Normalizer": "native",
        "PolynomialExpansion": "native",
        "FeatureHasher": "custom",
        "RobustScaler": "native+adapter",
        "Bucketizer": "custom",
        "QuantileDiscretizer": "native+adapter",
        "CountVectorizer": "native+adapter",
    }
    [median] = plan_pipeline(["Imputer"], {"Imputer": {"strategy": "median"}}, schema)
    [unscaled] = plan_pipeline(["StandardScaler"], {"StandardScaler": {"with_std": False}}, schema)
    assert engine.implementation("Imputer", median) == "native+adapter"
    assert engine.implementation("StandardScaler", unscaled) == "native"


@pytest.mark.slow  # one CLI process per operator
@pytest.mark.parametrize("operator", list(OPERATORS))
def test_cli_run_is_consistent(operator: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "src.bench.cli", "run", "--engine", "sklearn", "--operator", operator,
         "--input", str(ROOT / "data" / "sample.csv"), "--output", str(tmp_path), "--repeats", "2", "--warmup", "0",
         "--params", json.dumps(REQUIRED_PARAMS.get(operator, {}))],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    [path] = tmp_path.glob("sklearn_*.json")
    record = json.loads(path.read_text())
    assert record["status"] == "ok"
    assert record["engine"]["name"] == "sklearn" and record["dataset"]["rows"] == 1000
    assert record["consistency"]["verdict"] == "ok" and record["consistency"]["reference"] == "numpy"
    assert record["consistency"]["rows_checked"] == 1000
    assert all(c["verdict"] == "ok" and c["mismatches"] == 0 for c in record["consistency"]["columns"].values())

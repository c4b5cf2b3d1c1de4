"""The sklearn engine against the numpy engine (the oracle): every operator and the standard pipelines, fitted
on one generated dataset and applied to it and to another one with unseen categories and tokens, nulls in
the imputer columns, a column that is constant at fit, and hand-made edge rows; then the CLI end to end."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import DatasetSpec, generate_table
from src.bench.data.inputs import resolve_input
from src.bench.run.consistency import compare_outputs
from src.bench.run.facts import EngineOptions
from src.bench.spec.plan import plan_pipeline
from src.engines.numpy.engine import NumpyEngine
from src.engines.sklearn.engine import SklearnEngine
from src.engines.sklearn.operators._columns import numeric_matrix

ROOT = Path(__file__).resolve().parents[2]
OPERATORS = [
    "StandardScaler", "MinMaxScaler", "Imputer", "StringIndexer", "OneHotEncoder", "Tokenizer", "HashingTF", "IDF",
]

# Edge rows: categories whose code point order differs from a case-insensitive or locale order, null
# categories, text with tabs, runs of spaces, leading blanks, an empty document and non-ASCII letters and spaces.
EDGE_CATEGORIES = ["Z", "a", "é", "😀", "ab"]
EDGE_TEXT = ["  Leading\tTAB  and   runs ", "", "Straße ÉCOLE\u00a0Nbsp ÄÖü", "\t\t", "x Y x y X"]


def _with_edges(table: pa.Table, constant: np.ndarray) -> pa.Table:
    edges = {name: pa.array([table[name][i].as_py() for i in range(len(EDGE_TEXT))]) for name in table.column_names}
    edges["cat_0"] = pa.array(EDGE_CATEGORIES)
    edges["cat_1"] = pa.array([None, "v01", None, "v02", "v03"])  # nulls: out of the input rules, yet handled
    edges["text"] = pa.array(EDGE_TEXT)
    table = pa.concat_tables([table, pa.table(edges, schema=table.schema)])
    return table.append_column("num_c", pa.array(constant))


def _make_even_and_odd(table: pa.Table) -> pa.Table:
    """miss_0 gets an even number of observed values, miss_1 an odd one, so both median rules are exercised."""
    for name, parity in (("miss_0", 0), ("miss_1", 1)):
        values = table[name].to_numpy(zero_copy_only=False)
        observed = np.flatnonzero(~np.isnan(values))
        if len(observed) % 2 != parity:
            values[observed[0]] = np.nan
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, from_pandas=True))
    return table


@pytest.fixture(scope="module")
def splits(tmp_path_factory) -> dict:
    """Train: categories v00..v19, num_c constant (0.1). Test: categories v00..v29, num_c varies."""
    directory = tmp_path_factory.mktemp("sklearn_data")
    common = dict(numeric=3, categorical=2, text=True, vocab_size=300, missing_rate=0.3)
    train = generate_table(DatasetSpec(rows=401, cardinality=20, seed=1, **common))
    test = generate_table(DatasetSpec(rows=150, cardinality=30, seed=2, **common))
    n_train, n_test = train.num_rows + len(EDGE_TEXT), test.num_rows + len(EDGE_TEXT)
    train = _make_even_and_odd(_with_edges(train, np.full(n_train, 0.1)))
    test = _with_edges(test, np.linspace(-3.0, 5.0, n_test))
    paths = {}
    for name, table in (("train", train), ("test", test)):
        paths[name] = directory / f"{name}.parquet"
        pq.write_table(table, paths[name])
    return {name: resolve_input(str(path)) for name, path in paths.items()}


def run_engine(engine, steps, splits) -> dict:
    """Fit every step on train, transform train and test; the outputs of the explicit steps per split."""
    columns = [c for c in splits["train"].schema]
    data = {name: engine.load(source, columns) for name, source in splits.items()}
    for step in steps:
        state = engine.fit(step, data["train"]) if step.spec.stateful else None
        data = {name: engine.transform(step, state, frame) for name, frame in data.items()}
    wanted = [c for s in steps if not s.implicit for c in s.output_cols]
    return {name: engine.collect(frame, wanted, None) for name, frame in data.items()}


def agree(operators: list[str], params: dict, splits) -> dict:
    """Assert both splits agree with the numpy engine; return the numpy outputs for further checks."""
    steps = plan_pipeline(operators, params, splits["train"].schema)
    kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
    rtol = {c: s.spec.rtol for s in steps for c in s.output_cols}
    got = run_engine(SklearnEngine(EngineOptions()), steps, splits)
    ref = run_engine(NumpyEngine(EngineOptions()), steps, splits)
    for split in ("train", "test"):
        verdict = compare_outputs(got[split], ref[split], kinds, rtol)
        assert verdict["verdict"] == "ok", (split, verdict)
    return ref


CASES = [
    (["StandardScaler"], {}),
    (["StandardScaler"], {"StandardScaler": {"with_mean": False}}),
    (["StandardScaler"], {"StandardScaler": {"with_std": False}}),
    (["MinMaxScaler"], {}),
    (["MinMaxScaler"], {"MinMaxScaler": {"min": -1.0, "max": 2.0}}),
    (["Imputer"], {}),
    (["Imputer"], {"Imputer": {"strategy": "median"}}),
    (["Imputer"], {"Imputer": {"strategy": "mode"}}),
    (["Imputer"], {"Imputer": {"strategy": "constant", "fill_value": -7.5}}),
    (["StringIndexer"], {}),
    (["OneHotEncoder"], {}),
    (["Tokenizer"], {}),
    (["HashingTF"], {}),
    (["HashingTF"], {"HashingTF": {"num_features": 16, "binary": True}}),
    (["IDF"], {}),
    (["IDF"], {"IDF": {"min_doc_freq": 5}}),
    (["Tokenizer", "HashingTF", "IDF"], {"HashingTF": {"num_features": 64}}),
    (["StringIndexer", "OneHotEncoder"], {}),
    (["StandardScaler", "MinMaxScaler"], {}),
]


@pytest.mark.parametrize(("operators", "params"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_sklearn_agrees_with_numpy(operators, params, splits) -> None:
    agree(operators, params, splits)


def test_the_edge_cases_are_really_in_the_data(splits) -> None:
    """The comparisons above only mean something if unseen values, nulls and the constant column occur."""
    index = agree(["StringIndexer"], {}, splits)["test"]
    # code point order: Z < a < ab < v00..v19 < é < 😀 (all 20 v-values occur in train)
    assert index["cat_0_index"][-len(EDGE_CATEGORIES):].tolist() == [0.0, 1.0, 23.0, 24.0, 2.0]
    unseen = np.isnan(index["cat_1_index"])
    assert 0 < unseen.sum() < len(unseen)  # v20..v29 are unseen
    assert unseen[-len(EDGE_CATEGORIES):].tolist() == [True, False, True, False, False]  # null -> null
    onehot = agree(["OneHotEncoder"], {}, splits)["test"]["cat_1_onehot"]
    assert onehot.shape[1] == 20
    assert np.array_equal(np.diff(onehot.indptr) == 0, unseen)  # unseen rows are all zeros, the others one 1
    scaled = agree(["StandardScaler"], {}, splits)
    assert np.all(scaled["train"]["num_c_scaled"] == 0.0) and np.all(scaled["test"]["num_c_scaled"] == 0.0)
    minmax = agree(["MinMaxScaler"], {"MinMaxScaler": {"min": -1.0, "max": 2.0}}, splits)
    assert np.all(minmax["test"]["num_c_minmax"] == -1.0)
    tokens = agree(["Tokenizer"], {}, splits)["test"]["text_tokens"][-len(EDGE_TEXT):]
    assert tokens == [
        ["leading", "tab", "and", "runs"], [], ["straße", "École\u00a0nbsp", "ÄÖü"], [], ["x", "y", "x", "y", "x"],
    ]


def test_models_read_the_loaded_block_without_copying_or_changing_it(splits) -> None:
    """Loaded numeric columns share one column-major block; a model's input is a view of it, chained outputs
    are views of the previous model's output, other column sets are copied, and nothing writes into the input."""
    engine = SklearnEngine(EngineOptions())
    frame = engine.load(splits["train"], ["num_0", "cat_0", "num_1", "num_2", "num_c", "miss_0"])
    before = {c: frame[c].copy() for c in ("num_0", "num_1", "num_2", "miss_0")}
    x = numeric_matrix(frame, ("num_1", "num_2"))
    assert x.base is frame["num_0"].base and x.flags.f_contiguous
    assert np.array_equal(x, np.column_stack([before["num_1"], before["num_2"]]))
    apart = numeric_matrix(frame, ("num_0", "miss_0", "num_2"))
    assert apart.base is not frame["num_0"].base
    assert np.array_equal(apart, np.column_stack([before[c] for c in ("num_0", "miss_0", "num_2")]), equal_nan=True)
    steps = plan_pipeline(["StandardScaler", "MinMaxScaler"], {}, splits["train"].schema)
    for step in steps:
        frame = engine.transform(step, engine.fit(step, frame), frame)
    scaled = numeric_matrix(frame, steps[1].input_cols)
    assert scaled.base is frame[steps[1].input_cols[0]].base
    assert all(np.array_equal(frame[c], before[c], equal_nan=True) for c in before)


def test_implementation_labels(splits) -> None:
    engine = SklearnEngine(EngineOptions())
    steps = {s.name: s for op in OPERATORS for s in plan_pipeline([op], {}, splits["train"].schema)}
    assert {op: engine.implementation(op, steps[op]) for op in OPERATORS} == {
        "StandardScaler": "native+adapter",
        "MinMaxScaler": "native+adapter",
        "Imputer": "native",
        "StringIndexer": "native",
        "OneHotEncoder": "native",
        "Tokenizer": "custom",
        "HashingTF": "custom",
        "IDF": "native+adapter",
    }
    [median] = plan_pipeline(["Imputer"], {"Imputer": {"strategy": "median"}}, splits["train"].schema)
    [unscaled] = plan_pipeline(["StandardScaler"], {"StandardScaler": {"with_std": False}}, splits["train"].schema)
    assert engine.implementation("Imputer", median) == "native+adapter"
    assert engine.implementation("StandardScaler", unscaled) == "native"


@pytest.mark.parametrize("operator", OPERATORS)
def test_cli_run_is_consistent(operator: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "src.bench.cli", "run", "--engine", "sklearn", "--operator", operator,
         "--input", str(ROOT / "data" / "sample.csv"), "--output", str(tmp_path), "--repeats", "2", "--warmup", "0"],
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

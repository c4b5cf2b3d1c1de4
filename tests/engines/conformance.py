"""What the conformance suite runs, and its one helper: an engine against the numpy reference on a train/test pair.

`assert_cases_match_reference` fits each case's steps on the train file, transforms the test file (and the train
file), materialises, collects the explicit steps' outputs and compares them with the numpy engine doing the same
through `compare_outputs`; a mismatch fails with its case and the mismatching rows. The cases of one dataset share
one frame, CASES_PER_FRAME at a time (`case_outputs`); `assert_matches_reference` is the same for one case. Every
engine-vs-reference check of the engine tests goes through them (tests/engines/test_conformance.py, and
test_sklearn_engine.py for the inputs outside the input rules that scikit-learn still handles like the reference).

Nothing here names an operator list or an engine list: operators come from the specs, engines from the
registry; the only engine names are the known bugs (each an expected failure that must flip when fixed) and the
engines quick enough to run without the `slow` mark.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from src.bench.data.inputs import InputSource, kind_of_arrow_type, resolve_input
from src.bench.errors import UserError
from src.bench.registry import REFERENCE, create_engine, facts, installed_engines
from src.bench.run.consistency import compare_outputs
from src.bench.run.engine import Engine
from src.bench.run.facts import IO_MODE, EngineOptions
from src.bench.spec.operators import OPERATORS
from src.bench.spec.plan import Step, output_columns, plan_pipeline
from src.engines.numpy.engine import NumpyEngine
from tests.engines import edge_data

SPLITS = ("train", "test")
# Cases sharing one frame (case_outputs). Spark analyses a plan again at every step added to it, so a frame of all
# 47 cases of `main` took 7 s to build and 11 s to materialise; frames of 12 cases cost a fraction of that, while
# engines with a cost per action (a Dask or Ray round trip) still run a few actions per dataset, not 4 per case.
CASES_PER_FRAME = 12
QUICK_ENGINES = frozenset({"sklearn"})  # run in this process in milliseconds; every other engine is `slow`


# --- the helper ------------------------------------------------------------------------------------------------

def fit_then_transform(engine: Engine, steps: list[Step], train: Any, test: Any) -> tuple[Any, Any]:
    """Fit every step on the training data (as transformed so far) and apply it to both."""
    for step in steps:
        state = engine.fit(step, train) if step.spec.stateful else None
        train, test = engine.transform(step, state, train), engine.transform(step, state, test)
    return train, test


def planned(cases: list[Case], schema: dict[str, str]) -> list[list[Step]]:
    """Each case's steps. With several cases, each case's columns carry the suffix `__<its number>` (no two cases
    write the same column: they can share one frame)."""
    plans = [plan_pipeline(list(c.operators), dict(c.params), schema) for c in cases]
    if len(plans) == 1:
        return plans
    tagged = []
    for n, steps in enumerate(plans):
        names = {c: f"{c}__{n}" for s in steps for c in s.output_cols}
        tagged.append([replace(s, input_cols=tuple(names.get(c, c) for c in s.input_cols),
                               output_cols=tuple(names[c] for c in s.output_cols),
                               step_name=f"{s.step_name}__{n}") for s in steps])
    return tagged


def case_outputs(engine: Engine, plans: list[list[Step]], data: tuple[Any, ...]) -> dict[str, dict]:
    """Each case's steps fitted on the training data as the case alone fits them (its own chain of steps), then
    every case's transforms applied to one frame per split, materialised and collected once: per case, only its fits
    cost engine jobs. The explicit steps' outputs per split (`data`: train and test, or train alone)."""
    fitted = []
    for steps in plans:
        chain = data[0]
        for step in steps:
            state = engine.fit(step, chain) if step.spec.stateful else None
            chain = engine.transform(step, state, chain) if step is not steps[-1] else chain
            fitted.append((step, state))
    written = [c for steps in plans for c in output_columns(steps)]
    checked = [c for steps in plans for c in _checked(steps)]
    out = {}
    for split, frame in zip(SPLITS, data):
        for step, state in fitted:
            frame = engine.transform(step, state, frame)
        out[split] = engine.collect(engine.materialize(frame, written), checked, None)
    return out


def reference_outputs(sources: tuple[InputSource, InputSource], operators: list[str] | tuple[str, ...],
                      params: dict | None = None) -> dict[str, dict]:
    """The numpy engine's outputs of the explicit steps, fitted on the train source, per split."""
    return _reference_case_outputs(planned([Case(tuple(operators), dict(params or {}))], sources[0].schema), sources)


def _reference_case_outputs(plans: list[list[Step]], sources: tuple[InputSource, ...]) -> dict[str, dict]:
    reference = NumpyEngine(EngineOptions())
    return case_outputs(reference, plans, tuple(reference.load(s, list(s.schema)) for s in sources))


def assert_matches_reference(engine: Engine, sources: tuple[InputSource, InputSource], data: tuple[Any, Any],
                             operators: list[str] | tuple[str, ...], params: dict | None = None) -> dict[str, dict]:
    """`engine` (with `data`, its loads of the train and test `sources`) fits the operators on train and transforms
    test and train; both outputs of every explicit step must match the numpy engine's. Returns the reference
    outputs per split, for checks of what the data exercised."""
    return assert_cases_match_reference(engine, sources, data, [Case(tuple(operators), dict(params or {}))])


def assert_cases_match_reference(engine: Engine, sources: tuple[InputSource, InputSource], data: tuple[Any, Any],
                                 cases: list[Case]) -> dict[str, dict]:
    """`assert_matches_reference` for several cases at once, on one frame (`case_outputs`); a mismatch names its
    case. One source for both splits (a model fitted on the data it transforms) is checked once."""
    plans = planned(cases, sources[0].schema)
    steps = [s for p in plans for s in p]
    kinds = {c: s.spec.output_kind for s in steps for c in s.output_cols}
    rtol = {c: s.spec.rtol for s in steps for c in s.output_cols}
    owner = {c: case.id for case, p in zip(cases, plans) for s in p for c in s.output_cols}
    splits = 1 if sources[0] is sources[1] else 2
    expected = _reference_case_outputs(plans, sources[:splits])
    got = {}
    for start in range(0, len(plans), CASES_PER_FRAME):
        try:
            outputs = case_outputs(engine, plans[start:start + CASES_PER_FRAME], data[:splits])
        except Exception as exc:
            exc.add_note(f"{engine.name}, on the cases {[c.id for c in cases[start:start + CASES_PER_FRAME]]}")
            raise
        for split, columns in outputs.items():
            got.setdefault(split, {}).update(columns)
    problems = []
    for split in expected:
        verdict = compare_outputs(got[split], expected[split], kinds, rtol)
        if verdict["verdict"] != "ok":
            problems.append(describe_mismatch(split, verdict, owner))
    if problems:
        pytest.fail(f"{engine.name} differs from {REFERENCE}:\n" + "\n".join(problems), pytrace=False)
    return {split: expected.get(split, expected["train"]) for split in SPLITS}


def _checked(steps: list[Step]) -> list[str]:
    return [c for s in steps if not s.implicit for c in s.output_cols]


def describe_mismatch(split: str, verdict: dict[str, Any], owner: dict[str, str]) -> str:
    """Each column that differs, with its case (`owner`): counts, worst differences and its mismatching rows
    (reference vs engine)."""
    lines = []
    for name, column in verdict["columns"].items():
        if column["verdict"] == "ok":
            continue
        facts_ = {k: column[k] for k in ("rows", "mismatches", "max_abs_diff", "max_rel_diff", "detail") if k in column}
        lines.append(f"  {owner[name]}: {split} {name}: {json.dumps(facts_)}")
        for example in column.get("examples", []):
            lines.append(f"    row {example['row']}: reference {example['reference']} vs engine {example['engine']}")
    return "\n".join(lines)


# --- the cases -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """Operators (one, or a pipeline) and their parameters keyed by operator name."""

    operators: tuple[str, ...]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        text = "-".join(self.operators)
        for op, given in self.params.items():
            prefix = f"{op}:" if len(self.operators) > 1 else ""
            text += f"[{prefix}" + ",".join(f"{k}={v}" for k, v in given.items()) + "]"
        return text


# Every operator also runs alone with its defaults (from OPERATORS); these are the non-default parameters.
PARAMETER_CASES: dict[str, list[dict[str, Any]]] = {
    "StandardScaler": [{"with_mean": False}, {"with_std": False}, {"with_mean": False, "with_std": False}],
    "MinMaxScaler": [{"min": -1.0, "max": 2.0}, {"min": -1.0, "max": 3.0}],
    "Imputer": [{"strategy": "median"}, {"strategy": "mode"}, {"strategy": "constant", "fill_value": -7.5},
                {"strategy": "constant", "fill_value": -2.5}],
    "HashingTF": [{"num_features": 16, "binary": True}],
    "IDF": [{"min_doc_freq": 5}, {"min_doc_freq": 40}],
    "Normalizer": [{"p": 1.0}, {"p": "inf"}],
    "PolynomialExpansion": [{"degree": 3}],
    "FeatureHasher": [{"num_features": 8}],  # collisions of strings and numbers
    "RobustScaler": [{"with_centering": False, "lower": 0.1, "upper": 0.9}, {"with_scaling": False}],
    "Bucketizer": [{"splits": [-1e300, 0.0, 1e300], "handle_invalid": "keep", "input_cols": ["miss_*"]}],
    "QuantileDiscretizer": [{"num_buckets": 4, "handle_invalid": "keep", "input_cols": ["miss_*"]}],
    "CountVectorizer": [{"vocab_size": 6}, {"min_df": 0.3}],  # min_df as a count: the reference's unit tests
}
# Parameters an operator cannot run without: its case "with its defaults" has these. Values on the splits: 0.1 is
# num_const at fit, -1, 1 and 100 are in num_int.
REQUIRED_PARAMS = {"Bucketizer": {"splits": ["-inf", -1.0, 0.0, 0.1, 1.0, 100.0, "inf"]}}


def with_defaults(case: Case) -> bool:
    """A case whose operators run with their defaults (and only the parameters they require)."""
    return all(given == REQUIRED_PARAMS.get(op) for op, given in case.params.items())


PIPELINES = [
    Case(("Tokenizer", "HashingTF", "IDF")),
    Case(("StringIndexer", "OneHotEncoder")),
    Case(("StandardScaler", "MinMaxScaler")),
    Case(("Tokenizer", "CountVectorizer", "IDF")),
    # each step reads num_* (an index column is no input of the next): one case covers three operators per format
    Case(("QuantileDiscretizer", "Bucketizer", "RobustScaler"), {"Bucketizer": REQUIRED_PARAMS["Bucketizer"]}),
    Case(("Tokenizer", "HashingTF", "IDF"), {"HashingTF": {"num_features": 64}}),
    Case(("Tokenizer", "HashingTF", "IDF"), {"HashingTF": {"num_features": 8}}),
    Case(("Tokenizer", "CountVectorizer", "IDF"), {"CountVectorizer": {"min_df": 1e6}}),  # IDF of zero-width vectors
    # two steps reading the same columns, not chained (Dask's optimizer once mixed up their transforms)
    Case(("MinMaxScaler", "StandardScaler"), {"StandardScaler": {"input_cols": ["num_*"]}}),
]
DEFAULT_CASES = [Case((op,), {op: REQUIRED_PARAMS[op]} if op in REQUIRED_PARAMS else {}) for op in OPERATORS] + [
    p for p in PIPELINES if with_defaults(p)]
CASES = DEFAULT_CASES + [Case((op,), {op: p}) for op, ps in PARAMETER_CASES.items() for p in ps] + [
    p for p in PIPELINES if not with_defaults(p)]


def format_cases(schema: dict[str, str]) -> list[Case]:
    """The cases that run on a dataset in every other format (CSV, Parquet parts) through an engine's own reader.
    A reader's output for a column is what differs between formats, and any step reading the column shows it in
    the checked output; the operators themselves run on every dataset from Parquet. So: the default cases that
    together read every column of the file in every mix of kinds some default case reads it with (a step reading a
    string column beside integer ones may take another path), chosen greedily for the fewest fits, which are what
    costs a distributed engine its time."""
    plans = [plan_pipeline(list(c.operators), c.params, schema) for c in DEFAULT_CASES]
    reads = [{(col, s.input_kinds) for s in steps for col in s.input_cols if col in schema} for steps in plans]
    cost = [1 + sum(s.spec.stateful for s in steps) for steps in plans]
    wanted = set().union(*reads)
    chosen = []
    while wanted:
        best = max(range(len(DEFAULT_CASES)), key=lambda i: len(reads[i] & wanted) / cost[i])
        chosen.append(DEFAULT_CASES[best])
        wanted -= reads[best]
    return chosen


# --- the data --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dataset:
    """A train/test pair. `operators`: the operators whose edge case it holds (None: all); a case runs on it when
    one of its steps (implicit ones included) is one of them. `parameter_cases`: the operators whose parameter
    cases run on it too (True: all); the others run with their defaults only, as do the default pipelines."""

    name: str
    tables: Callable[[], tuple[pa.Table, pa.Table]]
    operators: frozenset[str] | None = None
    parameter_cases: bool | frozenset[str] = True
    own_reader: bool = False  # read with the engine's last io-mode (its own reader) instead of its first

    def runs(self, case: Case, schema: dict[str, str]) -> bool:
        varied = {op for op, given in case.params.items() if given != REQUIRED_PARAMS.get(op)}
        if varied and self.parameter_cases is not True and not varied <= self.parameter_cases:
            return False
        if self.operators is None:
            return True
        try:
            steps = plan_pipeline(list(case.operators), case.params, schema)
        except UserError:  # a dataset for some operators may lack the columns of the others
            return False
        return any(s.name in self.operators for s in steps)


DATASETS = [
    Dataset("main", edge_data.main_pair),
    Dataset("tiny", lambda: (edge_data.TINY, edge_data.TINY),
            parameter_cases=frozenset({"StandardScaler", "MinMaxScaler", "Imputer"})),
    Dataset("blank_batch", edge_data.blank_batch_pair, frozenset({"Tokenizer"}), parameter_cases=frozenset()),
    Dataset("empty_category", edge_data.empty_category_pair, frozenset({"StringIndexer", "OneHotEncoder"}),
            parameter_cases=frozenset()),
    Dataset("odd_names", edge_data.odd_names_pair, parameter_cases=frozenset(), own_reader=True),
    Dataset("vocabulary_ties", edge_data.vocabulary_ties_pair, frozenset({"CountVectorizer"}),
            parameter_cases=frozenset({"CountVectorizer"})),
    # the bounds of "Large offset, small spread" (docs/operators.md): sigma/|mu| = 1e-6, |min|/(max - min) = 5e3
    Dataset("offset_std", lambda: edge_data.offsets_pair(1e-6), frozenset({"StandardScaler"}),
            parameter_cases=frozenset()),
    Dataset("offset_minmax", lambda: edge_data.offsets_pair(1 / (5e3 * np.sqrt(12))), frozenset({"MinMaxScaler"}),
            parameter_cases=frozenset()),
    Dataset("zeros", edge_data.zeros_pair, frozenset({"MaxAbsScaler", "Normalizer", "PolynomialExpansion"})),
    Dataset("hashing", edge_data.hashing_pair, frozenset({"FeatureHasher"})),
]
FORMATS = edge_data.FORMATS


def write_datasets(root: Path) -> dict[str, dict[str, tuple[InputSource, InputSource]]]:
    """Every dataset in every format: name -> format -> (train, test) sources."""
    out = {}
    for dataset in DATASETS:
        paths = edge_data.write_train_test(root / dataset.name, *dataset.tables())
        out[dataset.name] = {fmt: tuple(resolve_input(str(p)) for p in pair) for fmt, pair in paths.items()}
    return out


def schema_of(dataset: Dataset) -> dict[str, str]:
    """Column kinds of a dataset as the planner sees them, without writing it (to choose cases at collection)."""
    train, _ = dataset.tables()
    return {f.name: kind_of_arrow_type(f.type) for f in train.schema}


# --- known engine bugs: strict expected failures --------------------------------------------------------------

@dataclass(frozen=True)
class KnownBug:
    """A case fails on `engine`, `dataset` and `io_mode` (None: any) when it has a step of one of `operators`
    that reads a column of `input_kind` (None: any), an explicit step (its output is collected) when `explicit`."""

    engine: str
    dataset: str
    io_mode: str | None
    operators: frozenset[str]
    input_kind: str | None
    explicit: bool
    reason: str

    def hits(self, engine: str, dataset: str, io_mode: str | None, steps: list[Step]) -> bool:
        return (engine, dataset) == (self.engine, self.dataset) and self.io_mode in (None, io_mode) and any(
            s.name in self.operators and (self.input_kind is None or self.input_kind in s.input_kinds)
            and not (self.explicit and s.implicit) for s in steps)


# An engine bug these cases find goes here until it is fixed: its cases are strict expected failures, which fail
# as soon as the bug is fixed (then remove the entry). Three found while this suite was written are fixed already:
# Ray's tokens of a batch made only of blank documents (list<null>: collecting failed with "ArrowInvalid: Schema at
# index N was different") and Spark's OneHotEncoder on an empty-string category ("Cannot have an empty string for
# name"); datasets blank_batch and empty_category keep checking them; and Spark's own reader (--io-mode engine)
# reading integer columns as strings, which the main dataset's num_int keeps checking.
KNOWN_BUGS: list[KnownBug] = [
    KnownBug("spark", "odd_names", None, frozenset({"FeatureHasher"}), None, True,
             "Spark's FeatureHasher hashes the column name and reads the column with col(name), which takes a dot as a "
             "struct field; prepbench's Spark engine renames such columns (names.py), so the renamed name is hashed"),
]


def known_bug(engine: str, dataset: Dataset, io_mode: str | None, case: Case, schema: dict[str, str]
              ) -> KnownBug | None:
    steps = plan_pipeline(list(case.operators), case.params, schema)
    return next((b for b in KNOWN_BUGS if b.hits(engine, dataset.name, io_mode, steps)), None)


# --- the engines -----------------------------------------------------------------------------------------------

def engines_under_test() -> list[str]:
    return [name for name in installed_engines() if name != REFERENCE]


def io_modes(engine: str) -> tuple[str, ...]:
    """The engine's --io-mode choices, when it declares the option."""
    return IO_MODE.choices if IO_MODE in facts(engine).options else ()


def engine_marks(engine: str) -> list[pytest.MarkDecorator]:
    return [] if engine in QUICK_ENGINES else [pytest.mark.slow]


class Sessions:
    """Engines started lazily, one engine name at a time: asking for another name stops the current one first,
    so with the cases ordered by engine each engine starts once per module. One instance per io-mode asked for
    (they share the engine's session or local cluster); loaded data is cached per (dataset, format, io-mode)."""

    def __init__(self, files: dict[str, dict[str, tuple[InputSource, InputSource]]], app_name: str) -> None:
        self.files = files
        self.app_name = app_name
        self.name: str | None = None
        self.instances: dict[str | None, Engine] = {}
        self.loaded: dict[tuple[str, str, str | None, bool], tuple[Any, Any]] = {}

    def engine(self, name: str, io_mode: str | None = None) -> Engine:
        if name != self.name:
            self.stop()
            self.name = name
        if io_mode not in self.instances:
            values = {} if io_mode is None else {"io_mode": io_mode}
            engine = create_engine(name, EngineOptions(app_name=self.app_name, **values))
            engine.start()
            self.instances[io_mode] = engine
        return self.instances[io_mode]

    def with_files(self, files: dict[str, dict[str, tuple[InputSource, InputSource]]]) -> Sessions:
        """These datasets too (each module's names are its own: a name is registered once, by one module)."""
        for name, formats in files.items():
            assert self.files.setdefault(name, formats) is formats, f"dataset {name} registered twice"
        return self

    def load(self, name: str, dataset: str, fmt: str, io_mode: str | None = None,
             own_reader: bool = False) -> tuple[Engine, tuple, tuple]:
        """The started engine, the dataset's (train, test) sources and the engine's loads of them; `own_reader`:
        read by `Engine.read` instead (the engine's own reader, as --end-to-end reads, nothing cached)."""
        engine = self.engine(name, io_mode)
        sources = self.files[dataset][fmt]
        key = (dataset, fmt, io_mode, own_reader)
        if key not in self.loaded:
            read = engine.read if own_reader else engine.load
            self.loaded[key] = tuple(read(s, list(s.schema)) for s in sources)
        return engine, sources, self.loaded[key]

    def stop(self) -> None:
        self.loaded.clear()
        for engine in reversed(list(self.instances.values())):  # the first one owns what they share
            engine.stop()
        self.instances.clear()
        self.name = None

"""Every operator on every installed engine against the numpy reference, over the shared edge-case datasets.

The operators come from `OPERATORS` (each alone with its defaults, then the parameter cases and the standard
pipelines of tests/engines/conformance.py), the engines from the registry, minus the reference itself: a new
operator or a new engine is checked here without any change to this file. Each case fits on a train file and
transforms a test file (and the train file); outputs go through `compare_outputs` with the operator's tolerance.

Datasets (tests/engines/edge_data.py): `main` (nulls with even and odd counts, a constant column, unseen and
code-point-ordered categories, int64 numbers and categories, mixed-case text with tabs, blank documents), `tiny`
(ties, a not-quite-exact constant, a column whose IQR is 0 and -0.0 beside 0.0, train = test), `blank_batch` (a
batch of only empty/whitespace documents; text operators only), `empty_category` (an empty-string category;
category operators only), `zeros` (all-zero columns and rows; the vector operators only), `hashing` (missing and
odd values; FeatureHasher only), `vocabulary_ties` (a tie at CountVectorizer's vocab_size cut-off across U+FFFF)
and `odd_names` (column names with dots, spaces, backticks, non-ASCII letters, and two that differ only in case;
read with the engine's own reader when it has one). Every engine also runs, on `main`, the cases that cover every
operator through every other format (CSV, Parquet parts) and io-mode. A known engine bug is a strict expected
failure (conformance.KNOWN_BUGS), so it turns into a failure when fixed.

One engine runs at a time: its cases are contiguous, it starts on the first and stops before the next engine's.
"""

from __future__ import annotations

import numpy as np
import pytest

from src.bench.data.inputs import read_arrow_table
from src.bench.run.variants import STOCK, TUNED, engine_variants, has_tuned
from src.bench.spec.operators import INTEGER, OPERATORS
from tests.engines import conformance as cf
from tests.engines import edge_data

SCHEMAS = {d.name: cf.schema_of(d) for d in cf.DATASETS}
BY_NAME = {d.name: d for d in cf.DATASETS}


def _matrix() -> list:
    """(engine, variant, dataset, format, io-mode, own reader, cases) for every engine, its reads contiguous. Every
    dataset is read from Parquet with the engine's first io-mode, when it has several (its last, its own reader, for
    a dataset marked `own_reader`). Every engine also reads `main` in every format (CSV, Parquet, a directory of
    parts with dictionary-encoded strings) with `Engine.read`, its own reader, and runs there the cases that read
    every column (conformance.format_cases). The shared reader, which most `load`s use, gives every engine the same
    table from every format (test_the_shared_reader_reads_every_format_alike): other formats through it would repeat
    the Parquet cases. A tuned variant runs every case with a tuned step on every dataset read from Parquet: how the
    data is read is the engine's, not the variant's. The cases of one read run together on one frame
    (conformance.case_outputs); a case hit by a known bug runs alone, as a strict expected failure."""
    params = []
    for engine in cf.engines_under_test():
        modes = cf.io_modes(engine)
        first = modes[0] if modes else None
        reads = [(d, "parquet", modes[-1] if d.own_reader and modes else first, False, True) for d in cf.DATASETS]
        reads += [(BY_NAME["main"], fmt, first, True, False) for fmt in cf.FORMATS]
        runs = [(STOCK, *read) for read in reads] + [(TUNED, *read) for read in reads if read[-1]]
        for variant, dataset, fmt, io_mode, own_reader, every_case in runs:
            schema = SCHEMAS[dataset.name]
            cases = [c for c in cf.CASES if dataset.runs(c, schema)] if every_case else cf.format_cases(schema)
            cases = [c for c in cases if variant in engine_variants(engine, list(c.operators))]
            who = engine if variant == STOCK else f"{engine}.{variant}"
            where = dataset.name if every_case else f"{dataset.name}.{fmt}.read"
            bugs = [cf.known_bug(engine, dataset, io_mode, c, schema) for c in cases]
            batch = tuple(c for c, bug in zip(cases, bugs) if bug is None)
            alone = [((c,), [pytest.mark.xfail(strict=True, reason=bug.reason)], f"-{c.id}")
                     for c, bug in zip(cases, bugs) if bug is not None]
            for group, marks, suffix in ([(batch, [], "")] if batch else []) + alone:
                params.append(pytest.param(engine, variant, dataset.name, fmt, io_mode, own_reader, group,
                                           marks=cf.engine_marks(engine) + marks, id=f"{who}-{where}{suffix}"))
    return params


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    return cf.write_datasets(tmp_path_factory.mktemp("conformance"))


@pytest.fixture()
def sessions(engine_sessions, files):
    return engine_sessions.with_files(files)


@pytest.mark.parametrize(("engine", "variant", "dataset", "fmt", "io_mode", "own_reader", "cases"), _matrix())
def test_engine_matches_the_reference(sessions, engine, variant, dataset, fmt, io_mode, own_reader, cases) -> None:
    started, sources, data = sessions.load(engine, dataset, fmt, io_mode, own_reader)
    started.variant = variant
    cf.assert_cases_match_reference(started, sources, data, list(cases))


# --- the cases and the data really hold what the comparisons claim to check --------------------------------------

def test_every_operator_and_parameter_has_a_case() -> None:
    """Every operator runs alone, every parameter with a non-default value, and every engine is under test."""
    assert {c.operators for c in cf.DEFAULT_CASES} >= {(op,) for op in OPERATORS}
    for name, spec in OPERATORS.items():
        varied = {p.name for c in cf.CASES for given in (c.params.get(name, {}),) for p in spec.params
                  if p.name in given and given[p.name] != p.default}
        assert varied == {p.name for p in spec.params}, name
    assert {p.values[0] for p in _matrix()} == set(cf.installed_engines()) - {cf.REFERENCE}


def test_every_tuned_module_runs_every_case_of_its_operator() -> None:
    """Each tuned variant runs the same cases as its stock variant on the datasets read from Parquet."""
    cases = {}
    for p in _matrix():
        engine, variant, dataset, fmt, io_mode, own_reader, group = p.values
        if not own_reader:
            cases.setdefault((engine, variant), set()).update((dataset, case.id) for case in group)
    for engine in cf.engines_under_test():
        tuned = {op for op in OPERATORS if has_tuned(cf.facts(engine).package, op)}
        stock_cases = {(d, c) for d, c in cases[(engine, STOCK)]
                       if tuned & set(c.split("[")[0].split("-"))}
        assert cases.get((engine, TUNED), set()) == stock_cases, engine


def test_the_shared_reader_reads_every_format_alike(files) -> None:
    """The reader behind most engines' `load` (and the --io-mode pandas of Spark and Ray) gives the same schema and
    table from CSV and from a directory of parts with dictionary-encoded strings as from Parquet, for `main` (nulls,
    NaN, Unicode, line breaks): so the matrix's format cases go through each engine's own reader only."""
    for split, parquet in enumerate(files["main"]["parquet"]):
        want = read_arrow_table(parquet, list(parquet.schema))
        for fmt in set(cf.FORMATS) - {"parquet"}:
            source = files["main"][fmt][split]
            assert source.schema == parquet.schema, fmt
            assert read_arrow_table(source, list(parquet.schema)).equals(want), (fmt, cf.SPLITS[split])


def test_every_dataset_runs_the_operators_it_is_for() -> None:
    for dataset in cf.DATASETS:
        schema = SCHEMAS[dataset.name]
        ran = {s.name for c in cf.CASES if dataset.runs(c, schema) for s in cf.plan_pipeline(list(c.operators),
                                                                                             c.params, schema)}
        assert ran >= (dataset.operators or set(OPERATORS)), dataset.name


def test_a_known_bug_marks_exactly_its_cases() -> None:
    """The KNOWN_BUGS mechanism: a bug of an explicit Tokenizer step on blank_batch marks the cases whose tokens
    are collected, not those where the Tokenizer is an implicit step, nor other engines, datasets or io-modes."""
    bug = cf.KnownBug("ray", "blank_batch", "pandas", frozenset({"Tokenizer"}), None, True, "example")
    schema = SCHEMAS["blank_batch"]
    hit = {c.id for c in cf.CASES
           if bug.hits("ray", "blank_batch", "pandas", cf.plan_pipeline(list(c.operators), c.params, schema))}
    assert hit == {c.id for c in cf.CASES if c.operators[0] == "Tokenizer"}
    steps = cf.plan_pipeline(["Tokenizer"], {}, schema)
    assert not bug.hits("spark", "blank_batch", "pandas", steps) and not bug.hits("ray", "main", "pandas", steps)
    assert not bug.hits("ray", "blank_batch", "engine", steps)
    integer = cf.KnownBug("spark", "main", None, frozenset({"StandardScaler"}), INTEGER, False, "example")
    main = SCHEMAS["main"]
    assert integer.hits("spark", "main", "engine", cf.plan_pipeline(["StandardScaler", "MinMaxScaler"], {}, main))
    assert not integer.hits("spark", "main", "engine", cf.plan_pipeline(["MinMaxScaler"], {}, main))


def reference(files, dataset: str, operators: list[str], params: dict | None = None) -> dict:
    """The numpy engine checked against itself: its outputs per split."""
    engine = cf.NumpyEngine(cf.EngineOptions())
    sources = files[dataset]["parquet"]
    return cf.assert_matches_reference(engine, sources, tuple(engine.load(s, list(s.schema)) for s in sources),
                                       operators, params)


def test_main_data_holds_the_edge_cases(files) -> None:
    n_edge = len(edge_data.EDGE_CATEGORIES)
    index = reference(files, "main", ["StringIndexer"])
    test = index["test"]["cat_0_index"]
    # code point order: Z < a < ab < v0..v5 < é < ｚ (U+FF5A) < 😀 (all six v-values occur in train); null -> null
    assert test[-n_edge:].tolist() == pytest.approx([0.0, 1.0, 9.0, 11.0, 2.0, np.nan, 10.0], nan_ok=True)
    assert np.isnan(test).sum() == edge_data.MAIN_TEST_UNSEEN + 1 and np.isnan(index["train"]["cat_0_index"]).sum() == 1
    train, test_table = edge_data.main_pair()  # int64 categories are ordered numerically: -1 2 9 10 100
    expected = {-1: 0.0, 2: 1.0, 9: 2.0, 10: 3.0, 100: 4.0}
    got = index["test"]["cat_int_index"]
    want = [expected.get(v, np.nan) for v in test_table["cat_int"].to_pylist()]  # 3 and 11 unseen: null
    assert np.array_equal(got, want, equal_nan=True) and np.isnan(want).any()
    onehot = reference(files, "main", ["StringIndexer", "OneHotEncoder"])["test"]["cat_0_index_onehot"]
    assert onehot.shape[1] == 12 and (np.diff(onehot.indptr) == 0).sum() == edge_data.MAIN_TEST_UNSEEN + 1
    onehot = reference(files, "main", ["OneHotEncoder"])["test"]["cat_0_onehot"]
    assert np.array_equal(np.diff(onehot.indptr) == 0, np.isnan(test))  # unseen, null: all zeros; others one 1
    scaled = reference(files, "main", ["StandardScaler"])
    assert all(np.all(scaled[split]["num_const_scaled"] == 0.0) for split in cf.SPLITS)
    minmax = reference(files, "main", ["MinMaxScaler"], {"MinMaxScaler": {"min": -1.0, "max": 2.0}})["test"]
    assert np.all(minmax["num_const_minmax"] == -1.0)
    tokens = reference(files, "main", ["Tokenizer"])
    assert tokens["test"]["text_tokens"][-n_edge:] == [
        ["leading", "tab", "and", "runs"], [], ["x", "y", "x", "y", "x"], [], ["mixed", "case", "text"], None,
        ["straße", "i\u0307stanbul", "οδος", "😀emoji\u00a0nbsp"]]
    assert sum(t == [] for t in tokens["train"]["text_tokens"]) > len(edge_data.BLANK_DOCUMENTS)
    # both median rules: an even count of observed values and an odd one
    assert [train["miss_0"].null_count % 2, train["miss_1"].null_count % 2] == [train.num_rows % 2,
                                                                               (train.num_rows + 1) % 2]
    tf = reference(files, "main", ["HashingTF"])["train"]["text_tokens_tf"]
    idf = reference(files, "main", ["IDF"], {"IDF": {"min_doc_freq": 40}})["train"]["text_tokens_tf_tfidf"]
    assert 0 < idf.count_nonzero() < tf.count_nonzero()  # min_doc_freq 40 zeroes some terms, not all


def test_small_datasets_hold_their_edge_cases(files) -> None:
    tiny = reference(files, "tiny", ["Imputer"], {"Imputer": {"strategy": "mode"}})["train"]["miss_0_imputed"]
    assert tiny[1] == 1.0  # the tie 1.0 / 2.0 goes to the smallest
    median = reference(files, "tiny", ["Imputer"], {"Imputer": {"strategy": "median"}})["train"]["miss_0_imputed"]
    assert median[1] == 2.0  # the lower median of 1 1 2 2 3
    assert reference(files, "tiny", ["StandardScaler"])["train"]["num_const_scaled"].tolist() == [0.0] * 7
    blank = reference(files, "blank_batch", ["Tokenizer"])["test"]["text_tokens"]
    half = len(blank) // 2
    assert all(blank[:half]) and blank[half:] == [[]] * (len(blank) - half)
    empty = reference(files, "empty_category", ["StringIndexer"])["test"]["cat_0_index"]
    assert empty[0] == 0.0 and not np.isnan(empty).any()  # "" is the first category
    maxabs = reference(files, "zeros", ["MaxAbsScaler"])
    assert maxabs["test"]["num_zero_maxabs"].tolist() == [0.0, 0.0, 2.0, -3.0, 0.0]  # all zeros at fit: divided by 1
    normalized = reference(files, "zeros", ["Normalizer"])["train"]["normalized"]
    assert np.flatnonzero(np.diff(normalized.indptr) == 0).tolist() == [1, 3, 6]  # the zero rows stay zero
    hashed = reference(files, "hashing", ["FeatureHasher"], {"FeatureHasher": {"num_features": 8}})["test"]["hashed"]
    # row sums: the numbers present plus 1 per string present (null and NaN put nothing; "" is a value)
    assert hashed.shape == (6, 8) and np.asarray(hashed.sum(axis=1)).ravel().tolist() == [6.5, 0.0, 1.0, 7.0, 4.0, 9.0]
    assert reference(files, "tiny", ["RobustScaler"])["train"]["num_iqr0_robust"].tolist() == [0.0] * 7
    buckets = reference(files, "tiny", ["Bucketizer"], {"Bucketizer": cf.REQUIRED_PARAMS["Bucketizer"]})
    assert buckets["train"]["num_signed_bucket"].tolist() == [2.0, 2.0, 1.0, 3.0, 2.0, 5.0, 4.0]  # -0.0 with 0.0
    ties = reference(files, "vocabulary_ties", ["CountVectorizer"], {"CountVectorizer": {"vocab_size": 6}})
    # vocabulary a b c z é ｚ: ｚ (U+FF5A) wins the tie against 😀 by code point; test row 3 holds ｚ twice
    assert ties["test"]["text_tokens_counts"].toarray()[2].tolist() == [0, 1, 0, 0, 0, 2]

"""Every operator on every installed engine against the numpy reference, on real data no one here wrote.

data/real/package_docs.parquet (built by scripts/build_real_data.py, described in data/real/README.md) holds one
row per prose paragraph of the long descriptions of the Python packages prepbench[all,dev] installs: README text
with Unicode (non-ASCII capitals, no-break spaces, emoji, box drawing), nullable author/license/topic categories,
a numeric column with nulls (python_min) and integer columns. Nothing in it obeys the generated data's input
rules by construction, which is the point.

Each case runs twice: `whole` fits on the file and transforms it; `split` fits on the packages whose name hashes
even and transforms the others, so categories and words unseen at fit occur. Cases are ordered by engine; the
engines are started once for all engine-matrix modules (tests/engines/conftest.py). The comparison is the
conformance suite's helper (tests/engines/conformance.py).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import InputSource, resolve_input
from src.bench.run.variants import STOCK, TUNED, engine_variants
from tests.engines import conformance as cf

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "real" / "package_docs.parquet"
README = ROOT / "data" / "real" / "README.md"
SHA256 = "c9e9c8e3f3a3ad558245a0e11edfa21c842ba54b6f8afe4ddfa2621fff6eceb9"

NUMERIC = ["n_classifiers", "paragraph_words", "summary_len"]
CATEGORIES = ["author", "license", "topic"]
MODES = ("whole", "split")


# --- the cases ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    operators: tuple[str, ...]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


CASES = [
    # each step of a numeric case reads the numeric columns (integer counts with many ties, a float length)
    Case("StandardScaler-MinMaxScaler-numeric", ("StandardScaler", "MinMaxScaler"),
         {"StandardScaler": {"input_cols": NUMERIC}, "MinMaxScaler": {"input_cols": NUMERIC, "min": -1.0, "max": 2.0}}),
    *[Case(f"Imputer[{s}]-python_min", ("Imputer",), {"Imputer": {"input_cols": ["python_min"], "strategy": s}})
      for s in ("mean", "median", "mode", "constant")],
    # both steps are checked: StringIndexer's index columns, then OneHotEncoder's vectors of them
    Case("StringIndexer-OneHotEncoder-categories", ("StringIndexer", "OneHotEncoder"),
         {"StringIndexer": {"input_cols": CATEGORIES}}),
    Case("OneHotEncoder-categories", ("OneHotEncoder",), {"OneHotEncoder": {"input_cols": CATEGORIES}}),
    Case("Tokenizer-HashingTF-IDF-text", ("Tokenizer", "HashingTF", "IDF"), {"Tokenizer": {"input_cols": ["text"]}}),
    Case("Tokenizer-HashingTF[64]-IDF[5]-text", ("Tokenizer", "HashingTF", "IDF"),
         {"Tokenizer": {"input_cols": ["text"]}, "HashingTF": {"num_features": 64}, "IDF": {"min_doc_freq": 5}}),
    Case("Tokenizer-CountVectorizer[min_df=2]-IDF-text", ("Tokenizer", "CountVectorizer", "IDF"),
         {"Tokenizer": {"input_cols": ["text"]}, "CountVectorizer": {"min_df": 2.0}}),
    Case("MaxAbsScaler-RobustScaler-QuantileDiscretizer-Bucketizer-numeric",
         ("MaxAbsScaler", "RobustScaler", "QuantileDiscretizer", "Bucketizer"),
         {"MaxAbsScaler": {"input_cols": NUMERIC}, "RobustScaler": {"input_cols": NUMERIC},
          "QuantileDiscretizer": {"input_cols": NUMERIC, "num_buckets": 5},
          "Bucketizer": {"input_cols": NUMERIC, "splits": ["-inf", 0.0, 10.0, 50.0, 100.0, "inf"]}}),
    Case("Normalizer-PolynomialExpansion-numeric", ("Normalizer", "PolynomialExpansion"),
         {"Normalizer": {"input_cols": NUMERIC}, "PolynomialExpansion": {"input_cols": NUMERIC}}),
    Case("FeatureHasher-numeric-categories", ("FeatureHasher",),
         {"FeatureHasher": {"input_cols": NUMERIC + CATEGORIES, "num_features": 64}}),
]

def case_named(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def _matrix() -> list:
    """Every case on every engine's stock variant, and the cases with a tuned step on its tuned variant; the cases
    of one engine, variant and mode run together on one frame (conformance.case_outputs)."""
    params = []
    for engine in cf.engines_under_test():
        for variant in (STOCK, TUNED):
            cases = tuple(c for c in CASES if variant in engine_variants(engine, list(c.operators)))
            who = engine if variant == STOCK else f"{engine}.{variant}"
            params += [pytest.param(engine, variant, mode, cases, marks=cf.engine_marks(engine), id=f"{who}-{mode}")
                       for mode in MODES if cases]
    return params


# --- the data and the engines ------------------------------------------------------------------------------------

def fit_half(package: str) -> bool:
    """The packages the `split` mode fits on: a stable hash of the name (crc32), not Python's salted hash()."""
    return zlib.crc32(package.encode("utf-8")) % 2 == 0


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, dict[str, tuple[InputSource, InputSource]]]:
    """mode -> format -> (fit source, transform source), as the conformance sessions take them."""
    table = pq.read_table(DATA)
    mask = pa.array([fit_half(p) for p in table.column("package").to_pylist()])
    root = tmp_path_factory.mktemp("real-data")
    halves = []
    for name, rows in (("fit", mask), ("transform", pc.invert(mask))):
        path = root / f"package_docs_{name}.parquet"
        pq.write_table(table.filter(rows), path)
        halves.append(resolve_input(str(path)))
    whole = resolve_input(str(DATA))
    return {"whole": {"parquet": (whole, whole)}, "split": {"parquet": tuple(halves)}}


@pytest.fixture()
def sessions(engine_sessions, files):
    return engine_sessions.with_files(files)


def reference(files, case_id: str) -> dict:
    """The reference's outputs of a case fitted on and applied to the whole file."""
    case = case_named(case_id)
    return cf.reference_outputs(files["whole"]["parquet"], case.operators, case.params)["test"]


# --- every engine against the reference --------------------------------------------------------------------------

@pytest.mark.parametrize(("engine", "variant", "mode", "cases"), _matrix())
def test_engine_matches_the_reference_on_real_data(sessions, engine, variant, mode, cases) -> None:
    started, sources, data = sessions.load(engine, mode, "parquet")
    started.variant = variant
    cf.assert_cases_match_reference(started, sources, data, list(cases))


# --- the file itself, checked by hand ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def table() -> pa.Table:
    return pq.read_table(DATA)


def test_the_shipped_file_is_the_recorded_one() -> None:
    """Rebuilding or editing the file changes this checksum: update it here and in data/real/README.md together."""
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()
    assert digest == SHA256
    assert SHA256 in README.read_text(encoding="utf-8")
    assert DATA.stat().st_size < 2_000_000


def test_rows_columns_and_nulls(table) -> None:
    assert table.num_rows == 2802
    assert len(set(table.column("package").to_pylist())) == 94
    nulls = {c: table.column(c).null_count for c in table.column_names}
    assert nulls == {"text": 0, "package": 0, "version": 0, "paragraph": 0, "author": 191, "license": 96,
                     "topic": 797, "dev_status": 463, "python_min": 61, "n_classifiers": 0, "paragraph_words": 0,
                     "summary_len": 0}
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {"text": "string", "package": "string", "version": "string", "paragraph": "int64",
                     "author": "string", "license": "string", "topic": "string", "dev_status": "string",
                     "python_min": "double", "n_classifiers": "int64", "paragraph_words": "int64",
                     "summary_len": "double"}
    keys = [(re.sub(r"[-_.]+", "-", p).lower(), n) for p, n in zip(table.column("package").to_pylist(),
                                                                    table.column("paragraph").to_pylist())]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_the_text_is_real_unicode(table) -> None:
    texts = table.column("text").to_pylist()
    capitals = [t for t in texts if any(ord(ch) > 127 and ch.isupper() for ch in t)]
    assert len(capitals) == 4
    assert any("Ondřej Čertík" in t for t in capitals)
    assert sum(not t.isascii() for t in texts) == 73
    assert sum("\u00a0" in t for t in texts) == 6  # no-break spaces: not separators for the Tokenizer
    assert sum(any(ord(ch) > 0xFFFF for ch in t) for t in texts) == 10  # emoji beyond the BMP
    assert all(t.strip() for t in texts)  # blank paragraphs do not occur: the split is on blank lines
    authors = set(table.column("author").drop_null().to_pylist())
    assert {"Stefan Kögl", "Ionel Cristian Mărieș"} <= authors
    assert any("Łukasz Langa" in a for a in authors)  # a non-ASCII capital in a category


def test_the_split_has_unseen_categories(files) -> None:
    fit, transform = (pq.read_table(s.path) for s in files["split"]["parquet"])
    assert 1000 < fit.num_rows < 1802 and fit.num_rows + transform.num_rows == 2802
    for column in CATEGORIES:
        seen = set(fit.column(column).drop_null().to_pylist())
        unseen = set(transform.column(column).drop_null().to_pylist()) - seen
        assert unseen, column
        assert fit.column(column).null_count and transform.column(column).null_count, column
    assert fit.column("python_min").null_count and transform.column("python_min").null_count


def test_reference_outputs_by_hand(files, table) -> None:
    """The reference on this file gives what the definitions in docs/operators.md say, computed here directly."""
    values = np.array(table.column("python_min").to_pylist(), dtype=float)
    observed = np.sort(values[~np.isnan(values)])
    filled = {
        "mean": observed.mean(),
        "median": observed[(len(observed) + 1) // 2 - 1],  # the lower median
        "mode": min(v for v in set(observed) if (observed == v).sum() == max((observed == u).sum() for u in observed)),
        "constant": 0.0,
    }
    for strategy, value in filled.items():
        out = reference(files, f"Imputer[{strategy}]-python_min")
        got = out["python_min_imputed"]
        assert np.allclose(got[np.isnan(values)], value, rtol=1e-12, atol=0), strategy
        assert np.array_equal(got[~np.isnan(values)], values[~np.isnan(values)]), strategy

    for column in CATEGORIES:  # code point order, null -> null
        raw = table.column(column).to_pylist()
        order = {v: i for i, v in enumerate(sorted({v for v in raw if v is not None}))}
        out = reference(files, "StringIndexer-OneHotEncoder-categories")
        expected = np.array([np.nan if v is None else order[v] for v in raw])
        assert np.array_equal(out[f"{column}_index"], expected, equal_nan=True), column
    assert sorted({v for v in table.column("license").to_pylist() if v})[:3] == [
        "Apache 2.0", "Apache License 2.0", "Apache-2.0"]  # " " < "-": not a case- or punctuation-blind order

    texts = table.column("text").to_pylist()
    out = reference(files, "Tokenizer-HashingTF-IDF-text")
    tokens = out["text_tokens"]
    for text, got in zip(texts, tokens):  # Unicode lowercasing, split on ASCII whitespace only (not U+00A0)
        assert list(got) == [t for t in re.split(r"[ \t\n\x0b\f\r]+", text.lower()) if t]
    assert {"ondřej", "čertík"} <= set(tokens[next(i for i, t in enumerate(texts) if "Ondřej Čertík" in t)])
    tf = out["text_tokens_tf"]
    assert np.array_equal(np.asarray(tf.sum(axis=1)).ravel(), [len(t) for t in tokens])  # every token counted once

"""Tokenizer, HashingTF and IDF on real-world text, on every installed engine, against hand-written expectations.

The documents hold what real tables hold and the ASCII generator never wrote: non-ASCII capitals (Español,
Ελληνικά), Unicode's special case mappings (`İ` -> `i̇`, final `Σ` -> `ς`, `ß`, titlecase digraphs), emoji
and CJK, spaces that are not separators (U+00A0, U+2003, U+0085, \\x1c-\\x1f), Java's separators beyond space
and tab (\\x0B, \\f, \\r), empty and whitespace-only documents, and null documents. 16 hand-written rows are
followed by 24 blank then 24 null documents, so an engine that cuts the input into blocks gets blocks of blank
documents only and of null documents only (Ray on 2 CPUs: 4 blocks of 16 rows).

The numpy reference's outputs must equal the hand-written token lists exactly (a null document gives null tokens,
not []), and the term frequencies and idf computed here from those lists (scikit-learn's MurmurHash3, independent of
the numpy engine's); every other engine must equal the reference through the conformance helper, exactly for tokens
and term frequencies. The engines are those started for all engine-matrix modules (tests/engines/conftest.py); all
but scikit-learn are `slow`. One more Spark test runs the engine in a process of its own under a Turkish JVM locale,
where Java's lowercasing and Spark's plain lower() turn `I` into `ı`.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from sklearn.utils import murmurhash3_32

from src.bench.data.inputs import InputSource, resolve_input
from src.bench.registry import installed_engines
from tests.engines import conformance as cf

ROOT = Path(__file__).resolve().parents[2]

# (document, its tokens), written by hand from the rule in docs/operators.md
HAND = [
    ("Español Ελληνικά", ["español", "ελληνικά"]),
    ("İstanbul IĞDIR ı", ["i\u0307stanbul", "iğdir", "ı"]),  # İ -> i + U+0307; I -> i in every locale
    (None, None),
    # Σ -> ς at the end of a word: after a cased letter (case-ignorable characters such as U+0301 or ' between
    # allowed), not before one; the digit in Α1Σ is neither, so σ; ΑΣ.Β has Σ before a cased letter: σ
    ("ΟΔΟΣ ΣΑΣ ΑΣΑ Α1Σ ΑΣ.Β Σ ΑΣ'Β ΑΣ\u0301", ["οδος", "σας", "ασα", "α1σ", "ασ.β", "σ", "ασ'β", "ας\u0301"]),
    ("Straße STRASSE ẞ", ["straße", "strasse", "ß"]),
    ("😀Emoji 中文ABC 👍🏽", ["😀emoji", "中文abc", "👍🏽"]),
    ("ΣΑΣ\u00a0ΟΔΟΣ k\u2003L\x85M", ["σας\u00a0οδος", "k\u2003l\x85m"]),  # not separators; Σ before U+00A0: ς
    ("a\x0bB\x0cc\rD\nE\tF", ["a", "b", "c", "d", "e", "f"]),  # Java's \s: all six separate
    ("g\x1cH\x1di\x1ej\x1fk", ["g\x1ch\x1di\x1ej\x1fk"]),  # \x1c-\x1f do not (Python's str.split would)
    ("  Leading and   trailing  ", ["leading", "and", "trailing"]),
    ("", []),
    (" \t\n ", []),
    ("Turkish I and i: DIŞ İÇ", ["turkish", "i", "and", "i:", "diş", "i\u0307ç"]),
    ("Ǆ ǅ ᾼ", ["ǆ", "ǆ", "ᾳ"]),  # titlecase and iota-subscript capitals
    (None, None),
    ("ASCII only Words", ["ascii", "only", "words"]),
]
BLANK = ["", " ", "\t", "\n \r", "\x0b\x0c", "  "]
DOCS = [d for d, _ in HAND] + [BLANK[i % len(BLANK)] for i in range(24)] + [None] * 24
TOKENS = [t for _, t in HAND] + [[]] * 24 + [None] * 24
# new documents for IDF's transform: a term seen at fit, one never seen, a null
NEW_DOCS = ["οδος ΝΕΟΣ", None, "español"]
NEW_TOKENS = [["οδος", "νεος"], None, ["español"]]
NUM_FEATURES = 1 << 18


def term_frequencies(token_lists: list[list[str] | None], num_features: int = NUM_FEATURES) -> sp.csr_matrix:
    """Spark's buckets (murmur3_x86_32 of the UTF-8 bytes, seed 42, signed, floored mod) counted per row."""
    counts = sp.dok_matrix((len(token_lists), num_features))
    for row, tokens in enumerate(token_lists):
        for token in tokens or ():
            counts[row, murmurhash3_32(token, seed=42) % num_features] += 1
    return counts.tocsr()


def idf_weights(tf: sp.csr_matrix) -> np.ndarray:
    """ln((n + 1) / (df + 1)) with n = every row, null and empty documents included."""
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    return np.log((tf.shape[0] + 1.0) / (df + 1.0))


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, dict[str, tuple[InputSource, InputSource]]]:
    """dataset -> format -> (fit source, transform source): `train` fits and transforms DOCS, `new` fits on DOCS
    and transforms NEW_DOCS."""
    root = tmp_path_factory.mktemp("text_semantics")
    sources = {}
    for name, docs in (("train", DOCS), ("new", NEW_DOCS)):
        path = root / f"{name}.parquet"
        pq.write_table(pa.table({"text": pa.array(docs, pa.string())}), path)
        sources[name] = resolve_input(str(path))
    return {"train": {"parquet": (sources["train"],) * 2}, "new": {"parquet": (sources["train"], sources["new"])}}


# case -> (dataset, operators)
CASES = {
    "tokenizer": ("train", ["Tokenizer"]),
    "hashing_tf": ("train", ["Tokenizer", "HashingTF"]),
    "idf": ("train", ["IDF"]),
    "idf_new_data": ("new", ["IDF"]),  # fitted on DOCS (n = 64, 26 of them null), applied to NEW_DOCS
}


def assert_csr_equal(got, expected: sp.csr_matrix, rtol: float = 0.0) -> None:
    got = sp.csr_matrix(got)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_the_reference_gives_the_hand_computed_outputs(files, case: str) -> None:
    dataset, operators = CASES[case]
    got = cf.reference_outputs(files[dataset]["parquet"], operators)["test"]
    tf = term_frequencies(TOKENS)
    if case == "tokenizer":
        assert got["text_tokens"] == TOKENS  # exact: None for a null document, [] for a blank one
    elif case == "hashing_tf":
        assert_csr_equal(got["text_tokens_tf"], tf)
        assert tf[2].nnz == 0 and tf[len(TOKENS) - 1].nnz == 0  # null documents: all-zero rows
    elif case == "idf":
        assert_csr_equal(got["text_tokens_tf_tfidf"], sp.csr_matrix(tf.multiply(idf_weights(tf))), rtol=1e-12)
    else:
        weights = idf_weights(tf)
        assert weights[murmurhash3_32("νεος", seed=42) % NUM_FEATURES] == pytest.approx(math.log(65))  # unseen
        expected = sp.csr_matrix(term_frequencies(NEW_TOKENS).multiply(weights))
        assert_csr_equal(got["text_tokens_tf_tfidf"], expected, rtol=1e-12)


@pytest.fixture()
def sessions(engine_sessions, files):
    return engine_sessions.with_files(files)


@pytest.mark.parametrize(("engine", "case"), [
    pytest.param(engine, case, marks=cf.engine_marks(engine), id=f"{engine}-{case}")
    for engine in cf.engines_under_test() for case in CASES])
def test_engine_matches_the_reference(sessions, engine: str, case: str) -> None:
    """Exactly, for tokens (a null list is not []) and term frequencies; IDF within its rtol."""
    dataset, operators = CASES[case]
    cf.assert_matches_reference(*sessions.load(engine, dataset, "parquet"), operators)


def test_the_expectations_are_python_s_rule() -> None:
    """The hand-written lists are what str.lower and the six separators give (a check of this file's typing)."""
    import re

    for doc, tokens in HAND:
        assert tokens == (None if doc is None else re.findall(r"[^ \t\n\x0b\f\r]+", doc.lower())), doc


# Run in a process of its own: the driver JVM's options apply only when pyspark launches it, once per process.
TURKISH_SPARK = """
import json, sys
from src.bench.data.inputs import resolve_input
from src.bench.registry import create_engine
from src.bench.run.facts import EngineOptions
from src.bench.spec.plan import plan_pipeline

engine = create_engine("spark", EngineOptions(spark_master="local[1]", spark_conf=[
    "spark.driver.extraJavaOptions=-Duser.language=tr -Duser.country=TR"]))
engine.start()
source = resolve_input(sys.argv[1])
step = plan_pipeline(["Tokenizer"], {}, source.schema)[0]
out = engine.materialize(engine.transform(step, None, engine.load(source, ["text"])), list(step.output_cols))
print(json.dumps({
    "locale": engine.spark.sparkContext._jvm.java.util.Locale.getDefault().toString(),
    "plain_lower": engine.spark.sql("SELECT lower('I \u0130')").collect()[0][0],
    "tokens": engine.collect(out, list(step.output_cols), None)[step.output_cols[0]],
}))
engine.stop()
"""


@pytest.mark.slow
@pytest.mark.skipif("spark" not in installed_engines(), reason="spark is not installed")
def test_spark_tokenizer_ignores_the_jvm_locale(files) -> None:
    """Under a Turkish JVM locale Java lowercases I to ı, and so does Spark's plain lower() on non-ASCII text
    (ICU in the default locale): the Spark Tokenizer must still give the canonical tokens."""
    train = files["train"]["parquet"][0].path
    done = subprocess.run([sys.executable, "-c", TURKISH_SPARK, train], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["locale"] == "tr_TR"
    assert seen["plain_lower"] == "ı i"  # what the locale does to Spark's own lower(): the case the adapter avoids
    assert seen["tokens"] == TOKENS

"""The numpy engine (the oracle) on small hand-computed cases, edge cases included, and the planner."""

import math
import sys

import numpy as np
import pyarrow as pa
import pytest
import scipy.sparse as sp

from src.bench.errors import UserError
from src.bench.run.facts import EngineOptions
from src.bench.spec.operators import INDEX, INTEGER, NUMERIC, OPERATORS, STRING, VECTOR, module_name
from src.bench.spec.plan import plan_pipeline
from src.engines.numpy.engine import NumpyEngine
from src.engines.numpy.frame import Frame

ENGINE = NumpyEngine(EngineOptions())


def frame(**columns) -> Frame:
    """Lists of numbers (None = null) become float64 arrays, lists of str Arrow strings, matrices stay."""
    converted = {}
    for name, values in columns.items():
        if sp.issparse(values):
            converted[name] = sp.csr_matrix(values, dtype=np.float64)
        elif any(isinstance(v, str) for v in values):
            converted[name] = pa.array(values, pa.string())
        else:
            converted[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    first = next(iter(converted.values()))
    return Frame(converted, first.shape[0] if sp.issparse(first) else len(first))


def kinds_of(data: Frame) -> dict[str, str]:
    return {
        name: VECTOR if sp.issparse(col) else STRING if isinstance(col, pa.Array) else NUMERIC
        for name, col in data.columns.items()
    }


def apply(operator: str, fit_on: Frame, params: dict | None = None, apply_to: Frame | None = None,
          kinds: dict[str, str] | None = None) -> dict:
    """Plan one operator on fit_on's columns, fit on fit_on, transform apply_to (default fit_on), collect."""
    steps = plan_pipeline([operator], {operator: params or {}}, kinds or kinds_of(fit_on))
    fitted, applied = fit_on, apply_to or fit_on
    for step in steps:
        state = ENGINE.fit(step, fitted) if step.spec.stateful else None
        fitted, applied = ENGINE.transform(step, state, fitted), ENGINE.transform(step, state, applied)
    return ENGINE.collect(applied, list(steps[-1].output_cols), None)


def dense(matrix) -> list[list[float]]:
    return matrix.toarray().tolist()


def test_every_operator_has_hand_computed_cases() -> None:
    """The reference every engine is checked against is itself checked here: each operator of OPERATORS has
    tests named after it (test_<module_name>_...)."""
    tests = [name for name in vars(sys.modules[__name__]) if name.startswith("test_")]
    missing = [op for op in OPERATORS if not any(name.startswith(f"test_{module_name(op)}") for name in tests)]
    assert not missing, f"no hand-computed test of {missing} in {__file__}"


# StandardScaler: x = 1 2 3 4 10 has mean 4 and population std sqrt((9 + 4 + 1 + 0 + 36) / 5) = sqrt(10).
X = [1.0, 2.0, 3.0, 4.0, 10.0]


def test_standard_scaler_uses_the_population_std() -> None:
    out = apply("StandardScaler", frame(num_0=X))["num_0_scaled"]
    np.testing.assert_allclose(out, [-3 / math.sqrt(10), -2 / math.sqrt(10), -1 / math.sqrt(10), 0, 6 / math.sqrt(10)],
                               rtol=1e-15)
    assert out[0] == pytest.approx(-0.9486832980505138, rel=1e-15)


def test_standard_scaler_options() -> None:
    data = frame(num_0=X)
    np.testing.assert_allclose(apply("StandardScaler", data, {"with_mean": False})["num_0_scaled"],
                               np.array(X) / math.sqrt(10), rtol=1e-15)
    assert apply("StandardScaler", data, {"with_std": False})["num_0_scaled"].tolist() == [-3, -2, -1, 0, 6]
    assert apply("StandardScaler", data, {"with_mean": False, "with_std": False})["num_0_scaled"].tolist() == X


@pytest.mark.parametrize("params", [{}, {"with_mean": False}])
def test_standard_scaler_constant_column_gives_zero(params) -> None:
    # 0.1 seven times: the computed mean is 0.09999999999999999, so the naive std is 1.4e-17, not 0
    data = frame(num_0=[0.1] * 7, num_1=[5.0] * 7)
    out = apply("StandardScaler", data, params, apply_to=frame(num_0=[0.1, 3.0], num_1=[5.0, -1.0]))
    assert out["num_0_scaled"].tolist() == [0.0, 0.0] and out["num_1_scaled"].tolist() == [0.0, 0.0]


def test_standard_scaler_applies_fitted_statistics_to_new_data() -> None:
    out = apply("StandardScaler", frame(num_0=X), apply_to=frame(num_0=[4.0, 14.0]))["num_0_scaled"]
    np.testing.assert_allclose(out, [0.0, 10 / math.sqrt(10)], rtol=1e-15)


def test_scalers_refuse_nulls_and_nan_naming_a_row() -> None:
    for operator in ("StandardScaler", "MinMaxScaler"):
        for missing in (None, math.nan):
            with pytest.raises(UserError, match=r"column 'num_0' has missing values \(null or NaN\), e\.g\. row 2;"):
                apply(operator, frame(num_0=[1.0, 5.0, missing, 3.0]))


def test_imputer_fills_nan_like_null() -> None:
    out = apply("Imputer", frame(miss_0=[1.0, math.nan, None, 4.0]))["miss_0_imputed"]
    assert out.tolist() == [1.0, 2.5, 2.5, 4.0]  # mean of the two observed values


def test_min_max_scaler() -> None:
    data = frame(num_0=[2.0, 4.0, 6.0, 10.0])
    assert apply("MinMaxScaler", data)["num_0_minmax"].tolist() == [0.0, 0.25, 0.5, 1.0]
    assert apply("MinMaxScaler", data, {"min": -1.0, "max": 1.0})["num_0_minmax"].tolist() == [-1.0, -0.5, 0.0, 1.0]
    # values outside the fitted range are not clipped
    assert apply("MinMaxScaler", data, apply_to=frame(num_0=[0.0, 12.0]))["num_0_minmax"].tolist() == [-0.25, 1.25]


def test_min_max_scaler_constant_column_gives_min() -> None:
    data = frame(num_0=[5.0, 5.0, 5.0])
    assert apply("MinMaxScaler", data)["num_0_minmax"].tolist() == [0.0, 0.0, 0.0]
    out = apply("MinMaxScaler", data, {"min": -1.0, "max": 3.0}, apply_to=frame(num_0=[5.0, 7.0]))
    assert out["num_0_minmax"].tolist() == [-1.0, -1.0]


# Imputer: observed values 1 3 4 2 (even count) in miss_0; 5 1 3 (odd) in miss_1.
MISSING = frame(miss_0=[1.0, None, 3.0, 4.0, None, 2.0], miss_1=[5.0, None, 1.0, None, 3.0, None])


@pytest.mark.parametrize(
    ("params", "fill_0", "fill_1"),
    [
        ({}, 2.5, 3.0),
        ({"strategy": "mean"}, 2.5, 3.0),
        ({"strategy": "median"}, 2.0, 3.0),  # lower median of 1 2 3 4 is 2, not 2.5
        ({"strategy": "constant", "fill_value": -9.5}, -9.5, -9.5),
    ],
)
def test_imputer_strategies(params, fill_0, fill_1) -> None:
    out = apply("Imputer", MISSING, params)
    assert out["miss_0_imputed"].tolist() == [1.0, fill_0, 3.0, 4.0, fill_0, 2.0]
    assert out["miss_1_imputed"].tolist() == [5.0, fill_1, 1.0, fill_1, 3.0, fill_1]


def test_imputer_mode_breaks_ties_towards_the_smallest() -> None:
    data = frame(miss_0=[3.0, 1.0, None, 3.0, 1.0, 2.0], miss_1=[-2.0, 7.0, 7.0, None, -2.0, 9.0])
    out = apply("Imputer", data, {"strategy": "mode"})
    assert out["miss_0_imputed"][2] == 1.0 and out["miss_1_imputed"][3] == -2.0


def test_imputer_fills_new_data_with_fitted_statistics() -> None:
    out = apply("Imputer", MISSING, {"strategy": "median"}, apply_to=frame(miss_0=[None, 8.0], miss_1=[None, None]))
    assert out["miss_0_imputed"].tolist() == [2.0, 8.0] and out["miss_1_imputed"].tolist() == [3.0, 3.0]


def test_imputer_refuses_an_all_null_column() -> None:
    with pytest.raises(UserError, match="column 'miss_1' has no non-null values"):
        apply("Imputer", frame(miss_0=[1.0, None], miss_1=[None, None]))


def test_string_indexer_sorts_by_code_point_and_maps_unseen_to_null() -> None:
    # code points: B (66) < a (97) < b < c < é (233)
    train = frame(cat_0=["b", "a", "c", "a", "B", "é"])
    assert apply("StringIndexer", train)["cat_0_index"].tolist() == [2.0, 1.0, 3.0, 1.0, 0.0, 4.0]
    out = apply("StringIndexer", train, apply_to=frame(cat_0=["c", "zz", "a", "é", "", "B"]))["cat_0_index"]
    assert np.array_equal(out, [3.0, np.nan, 1.0, 4.0, np.nan, 0.0], equal_nan=True)


def test_one_hot_encoder_on_strings() -> None:
    train = frame(cat_0=["b", "a", "b"])
    assert dense(apply("OneHotEncoder", train)["cat_0_onehot"]) == [[0, 1], [1, 0], [0, 1]]
    out = apply("OneHotEncoder", train, apply_to=frame(cat_0=["a", "q", "b", "A"]))["cat_0_onehot"]
    assert out.shape == (4, 2) and dense(out) == [[1, 0], [0, 0], [0, 1], [0, 0]]


def test_one_hot_encoder_on_index_numbers_ignores_null() -> None:
    kinds = {"cat_0_index": INDEX}
    train = frame(cat_0_index=[2.0, 0.0, None, 2.0])
    out = apply("OneHotEncoder", train, {"input_cols": ["cat_0_index"]}, frame(cat_0_index=[0.0, 1.0, 2.0, None]),
                kinds)
    assert dense(out["cat_0_index_onehot"]) == [[1, 0], [0, 0], [0, 1], [0, 0]]  # categories 0 and 2; null not one


def test_tokenizer_whitespace_case_and_empty() -> None:
    docs = ["", "  lead", "a  b\t\tc", "\tTab\nNew Line\r\x0bv\x0cf ", "MiXeD CaSe", "Ünï ÀB", " \t "]
    assert apply("Tokenizer", frame(text=docs))["text_tokens"] == [
        [], ["lead"], ["a", "b", "c"], ["tab", "new", "line", "v", "f"], ["mixed", "case"], ["ünï", "àb"], [],
    ]


# Tokenizer: str.lower (Unicode's full default case mapping), then runs of [ \t\n\x0B\f\r] split.
def test_tokenizer_lowercases_with_the_full_unicode_mapping() -> None:
    docs = ["İstanbul IĞDIR", "ΟΔΟΣ ΣΑΣ ΑΣΑ Α1Σ ΑΣ.Β Σ", "Straße STRASSE ẞ", "😀Emoji 中文ABC Ünï"]
    assert apply("Tokenizer", frame(text=docs))["text_tokens"] == [
        ["i\u0307stanbul", "iğdir"],  # İ -> i + U+0307 (two code points), I -> i (no Turkish locale)
        # Σ -> ς only at the end of a word (after a cased letter, not before one): the digit 1 is not case-ignorable,
        # so Α1Σ keeps σ; "." is (MidNumLet), so ΑΣ.Β has Σ before a cased letter: σ; a lone Σ has no cased letter
        # before it: σ
        ["οδος", "σας", "ασα", "α1σ", "ασ.β", "σ"],
        ["straße", "strasse", "ß"],  # ß has no lowercase change; capital ẞ -> ß
        ["😀emoji", "中文abc", "ünï"],
    ]


def test_tokenizer_splits_on_javas_whitespace_only() -> None:
    docs = ["a\x0bb\x0cc\rd", "e\x1cf\x1dg\x1eh\x1fi j", "ΣΑΣ\u00a0ΟΔΟΣ k\u2003l\x85m", "\x0b\x0c \r\n\t"]
    assert apply("Tokenizer", frame(text=docs))["text_tokens"] == [
        ["a", "b", "c", "d"],  # \x0B and \f are separators
        ["e\x1cf\x1dg\x1eh\x1fi", "j"],  # \x1c-\x1f are not (Python's str.split would split there)
        ["σας\u00a0οδος", "k\u2003l\x85m"],  # nor U+00A0, U+2003, U+0085; Σ before U+00A0 ends its word: ς
        [],
    ]


def test_tokenizer_null_document_gives_null_tokens() -> None:
    docs = ["A b", None, "", "Ä", None, " \t "]
    assert apply("Tokenizer", frame(text=docs))["text_tokens"] == [["a", "b"], None, [], ["ä"], None, []]
    sliced = Frame({"text": pa.array(["X", "ÀB", None, "Y Z", "İ"]).slice(1, 3)}, 3)  # an Arrow slice
    assert apply("Tokenizer", sliced, kinds={"text": STRING})["text_tokens"] == [["àb"], None, ["y", "z"]]


def test_tokenizer_on_offsets_that_do_not_start_at_zero() -> None:
    from src.engines.text import tokenize

    # a large_string slice cast to string keeps its offsets (6, 12, 18): pyarrow's ascii_lower read from byte 0
    docs = pa.array(["AAA bb", "CCC dd", "EEE ff"], pa.large_string()).slice(1).cast(pa.string())
    assert tokenize(docs).to_pylist() == [["ccc", "dd"], ["eee", "ff"]]


def test_text_over_string_offsets_loads_as_large_string(monkeypatch) -> None:
    """10 million reviews hold more than 2 GiB of text, which one Arrow string array cannot: the loaded column
    becomes large_string (the limit lowered to 10 bytes here) and every text and category operator still gives
    the values it gives on string."""
    import src.engines.text as text
    from src.engines.numpy.frame import from_arrow

    docs = ["Ab  c", None, "", "İx ΣΑΣ"]
    chunked = pa.table({"text": pa.chunked_array([docs[:2], docs[2:]], pa.string())})
    params = {"Tokenizer": {}, "HashingTF": {"num_features": 8}, "StringIndexer": {"input_cols": ["text"]}}
    expected = {op: apply(op, from_arrow(chunked), p) for op, p in params.items()}
    monkeypatch.setattr(text, "STRING_BYTES_LIMIT", 10)
    loaded = from_arrow(chunked)
    assert loaded["text"].type == pa.large_string()
    assert text.tokenize(chunked.column("text")).to_pylist() == [["ab", "c"], None, [], ["i\u0307x", "σας"]]
    for op, values in expected.items():
        got = apply(op, loaded, params[op], kinds={"text": STRING})
        assert {k: _plain(v) for k, v in got.items()} == {k: _plain(v) for k, v in values.items()}


def _plain(column):
    """A collected column as lists, NaN as None, so that equal outputs compare equal."""
    if sp.issparse(column):
        return dense(column)
    if isinstance(column, np.ndarray):
        return [None if math.isnan(x) else x for x in column.tolist()]
    return column


def test_tokenizer_per_document_form_is_the_same_rule() -> None:
    from src.engines.text import tokens

    docs = ["İstanbul ΟΔΟΣ", "a\x1cb c", "ÀB\u00a0C\td", " ", "ΣΑΣ ok\x0bNo", "plain ASCII  text\n"]
    assert [tokens(d) for d in docs] == apply("Tokenizer", frame(text=docs))["text_tokens"]


# Buckets of murmur3_x86_32(utf8(t), seed 42) as a signed 32-bit int, non-negative mod n (Spark's HashingTF):
# a -> -1293573533, b -> 861554165, c -> 1701913768, y -> -1140892381.
def test_hashing_tf_buckets_and_collisions() -> None:
    data = frame(text=["a b a", "", "c b c y"])
    out = apply("HashingTF", data, {"num_features": 2})["text_tokens_tf"]
    # n = 2: a -> 1, b -> 1, c -> 0, y -> 1; collisions add up and every row sums to its token count
    assert dense(out) == [[0, 3], [0, 0], [2, 2]]
    big = apply("HashingTF", data, {"num_features": 1000})["text_tokens_tf"]
    assert big.shape == (3, 1000)
    assert dict(zip(big[0].indices.tolist(), big[0].data.tolist())) == {467: 2.0, 165: 1.0}  # -1293573533 mod 1000
    assert dict(zip(big[2].indices.tolist(), big[2].data.tolist())) == {768: 2.0, 165: 1.0, 619: 1.0}


# A null document gives null tokens, then an all-zero HashingTF row, which counts in IDF's n. With num_features 2:
# a -> 1, b -> 1, i̇stanbul (murmur3 of its UTF-8: 447571718) -> 0, οδος (455975153) -> 1.
NULL_DOCS = ["a b a", None, "", "İstanbul ΟΔΟΣ"]


def test_hashing_tf_null_document_is_an_all_zero_row() -> None:
    out = apply("HashingTF", frame(text=NULL_DOCS), {"num_features": 2})["text_tokens_tf"]
    assert dense(out) == [[0, 3], [0, 0], [0, 0], [1, 1]]
    assert out[1].nnz == 0


def test_idf_counts_null_documents_in_n() -> None:
    steps = plan_pipeline(["HashingTF", "IDF"], {"HashingTF": {"num_features": 2}}, {"text": STRING})
    data = frame(text=NULL_DOCS)
    for step in steps:
        data = ENGINE.transform(step, ENGINE.fit(step, data) if step.spec.stateful else None, data)
    out = ENGINE.collect(data, [steps[-1].output_cols[0]], None)["text_tokens_tf_tfidf"]
    # n = 4 rows (the null and the empty document included); df(0) = 1, df(1) = 2
    idf0, idf1 = math.log(5 / 2), math.log(5 / 3)
    np.testing.assert_allclose(out.toarray(), [[0, 3 * idf1], [0, 0], [0, 0], [idf0, idf1]], rtol=1e-15)
    assert out[1].nnz == 0


def test_hashing_tf_binary() -> None:
    out = apply("HashingTF", frame(text=["a b a", "c b c y"]), {"num_features": 2, "binary": True})["text_tokens_tf"]
    assert dense(out) == [[0, 1], [1, 1]]


# IDF: 4 documents over 4 terms; document frequencies t0: 2, t1: 3, t2: 1, t3: 0 (absent from every document).
TF = sp.csr_matrix(np.array([[2, 1, 0, 0], [0, 3, 0, 0], [0, 1, 4, 0], [1, 0, 0, 0]], dtype=np.float64))
IDF_PARAMS = {"input_cols": ["tf"]}


def test_idf_values() -> None:
    out = apply("IDF", frame(tf=TF), IDF_PARAMS)["tf_tfidf"]
    idf = [math.log(5 / 3), math.log(5 / 4), math.log(5 / 2), math.log(5 / 1)]
    expected = [[2 * idf[0], idf[1], 0, 0], [0, 3 * idf[1], 0, 0], [0, idf[1], 4 * idf[2], 0], [idf[0], 0, 0, 0]]
    np.testing.assert_allclose(out.toarray(), expected, rtol=1e-15)
    new = apply("IDF", frame(tf=TF), IDF_PARAMS, apply_to=frame(tf=sp.csr_matrix([[0.0, 0.0, 0.0, 2.0]])))
    np.testing.assert_allclose(new["tf_tfidf"].toarray(), [[0, 0, 0, 2 * math.log(5)]], rtol=1e-15)


def test_idf_min_doc_freq_zeroes_rare_terms() -> None:
    out = apply("IDF", frame(tf=TF), {**IDF_PARAMS, "min_doc_freq": 2})["tf_tfidf"].toarray()
    np.testing.assert_allclose(out[:, 0], [2 * math.log(5 / 3), 0, 0, math.log(5 / 3)], rtol=1e-15)
    assert out[:, 2].tolist() == [0.0] * 4  # df 1 < 2


# The planner: default columns, wiring, implicit steps and errors.
SCHEMA = {"num_0": NUMERIC, "num_1": NUMERIC, "miss_0": NUMERIC, "cat_0": STRING, "cat_1": STRING, "text": STRING}


def wiring(operators: list[str], params: dict | None = None) -> list[tuple]:
    return [(s.name, s.input_cols, s.output_cols, s.implicit) for s in plan_pipeline(operators, params or {}, SCHEMA)]


def test_planner_default_columns() -> None:
    assert wiring(["StandardScaler"]) == [("StandardScaler", ("num_0", "num_1"), ("num_0_scaled", "num_1_scaled"),
                                           False)]
    assert wiring(["Imputer"]) == [("Imputer", ("miss_0",), ("miss_0_imputed",), False)]
    assert wiring(["StringIndexer"])[0][1] == ("cat_0", "cat_1")
    assert wiring(["Tokenizer"]) == [("Tokenizer", ("text",), ("text_tokens",), False)]


def test_planner_wires_pipelines() -> None:
    assert wiring(["StandardScaler", "MinMaxScaler"])[1] == (
        "MinMaxScaler", ("num_0_scaled", "num_1_scaled"), ("num_0_scaled_minmax", "num_1_scaled_minmax"), False
    )
    assert wiring(["StringIndexer", "OneHotEncoder"])[1] == (
        "OneHotEncoder", ("cat_0_index", "cat_1_index"), ("cat_0_index_onehot", "cat_1_index_onehot"), False
    )
    assert wiring(["Tokenizer", "HashingTF", "IDF"]) == [
        ("Tokenizer", ("text",), ("text_tokens",), False),
        ("HashingTF", ("text_tokens",), ("text_tokens_tf",), False),
        ("IDF", ("text_tokens_tf",), ("text_tokens_tf_tfidf",), False),
    ]


def test_planner_inserts_implicit_steps_on_text() -> None:
    assert wiring(["IDF"]) == [
        ("Tokenizer", ("text",), ("text_tokens",), True),
        ("HashingTF", ("text_tokens",), ("text_tokens_tf",), True),
        ("IDF", ("text_tokens_tf",), ("text_tokens_tf_tfidf",), False),
    ]
    assert wiring(["HashingTF"]) == [
        ("Tokenizer", ("text",), ("text_tokens",), True),
        ("HashingTF", ("text_tokens",), ("text_tokens_tf",), False),
    ]


def test_planner_applies_and_defaults_parameters() -> None:
    step = plan_pipeline(["HashingTF"], {"HashingTF": {"num_features": 16}}, SCHEMA)[-1]
    assert step.params == {"num_features": 16, "binary": False}
    [step] = plan_pipeline(["MinMaxScaler"], {"MinMaxScaler": {"min": -1}}, SCHEMA)
    assert step.params == {"min": -1.0, "max": 1.0} and isinstance(step.params["min"], float)


@pytest.mark.parametrize(
    ("operators", "params", "message"),
    [
        (["StandardScaler"], {"StandardScaler": {"with_men": True}},
         "unknown parameter 'with_men'; did you mean 'with_mean'"),
        (["StandardScaler"], {"StandardScaler": {"input_cols": ["nmu_1"]}},
         "unknown column 'nmu_1'; did you mean 'num_1'"),
        (["StandardScaler"], {"StandardScaler": {"input_cols": ["cat_0"]}},
         "column 'cat_0' is string, but StandardScaler needs numeric"),
        (["HashingTF"], {"HashingTF": {"num_features": "16"}}, "'num_features' must be int, got str '16'"),
        (["HashingTF"], {"HashingTF": {"num_features": True}}, "'num_features' must be int, got bool True"),
        (["StandardScaler"], {"StandardScaler": {"with_mean": 1}}, "'with_mean' must be bool, got int 1"),
        (["HashingTF"], {"HashingTF": {"num_features": 0}}, "'num_features' must be >= 1, got 0"),
        (["Imputer"], {"Imputer": {"strategy": "avg"}}, "'strategy' must be one of mean, median, mode, constant"),
        (["MinMaxScaler"], {"MinMaxScaler": {"min": 2, "max": 1}}, "'min' \\(2.0\\) must be smaller than 'max'"),
        (["StandardScaler"], {"MinMaxScaler": {}}, "key 'MinMaxScaler' that is not an operator of this pipeline"),
        (["StandardScalar"], {}, "unknown operator 'StandardScalar'; did you mean 'StandardScaler'"),
        (["Tokenizer"], {"Tokenizer": {"output_cols": ["text"]}}, "output column 'text' already exists"),
    ],
)
def test_planner_errors_name_the_problem(operators, params, message) -> None:
    with pytest.raises(UserError, match=message):
        plan_pipeline(operators, params, SCHEMA)


# Categorical columns on real tables: nulls, the empty string, characters beyond U+FFFF, integer and boolean
# categories. Code points: "a" 0x61 < U+E000 < "～" U+FF5E < U+FFFF < "𐀀" U+10000 < "😀" U+1F600 (UTF-16 would
# put the last two first: their surrogates D800/D83D sort below E000).
BEYOND_BMP = ["\U0001F600", "\uff5e", "\uffff", "\ue000", "\U00010000", "a", "b\U0001F600", "b\uff5e"]


def test_string_indexer_null_is_null_and_never_a_category() -> None:
    train = frame(cat_0=["b", None, "a", "b", None])
    assert np.array_equal(apply("StringIndexer", train)["cat_0_index"], [1.0, np.nan, 0.0, 1.0, np.nan],
                          equal_nan=True)
    out = apply("OneHotEncoder", train)["cat_0_onehot"]
    assert out.shape == (5, 2) and dense(out) == [[0, 1], [0, 0], [1, 0], [0, 1], [0, 0]]  # K = 2: a, b


def test_empty_string_is_a_category_like_any_other() -> None:
    train = frame(cat_0=["", "a", "", "B"])  # "" < "B" < "a"
    assert apply("StringIndexer", train)["cat_0_index"].tolist() == [0.0, 2.0, 0.0, 1.0]
    out = apply("OneHotEncoder", train, apply_to=frame(cat_0=["a", "", "z"]))["cat_0_onehot"]
    assert out.shape == (3, 3) and dense(out) == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]


def test_categories_beyond_the_bmp_sort_by_code_point() -> None:
    # sorted: a, b～, b😀, U+E000, ～, U+FFFF, 𐀀, 😀
    train = frame(cat_0=BEYOND_BMP)
    assert apply("StringIndexer", train)["cat_0_index"].tolist() == [7.0, 4.0, 5.0, 3.0, 6.0, 0.0, 2.0, 1.0]
    onehot = apply("OneHotEncoder", train)["cat_0_onehot"]
    assert onehot.shape == (8, 8) and onehot.indices.tolist() == [7, 4, 5, 3, 6, 0, 2, 1]


def test_integer_and_boolean_categories_sort_numerically() -> None:
    kinds = {"cat_0": INTEGER, "flag": INTEGER}
    # integers: -1 < 2 < 9 < 10 (as strings "10" < "2" < "9" would be wrong); booleans (0/1): false < true
    train = frame(cat_0=[10, 9, 2, None, 10, -1], flag=[True, False, None, True, False, False])
    index = apply("StringIndexer", train, {"input_cols": ["cat_0", "flag"]}, kinds=kinds)
    assert np.array_equal(index["cat_0_index"], [3.0, 2.0, 1.0, np.nan, 3.0, 0.0], equal_nan=True)
    assert np.array_equal(index["flag_index"], [1.0, 0.0, np.nan, 1.0, 0.0, 0.0], equal_nan=True)
    onehot = apply("OneHotEncoder", train, {"input_cols": ["cat_0", "flag"]}, kinds=kinds)
    assert onehot["cat_0_onehot"].shape == (6, 4) and onehot["flag_onehot"].shape == (6, 2)  # null not counted
    assert dense(onehot["cat_0_onehot"]) == [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1],
                                             [1, 0, 0, 0]]
    assert dense(onehot["flag_onehot"]) == [[0, 1], [1, 0], [0, 0], [0, 1], [1, 0], [1, 0]]


def test_unseen_and_null_at_transform_give_null_and_zero_rows() -> None:
    kinds = {"cat_0": STRING, "num": INTEGER}
    train = frame(cat_0=["x", "", "y"], num=[1, 5, 3])
    test = frame(cat_0=["y", None, "q", ""], num=[5, 7, None, 1])
    params = {"input_cols": ["cat_0", "num"]}  # a string and an integer column in one step
    index = apply("StringIndexer", train, params, test, kinds)
    assert np.array_equal(index["cat_0_index"], [2.0, np.nan, np.nan, 0.0], equal_nan=True)
    assert np.array_equal(index["num_index"], [2.0, np.nan, np.nan, 0.0], equal_nan=True)
    onehot = apply("OneHotEncoder", train, params, test, kinds)
    assert dense(onehot["cat_0_onehot"]) == [[0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    assert dense(onehot["num_onehot"]) == [[0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]


def test_one_hot_encoder_k_counts_neither_null_nor_a_column_without_values() -> None:
    train = frame(cat_0=["x", None, None, "y", None])
    assert apply("OneHotEncoder", train)["cat_0_onehot"].shape == (5, 2)
    empty = Frame({"cat_0": pa.array([None, None], pa.string())}, 2)
    assert apply("OneHotEncoder", empty)["cat_0_onehot"].shape == (2, 0)
    assert np.isnan(apply("StringIndexer", empty)["cat_0_index"]).all()


def test_integer_pipeline_keeps_the_index_an_index() -> None:
    # StringIndexer on integers, then OneHotEncoder on its index column (numbers 0..K-1, null for unseen)
    steps = plan_pipeline(["StringIndexer", "OneHotEncoder"], {}, {"cat_0": INTEGER})
    assert [s.input_kinds for s in steps] == [(INTEGER,), (INDEX,)]
    train, test = frame(cat_0=[30, 4, None, 4]), frame(cat_0=[4, 30, 5, None])
    fitted, applied = train, test
    for step in steps:
        state = ENGINE.fit(step, fitted)
        fitted, applied = ENGINE.transform(step, state, fitted), ENGINE.transform(step, state, applied)
    out = ENGINE.collect(applied, ["cat_0_index", "cat_0_index_onehot"], None)
    assert np.array_equal(out["cat_0_index"], [0.0, 1.0, np.nan, np.nan], equal_nan=True)
    assert dense(out["cat_0_index_onehot"]) == [[1, 0], [0, 1], [0, 0], [0, 0]]


def test_an_integer_column_holding_a_fraction_is_refused() -> None:
    # a CSV column typed integer from its first rows, with 2.5 further down
    with pytest.raises(UserError, match="column 'cat_0' was read as integers but holds 2.5"):
        apply("StringIndexer", frame(cat_0=[1, 2.5, None]), kinds={"cat_0": INTEGER})


def test_planner_takes_integer_columns_as_categories_and_as_numbers() -> None:
    schema = {**SCHEMA, "count": INTEGER, "flag": INTEGER}
    [step] = plan_pipeline(["StringIndexer"], {"StringIndexer": {"input_cols": ["count", "cat_0"]}}, schema)
    assert step.input_kinds == (INTEGER, STRING)
    [step] = plan_pipeline(["StandardScaler"], {"StandardScaler": {"input_cols": ["num_0", "count"]}}, schema)
    assert step.input_kinds == (NUMERIC, INTEGER)
    steps = plan_pipeline(["StringIndexer", "OneHotEncoder"], {"StringIndexer": {"input_cols": ["flag"]}}, schema)
    assert steps[1].input_cols == ("flag_index",) and steps[1].input_kinds == (INDEX,)
    with pytest.raises(UserError, match="Tokenizer: column 'count' is integer, but Tokenizer needs string"):
        plan_pipeline(["Tokenizer"], {"Tokenizer": {"input_cols": ["count"]}}, schema)


@pytest.mark.parametrize("operator", ["StringIndexer", "OneHotEncoder"])
def test_planner_refuses_a_float_column_as_categories_in_one_line(operator) -> None:
    with pytest.raises(UserError) as error:
        plan_pipeline([operator], {operator: {"input_cols": ["num_0"]}}, SCHEMA)
    message = str(error.value)
    assert f"column 'num_0' is numeric, but {operator} needs string or integer" in message
    assert "floating-point numbers are not categories" in message
    assert "store 'num_0' as integers or strings in the input" in message and "\n" not in message


# --- the vector operators: MaxAbsScaler, Normalizer, PolynomialExpansion, FeatureHasher ----------------------------

def test_max_abs_scaler_divides_by_the_largest_magnitude() -> None:
    data = frame(num_0=[2.0, -8.0, 4.0], num_1=[0.0, 0.0, 0.0])  # max|x| = 8; num_1 all zeros: divided by 1
    out = apply("MaxAbsScaler", data, apply_to=frame(num_0=[16.0, -1.0], num_1=[3.0, 0.0]))
    assert out["num_0_maxabs"].tolist() == [2.0, -0.125] and out["num_1_maxabs"].tolist() == [3.0, 0.0]
    assert apply("MaxAbsScaler", data)["num_0_maxabs"].tolist() == [0.25, -1.0, 0.5]


def test_max_abs_scaler_refuses_missing_values() -> None:
    with pytest.raises(UserError, match=r"column 'num_0' has missing values \(null or NaN\), e\.g\. row 1;"):
        apply("MaxAbsScaler", frame(num_0=[1.0, None]))


# Rows (3, 4), (0, 0), (-1, 2): norms l1 7 / 0 / 3, l2 5 / 0 / sqrt(5), max 4 / 0 / 2.
ROWS = frame(num_a=[3.0, 0.0, -1.0], num_b=[4.0, 0.0, 2.0])


@pytest.mark.parametrize(("p", "expected"), [
    ({}, [[0.6, 0.8], [0.0, 0.0], [-1 / math.sqrt(5), 2 / math.sqrt(5)]]),
    ({"p": 1}, [[3 / 7, 4 / 7], [0.0, 0.0], [-1 / 3, 2 / 3]]),
    ({"p": "inf"}, [[0.75, 1.0], [0.0, 0.0], [-0.5, 1.0]]),
    ({"p": math.inf}, [[0.75, 1.0], [0.0, 0.0], [-0.5, 1.0]]),  # JSON's Infinity, as Python's json reads it
])
def test_normalizer_divides_each_row_by_its_norm_and_leaves_a_zero_row(p, expected) -> None:
    out = apply("Normalizer", ROWS, p)["normalized"]
    assert out.shape == (3, 2)
    np.testing.assert_allclose(dense(out), expected, rtol=1e-15)


def test_normalizer_writes_one_vector_named_by_output_cols() -> None:
    out = apply("Normalizer", ROWS, {"input_cols": ["num_b", "num_a"], "output_cols": ["unit"]})["unit"]
    assert dense(out)[0] == [0.8, 0.6]  # the columns in the order given
    with pytest.raises(UserError, match=r"Normalizer: 2 output_cols, but Normalizer writes one vector column"):
        apply("Normalizer", ROWS, {"output_cols": ["x", "y"]})
    with pytest.raises(UserError, match=r"'p' must be one of 1.0, 2.0, inf, got 3.0"):
        apply("Normalizer", ROWS, {"p": 3})
    with pytest.raises(UserError, match=r"""'p' must be float, got str 'Inf'; .* or '\{"p": "inf"\}' for infinity"""):
        apply("Normalizer", ROWS, {"p": "Inf"})
    with pytest.raises(UserError, match=r"column 'num_b' has missing values \(null or NaN\), e\.g\. row 0;"):
        apply("Normalizer", frame(num_a=[1.0, 2.0], num_b=[None, 1.0]))


def test_planner_names_and_chains_a_vector_output() -> None:
    schema = {"num_0": NUMERIC, "num_1": NUMERIC}
    first, second = plan_pipeline(["StandardScaler", "Normalizer"], {}, schema)
    assert (second.input_cols, second.output_cols) == (first.output_cols, ("normalized",))
    twice = plan_pipeline(["Normalizer", "Normalizer"], {"Normalizer": {"input_cols": "num_*"}}, schema)
    assert [s.output_cols for s in twice] == [("normalized",), ("normalized_Normalizer_2",)]
    with pytest.raises(UserError, match=r"column 'normalized' is vector, but StandardScaler needs numeric columns; "
                                        r"a vector column is not split back into numbers"):
        plan_pipeline(["Normalizer", "StandardScaler"], {"StandardScaler": {"input_cols": "@Normalizer"}}, schema)


def test_polynomial_expansion_in_scikit_learns_order_without_bias() -> None:
    data = frame(num_a=[2.0, 0.0], num_b=[3.0, -1.0])  # terms x, y, x², xy, y² (then x³, x²y, xy², y³)
    assert dense(apply("PolynomialExpansion", data)["expanded"]) == [[2, 3, 4, 6, 9], [0, -1, 0, 0, 1]]
    cubic = apply("PolynomialExpansion", data, {"degree": 3})["expanded"]
    assert dense(cubic)[0] == [2, 3, 4, 6, 9, 8, 12, 18, 27] and cubic.shape == (2, 9)
    three = apply("PolynomialExpansion", frame(num_a=[2.0], num_b=[3.0], num_c=[5.0]))["expanded"]
    assert dense(three) == [[2, 3, 5, 4, 6, 10, 9, 15, 25]]  # x y z x² xy xz y² yz z²
    assert dense(apply("PolynomialExpansion", data, {"degree": 1})["expanded"]) == [[2, 3], [0, -1]]
    with pytest.raises(UserError, match=r"'degree' must be >= 1, got 0"):
        apply("PolynomialExpansion", data, {"degree": 0})


def test_polynomial_expansion_after_a_scaler_from_a_spec_file(tmp_path) -> None:
    from src.bench.spec.pipeline_file import load_pipeline
    from src.bench.spec.plan import plan_steps

    path = tmp_path / "poly.yaml"
    path.write_text("name: poly\nsteps:\n  - {name: scale, operator: StandardScaler}\n"
                    "  - {operator: PolynomialExpansion, output_cols: [terms]}\n")
    data = frame(num_0=[1.0, 3.0], num_1=[4.0, 8.0])  # scaled: (-1, -1) and (1, 1)
    steps = plan_steps(list(load_pipeline(str(path)).steps), kinds_of(data))
    assert (steps[1].input_cols, steps[1].output_cols) == (("num_0_scaled", "num_1_scaled"), ("terms",))
    for step in steps:
        data = ENGINE.transform(step, ENGINE.fit(step, data) if step.spec.stateful else None, data)
    assert dense(ENGINE.collect(data, ["terms"], None)["terms"]) == [[-1, -1, 1, 1, 1], [1, 1, 1, 1, 1]]


def test_feature_hasher_hashes_like_spark() -> None:
    # Buckets mod 2^18 of murmur3_x86_32(seed 42), as Spark 4.3's FeatureHasher put them (run by hand): "x" 130154,
    # "i" 19036, "s=a" 88482, "e=" 7714, "u=ab" 164368, "u=xyz€é😀" 133844.
    data = frame(x=[1.5, 0.0, None], i=[3.0, -1.0, math.nan], s=["a", None, None], e=[None, "", None],
                 u=["xyz€é😀", "ab", None])
    kinds = {"x": NUMERIC, "i": INTEGER, "s": STRING, "e": STRING, "u": STRING}
    out = apply("FeatureHasher", data, {"input_cols": ["x", "i", "s", "e", "u"]}, kinds=kinds)["hashed"]
    rows = [dict(zip(out.getrow(r).indices.tolist(), out.getrow(r).data.tolist())) for r in range(3)]
    assert rows[0] == {19036: 3.0, 88482: 1.0, 130154: 1.5, 133844: 1.0}
    assert rows[1] == {7714: 1.0, 19036: -1.0, 130154: 0.0, 164368: 1.0}  # "" is a value; a stored 0.0 is kept
    assert rows[2] == {} and out.shape == (3, 1 << 18)  # null and NaN put nothing


def test_feature_hasher_adds_up_collisions() -> None:
    data = frame(num_0=[2.0], num_1=[5.0], cat_0=["a"])  # buckets mod 1: all in bucket 0
    out = apply("FeatureHasher", data, {"num_features": 1}, kinds={"num_0": NUMERIC, "num_1": NUMERIC,
                                                                    "cat_0": STRING})["hashed"]
    assert dense(out) == [[8.0]]


# --- issue 16: RobustScaler, Bucketizer -------------------------------------------------------------------------

TEN = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0]  # Q(0.25) = x_(3) = 3, Q(0.5) = x_(5) = 5, Q(0.75) = 8


@pytest.mark.parametrize(("params", "first", "last"), [
    ({}, -0.8, 19.0),  # (x - 5) / (8 - 3)
    ({"with_centering": False}, 0.2, 20.0),  # x / 5
    ({"with_scaling": False}, -4.0, 95.0),  # x - 5
    ({"lower": 0.1, "upper": 0.9}, -0.5, 11.875),  # Q(0.1) = x_(1) = 1, Q(0.9) = x_(9) = 9: (x - 5) / 8
])
def test_robust_scaler_exact_quantiles(params, first, last) -> None:
    out = apply("RobustScaler", frame(num_a=TEN), params)["num_a_robust"]
    assert out[[0, -1]].tolist() == pytest.approx([first, last], rel=1e-15)


def test_robust_scaler_iqr_zero_gives_zero_also_when_not_constant() -> None:
    # num_a: Q(0.25) = Q(0.75) = 5 though it is not constant
    out = apply("RobustScaler", frame(num_a=[5.0, 5.0, 5.0, 5.0, 1.0, 9.0, 5.0], num_c=[0.1] * 7))
    assert out["num_a_robust"].tolist() == [0.0] * 7 and out["num_c_robust"].tolist() == [0.0] * 7
    new = apply("RobustScaler", frame(num_a=[5.0, 5.0, 5.0]), {"with_centering": False}, frame(num_a=[1.0, 7.0, -2.0]))
    assert new["num_a_robust"].tolist() == [0.0] * 3


def test_robust_scaler_refuses_missing_values_and_bad_quantiles() -> None:
    with pytest.raises(UserError, match="column 'num_a' has missing values .*row 1"):
        apply("RobustScaler", frame(num_a=[1.0, None, 3.0]))
    with pytest.raises(UserError, match=r"0 < 'lower' < 'upper' < 1 \(Spark's rule\), got lower 0.8, upper 0.75"):
        apply("RobustScaler", frame(num_a=TEN), {"lower": 0.8})


SPLITS = ["-inf", -1.0, 0.0, 0.5, "inf"]


def test_bucketizer_left_closed_last_closed_and_negative_zero() -> None:
    x = [-math.inf, -1.0, -0.5, -0.0, 0.0, 0.25, 0.5, 7.0, math.inf]
    out = apply("Bucketizer", frame(num_a=x), {"splits": SPLITS})["num_a_bucket"]
    assert out.tolist() == [0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
    closed = apply("Bucketizer", frame(num_a=[0.0, 1.0, 2.0]), {"splits": [0, 1, 2]})["num_a_bucket"]
    assert closed.tolist() == [0.0, 1.0, 1.0]  # the last bucket [1, 2] holds 2


def test_bucketizer_missing_values_error_or_keep_in_bucket_k() -> None:
    with pytest.raises(UserError, match="column 'num_a' has missing values .*row 1"):
        apply("Bucketizer", frame(num_a=[0.0, None, float("nan")]), {"splits": SPLITS})
    out = apply("Bucketizer", frame(num_a=[0.0, None, float("nan")]), {"splits": SPLITS, "handle_invalid": "keep"})
    assert out["num_a_bucket"].tolist() == [2.0, 4.0, 4.0]


@pytest.mark.parametrize(("params", "message"), [
    ({}, r"Bucketizer needs its bucket boundaries: --params '\{\"splits\": \[\"-inf\", 0, 10, \"inf\"\]\}'"),
    ({"splits": [0, 1]}, "at least 3 values"),
    ({"splits": [0, 2, 1]}, "strictly increasing"),
    ({"splits": [0, "x", 1]}, "must be a list of numbers"),
    ({"splits": [0, 1, 2], "handle_invalid": "skip"}, "must be one of error, keep"),
])
def test_bucketizer_parameter_errors(params, message) -> None:
    with pytest.raises(UserError, match=message):
        apply("Bucketizer", frame(num_a=[0.5]), params)


def test_bucketizer_accepts_json_infinities_and_refuses_values_outside() -> None:
    assert OPERATORS["Bucketizer"].resolve_params({"splits": [float("-inf"), 0, "+inf"]})["splits"] == (
        -math.inf, 0.0, math.inf)
    with pytest.raises(UserError, match=r"column 'num_a' holds 3.0 \(row 1\), outside the splits \[0, 2\]"):
        apply("Bucketizer", frame(num_a=[1.0, 3.0]), {"splits": [0, 1, 2]})


def test_quantile_discretizer_exact_edges() -> None:
    ten = [float(i) for i in range(1, 11)]  # k = 4: q = x_(3), x_(5), x_(8) = 3, 5, 8 (as Spark with relativeError 0)
    out = apply("QuantileDiscretizer", frame(num_a=ten), {"num_buckets": 4})["num_a_bucket"]
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
    new = apply("QuantileDiscretizer", frame(num_a=ten), {"num_buckets": 4}, frame(num_a=[-50.0, 8.0, 1e9, -0.0]))
    assert new["num_a_bucket"].tolist() == [0.0, 3.0, 3.0, 0.0]


def test_quantile_discretizer_equal_quantiles_merge_and_constant_column_is_bucket_one() -> None:
    ties = apply("QuantileDiscretizer", frame(num_a=[1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0]), {"num_buckets": 4})
    assert ties["num_a_bucket"].tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0]  # splits -inf 1 2 3 inf
    constant = apply("QuantileDiscretizer", frame(num_a=[0.1] * 5))  # splits -inf 0.1 inf
    assert constant["num_a_bucket"].tolist() == [1.0] * 5


def test_quantile_discretizer_missing_values_error_or_keep() -> None:
    with pytest.raises(UserError, match="column 'num_a' has missing values"):
        apply("QuantileDiscretizer", frame(num_a=[1.0, None, 3.0]))
    out = apply("QuantileDiscretizer", frame(num_a=[1.0, None, 3.0, 2.0]), {"handle_invalid": "keep"})
    assert out["num_a_bucket"].tolist() == [0.0, 2.0, 1.0, 1.0]  # q = x_(2) of 1 2 3 = 2; missing -> bucket 2


# the research's documents: totals b 4, a 3, c 3, d e zz 1; document frequencies a 2, b 3, c 3, d e zz 1
DOCS = ["b a c b", "c b d", "a a c b e", "zz", None, ""]


def counts(params: dict | None = None, apply_to: list | None = None) -> tuple[list, list]:
    out = apply("CountVectorizer", frame(text=DOCS), params, frame(text=apply_to) if apply_to else None)
    return dense(out["text_tokens_counts"]), out["text_tokens_counts"].shape[1]


def test_count_vectorizer_counts_over_the_vocabulary_in_token_order() -> None:
    rows, width = counts()
    assert width == 6  # a b c d e zz
    assert rows == [[1, 2, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0], [2, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 1],
                    [0] * 6, [0] * 6]  # a null token list and an empty one: all-zero rows
    new, _ = counts(apply_to=["zz unseen A", None])
    assert new == [[1, 0, 0, 0, 0, 1], [0] * 6]  # the Tokenizer lowercases A; unseen tokens are not counted


def test_count_vectorizer_top_vocab_size_ties_by_token_in_code_point_order() -> None:
    assert counts({"vocab_size": 2})[0][0] == [1, 2]  # b (4), then a and c tie at 3: a
    docs = ["\U0001f600 \uff5a z \u00e9 c c", "c"]  # after c, four tokens tie at 1: z < é < ｚ < 😀 by code point
    out = apply("CountVectorizer", frame(text=docs), {"vocab_size": 4})["text_tokens_counts"]
    assert dense(out)[0] == [2, 1, 1, 1]  # c, z, é, ｚ (UTF-16 order would keep 😀 before ｚ)


@pytest.mark.parametrize(("min_df", "width"), [(2.0, 3), (3.0, 2), (1.5, 3), (0.5, 2), (0.1, 6), (0.0, 6)])
def test_count_vectorizer_min_df_is_a_count_or_a_fraction_of_the_rows(min_df, width) -> None:
    # a count when >= 1 (df >= 1.5 keeps df 2); else a fraction of the 6 rows, the null one included (0.5: df >= 3)
    assert counts({"min_df": min_df})[1] == width


def test_count_vectorizer_output_feeds_idf_in_a_spec_file(tmp_path) -> None:
    from src.bench.spec.pipeline_file import load_pipeline
    from src.bench.spec.plan import plan_steps

    path = tmp_path / "cv.yaml"
    path.write_text("name: cv\nsteps:\n  - operator: Tokenizer\n  - operator: CountVectorizer\n"
                    "    params: {vocab_size: 3}\n  - operator: IDF\n", encoding="utf-8")
    data = frame(text=DOCS)
    steps = plan_steps(list(load_pipeline(str(path)).steps), kinds_of(data))
    assert [s.name for s in steps] == ["Tokenizer", "CountVectorizer", "IDF"] and not any(s.implicit for s in steps)
    for step in steps:
        state = ENGINE.fit(step, data) if step.spec.stateful else None
        data = ENGINE.transform(step, state, data)
    tfidf = dense(data["text_tokens_counts_tfidf"])  # vocabulary a b c; n = 6, df 2 3 3
    assert tfidf[0] == pytest.approx([math.log(7 / 3), 2 * math.log(7 / 4), math.log(7 / 4)], rel=1e-15)

"""What is particular to the DuckDB engine; its values against the numpy reference on every operator, parameter and
pipeline are checked by tests/engines/test_conformance.py (with PREPBENCH_EXTRA_ENGINES=src.engines.duckdb until
it is registered). Here: NaN stored as a value (DuckDB orders it as a number, prepbench calls it missing), the
settings that reach DuckDB, the tables a repetition leaves behind, and the documents that need Python's
lowercasing. DuckDB runs in this process and starts in milliseconds, so none of this is `slow`."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("duckdb")

from src.bench.data.inputs import resolve_input  # noqa: E402
from src.bench.errors import UserError  # noqa: E402
from src.bench.run.facts import EngineOptions  # noqa: E402
from src.bench.spec.plan import output_columns, plan_pipeline  # noqa: E402
from src.engines.duckdb.engine import DuckdbEngine  # noqa: E402
from src.engines.duckdb.operators import tokenizer  # noqa: E402
from tests.engines.conformance import assert_matches_reference, fit_then_transform  # noqa: E402

NAN = float("nan")


def _options(**given) -> EngineOptions:
    """Every option the engine reads, so these tests need no registry entry (PREPBENCH_EXTRA_ENGINES) for it."""
    return EngineOptions(**{"cores": None, "duckdb_memory_limit": None, "duckdb_temp_dir": None, **given})


@pytest.fixture
def engine():
    started = DuckdbEngine(_options())
    started.start()
    yield started
    started.stop()


def _source(path, columns: dict[str, list]):
    pq.write_table(pa.table(columns), path)
    return resolve_input(str(path))


@pytest.mark.parametrize("strategy", ["mean", "median", "mode", "constant"])
def test_nan_stored_as_a_value_is_missing(engine, tmp_path, strategy) -> None:
    """A Parquet double column holding NaN (not null): DuckDB's aggregates would take NaN as the largest number."""
    values = [NAN, 1.0, None, 3.0, 3.0, NAN, 1.0, 7.0]  # observed 1 3 3 1 7: mode tie 1/3 -> 1, lower median 3
    source = _source(tmp_path / "nan.parquet", {"miss_0": pa.array(values, pa.float64(), from_pandas=False)})
    assert pq.read_table(source.path).column("miss_0").null_count == 1  # the NaNs really are values
    data = engine.load(source, ["miss_0"])
    params = {"Imputer": {"strategy": strategy, "fill_value": -1.0}}
    out = assert_matches_reference(engine, (source, source), (data, data), ["Imputer"], params)["test"]
    assert not np.isnan(out["miss_0_imputed"]).any()


def test_a_scaler_refuses_nan_naming_the_first_missing_row(engine, tmp_path) -> None:
    source = _source(tmp_path / "nan.parquet", {"num_0": pa.array([1.0, 2.0, NAN, 4.0], from_pandas=False)})
    step = plan_pipeline(["StandardScaler"], {}, source.schema)[0]
    with pytest.raises(UserError, match="column 'num_0' has missing values \\(null or NaN\\), e.g. row 2"):
        engine.fit(step, engine.load(source, ["num_0"]))


@pytest.mark.parametrize("operator", ["Tokenizer", "HashingTF", "IDF"])
def test_a_chunk_of_null_documents_only(engine, tmp_path, operator) -> None:
    """DuckDB calls a Python function without the null rows, so a chunk (2048 rows) of null documents only reaches
    it empty."""
    source = _source(tmp_path / "null.parquet", {"text": pa.array([None] * 2100 + ["a B"], pa.string())})
    data = engine.load(source, ["text"])
    assert_matches_reference(engine, (source, source), (data, data), [operator])


def test_the_settings_reach_duckdb(tmp_path) -> None:
    engine = DuckdbEngine(_options(cores=1, duckdb_memory_limit="1GiB", duckdb_temp_dir=str(tmp_path / "spill")))
    try:
        facts = engine.start()
        assert (facts["threads"], facts["memory_limit"], facts["temp_directory"]) == (1, "1.0 GiB",
                                                                                      str(tmp_path / "spill"))
    finally:
        engine.stop()


def test_a_setting_duckdb_refuses_is_a_user_error() -> None:
    with pytest.raises(UserError, match="DuckDB refuses its settings.*Memory must have a number"):
        DuckdbEngine(_options(duckdb_memory_limit="lots")).check_options()


def test_a_repetition_leaves_only_the_loaded_input(engine, tmp_path) -> None:
    """Fitted state (category and idf tables) and the stored outputs a fit reads are dropped by `release`; the
    input loaded before the repetitions stays, and the next repetition gives the same outputs."""
    source = _source(tmp_path / "t.parquet", {"cat_0": ["b", "a", None, "b"], "text": ["A b", None, "", "b B c"]})
    steps = plan_pipeline(["StringIndexer", "OneHotEncoder", "IDF"], {"IDF": {"input_cols": ["text"]}}, source.schema)
    data = engine.load(source, ["cat_0", "text"])
    engine.keep_loaded()
    loaded = list(engine.session.tables)
    outputs = []
    for _ in range(2):
        result = engine.materialize(fit_then_transform(engine, steps, data, data)[0], output_columns(steps))
        assert len(engine.session.tables) > len(loaded)
        outputs.append(engine.collect(result, ["cat_0_index", "cat_0_index_onehot"], None))
        engine.release(result)
        assert engine.session.tables == loaded
    assert outputs[0]["cat_0_index"].tolist() == pytest.approx([1.0, 0.0, NAN, 1.0], nan_ok=True)
    assert (outputs[0]["cat_0_index_onehot"] != outputs[1]["cat_0_index_onehot"]).nnz == 0


def test_only_documents_duckdb_lowercases_wrongly_go_to_python(engine, tmp_path, monkeypatch) -> None:
    """On DuckDB's `lower`, İ loses its dot above and a final Σ is σ; those documents, and only those, are
    tokenized by Python."""
    special = tokenizer.special_characters()
    assert "\\x{130}" in special and "\\x{3a3}" in special
    seen: list[str] = []
    tokenize = tokenizer.tokenize

    def counted(docs):
        seen.extend(docs.to_pylist())
        return tokenize(docs)

    monkeypatch.setattr(tokenizer, "tokenize", counted)
    docs = ["ΟΔΟΣ A", "plain Text", None, "İstanbul", "Español\tñ", ""]
    source = _source(tmp_path / "text.parquet", {"text": docs})
    data = engine.load(source, ["text"])
    out = assert_matches_reference(engine, (source, source), (data, data), ["Tokenizer"])["test"]["text_tokens"]
    assert out[0] == ["οδος", "a"] and out[3] == ["i\u0307stanbul"]
    assert set(seen) == {"ΟΔΟΣ A", "İstanbul"}  # from the train and the test transform


def test_a_memory_limit_gives_duckdb_half_of_it_and_an_explicit_smaller_one_wins() -> None:
    halved = DuckdbEngine(_options())
    assert halved.limit_memory(2 * 2**30) == ("memory_limit 1024MiB (half the limit), spilling to a temp directory "
                                              "of its own (removed when it stops)")
    assert halved._config()["memory_limit"] == "1024MiB"
    halved.start()
    spill = halved.session.rows("SELECT current_setting('temp_directory')")[0][0]
    assert spill.startswith(tempfile.gettempdir()) and os.path.isdir(spill)
    halved.stop()
    assert not os.path.exists(spill)
    given = DuckdbEngine(_options(duckdb_memory_limit="500MiB"))
    assert given.limit_memory(2 * 2**30) == ("memory_limit 500MiB (--duckdb-memory-limit), spilling to a temp "
                                             "directory of its own (removed when it stops)")
    assert given._config()["memory_limit"] == "500MiB"
    with pytest.raises(UserError, match=r"^--duckdb-memory-limit 4GB is more than --memory-limit 2 GiB; give a "
                       r"smaller one, or drop it to use half the limit$"):
        DuckdbEngine(_options(duckdb_memory_limit="4GB")).limit_memory(2 * 2**30)


def test_under_a_limit_duckdb_is_refused_up_front_in_memory_but_streams_end_to_end(tmp_path) -> None:
    """In memory the input and the outputs are Arrow tables of this process; end to end DuckDB scans the files in
    every query (no table of the input), fits in one pass and writes with COPY, its buffers within memory_limit."""
    in_memory = DuckdbEngine(_options())
    in_memory.limit_memory(2**30)
    assert in_memory.holds_everything_in_memory()
    streaming = DuckdbEngine(_options())
    streaming.end_to_end = True
    assert "end to end: read_parquet scanned by every query" in streaming.limit_memory(2**30)
    assert not streaming.holds_everything_in_memory()
    assert streaming._config()["preserve_insertion_order"] == "false"
    assert streaming.fused_phases["read"] == "fit and write"
    parts = tmp_path / "parts.parquet"
    parts.mkdir()
    for i, values in enumerate([["b", None, "a"], ["c", "a"]]):  # the second file's rows are 3 and 4
        pq.write_table(pa.table({"cat_0": pa.array(values, pa.string())}), parts / f"part-{i}.parquet")
    source = resolve_input(str(parts))
    streaming.start()
    try:
        steps = plan_pipeline(["StringIndexer"], {}, source.schema)
        data = streaming.read(source, ["cat_0"])
        assert streaming.session.tables == []  # the input is a scan, not a table
        state = streaming.fit(steps[0], data)
        out = tmp_path / "out"
        streaming.write(streaming.transform(steps[0], state, data), {"cat_0_index": "index"}, str(out))
        written = pq.read_table(out).sort_by("_prepbench_row").to_pydict()
        assert written == {"_prepbench_row": [0, 1, 2, 3, 4], "cat_0_index": [1.0, None, 0.0, 2.0, 0.0]}
    finally:
        streaming.stop()

"""What is particular to the Polars engine; its values against the numpy reference on every operator, parameter
and pipeline are checked by tests/engines/test_conformance.py (on Polars' own choice of engine, the default). Here: the
same cases on Polars' streaming and in-memory engines, a row sample collected, the lowercasing fallback, --cores and the
refusals of the fits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pl = pytest.importorskip("polars")

from src.bench.errors import UserError  # noqa: E402
from src.bench.run.facts import EngineOptions  # noqa: E402
from src.bench.spec.plan import output_columns, plan_pipeline  # noqa: E402
from src.engines.polars.engine import PolarsEngine  # noqa: E402
from src.engines.polars.operators.tokenizer import lowercase  # noqa: E402
from src.engines.polars.table import Table  # noqa: E402
from tests.engines import conformance as cf  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {d.name: cf.schema_of(d) for d in cf.DATASETS}


def polars_engine(mode: str = "in-memory") -> PolarsEngine:
    engine = PolarsEngine(EngineOptions(cores=None, polars_engine=mode))
    engine.start()
    return engine


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return cf.write_datasets(tmp_path_factory.mktemp("polars"))


@pytest.fixture(scope="module", params=["streaming", "in-memory"])
def chosen(request, files):
    """An engine other than the default one (the conformance suite runs that)."""
    engine = polars_engine(request.param)
    return engine, {d: tuple(engine.load(s, list(s.schema)) for s in files[d]["parquet"]) for d in files}


@pytest.mark.slow
@pytest.mark.parametrize(("dataset", "case"), [pytest.param(d.name, c, id=f"{d.name}-{c.id}") for d in cf.DATASETS
                                               for c in cf.CASES if d.runs(c, SCHEMAS[d.name])])
def test_the_streaming_and_in_memory_engines_match_the_reference(files, chosen, dataset, case) -> None:
    engine, loaded = chosen
    cf.assert_matches_reference(engine, files[dataset]["parquet"], loaded[dataset], case.operators, case.params)


def test_a_row_sample_is_collected_in_input_order(files) -> None:
    engine = polars_engine()
    source = files["main"]["parquet"][1]
    data = engine.load(source, list(source.schema))
    steps = plan_pipeline(["StringIndexer", "OneHotEncoder"], {}, source.schema) + plan_pipeline(
        ["Tokenizer", "HashingTF", "IDF"], {}, source.schema) + plan_pipeline(["Imputer"], {}, source.schema)
    for step in steps:
        data = engine.transform(step, engine.fit(step, data) if step.spec.stateful else None, data)
    result = engine.materialize(data, output_columns(steps))
    columns = output_columns(steps)
    whole = engine.collect(result, columns, None)
    rows = np.array([0, 3, 4, 57, engine.count(data) - 1])
    sample = engine.collect(result, columns, rows)
    for name in columns:
        if isinstance(whole[name], list):
            assert sample[name] == [whole[name][i] for i in rows], name
        elif isinstance(whole[name], np.ndarray):
            assert np.array_equal(sample[name], whole[name][rows], equal_nan=True), name
        else:
            assert (sample[name] != whole[name][rows]).nnz == 0 and sample[name].shape[1] == whole[name].shape[1]


def test_the_reader_takes_a_writers_directory_with_its_side_files(tmp_path) -> None:
    """Spark's `out/`: part files in name order, and a `_SUCCESS` marker and `.crc` checksums Polars' directory
    scan refused ("different file extensions"); only the parts are read, numbered in name order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from src.bench.data.inputs import resolve_input

    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(pa.table({"num_0": [3.0, 4.0]}), out / "part-00001-a.snappy.parquet")
    pq.write_table(pa.table({"num_0": [1.0, 2.0]}), out / "part-00000-a.snappy.parquet")
    (out / "_SUCCESS").write_bytes(b"")
    (out / ".part-00000-a.snappy.parquet.crc").write_bytes(b"\x00")
    engine = polars_engine()
    data = engine.read(resolve_input(str(out)), ["num_0"])
    assert engine.collect(engine.materialize(data, ["num_0"]), ["num_0"], None)["num_0"].tolist() == [1, 2, 3, 4]


def test_lowercase_is_str_lower_where_polars_differs() -> None:
    """Polars lowercases the letters Unicode 16 and 17 gave a lowercase (the reference's Python 3.11 does not);
    Final_Sigma and the special mappings go through str.lower as well, whatever Polars would do."""
    docs = ["\ua7cb Ꟛ \U00010d50x", "ΟΔΟΣ Α1Σ ΑΣ'Β ΑΣ\u0301", "İstanbul", "plain ASCII", "", None, "Ǆ ẞ 😀"]
    assert lowercase(pl.Series(docs, dtype=pl.String)).to_list() == [None if d is None else d.lower() for d in docs]
    assert pl.Series(["\ua7cb"]).str.to_lowercase().item() != "\ua7cb".lower()  # else the fallback is not needed


def test_cores_sizes_the_polars_thread_pool() -> None:
    """Set when the engine is created: the runner imports the operator modules, and so Polars, before `start`."""
    code = ("from src.engines.polars.engine import PolarsEngine; from src.bench.run.facts import EngineOptions; "
            "engine = PolarsEngine(EngineOptions(cores=1, polars_engine='in-memory')); import polars; "
            "print(engine.start()['threads'])")
    env = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1"]
    with pytest.raises(UserError, match="already loaded"):
        PolarsEngine(EngineOptions(cores=pl.thread_pool_size() + 1, polars_engine="in-memory")).start()


@pytest.mark.parametrize("operator", ["StandardScaler", "MinMaxScaler"])
def test_the_scalers_refuse_missing_values(operator) -> None:
    data = Table(pl.LazyFrame({"num_0": [1.0, 2.0, float("nan"), None]}), "in-memory")
    step = plan_pipeline([operator], {}, {"num_0": "numeric"})[0]
    with pytest.raises(UserError, match=r"column 'num_0' has missing values \(null or NaN\), e.g. row 2"):
        polars_engine().fit(step, data)


def test_the_imputer_refuses_a_column_without_values() -> None:
    data = Table(pl.LazyFrame({"miss_0": [None, float("nan")]}, schema={"miss_0": pl.Float64}), "in-memory")
    for strategy in ("mean", "median", "mode"):
        step = plan_pipeline(["Imputer"], {"Imputer": {"strategy": strategy}}, {"miss_0": "numeric"})[0]
        with pytest.raises(UserError, match="no non-null values"):
            polars_engine().fit(step, data)
    step = plan_pipeline(["Imputer"], {"Imputer": {"strategy": "constant"}}, {"miss_0": "numeric"})[0]
    engine = polars_engine()
    filled = engine.transform(step, engine.fit(step, data), data).collect(["miss_0_imputed"])
    assert filled["miss_0_imputed"].to_list() == [0.0, 0.0]


@pytest.mark.parametrize(("chosen_engine", "end_to_end", "runs_on", "refused"), [
    ("auto", True, "streaming", False),  # end to end under a limit: Polars' choice becomes the streaming engine
    ("streaming", True, "streaming", False),
    ("in-memory", True, "in-memory", True),  # asked for explicitly: it collects everything, so the estimate judges
    ("auto", False, "auto", True),  # in memory the input is an eager DataFrame, on any engine
    ("streaming", False, "streaming", True),
])
def test_under_a_limit_polars_streams_end_to_end_and_is_refused_up_front_otherwise(
        chosen_engine: str, end_to_end: bool, runs_on: str, refused: bool) -> None:
    engine = PolarsEngine(EngineOptions(cores=None, polars_engine=chosen_engine))
    engine.end_to_end = end_to_end
    setting = engine.limit_memory(2**30)
    assert engine.query_engine == runs_on
    assert engine.holds_everything_in_memory() is refused
    assert ("end to end on the streaming engine" in setting) is not refused

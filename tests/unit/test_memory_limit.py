"""--memory-limit's pieces without running an engine: sizes, the in-memory estimate, and the verdict on a record."""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from src.bench.data.inputs import resolve_input
from src.bench.run.memory_estimate import (
    ARROW_STRING_OVERHEAD,
    CSV_FACTOR,
    STRING_OVERHEAD,
    input_bytes,
    needed_bytes,
    refusal,
)
from src.bench.run.memory_limit import format_size, parse_size, verdict
from src.engines.numpy.engine import NumpyEngine
from src.engines.sklearn.engine import SklearnEngine
from tests.clitools import SAMPLE, run_main


@pytest.mark.parametrize(("text", "size"), [
    ("4GiB", 4 * 2**30), ("500MiB", 500 * 2**20), ("2G", 2 * 2**30), ("1.5GiB", 3 * 2**29), ("512k", 512 * 1024),
    ("4GB", 4_000_000_000), ("300MB", 300_000_000), ("1048576", 2**20), (" 2 TiB ", 2 * 2**40), ("64mib", 64 * 2**20),
])
def test_sizes_are_read_with_their_units(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "4XB", "0", "0MiB", "-1GiB", "", "GiB", "1e9", "4 GiB extra"])
def test_a_bad_size_is_refused_with_examples(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"expected a size such as 4GiB, 500MiB or 2G, got"):
        parse_size(text)


@pytest.mark.parametrize(("size", "text"), [
    (31.2 * 2**30, "31 GiB"), (4 * 2**30, "4 GiB"), (1.5 * 2**30, "1.5 GiB"), (500 * 2**20, "500 MiB"),
    (2**40, "1 TiB"), (100, "100 B"),
])
def test_sizes_are_written_short(size: float, text: str) -> None:
    assert format_size(size) == text


def test_a_bad_limit_on_the_command_line_is_one_line() -> None:
    code, _, err = run_main(["run", "--engine", "numpy", "--operator", "StandardScaler", "--input", str(SAMPLE),
                             "--memory-limit", "lots"])
    assert code == 2
    assert err.strip().splitlines() == ["prepbench run: error: argument --memory-limit: expected a size such as "
                                        "4GiB, 500MiB or 2G, got 'lots' (see: prepbench run --help)"]


def test_parquet_estimate_counts_numbers_and_strings(tmp_path: Path) -> None:
    rows = 1000
    table = pa.table({"num_0": pa.array([1.5] * rows), "num_1": pa.array(range(rows)),
                      "cat_0": pa.array(["abcde"] * rows), "unread": pa.array(["x" * 100] * rows)})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=300)
    source = resolve_input(str(tmp_path / "t.parquet"))
    loaded = rows * 8 * 2 + rows * (5 + STRING_OVERHEAD)
    assert input_bytes(source, ["num_0", "num_1", "cat_0"]) == loaded
    assert needed_bytes(source, ["num_0", "num_1", "cat_0"], steps=2) == 3 * loaded
    # the numpy engine keeps strings as Arrow arrays (an offset each), scikit-learn as Python objects
    arrow = rows * 8 * 2 + rows * (5 + ARROW_STRING_OVERHEAD)
    assert needed_bytes(source, ["num_0", "num_1", "cat_0"], 2, ARROW_STRING_OVERHEAD) == 3 * arrow
    assert (NumpyEngine.string_overhead_bytes, SklearnEngine.string_overhead_bytes) == (4, 57)


def test_the_engines_own_sample_sees_what_the_input_size_cannot(tmp_path: Path) -> None:
    """TF-IDF holds token lists and count vectors many times its text: the estimate from the input's metadata is
    a fraction of what the numpy and scikit-learn engines hold, which their own run on the first rows measures
    (scikit-learn's tokens are Python objects, counted), scaled to the input's rows with ENGINE_HEADROOM."""
    from src.bench.run.reference_memory import ENGINE_HEADROOM, SAMPLE_ROWS, engine_need
    from src.bench.spec.plan import plan_pipeline

    rows, words = 4 * SAMPLE_ROWS, " ".join(f"w{i}" for i in range(30))
    pq.write_table(pa.table({"text": [f"{words} {i}" for i in range(rows)]}), tmp_path / "docs.parquet")
    source = resolve_input(str(tmp_path / "docs.parquet"))
    steps = plan_pipeline(["Tokenizer", "HashingTF", "IDF"], {}, source.schema)
    tokens = rows * 31
    # numpy: the text, the tokens as one Arrow list array (4-byte offsets), TF and IDF as CSR (8+4 bytes per term)
    held = rows * (len(words) + 6 + 4) + tokens * (3 + 4) + rows * 4 + 2 * (tokens * 12 + (rows + 1) * 4)
    assert engine_need("numpy", source, steps) == pytest.approx(held * ENGINE_HEADROOM, rel=0.05)
    assert engine_need("numpy", source, steps) > 2 * needed_bytes(source, ["text"], 3, ARROW_STRING_OVERHEAD)
    assert engine_need("sklearn", source, steps) > 2 * engine_need("numpy", source, steps)


def test_csv_estimate_is_its_share_of_the_file() -> None:
    source = resolve_input(str(SAMPLE))
    share = 2 / len(source.schema)
    assert input_bytes(source, list(source.schema)[:2]) == int(source.size_bytes * CSV_FACTOR * share)


def test_refusal_only_when_the_estimate_is_over_the_limit() -> None:
    assert refusal("numpy", int(31.2 * 2**30), 4 * 2**30) == (
        "numpy engine: this input needs about 31 GiB in memory; the limit is 4 GiB")
    assert refusal("numpy", 4 * 2**30, 4 * 2**30) is None
    assert refusal("numpy", None, 1) is None  # a remote input: not estimated


LIMIT = {"limit_bytes": 2**30, "mechanism": "cgroup v1", "peak_bytes": 2**30}


def test_a_run_over_the_limit_is_failed_whatever_it_wrote() -> None:
    record = {"status": "failed", "error": {"type": "Py4JError", "message": "An error occurred"},
              "memory_limit": {"limit_bytes": 2**30, "engine_settings": "spark.driver.memory 512m"}}
    judged = verdict(record, {**LIMIT, "exceeded": True})
    assert judged["status"] == "failed"
    assert judged["error"] == {"type": "MemoryLimit", "message": "memory limit: the kernel killed a process of the "
                               "run's cgroup (peak 1 GiB, limit 1 GiB, enforced by cgroup v1)"}
    assert judged["engine_error"] == {"type": "Py4JError", "message": "An error occurred"}
    assert judged["memory_limit"] == {**LIMIT, "exceeded": True, "engine_settings": "spark.driver.memory 512m"}


@pytest.mark.parametrize("error", [{"type": "Py4JJavaError", "message": "java.lang.OutOfMemoryError: Java heap"},
                                   {"type": "KilledWorker", "message": "Attempted to run task on 4 different workers"}])
def test_an_engine_out_of_memory_under_the_limit_is_a_memory_limit_failure(error: dict) -> None:
    judged = verdict({"status": "failed", "error": error},
                     {**LIMIT, "mechanism": "watchdog", "peak_bytes": 700 * 2**20, "exceeded": False})
    assert judged["error"]["message"] == ("memory limit: the engine ran out of memory (peak 700 MiB, limit 1 GiB, "
                                          "enforced by watchdog)")
    assert judged["engine_error"] == error


def test_a_run_within_the_limit_keeps_its_status() -> None:
    record = {"status": "ok", "consistency": {"verdict": "ok"}}
    assert verdict(record, {**LIMIT, "exceeded": False}) == {**record, "memory_limit": {**LIMIT, "exceeded": False}}


def test_a_reference_too_big_for_the_machine_is_refused_before_it_runs(tmp_path: Path) -> None:
    """The reference runs outside --memory-limit: its pipeline on the first rows, scaled, must fit in what the
    machine has available, or the run is refused with the numbers (not left to the kernel's OOM killer)."""
    from src.bench.run.reference_memory import SAMPLE_ROWS, reference_refusal
    from src.bench.spec.plan import plan_pipeline

    rows = 12 * SAMPLE_ROWS
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"text": [f"word{i % 97} Other TEXT {i}" for i in range(rows)]}), path,
                   row_group_size=50_000)
    source = resolve_input(str(path))
    steps = plan_pipeline(["Tokenizer", "HashingTF", "IDF"], {}, source.schema)
    message = reference_refusal(source, source, steps, available=2**20)
    assert message.startswith("numpy reference: checking this run needs about ")
    assert message.endswith(f"in memory (its pipeline on the first 20,000 rows, scaled to {rows:,}); this machine "
                            "has 1 MiB available: use fewer rows")
    assert reference_refusal(source, source, steps, available=2**40) is None
    small = tmp_path / "small.parquet"
    pq.write_table(pa.table({"text": ["a b"] * SAMPLE_ROWS}), small)
    assert reference_refusal(resolve_input(str(small)), resolve_input(str(small)), steps, available=1) is None


def test_the_reference_lineage_by_lineage_gives_what_it_gives_whole(tmp_path: Path, monkeypatch) -> None:
    """Above COLUMNWISE_BYTES the reference runs one lineage at a time, on the sampled rows after the lineage's
    last fit (from the start for a lineage without a fit, as Tokenizer -> HashingTF): the same outputs."""

    import src.bench.run.reference as reference
    from src.bench.data.generate import DatasetSpec, generate_table
    from src.bench.run.reference import checked_columns, needed_columns, reference_outputs
    from src.bench.spec.plan import plan_pipeline

    path = tmp_path / "t.parquet"
    spec = DatasetSpec(rows=3000, numeric=2, categorical=2, text=True, missing_rate=0.1, seed=5)
    pq.write_table(generate_table(spec), path)
    source = resolve_input(str(path))
    operators = ["Imputer", "StandardScaler", "StringIndexer", "HashingTF"]
    steps = plan_pipeline(operators, {"HashingTF": {"num_features": 64}}, source.schema)
    args = (source, source, steps, needed_columns(steps), checked_columns(steps), 500)
    whole = reference_outputs(*args)
    monkeypatch.setattr(reference, "COLUMNWISE_BYTES", 0)
    assert len(reference.columnwise_groups(source, steps, needed_columns(steps))) > 2
    by_lineage = reference_outputs(*args)
    assert_same_outputs(whole, by_lineage, 3000)


def test_the_reference_streams_a_fit_in_row_chunks_to_the_same_outputs(tmp_path: Path, monkeypatch) -> None:
    """A lineage whose every fit takes chunks (IDF's document frequencies add up) is fitted chunk by chunk, the
    text's tokens and term counts built one chunk at a time: the same outputs as the whole pipeline."""

    import src.bench.run.reference as reference
    from src.bench.data.generate import DatasetSpec, generate_table
    from src.bench.run.reference import checked_columns, needed_columns, reference_outputs
    from src.bench.spec.plan import plan_pipeline
    from src.engines.numpy.operators import idf

    path = tmp_path / "t.parquet"
    spec = DatasetSpec(rows=3000, numeric=1, categorical=0, text=True, missing_rate=0.1, seed=7)
    pq.write_table(generate_table(spec), path)
    source = resolve_input(str(path))
    steps = plan_pipeline(["StandardScaler", "Tokenizer", "HashingTF", "IDF"],
                          {"HashingTF": {"num_features": 256}, "IDF": {"min_doc_freq": 3}}, source.schema)
    args = (source, source, steps, needed_columns(steps), checked_columns(steps), 500)
    whole = reference_outputs(*args)
    monkeypatch.setattr(reference, "COLUMNWISE_BYTES", 0)
    monkeypatch.setattr(reference, "CHUNK_ROWS", 700)
    chunk_rows = []
    fit_chunks = idf.fit_chunks
    monkeypatch.setattr(idf, "fit_chunks", lambda frames, step: fit_chunks(
        (chunk_rows.append(f.n_rows) or f for f in frames), step))
    streamed = reference_outputs(*args)
    assert chunk_rows == [700, 700, 700, 700, 200]
    assert_same_outputs(whole, streamed, 3000)


def assert_same_outputs(expected: tuple, got: tuple, rows: int) -> None:
    """Two references' (row count, sampled outputs) are equal, value for value."""
    import numpy as np
    import scipy.sparse as sp

    assert expected[0] == got[0] == rows and expected[1].keys() == got[1].keys()
    for column, values in expected[1].items():
        if sp.issparse(values):
            assert (values != got[1][column]).nnz == 0, column
        else:
            np.testing.assert_array_equal(np.asarray(values, dtype=object), np.asarray(got[1][column], dtype=object),
                                          column)

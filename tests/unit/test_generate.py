"""The dataset generator: deterministic per seed, obeys the canonical input rules, round-trips through files."""

import argparse
import hashlib
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from src.bench.data.generate import (
    BLOCK_ROWS,
    UNICODE_VOCAB,
    DatasetSpec,
    ZipfSampler,
    build_spec,
    check_output,
    chunk_rows_for,
    generate_table,
    unicode_vocabulary,
    write_dataset,
    write_table,
)
from src.bench.data.inputs import resolve_input
from src.bench.errors import UserError
from src.bench.run.facts import EngineOptions
from src.bench.spec.operators import NUMERIC, STRING
from src.engines.numpy.engine import NumpyEngine

ROOT = Path(__file__).resolve().parents[2]
SPEC = DatasetSpec(rows=5000, numeric=4, categorical=3, cardinality=12, text=True, missing_rate=0.2, seed=3)


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return generate_table(SPEC)


def test_same_seed_same_table_other_seed_other_table(table: pa.Table) -> None:
    assert generate_table(SPEC).equals(table)
    other = generate_table(DatasetSpec(**{**SPEC.__dict__, "seed": 4}))
    assert other.schema == table.schema
    assert all(not other[c].equals(table[c]) for c in table.column_names)


def test_columns_follow_the_spec(table: pa.Table) -> None:
    assert table.column_names == [
        "num_0", "num_1", "num_2", "num_3", "miss_0", "miss_1", "cat_0", "cat_1", "cat_2", "text",
    ]
    assert table.num_rows == 5000
    no_missing = generate_table(DatasetSpec(rows=10, numeric=1, categorical=0, missing_rate=0.0))
    assert no_missing.column_names == ["num_0"]


def test_no_nan_and_nulls_only_in_miss_columns(table: pa.Table) -> None:
    for name in table.column_names:
        column = table[name]
        if pa.types.is_floating(column.type):
            assert pc.sum(pc.is_nan(column)).as_py() in (0, None), name  # missing values are null, never NaN
        if name.startswith("miss_"):
            assert 0.17 < column.null_count / table.num_rows < 0.23
        else:
            assert column.null_count == 0, name


def test_numeric_columns_have_a_healthy_spread(table: pa.Table) -> None:
    for name in [c for c in table.column_names if c.startswith(("num_", "miss_"))]:
        values = table[name].drop_null().to_numpy()
        assert values.dtype == np.float64
        assert values.std() >= 0.5 and values.std() >= 1e-6 * max(1.0, abs(values.mean())), name
        assert len(np.unique(values)) > 10, name


def test_miss_columns_are_on_a_grid_so_modes_exist(table: pa.Table) -> None:
    values = table["miss_0"].drop_null().to_numpy()
    np.testing.assert_allclose(values * 10, np.round(values * 10), atol=1e-9)
    assert np.unique(values, return_counts=True)[1].max() > 1


def test_categories_are_strings_from_the_cardinality(table: pa.Table) -> None:
    for name in ("cat_0", "cat_1", "cat_2"):
        assert table[name].type == pa.string()
        distinct = set(table[name].to_pylist())
        assert distinct <= {f"v{k:02d}" for k in range(12)} and len(distinct) > 6


def test_text_is_ascii_words_separated_by_spaces_and_tabs(table: pa.Table) -> None:
    docs = table["text"].to_pylist()
    assert all(doc.isascii() for doc in docs)
    characters = set("".join(docs))
    assert characters <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t")
    assert {" ", "\t"} <= characters and any(c.isupper() for c in characters)
    assert any("  " in doc for doc in docs)  # runs of spaces, which a naive split(" ") gets wrong
    assert all(doc.split() for doc in docs)  # every document has at least one word


def test_invalid_specs_are_user_errors() -> None:
    with pytest.raises(UserError, match="--rows must be at least 1"):
        generate_table(DatasetSpec(rows=0))
    with pytest.raises(UserError, match="--missing-rate must be in"):
        generate_table(DatasetSpec(missing_rate=1.0))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_through_files(table: pa.Table, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    write_table(table, str(path))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    source = resolve_input(str(path))
    assert source.schema == {c: (STRING if c.startswith(("cat_", "text")) else NUMERIC) for c in table.column_names}
    loaded = NumpyEngine(EngineOptions()).load(source, table.column_names)
    for name in table.column_names:
        got = loaded[name]
        if isinstance(got, np.ndarray):
            expected = table[name].to_numpy(zero_copy_only=False).astype(np.float64)
            assert np.array_equal(got, expected, equal_nan=True), name  # floats exact, nulls where they were
        else:
            assert got.to_pylist() == table[name].to_pylist(), name  # tabs, runs of spaces and case survive


# --- the classic layout is unchanged, streamed ------------------------------------------------------------------

# Digests of today's tables, computed with the generator as it was before chunked generation and the realistic
# layout existed (commit 9548cd2); table_digest hashes names, types, null positions and values.
CLASSIC_DIGESTS = {
    DatasetSpec(rows=5000, numeric=4, categorical=3, cardinality=12, text=True, missing_rate=0.2, seed=3):
        "2f92eef746a5e450e2e539d88d8f125214ab6f5610ce27657ac688adc00b23f2",
    DatasetSpec(): "8f15575bd8cdf5b9214c081ce4fbd19a4f9e02af5b223dba9078221f07245c8d",
    DatasetSpec(rows=1000, numeric=8, categorical=2, text=True, missing_rate=0.1, seed=42):  # a sweep's dataset
        "e5d1d6a281d97cf1f08af7dd9c44accd5b03f528100d3341854b51564b67f7f2",
    DatasetSpec(rows=20000, numeric=2, categorical=2, cardinality=1000, text=True, vocab_size=500, missing_rate=0.3,
                missing_cols=3, seed=7): "9974bd4a0e2fd27608db355db389a82ede4a84652fb614c5651f86edc02a8a7b",
}
DEFAULT_CSV_SHA256 = "9ad3e3e43a699fb89a4dc2b8dfcb17c7d8f32918c6b9d45c9cca8e3a6210e372"  # DatasetSpec() as CSV


def table_digest(table: pa.Table) -> str:
    h = hashlib.sha256()
    for name in table.column_names:
        col = table[name].combine_chunks()
        h.update(name.encode() + b"\x00" + str(col.type).encode() + b"\x00")
        h.update(np.packbits(col.is_null().to_numpy(zero_copy_only=False)).tobytes())
        if pa.types.is_floating(col.type):
            h.update(pc.fill_null(col, 0.0).to_numpy().tobytes())
        else:
            for v in col.to_pylist():
                h.update(b"\xff" if v is None else v.encode() + b"\x00")
    return h.hexdigest()


@pytest.mark.parametrize("chunk_rows", [None, 777, 4096])
def test_classic_output_is_unchanged_in_any_chunking(chunk_rows: int | None) -> None:
    for spec, digest in CLASSIC_DIGESTS.items():
        assert not spec.realistic
        assert table_digest(generate_table(spec, chunk_rows=chunk_rows)) == digest, spec
    assert table_digest(generate_table(DatasetSpec(), chunk_rows=1)) == CLASSIC_DIGESTS[DatasetSpec()]


@pytest.mark.slow
def test_classic_file_bytes_and_cache_keys_are_unchanged(tmp_path: Path) -> None:
    written = write_dataset(DatasetSpec(), str(tmp_path / "d.csv"), chunk_rows=300)
    assert (written.rows, written.files) == (1000, 1)
    assert hashlib.sha256((tmp_path / "d.csv").read_bytes()).hexdigest() == DEFAULT_CSV_SHA256
    sweep = DatasetSpec(rows=10_000, numeric=8, categorical=2, text=True, missing_rate=0.1, seed=42)
    assert sweep.cache_key() == "r10000_n8_c2x20_t1v2000_m0.1x2_s42"
    assert build_spec(rows=10_000, numeric=8, categorical=2, text=True, missing_rate=0.1, skew=0.8) == sweep


# --- the realistic layout ---------------------------------------------------------------------------------------

REAL = DatasetSpec(rows=80_000, numeric=2, categorical=2, cardinality=300, text=True, unicode=True, vocab_size=3000,
                   categorical_null_rate=0.2, missing_rate=0.1, offset_cols=2, rating=True, seed=5)


@pytest.fixture(scope="module")
def real() -> pa.Table:
    return generate_table(REAL)


def test_realistic_same_seed_same_table_and_chunk_size_does_not_matter(real: pa.Table) -> None:
    assert REAL.realistic and chunk_rows_for(REAL) >= REAL.rows  # one chunk by default
    assert real.column_names == ["num_0", "num_1", "num_rating", "big_0", "big_1", "miss_0", "miss_1", "cat_0",
                                 "cat_1", "text"]
    for chunk_rows in (BLOCK_ROWS, 30_000):  # block-aligned chunks, and chunks that cut blocks
        assert generate_table(REAL, chunk_rows=chunk_rows).equals(real), chunk_rows
    other = generate_table(replace(REAL, rows=1000, seed=6))
    assert not other["num_0"].equals(real["num_0"].slice(0, 1000))
    # a column's values depend on its own name's streams: dropping other columns changes nothing
    alone = generate_table(replace(REAL, rows=70_000, categorical=0, text=False, offset_cols=0, rating=False,
                                   unicode=False, missing_rate=0.0, skew=0.5))
    assert alone["num_1"].equals(real["num_1"].slice(0, 70_000))


def test_realistic_nulls_where_and_as_often_as_asked(real: pa.Table) -> None:
    for name in real.column_names:
        rate = real[name].null_count / real.num_rows
        if name.startswith(("cat_", "text")):
            assert 0.19 < rate < 0.21, name
        elif name.startswith("miss_"):
            assert 0.09 < rate < 0.11, name
        else:
            assert rate == 0, name
        assert real[name][0].is_valid  # row 0 is always observed
    assert generate_table(replace(REAL, rows=2000, categorical_null_rate=0.0))["cat_0"].null_count == 0


@pytest.mark.slow
def test_cardinality_is_reached_and_a_million_values_are_cheap() -> None:
    uniform = generate_table(DatasetSpec(rows=30_000, numeric=0, categorical=2, cardinality=1000, skew=0.0))
    for name in ("cat_0", "cat_1"):
        assert len(pc.unique(uniform[name])) == 1000
    skewed = generate_table(DatasetSpec(rows=200_000, numeric=0, categorical=1, cardinality=1000, skew=0.8))
    assert len(pc.unique(skewed["cat_0"])) == 1000
    counts = pc.value_counts(skewed["cat_0"]).field("counts").to_numpy()
    assert counts.max() > 50 * counts.min()  # skewed, not uniform
    start = time.perf_counter()
    big = generate_table(DatasetSpec(rows=300_000, numeric=0, categorical=1, cardinality=1_000_000, skew=0.8))
    assert time.perf_counter() - start < 30  # the 1e6-value pool is built with Arrow compute, not a Python loop
    values = big["cat_0"]
    assert len(pc.unique(values)) > 100_000
    assert pc.all(pc.match_substring_regex(values, r"^v\d{6}$")).as_py()


def test_zipf_sampler_matches_the_zipf_law() -> None:
    rng = np.random.default_rng(0)
    for m, s in ((20, 0.8), (5000, 1.1), (3000, 0.0)):
        ranks = ZipfSampler(m, s).ranks(rng.random(2_000_000))
        assert ranks.min() == 0 and ranks.max() == m - 1
        p = 1.0 / np.arange(1, m + 1) ** s
        p /= p.sum()
        got = np.bincount(ranks, minlength=m) / ranks.size
        noise = 5 * np.sqrt(p / ranks.size)  # five binomial standard deviations
        assert np.all(np.abs(got[:50] - p[:50]) < noise[:50])
        band = slice(m // 2, m)  # the tail, summed over a band
        assert abs(got[band].sum() - p[band].sum()) < 5 * np.sqrt(p[band].sum() / ranks.size)


def test_unicode_text_has_the_hard_cases(real: pa.Table) -> None:
    docs = [d for d in real["text"].slice(0, 40_000).to_pylist() if d is not None]
    joined = "".join(docs)
    chars = set(joined)
    assert any(0x370 <= ord(c) <= 0x3FF for c in chars)  # Greek
    assert any(0x400 <= ord(c) <= 0x4FF for c in chars)  # Cyrillic
    assert any(0x4E00 <= ord(c) <= 0x9FFF for c in chars)  # CJK
    assert any(ord(c) > 0xFFFF for c in chars)  # emoji outside the BMP
    assert {"ß", "İ", "é"} <= chars
    tokens = set(joined.split())  # str.split also splits on U+00A0: look at the ASCII-whitespace tokens below
    assert any(t.endswith("Σ") for t in tokens)  # a final capital sigma
    ascii_tokens = {t for d in docs for t in re.split(r"[ \t\n\r\f\v]+", d) if t}
    assert any(re.search(r"\S\u00a0\S", t) for t in ascii_tokens)  # U+00A0 inside a token
    assert {c for c in chars if c.isspace()} <= {" ", "\t", "\n", "\u00a0"}  # separators: ASCII runs only
    assert "\n" in chars and "\t" in chars and any("  " in d for d in docs)
    assert docs.count("") > 0.01 * len(docs)  # empty documents
    assert sum(1 for d in docs if d and not d.strip()) > 0.005 * len(docs)  # whitespace-only documents
    lengths = np.array([len(re.split(r"[ \t\n]+", d.strip())) for d in docs if d.strip()])
    assert lengths.max() > 8 * np.median(lengths)  # a long tail of document lengths
    vocab = unicode_vocabulary(np.random.default_rng(1), 100_000)
    assert len(vocab) == 100_000 and len(pc.unique(vocab)) == 100_000


def test_unicode_categories_include_non_ascii_emoji_and_empty(real: pa.Table) -> None:
    values = set(pc.unique(pa.concat_arrays([real["cat_0"].combine_chunks(), real["cat_1"].combine_chunks()]))
                 .drop_null().to_pylist())
    assert "" in values
    assert any(not v.isascii() for v in values)
    assert any(any(ord(c) > 0xFFFF for c in v) for v in values)
    assert len(values) == REAL.cardinality


def test_offset_columns_have_a_large_offset_and_a_small_spread(real: pa.Table) -> None:
    epoch = real["big_0"].to_numpy()
    assert 1.7e9 <= epoch.min() and epoch.max() < 1.7e9 + 1e6 + 30 * 86_400 and 6e5 < epoch.std() < 9e5
    ids = real["big_1"].to_numpy()
    assert ids.min() >= 1e12 and np.all(np.diff(ids) > 0) and np.array_equal(ids, np.round(ids))
    stars = real["num_rating"].to_numpy()
    assert set(np.unique(stars)) == {1.0, 2.0, 3.0, 4.0, 5.0} and np.mean(stars == 5.0) > 0.5


def test_profiles_and_explicit_options_over_them() -> None:
    tabular = build_spec("tabular", rows=2000)
    table = generate_table(tabular)
    assert table.column_names == [f"miss_{j}" for j in range(13)] + [f"cat_{i}" for i in range(26)]
    assert (tabular.cardinality, tabular.skew, tabular.realistic) == (10_000, 1.1, True)
    assert all(table[f"cat_{i}"].null_count > 0 for i in range(26))
    text = build_spec("text", rows=500)
    assert generate_table(text).column_names == ["num_rating", "big_0", "cat_0", "cat_1", "text"]
    assert (text.unicode, text.vocab_size) == (True, UNICODE_VOCAB)
    wide = build_spec("wide", rows=100)
    assert generate_table(wide).column_names == [f"num_{i}" for i in range(1000)]
    assert wide.realistic and wide.cache_key() != replace(wide, profile="").cache_key()
    override = build_spec("tabular", rows=100, cardinality=50, categorical=3, numeric=2)
    assert (override.cardinality, override.categorical, override.numeric, override.skew) == (50, 3, 2, 1.1)
    assert build_spec(unicode=True, text=True).vocab_size == UNICODE_VOCAB  # --unicode's own default
    assert build_spec(unicode=True, text=True, vocab_size=500).vocab_size == 500
    with pytest.raises(UserError, match="unknown --profile"):
        build_spec("huge")


def test_cache_key_names_every_option_that_changes_the_data() -> None:
    base = build_spec("tabular", rows=100)
    keys = {base.cache_key()}
    for change in (dict(skew=0.9), dict(categorical_null_rate=0.2), dict(unicode=True, text=True),
                   dict(offset_cols=1), dict(rating=True), dict(cardinality=11), dict(vocab_size=99),
                   dict(seed=1), dict(rows=101)):
        keys.add(replace(base, **change).cache_key())
    assert len(keys) == 10
    assert DatasetSpec(skew=0.9).cache_key() != DatasetSpec().cache_key()


def test_invalid_new_options_are_user_errors() -> None:
    for bad, message in ((dict(skew=-1.0), "--skew"), (dict(categorical_null_rate=1.0), "--categorical-null-rate"),
                         (dict(offset_cols=-1), "--offset-cols"), (dict(cardinality=10**8), "--cardinality"),
                         (dict(unicode=True, categorical=0), "--unicode")):
        with pytest.raises(UserError, match=message):
            generate_table(replace(DatasetSpec(rows=10), **bad))


# --- writing ----------------------------------------------------------------------------------------------------


def test_directory_output_has_a_part_per_chunk_and_replaces_its_own_kind(tmp_path: Path) -> None:
    spec = replace(REAL, rows=30_000, vocab_size=500)
    target = tmp_path / "d.parquet"
    written = write_dataset(spec, f"{target}/", chunk_rows=12_000)
    assert written.files == 3
    assert sorted(p.name for p in target.iterdir()) == ["part-00000.parquet", "part-00001.parquet",
                                                        "part-00002.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.parquet"]  # no temporary directory left
    assert pq.read_table(target).equals(generate_table(spec))
    source = resolve_input(str(target))
    assert source.format == "parquet" and "text" in source.schema
    write_dataset(replace(spec, rows=10), str(target))  # an existing dataset directory is replaced
    assert [p.name for p in target.iterdir()] == ["part-00000.parquet"]
    (target / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="notes.txt"):
        check_output(str(target))


def test_parquet_file_gets_a_row_group_per_chunk(tmp_path: Path) -> None:
    spec = build_spec("tabular", rows=150_000, cardinality=100)
    path = tmp_path / "t.parquet"
    write_dataset(spec, str(path), chunk_rows=2 * BLOCK_ROWS)
    meta = pq.read_metadata(path)
    assert meta.num_row_groups == 2 and meta.num_rows == 150_000
    assert pq.read_table(path).equals(generate_table(spec))


@pytest.mark.slow
def test_cli_profile_with_overrides(tmp_path: Path) -> None:
    out = tmp_path / "p"
    result = subprocess.run(
        [sys.executable, "-m", "src.bench.cli", "data", "generate", "--profile", "text", "--rows", "3000",
         "--categorical", "1", "--no-rating", "--vocab-size", "800", "--chunk-rows", "1000", "--output", f"{out}/"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "3 part files" in result.stdout
    table = pq.read_table(out)
    assert table.column_names == ["big_0", "cat_0", "text"]
    assert table.equals(generate_table(build_spec("text", rows=3000, categorical=1, rating=False, vocab_size=800)))


MEMORY_PROBE = """
import os, resource, sys, tempfile
from src.bench.data.generate import DatasetSpec, generate_table, write_dataset
spec = DatasetSpec(rows=int(sys.argv[1]), numeric=16, categorical=0, skew=float(sys.argv[2]))
generate_table(DatasetSpec(rows=1000, numeric=16, categorical=0, skew=float(sys.argv[2])))  # imports, pools
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as d:
    write_dataset(spec, os.path.join(d, "m.parquet"), chunk_rows=int(sys.argv[3]))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize("layout_skew", [0.8, 0.5], ids=["classic", "realistic"])
def test_chunked_generation_does_not_hold_all_rows(layout_skew: float) -> None:
    """2e6 rows x 16 float64 = 256 MB; written in chunks of 2.5e5 rows (32 MB) the peak RSS grows by a few
    chunks (measured on a 3e6-row table: ~140 MB for 5e5-row chunks, ~440 MB unchunked), far from the table."""
    rows, chunk = 2_000_000, 250_000
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(rows), str(layout_skew), str(chunk)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    grown = int(result.stdout.split()[-1])
    assert grown < 0.75 * rows * 16 * 8, f"peak RSS grew by {grown >> 20} MiB"  # measured 115 MiB; unchunked 330


# --- the sweep's datasets ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sweep_dataset_follows_profile_cardinality_and_skew(tmp_path: Path) -> None:
    from src.bench.orchestrate.sweep import Cell, check_dataset_options, dataset

    def args(**given: object) -> argparse.Namespace:
        return argparse.Namespace(**{"seed": 42, "data_dir": str(tmp_path), "profile": None, "cardinality": None,
                                     "skew": None, **given})

    cell = Cell("numpy", "StandardScaler", 500, 3)
    default = dataset(cell, args())
    assert default.name == "r500_n3_c2x20_t1v2000_m0.1x2_s42.parquet"  # today's key and data
    assert pq.read_table(default).equals(generate_table(DatasetSpec(rows=500, numeric=3, categorical=2, text=True,
                                                                    missing_rate=0.1, seed=42)))
    tabular = pq.read_table(dataset(cell, args(profile="tabular", cardinality=40)))
    assert tabular.column_names[:4] == ["num_0", "num_1", "num_2", "miss_0"] and tabular.num_columns == 3 + 13 + 26
    assert len(pc.unique(tabular["cat_0"])) <= 40
    skewed = dataset(cell, args(skew=1.5))
    assert "_g2k1.5_" in skewed.name
    records = [{"cell": {}, "sweep": {"seed": 42, "dataset": str(default)}}]  # written before these options
    check_dataset_options(records, args(), tmp_path / "s.jsonl")
    with pytest.raises(UserError, match="--profile None \\(now tabular\\)"):
        check_dataset_options(records, args(profile="tabular"), tmp_path / "s.jsonl")
    with pytest.raises(UserError, match="--skew"):
        check_dataset_options([], args(skew=-2.0), tmp_path / "s.jsonl")


def test_realistic_ascii_text_keeps_the_classic_words_with_nulls() -> None:
    table = generate_table(DatasetSpec(rows=20_000, numeric=0, categorical=1, text=True, categorical_null_rate=0.1))
    docs = table["text"]
    assert 0.08 < docs.null_count / len(docs) < 0.12
    present = docs.drop_null().to_pylist()
    assert all(d.isascii() and d.split() for d in present)
    assert set("".join(present)) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t")

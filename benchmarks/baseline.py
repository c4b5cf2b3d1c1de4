"""Is the numpy engine as fast as hand-written numpy? Prints, per operator, the median time of the engine's fit +
transform against a hand-fused single-thread version of the same canonical semantics, measured alternately
(A B A B ...) in one process, plus values/s and the engine's peak extra memory relative to the input size.

    python benchmarks/baseline.py [--rows 2000000] [--repeats 7]

Targets (issue 6): ratio <= 1.1 per operator; StandardScaler and MinMaxScaler >= 3e8 float64 values/s on one
thread; memory peak <= 3x the input size. Each row says ok or which target it MISSes; the exit code is 0 when
every operator meets its targets, 1 when one misses.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.utils import murmurhash3_32  # noqa: E402

from src.bench.data.generate import DatasetSpec, generate_table  # noqa: E402
from src.bench.run.facts import EngineOptions  # noqa: E402
from src.bench.spec.plan import plan_pipeline  # noqa: E402
from src.engines.numpy.engine import NumpyEngine  # noqa: E402
from src.engines.numpy.frame import from_arrow  # noqa: E402


def hand_standard(cols):
    out = []
    for x in cols:
        y = x - np.add.reduce(x) / x.size
        y *= 1.0 / np.sqrt(np.dot(y, y) / x.size)
        out.append(y)
    return out


def hand_minmax(cols):
    out = []
    for x in cols:
        lo, hi = np.minimum.reduce(x), np.maximum.reduce(x)
        y = x - lo
        y *= 1.0 / (hi - lo)
        out.append(y)
    return out


def hand_impute_mean(cols):
    out = []
    for x in cols:
        missing = np.isnan(x)
        y = x.copy()
        y[missing] = x[~missing].mean()
        out.append(y)
    return out


def hand_string_index(cols):
    return [pd.factorize(c.to_numpy(zero_copy_only=False), sort=True)[0] for c in cols]


def hand_one_hot(cols):
    out = []
    for c in cols:
        codes, uniques = pd.factorize(c.to_numpy(zero_copy_only=False), sort=True)
        out.append(
            sp.csr_matrix((np.ones(codes.size), codes, np.arange(codes.size + 1)), shape=(codes.size, len(uniques)))
        )
    return out


def hand_tokenize(texts):
    table = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return [s.translate(table).split() for s in texts.to_pylist()]


def hand_hashing(texts, n=1 << 18):
    docs = hand_tokenize(texts)
    cache: dict[str, int] = {}
    rows, cols = [], []
    for i, doc in enumerate(docs):
        for tok in doc:
            h = cache.get(tok)
            if h is None:
                h = cache[tok] = murmurhash3_32(tok, seed=42) % n
            rows.append(i)
            cols.append(h)
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(docs), n))
    m.sum_duplicates()
    return m


def hand_idf(tf):
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log((tf.shape[0] + 1.0) / (df + 1.0))
    out = tf.copy()
    out.data *= idf[tf.indices]
    return out


def engine_runner(frame, operator):
    engine = NumpyEngine(EngineOptions())
    schema = {
        c: ("string" if isinstance(v, (pa.Array, pa.ChunkedArray)) else "numeric") for c, v in frame.columns.items()
    }
    steps = plan_pipeline([operator], {}, schema)

    def run():
        current = frame
        for step in steps:
            state = engine.fit(step, current) if step.spec.stateful else None
            current = engine.transform(step, state, current)
        return current

    return run


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_extra_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    del result
    return peak


RATIO_TARGET = 1.1  # engine time / hand-written time
VALUES_PER_S_TARGET = 3e8  # StandardScaler and MinMaxScaler, float64 values per second on one thread
MEMORY_TARGET = 3.0  # peak extra memory / input size
THROUGHPUT_TARGETED = ("StandardScaler", "MinMaxScaler")


def missed_targets(label: str, ratio: float, values_per_s: float, memory: float) -> list[str]:
    """The targets a row misses, by name (empty: all met)."""
    missed = []
    if ratio > RATIO_TARGET:
        missed.append(f"ratio > {RATIO_TARGET}")
    if label in THROUGHPUT_TARGETED and values_per_s < VALUES_PER_S_TARGET:
        missed.append(f"values/s < {VALUES_PER_S_TARGET:.0e}")
    if memory > MEMORY_TARGET:
        missed.append(f"memory > {MEMORY_TARGET:g}x")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda s: int(float(s)), default=2_000_000)
    parser.add_argument("--text-rows", type=lambda s: int(float(s)), default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    numeric = from_arrow(
        generate_table(
            DatasetSpec(
                rows=args.rows, numeric=8, categorical=2, cardinality=1000, missing_rate=0.1, missing_cols=8, seed=1
            )
        )
    )
    text = from_arrow(generate_table(DatasetSpec(rows=args.text_rows, numeric=0, categorical=0, text=True, seed=2)))
    nums = [numeric[f"num_{i}"] for i in range(8)]
    misses = [numeric[f"miss_{i}"] for i in range(8)]
    cats = [numeric["cat_0"], numeric["cat_1"]]
    from src.engines.numpy.operators.hashing_tf import term_frequencies
    from src.engines.numpy.operators.tokenizer import tokenize

    tf = term_frequencies(tokenize(text["text"]), 1 << 18, False)
    tf_frame = text.with_columns({"tf": tf})
    cases = [
        ("StandardScaler", numeric, "StandardScaler", lambda: hand_standard(nums), 8 * args.rows),
        ("MinMaxScaler", numeric, "MinMaxScaler", lambda: hand_minmax(nums), 8 * args.rows),
        ("Imputer (mean)", numeric, "Imputer", lambda: hand_impute_mean(misses), 8 * args.rows),
        ("StringIndexer", numeric, "StringIndexer", lambda: hand_string_index(cats), 2 * args.rows),
        ("OneHotEncoder", numeric, "OneHotEncoder", lambda: hand_one_hot(cats), 2 * args.rows),
        ("Tokenizer", text, "Tokenizer", lambda: hand_tokenize(text["text"]), args.text_rows),
        ("HashingTF", text, "HashingTF", lambda: hand_hashing(text["text"]), args.text_rows),
        ("IDF (on tf)", tf_frame, None, lambda: hand_idf(tf), args.text_rows),
    ]
    print(
        f"numpy engine vs hand-written numpy, single thread, {args.rows:,} rows ({args.text_rows:,} documents), "
        f"median of {args.repeats} alternating runs"
    )
    print(f"{'operator':<16} {'engine s':>10} {'hand s':>10} {'ratio':>7} {'values/s':>10} {'mem/input':>10}  target")
    missed_any = False
    with threadpool_limits(1):
        for label, frame, operator, hand, values in cases:
            if operator is None:
                from src.engines.numpy.operators import idf as idf_op

                step = plan_pipeline(["IDF"], {"IDF": {"input_cols": ["tf"]}}, {"tf": "vector"})[0]
                engine_fn = lambda step=step: idf_op.transform(tf_frame, idf_op.fit(tf_frame, step), step)  # noqa: E731
                input_bytes = tf.data.nbytes + tf.indices.nbytes + tf.indptr.nbytes
            else:
                engine_fn = engine_runner(frame, operator)
                input_bytes = _input_bytes(frame, operator)
            engine_fn(), hand()  # warm-up
            engine_times, hand_times = [], []
            for _ in range(args.repeats):
                engine_times.append(timed(engine_fn))
                hand_times.append(timed(hand))
            e, h = statistics.median(engine_times), statistics.median(hand_times)
            mem = peak_extra_bytes(engine_fn) / input_bytes
            missed = missed_targets(label, e / h, values / e, mem)
            missed_any = missed_any or bool(missed)
            verdict = f"MISS ({', '.join(missed)})" if missed else "ok"
            print(f"{label:<16} {e:>10.4f} {h:>10.4f} {e / h:>7.2f} {values / e:>10.2e} {mem:>9.2f}x  {verdict}")
    print("targets: " + ("MISSED (exit 1)" if missed_any else "all met"))
    return 1 if missed_any else 0


def _input_bytes(frame, operator) -> int:
    prefix = {
        "StandardScaler": "num_",
        "MinMaxScaler": "num_",
        "Imputer": "miss_",
        "StringIndexer": "cat_",
        "OneHotEncoder": "cat_",
        "Tokenizer": "text",
        "HashingTF": "text",
    }[operator]
    total = 0
    for name, col in frame.columns.items():
        if name.startswith(prefix):
            total += col.nbytes
    return total


if __name__ == "__main__":
    sys.exit(main())

"""Cache-blocked column kernels for the scalers.

Working on blocks that fit in L2 cache lets a centred temporary be reused while it is still in cache, so a fit
reads each column from memory twice at most and a transform reads it once and writes the output once, without
full-size temporaries. benchmarks/baseline.py measures these against hand-fused numpy.

Also the canonical quantile rank x_(ceil(p*n)) (RobustScaler, QuantileDiscretizer), which the engines that rank
values themselves take from here, and the bucket rule of Bucketizer and QuantileDiscretizer.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np

from src.bench.errors import missing_values

BLOCK = 1 << 16  # 64k float64 = 512 KiB, half of a 1 MiB L2 (measured best among 2^14..2^18)


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def require_values(value: float, x: np.ndarray, operator: str, column: str) -> None:
    """A NaN statistic means the column has missing values (null or NaN: the same to prepbench), which the scalers
    leave undefined; checked for free, as NaN spreads, and only then is the first missing row looked up."""
    if math.isnan(value):
        raise missing_values(operator, column, int(np.flatnonzero(np.isnan(x))[0]))


def numeric_block(frame, columns: tuple[str, ...], operator: str) -> np.ndarray:
    """The columns side by side (n x k) for the operators that read a row as one vector; like the scalers, they
    refuse missing values (a row's norm or products would be undefined)."""
    block = np.column_stack([frame[c] for c in columns])
    missing = np.isnan(block)
    if missing.any():
        row, j = np.argwhere(missing)[0]  # row-major: the first row with a missing value
        raise missing_values(operator, columns[j], int(row))
    return block


def unit_rows(x: np.ndarray, p: float) -> np.ndarray:
    """Each row of x (n x k) divided by its p-norm (p = inf: the largest |x|); a zero row stays zero."""
    norms = np.linalg.norm(x, ord=p, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def monomials(k: int, degree: int) -> list[tuple[int, ...]]:
    """PolynomialExpansion's terms over k columns, in scikit-learn's order: by degree 1..degree, then
    `combinations_with_replacement` of the column positions ((0,), (1,), (0, 0), (0, 1), (1, 1) for k = degree = 2)."""
    return [c for d in range(1, degree + 1) for c in itertools.combinations_with_replacement(range(k), d)]


def polynomial_terms(x: np.ndarray, degree: int) -> np.ndarray:
    """Every monomial of the columns of x (n x k) up to `degree`, one column each, in `monomials` order; a term is
    the term without its last factor times that factor, so each costs one multiplication."""
    terms = monomials(x.shape[1], degree)
    out = np.empty((x.shape[0], len(terms)))
    position = {}
    for j, term in enumerate(terms):
        out[:, j] = x[:, term[0]] if len(term) == 1 else out[:, position[term[:-1]]] * x[:, term[-1]]
        position[term] = j
    return out


def mean_and_std(x: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation in one cache-blocked pass over x.

    The values are shifted by K, the mean of the first block, before summing (the shifted-data formula
    var = (S2 - S1^2 / n) / n with S1, S2 the sums of x - K and its squares): with K near the mean the
    subtraction does not cancel, as with the two-pass (centred) formula, yet x is read from memory once.
    """
    n = x.size
    shift = float(np.add.reduce(x[:BLOCK])) / min(BLOCK, n)
    buffer = np.empty(min(BLOCK, n))
    total = squares = 0.0
    # one BLAS thread: a multi-threaded dot spin-waits on a busy machine (measured 30-50x slower at load 25 on
    # 2 cores; benchmarks/overhead.py, docs/results.md), while a single-threaded dot beats a ufunc square + sum
    with _blas_controller().limit(limits=1, user_api="blas"):
        for start in range(0, n, BLOCK):
            block = x[start : start + BLOCK]
            shifted = np.subtract(block, shift, out=buffer[: block.size])
            total += float(np.add.reduce(shifted))
            squares += float(np.dot(shifted, shifted))
    centre = total / n
    return shift + centre, max(squares / n - centre * centre, 0.0) ** 0.5


def min_and_max(x: np.ndarray) -> tuple[float, float]:
    lows, highs = [], []
    for start in range(0, x.size, BLOCK):
        block = x[start : start + BLOCK]
        lows.append(np.minimum.reduce(block))
        highs.append(np.maximum.reduce(block))
    return float(min(lows)), float(max(highs))


def affine(x: np.ndarray, shift: float, scale: float, offset: float = 0.0) -> np.ndarray:
    """(x - shift) * scale + offset into a new array, one block at a time."""
    out = np.empty_like(x)
    for start in range(0, x.size, BLOCK):
        block = out[start : start + BLOCK]
        np.subtract(x[start : start + BLOCK], shift, out=block)
        block *= scale
        if offset:
            block += offset
    return out


def quantile_rank(p: float, n: int) -> int:
    """The 1-based rank of the canonical quantile Q(p) = x_(ceil(p*n)) among n sorted values (at least 1), p*n
    being the float64 product; the engines that rank values themselves take their ranks from here."""
    return max(1, math.ceil(p * n))


def order_statistics(x: np.ndarray, probabilities: list[float]) -> list[float]:
    """The canonical quantiles Q(p) of x (no missing values), by one partial sort."""
    ranks = [quantile_rank(p, x.size) - 1 for p in probabilities]
    return np.partition(x, ranks)[ranks].tolist()


def counted_order_statistics(values: np.ndarray, counts: np.ndarray, probabilities: list[float]) -> list[float]:
    """The canonical quantiles Q(p) of a column given as its sorted distinct values and their counts (what the
    distributed engines aggregate)."""
    cumulative = np.cumsum(counts)
    ranks = [quantile_rank(p, int(cumulative[-1])) for p in probabilities]
    return values[np.searchsorted(cumulative, ranks)].tolist()


def buckets(x: np.ndarray, splits: np.ndarray, keep_missing: bool) -> np.ndarray:
    """Bucket i holds [s_i, s_i+1) and the last one [s_k-1, s_k] (float64 indices; x within the splits); a missing
    value goes to bucket k with keep_missing. -0.0 compares equal to 0.0, so it falls in 0.0's bucket."""
    k = len(splits) - 1
    out = np.minimum(np.searchsorted(splits, x, side="right") - 1, k - 1).astype(np.float64)
    if keep_missing:
        out[np.isnan(x)] = k
    return out

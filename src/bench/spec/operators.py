"""Operator specifications: what each operator is, its parameters, and which columns it reads and writes.

This module is engine-neutral and imports nothing heavy, so `list` and `--help` stay fast. The canonical
semantics of each operator are in docs/operators.md and are implemented by the numpy engine (the oracle).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from src.bench.errors import UserError

# Kinds of column an operator reads or writes.
NUMERIC = "numeric"  # float64, null allowed only where an operator says so (Imputer input)
# An integer or boolean column of the input: numbers wherever numeric columns are accepted, and categories for
# StringIndexer and OneHotEncoder (ordered numerically, false < true). Every engine holds it as float64, exact
# because the loaders refuse integers beyond +-2^53.
INTEGER = "integer"
STRING = "string"  # categorical values or text documents
INDEX = "index"  # 0-based integer category index, null for unseen values
TOKENS = "tokens"  # list of strings
VECTOR = "vector"  # vector of float64, sparse or dense alike (one-hot, term frequencies, tf-idf, normalised rows)

COLUMN_KINDS = (NUMERIC, INTEGER, STRING, INDEX, TOKENS, VECTOR)
# Kinds a column of another kind also counts as: an integer column is numeric too.
ALSO_ACCEPTED_AS = {INTEGER: (NUMERIC,)}
CATEGORY_KINDS = (STRING, INTEGER)  # the column kinds whose values are categories


@dataclass(frozen=True)
class Param:
    """One operator parameter: its type, default and allowed values."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    infinite: bool = False  # a float that may be infinity, given as "inf" or JSON's Infinity (JSON has no inf)

    def validate(self, operator: str, value: Any) -> Any:
        if self.type is list:
            return _float_list(operator, self.name, value)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.infinite and value in ("inf", "Infinity"):
            value = math.inf
        if not isinstance(value, self.type) or (self.type is not bool and isinstance(value, bool)):
            raise UserError(
                f"{operator}: parameter '{self.name}' must be {self.type.__name__}, got {type(value).__name__} "
                f"{value!r}; e.g. --params '{{\"{self.name}\": {_json_literal(self.default)}}}'"
                + (f" or '{{\"{self.name}\": \"inf\"}}' for infinity" if self.infinite else "")
            )
        if self.type is float and not math.isfinite(value) and not (self.infinite and value == math.inf):
            # Python's json accepts NaN and Infinity
            raise UserError(f"{operator}: parameter '{self.name}' must be a finite number, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise UserError(
                f"{operator}: parameter '{self.name}' must be one of {', '.join(map(str, self.choices))}, got {value!r}"
            )
        if self.minimum is not None and value < self.minimum:
            raise UserError(f"{operator}: parameter '{self.name}' must be >= {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise UserError(f"{operator}: parameter '{self.name}' must be <= {self.maximum:.0f}, got {value!r}")
        return value


# JSON has no infinity: a list of floats also takes these strings (and Python's json reads bare Infinity too)
_INFINITIES = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "Infinity": math.inf, "-Infinity": -math.inf}


def _float_list(operator: str, name: str, value: Any) -> tuple[float, ...]:
    """A list of numbers (±inf allowed, as numbers or as the strings of _INFINITIES) as a tuple of floats."""
    items = value if isinstance(value, list) else None
    floats = []
    for item in items or ():
        number = _INFINITIES.get(item) if isinstance(item, str) else None if isinstance(item, bool) else item
        if not isinstance(number, (int, float)) or math.isnan(number):
            items = None
            break
        floats.append(float(number))
    if items is None:
        raise UserError(f"{operator}: parameter '{name}' must be a list of numbers (\"-inf\" and \"inf\" allowed), "
                        f"got {value!r}; e.g. --params '{{\"{name}\": [\"-inf\", 0, 10, \"inf\"]}}'")
    return tuple(floats)


def _json_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


@dataclass(frozen=True)
class OperatorSpec:
    """An operator as prepbench defines it, independent of any engine."""

    name: str
    kind: str  # "stateful" (fit learns statistics) or "stateless"
    description: str
    input_kinds: tuple[str, ...]
    output_kind: str
    default_inputs: tuple[str, ...]  # column names or glob patterns, resolved against the data
    output_suffix: str
    rtol: float  # relative tolerance of float outputs against the reference; 0 = exact
    params: tuple[Param, ...] = ()
    # An input of this kind is first turned into an accepted kind by the named operator (text -> tokens -> tf).
    prerequisites: dict[str, str] = field(default_factory=dict)
    # A rule across parameters, raising UserError on the resolved values (e.g. MinMaxScaler's min < max).
    check: Callable[[dict[str, Any]], None] | None = None
    # All input columns together make ONE output column (a vector), named output_suffix unless output_cols says.
    combines: bool = False

    @property
    def stateful(self) -> bool:
        return self.kind == "stateful"

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def resolve_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the given values, validated; unknown names are refused."""
        known = {p.name for p in self.params} | {"input_cols", "output_cols"}
        for name in given:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise UserError(
                    f"{self.name}: unknown parameter '{name}'; {hint}valid parameters: {', '.join(sorted(known))}"
                )
        resolved = {p.name: p.default for p in self.params}
        for p in self.params:
            if p.name in given:
                resolved[p.name] = p.validate(self.name, given[p.name])
        if self.check is not None:
            self.check(resolved)
        return resolved


def _min_below_max(params: dict[str, Any]) -> None:
    if params["min"] >= params["max"]:
        raise UserError(f"MinMaxScaler: 'min' ({params['min']}) must be smaller than 'max' ({params['max']})")


_SCALER_INPUTS = (NUMERIC,)
INT32_MAX = 2**31 - 1  # vector sizes and indices are 32-bit in Spark (and in the sparse structs)

OPERATORS: dict[str, OperatorSpec] = {
    spec.name: spec
    for spec in (
        OperatorSpec(
            name="StandardScaler",
            kind="stateful",
            description="(x - mean) / population std per column; a constant column gives 0",
            input_kinds=_SCALER_INPUTS,
            output_kind=NUMERIC,
            default_inputs=("num_*",),
            output_suffix="scaled",
            rtol=1e-9,
            params=(
                Param("with_mean", bool, True, "subtract the column mean"),
                Param("with_std", bool, True, "divide by the population standard deviation"),
            ),
        ),
        OperatorSpec(
            name="MinMaxScaler",
            kind="stateful",
            description="(x - min) / (max - min) mapped to [min, max]; a constant column gives 'min'",
            input_kinds=_SCALER_INPUTS,
            output_kind=NUMERIC,
            default_inputs=("num_*",),
            output_suffix="minmax",
            rtol=1e-12,
            params=(
                Param("min", float, 0.0, "lower end of the output range"),
                Param("max", float, 1.0, "upper end of the output range"),
            ),
            check=_min_below_max,
        ),
        OperatorSpec(
            name="Imputer",
            kind="stateful",
            description="replace nulls with a per-column statistic of the non-null values",
            input_kinds=(NUMERIC,),
            output_kind=NUMERIC,
            default_inputs=("miss_*",),
            output_suffix="imputed",
            rtol=1e-12,
            params=(
                Param(
                    "strategy",
                    str,
                    "mean",
                    "mean | median (lower median) | mode (ties: smallest) | constant",
                    choices=("mean", "median", "mode", "constant"),
                ),
                Param("fill_value", float, 0.0, "the value used by strategy 'constant'"),
            ),
        ),
        OperatorSpec(
            name="StringIndexer",
            kind="stateful",
            description="0-based rank of the value among the sorted distinct training values; unseen -> null",
            input_kinds=CATEGORY_KINDS,
            output_kind=INDEX,
            default_inputs=("cat_*",),
            output_suffix="index",
            rtol=0.0,
        ),
        OperatorSpec(
            name="OneHotEncoder",
            kind="stateful",
            description="K-dim 0/1 sparse vector over the sorted distinct training values; unseen/null -> zeros",
            input_kinds=(*CATEGORY_KINDS, INDEX),
            output_kind=VECTOR,
            default_inputs=("cat_*",),
            output_suffix="onehot",
            rtol=0.0,
        ),
        OperatorSpec(
            name="Tokenizer",
            kind="stateless",
            description="str.lower (Unicode full case mapping), split on runs of [ \\t\\n\\x0B\\f\\r], drop empty "
                        "tokens; null -> null",
            input_kinds=(STRING,),
            output_kind=TOKENS,
            default_inputs=("text",),
            output_suffix="tokens",
            rtol=0.0,
        ),
        OperatorSpec(
            name="HashingTF",
            kind="stateless",
            description="term counts at murmur3_x86_32(utf8(token), seed 42) mod num_features (Spark's hashing)",
            input_kinds=(TOKENS,),
            output_kind=VECTOR,
            default_inputs=("text",),
            output_suffix="tf",
            rtol=0.0,
            params=(
                Param("num_features", int, 1 << 18, "size of the hashed feature space", minimum=1,
                      maximum=INT32_MAX),
                Param("binary", bool, False, "1 instead of the term count"),
            ),
            prerequisites={STRING: "Tokenizer"},
        ),
        OperatorSpec(
            name="IDF",
            kind="stateful",
            description="tf * ln((n + 1) / (df + 1)); idf = 0 where df < min_doc_freq",
            input_kinds=(VECTOR,),
            output_kind=VECTOR,
            default_inputs=("text",),
            output_suffix="tfidf",
            rtol=1e-12,
            params=(
                Param("min_doc_freq", int, 0, "terms in fewer documents get idf 0", minimum=0, maximum=INT32_MAX),
            ),
            prerequisites={STRING: "HashingTF", TOKENS: "HashingTF"},
        ),
        # --- vector operators: Normalizer, PolynomialExpansion and FeatureHasher read all their inputs into ONE
        # vector column (`combines`) ---
        OperatorSpec(
            name="MaxAbsScaler",
            kind="stateful",
            description="x / max|x| per column; an all-zero column gives 0",
            input_kinds=_SCALER_INPUTS,
            output_kind=NUMERIC,
            default_inputs=("num_*",),
            output_suffix="maxabs",
            rtol=1e-12,
        ),
        OperatorSpec(
            name="Normalizer",
            kind="stateless",
            description="each row of the inputs as one vector divided by its p-norm; a zero row stays zero",
            input_kinds=_SCALER_INPUTS,
            output_kind=VECTOR,
            default_inputs=("num_*",),
            output_suffix="normalized",
            rtol=1e-12,
            params=(
                Param("p", float, 2.0, "the norm: 1, 2 or infinity (\"inf\": the largest |x|)",
                      choices=(1.0, 2.0, math.inf), infinite=True),
            ),
            combines=True,
        ),
        OperatorSpec(
            name="PolynomialExpansion",
            kind="stateless",
            description="all products of the inputs of degree 1..degree, no bias, in scikit-learn's order, as one "
                        "vector",
            input_kinds=_SCALER_INPUTS,
            output_kind=VECTOR,
            default_inputs=("num_*",),
            output_suffix="expanded",
            rtol=1e-12,
            params=(Param("degree", int, 2, "the highest total degree of a product", minimum=1),),
            combines=True,
        ),
        OperatorSpec(
            name="FeatureHasher",
            kind="stateless",
            description="Spark's FeatureHasher: string column c -> 1 at murmur3('c=value'), numeric column c -> its "
                        "value at murmur3('c'); nulls skipped, collisions add up; one sparse vector",
            input_kinds=(NUMERIC, STRING),
            output_kind=VECTOR,
            default_inputs=("num_*", "cat_*"),
            output_suffix="hashed",
            rtol=1e-12,
            params=(
                Param("num_features", int, 1 << 18, "size of the hashed feature space", minimum=1,
                      maximum=INT32_MAX),
            ),
            combines=True,
        ),
    )
}


def _lower_below_upper(params: dict[str, Any]) -> None:
    if not 0 < params["lower"] < params["upper"] < 1:
        raise UserError(f"RobustScaler: the quantiles must satisfy 0 < 'lower' < 'upper' < 1 (Spark's rule), got "
                        f"lower {params['lower']}, upper {params['upper']}")


def _splits_given(params: dict[str, Any]) -> None:
    """Spark's rule: at least 3 strictly increasing splits (2 buckets); prepbench also asks for them up front."""
    splits = params["splits"]
    example = "--params '{\"splits\": [\"-inf\", 0, 10, \"inf\"]}'"
    if splits is None:
        raise UserError(f"Bucketizer needs its bucket boundaries: {example}")
    if len(splits) < 3:
        raise UserError(f"Bucketizer: 'splits' needs at least 3 values (2 buckets), got {list(splits)}; e.g. {example}")
    if any(a >= b for a, b in zip(splits, splits[1:])):
        raise UserError(f"Bucketizer: 'splits' must be strictly increasing, got {list(splits)}")


_HANDLE_INVALID = Param("handle_invalid", str, "error", "missing values: error | keep (bucket number k, after the "
                        "last bucket)", choices=("error", "keep"))

# Issue 16's binning and counting operators: one output column per input column, like the operators above.
OPERATORS.update({
    spec.name: spec
    for spec in (
        OperatorSpec(
            name="RobustScaler",
            kind="stateful",
            description="(x - median) / (Q(upper) - Q(lower)), exact quantiles x_(ceil(p*n)); IQR 0 gives 0",
            input_kinds=_SCALER_INPUTS,
            output_kind=NUMERIC,
            default_inputs=("num_*",),
            output_suffix="robust",
            rtol=1e-12,
            params=(
                Param("lower", float, 0.25, "lower quantile of the range (0 < lower < upper)"),
                Param("upper", float, 0.75, "upper quantile of the range (lower < upper < 1)"),
                Param("with_centering", bool, True, "subtract the median"),
                Param("with_scaling", bool, True, "divide by the quantile range"),
            ),
            check=_lower_below_upper,
        ),
        OperatorSpec(
            name="Bucketizer",
            kind="stateless",
            description="bucket i holds [s_i, s_i+1), the last bucket [s_k-1, s_k]; -0.0 is 0.0",
            input_kinds=_SCALER_INPUTS,
            output_kind=INDEX,
            default_inputs=("num_*",),
            output_suffix="bucket",
            rtol=0.0,
            params=(
                Param("splits", list, None, "bucket boundaries, at least 3, strictly increasing (-inf, inf allowed)"),
                _HANDLE_INVALID,
            ),
            check=_splits_given,
        ),
        OperatorSpec(
            name="QuantileDiscretizer",
            kind="stateful",
            description="Bucketizer with splits -inf, the distinct exact quantiles x_(ceil(j/k*n)), inf",
            input_kinds=_SCALER_INPUTS,
            output_kind=INDEX,
            default_inputs=("num_*",),
            output_suffix="bucket",
            rtol=0.0,
            params=(
                Param("num_buckets", int, 2, "number of buckets k before equal quantiles merge", minimum=2,
                      maximum=INT32_MAX),
                _HANDLE_INVALID,
            ),
        ),
        OperatorSpec(
            name="CountVectorizer",
            kind="stateful",
            description="term counts over the vocabulary (df >= min_df; top vocab_size by count, ties token "
                        "ascending), token ascending",
            input_kinds=(TOKENS,),
            output_kind=VECTOR,
            default_inputs=("text",),
            output_suffix="counts",
            rtol=0.0,
            params=(
                Param("vocab_size", int, 1 << 18, "keep at most this many terms, the most frequent", minimum=1,
                      maximum=INT32_MAX),
                Param("min_df", float, 1.0, "document frequency a term needs: a count if >= 1, else a fraction of "
                      "the fitted rows", minimum=0.0),
            ),
            prerequisites={STRING: "Tokenizer"},
        ),
    )
})


def get_operator(name: str) -> OperatorSpec:
    """The spec of an operator; an unknown name is a UserError suggesting the closest one."""
    if name in OPERATORS:
        return OPERATORS[name]
    by_lower = {n.lower(): n for n in OPERATORS}
    if name.lower() in by_lower:
        return OPERATORS[by_lower[name.lower()]]
    close = difflib.get_close_matches(name, list(OPERATORS), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UserError(f"unknown operator '{name}'; {hint}available: {', '.join(OPERATORS)} (see: prepbench list)")


def module_name(operator: str) -> str:
    """The file an engine keeps an operator in: StandardScaler -> standard_scaler, IDF -> idf."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", operator).lower()

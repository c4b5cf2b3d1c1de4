"""QuantileDiscretizer in SQL (custom: DuckDB has no ML preprocessing library).

fit: one aggregate query of each column's non-missing count and first missing row, then per column one query
numbering the sorted non-missing values (`row_number() OVER (ORDER BY x)`) that keeps the ranks ceil(j/k * n)
(DuckDB's `quantile_disc` takes floor((n - 1) * p), another rank for some n and p); the distinct quantiles
between -inf and inf are the splits (the reference's rule). transform: Bucketizer's SQL with those splits.
"""

from src.bench.errors import missing_values
from src.bench.spec.plan import Step
from src.engines.numpy.kernels import quantile_rank
from src.engines.numpy.operators.quantile_discretizer import (
    discretizer_splits,
    quantile_probabilities,
    require_observed,
)

from ..query import ROW, Query, ident, missing
from .bucketizer import bucket

IMPLEMENTATION = "custom"


def fit(data: Query, step: Step) -> list:
    probabilities = quantile_probabilities(step.params["num_buckets"])
    columns = [data.col(c) for c in step.input_cols]
    found = data.one_row([a for x in columns for a in (f"count(*) FILTER (WHERE NOT {missing(x)})",
                                                       f"min({ident(ROW)}) FILTER (WHERE {missing(x)})")])
    state = []
    for i, (c, x) in enumerate(zip(step.input_cols, columns)):
        observed, first_missing = found[2 * i], found[2 * i + 1]
        if first_missing is not None and step.params["handle_invalid"] != "keep":
            raise missing_values(step.name, c, first_missing)
        require_observed(observed, step.name, c)
        ranks = sorted({quantile_rank(p, observed) for p in probabilities})
        quantiles = data.session.rows(
            f"SELECT v FROM (SELECT {x} AS v, row_number() OVER (ORDER BY {x}) AS r FROM ({data.sql}) AS t "
            f"WHERE NOT {missing(x)}) WHERE r IN ({', '.join(map(str, ranks))})")
        state.append(discretizer_splits([v for (v,) in quantiles]))
    return state


def transform(data: Query, state: list, step: Step) -> Query:
    return data.with_columns({name: bucket(data.col(c), splits)
                              for name, c, splits in zip(step.output_cols, step.input_cols, state)})

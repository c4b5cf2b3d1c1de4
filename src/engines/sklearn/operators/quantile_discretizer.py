"""QuantileDiscretizer: sklearn's KBinsDiscretizer(strategy="quantile", quantile_method="inverted_cdf",
encode="ordinal"), with its bin edges replaced by the canonical ones (native+adapter).

scikit-learn's inverted_cdf quantiles are the canonical x_(ceil(p*n)), but it then removes bins narrower than
1e-8, the first one too when q_1 equals the minimum, where Spark's rule keeps q_1 and opens the first bucket to
-inf: on 1 1 1 2 2 3 4 5 with 4 bins scikit-learn numbers the values 0 0 0 1 1 2 2 2, canonically 1 1 1 2 2 3 3 3.
The adapter: after fit, bin_edges_ = [-inf, distinct q, inf] (the reference's rule) and n_bins_ to match;
scikit-learn's transform (searchsorted over the inner edges) does the rest. It refuses NaN, so missing rows are
binned apart: refused, or with handle_invalid keep put in bucket k.
"""

import warnings

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from src.engines.numpy.kernels import order_statistics, require_values
from src.engines.numpy.operators.quantile_discretizer import (
    discretizer_splits,
    quantile_probabilities,
    require_observed,
)

from ._columns import with_matrix

IMPLEMENTATION = "native+adapter"


def fit(frame, step):
    keep = step.params["handle_invalid"] == "keep"
    k = step.params["num_buckets"]
    fitted = []
    for c in step.input_cols:
        x = frame[c]
        missing = np.isnan(x)
        if not keep and missing.any():
            require_values(np.nan, x, step.name, c)
        observed = x[~missing]
        require_observed(observed.size, step.name, c)
        binner = KBinsDiscretizer(n_bins=k, encode="ordinal", strategy="quantile", quantile_method="inverted_cdf",
                                  subsample=None)
        with warnings.catch_warnings():  # a constant column: one bin, and a warning; its edges are replaced anyway
            warnings.filterwarnings("ignore", "Feature .* is constant", UserWarning)
            binner.fit(observed.reshape(-1, 1))
        quantiles = order_statistics(observed.copy(), quantile_probabilities(k))
        binner.bin_edges_[0] = np.array(discretizer_splits(quantiles))
        binner.n_bins_[0] = len(binner.bin_edges_[0]) - 1
        fitted.append(binner)
    return fitted


def transform(frame, state, step):
    out = np.empty((frame.n_rows, len(state)))
    for j, (c, binner) in enumerate(zip(step.input_cols, state)):
        x = frame[c]
        missing = np.isnan(x)
        if missing.any() and step.params["handle_invalid"] != "keep":
            require_values(np.nan, x, step.name, c)
        out[:, j] = binner.n_bins_[0]
        out[~missing, j] = binner.transform(x[~missing].reshape(-1, 1)).ravel()
    return with_matrix(frame, step.output_cols, out)

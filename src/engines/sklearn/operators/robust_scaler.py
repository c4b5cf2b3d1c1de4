"""RobustScaler: sklearn's RobustScaler(with_centering, with_scaling, quantile_range), with its statistics replaced
by the exact quantiles x_(ceil(p*n)) (native+adapter).

scikit-learn interpolates its percentiles linearly (n = 10: Q(0.25) = 3.25, canonically x_(3) = 3), and sets an
IQR below 10 * eps to 1, so a column whose IQR is 0 would come out as x - median instead of 0. The adapter: after
fit, center_ and scale_ are the canonical order statistics, and an IQR of 0 gets scale_ = inf, which makes
scikit-learn's (x - center_) / scale_ exactly 0 (as -0.0 below the median).
"""

import numpy as np
from sklearn.preprocessing import RobustScaler

from src.engines.numpy.kernels import order_statistics

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native+adapter"


def fit(frame, step):
    p = step.params
    x = numeric_matrix(frame, step.input_cols)
    scaler = RobustScaler(with_centering=p["with_centering"], with_scaling=p["with_scaling"],
                          quantile_range=(100 * p["lower"], 100 * p["upper"])).fit(x)
    stats = np.array([order_statistics(x[:, j].copy(), [0.5, p["lower"], p["upper"]]) for j in range(x.shape[1])])
    if scaler.with_centering:
        scaler.center_ = stats[:, 0]
    if scaler.with_scaling:
        iqr = stats[:, 2] - stats[:, 1]
        scaler.scale_ = np.where(iqr == 0, np.inf, iqr)
    return scaler


def transform(frame, state, step):
    return with_matrix(frame, step.output_cols, state.transform(numeric_matrix(frame, step.input_cols)))

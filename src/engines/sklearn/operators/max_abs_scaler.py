"""MaxAbsScaler: scikit-learn's MaxAbsScaler, with its scale of tiny columns put back (native+adapter).

scikit-learn divides by max|x|, and by 1 where max|x| is below 10 * machine epsilon (2.2e-15), which leaves such a
column unscaled; the canonical divisor is max|x| whenever it is not 0 (an all-zero column stays 0 either way).
The fix sets the fitted `scale_` back to `max_abs_` there, so the transform stays scikit-learn's.
"""

from sklearn.preprocessing import MaxAbsScaler

from ._columns import numeric_matrix, with_matrix

IMPLEMENTATION = "native+adapter"


def fit(frame, step):
    scaler = MaxAbsScaler().fit(numeric_matrix(frame, step.input_cols))
    nonzero = scaler.max_abs_ > 0
    scaler.scale_[nonzero] = scaler.max_abs_[nonzero]
    return scaler


def transform(frame, state, step):
    return with_matrix(frame, step.output_cols, state.transform(numeric_matrix(frame, step.input_cols)))

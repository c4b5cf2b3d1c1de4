"""Normalizer: scikit-learn's Normalizer(norm="l1" | "l2" | "max") on the input columns as one matrix (native).

scikit-learn's norms are the canonical ones ("max" is the largest |x|, p = infinity) and it leaves a zero row at
zero. Its output is a dense matrix, stored as the one CSR vector column every vector is in this engine.
"""

import math

from sklearn.preprocessing import Normalizer

from src.bench.data.vectors import csr_from_dense

from ._columns import numeric_matrix

IMPLEMENTATION = "native"
NORMS = {1.0: "l1", 2.0: "l2", math.inf: "max"}


def transform(frame, state, step):
    normalizer = Normalizer(norm=NORMS[step.params["p"]])
    rows = normalizer.fit_transform(numeric_matrix(frame, step.input_cols))
    return frame.with_columns({step.output_cols[0]: csr_from_dense(rows)})

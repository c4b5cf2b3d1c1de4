"""Normalizer: each row of the input columns, as one vector, divided by its p-norm (p = 1, 2 or infinity: the
largest |x|); a zero row stays zero. The output is one vector column: CSR, as every vector is here (a dense row's
zeros are simply not stored)."""

import numpy as np
import scipy.sparse as sp

from ..kernels import numeric_block

IMPLEMENTATION = "native"


def transform(frame, state, step):
    x = numeric_block(frame, step.input_cols, step.name)
    norms = np.linalg.norm(x, ord=step.params["p"], axis=1, keepdims=True)
    y = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    return frame.with_columns({step.output_cols[0]: sp.csr_matrix(y)})

"""Normalizer: each row of the input columns, as one vector, divided by its p-norm (p = 1, 2 or infinity: the
largest |x|); a zero row stays zero. The output is one vector column: CSR, as every vector is here (a dense row's
zeros are simply not stored)."""

from src.bench.data.vectors import csr_from_dense

from ..kernels import numeric_block, unit_rows

IMPLEMENTATION = "native"


def transform(frame, state, step):
    rows = unit_rows(numeric_block(frame, step.input_cols, step.name), step.params["p"])
    return frame.with_columns({step.output_cols[0]: csr_from_dense(rows)})

"""PolynomialExpansion: every product of the input columns of total degree 1..degree, without the constant term,
in scikit-learn's order (by degree, then `combinations_with_replacement`: x, y, x², xy, y² for two columns and
degree 2), as one vector column (CSR, as every vector is here)."""

from src.bench.data.vectors import csr_from_dense

from ..kernels import numeric_block, polynomial_terms

IMPLEMENTATION = "native"


def transform(frame, state, step):
    x = numeric_block(frame, step.input_cols, step.name)
    return frame.with_columns({step.output_cols[0]: csr_from_dense(polynomial_terms(x, step.params["degree"]))})

"""PolynomialExpansion: scikit-learn's PolynomialFeatures(degree, include_bias=False) (native).

scikit-learn's column order is the canonical one (by degree, then combinations with replacement); without the bias
column its terms are exactly the definition's. The dense result is stored as the CSR vector column every vector is
in this engine.
"""

from sklearn.preprocessing import PolynomialFeatures

from src.bench.data.vectors import csr_from_dense

from ._columns import numeric_matrix

IMPLEMENTATION = "native"


def transform(frame, state, step):
    expansion = PolynomialFeatures(degree=step.params["degree"], include_bias=False)
    terms = expansion.fit_transform(numeric_matrix(frame, step.input_cols))
    return frame.with_columns({step.output_cols[0]: csr_from_dense(terms)})

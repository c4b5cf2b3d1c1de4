"""PolynomialExpansion: Spark's PolynomialExpansion(degree) over the assembled columns, its terms put in
scikit-learn's order (native+adapter).

Spark computes the same monomials of degree 1..degree, without a constant term, but orders them by their exponent
tuples read backwards (x, x², y, xy, y² for two columns; scikit-learn: x, y, x², xy, y²). The adapter, lazy and
in the JVM: the vector as an array, its elements picked in the canonical order, and back to a (dense) vector.
"""

from pyspark.ml.feature import PolynomialExpansion
from pyspark.ml.functions import array_to_vector, vector_to_array
from pyspark.sql import functions as F

from src.engines.numpy.kernels import monomials

from ..vectors import assemble, scratch

IMPLEMENTATION = "native+adapter"


def canonical_order(k: int, degree: int) -> list[int]:
    """For each term in scikit-learn's order, its position in Spark's output."""
    exponents = [tuple(term.count(i) for i in range(k)) for term in monomials(k, degree)]
    spark = sorted(range(len(exponents)), key=lambda j: exponents[j][::-1])
    position = {j: i for i, j in enumerate(spark)}
    return [position[j] for j in range(len(exponents))]


def transform(df, state, step):
    output = step.output_cols[0]
    features, expanded = scratch(output, "features"), scratch(output, "expanded")
    expansion = PolynomialExpansion(inputCol=features, outputCol=expanded, degree=step.params["degree"])
    df = expansion.transform(assemble(df, step.input_cols, features))
    terms = vector_to_array(expanded)
    ordered = F.array(*[terms[i] for i in canonical_order(len(step.input_cols), step.params["degree"])])
    return df.withColumn(output, array_to_vector(ordered)).drop(features, expanded)

"""PolynomialExpansion in SQL (custom: DuckDB has no ML preprocessing library).

Each term the product of its columns (the term list is the reference's, src/engines/numpy/kernels.py), all in one
list: a dense vector, every position stored, in prepbench's vector struct.
"""

from src.bench.spec.plan import Step
from src.engines.numpy.kernels import monomials

from ..query import Query, sparse

IMPLEMENTATION = "custom"


def transform(data: Query, state: None, step: Step) -> Query:
    columns = [f"{data.col(c)}::DOUBLE" for c in step.input_cols]
    terms = monomials(len(columns), step.params["degree"])
    products = ", ".join(" * ".join(columns[i] for i in term) for term in terms)
    width = len(terms)
    return data.with_columns({step.output_cols[0]: sparse(width, f"range({width})", f"[{products}]")},
                             {step.output_cols[0]: width})

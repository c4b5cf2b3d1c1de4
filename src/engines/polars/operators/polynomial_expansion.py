"""PolynomialExpansion: every product of the inputs of degree 1..degree in scikit-learn's order, one vector
column (custom: Polars has no preprocessing library).

One expression per term, the product of its columns (the term list is the reference's, src/engines/numpy/kernels.py),
listed with `concat_list` into a dense vector: every position stored, in prepbench's vector struct.
"""

import math

import polars as pl

from src.engines.numpy.kernels import monomials

from ..table import Table, vector

IMPLEMENTATION = "custom"


def transform(data: Table, state, step) -> Table:
    columns = [pl.col(c).cast(pl.Float64) for c in step.input_cols]
    terms = monomials(len(columns), step.params["degree"])
    products = [math.prod((columns[i] for i in term[1:]), start=columns[term[0]]) for term in terms]
    indices = pl.lit(list(range(len(terms))), dtype=pl.List(pl.Int32))
    return data.with_columns({step.output_cols[0]: vector(len(terms), indices, pl.concat_list(products))})

"""Tokenizer: lowercase with Unicode's full default case mapping (str.lower), split on runs of [ \\t\\n\\x0B\\f\\r],
drop empty tokens; a null document gives null tokens (custom).

dask-ml has no tokenizer of its own: its text vectorizers run scikit-learn's analyzers, which drop one-letter
tokens and split on every Unicode space, and they never expose the tokens. So a `map_partitions` runs prepbench's
vectorised canonical rule (src/engines/text.py's `tokenize`, Arrow kernels with exact fast paths for ASCII text and
`str.lower` where Arrow's lowercasing differs) on each partition's documents, into an Arrow `list<string>` column.
"""

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

from src.engines.text import tokenize

from ..columns import TOKENS, arrow, meta, series

IMPLEMENTATION = "custom"


def tokens(part: pd.Series) -> pd.Series:
    return series(tokenize(arrow(part).cast(pa.string())).cast(TOKENS.pyarrow_dtype), part)


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    return data.assign(**{
        name: data[col].map_partitions(tokens, meta=meta(col, TOKENS))
        for name, col in zip(step.output_cols, step.input_cols)
    })

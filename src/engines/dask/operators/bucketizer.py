"""Bucketizer: the bucket is the number of inner splits at or below x, as lazy Dask column arithmetic (custom:
dask-ml has no transformer for given splits).

Comparisons of doubles follow IEEE 754, so -0.0 counts as 0.0, and the last split s_k, not among the inner ones,
stays in the last bucket. A missing value goes to bucket k with handle_invalid keep; invalid input (missing values
under error, values outside the splits) is refused by the reference check before the engine runs.
"""

import dask.dataframe as dd

IMPLEMENTATION = "custom"


def bucket(x: dd.Series, splits) -> dd.Series:
    """The bucket of x among the splits; missing -> k (QuantileDiscretizer buckets with it too)."""
    return sum((x >= s).astype("float64") for s in splits[1:-1]).mask(x.isna(), float(len(splits) - 1))


def transform(data: dd.DataFrame, state, step) -> dd.DataFrame:
    splits = step.params["splits"]
    return data.assign(**{name: bucket(data[col], splits) for name, col in zip(step.output_cols, step.input_cols)})

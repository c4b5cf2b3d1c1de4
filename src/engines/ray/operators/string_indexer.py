"""StringIndexer: Ray's OrdinalEncoder, the rank among the sorted distinct training values; unseen -> null.

Ray sorts categories with Python's sorted(), which orders str by code point, the canonical order. Its Arrow
transform (pc.index_in) gives an int64 column with null for unseen values; `collect` turns it into float64
with NaN. Ray refuses a null in the input ("contains null values", at fit and at transform) where the canonical
output is null; nulls in categorical columns are outside the input rules, so this stays native.
"""

from ray.data.preprocessors import OrdinalEncoder

IMPLEMENTATION = "native"


def fit(ds, step):
    return OrdinalEncoder(columns=list(step.input_cols), output_columns=list(step.output_cols)).fit(ds)


def transform(ds, encoder, step):
    return encoder.transform(ds)

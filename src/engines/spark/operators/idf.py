"""IDF: Spark's IDF(minDocFreq) — tf * ln((n + 1) / (df + 1)), and 0 for terms in fewer than minDocFreq documents.

n counts every row, the all-zero rows of empty and null documents included (HashingTF gives them), as the
definition does.
"""

from pyspark.ml.feature import IDF

IMPLEMENTATION = "native"


def fit(df, step):
    return [IDF(inputCol=col, outputCol=out, minDocFreq=step.params["min_doc_freq"]).fit(df)
            for col, out in zip(step.input_cols, step.output_cols)]


def transform(df, models, step):
    for model in models:
        df = model.transform(df)
    return df

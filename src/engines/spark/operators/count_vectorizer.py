"""CountVectorizer: the vocabulary from one Spark SQL aggregation, then Spark's CountVectorizerModel built from it
(native+adapter).

Spark's CountVectorizer fit orders its vocabulary by count descending then token, comparing tokens as Java strings
(UTF-16 code units: a token beyond U+FFFF sorts before U+E000-U+FFFF, so a tie at the vocabSize cut-off can keep
another token), and numbers the vector's positions in that order, where the canonical positions are in token (code
point) order; it also throws on a null token list. The adapter: the fit is a Spark SQL aggregation of the exploded
tokens (per row, by the row number the input carries, and token, then per token: total count and document
frequency), filtered by min_df (a count when >= 1, else a fraction of the rows, null token lists included, as
Spark's), ordered by count descending then token (Spark SQL compares strings as UTF-8 bytes: code point order) and
limited to vocab_size; the kept tokens, sorted in Python (code point order), become
`CountVectorizerModel.from_vocabulary`, whose transform counts the tokens of each row, read coalesced with an empty
array. pyspark refuses an empty vocabulary (no term reaches min_df), whose canonical vectors have size 0: those are
Spark vectors of size 0 (`array_to_vector` of an empty array), which later steps such as IDF read as any vector.
"""

from pyspark.ml.feature import CountVectorizerModel
from pyspark.ml.functions import array_to_vector
from pyspark.sql import functions as F

from ..load import ROW
from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def fit(df, step):
    min_df, vocab_size = step.params["min_df"], step.params["vocab_size"]
    n = df.count() if min_df < 1 else 0
    vocabularies = []
    for c in step.input_cols:
        pairs = df.select(F.col(ROW).alias("doc"), F.explode(c).alias("token")).groupBy("doc", "token").count()
        stats = pairs.groupBy("token").agg(F.sum("count").alias("total"), F.count("*").alias("df"))
        kept = (stats.where(F.col("df") >= (min_df if min_df >= 1 else min_df * n))
                .orderBy(F.desc("total"), F.asc("token")).limit(vocab_size).collect())
        vocabularies.append(sorted(row.token for row in kept))
    return vocabularies


def transform(df, state, step):
    for col, out, vocabulary in zip(step.input_cols, step.output_cols, state):
        if not vocabulary:
            df = df.withColumn(out, array_to_vector(F.array().cast("array<double>")))
            continue
        present = scratch(col, "present")
        df = df.withColumn(present, F.coalesce(F.col(col), F.array().cast("array<string>")))
        model = CountVectorizerModel.from_vocabulary(vocabulary, inputCol=present, outputCol=out)
        df = model.transform(df).drop(present)
    return df

"""Tokenizer: Spark SQL's lower() under the UNICODE collation, then RegexTokenizer without lowercasing
(native+adapter).

RegexTokenizer(pattern "\\s+", gaps, minTokenLength 1) splits as the canonical rule does: Java's \\s is exactly
[ \\t\\n\\x0B\\f\\r] (U+00A0 and \\x1c-\\x1f stay inside tokens), runs of it are one gap, no empty tokens. (Spark's
plain Tokenizer splits on every single whitespace character and so emits "" tokens.)

The adapter, all of it SQL expressions in the same plan:
- Lowercasing: RegexTokenizer's toLowercase is Java's String.toLowerCase() in the JVM's default locale (Turkish:
  `I` -> `ı`) and its Final_Sigma rule looks at word boundaries, not Unicode's context (`Α1Σ` -> `α1ς`, where
  str.lower gives `α1σ`). Plain lower() is locale-bound too (ICU in the default locale). lower() of a value
  collated UNICODE is ICU's root-locale full case mapping, with Unicode's Final_Sigma: str.lower (İ -> i̇,
  final Σ -> ς, ß kept), under any JVM locale; ASCII documents take Spark's byte-wise fast path. The result is
  collated back to UTF8_BINARY (RegexTokenizer takes only the default string type). ICU4J's Unicode is newer
  than Python 3.11's (14.0): the letters given a lowercase since (55 with ICU4J 78, all from Unicode 16 and 17,
  e.g. U+A7CB, U+10D50-10D65) lowercase here and not in the reference; the consistency check would say so.
- Nulls: RegexTokenizer throws on a null document, so it reads "" instead, and the output row of a null
  document is set back to null.
"""

from pyspark.ml.feature import RegexTokenizer
from pyspark.sql import Column
from pyspark.sql import functions as F

from ..vectors import scratch

IMPLEMENTATION = "native+adapter"


def lowercase(col: str) -> Column:
    """The canonical lowercasing of a string column (see above), back in the default collation."""
    return F.collate(F.lower(F.collate(F.col(col), "UNICODE")), "UTF8_BINARY")


def transform(df, state, step):
    for col, out in zip(step.input_cols, step.output_cols):
        lowered = scratch(col, "lower")
        df = df.withColumn(lowered, F.coalesce(lowercase(col), F.lit("")))
        df = RegexTokenizer(inputCol=lowered, outputCol=out, pattern=r"\s+", gaps=True, minTokenLength=1,
                            toLowercase=False).transform(df)
        df = df.withColumn(out, F.when(F.col(col).isNotNull(), F.col(out))).drop(lowered)
    return df

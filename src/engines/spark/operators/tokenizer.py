"""Tokenizer: Spark's RegexTokenizer with its defaults — lowercase, split on runs of \\s, drop empty tokens.

Spark's plain Tokenizer splits on every single whitespace character and so emits "" tokens; RegexTokenizer
(pattern "\\s+", gaps, minTokenLength 1) is the canonical rule. Java's \\s is the ASCII whitespace set the
canonical rule names; toLowerCase agrees with ASCII lowercasing on ASCII text, which the generator writes.
"""

from pyspark.ml.feature import RegexTokenizer

IMPLEMENTATION = "native"


def transform(df, state, step):
    for col, out in zip(step.input_cols, step.output_cols):
        df = RegexTokenizer(inputCol=col, outputCol=out, pattern=r"\s+", gaps=True, minTokenLength=1,
                            toLowercase=True).transform(df)
    return df

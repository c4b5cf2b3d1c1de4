"""Tokenizer, tuned: the stock lowercasing, then SQL's own trim and split instead of RegexTokenizer.

Faster than stock because every step is a built-in expression that codegen compiles: stock hands each document
to RegexTokenizer, a Scala UDF that converts it to a Java String and back, and needs a null placeholder and a
second pass to restore nulls. The rule is the same: lower() under the UNICODE collation (see the stock module for
why it is exactly str.lower), then trim the six separators of Java's \\s from both ends and split on runs of them,
so no token is empty; a blank document gives [] and a null one null (every expression passes null through).
"""

from pyspark.sql import functions as F

IMPLEMENTATION = "custom"
SEPARATORS = " \t\n\x0b\f\r"  # Java's \s


def transform(df, state, step):
    tokens = {}
    for col, out in zip(step.input_cols, step.output_cols):
        lowered = F.collate(F.lower(F.collate(F.col(col), "UNICODE")), "UTF8_BINARY")
        trimmed = F.trim(lowered, F.lit(SEPARATORS))
        tokens[out] = F.when(trimmed == "", F.array().cast("array<string>")).otherwise(
            F.split(trimmed, "[ \\t\\n\\x0B\\f\\r]+"))
    return df.withColumns(tokens)

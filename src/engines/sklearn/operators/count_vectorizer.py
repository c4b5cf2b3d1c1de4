"""CountVectorizer: sklearn's CountVectorizer over the token lists, its vocabulary cut to the top vocab_size by
count with ties by token (native+adapter).

scikit-learn takes the token lists through a callable analyzer (a null list as an empty one), with min_df as
Spark reads it: a count when >= 1 (scikit-learn wants an int: df >= 1.5 is df >= 2), else a fraction of the
documents. Its vocabulary is sorted by Python's str order, which is code point order, as canonical. Its
max_features breaks ties at the cut-off by an unstable argsort, so it is not used: the adapter keeps the
vocab_size columns with the largest total count, ties to the smallest token (the earlier column), and transform
selects those columns of scikit-learn's matrix.
"""

import math

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

IMPLEMENTATION = "native+adapter"


def _tokens(doc: list[str] | None) -> list[str]:
    return doc or []


def fit(frame, step):
    min_df, vocab_size = step.params["min_df"], step.params["vocab_size"]
    fitted = []
    for c in step.input_cols:
        vectorizer = CountVectorizer(analyzer=_tokens, lowercase=False, dtype=np.float64,
                                     min_df=math.ceil(min_df) if min_df >= 1 else min_df)
        totals = np.asarray(vectorizer.fit_transform(frame[c]).sum(axis=0)).ravel()
        top = np.lexsort((np.arange(totals.size), -totals))[:vocab_size]  # count desc, then column (token) asc
        fitted.append((vectorizer, np.sort(top)))
    return fitted


def transform(frame, state, step):
    return frame.with_columns({name: vectorizer.transform(frame[col])[:, kept].tocsr()
                               for name, col, (vectorizer, kept) in zip(step.output_cols, step.input_cols, state)})

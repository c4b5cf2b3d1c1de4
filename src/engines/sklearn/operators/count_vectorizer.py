"""CountVectorizer: sklearn's CountVectorizer over the token lists, its vocabulary cut to the top vocab_size by
count with ties by token (native+adapter).

scikit-learn takes the token lists through a callable analyzer (a null list as an empty one), with min_df as
Spark reads it: a count when >= 1 (scikit-learn wants an int: df >= 1.5 is df >= 2), else a fraction of the
documents. Its vocabulary is sorted by Python's str order, which is code point order, as canonical. Its
max_features breaks ties at the cut-off by an unstable argsort, so it is not used: the adapter keeps the
vocab_size columns with the largest total count, ties to the smallest token (the earlier column), and transform
selects those columns of scikit-learn's matrix. scikit-learn refuses a fit that leaves no term (min_df above every
document frequency, or no tokens at all); the canonical result is an empty vocabulary: zero-width vectors.
"""

import math

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

IMPLEMENTATION = "native+adapter"
NO_TERM_LEFT = ("no terms remain", "empty vocabulary", "max_df corresponds to < documents than min_df")


def _tokens(doc: list[str] | None) -> list[str]:
    return doc or []


def fit(frame, step):
    min_df, vocab_size = step.params["min_df"], step.params["vocab_size"]
    fitted = []
    for c in step.input_cols:
        vectorizer = CountVectorizer(analyzer=_tokens, lowercase=False, dtype=np.float64,
                                     min_df=math.ceil(min_df) if min_df >= 1 else min_df)
        try:
            totals = np.asarray(vectorizer.fit_transform(frame[c]).sum(axis=0)).ravel()
        except ValueError as exc:
            if not any(text in str(exc) for text in NO_TERM_LEFT):
                raise
            fitted.append((None, np.empty(0, dtype=np.int64)))
            continue
        top = np.lexsort((np.arange(totals.size), -totals))[:vocab_size]  # count desc, then column (token) asc
        fitted.append((vectorizer, np.sort(top)))
    return fitted


def transform(frame, state, step):
    return frame.with_columns({name: _counts(vectorizer, kept, frame[col], frame.n_rows)
                               for name, col, (vectorizer, kept) in zip(step.output_cols, step.input_cols, state)})


def _counts(vectorizer: CountVectorizer | None, kept: np.ndarray, docs, n_rows: int) -> sp.csr_matrix:
    if vectorizer is None:  # an empty vocabulary
        return sp.csr_matrix((n_rows, 0), dtype=np.float64)
    return vectorizer.transform(docs)[:, kept].tocsr()

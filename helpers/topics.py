"""Topic clusters of member feedback: NMF on TF-IDF of jieba tokens (stop words removed).

Each text's TF-IDF vector (words of at least ``min_chars`` characters in at least ``min_df``
texts) is factorized by scikit-learn's NMF
(``init="nndsvda"``, ``random_state=seed``: deterministic for a seed) into ``n_topics`` topics; a
topic's top terms are those with the largest weights in its component, and a text belongs to the
topic with its largest weight when that weight reaches ``min_weight`` (``-1``, unassigned, otherwise:
its words load on no topic, e.g. a short question or only stop words; NMF leaves such texts with
weights near 0, and an arg-max over them would pile them into one topic). A topic's ``share`` is of all
texts; ``share_of_assigned`` of the texts with a topic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass(frozen=True)
class Topics:
    """``terms``: ``topic, rank, term, weight`` (top terms of each topic); ``assignments``: one row per
    input text, ``topic`` (-1: none) and ``topic_weight``; ``sizes``: ``topic, n_texts, share,
    share_of_assigned, label`` (label = the topic's three top terms joined)."""

    terms: pd.DataFrame
    assignments: pd.DataFrame = field(repr=False)
    sizes: pd.DataFrame
    seed: int

    def _repr_html_(self) -> str:
        return self.sizes.to_html(index=False)


def _identity(tokens):
    return tokens


def topics(texts: Iterable[str], n_topics: int = 5, top_n: int = 8, min_df: int = 2, seed: int = 7,
           min_chars: int = 2, max_texts: int | None = 20_000, min_weight: float = 1e-3) -> Topics:
    """NMF topics of ``texts`` (see the module docstring). ``n_topics`` must be at least 1 and
    below the number of texts; tokens shorter than ``min_chars`` characters are left out (single
    Chinese characters are mostly particles). Above ``max_texts`` texts, the topics are fitted on a
    seeded random sample of that many (``helpers.text.sample_texts``); ``assignments`` and the
    ``share`` of each topic are then the sample's."""
    from helpers.text import sample_texts, tokenize
    texts = sample_texts(texts, max_texts, seed)
    if not isinstance(n_topics, int) or n_topics < 1:
        raise ValueError(f"`n_topics` must be a positive integer; got {n_topics!r}.")
    if len(texts) <= n_topics:
        raise ValueError(f"`topics` needs more texts ({len(texts)}) than topics ({n_topics}).")
    tokens = [[w for w in doc if len(w) >= min_chars] for doc in tokenize(texts)]
    vec = TfidfVectorizer(analyzer=_identity, min_df=min_df, sublinear_tf=True)
    x = vec.fit_transform(tokens)
    if x.shape[1] < n_topics:
        raise ValueError(f"Only {x.shape[1]} terms occur in at least {min_df} texts; too few for {n_topics} topics.")
    nmf = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    w = nmf.fit_transform(x)
    vocab = vec.get_feature_names_out()
    rows = []
    for k, comp in enumerate(nmf.components_):
        top = np.argsort(-comp, kind="stable")[:top_n]
        rows += [(k, r + 1, vocab[j], float(comp[j])) for r, j in enumerate(top) if comp[j] > 0]
    terms = pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])
    has = w.max(axis=1) >= max(min_weight, np.finfo(float).tiny)
    assign = pd.DataFrame({"topic": np.where(has, w.argmax(axis=1), -1), "topic_weight": w.max(axis=1)})
    labels = terms[terms["rank"] <= 3].groupby("topic")["term"].agg(" / ".join)
    sizes = (assign[assign["topic"] >= 0].groupby("topic").size().reindex(range(n_topics), fill_value=0)
             .rename("n_texts").reset_index())
    sizes["share"] = sizes["n_texts"] / max(len(texts), 1)
    sizes["share_of_assigned"] = sizes["n_texts"] / max(int(has.sum()), 1)
    sizes["label"] = sizes["topic"].map(labels).fillna("")
    return Topics(terms=terms, assignments=assign, sizes=sizes, seed=seed)


__all__ = ["Topics", "topics"]

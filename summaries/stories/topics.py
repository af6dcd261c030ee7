"""Topics: how relevant each text of a briefing's candidates is to the topics a chat asked
for (BM25 over headline and summary, :func:`topic_scores`), used by
:mod:`summaries.stories.briefing` to rank stories about them."""

from __future__ import annotations

from collections.abc import Sequence

from newsbrief.summaries.stories.clustering import content_words

__all__ = ["topic_scores"]


def topic_scores(texts: Sequence[str], topics: Sequence[str]) -> list[float]:
    """BM25 relevance of each text to the topics (any of them): 0 for a text that holds
    none of a topic's words (a phrase needs all its words)."""
    from rank_bm25 import BM25Okapi

    docs = [content_words(t) or ["\x00"] for t in texts]
    if not docs:
        return []
    bm25 = BM25Okapi(docs)
    scores = [0.0] * len(docs)
    sets = [set(d) for d in docs]
    for topic in topics:
        terms = content_words(topic)
        if not terms:
            continue
        raw = bm25.get_scores(terms)
        for i, doc_terms in enumerate(sets):
            if all(t in doc_terms for t in terms):
                scores[i] = max(scores[i], float(raw[i]) if raw[i] > 0 else 1e-6)
    return scores

"""The terms of an article the story index compares: its headline (main clause first), its
lead and its URL's slug (see :mod:`summaries.stories.signals` for what a term is). Bodies
are compared by :mod:`summaries.stories.fulltext`."""

from __future__ import annotations

import collections
import re
from collections.abc import Sequence
from typing import Any

from newsbrief.summaries.stories.signals import (
    content_words,
    dot,
    event_words,
    prior_rarity,
    split_clause,
    unit,
    url_words,
)

__all__ = ["lead_sentence", "headline_terms", "representative"]


def lead_sentence(body: str, headline: str) -> str:
    """The body's first sentence, unless the body is only the headline again."""
    if not body or body.strip() == headline.strip():  # a headline-only item
        return ""
    first = re.split(r"(?<=[.!?])\s+", body.strip(), maxsplit=1)[0]
    if not first or content_words(first) == content_words(headline):
        return ""
    return first[:400]


def headline_terms(
    article: dict[str, Any],
    lead_weight: float = 0.5,
    *,
    slug_weight: float = 0.0,
    drop_eventless: bool = True,
    join_parts: bool = True,
    actions: bool = True,
    tail_weight: float = 1.0,
    clause_words: bool = True,
) -> dict[str, float]:
    """Term counts of an article's headline, plus its lead at ``lead_weight``: the words
    that can tell one happening from another (see :func:`signals.event_words`). The words
    of a headline's subordinate turn ("Xbox Live down *as Titanfall launches*", "PM ousted
    *after tanker escapes*"; :func:`signals.split_clause`) count ``tail_weight``: the
    happening a headline reports is the one its main clause names. Without
    ``clause_words`` (a headline not in English) only a semicolon or a spaced dash turns."""
    headline = article.get("headline") or ""
    opts = {"drop_eventless": drop_eventless, "join_parts": join_parts, "actions": actions}
    main, tail = split_clause(headline, words=clause_words)
    counts: dict[str, float] = {}
    for term in event_words(main, **opts):
        counts[term] = counts.get(term, 0.0) + 1.0
    for term in event_words(tail, **opts):
        counts[term] = counts.get(term, 0.0) + tail_weight
    if lead_weight > 0:
        lead = lead_sentence(article.get("body") or "", headline)
        for term in event_words(lead, **opts):
            counts[term] = counts.get(term, 0.0) + lead_weight
    if slug_weight > 0:
        for term in set(event_words(url_words(article.get("url") or ""), **opts)):
            counts[term] = counts.get(term, 0.0) + slug_weight
    return dict(counts)


def representative(articles: Sequence[dict[str, Any]]) -> int:
    """The position of the article whose headline and lead are closest to all the others'
    (the story's medoid by TF-IDF cosine, using English word rarity); the earliest on ties."""
    if len(articles) <= 2:
        return 0
    vectors = [unit({t: c * prior_rarity(t) for t, c in headline_terms(a).items()}) for a in articles]
    centroid: dict[str, float] = collections.defaultdict(float)
    for vec in vectors:
        for t, w in vec.items():
            centroid[t] += w
    scores = [dot(vec, centroid) for vec in vectors]
    return max(range(len(articles)), key=lambda i: (scores[i], -i))

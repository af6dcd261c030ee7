"""Briefings: the top stories of a day, each with its headline, summary and source.

The bot and the CLI only render what :func:`compose_briefing` returns.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from summaries.config import SummarySettings
from summaries.store import Store

__all__ = ["Story", "Briefing", "compose_briefing", "story_for", "find_articles", "matches_topics"]


@dataclass(frozen=True)
class Story:
    """One story of a briefing."""

    article_id: str
    headline: str
    summary: tuple[str, ...]
    source: str
    date: str
    url: str = ""
    place: str = ""


@dataclass
class Briefing:
    """The stories for a day, best first. ``fallback`` is true when the day had no stories
    and these are the latest ones instead."""

    day: str
    stories: list[Story] = field(default_factory=list)
    topics: tuple[str, ...] = ()
    fallback: bool = False


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def matches_topics(article: dict[str, Any], topics: Iterable[str]) -> bool:
    """True if any topic keyword (or phrase) occurs in the headline or body, as whole words."""
    topics = [t for t in topics if t.strip()]
    if not topics:
        return True
    text = " " + " ".join(_words(article.get("headline", "") + " " + article.get("body", ""))) + " "
    return any(" " + " ".join(_words(t)) + " " in text for t in topics)


def importance(article: dict[str, Any]) -> float:
    """How much a story weighs within its day: longer, more sourced stories first."""
    words = len(article.get("body", "").split())
    sources = len(article.get("also_in", []) or []) + 1
    return math.log1p(words) + 0.75 * math.log(sources)


def story_for(store: Store, article: dict[str, Any], settings: SummarySettings | None = None) -> Story:
    """The story of one article, with its stored summary if it was made with these
    settings, else one made now."""
    from summaries.pipeline import summarize_article, summary_key

    settings = settings or SummarySettings()
    stored = store.get_summary(article["id"])
    if stored and stored.get("content_hash") == article.get("content_hash") and stored.get("key") == summary_key(settings):
        sentences = stored["sentences"]
    else:
        sentences = summarize_article(article["body"], settings)
    return Story(
        article_id=article["id"],
        headline=article["headline"],
        summary=tuple(sentences),
        source=article.get("source") or article.get("agency") or "",
        date=article["date"],
        url=article.get("url") or "",
        place=article.get("place") or "",
    )


def compose_briefing(
    store: Store,
    *,
    day: dt.date | str | None = None,
    topics: Iterable[str] = (),
    limit: int = 5,
    exclude: Iterable[str] = (),
    settings: SummarySettings | None = None,
    fallback: bool = True,
) -> Briefing:
    """The top ``limit`` stories of ``day`` (default today), matching any of ``topics``,
    leaving out the article ids in ``exclude``; ranked by importance, then recency.

    With ``fallback`` and nothing on that day, the latest stories before it are used.
    """
    day = (day or dt.date.today())
    day_iso = day if isinstance(day, str) else day.isoformat()
    topics = tuple(t.strip() for t in topics if t.strip())
    excluded = set(exclude)

    def pick(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        usable = [a for a in candidates if a["id"] not in excluded and matches_topics(a, topics)]
        usable.sort(key=lambda a: (a["date"], importance(a), a.get("seq", 0)), reverse=True)
        return usable[:limit]

    chosen = pick(store.latest_articles(on_date=day_iso))
    used_fallback = False
    if not chosen and fallback:
        older = [a for a in store.latest_articles(limit=max(200, limit * 20)) if a["date"] <= day_iso]
        chosen = pick(older)
        used_fallback = bool(chosen)
    return Briefing(
        day=day_iso,
        stories=[story_for(store, a, settings) for a in chosen],
        topics=topics,
        fallback=used_fallback,
    )


def find_articles(store: Store, query: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Articles for what a person typed: an id (or its first characters), else keywords
    ranked by how many occur in the headline (weighted) and the body, newest first on ties."""
    query = query.strip()
    if not query:
        return []
    exact = store.get_article(query)
    if exact:
        return [exact]
    if re.fullmatch(r"[0-9a-f]{6,16}", query):
        hits = [store.get_article(i) for i in store.article_ids() if i.startswith(query)]
        if hits:
            return [h for h in hits if h][:limit]
    terms = set(_words(query))
    if not terms:
        return []
    scored = []
    for article in store.latest_articles():
        head = set(_words(article["headline"]))
        body = set(_words(article["body"]))
        score = 3 * len(terms & head) + len(terms & body)
        if score and terms <= head | body:
            scored.append((score, article["date"], article.get("seq", 0), article))
    scored.sort(key=lambda row: row[:3], reverse=True)
    return [row[3] for row in scored[:limit]]

"""How much a story weighs in a briefing: how widely its main event is covered, then how
recent it is.

* **Time.** A story's time is the median time of its reports (:func:`story_time`), so a
  single late report cannot move it.
* **Active window.** Only the reports within ``ACTIVE_HOURS`` of that time count.
* **Main-event core.** A story the clustering grew into a topic (a firm's deal and its
  results; a country's vote and a ship's escape) must not be lifted by its off-event
  reports. Its core (:func:`event_core`) is the reports close to the story's own
  centroid, with words weighed by English rarity and by how few of the story's reports
  hold them (what every report says is the topic, and tells no happening from another),
  as :func:`summaries.stories.voice.main_event` weighs them. Only the distinct outlets
  of the core count (:func:`core_outlets`).
* **Recency.** The stories of the briefing's day are all fresh: among them coverage alone
  decides (an evening story is not worth more than this morning's, which had the day to
  be reported). A story of the days before weighs less the older it is, halving every
  ``RECENCY_HALF_LIFE_HOURS`` before the day began, never below a half (:func:`importance`).
"""

from __future__ import annotations

import collections
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from newsbrief.summaries.stories.signals import dot, event_words, unit
from newsbrief.summaries.stories.state import article_hours
from newsbrief.summaries.stories.voice import clean_outlet, member_vectors

__all__ = [
    "ACTIVE_HOURS",
    "CORE_SHARE",
    "CORE_SIMILARITY",
    "RECENCY_HALF_LIFE_HOURS",
    "core_outlets",
    "day_start_hours",
    "distinct_outlets",
    "event_core",
    "importance",
    "story_time",
]

RECENCY_HALF_LIFE_HOURS = 24.0
ACTIVE_HOURS = 36.0  # a story's coverage counts the reports this close to its time
CORE_SIMILARITY = 0.15  # a report this similar to its story's centroid tells the story's main event
CORE_SHARE = 0.5  # ... or at least this share of its typical (median) report's similarity
MIN_CORE_STORY = 3  # a smaller story is its own core
LEAD_CHARS = 300  # the part of a report's lead read besides its headline
TERMS_CACHED = 32768  # reports whose words are kept between briefings


def distinct_outlets(articles: Iterable[dict[str, Any]]) -> list[str]:
    """Distinct outlets, in order of first report; sources that also carried a report
    (``also_in``) count too."""
    seen: dict[str, str] = {}
    for article in articles:
        for name in [article.get("source") or article.get("agency") or "", *(article.get("also_in") or [])]:
            name = clean_outlet(name)
            key = name.casefold()
            if key and key not in seen:
                seen[key] = name
    return list(seen.values())


def importance(outlets: int, reports: int, age_hours: float) -> float:
    """How much a story weighs: coverage first, then recency. The one definition used by
    briefings, digests and topics.

    ``log2(1 + distinct outlets)`` (of the story's main event, see :func:`core_outlets`),
    times a recency factor: 1 for a story of the briefing's day (``age_hours``: how long
    before that day began the story happened, 0 or less for a story of the day), then
    halving every 24 hours, but never below a half, so a widely covered story of
    yesterday still outranks a single report of today. Length is no evidence of
    importance and does not count; neither do repeated reports of one outlet (an outlet
    rarely reports one happening twice: its second report more often tells another).
    ``reports`` is kept for callers and does not count.
    """
    del reports
    coverage = math.log2(1 + max(1, outlets))
    recency = 0.5 + 0.5 * 0.5 ** (max(0.0, age_hours) / RECENCY_HALF_LIFE_HOURS)
    return coverage * recency


def day_start_hours(day_iso: str) -> float:
    """The start (midnight UTC) of a day ("2014-03-11"), in hours since the epoch, the
    scale of :func:`summaries.stories.state.article_hours`."""
    start = dt.datetime.fromisoformat(day_iso[:10]).replace(tzinfo=dt.UTC)
    return start.timestamp() / 3600.0


def story_time(members: Sequence[dict[str, Any]], hours: Callable[[dict[str, Any]], float] = article_hours) -> float:
    """When a story happened, for ranking: the median time of its reports (the earlier
    middle one of an even count), so a single late report cannot move it."""
    times = sorted(hours(a) for a in members)
    return times[(len(times) - 1) // 2] if times else 0.0


def _text(article: dict[str, Any]) -> str:
    lead = article.get("lead") if article.get("lead") is not None else article.get("body")
    return f"{article.get('headline') or ''} {(lead or '')[:LEAD_CHARS]}"


@lru_cache(maxsize=TERMS_CACHED)
def _terms(text: str) -> tuple[tuple[str, int], ...]:
    """A report's event words and their counts (kept: a briefing is composed per chat
    request, from mostly the same reports)."""
    return tuple(collections.Counter(event_words(text)).items())


def event_core(members: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The members that tell the story's main event: those whose similarity to the
    story's centroid (words weighed by English rarity and by how few members hold them)
    is at least ``CORE_SIMILARITY`` and at least ``CORE_SHARE`` of the median member's,
    so a story's off-event reports fall out however loosely its event is worded. A
    member without a word to compare is kept (nothing says it is off the event); a story
    of fewer than ``MIN_CORE_STORY`` members, or one none is close enough to, is its own
    core."""
    if len(members) < MIN_CORE_STORY:
        return list(members)
    vectors = member_vectors([dict(_terms(_text(a))) for a in members])
    centroid: dict[str, float] = collections.defaultdict(float)
    for vec in vectors:
        for t, w in vec.items():
            centroid[t] += w
    centre = unit(dict(centroid))
    sims = [dot(centre, vec) for vec in vectors if vec]
    if not sims:
        return list(members)
    least = max(CORE_SIMILARITY, CORE_SHARE * sorted(sims)[len(sims) // 2])
    core = [a for a, vec in zip(members, vectors) if not vec or dot(centre, vec) >= least]
    return core or list(members)


def core_outlets(members: Sequence[dict[str, Any]]) -> int:
    """How many distinct outlets report the story's main event (:func:`event_core`)."""
    return len(distinct_outlets(event_core(members)))

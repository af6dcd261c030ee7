"""Briefings: the top stories of a day, each said once, with its summary and its outlets.

A briefing is a list of *stories* (every report of one event, grouped by
:mod:`summaries.stories.clustering`), ranked by :func:`importance`: how widely the story is covered
and how recent it is. With topics, stories are ranked by relevance to them (BM25 over
headline and summary) combined with importance, and a topic nothing is about says so.

The bot and the CLI only render what :func:`compose_briefing` returns.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.config import SummarySettings
from newsbrief.summaries.nlp.summarizer import is_current, summarize_record
from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.store.base import StoryListing
from newsbrief.summaries.stories.clustering import article_hours, representative
from newsbrief.summaries.stories.coverage import (
    ACTIVE_HOURS,
    core_outlets,
    day_start_hours,
    distinct_outlets,
    importance,
    story_time,
)
from newsbrief.summaries.stories.signals import event_words
from newsbrief.summaries.stories.topics import topic_scores
from newsbrief.summaries.stories.voice import clean_headline, clean_outlet, headline_choice, main_event, story_summary

__all__ = [
    "Report",
    "Story",
    "Briefing",
    "compose_briefing",
    "story_for",
    "story_of_article",
    "story_by_id",
    "list_stories",
    "story_json",
    "find_articles",
    "importance",
    "story_time",
    "outlets_line",
    "story_summary",
    "seen_through",
    "SourceTest",
]

MAX_REPORTS = 50  # reports of a story listed (and read for its summary) at most


@dataclass(frozen=True)
class Report:
    """One outlet's report of a story."""

    article_id: str
    headline: str
    source: str
    url: str = ""
    date: str = ""


@dataclass(frozen=True)
class Story:
    """One story of a briefing: a representative report (``article_id``, ``headline``,
    ``url``), the summary, and every report with its outlet."""

    article_id: str
    headline: str
    summary: tuple[str, ...]
    source: str
    date: str
    url: str = ""
    place: str = ""
    story_id: str = ""
    reports: tuple[Report, ...] = ()
    outlets: tuple[str, ...] = ()
    score: float = 0.0
    update: bool = False  # a story this chat was sent before, grown since
    language: str = ""  # its representative report's language (ISO 639-1; "" if unknown)

    @property
    def article_ids(self) -> tuple[str, ...]:
        return tuple(r.article_id for r in self.reports) or (self.article_id,)

    @classmethod
    def from_article(cls, article: dict[str, Any], summary: Sequence[str], **extra: Any) -> Story:
        """The story of one article (the one place a Story is built)."""
        source = article.get("source") or article.get("agency") or ""
        fields: dict[str, Any] = {
            "reports": (_report(article),),
            "outlets": tuple(distinct_outlets([article])),
            "story_id": "",
        }
        fields.update(extra)
        return cls(
            article_id=article["id"],
            headline=article.get("headline", ""),
            summary=tuple(summary) or (article.get("headline", ""),),
            source=source,
            date=article.get("date", ""),
            url=article.get("url") or "",
            place=article.get("place") or "",
            language=article.get("language") or "",
            **fields,
        )


@dataclass
class Briefing:
    """The stories for a day, best first. ``fallback`` is true when the day had no stories
    and these are the latest ones instead. With topics and no story about them, ``stories``
    is empty (the general briefing is not shown instead). ``filtered``: stories the
    ``keep`` test refused (a chat's filters) among those looked at."""

    day: str
    stories: list[Story] = field(default_factory=list)
    topics: tuple[str, ...] = ()
    fallback: bool = False
    filtered: int = 0


def outlets_line(outlets: Sequence[str], shown: int = 2) -> str:
    """ "Reuters, BBC and 4 more" """
    outlets = [o for o in outlets if o]
    if len(outlets) <= shown + 1:
        if len(outlets) <= 1:
            return "".join(outlets)
        return ", ".join(outlets[:-1]) + " and " + outlets[-1]
    return ", ".join(outlets[:shown]) + f" and {len(outlets) - shown} more"


# -- stories of articles -----------------------------------------------------------------


def _stored_summary(
    store: NewsStore,
    article: dict[str, Any],
    settings: SummarySettings,
    known: Mapping[str, dict[str, Any]] | None = None,
) -> list[str] | None:
    stored = known.get(article["id"]) if known is not None else store.get_summary(article["id"])
    if is_current(stored, article, settings):
        return list(stored.get("sentences") or [])
    return None


def _full(store: NewsStore, article: dict[str, Any]) -> dict[str, Any]:
    """The whole article of a record that may be a light one (see ``StoryListing``)."""
    if "body" in article:
        return article
    return store.get_article(article["id"]) or {**article, "body": article.get("lead", "")}


def _summary_of(
    store: NewsStore,
    article: dict[str, Any],
    settings: SummarySettings,
    known: Mapping[str, dict[str, Any]] | None = None,
) -> list[str]:
    """An article's summary: the stored one if made with these settings, else made now;
    a headline-only item is its own summary. ``known`` holds summaries already read
    (a listing's: an article missing there has none stored)."""
    sentences = _stored_summary(store, article, settings, known)
    if sentences is None:
        try:
            sentences = summarize_record(_full(store, article), settings)
        except Exception:  # never fail a briefing over one article
            sentences = []
    return sentences or [article.get("headline", "")]


_BOUNDARY = re.compile(r"[.!?]\s")


def _with_body_lead(store: NewsStore, article: dict[str, Any]) -> dict[str, Any]:
    """A record whose ``body`` starts like the article's (what :func:`representative`
    reads: the headline and the first sentence): a light record's lead, unless the lead
    was cut before its first sentence ended, then the whole article."""
    if "body" in article:
        return article
    lead = article.get("lead", "")
    if article.get("body_cut") and not _BOUNDARY.search(lead.strip()):
        return _full(store, article)
    return {**article, "body": lead}


def story_for(store: NewsStore, article: dict[str, Any], settings: SummarySettings | None = None) -> Story:
    """The story of one article alone, with its stored summary if it was made with these
    settings, else one made now."""
    settings = settings or SummarySettings()
    return Story.from_article(article, _summary_of(store, article, settings))


def _hours(article: dict[str, Any]) -> float:
    return article_hours(article)


def _build_story(
    store: NewsStore,
    story_id: str,
    members: list[dict[str, Any]],
    settings: SummarySettings,
    *,
    score: float = 0.0,
    update: bool = False,
    known: Mapping[str, dict[str, Any]] | None = None,
) -> Story:
    """A Story from its member articles (in any order; whole or light records, with the
    summaries ``known`` already read)."""
    members = sorted(members, key=lambda a: (_hours(a), a.get("seq", 0)))
    if len(members) == 1:
        return Story.from_article(
            members[0], _summary_of(store, members[0], settings, known), story_id=story_id, score=score, update=update
        )
    read = members[:MAX_REPORTS]  # the first reports say what the story is
    rep = read[headline_choice([_with_body_lead(store, a) for a in read])]
    headline = clean_headline(rep.get("headline", ""))
    # the summary tells the main event only: the members close to the chosen headline
    core_at = main_event([_with_body_lead(store, a) for a in read], read.index(rep))
    core = [read[i] for i in core_at]
    summaries = {a["id"]: _summary_of(store, a, settings, known) for a in core}
    full = [a for a in core if len(summaries[a["id"]]) > 1]  # reports with more than a headline
    lead = rep if rep in full or not full else full[representative([_with_body_lead(store, a) for a in full])]
    ordered = [lead, *[a for a in full if a is not lead], *[a for a in core if a not in full and a is not lead]]
    summary = story_summary([summaries[a["id"]] for a in ordered], settings, headline) or [headline]
    reports = tuple(_report(a) for a in members)
    return Story(
        article_id=rep["id"],
        headline=headline,
        summary=tuple(summary),
        source=clean_outlet(rep.get("source") or rep.get("agency") or ""),
        date=max(a.get("date", "") for a in members),
        url=rep.get("url") or "",
        place=rep.get("place") or "",
        story_id=story_id,
        reports=reports,
        outlets=tuple(distinct_outlets(members)),
        score=score,
        update=update,
    )


def _members(store: NewsStore, article: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The story id of an article and every stored article of that story (the article
    alone, under its own id, if it has not been clustered yet)."""
    sid = store.story_id_of(article["id"])
    if sid is None:
        return "a" + article["id"], [article]
    record = store.get_story(sid) or {}
    members = [a for a in (store.get_article(aid) for aid in record.get("members", {})) if a is not None]
    return sid, members or [article]


def story_of_article(
    store: NewsStore,
    article: dict[str, Any],
    settings: SummarySettings | None = None,
    *,
    visible: SourceTest | None = None,
) -> Story | None:
    """The whole story an article is part of, summarized across its reports (with
    ``visible``, only the reports from those sources; ``None`` if the article is not one)."""
    if seen_through(article, visible) is None:
        return None
    sid, members = _members(store, article)
    members = _seen(members, visible) or _seen([article], visible)
    return _build_story(store, sid, members, settings or SummarySettings())


def story_by_id(
    store: NewsStore, story_id: str, settings: SummarySettings | None = None, *, visible: SourceTest | None = None
) -> Story | None:
    """A stored story by its id, summarized across its reports; ``None`` if it is gone
    (with ``visible``: or none of its reports is from those sources)."""
    record = store.get_story(story_id)
    if record is None:
        return None
    members = _seen((store.get_article(aid) for aid in record.get("members", {})), visible)
    if not members:
        return None
    return _build_story(store, story_id, members, settings or SummarySettings())


SourceTest = Callable[[str], bool]


def seen_through(article: dict[str, Any] | None, visible: SourceTest | None) -> dict[str, Any] | None:
    """An article as a reader who may only see the sources ``visible`` accepts sees it:
    ``None`` if none of its sources (its own and ``also_in``) is visible, else the article
    with only visible sources named (its ``source`` the first of them)."""
    if article is None or visible is None:
        return article
    names = [article.get("source") or article.get("agency") or "", *(article.get("also_in") or [])]
    shown = [n for n in names if n and visible(n)]
    if not shown:
        return None
    if shown == names:
        return article
    return {**article, "source": shown[0], "agency": "", "also_in": shown[1:]}


def _seen(articles: Iterable[dict[str, Any] | None], visible: SourceTest | None) -> list[dict[str, Any]]:
    return [a for a in (seen_through(x, visible) for x in articles) if a is not None]


def _ranked(
    store: NewsStore,
    listing: StoryListing,
    *,
    day_iso: str,
    topics: tuple[str, ...] = (),
    excluded: set[str] | None = None,
    settings: SummarySettings,
    visible: SourceTest | None = None,
    only: Callable[[dict[str, Any]], bool] | None = None,
) -> list[tuple[float, str, list[dict[str, Any]], bool]]:
    """The stories of a listing's articles (those ``only`` accepts), best first: (score,
    story id, member articles, is an update). See :func:`compose_briefing` for what is left out."""
    excluded = excluded or set()
    hours: dict[str, float] = {}

    def _hours(article: dict[str, Any]) -> float:  # read once per article
        h = hours.get(article["id"])
        if h is None:
            h = hours[article["id"]] = article_hours(article)
        return h

    candidates = _seen((a for a in listing.articles if only is None or only(a)), visible)
    groups: dict[str, list[dict[str, Any]]] = {}
    for article in candidates:
        sid = listing.story_of.get(article["id"])
        if sid is None:
            groups["a" + article["id"]] = [article]
        elif sid not in groups:
            groups[sid] = _seen(listing.members.get(sid) or [article], visible) or [article]
    day_start = day_start_hours(day_iso)
    rows = []
    for sid, members in groups.items():
        members = [a for a in members if a["date"] <= day_iso] or members
        sent = [a for a in members if a["id"] in excluded]
        fresh = [a for a in members if a["id"] not in excluded]
        if not fresh:
            continue
        update = bool(sent)  # sent before, and it has reports the chat has not seen: grown
        when = story_time(members, _hours)
        active = [a for a in members if abs(_hours(a) - when) <= ACTIVE_HOURS] or members
        score = importance(core_outlets(active), len(active), day_start - when)
        rows.append((score, when, sid, members, update))
    if topics and rows:
        texts = [
            " ".join(
                f"{a.get('headline', '')} "
                f"{' '.join((_stored_summary(store, a, settings, listing.summaries) or [])[:3])}"
                for a in members[:MAX_REPORTS]
            )
            for _score, _last, _sid, members, _update in rows
        ]
        relevance = topic_scores(texts, topics)
        top_rel = max(relevance, default=0.0) or 1.0
        top_imp = max(r[0] for r in rows) or 1.0
        rows = [
            (0.6 * rel / top_rel + 0.4 * row[0] / top_imp, *row[1:]) for row, rel in zip(rows, relevance) if rel > 0
        ]
    rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    return [(score, sid, members, update) for score, _last, sid, members, update in rows]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
SAME_EVENT_OVERLAP = 0.6  # headlines sharing this share of their event words tell one happening


def _same_event(a: Story, b: Story) -> bool:
    """Whether two stories' headlines tell the same happening (most of their event words
    shared, at least three): a story split in two takes one slot, not two."""
    x, y = set(event_words(a.headline)), set(event_words(b.headline))
    shared = len(x & y)
    nx, ny = set(_NUMBER.findall(a.headline)), set(_NUMBER.findall(b.headline))
    if nx and ny and not nx & ny:
        return False  # "report 3" and "report 4": the numbers tell them apart
    return shared >= 3 and shared >= SAME_EVENT_OVERLAP * min(len(x), len(y))


def compose_briefing(
    store: NewsStore,
    *,
    day: dt.date | str | None = None,
    topics: Iterable[str] = (),
    limit: int = 5,
    exclude: Iterable[str] = (),
    settings: SummarySettings | None = None,
    fallback: bool = True,
    visible: SourceTest | None = None,
    keep: Callable[[Story], bool] | None = None,
) -> Briefing:
    """The top ``limit`` stories of ``day`` (default today), ranked by :func:`importance`,
    or with ``topics`` by relevance to any of them (BM25 over headline and summary, 0.6)
    combined with importance (0.4); a story about none of them is left out.

    ``exclude`` holds article ids a chat was already sent: a story all of whose reports
    were sent is left out; one with reports the chat was not sent is kept and marked as
    an update.
    With ``fallback`` and no story on that day, the latest stories before it are used
    (with topics, only stories about them).

    ``visible`` restricts the briefing to articles from the sources it accepts (by source
    name; a report carried by a visible and a hidden source counts, with only the visible
    one named). ``keep`` drops stories it refuses (e.g. a chat's keyword filters); the
    next ones take their places.
    """
    settings = settings or SummarySettings()
    day = day or dt.date.today()
    day_iso = day if isinstance(day, str) else day.isoformat()
    topics = tuple(t.strip() for t in topics if t.strip())
    excluded = set(exclude)

    def pick(listing: StoryListing, only: Callable[[dict[str, Any]], bool] | None = None) -> tuple[list[Story], int]:
        """The stories chosen, and how many ``keep`` refused on the way."""
        rows = _ranked(
            store,
            listing,
            day_iso=day_iso,
            topics=topics,
            excluded=excluded,
            settings=settings,
            visible=visible,
            only=only,
        )
        known = listing.summaries
        chosen: list[Story] = []
        refused = 0
        for score, sid, members, update in rows:
            story = _build_story(store, sid, members, settings, score=round(score, 4), update=update, known=known)
            if keep is not None and not keep(story):
                refused += 1
                continue
            if any(_same_event(story, other) for other in chosen):
                continue  # the same happening in a second story: its slot goes to the next one
            chosen.append(story)
            if len(chosen) >= limit:
                break
        return chosen, refused

    chosen, refused = pick(store.story_listing(on_date=day_iso))
    used_fallback = False
    if not chosen and fallback:  # the latest stories' pass looks at today's again: its count stands
        chosen, refused = pick(store.story_listing(max(200, limit * 40)), only=lambda a: a["date"] <= day_iso)
        used_fallback = bool(chosen)
    return Briefing(day=day_iso, stories=chosen, topics=topics, fallback=used_fallback, filtered=refused)


def list_stories(store: NewsStore, *, day: str | None = None, limit: int = 50) -> list[Story]:
    """Stories with reports on ``day`` (default: the latest stored articles), best first,
    without summaries (``summary`` is empty): for listing and scripts."""
    settings = SummarySettings()
    listing = store.story_listing(on_date=day) if day else store.story_listing(max(500, limit * 20))
    day_iso = day or max((a["date"] for a in listing.articles), default="9999-12-31")
    out = []
    for score, sid, members, _update in _ranked(store, listing, day_iso=day_iso, settings=settings)[:limit]:
        members = sorted(members, key=lambda a: (_hours(a), a.get("seq", 0)))
        rep = members[headline_choice([_with_body_lead(store, a) for a in members[:MAX_REPORTS]])]
        out.append(
            Story(
                article_id=rep["id"],
                headline=clean_headline(rep.get("headline", "")),
                summary=(),
                source=rep.get("source") or rep.get("agency") or "",
                date=max(a.get("date", "") for a in members),
                url=rep.get("url") or "",
                place=rep.get("place") or "",
                story_id=sid,
                reports=tuple(_report(a) for a in members),
                outlets=tuple(distinct_outlets(members)),
                score=round(score, 4),
            )
        )
    return out


def _report(article: dict[str, Any]) -> Report:
    return Report(
        article["id"],
        article.get("headline", ""),
        article.get("source") or article.get("agency") or "",
        article.get("url") or "",
        article.get("date", ""),
    )


def find_articles(store: NewsStore, query: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Articles for what a person typed: an id (or its first characters), else keywords
    ranked by how many occur in the headline (weighted) and the body, newest first on ties."""
    query = query.strip()
    if not query:
        return []
    exact = store.get_article(query)
    if exact:
        return [exact]
    if re.fullmatch(r"[0-9a-f]{6,16}", query):
        hits = [store.get_article(i) for i in store.article_ids_starting(query, limit)]
        if hits:
            return [h for h in hits if h][:limit]
    terms = set(re.findall(r"\w+", query.casefold()))
    if not terms:
        return []

    def scored() -> Iterator[tuple[int, str, int, dict[str, Any]]]:
        for article in store.iter_articles():  # in pages: the store is never read whole into memory
            head = set(re.findall(r"\w+", article["headline"].casefold()))
            body = set(re.findall(r"\w+", article["body"].casefold()))
            score = 3 * len(terms & head) + len(terms & body)
            if score and terms <= head | body:
                yield score, article["date"], article.get("seq", 0), article

    return [row[3] for row in heapq.nlargest(limit, scored(), key=lambda row: row[:3])]


def story_json(story: Story) -> dict[str, Any]:
    """A story as JSON-ready data (``newsbrief brief --json`` and ``stories --json``)."""
    return {
        "story_id": story.story_id,
        "headline": story.headline,
        "summary": list(story.summary),
        "score": story.score,
        "update": story.update,
        "date": story.date,
        "outlets": list(story.outlets),
        "size": len(story.reports),
        "articles": [
            {"id": r.article_id, "url": r.url, "source": r.source, "headline": r.headline, "date": r.date}
            for r in story.reports
        ],
    }

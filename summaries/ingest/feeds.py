"""Web sources: RSS/Atom feeds and single pages, fetched on schedule; pages summarized on demand.

:func:`fetch_due` fetches the feed and page sources that are due, stores their articles and
remembers per source, in the ``sources`` table, what it needs next time:

* conditional requests: the ETag and Last-Modified of the last good answer are sent back
  (If-None-Match, If-Modified-Since); a 304 means nothing is parsed;
* the schedule: a source is fetched again ``every_minutes`` after its last attempt
  (0: every run);
* failures: status, reason and the number of consecutive failures; a failing source is
  retried after 1, 2, 4 ... minutes, at most :data:`BACKOFF_CAP_MINUTES`, and never stops
  the other sources.

Feeds are parsed by ``feedparser`` from the bytes fetched here (feedparser never fetches
anything), after :func:`refuse_entity_declarations` has refused any feed that declares its
own XML entities. An entry's text larger than ``[storage] max_article_bytes`` is skipped
before any cleaning; at most :data:`MAX_ENTRIES` entries of a feed are read, and at most
:data:`MAX_PAGES` teaser pages fetched for it, in one run. An entry that carries only a
teaser (under :data:`TEASER_CHARS` characters of text, or visibly cut off) is completed from
its linked page, whose main text is extracted by ``trafilatura`` from the HTML fetched here
(no comments, no tables, no links). Every article then goes through the same cleaning as
any other (:func:`parse_record`).

A feed feedparser could read is "ok", with what it noticed as the reason; only a feed from
which nothing could be read is an error. A source that could not be fetched because the
run's download budget (``[fetch] run_max_bytes``) or time budget (``[fetch] run_seconds``)
ran out is "postponed": due again next run, no backoff. So one slow site, or a feed whose
items link to slow pages, holds a run up for at most ``run_seconds``.

The same story in two sources is stored once: by canonical URL (the article id) and by
cleaned body (the content hash); the other sources are noted in the article's ``also_in``.

Every request goes through :mod:`summaries.ingest.fetch` (the one fetcher, its address policy
and its limits). Feed and page sources are fetched under the options' policy (by default
public addresses plus ``[fetch] allow_private_hosts``); a feed item's link never gets more
than that, even when the options allow private addresses.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import io
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.articles.model import Article, ArticleError
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.chat_sources import is_chat_source
from newsbrief.summaries.ingest.fetch import USER_AGENT, Fetcher, FetchOptions, Response, run_sync
from newsbrief.summaries.ingest.files import IngestReport
from newsbrief.summaries.ingest.pages import (
    HTML_ACCEPT,
    SourceError,
    extract_page,
    html_to_text,
    refuse_entity_declarations,
)
from newsbrief.summaries.store import NewsStore

__all__ = [
    "FetchOptions",
    "SourceError",
    "fetch_due",
    "backoff_minutes",
    "source_states",
    "state_for",
    "USER_AGENT",
    "TEASER_CHARS",
    "WEB_KINDS",
]

log = logging.getLogger(__name__)

TEASER_CHARS = 400  # entry text shorter than this is a teaser: the linked page is fetched
MAX_ENTRIES = 500  # entries read from one feed in one run (news feeds carry tens)
MAX_PAGES = 100  # teaser pages fetched for one feed in one run; the rest wait for the next run
BACKOFF_BASE_MINUTES = 1.0
BACKOFF_CAP_MINUTES = 60.0
WEB_KINDS = ("feed", "page")
_TRUNCATED_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading|more\s*»|»)\s*$", re.I)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


def _is_teaser(text: str, entry: Any, threshold: int) -> bool:
    if len(text) < threshold:
        return True
    return bool(_TRUNCATED_END.search(text[-40:]))


def _entry_date(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC).date().isoformat()
            except (OverflowError, ValueError, TypeError):
                continue
    return ""


class _TooLarge(Exception):
    pass


def _entry_text(entry: Any, cap: int) -> str:
    """The longest text of a feed entry; :class:`_TooLarge` past ``cap`` UTF-8 bytes
    (checked on the raw HTML first, then on the text, before any cleaning)."""
    candidates = [c.get("value", "") for c in entry.get("content") or [] if isinstance(c, dict)]
    candidates.append(entry.get("summary", "") or "")
    texts = []
    for c in candidates:
        if not c or not isinstance(c, str):
            continue
        if len(c) > cap:  # characters: at least as many bytes
            raise _TooLarge
        text = html_to_text(c)
        if len(text.encode("utf-8")) > cap:
            raise _TooLarge
        texts.append(text)
    return max(texts, key=len, default="")


def _url_id(url: str, scope: str = "") -> str:
    return Article(headline="", body="", date="", url=url, scope=scope).id


def _scope(source: Source) -> str:
    """A chat source's articles are its own copies (see ``Article.scope``); the operator's
    sources share one article per URL."""
    return source.name if is_chat_source(source.name) else ""


# -- one source -----------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What fetching one source gave."""

    source: Source
    status: str = "ok"  # "ok", "not modified", "error" or "postponed" (the run's byte or time budget ran out)
    reason: str = ""
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # entries: (where, reason)
    known: list[str] = field(default_factory=list)  # entry ids already stored, not refetched
    etag: str = ""
    last_modified: str = ""
    keep_validators: bool = True  # False: some entries failed; refetch the feed next time


def _feed_error(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    text = _parse_problem(exc) if exc else ""
    return f"not a readable feed ({text})" if text else "not a readable feed"


def _parse_problem(exc: BaseException) -> str:
    """A parse error in one line, without the parser's file-name prefix."""
    from xml.sax import SAXParseException

    if isinstance(exc, SAXParseException):
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    return _short(exc)


def _feed_warning(parsed: Any) -> str:
    """What to note about a feed feedparser could read, or '' (a charset or content type
    that feedparser resolved on its own is not a problem with the feed)."""
    import feedparser

    if not parsed.get("bozo"):
        return ""
    exc = parsed.get("bozo_exception")
    if isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)):
        log.debug("feed read despite: %s", exc)
        return ""
    return "feed not well-formed" + (f" ({_parse_problem(exc)})" if exc else "") + "; read what could be read"


def _usable(entry: Any) -> bool:
    return bool(entry.get("link") or entry.get("title") or entry.get("summary") or entry.get("content"))


@dataclass
class _Run:
    """What the sources of one run share."""

    fetcher: Fetcher
    store_ids: set[str]
    entry_cap: int  # UTF-8 bytes of one feed entry's text


async def _fetch_feed(run: _Run, source: Source, state: dict[str, Any]) -> _Outcome:
    import feedparser

    fetcher = run.fetcher
    out, resp = await _conditional_get(
        fetcher,
        source,
        state,
        "application/rss+xml, application/atom+xml, application/rdf+xml, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    )
    if resp.not_modified:
        return out
    await asyncio.to_thread(refuse_entity_declarations, resp.content)
    headers = {"content-location": resp.url}
    if resp.content_type:
        headers["content-type"] = resp.content_type
    # a stream of the fetched bytes, never a URL or bytes (feedparser would try those as a
    # URL or a file name): feedparser must not fetch or open anything itself
    parsed = await asyncio.to_thread(
        feedparser.parse,
        io.BytesIO(resp.content),
        response_headers=headers,
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    entries = [e for e in parsed.entries if _usable(e)]
    if parsed.get("bozo") and not entries:
        raise SourceError(_feed_error(parsed))  # broken, and nothing could be read from it
    if not entries and not parsed.get("version"):
        raise SourceError("not a feed (no RSS or Atom found)")
    notes = [_feed_warning(parsed)]
    if len(entries) > MAX_ENTRIES:
        notes.append(f"only the first {MAX_ENTRIES} of its {len(entries):,} entries read")
        entries = entries[:MAX_ENTRIES]
    out.reason = "; ".join(n for n in notes if n)
    # the language the operator declares for the source, else the feed's own: a hint for
    # items too short to tell, never above what an item's text says
    declared = source.language or str((parsed.get("feed") or {}).get("language") or "")
    if out.reason:
        log.info("source %r: %s", source.name, out.reason)
    pages = 0

    async def one(i: int, entry: Any) -> Article | None:
        link = (entry.get("link") or "").strip()
        where = f"{source.name}: {link[:300] or (entry.get('title') or '')[:100] or f'entry {i + 1}'}"
        try:
            title = html_to_text((entry.get("title", "") or "")[: run.entry_cap])
            text = _entry_text(entry, run.entry_cap)
        except _TooLarge:
            out.skipped.append((where, f"entry text larger than the cap of {run.entry_cap:,} bytes"))
            return None
        published = _entry_date(entry)
        if link and link.lower().startswith(("http://", "https://")) and _is_teaser(text, entry, TEASER_CHARS):
            if _url_id(link, _scope(source)) in run.store_ids:
                out.known.append(_url_id(link, _scope(source)))
                return None
            nonlocal pages
            pages += 1
            if pages > MAX_PAGES:  # left for the next run: the feed is read again then
                out.skipped.append((where, f"postponed: {MAX_PAGES} pages of this feed were fetched in this run"))
                out.keep_validators = False
                return None
            try:
                # a link inside a feed is the publisher's to choose: never a private address
                page_resp = await fetcher.get(link, accept=HTML_ACCEPT, from_content=True)
                page = await asyncio.to_thread(extract_page, page_resp, link)
            except SourceError as exc:
                if not text or exc.budget:
                    out.skipped.append((where, f"teaser only, and its page failed: {exc}"))
                    out.keep_validators = False
                    return None
                log.info("%s: page not usable (%s); keeping the feed's teaser", where, exc)
            else:
                if len(page["text"]) > len(text):
                    text = page["text"]
                    title = title or page["title"]
                    published = published or page["date"]
        if not text:
            out.skipped.append((where, "no text in the entry"))
            return None
        try:
            return parse_record(
                {"title": title, "text": text, "url": link, "published": published},
                source=source.name,
                scope=_scope(source),
                language=declared,
            )
        except ArticleError as exc:
            out.skipped.append((where, str(exc)))
            return None

    results = await asyncio.gather(*(one(i, e) for i, e in enumerate(entries)))
    out.articles = [a for a in results if a is not None]
    return out


async def _conditional_get(
    fetcher: Fetcher, source: Source, state: dict[str, Any], accept: str
) -> tuple[_Outcome, Response]:
    """GET a source with the validators of its last good answer; the outcome carries the
    validators to keep (the old ones on a 304)."""
    out = _Outcome(source)
    resp = await fetcher.get(
        source.location, etag=state.get("etag", ""), last_modified=state.get("last_modified", ""), accept=accept
    )
    if resp.not_modified:
        out.status = "not modified"
        out.etag = resp.etag or state.get("etag", "")
        out.last_modified = resp.last_modified or state.get("last_modified", "")
    else:
        out.etag, out.last_modified = resp.etag, resp.last_modified
    return out, resp


async def _fetch_page_source(run: _Run, source: Source, state: dict[str, Any]) -> _Outcome:
    out, resp = await _conditional_get(run.fetcher, source, state, HTML_ACCEPT)
    if resp.not_modified:
        return out
    page = await asyncio.to_thread(extract_page, resp, resp.url)
    try:
        article = parse_record(
            {"title": page["title"], "text": page["text"], "url": resp.url, "published": page["date"]},
            source=source.name,
            scope=_scope(source),
            language=source.language,
        )
    except ArticleError as exc:
        raise SourceError(str(exc)) from None
    out.articles = [article]
    return out


async def _fetch_one(run: _Run, source: Source, state: dict[str, Any]) -> _Outcome:
    try:
        if source.kind == "feed":
            return await _fetch_feed(run, source, state)
        return await _fetch_page_source(run, source, state)
    except SourceError as exc:
        return _Outcome(source, status="postponed" if exc.budget else "error", reason=str(exc))
    except Exception:  # a bug or a hostile document must not stop the others
        log.exception("source %r failed unexpectedly", source.name)
        return _Outcome(source, status="error", reason="failed unexpectedly (the log has the details)")


async def _fetch_all(
    sources: Sequence[Source],
    states: dict[str, dict[str, Any]],
    store_ids: set[str],
    options: FetchOptions,
    entry_cap: int,
    run_seconds: float = 0.0,
) -> tuple[list[_Outcome], int]:
    async with Fetcher(options) as fetcher:
        run = _Run(fetcher, store_ids, entry_cap)

        async def within_budget(source: Source) -> _Outcome:
            if not run_seconds:
                return await _fetch_one(run, source, states.get(source.name, {}))
            try:
                return await asyncio.wait_for(_fetch_one(run, source, states.get(source.name, {})), run_seconds)
            except TimeoutError:  # not the source's fault alone: due again next run, no backoff
                return _Outcome(source, status="postponed", reason=f"the run's time budget ({run_seconds:g} s) ran out")

        outcomes = await asyncio.gather(*(within_budget(s) for s in sources))
        return list(outcomes), fetcher.requests


# -- state and schedule ---------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def _parse_iso(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def backoff_minutes(failures: int) -> float:
    """Minutes to wait after ``failures`` consecutive failures: 1, 2, 4 ... capped."""
    if failures <= 0:
        return 0.0
    return min(BACKOFF_CAP_MINUTES, BACKOFF_BASE_MINUTES * 2 ** min(failures - 1, 20))


def source_states(store: NewsStore) -> dict[str, dict[str, Any]]:
    return {doc["name"]: doc for doc in store.documents("sources") if "name" in doc}


def state_for(states: dict[str, dict[str, Any]], source: Source) -> dict[str, Any]:
    state = states.get(source.name) or {}
    if state and (state.get("location") != source.location or state.get("kind") != source.kind):
        return {}  # the source was pointed elsewhere: start afresh
    return state


def _due(source: Source, state: dict[str, Any], now: dt.datetime) -> tuple[bool, str]:
    """Whether a source should be fetched now; if not, why (for the report) or ''."""
    next_attempt = _parse_iso(state.get("next_attempt"))
    if next_attempt is None or now >= next_attempt:
        return True, ""
    failures = int(state.get("failures") or 0)
    if failures:
        return False, (
            f"backing off after {failures} failure{'s' if failures > 1 else ''} "
            f"(last: {state.get('reason', '')}); next attempt {_iso(next_attempt)}"
        )
    return False, ""


def _save_states(store: NewsStore, records: Iterable[dict[str, Any]]) -> None:
    store.put_documents("sources", records)


# -- the run --------------------------------------------------------------------------------


def fetch_due(
    store: NewsStore,
    sources: Sequence[Source],
    settings: Settings,
    *,
    options: FetchOptions | None = None,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Fetch the feed and page sources that are due, store their articles, record each
    source's state. Failures are reported in ``skipped`` as (source name, reason)."""
    options = options or FetchOptions.from_settings(settings)
    now = now or _now()
    report = IngestReport()
    states = source_states(store)
    due: list[Source] = []
    for source in sources:
        if source.kind not in WEB_KINDS:
            continue
        ok, why = _due(source, state_for(states, source), now)
        if ok:
            due.append(source)
        elif why:
            report.skipped.append((source.name, why))
        else:
            log.debug("source %r not due yet", source.name)
    if not due:
        return report
    store_ids = set(store.article_ids())
    started = time.monotonic()
    outcomes, requests = run_sync(
        _fetch_all(
            due,
            {s.name: state_for(states, s) for s in due},
            store_ids,
            options,
            settings.storage.max_article_bytes,
            settings.fetch.run_seconds,
        )
    )
    log.info("fetched %d sources with %d requests in %.2f s", len(due), requests, time.monotonic() - started)
    _store_outcomes(store, outcomes, states, now, report)
    return report


def _store_outcomes(
    store: NewsStore,
    outcomes: list[_Outcome],
    states: dict[str, dict[str, Any]],
    now: dt.datetime,
    report: IngestReport,
) -> None:
    """One write for a run's results: the articles, then each source's new state."""
    with store.batch():
        _store_articles(store, outcomes, report)
        records = [_state_record(out, state_for(states, out.source), now, report) for out in outcomes]
        _save_states(store, records)


def _store_articles(store: NewsStore, outcomes: list[_Outcome], report: IngestReport) -> None:
    """Store the fetched articles; a story another source already holds (same id or the
    same text under another URL) is stored once, with this source noted on it."""
    pending: list[tuple[str, Article]] = []
    also: list[tuple[str, str]] = []
    seen: dict[str, str] = {}  # article id in this run -> first source
    for out in outcomes:
        for aid in out.known:
            also.append((aid, out.source.name))
            report.unchanged.append(aid)
        for article in out.articles:
            aid = article.id
            stored = store.get_article(aid)
            if stored is not None and stored.get("source") != out.source.name:
                also.append((aid, out.source.name))  # another source's story: noted, not replaced
                report.unchanged.append(aid)
                continue
            if aid in seen:
                if seen[aid] != out.source.name:
                    also.append((aid, out.source.name))
                continue
            seen[aid] = out.source.name
            pending.append((out.source.name, article))
        report.skipped += out.skipped
    if pending:
        result = store.upsert_articles(a for _, a in pending)
        report.added += result.added
        report.updated += result.updated
        report.unchanged += result.unchanged
        names = {a.id: name for name, a in pending}
        for aid, owner in result.duplicates:
            if owner != aid:
                # the same story under another URL: stored once, this source noted on it
                also.append((owner, names.get(aid, "")))
                report.unchanged.append(owner)
                log.info("%s: %s is the same story as stored article %s", names.get(aid, ""), aid, owner)
    if also:
        store.add_also_in(also)


def _state_record(out: _Outcome, old: dict[str, Any], now: dt.datetime, report: IngestReport) -> dict[str, Any]:
    """A source's state after this run: validators, status in plain words, backoff."""
    source = out.source
    record: dict[str, Any] = {
        "name": source.name,
        "kind": source.kind,
        "location": source.location,
        "last_attempt": _iso(now),
        "etag": old.get("etag", ""),
        "last_modified": old.get("last_modified", ""),
        "last_success": old.get("last_success", ""),
    }
    if out.status == "postponed":
        # the run's byte budget ran out: not the source's fault, due again next run
        log.warning("source %r postponed: %s", source.name, out.reason)
        report.skipped.append((source.name, out.reason))
        return record | {
            "status": "postponed",
            "reason": out.reason,
            "failures": int(old.get("failures") or 0),
            "next_attempt": _iso(now),
            "last_count": 0,
        }
    if out.status == "error":
        failures = int(old.get("failures") or 0) + 1
        wait = backoff_minutes(failures)
        log.warning(
            "source %r failed: %s (failure %d; next attempt in %g min)", source.name, out.reason, failures, wait
        )
        report.skipped.append((source.name, out.reason))
        return record | {
            "status": "error",
            "reason": out.reason,
            "failures": failures,
            "next_attempt": _iso(now + dt.timedelta(minutes=wait)),
            "last_count": 0,
        }
    if out.keep_validators or out.status == "not modified":
        record |= {"etag": out.etag, "last_modified": out.last_modified}
    else:
        record |= {"etag": "", "last_modified": ""}
    notes = [out.reason] if out.reason else []
    if out.skipped:
        notes.append(f"{len(out.skipped)} entr{'y' if len(out.skipped) == 1 else 'ies'} skipped")
    return record | {
        "status": out.status,
        "reason": "; ".join(notes),
        "failures": 0,
        "last_success": _iso(now),
        "next_attempt": _iso(now + dt.timedelta(minutes=source.every_minutes)),
        "last_count": len(out.articles),
    }

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
:data:`MAX_PAGES` teaser pages fetched for it, in one run. An entry that carries only a teaser (under :data:`TEASER_CHARS`
characters of text, or visibly cut off) is completed from its linked page, whose main text
is extracted by ``trafilatura`` from the HTML fetched here (no comments, no tables, no
links). Every article then goes through the same cleaning as any other
(:func:`parse_record`).

A feed feedparser could read is "ok", with what it noticed as the reason; only a feed from
which nothing could be read is an error. A source that could not be fetched because the
run's download budget ran out is "postponed": due again next run, no backoff.

The same story in two sources is stored once: by canonical URL (the article id) and by
cleaned body (the content hash); the other sources are noted in the article's ``also_in``.

Every request goes through :mod:`summaries.fetch` (the one fetcher, its address policy
and its limits). Feed and page sources are fetched under the options' policy (by default
public addresses plus ``[fetch] allow_private_hosts``); a feed item's link never gets more
than that, even when the options allow private addresses.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import html
import io
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit

from newsbrief.summaries.articles import Article, ArticleError, parse_record
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.fetch import (UNREACHABLE, USER_AGENT, FetchError, Fetcher, FetchOptions, Response, fetch,
                             run_sync)
from newsbrief.summaries.ingest import IngestReport
from newsbrief.summaries.store import Store

__all__ = [
    "FetchOptions",
    "SourceError",
    "SourceStatus",
    "fetch_due",
    "source_status",
    "summarize_url",
    "extract_page",
    "refuse_entity_declarations",
    "USER_AGENT",
    "TEASER_CHARS",
]

log = logging.getLogger(__name__)

TEASER_CHARS = 400  # entry text shorter than this is a teaser: the linked page is fetched
MAX_ENTRIES = 500  # entries read from one feed in one run (news feeds carry tens)
MAX_PAGES = 100  # teaser pages fetched for one feed in one run; the rest wait for the next run
BACKOFF_BASE_MINUTES = 1.0
BACKOFF_CAP_MINUTES = 60.0
WEB_KINDS = ("feed", "page")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_TRUNCATED_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading|more\s*»|»)\s*$", re.I)

#: A source or page that cannot be used; the message is one plain line saying why. The
#: same class as :class:`summaries.fetch.FetchError` (``refused`` and ``budget`` included).
SourceError = FetchError


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


# -- parsing guards ---------------------------------------------------------------------------

_HEAD_END = re.compile(rb"<\w")
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.I)


class _PrologDone(Exception):
    pass


def refuse_entity_declarations(data: bytes) -> None:
    """Raise :class:`SourceError` if an XML document declares entities (``<!ENTITY``) in
    its prolog: their expansion is unbounded (billion laughs, one large entity referenced
    many times), and feedparser's fallback parser expands the ones it deems safe. Checked
    with defusedxml's expat parser up to the first element, and on the raw bytes before
    the first element (as feedparser itself finds them), so a prolog expat cannot read
    does not slip through."""
    from defusedxml import DefusedXmlException
    from defusedxml.expatreader import DefusedExpatParser
    from xml.sax import SAXException
    from xml.sax.handler import ContentHandler, feature_external_ges, feature_external_pes

    class _Stop(ContentHandler):
        def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (sax API)
            raise _PrologDone

        def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:  # noqa: N802
            raise _PrologDone

    refusal = SourceError("refused: the feed declares its own XML entities (<!ENTITY>), "
                          "which could expand without bound")
    head = data.replace(b"\x00", b"")  # UTF-16 and UTF-32: the ASCII of the markup remains
    m = _HEAD_END.search(head)
    if _ENTITY_DECL.search(head[:m.start()] if m else head):
        raise refusal
    # an external DTD (old RSS 0.91 feeds name one) is allowed: it is never loaded
    parser = DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=False)
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    parser.setContentHandler(_Stop())
    try:
        parser.feed(data)
        parser.close()
    except _PrologDone:
        pass
    except DefusedXmlException:
        raise refusal from None
    except (SAXException, ValueError, LookupError):
        pass  # not well-formed before the first element: the byte check above has decided


# -- text -----------------------------------------------------------------------------------

_BLOCK_END = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr|/section|/article)\s*>")
_DROP = re.compile(r"(?is)<\s*(script|style|noscript|iframe|svg)\b.*?<\s*/\s*\1\s*>")
_TAG = re.compile(r"(?s)<[^>]*>")


def html_to_text(fragment: str) -> str:
    """Plain text of a feed entry's HTML: tags out, entities decoded, paragraphs kept."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    text = _DROP.sub(" ", fragment)
    text = _BLOCK_END.sub("\n\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    return m[1] if m else None


def _looks_like_html(resp: Response) -> bool:
    ctype = resp.content_type.split(";", 1)[0].strip().lower()
    if ctype:
        return ctype in _HTML_TYPES
    head = resp.content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def extract_page(resp_or_html: Any, url: str = "") -> dict[str, str]:
    """Main text, title and date of an HTML page with trafilatura (no fetching, no
    comments, no tables, no links; boilerplate removed). Raises SourceError."""
    import trafilatura

    if isinstance(resp_or_html, Response):
        resp = resp_or_html
        if not _looks_like_html(resp):
            ctype = resp.content_type.split(";", 1)[0].strip() or "unknown type"
            raise SourceError(f"not an HTML page ({ctype})")
        charset = _charset(resp.content_type)
        content: bytes | str = resp.content
        if charset:
            try:
                content = resp.content.decode(charset, errors="replace")
            except LookupError:
                pass
        url = url or resp.url
    else:
        content = resp_or_html
    if not content or not (content.strip() if isinstance(content, (str, bytes)) else True):
        raise SourceError("empty page")
    try:
        doc = trafilatura.bare_extraction(
            content,
            url=url or None,
            include_comments=False,
            include_tables=False,
            include_links=False,
            include_images=False,
            with_metadata=True,
            favor_precision=True,
        )
    except Exception as exc:  # trafilatura raises a variety on hostile HTML
        log.info("trafilatura failed on %s: %s: %s", url, type(exc).__name__, _short(exc))
        raise SourceError("could not read the page") from None
    if doc is None:
        raise SourceError("no article text found on the page")
    data = doc if isinstance(doc, dict) else (doc.as_dict() if hasattr(doc, "as_dict") else vars(doc))
    text = (data.get("text") or data.get("raw_text") or "").strip()
    if not text:
        raise SourceError("no article text found on the page")
    # trafilatura puts one paragraph per line; the cleaner wants blank lines between them
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    title = " ".join((data.get("title") or "").split())
    if len(paragraphs) > 1 and title and _fold(paragraphs[0]) == _fold(title):
        paragraphs = paragraphs[1:]  # the page's heading, not the story's first paragraph
    text = "\n\n".join(paragraphs)
    return {
        "title": title,
        "text": text,
        "date": (data.get("date") or "").strip(),
        "sitename": (data.get("sitename") or "").strip(),
    }


def _fold(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _is_teaser(text: str, entry: Any, threshold: int) -> bool:
    if len(text) < threshold:
        return True
    return bool(_TRUNCATED_END.search(text[-40:]))


def _entry_date(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(value), dt.timezone.utc).date().isoformat()
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


def _url_id(url: str) -> str:
    return Article(headline="", body="", date="", url=url).id


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


# -- one source -----------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What fetching one source gave."""

    source: Source
    status: str = "ok"  # "ok", "not modified", "error" or "postponed" (the run's byte budget ran out)
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
        fetcher, source, state,
        "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    )
    if resp.not_modified:
        return out
    await asyncio.to_thread(refuse_entity_declarations, resp.content)
    headers = {"content-location": resp.url}
    if resp.content_type:
        headers["content-type"] = resp.content_type
    # a stream of the fetched bytes, never a URL or bytes (feedparser would try those as a
    # URL or a file name): feedparser must not fetch or open anything itself
    parsed = await asyncio.to_thread(feedparser.parse, io.BytesIO(resp.content), response_headers=headers, resolve_relative_uris=True, sanitize_html=True)
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
    if out.reason:
        log.info("source %r: %s", source.name, out.reason)
    pages = 0

    async def one(i: int, entry: Any) -> Article | None:
        link = (entry.get("link") or "").strip()
        where = f"{source.name}: {link[:300] or (entry.get('title') or '')[:100] or f'entry {i + 1}'}"
        try:
            title = html_to_text((entry.get("title", "") or "")[:run.entry_cap])
            text = _entry_text(entry, run.entry_cap)
        except _TooLarge:
            out.skipped.append((where, f"entry text larger than the cap of {run.entry_cap:,} bytes"))
            return None
        published = _entry_date(entry)
        if link and link.lower().startswith(("http://", "https://")) and _is_teaser(text, entry, TEASER_CHARS):
            if _url_id(link) in run.store_ids:
                out.known.append(_url_id(link))
                return None
            nonlocal pages
            pages += 1
            if pages > MAX_PAGES:  # left for the next run: the feed is read again then
                out.skipped.append((where, f"postponed: {MAX_PAGES} pages of this feed were fetched in this run"))
                out.keep_validators = False
                return None
            try:
                # a link inside a feed is the publisher's to choose: never a private address
                page_resp = await fetcher.get(link, accept=_HTML_ACCEPT, from_content=True)
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
            return parse_record({"title": title, "text": text, "url": link, "published": published}, source=source.name)
        except ArticleError as exc:
            out.skipped.append((where, str(exc)))
            return None

    results = await asyncio.gather(*(one(i, e) for i, e in enumerate(entries)))
    out.articles = [a for a in results if a is not None]
    return out


async def _conditional_get(fetcher: Fetcher, source: Source, state: dict[str, Any],
                           accept: str) -> "tuple[_Outcome, Response]":
    """GET a source with the validators of its last good answer; the outcome carries the
    validators to keep (the old ones on a 304)."""
    out = _Outcome(source)
    resp = await fetcher.get(source.location, etag=state.get("etag", ""),
                             last_modified=state.get("last_modified", ""), accept=accept)
    if resp.not_modified:
        out.status = "not modified"
        out.etag = resp.etag or state.get("etag", "")
        out.last_modified = resp.last_modified or state.get("last_modified", "")
    else:
        out.etag, out.last_modified = resp.etag, resp.last_modified
    return out, resp


async def _fetch_page_source(run: _Run, source: Source, state: dict[str, Any]) -> _Outcome:
    out, resp = await _conditional_get(run.fetcher, source, state, _HTML_ACCEPT)
    if resp.not_modified:
        return out
    page = await asyncio.to_thread(extract_page, resp, resp.url)
    try:
        article = parse_record({"title": page["title"], "text": page["text"], "url": resp.url, "published": page["date"]},
                               source=source.name)
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


async def _fetch_all(sources: Sequence[Source], states: dict[str, dict[str, Any]], store_ids: set[str],
                     options: FetchOptions, entry_cap: int) -> tuple[list[_Outcome], int]:
    async with Fetcher(options) as fetcher:
        run = _Run(fetcher, store_ids, entry_cap)
        outcomes = await asyncio.gather(*(_fetch_one(run, s, states.get(s.name, {})) for s in sources))
        return list(outcomes), fetcher.requests


# -- state and schedule ---------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _parse_iso(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def backoff_minutes(failures: int) -> float:
    """Minutes to wait after ``failures`` consecutive failures: 1, 2, 4 ... capped."""
    if failures <= 0:
        return 0.0
    return min(BACKOFF_CAP_MINUTES, BACKOFF_BASE_MINUTES * 2 ** min(failures - 1, 20))


def _states(store: Store) -> dict[str, dict[str, Any]]:
    return {doc["name"]: doc for doc in store.documents("sources") if "name" in doc}


def _state_for(states: dict[str, dict[str, Any]], source: Source) -> dict[str, Any]:
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
        return False, (f"backing off after {failures} failure{'s' if failures > 1 else ''} "
                       f"(last: {state.get('reason', '')}); next attempt {_iso(next_attempt)}")
    return False, ""


def _save_states(store: Store, records: Iterable[dict[str, Any]]) -> None:
    store.put_documents("sources", records)


# -- the run --------------------------------------------------------------------------------


def fetch_due(store: Store, sources: Sequence[Source], settings: Settings, *,
              options: FetchOptions | None = None, now: dt.datetime | None = None) -> IngestReport:
    """Fetch the feed and page sources that are due, store their articles, record each
    source's state. Failures are reported in ``skipped`` as (source name, reason)."""
    options = options or FetchOptions.from_settings(settings)
    now = now or _now()
    report = IngestReport()
    states = _states(store)
    due: list[Source] = []
    for source in sources:
        if source.kind not in WEB_KINDS:
            continue
        ok, why = _due(source, _state_for(states, source), now)
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
    outcomes, requests = run_sync(_fetch_all(due, {s.name: _state_for(states, s) for s in due}, store_ids, options,
                                             settings.storage.max_article_bytes))
    log.info("fetched %d sources with %d requests in %.2f s", len(due), requests, time.monotonic() - started)
    _store_outcomes(store, outcomes, states, now, report)
    return report


def _store_outcomes(store: Store, outcomes: list[_Outcome], states: dict[str, dict[str, Any]],
                    now: dt.datetime, report: IngestReport) -> None:
    """One write for a run's results: the articles, then each source's new state."""
    with store.batch():
        _store_articles(store, outcomes, report)
        records = [_state_record(out, _state_for(states, out.source), now, report) for out in outcomes]
        _save_states(store, records)


def _store_articles(store: Store, outcomes: list[_Outcome], report: IngestReport) -> None:
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
        log.warning("source %r failed: %s (failure %d; next attempt in %g min)", source.name, out.reason, failures, wait)
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


# -- status, for the CLI --------------------------------------------------------------------


@dataclass(frozen=True)
class SourceStatus:
    """One configured source as ``newsbrief sources`` shows it."""

    name: str
    kind: str
    location: str
    last_attempt: str = ""
    status: str = ""  # "ok", "not modified", "error: reason", "never fetched", or "" (not fetched by this module)
    next_attempt: str = ""
    failures: int = 0
    articles: int = 0  # stored articles that came from this source
    also_in: int = 0  # stored articles of other sources this one carried too


def source_status(store: Store, sources: Sequence[Source]) -> list[SourceStatus]:
    """The state of each configured source, with its stored article counts."""
    states = _states(store)
    own: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    for article in store.iter_articles():
        own[article.get("source") or ""] += 1
        for name in article.get("also_in") or ():
            shared[name] += 1
    rows = []
    for source in sources:
        state = _state_for(states, source) if source.kind in WEB_KINDS else {}
        if source.kind not in WEB_KINDS:
            status = "read from disk every run"
        elif not state:
            status = "never fetched"
        elif state.get("status") == "error":
            status = f"error: {state.get('reason', '')}"
        else:
            status = state.get("status", "ok") + (f" ({state['reason']})" if state.get("reason") else "")
        rows.append(SourceStatus(
            name=source.name,
            kind=source.kind,
            location=source.location,
            last_attempt=state.get("last_attempt", ""),
            status=status,
            next_attempt=state.get("next_attempt", "") if state else "",
            failures=int(state.get("failures") or 0),
            articles=own.get(source.name, 0),
            also_in=shared.get(source.name, 0),
        ))
    return rows


# -- one page on demand ---------------------------------------------------------------------


def summarize_url(url: str, settings: Settings, *, options: FetchOptions | None = None) -> Any:
    """Fetch one web page, extract its article, clean and summarize it: a
    :class:`summaries.briefing.Story` (not stored). Raises :class:`SourceError` with a
    plain one-line reason.

    The default options are a chat user's: public addresses only, plus the hosts the
    operator allows in ``[fetch] allow_private_hosts``; every refusal (a private address,
    a name that does not resolve, at any redirect hop) is told as the same
    :data:`summaries.fetch.UNREACHABLE`, whatever is or is not listening there. Pass
    ``options`` with ``allow_private=True`` for the operator's own command line.
    """
    from newsbrief.summaries.briefing import Story
    from newsbrief.summaries.summarizer import summarize_article

    options = options or FetchOptions.from_settings(settings)
    try:
        resp = fetch(url, options, accept=_HTML_ACCEPT)
    except SourceError as exc:
        if exc.refused and not options.allow_private:
            log.info("summary of %s refused: %s", url[:300], exc)
            raise SourceError(UNREACHABLE, refused=True) from None
        raise
    if resp.not_modified:  # we sent no validators; a broken server
        raise SourceError("the server sent no page (HTTP 304)")
    page = extract_page(resp, resp.url)
    host = _host(resp.url) or _host(url)
    try:
        article = parse_record({"title": page["title"], "text": page["text"], "url": resp.url, "published": page["date"]},
                               source=host)
    except ArticleError as exc:
        raise SourceError(str(exc)) from None
    sentences = summarize_article(article.body, settings.summaries)
    if not sentences:
        raise SourceError("no sentence of the page could be chosen for a summary")
    return Story.from_article(article.to_record(), sentences)

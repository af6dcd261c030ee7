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
anything). An entry that carries only a teaser (under :data:`TEASER_CHARS` characters of
text, or visibly cut off) is completed from its linked page, whose main text is extracted
by ``trafilatura`` from the HTML fetched here (no comments, no tables, no links). Every
article then goes through the same cleaning as any other (:func:`parse_record`).

The same story in two sources is stored once: by canonical URL (the article id) and by
cleaned body (the content hash); the other sources are noted in the article's ``also_in``.

HTTP rules, for feeds, pages and :func:`summarize_url` alike (:class:`FetchOptions`): a
clear User-Agent, connect/read timeouts and an overall deadline, a size cap (the body is
streamed and the transfer aborted past it), at most :data:`MAX_REDIRECTS` redirects, and at
most :data:`CONCURRENCY` requests at once.
"""

from __future__ import annotations

import asyncio
import calendar
import concurrent.futures
import datetime as dt
import html
import io
import ipaddress
import logging
import re
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit

import httpx

from summaries.articles import Article, ArticleError, parse_record
from summaries.config import Settings, Source
from summaries.ingest import IngestReport
from summaries.store import Store

__all__ = [
    "FetchOptions",
    "SourceError",
    "SourceStatus",
    "fetch_due",
    "source_status",
    "summarize_url",
    "extract_page",
    "USER_AGENT",
    "TEASER_CHARS",
]

log = logging.getLogger(__name__)

USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief; news briefing bot)"
DEFAULT_TIMEOUT = 10.0  # seconds, for connecting and for each read
DEADLINE_FACTOR = 3  # a whole response must arrive within this many timeouts
MAX_REDIRECTS = 5
CONCURRENCY = 4
TEASER_CHARS = 400  # entry text shorter than this is a teaser: the linked page is fetched
BACKOFF_BASE_MINUTES = 1.0
BACKOFF_CAP_MINUTES = 60.0
WEB_KINDS = ("feed", "page")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TRUNCATED_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading|more\s*»|»)\s*$", re.I)


class SourceError(Exception):
    """A source or page that cannot be used; the message is one plain line saying why."""


@dataclass(frozen=True)
class FetchOptions:
    """How pages and feeds are fetched. Defaults suit production; tests shrink them."""

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = 5 * 1024 * 1024
    concurrency: int = CONCURRENCY
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    teaser_chars: int = TEASER_CHARS
    allow_private: bool = True  # may fetch loopback / private network addresses
    trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> "FetchOptions":
        return cls(max_bytes=settings.storage.max_article_bytes, **overrides)


@dataclass(frozen=True)
class _Response:
    url: str  # after redirects
    status: int
    content: bytes
    content_type: str
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# -- HTTP ---------------------------------------------------------------------------------


def _run(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code, even if this thread already
    runs an event loop (then in a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _is_public_address(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return True  # the request itself will fail with a clear DNS error
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not addr.is_global:
            return False
    return True


class _Fetcher:
    """An async httpx client with the fetch rules, shared by one run."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.requests = 0
        self._semaphore = asyncio.Semaphore(max(1, options.concurrency))
        hooks = {"request": [self._check_host]} if not options.allow_private else {}
        self.client = httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=options.max_redirects,
            timeout=httpx.Timeout(options.timeout),
            headers={"User-Agent": options.user_agent},
            limits=httpx.Limits(max_connections=max(1, options.concurrency) * 2),
            trust_env=options.trust_env,
            event_hooks=hooks,
        )

    async def _check_host(self, request: httpx.Request) -> None:
        host = request.url.host
        if not await asyncio.to_thread(_is_public_address, host):
            raise SourceError(f"{host} is a local or private network address; not fetched")

    async def __aenter__(self) -> "_Fetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def get(self, url: str, *, etag: str = "", last_modified: str = "", accept: str = "*/*") -> _Response:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._semaphore:
            self.requests += 1
            try:
                return await asyncio.wait_for(self._get(url, headers), self.options.timeout * DEADLINE_FACTOR)
            except SourceError:
                raise
            except (asyncio.TimeoutError, httpx.TimeoutException):
                raise SourceError(f"timed out (no answer within {self.options.timeout:g} s)") from None
            except httpx.TooManyRedirects:
                raise SourceError(f"too many redirects (more than {self.options.max_redirects})") from None
            except httpx.ConnectError as exc:
                raise SourceError(f"cannot connect: {_short(exc) or 'connection failed'}") from None
            except httpx.InvalidURL as exc:
                raise SourceError(f"invalid URL: {_short(exc)}") from None
            except httpx.HTTPError as exc:
                raise SourceError(f"{type(exc).__name__}: {_short(exc) or 'request failed'}") from None

    async def _get(self, url: str, headers: dict[str, str]) -> _Response:
        cap = self.options.max_bytes
        async with self.client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 304:
                return _Response(str(resp.url), 304, b"", "", resp.headers.get("etag", ""), resp.headers.get("last-modified", ""))
            if resp.status_code >= 400:
                raise SourceError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise SourceError(f"too large ({int(declared):,} bytes, the cap is {cap:,}); not downloaded")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():  # decoded: the cap also stops zip bombs
                size += len(chunk)
                if size > cap:
                    raise SourceError(f"too large (more than the cap of {cap:,} bytes); download aborted")
                chunks.append(chunk)
            body = b"".join(chunks)
            return _Response(
                url=str(resp.url),
                status=resp.status_code,
                content=body,
                content_type=resp.headers.get("content-type", ""),
                etag=resp.headers.get("etag", ""),
                last_modified=resp.headers.get("last-modified", ""),
            )


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


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


def _looks_like_html(resp: _Response) -> bool:
    ctype = resp.content_type.split(";", 1)[0].strip().lower()
    if ctype:
        return ctype in _HTML_TYPES
    head = resp.content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def extract_page(resp_or_html: Any, url: str = "") -> dict[str, str]:
    """Main text, title and date of an HTML page with trafilatura (no fetching, no
    comments, no tables, no links; boilerplate removed). Raises SourceError."""
    import trafilatura

    if isinstance(resp_or_html, _Response):
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
        raise SourceError(f"could not read the page ({type(exc).__name__})") from None
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


def _entry_text(entry: Any) -> str:
    candidates = [c.get("value", "") for c in entry.get("content") or [] if isinstance(c, dict)]
    candidates.append(entry.get("summary", "") or "")
    texts = [html_to_text(c) for c in candidates if c]
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
    status: str = "ok"  # "ok", "not modified" or "error"
    reason: str = ""
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # entries: (where, reason)
    known: list[str] = field(default_factory=list)  # entry ids already stored, not refetched
    etag: str = ""
    last_modified: str = ""
    keep_validators: bool = True  # False: some entries failed; refetch the feed next time


def _feed_error(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    text = _short(exc) if exc else ""
    return f"not a readable feed ({text})" if text else "not a readable feed"


async def _fetch_feed(fetcher: _Fetcher, store_ids: set[str], source: Source, state: dict[str, Any]) -> _Outcome:
    import feedparser

    out, resp = await _conditional_get(
        fetcher, source, state,
        "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    )
    if resp.not_modified:
        return out
    headers = {"content-location": resp.url}
    if resp.content_type:
        headers["content-type"] = resp.content_type
    # a stream of the fetched bytes, never a URL or bytes (feedparser would try those as a
    # URL or a file name): feedparser must not fetch or open anything itself
    parsed = await asyncio.to_thread(feedparser.parse, io.BytesIO(resp.content), response_headers=headers, resolve_relative_uris=True, sanitize_html=True)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        raise SourceError(_feed_error(parsed) if parsed.get("bozo") else "not a feed (no RSS or Atom found)")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        out.reason = "feed not well-formed" + (f" ({_short(exc)})" if exc else "") + "; read what could be read"
        log.info("source %r: %s", source.name, out.reason)

    async def one(i: int, entry: Any) -> Article | None:
        link = (entry.get("link") or "").strip()
        where = f"{source.name}: {link or entry.get('title') or f'entry {i + 1}'}"
        title = html_to_text(entry.get("title", "") or "")
        text = _entry_text(entry)
        published = _entry_date(entry)
        if link and link.startswith(("http://", "https://")) and _is_teaser(text, entry, fetcher.options.teaser_chars):
            if _url_id(link) in store_ids:
                out.known.append(_url_id(link))
                return None
            try:
                page_resp = await fetcher.get(link, accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
                page = await asyncio.to_thread(extract_page, page_resp, link)
            except SourceError as exc:
                if not text:
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

    results = await asyncio.gather(*(one(i, e) for i, e in enumerate(parsed.entries)))
    out.articles = [a for a in results if a is not None]
    if parsed.get("bozo") and not out.articles and not out.known:
        raise SourceError(_feed_error(parsed))  # broken, and nothing usable could be recovered
    return out


async def _conditional_get(fetcher: "_Fetcher", source: Source, state: dict[str, Any],
                           accept: str) -> "tuple[_Outcome, _Response]":
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


async def _fetch_page_source(fetcher: _Fetcher, source: Source, state: dict[str, Any]) -> _Outcome:
    out, resp = await _conditional_get(fetcher, source, state, "text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
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


async def _fetch_one(fetcher: _Fetcher, store_ids: set[str], source: Source, state: dict[str, Any]) -> _Outcome:
    try:
        if source.kind == "feed":
            return await _fetch_feed(fetcher, store_ids, source, state)
        return await _fetch_page_source(fetcher, source, state)
    except SourceError as exc:
        return _Outcome(source, status="error", reason=str(exc))
    except Exception as exc:  # a bug or a hostile document must not stop the others
        log.exception("source %r failed unexpectedly", source.name)
        return _Outcome(source, status="error", reason=f"{type(exc).__name__}: {_short(exc)}")


async def _fetch_all(sources: Sequence[Source], states: dict[str, dict[str, Any]], store_ids: set[str],
                     options: FetchOptions) -> tuple[list[_Outcome], int]:
    async with _Fetcher(options) as fetcher:
        outcomes = await asyncio.gather(*(_fetch_one(fetcher, store_ids, s, states.get(s.name, {})) for s in sources))
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
    outcomes, requests = _run(_fetch_all(due, {s.name: _state_for(states, s) for s in due}, store_ids, options))
    log.info("fetched %d sources with %d requests in %.2f s", len(due), requests, time.monotonic() - started)
    _store_outcomes(store, outcomes, states, now, report)
    return report


def _store_outcomes(store: Store, outcomes: list[_Outcome], states: dict[str, dict[str, Any]],
                    now: dt.datetime, report: IngestReport) -> None:
    with store.batch():
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

        records = []
        for out in outcomes:
            source = out.source
            old = _state_for(states, source)
            record: dict[str, Any] = {
                "name": source.name,
                "kind": source.kind,
                "location": source.location,
                "last_attempt": _iso(now),
                "etag": old.get("etag", ""),
                "last_modified": old.get("last_modified", ""),
                "last_success": old.get("last_success", ""),
            }
            if out.status == "error":
                failures = int(old.get("failures") or 0) + 1
                wait = backoff_minutes(failures)
                log.warning("source %r failed: %s (failure %d; next attempt in %g min)", source.name, out.reason, failures, wait)
                report.skipped.append((source.name, out.reason))
                record |= {
                    "status": "error",
                    "reason": out.reason,
                    "failures": failures,
                    "next_attempt": _iso(now + dt.timedelta(minutes=wait)),
                    "last_count": 0,
                }
            else:
                if out.keep_validators or out.status == "not modified":
                    record |= {"etag": out.etag, "last_modified": out.last_modified}
                else:
                    record |= {"etag": "", "last_modified": ""}
                notes = [out.reason] if out.reason else []
                if out.skipped:
                    notes.append(f"{len(out.skipped)} entr{'y' if len(out.skipped) == 1 else 'ies'} skipped")
                reason = "; ".join(notes)
                record |= {
                    "status": out.status,
                    "reason": reason,
                    "failures": 0,
                    "last_success": _iso(now),
                    "next_attempt": _iso(now + dt.timedelta(minutes=source.every_minutes)),
                    "last_count": len(out.articles),
                }
            records.append(record)
        _save_states(store, records)


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


async def _fetch_for_summary(url: str, options: FetchOptions) -> _Response:
    async with _Fetcher(options) as fetcher:
        return await fetcher.get(url, accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")


def summarize_url(url: str, settings: Settings, *, options: FetchOptions | None = None) -> Any:
    """Fetch one web page, extract its article, clean and summarize it: a
    :class:`summaries.briefing.Story` (not stored). Raises :class:`SourceError` with a
    plain one-line reason.

    By default pages on loopback or private network addresses are refused (the URL comes
    from a chat user); pass ``options`` with ``allow_private=True`` to allow them.
    """
    from summaries.briefing import Story
    from summaries.summarizer import summarize_article

    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError("that is not an http(s) web address")
    options = options or FetchOptions.from_settings(settings, allow_private=False)
    resp = _run(_fetch_for_summary(url, options))
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
    return Story(
        article_id=article.id,
        headline=article.headline,
        summary=tuple(sentences),
        source=host,
        date=article.date,
        url=article.url,
        place=article.place,
    )

"""Sources that chats add themselves: discovery of a feed behind a URL, and the catalog.

A chat's source is a feed or a page, named ``u:`` + a hash of its URL, so that a feed
several chats add is one source, fetched once per run by :func:`summaries.ingest.feeds.fetch_due`
like the operator's. The catalog (the ``chat_sources`` table, keyed by ``name``) holds
each such source once, with its URL, kind and title; which chats read it is the chats'
own business (each chat keeps the names it added).

Every request made here goes through the safe fetcher under the chat users' policy
(public addresses, plus ``[fetch] allow_private_hosts``); every refusal is told as the one
:data:`summaries.ingest.fetch.UNREACHABLE`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.fetch import (
    UNREACHABLE,
    FetchError,
    FetchOptions,
    Response,
    fetch,
    normalise_host,
    parse_url,
)
from newsbrief.summaries.ingest.pages import extract_page, html_to_text, refuse_entity_declarations

__all__ = [
    "TABLE",
    "PREFIX",
    "Found",
    "source_name",
    "is_chat_source",
    "host_allowed",
    "discover",
    "catalog",
    "catalog_sources",
    "add_to_catalog",
    "drop_unused",
]

log = logging.getLogger(__name__)

TABLE = "chat_sources"
PREFIX = "u:"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class Found:
    """What a URL turned out to be: a feed (maybe discovered from a page) or a page."""

    kind: str  # "feed" or "page"
    location: str  # the URL to fetch from now on
    title: str
    latest: str  # the newest headline ('' if none)

    @property
    def name(self) -> str:
        return source_name(self.location)


def source_name(url: str) -> str:
    """The stable source name of a URL a chat added (the same for every chat)."""
    return PREFIX + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:12]


def is_chat_source(name: str) -> bool:
    return name.startswith(PREFIX)


def host_allowed(url: str, allowed: Iterable[str]) -> bool:
    """Whether the URL's host is one of ``allowed`` or under one (an empty list allows all)."""
    allowed = [normalise_host(h) for h in allowed]
    if not allowed:
        return True
    try:
        host = parse_url(url).host.lower()
    except FetchError:
        return False
    return any(host == h or host.endswith("." + h) for h in allowed)


class _AlternateLinks(HTMLParser):
    """The feeds a page names in ``<link rel="alternate" type="application/rss+xml" href>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        if "alternate" in rels and a.get("type", "").split(";")[0].strip().lower() in _FEED_TYPES and a.get("href"):
            self.feeds.append(a["href"].strip())


def feed_links(html: str, base: str) -> list[str]:
    """Absolute URLs of the feeds an HTML page announces, in page order."""
    parser = _AlternateLinks()
    try:
        parser.feed(html[:2_000_000])
        parser.close()
    except Exception:  # a broken page announces nothing
        pass
    return [urljoin(base, href) for href in parser.feeds if href]


def _parse_feed(resp: Response) -> Any | None:
    """The parsed feed, or None if the answer is not one."""
    import feedparser

    refuse_entity_declarations(resp.content)
    headers = {"content-location": resp.url}
    if resp.content_type:
        headers["content-type"] = resp.content_type
    parsed = feedparser.parse(io.BytesIO(resp.content), response_headers=headers, sanitize_html=True)
    if parsed.get("version") or (parsed.entries and not parsed.get("bozo")):
        return parsed
    return None


def _found_feed(parsed: Any, url: str) -> Found:
    title = html_to_text(parsed.feed.get("title", "") or "")[:200]
    latest = ""
    if parsed.entries:
        latest = html_to_text(parsed.entries[0].get("title", "") or "")[:300]
    return Found("feed", url, title, latest)


def _is_html(resp: Response) -> bool:
    ctype = resp.content_type.split(";", 1)[0].strip().lower()
    if ctype:
        return ctype in ("text/html", "application/xhtml+xml")
    head = resp.content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover(url: str, settings: Settings, *, options: FetchOptions | None = None) -> Found:
    """What to follow for a URL a chat sent: the feed itself; else the first feed the page
    announces that can be read; else the page. Raises :class:`FetchError` with a plain
    line (every refusal as :data:`UNREACHABLE`)."""
    options = options or FetchOptions.from_settings(settings)
    allowed = settings.chats.allowed_hosts

    def get(target: str, opts: FetchOptions) -> Response:
        if not host_allowed(target, allowed):
            raise FetchError("the operator of this bot only allows sources from some sites, and this is not one")
        try:
            resp = fetch(target, opts, accept=_ACCEPT)
        except FetchError as exc:
            if exc.refused and not options.allow_private:
                raise FetchError(UNREACHABLE, refused=True) from None
            raise
        if resp.status >= 400 or resp.not_modified:
            raise FetchError(f"the server answered HTTP {resp.status}")
        return resp

    resp = get(url, options)
    if not _is_html(resp):
        parsed = _parse_feed(resp)
        if parsed is None:
            raise FetchError("that address is neither a feed nor a web page")
        return _found_feed(parsed, resp.url)
    charset = None
    if "charset=" in resp.content_type.lower():
        charset = resp.content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    try:
        html = resp.content.decode(charset or "utf-8", errors="replace")
    except LookupError:
        html = resp.content.decode("utf-8", errors="replace")
    # the feeds a page announces share one answer's deadline: a page announcing slow feeds
    # costs at most twice what one address may
    ends = time.monotonic() + options.total_deadline
    for link in feed_links(html, resp.url)[:3]:
        left = ends - time.monotonic()
        if left < 1:
            log.info("no time left for the other feeds %s announces", resp.url[:300])
            break
        try:
            feed_resp = get(link, dataclasses.replace(options, deadline=left))
            parsed = _parse_feed(feed_resp)
        except FetchError as exc:
            log.info("announced feed %s not usable: %s", link[:300], exc)
            continue
        if parsed is not None:
            return _found_feed(parsed, feed_resp.url)
    page = extract_page(resp, resp.url)
    return Found("page", resp.url, page.get("sitename") or page["title"], page["title"])


# -- the catalog ------------------------------------------------------------------------


def catalog(store: Any) -> dict[str, dict[str, Any]]:
    """Every chat-added source: name -> {name, kind, location, title}."""
    return {d["name"]: d for d in store.documents(TABLE) if "name" in d}


def catalog_sources(store: Any, settings: Settings) -> list[Source]:
    """The chat-added sources as sources the job fetches (none when chats' sources are
    switched off)."""
    if not settings.chats.user_sources:
        return []
    return [
        Source(name=d["name"], kind=d.get("kind", "feed"), location=d["location"])
        for d in catalog(store).values()
        if d.get("location")
    ]


def add_to_catalog(store: Any, found: Found) -> None:
    store.put_documents(
        TABLE, [{"name": found.name, "kind": found.kind, "location": found.location, "title": found.title}]
    )


def drop_unused(store: Any, names: Iterable[str], in_use: set[str]) -> int:
    """Delete catalog entries among ``names`` that no chat uses any more."""
    gone = [n for n in names if n not in in_use]
    if gone:
        store.put_documents(TABLE, [], remove=gone)
    return len(gone)

"""Web pages: the parsing guards every fetched document passes, and a page's main text.

:func:`refuse_entity_declarations` refuses any XML document that declares its own entities;
:func:`extract_page` reads a page's main text with ``trafilatura`` (no comments, no tables,
no links); :func:`html_to_text` flattens a feed entry's HTML.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from newsbrief.summaries.ingest.fetch import FetchError, Response
from newsbrief.summaries.text import fold_words, strip_controls

__all__ = ["SourceError", "HTML_ACCEPT", "extract_page", "html_to_text", "host_of", "refuse_entity_declarations"]

log = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

#: A source or page that cannot be used; the message is one plain line saying why. The
#: same class as :class:`summaries.ingest.fetch.FetchError` (``refused`` and ``budget`` included).
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
    from xml.sax import SAXException
    from xml.sax.handler import ContentHandler, feature_external_ges, feature_external_pes

    from defusedxml import DefusedXmlException
    from defusedxml.expatreader import DefusedExpatParser

    class _Stop(ContentHandler):
        def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (sax API)
            raise _PrologDone

        def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:  # noqa: N802
            raise _PrologDone

    refusal = SourceError(
        "refused: the feed declares its own XML entities (<!ENTITY>), which could expand without bound"
    )
    head = data.replace(b"\x00", b"")  # UTF-16 and UTF-32: the ASCII of the markup remains
    m = _HEAD_END.search(head)
    if _ENTITY_DECL.search(head[: m.start()] if m else head):
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
    """Plain text of a feed entry's HTML: tags out, entities decoded (invisible controls
    too, written either way), paragraphs kept."""
    if "<" not in fragment and "&" not in fragment:
        return strip_controls(fragment).strip()
    text = _DROP.sub(" ", fragment)
    text = _BLOCK_END.sub("\n\n", text)
    text = _TAG.sub(" ", text)
    text = strip_controls(html.unescape(text))
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
    if len(paragraphs) > 1 and title and fold_words(paragraphs[0]) == fold_words(title):
        paragraphs = paragraphs[1:]  # the page's heading, not the story's first paragraph
    text = "\n\n".join(paragraphs)
    return {
        "title": title,
        "text": text,
        "date": (data.get("date") or "").strip(),
        "sitename": (data.get("sitename") or "").strip(),
    }


def host_of(url: str) -> str:
    """A URL's host name without ``www.``."""
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host

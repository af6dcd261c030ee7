"""OPML subscription lists: read with listparser (from bytes, never a URL), written with
ElementTree, so that an exported list imports back to the same sources."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from newsbrief.summaries.ingest.fetch import FetchError
from newsbrief.summaries.ingest.pages import refuse_entity_declarations

__all__ = ["read_opml", "write_opml", "OPMLError", "MAX_OPML_BYTES", "MAX_FEEDS", "MAX_DEPTH", "MAX_OUTLINES"]

MAX_OPML_BYTES = 1024 * 1024
MAX_FEEDS = 500
MAX_DEPTH = 32  # elements nested in one another (a real list nests folders two or three deep)
MAX_OUTLINES = 5 * MAX_FEEDS  # outline elements, feeds and folders

# a start, end or empty tag (comments, declarations and processing instructions start
# otherwise and are not counted)
_TAG = re.compile(rb"<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>")


class OPMLError(ValueError):
    """The file is not a subscription list that can be read; the message says why."""


def read_opml(data: bytes) -> list[tuple[str, str]]:
    """The feeds of an OPML file as (URL, title), in file order, without duplicates."""
    import listparser

    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"the file is larger than {MAX_OPML_BYTES // 1024} KB")
    try:
        refuse_entity_declarations(data)
    except FetchError as exc:
        raise OPMLError(str(exc).replace("feed", "file")) from None
    _check_shape(data)
    result = listparser.parse(bytes(data))  # bytes: parsed, never fetched
    feeds = result.get("feeds") or []
    if not feeds:
        if result.get("bozo"):
            raise OPMLError("it is not a readable OPML file")
        raise OPMLError("it lists no feeds")
    out: dict[str, str] = {}
    for feed in feeds:
        url = (feed.get("url") or "").strip()
        if url and url not in out:
            out[url] = " ".join((feed.get("title") or "").split())
    if len(out) > MAX_FEEDS:
        raise OPMLError(f"it lists {len(out)} feeds; at most {MAX_FEEDS} are read")
    return list(out.items())


def _check_shape(data: bytes) -> None:
    """Refuse a file nested deeper than :data:`MAX_DEPTH` or holding more than
    :data:`MAX_OUTLINES` outlines, before any parser builds a tree of it: one pass over
    the tags, constant memory. (The parser that follows is lenient, so an unclosed tag
    counts as open, as it would for the parser.)"""
    depth = outlines = 0
    for m in _TAG.finditer(data):
        closing, name, empty = m.groups()
        if closing:
            depth = max(0, depth - 1)
            continue
        if name.lower() == b"outline":
            outlines += 1
            if outlines > MAX_OUTLINES:
                raise OPMLError(f"it holds more than {MAX_OUTLINES} outlines; at most {MAX_FEEDS} feeds are read")
        if not empty:
            depth += 1
            if depth > MAX_DEPTH:
                raise OPMLError(f"its outlines are nested more than {MAX_DEPTH} deep")


def write_opml(feeds: Iterable[tuple[str, str]], title: str = "newsbrief sources") -> bytes:
    """An OPML 2.0 file of (URL, title) feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for url, name in feeds:
        ET.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

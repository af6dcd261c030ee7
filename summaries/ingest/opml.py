"""OPML subscription lists: read with listparser (from bytes, never a URL), written with
ElementTree, so that an exported list imports back to the same sources."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable

from newsbrief.summaries.ingest.fetch import FetchError
from newsbrief.summaries.ingest.pages import refuse_entity_declarations

__all__ = ["read_opml", "write_opml", "OPMLError", "MAX_OPML_BYTES", "MAX_FEEDS"]

MAX_OPML_BYTES = 1024 * 1024
MAX_FEEDS = 500


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


def write_opml(feeds: Iterable[tuple[str, str]], title: str = "newsbrief sources") -> bytes:
    """An OPML 2.0 file of (URL, title) feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for url, name in feeds:
        ET.SubElement(body, "outline", type="rss", text=name or url, title=name or url, xmlUrl=url)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

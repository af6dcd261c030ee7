"""An article: one cleaned news story, its stable id and content hash."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

from newsbrief.summaries.text import fold_words

__all__ = ["Article", "ArticleError", "canonical_url"]


class ArticleError(ValueError):
    """An article or file that cannot be read; the message says why."""


@dataclasses.dataclass(frozen=True, slots=True)
class Article:
    """One cleaned news story."""

    headline: str
    body: str
    date: str  # ISO date, YYYY-MM-DD
    place: str = ""
    agency: str = ""
    source: str = ""
    url: str = ""
    hashtags: tuple[str, ...] = ()
    headline_derived: bool = False
    published: str = ""  # ISO date and time (UTC) when the source gives one
    # whose copy this is: "" for an article of the operator's sources (one per URL, shared
    # by them), else the name of the chat source that carried it. A scoped copy has an id of
    # its own, so what one chat's feed says about a URL never stands in for the article
    # another source publishes there.
    scope: str = ""
    # the ISO 639-1 code of the language it is written in ("fr"), detected from its headline
    # and body as it is read (summaries.language); "" when nothing could be said
    language: str = ""

    @property
    def id(self) -> str:
        """Stable id from what identifies the story: its URL, else date, agency and
        headline; and its ``scope``, if any."""
        if self.url:
            key = "url:" + _canonical_url(self.url)
        else:
            key = "|".join(("wire", self.date, self.agency.lower(), fold_words(self.headline)))
        if self.scope:
            key += "|scope:" + self.scope
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    @property
    def content_hash(self) -> str:
        """Hash of the cleaned body: equal for the same story text, whatever its wrapping
        (and its ``scope``: a chat source's copy is never taken for another source's)."""
        key = fold_words(self.body)
        if self.scope:
            key = f"scope:{self.scope}|{key}"
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    def to_record(self) -> dict[str, Any]:
        """The JSON-ready dict stored in the articles table."""
        record = dataclasses.asdict(self)
        record["hashtags"] = list(self.hashtags)
        if not self.scope:
            del record["scope"]
        record["id"] = self.id
        record["content_hash"] = self.content_hash
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Article:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in record.items() if k in fields}
        values["hashtags"] = tuple(values.get("hashtags") or ())
        return cls(**values)


def canonical_url(url: str) -> str:
    """The form of a URL that identifies an article: no scheme, ``www.``, fragment,
    tracking parameters or trailing slash; lower case."""
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    url = url.strip()
    url = re.sub(r"#.*$", "", url)
    url = re.sub(r"[?&](utm_[^=&]+|fbclid|gclid)=[^&]*", "", url)
    url = re.sub(r"^https?://(www\.)?", "", url, flags=re.I)
    return url.rstrip("/").lower()

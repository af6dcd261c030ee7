"""Articles: what one news story holds, and how to read it from the formats we ingest.

Formats:

* the wire format of the seed articles: ``date YYYY-MM-DD Dateline (AGENCY): body``;
* plain text without that header (an optional short first line is the headline);
* JSON (one object or a list) and JSON Lines dumps with ``title``, ``text``, ``url``,
  ``published`` and ``source`` keys.

Bodies are cleaned (:func:`summaries.articles.cleaning.clean_body`) as they are read, and every
article gets a stable id from what identifies it (its URL, or its date, agency and
headline) and a content hash of its cleaned body.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsbrief.summaries.articles.cleaning import CleanedBody, clean_body, split_paragraphs
from newsbrief.summaries.articles.model import Article, ArticleError
from newsbrief.summaries.language import SAMPLE_CHARS, detect_language
from newsbrief.summaries.text import fold_words, strip_controls

__all__ = [
    "Article",
    "ArticleError",
    "parse_wire",
    "parse_text",
    "parse_record",
    "read_articles",
    "derive_headline",
    "MAX_FILE_BYTES",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
HEADLINE_MAX = 90

_WIRE_HEADER = re.compile(
    r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<dateline>[^\n]{1,200}?)\s*"
    r"\((?P<agency>[A-Za-z][\w/ .&-]{0,30})\)\s*:\s*",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])")
# Words before which a long lead can be cut and still read as a headline.
_CLAUSE_WORDS = (
    "on",
    "during",
    "in",
    "at",
    "after",
    "before",
    "as",
    "while",
    "amid",
    "over",
    "following",
    "despite",
    "with",
    "which",
    "who",
    "where",
    "when",
    "because",
    "since",
    "for",
    "from",
    "to",
    "under",
    "across",
    "into",
    "ahead",
    "according",
)
_TRAILING_FILLER = re.compile(r"(?:\s+(?:and|or|but|the|a|an|of|to|in|on|for|with|its|their|his|her))+$", re.I)


def _first_sentence(text: str) -> str:
    first_paragraph = text.split("\n\n", 1)[0]
    return _SENTENCE_END.split(first_paragraph, maxsplit=1)[0].strip()


def derive_headline(body: str, limit: int = HEADLINE_MAX) -> str:
    """A short headline from the lead: its first sentence, cut at a clause boundary if long.

    Never cuts mid-word; adds an ellipsis only when no clause boundary fits.
    """
    sentence = _first_sentence(body).rstrip(" .")
    if len(sentence) <= limit:
        return sentence
    floor = limit * 2 // 5
    best = None
    clause_words = "|".join(_CLAUSE_WORDS)
    for m in re.finditer(rf"[,;:(]|\s[-–—]\s|\s(?=(?:{clause_words})\b)", sentence):
        cut = _TRAILING_FILLER.sub("", sentence[: m.start()].rstrip(" ,;:-–—"))
        if floor <= len(cut) <= limit:
            best = cut
    if best:
        return best
    cut = sentence[: limit + 1].rsplit(" ", 1)[0]
    return _TRAILING_FILLER.sub("", cut).rstrip(" ,;:-–—") + "…"


def _parse_dateline(dateline: str) -> str:
    """The place of a dateline such as ``New Delhi [India], July 27``."""
    place = re.split(r"\s*[\[,(]", dateline.strip(), maxsplit=1)[0]
    return place.strip(" -–—")


def _validate_date(value: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ArticleError(f"{what}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def _published_moment(value: Any) -> dt.datetime | dt.date | None:
    """A JSON ``published`` value (ISO string, RFC 822 string or epoch seconds) as a UTC
    datetime, or a date when it carries no time of day."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ArticleError(f"published: {text!r} is not a date") from None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ArticleError(f"published: {text!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _normalise_published(value: Any) -> str:
    """ISO date from a JSON ``published`` value: ISO string, RFC 822 string or epoch seconds."""
    moment = _published_moment(value)
    if moment is None:
        return ""
    return moment.date().isoformat() if isinstance(moment, dt.datetime) else moment.isoformat()


def _published_time(value: Any) -> str:
    """ISO date and time (UTC) of a ``published`` value that has a time of day, else ""."""
    moment = _published_moment(value)
    return moment.isoformat(timespec="seconds") if isinstance(moment, dt.datetime) else ""


def _build(
    headline: str, raw_body: str, date: str, *, agency: str = "", language_hint: str = "", **extra: Any
) -> Article:
    headline, raw_body, agency = strip_controls(headline), strip_controls(raw_body), strip_controls(agency)
    extra = {k: strip_controls(v) if isinstance(v, str) else v for k, v in extra.items()}
    body = clean_body(raw_body, agency or None)
    if not body and headline.strip() and fold_words(raw_body) == fold_words(headline):
        # a headline-only item whose headline reads like a teaser ("VIDEO: ..."): keep it
        body = CleanedBody(" ".join(headline.split()))
        body.hashtags = ()
    if not body:
        raise ArticleError("no story text left after cleaning")
    derived = not headline.strip()
    headline = " ".join(headline.split()) if not derived else derive_headline(body)
    # the language of what is read: the headline (unless made from the body) and the body's
    # start; a declared language only where that is too short to tell
    sample = body if derived else f"{headline}\n{body[:SAMPLE_CHARS]}"
    return Article(
        headline=headline,
        body=str(body),
        date=date,
        agency=agency,
        hashtags=body.hashtags,
        headline_derived=derived,
        language=detect_language(sample, language_hint),
        **extra,
    )


def parse_wire(text: str, *, source: str = "", language: str = "") -> Article:
    """Parse the wire format ``date YYYY-MM-DD Dateline (AGENCY): body``."""
    m = _WIRE_HEADER.match(text)
    if not m:
        raise ArticleError("no wire header (expected 'date YYYY-MM-DD Dateline (AGENCY): body')")
    date = _validate_date(m["date"], "date")
    return _build(
        "",
        text[m.end() :],
        date,
        agency=m["agency"].strip(),
        place=_parse_dateline(m["dateline"]),
        source=source or m["agency"].strip(),
        language_hint=language,
    )


def parse_text(text: str, *, source: str = "", date: str = "", language: str = "") -> Article:
    """Parse a plain-text article: wire format if it has the header, else an optional
    short first line as headline followed by the body. ``language``: the language the
    source declares, a hint for a text too short to tell (see :mod:`summaries.language`)."""
    if _WIRE_HEADER.match(text):
        return parse_wire(text, source=source, language=language)
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        raise ArticleError("no text")
    headline = ""
    first = paragraphs[0]
    if len(paragraphs) > 1 and len(first) <= 150 and not re.search(r"[.!?]$", first):
        headline, paragraphs = first, paragraphs[1:]
    return _build(
        headline, "\n\n".join(paragraphs), date or dt.date.today().isoformat(), source=source, language_hint=language
    )


def parse_record(record: Any, *, source: str = "", scope: str = "", language: str = "") -> Article:
    """Parse one JSON article object (``title``, ``text``, ``url``, ``published``, ``source``,
    ``language``); ``scope``: whose copy it is (see ``Article.scope``); ``language``: the
    language the source declares. A declared language (the record's own first) is a hint,
    used only where the text is too short to tell."""
    if not isinstance(record, dict):
        raise ArticleError(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text") or record.get("body") or record.get("content")
    title = record.get("title") or record.get("headline") or ""
    if not isinstance(title, str):
        raise ArticleError("'title' is not a string")
    if text is None and title.strip():
        text = title  # a headline-only item (common in feeds): the headline is its text
    if not isinstance(text, str) or not text.strip():
        raise ArticleError("no 'text' (and no 'title')")
    declared = record.get("language")
    language = declared if isinstance(declared, str) and declared.strip() else language
    if _WIRE_HEADER.match(text):
        article = parse_wire(text, source=str(record.get("source") or source), language=language)
        extra: dict[str, Any] = {"url": strip_controls(str(record.get("url") or "")), "scope": scope}
        if title.strip():
            extra |= {"headline": " ".join(strip_controls(title).split()), "headline_derived": False}
        return dataclasses.replace(article, **extra)
    published = record.get("published") or record.get("date")
    date = _normalise_published(published) or dt.date.today().isoformat()
    return _build(
        title,
        text,
        date,
        agency=str(record.get("agency") or ""),
        source=str(record.get("source") or source),
        url=str(record.get("url") or ""),
        published=_published_time(published),
        scope=scope,
        language_hint=language,
    )


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise ArticleError("empty file")
    if b"\x00" in data:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not UTF-8 text (bad byte at offset {exc.start})") from None


def read_articles(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, language: str = ""
) -> Iterable[Article | ArticleError]:
    """The articles in one file, in order; an entry that cannot be parsed comes back as
    an :class:`ArticleError` so the caller can report it and keep the rest. ``language``:
    the language the source declares (a hint, see :func:`parse_record`).

    Raises :class:`ArticleError` when the file as a whole cannot be read.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror}") from None
    if size > max_bytes:
        raise ArticleError(f"too large ({size:,} bytes, the cap is {max_bytes:,})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror}") from None
    text = _decode(path, data)
    source = path.stem
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return list(_read_jsonl(text, source, language))
    if suffix == ".json":
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArticleError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
        items = payload if isinstance(payload, list) else [payload]
        return [
            _try(parse_record, item, source=source, language=language, where=f"item {i + 1}")
            for i, item in enumerate(items)
        ]
    return [parse_text(text, source=source if not _WIRE_HEADER.match(text) else "", language=language)]


def _try(fn: Any, *args: Any, where: str, **kwargs: Any) -> Article | ArticleError:
    try:
        return fn(*args, **kwargs)
    except ArticleError as exc:
        return ArticleError(f"{where}: {exc}")


def _read_jsonl(text: str, source: str, language: str = "") -> Iterable[Article | ArticleError]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ArticleError(f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        yield _try(parse_record, record, source=source, language=language, where=f"line {lineno}")

"""The records a store takes and returns, as TypedDicts: what ``NewsStore`` methods read
and write, written down. At run time they are plain dicts (JSON documents), so a record
may carry more fields than listed (an article's extra fields are kept whole)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

__all__ = [
    "ArticleRecord",
    "ArticleHead",
    "SummaryRecord",
    "StoryRecord",
    "DeliveryRecord",
    "DeliveryRow",
    "ExtractedRecord",
    "WorkDone",
    "IndexState",
    "WorkerRecord",
    "JobRun",
    "WorkStatus",
    "Document",
]

Document = dict[str, Any]  # a document of a keyed table (entities, sources, chats, chat_sources, alerts)


class _ArticleRequired(TypedDict):
    id: str
    date: str
    headline: str
    content_hash: str


class ArticleRecord(_ArticleRequired, total=False):
    """A stored article (``body`` absent from a light record, which has ``lead`` and ``body_cut``)."""

    body: str
    source: str
    url: str
    byline: str
    hashtags: list[str]
    language: str  # ISO 639-1, detected as the article was read ("" or absent: unknown)
    also_in: list[str]
    seq: int
    ingested_at: str | None
    lead: str
    body_cut: bool


class ArticleHead(TypedDict):
    """What the index needs of an article besides its mentions."""

    id: str
    date: str
    headline: str
    content_hash: str


class _SummaryRequired(TypedDict):
    article_id: str


class SummaryRecord(_SummaryRequired, total=False):
    """An article's summary: made with the summarizer ``key`` from content ``content_hash``."""

    key: str
    content_hash: str
    created: str
    sentences: list[str]
    failed: str


class _StoryRequired(TypedDict):
    id: str


class StoryRecord(_StoryRequired, total=False):
    """A story: its ``members`` (article id: content hash) and whatever clustering keeps."""

    members: dict[str, str]
    first_seen: str
    last_seen: str


class DeliveryRecord(TypedDict):
    """One (chat, day) entry of the delivery log, as journaled."""

    chat_id: int
    day: str
    state: str
    at: str
    articles: list[str]


DeliveryRow = tuple[int, str, str, str, list[str]]  # (chat, day, state, at, articles)
ExtractedRecord = dict[str, Any]  # an article's extracted entities (the index's format) with its content ``hash``
WorkDone = tuple[int, str, ExtractedRecord | None]  # (row id, article id, extraction stored by the worker)


@dataclass
class IndexState:
    """What decides which worker runs the index (:meth:`WorkQueue.index_state`)."""

    version: int  # data_version now
    waited: float | None  # seconds the oldest un-indexed work has waited (None: nothing to index)
    indexer_alive: bool  # the worker whose index run wrote last was seen within the takeover


class WorkerRecord(TypedDict):
    id: str
    host: str
    pid: int
    started: Any
    last_seen: Any
    processed: int


class JobRun(TypedDict):
    job: str
    worker: str
    started: Any
    finished: Any
    ok: bool | None
    detail: str | None


@dataclass
class WorkStatus:
    """The work queue for ``newsbrief status``."""

    claimed: int = 0
    workers: list[WorkerRecord] = field(default_factory=list)
    jobs: list[JobRun] = field(default_factory=list)
    failures: int = 0

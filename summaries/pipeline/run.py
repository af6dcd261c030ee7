"""The scheduled job: ingest sources, summarize new articles, index their entities, prune.

:func:`run_pipeline` does one run; it is idempotent (a second run finds nothing to do),
survives a bad article (logged, skipped, the rest done), and never overlaps itself in one
process (a run that finds another in progress returns at once). The bot schedules it
(``bot/jobs.py``) under :data:`PIPELINE_JOB_ID`, a fixed job id, so that re-registering
replaces it instead of adding a second one.

CPU work runs in the caller's thread: the bot's job runs it in a worker thread, so the
bot's event loop never waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsbrief import seeds
from newsbrief.summaries.config import Settings, Source, SummarySettings
from newsbrief.summaries.index.entity_index import forget_articles as forget_entity_mentions
from newsbrief.summaries.index.entity_index import index_articles, reindex_stale
from newsbrief.summaries.ingest.chat_sources import catalog_sources
from newsbrief.summaries.ingest.feeds import fetch_due
from newsbrief.summaries.ingest.files import IngestReport, ingest_paths
from newsbrief.summaries.nlp.entities import MAX_TEXT_CHARS
from newsbrief.summaries.nlp.summarizer import is_current, summarize_record, summary_key
from newsbrief.summaries.pipeline.core import NewsCore
from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.store.records import SummaryRecord
from newsbrief.summaries.stories.clustering import cluster_pending
from newsbrief.summaries.stories.clustering import forget_articles as forget_story_members

__all__ = [
    "RunReport",
    "run_pipeline",
    "summarize_pending",
    "prune_old",
    "default_sources",
    "PIPELINE_JOB_ID",
]

log = logging.getLogger(__name__)

PIPELINE_JOB_ID = "newsbrief-pipeline"
BATCH = 500


@dataclass
class RunReport:
    """What one run of the job did."""

    ingest: IngestReport = field(default_factory=IngestReport)
    summarized: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (article id, reason)
    indexed: int = 0
    stories: list[str] = field(default_factory=list)  # ids of the stories that changed
    pruned: list[str] = field(default_factory=list)
    overlapped: bool = False  # another run was in progress: this one did nothing

    def line(self) -> str:
        if self.overlapped:
            return "another run is in progress; nothing done"
        return (
            f"ingest: {self.ingest.line()}; summarized {len(self.summarized)}, "
            f"failed {len(self.failed)}, entities indexed for {self.indexed}, "
            f"stories changed {len(self.stories)}, pruned {len(self.pruned)}"
        )


def default_sources() -> tuple[Source, ...]:
    """With no sources configured, the seed articles that ship with newsbrief."""
    return (Source(name="seed articles", kind="folder", location=str(seeds.folder())),)


def ingest_sources(store: NewsStore, settings: Settings) -> IngestReport:
    """Ingest every configured source: files and folders here, feeds and pages through
    :mod:`summaries.ingest.feeds`."""
    report = IngestReport()
    sources = settings.sources or default_sources()
    by_language: dict[str, list[Path]] = {}  # the language each source declares: a hint
    for s in sources:
        if s.kind in ("folder", "file"):
            by_language.setdefault(s.language, []).append(Path(s.location))
    for language, paths in by_language.items():
        report.merge(ingest_paths(store, paths, max_bytes=settings.storage.max_article_bytes, language=language))
    web = [s for s in sources if s.kind in ("feed", "page")]
    web += catalog_sources(store, settings)  # sources chats added: each fetched once
    if web:
        report.merge(fetch_due(store, web, settings))
    return report


def summarize_pending(
    store: NewsStore,
    settings: SummarySettings,
    *,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Summarize every article without a summary for these settings, in batches.

    Returns the articles summarized and the failures (article id, reason).
    """
    key = summary_key(settings)
    # a failure is recorded too, and tried again only when the article changes
    pending = [a for a in store.iter_articles() if not is_current(store.get_summary(a["id"]), a, settings)]
    done: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    records: list[SummaryRecord] = []
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for article in pending:
        if should_stop is not None and should_stop():
            break
        try:
            sentences = summarize_record(article, settings)
            if not sentences:
                raise ValueError("no sentence could be chosen")
        except Exception as exc:  # a poisoned article must not stop the others
            log.warning("could not summarize article %s (%s): %s", article["id"], article.get("headline", ""), exc)
            failed.append((article["id"], f"{type(exc).__name__}: {exc}"))
            records.append(
                {
                    "article_id": article["id"],
                    "key": key,
                    "content_hash": article["content_hash"],
                    "sentences": [],
                    "failed": f"{type(exc).__name__}: {exc}"[:300],
                    "created": now,
                }
            )
        else:
            records.append(
                {
                    "article_id": article["id"],
                    "key": key,
                    "content_hash": article["content_hash"],
                    "sentences": sentences,
                    "created": now,
                }
            )
            done.append(article)
        if len(records) >= BATCH:
            store.put_summaries(records)
            records.clear()
        if progress is not None:
            progress(1)
    if records:
        store.put_summaries(records)
    return done, failed


def index_entities(store: NewsStore, articles: Iterable[dict[str, Any]], *, max_chars: int = MAX_TEXT_CHARS) -> int:
    """Index the named entities of these articles (the entities module's seam; the first
    ``max_chars`` characters of each), then re-index a batch of articles indexed with older
    extraction rules, if any."""
    articles = list(articles)
    n = 0
    try:
        if articles:
            n = index_articles(store, articles, max_chars=max_chars)
        reindex_stale(store, max_chars=max_chars)
    except Exception:
        log.exception("entity indexing failed for %d articles; summaries are kept", len(articles))
    return n


def prune_old(
    store: NewsStore, retention_days: int, *, today: dt.date | None = None, core: NewsCore | None = None
) -> list[str]:
    """Remove articles stored more than ``retention_days`` ago, with their summaries and
    entity mentions. Returns the ids removed.

    Age counts from when the article was stored, not from its dateline: a backlog or the
    seed articles ingested today stay for the whole retention period.
    """
    today = today or dt.date.today()
    cutoff = (today - dt.timedelta(days=retention_days)).isoformat()
    old = [a["id"] for a in store.iter_articles() if (a.get("ingested_at") or a["date"])[:10] < cutoff]
    if not old:
        return []
    with store.batch():
        forget_entity_mentions(store, old)
        forget_story_members(store, (core or NewsCore(store)).story_index(), old)
        store.remove_articles(old)
    log.info("pruned %d articles older than %s", len(old), cutoff)
    return old


def run_pipeline(
    store: NewsStore,
    settings: Settings,
    *,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    ingest: bool = True,
    core: NewsCore | None = None,
) -> RunReport:
    """One run of the job on ``store`` (with its ``core``, the indexes a long-running
    process keeps; a fresh one if none is given). Returns at once, doing nothing, if a
    run on this store is in progress."""
    core = core or NewsCore(store, settings)
    if not store.job_lock.acquire(blocking=False):
        log.info("pipeline run skipped: the previous run is still going")
        return RunReport(overlapped=True)
    try:
        report = RunReport()
        if ingest:
            report.ingest = ingest_sources(store, settings)
        report.pruned = prune_old(store, settings.storage.retention_days, today=today, core=core)
        done, report.failed = summarize_pending(store, settings.summaries, progress=progress)
        report.summarized = [a["id"] for a in done]
        report.indexed = index_entities(store, done, max_chars=settings.summaries.max_text_chars)
        report.stories = cluster_pending(store, core.story_index())
        log.info("pipeline run: %s", report.line())
        return report
    finally:
        store.job_lock.release()

"""The scheduled job: ingest sources, summarize new articles, index their entities, prune.

:func:`run_pipeline` does one run; it is idempotent (a second run finds nothing to do),
survives a bad article (logged, skipped, the rest done), and never overlaps itself in one
process (a run that finds another in progress returns at once). :func:`schedule_pipeline`
adds it to an APScheduler scheduler, the bot's JobQueue scheduler or any other, under a
fixed job id so that re-registering replaces it instead of adding a second one.

CPU work runs in the caller's thread: APScheduler runs plain functions in its thread pool,
so the bot's event loop never waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import seeds
from summaries.config import Settings, Source, StorySettings, SummarySettings
from summaries.ingest import IngestReport, ingest_paths
from summaries.stories import cluster_pending
from summaries.summarizer import is_current, summarize_record, summary_key
from summaries.stories import forget_articles as forget_story_members
from summaries.store import Store

__all__ = [
    "RunReport",
    "run_pipeline",
    "schedule_pipeline",
    "summarize_pending",
    "prune_old",
    "default_sources",
    "PIPELINE_JOB_ID",
]

log = logging.getLogger(__name__)

PIPELINE_JOB_ID = "newsbrief-pipeline"
BATCH = 500

_run_lock = threading.Lock()


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


def ingest_sources(store: Store, settings: Settings) -> IngestReport:
    """Ingest every configured source that holds files. Feeds and pages are fetched by
    :mod:`summaries.sources` when it is available."""
    report = IngestReport()
    sources = settings.sources or default_sources()
    paths = [Path(s.location) for s in sources if s.kind in ("folder", "file")]
    if paths:
        report.merge(ingest_paths(store, paths, max_bytes=settings.storage.max_article_bytes))
    web = [s for s in sources if s.kind in ("feed", "page")]
    from summaries.chat_sources import catalog_sources

    web += catalog_sources(store, settings)  # sources chats added: each fetched once
    if web:
        try:
            from summaries import sources as web_sources  # type: ignore[attr-defined]
        except ImportError:
            for s in web:
                report.skipped.append((s.name, f"{s.kind} sources are not supported by this version"))
        else:
            report.merge(web_sources.fetch_due(store, web, settings))
    return report


def summarize_pending(
    store: Store,
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
    records: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
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
            records.append({
                "article_id": article["id"],
                "key": key,
                "content_hash": article["content_hash"],
                "sentences": [],
                "failed": f"{type(exc).__name__}: {exc}"[:300],
                "created": now,
            })
        else:
            records.append({
                "article_id": article["id"],
                "key": key,
                "content_hash": article["content_hash"],
                "sentences": sentences,
                "created": now,
            })
            done.append(article)
        if len(records) >= BATCH:
            store.put_summaries(records)
            records.clear()
        if progress is not None:
            progress(1)
    if records:
        store.put_summaries(records)
    return done, failed


def index_entities(store: Store, articles: Iterable[dict[str, Any]]) -> int:
    """Index the named entities of these articles (the entities module's seam)."""
    articles = list(articles)
    if not articles:
        return 0
    try:
        from summaries.entity_index import index_articles
    except ImportError:
        log.info("entity index not available; skipping entity extraction")
        return 0
    try:
        return index_articles(store, articles)
    except Exception:
        log.exception("entity indexing failed for %d articles; summaries are kept", len(articles))
        return 0


def prune_old(store: Store, retention_days: int, *, today: dt.date | None = None,
              stories: StorySettings | None = None) -> list[str]:
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
    try:
        from summaries.entity_index import forget_articles
    except ImportError:
        forget_articles = None
    with store.batch():
        if forget_articles is not None:
            forget_articles(store, old)
        forget_story_members(store, old, stories)
        store.remove_articles(old)
    log.info("pruned %d articles older than %s", len(old), cutoff)
    return old


def run_pipeline(
    store: Store,
    settings: Settings,
    *,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    ingest: bool = True,
) -> RunReport:
    """One run of the job. Returns at once, doing nothing, if a run is in progress."""
    if not _run_lock.acquire(blocking=False):
        log.info("pipeline run skipped: the previous run is still going")
        return RunReport(overlapped=True)
    try:
        report = RunReport()
        if ingest:
            report.ingest = ingest_sources(store, settings)
        report.pruned = prune_old(store, settings.storage.retention_days, today=today, stories=settings.stories)
        done, report.failed = summarize_pending(store, settings.summaries, progress=progress)
        report.summarized = [a["id"] for a in done]
        report.indexed = index_entities(store, done)
        report.stories = cluster_pending(store, settings.stories)
        log.info("pipeline run: %s", report.line())
        return report
    finally:
        _run_lock.release()


def schedule_pipeline(scheduler: Any, job: Callable[[], Any], every_minutes: float, *,
                      first_run: dt.datetime | None = None) -> Any:
    """Add ``job`` to an APScheduler 3 scheduler every ``every_minutes``.

    The job id is fixed, so calling this again replaces the job instead of duplicating it;
    ``max_instances=1`` keeps runs from overlapping and ``coalesce`` folds missed runs into one.
    """
    return scheduler.add_job(
        job,
        "interval",
        minutes=every_minutes,
        id=PIPELINE_JOB_ID,
        name="summarize new articles",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=first_run or dt.datetime.now(dt.timezone.utc),
    )

"""Workers: the pipeline's work shared by any number of processes, on any number of
machines, through one PostgreSQL database.

Each worker repeats one *cycle*:

1. **Scheduled work** (ingest the configured sources, prune old articles) runs once per
   ``[schedule] summarize_every_minutes`` however many processes run: the worker that
   takes the PostgreSQL advisory lock ``fetch`` checks the ``schedule`` table, and only
   runs the job if the last run is older than one period.
2. **Summaries**: a batch of articles without a current summary is *claimed* in one
   transaction (rows locked, those locked by another worker skipped, then a claim with
   an expiry): two workers never claim the same article, and a worker killed mid-batch
   leaves claims that expire after ``lease`` seconds, when another worker takes them. The
   results are committed only for the claims the worker still holds, in the same
   transaction as the summaries, so each article's summary is written exactly once. The
   worker also extracts the batch's entities (the spaCy model, the costly part of
   indexing) and stores them with the claim's commit
   (``work_done.entities``, with the extraction rules' version and the content hash).
3. **Indexes** (entities, stories) are built by one process at a time under the advisory
   lock ``index``: whoever holds it merges the stored extractions of every summarized
   article not yet indexed (``work_done``; a row without a current extraction is
   extracted then) and clusters new articles into stories. One worker keeps this job
   while it keeps up, as its in-memory indexes are current; another would first reload
   them (:meth:`Worker.index_due`).

The queue itself is the store's work-queue capability
(:class:`~summaries.store.capabilities.WorkQueue`, on PostgreSQL in
:mod:`summaries.store.postgres.work`): this module holds no SQL, only the work.

``newsbrief run`` on PostgreSQL runs the same cycle from the bot's scheduler
(:func:`pipeline_job`), so one process alone still does all the work, and workers added
later share it without double work.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from newsbrief.summaries.config import Settings
from newsbrief.summaries.index.entity_index import extracted_from_record, extracted_record, index_extracted
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.summarizer import summarize_record, summary_key
from newsbrief.summaries.pipeline.core import NewsCore
from newsbrief.summaries.pipeline.run import ingest_sources, prune_old, run_pipeline
from newsbrief.summaries.store.base import NewsStore, NotSupported
from newsbrief.summaries.store.capabilities import WORKERS_NEED_POSTGRES
from newsbrief.summaries.store.records import ArticleHead, ArticleRecord, ExtractedRecord, SummaryRecord, WorkDone
from newsbrief.summaries.stories.clustering import cluster_pending

__all__ = ["Worker", "CycleReport", "pipeline_job", "workers_alive", "LOCK_FETCH", "LOCK_INDEX"]

log = logging.getLogger(__name__)

LOCK_FETCH = 0x6E620001  # keys of the store's exclusive locks (try_lock)
LOCK_INDEX = 0x6E620002
INDEX_TAKEOVER = 15.0  # seconds summarized work may wait for the index before another worker takes it over
INDEX_ROWS = 5000  # summarized articles merged into the index per run


@dataclass
class CycleReport:
    """What one cycle of a worker did."""

    scheduled: bool = False  # this worker ran the fetch cycle
    claimed: int = 0
    summarized: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    lost: int = 0  # claims that expired and were taken by another worker before this one finished
    indexed: int = 0
    stories: int = 0


class Worker:
    """One worker process's share of the pipeline, on a store with the work queue
    (``store.capabilities.workers``: PostgreSQL)."""

    def __init__(
        self,
        store: NewsStore,
        settings: Settings,
        *,
        batch: int = 50,
        lease: float = 120.0,
        worker_id: str | None = None,
        on_claimed: Callable[[list[str]], None] | None = None,
        index: bool = True,
        takeover: float = INDEX_TAKEOVER,
    ) -> None:
        """``batch`` articles per claim, held ``lease`` seconds; ``index``: also merge
        into the indexes (entities, stories), taking that job over from another worker
        after ``takeover`` seconds (at most ``lease``, see :meth:`index_due`)."""
        if not store.capabilities.workers:
            raise NotSupported(WORKERS_NEED_POSTGRES)
        self.store = store
        self.settings = settings
        self.batch = batch
        self.lease = lease
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.on_claimed = on_claimed  # a test hook: called with the ids claimed, before work starts
        self.index = index  # False: summaries and extraction only, the indexes are left to other workers
        self.takeover = min(takeover, lease)  # a worker silent for its lease is dead: its claims go, and its index job
        self.processed = 0
        self._index_version: int | None = None  # data_version after this worker's last index run
        self.timings: Counter[str] = Counter()  # seconds per phase (and counts of reloads, fallbacks)
        self._heartbeat(started=True)

    # -- bookkeeping ---------------------------------------------------------------

    def _heartbeat(self, *, started: bool = False) -> None:
        self.store.worker_seen(self.id, socket.gethostname(), os.getpid(), self.processed)

    def record_job(self, job: str, fn: Callable[[], str]) -> None:
        """Run ``fn`` and record the run (and its failure, if it raises) in the store's job runs."""
        run_id = self.store.start_job(job, self.id)
        ok, detail = False, ""
        try:
            detail = fn() or ""
            ok = True
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}"
            log.exception("%s failed", job)
        finally:
            self.store.finish_job(run_id, ok, detail)

    # -- the cycle -----------------------------------------------------------------

    def cycle(self, *, today: dt.date | None = None, ingest: bool = True) -> CycleReport:
        """One round: scheduled work if due, one batch of summaries, the indexes."""
        report = CycleReport()
        self._heartbeat()
        if ingest:
            report.scheduled = self.scheduled_work(today=today)
        t0 = time.perf_counter()
        self.summarize_batch(report)
        self.timings["summarize"] += time.perf_counter() - t0
        if self.index and self.index_due(report):
            self.index_pending(report)
        self._heartbeat()
        return report

    def scheduled_work(self, *, today: dt.date | None = None, force: bool = False) -> bool:
        """Ingest and prune, once per period across every process; True if this one did."""
        every = self.settings.schedule.summarize_every_minutes
        with self.store.try_lock(LOCK_FETCH) as got:
            if not got:
                return False
            if not (force or self.store.schedule_due("fetch", every * 60 * 0.98)):
                return False

            def run() -> str:
                ingested = ingest_sources(self.store, self.settings)
                pruned = prune_old(
                    self.store,
                    self.settings.storage.retention_days,
                    today=today,
                    core=NewsCore(self.store, self.settings),
                )
                return f"{ingested.line()}; pruned {len(pruned)}"

            self.record_job("fetch", run)
            self.store.mark_scheduled("fetch")
            return True

    def claim(self) -> list[str]:
        """Claim up to ``batch`` articles that need a summary (none another worker holds)."""
        return self.store.claim_work(self.id, summary_key(self.settings.summaries), self.batch, float(self.lease))

    def summarize_batch(self, report: CycleReport | None = None) -> CycleReport:
        """Claim a batch, summarize it, commit the results for the claims still held."""
        report = report or CycleReport()
        ids = self.claim()
        report.claimed = len(ids)
        if not ids:
            return report
        if self.on_claimed is not None:
            self.on_claimed(ids)
        return self.process(ids, report)

    def process(self, ids: list[str], report: CycleReport | None = None) -> CycleReport:
        """Summarize claimed articles; commit the results of the claims still held (a
        claim that expired and was taken by another worker is that worker's now)."""
        report = report or CycleReport()
        settings = self.settings.summaries
        key = summary_key(settings)
        articles = self.store.get_articles(ids)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        records: list[SummaryRecord] = []
        for aid in ids:
            article = articles.get(aid)
            if article is None:
                continue  # pruned meanwhile; its claim went with it
            record: SummaryRecord = {
                "article_id": aid,
                "key": key,
                "content_hash": article["content_hash"],
                "created": now,
            }
            try:
                sentences = summarize_record(article, settings)
                if not sentences:
                    raise ValueError("no sentence could be chosen")
                record["sentences"] = sentences
            except Exception as exc:  # a poisoned article must not stop the others
                log.warning("could not summarize article %s: %s", aid, exc)
                record["sentences"] = []
                record["failed"] = f"{type(exc).__name__}: {exc}"[:300]
                report.failed.append((aid, record["failed"]))
            records.append(record)
        ok = [r["article_id"] for r in records if not r.get("failed")]
        found = self.extract({aid: articles[aid] for aid in ok})
        held = self.store.finish_work(self.id, ids, records, found)
        mine = [r for r in records if r["article_id"] in held]
        report.lost = len(ids) - len(held)
        report.summarized = [r["article_id"] for r in mine if not r.get("failed")]
        self.processed += len(mine)
        return report

    def extract(self, articles: dict[str, ArticleRecord]) -> dict[str, ExtractedRecord]:
        """The entities of these articles (the model runs here, in this worker, in parallel
        with the others), as :func:`~summaries.index.entity_index.extracted_record` documents with
        the content hash they were extracted from. An article the extraction fails on is
        left out (it is extracted again when indexed) and does not stop the others."""
        ids = list(articles)
        texts = [(articles[a].get("body") or "", articles[a].get("hashtags") or ()) for a in ids]
        languages = [articles[a].get("language") for a in ids]
        try:
            found = ner.extract_many(texts, max_chars=self.settings.summaries.max_text_chars, languages=languages)
        except Exception as exc:  # find the article at fault; the others keep their results
            log.warning("entity extraction failed for a batch of %d (%s); one at a time", len(ids), exc)
            found = []
            for aid, text, language in zip(ids, texts, languages):
                try:
                    found.append(
                        ner.extract_many(
                            [text], max_chars=self.settings.summaries.max_text_chars, languages=[language]
                        )[0]
                    )
                except Exception as exc:
                    log.warning("could not extract the entities of article %s: %s", aid, exc)
                    found.append(None)
        return {
            aid: {**extracted_record(f), "hash": articles[aid].get("content_hash")}
            for aid, f in zip(ids, found)
            if f is not None
        }

    def index_pending(self, report: CycleReport | None = None) -> CycleReport:
        """Under the ``index`` lock: merge the entities of the articles summarized but not
        indexed (extracted by the workers that summarized them; extracted here only for
        rows without a current extraction), and cluster new articles into stories. Skipped
        if another process is doing it.

        The merge and the clustering are one transaction that first locks the
        ``data_version`` row: if another process changed the derived tables since this
        worker's last index run, its in-memory indexes reload first (exactly, not after
        the store's one-second check), and no one changes them until this commits."""
        report = report or CycleReport()
        with self.store.try_lock(LOCK_INDEX) as got:
            if not got:
                return report
            t0 = time.perf_counter()
            try:
                with self.store.batch():
                    version = self.store.lock_data_version()
                    self.timings["lock"] += time.perf_counter() - t0
                    core = NewsCore(self.store, self.settings)
                    if version != self._index_version:
                        self.store.reload_derived(version)  # another process wrote last: its changes are not in memory
                        self.timings["reloads"] += 1
                    core.entity_index()
                    core.story_index()  # (re)loaded here, if need be, so the timings say what it costs
                    t1 = time.perf_counter()
                    rows = self.store.unindexed_work(INDEX_ROWS)
                    if rows:
                        try:
                            with self.store.savepoint():  # a failed merge does not undo the rest
                                report.indexed = index_extracted(self.store, self._extracted_items(rows))
                        except Exception as exc:  # recorded as a failed job run (newsbrief status), not retried forever
                            log.error("entity indexing failed for %d articles: %s", len(rows), exc)
                            self.store.record_failed_job(
                                "index", self.id, f"{len(rows)} articles: {type(exc).__name__}: {exc}"
                            )
                        self.store.mark_indexed([r[0] for r in rows])
                    t2 = time.perf_counter()
                    report.stories = len(cluster_pending(self.store, core.story_index()))
                    t3 = time.perf_counter()
                    after = self.store.data_version()
            except BaseException:
                self.store.reload_derived()  # memory may hold what was rolled back
                self._index_version = None
                raise
            self._index_version = after
            self.timings["reload"] += t1 - t0
            self.timings["merge"] += t2 - t1
            self.timings["cluster"] += t3 - t2
        return report

    def _extracted_items(self, rows: list[WorkDone]) -> list[tuple[ArticleHead, list[ner.Extracted]]]:
        """``(article head, mentions)`` for un-indexed work rows, the last row of an
        article winning; mentions extracted here for the rows without a current
        extraction (made by other rules, from other content, or none stored)."""
        latest = {aid: doc for _, aid, doc in rows}
        meta = self.store.article_heads(list(latest))
        found: dict[str, list[ner.Extracted]] = {}
        again: list[str] = []
        for aid, doc in latest.items():
            if aid not in meta:
                continue  # pruned meanwhile
            mentions = extracted_from_record(doc) if doc and doc.get("hash") == meta[aid]["content_hash"] else None
            (again.append(aid) if mentions is None else found.__setitem__(aid, mentions))
        if again:
            bodies = self.store.get_articles(again)
            again = [a for a in again if a in bodies]
            log.info(
                "extracting the entities of %d articles under the index lock (no current extraction stored)", len(again)
            )
            for aid, mentions in zip(
                again,
                ner.extract_many(
                    [(bodies[a].get("body") or "", bodies[a].get("hashtags") or ()) for a in again],
                    max_chars=self.settings.summaries.max_text_chars,
                    languages=[bodies[a].get("language") for a in again],
                ),
            ):
                found[aid] = mentions
        self.timings["fallback"] += len(again)
        return [(meta[aid], found[aid]) for aid in latest if aid in found]

    def index_due(self, report: CycleReport) -> bool:
        """Whether this cycle should run the index. When there is summarized work to merge,
        the worker whose index run wrote the derived tables last (the *indexer*) does it:
        its indexes are current, another would first reload them (about 0.5 s per 1,000
        stored articles). Another worker takes the job when there is no live indexer (none
        yet, or the last write was not a worker's index run, or the indexer was not seen
        for ``takeover`` seconds), or when the work waited more than ``takeover`` seconds
        (the indexer does not keep up). So the last batches are indexed however workers
        stop, and ``run(once=True)`` waits for them."""
        state = self.store.index_state(self.id, self.takeover)
        if state.waited is None:
            return False  # nothing to merge
        if state.version == self._index_version:
            return True
        return not state.indexer_alive or state.waited > self.takeover

    def pending(self) -> int:
        """Articles without a current summary (claimed or not)."""
        return self.store.pending_summaries(summary_key(self.settings.summaries))

    def unindexed(self) -> int:
        """Articles summarized whose entities are not merged into the index yet."""
        return self.store.unindexed_count()

    def run(self, stop: threading.Event, *, once: bool = False, idle_seconds: float = 5.0) -> None:
        """Cycles until ``stop`` is set (``once``: until no article is pending, including
        those claimed by workers that died and whose claims have yet to expire)."""
        try:
            self._run(stop, once=once, idle_seconds=idle_seconds)
        finally:
            log.info("worker %s timings: %s", self.id, self.timing_line())

    def timing_line(self) -> str:
        """Where this worker's time went: seconds summarizing (claim, summarize, extract,
        commit), reloading indexes another process changed, merging entities, clustering."""
        t = self.timings
        return (
            f"summarize {t['summarize']:.1f} s, reload {t['reload']:.1f} s ({t['reloads']} reloads; "
            f"{t['lock']:.1f} s of it waiting for data_version), "
            f"merge {t['merge']:.1f} s, cluster {t['cluster']:.1f} s, "
            f"{t['fallback']} extracted under the index lock"
        )

    def _run(self, stop: threading.Event, *, once: bool, idle_seconds: float) -> None:
        while not stop.is_set():
            try:
                report = self.cycle()
                if report.claimed == 0 and once and self.pending() == 0 and not (self.index and self.unindexed()):
                    return
            except Exception as exc:  # the database away, a bug in one batch: keep going
                log.warning("worker cycle failed (%s); trying again", exc)
                stop.wait(idle_seconds)
                continue
            if report.claimed == 0:
                stop.wait(min(idle_seconds, 0.5) if once else idle_seconds)


BOT_PREFIX = "bot:"  # the worker id of a bot process doing the work itself
ALIVE_SECONDS = 120.0


def workers_alive(store: NewsStore, within: float = ALIVE_SECONDS) -> int:
    """How many ``newsbrief worker`` processes were seen in the last ``within`` seconds."""
    return store.workers_seen(within, exclude_prefix=BOT_PREFIX)


def pipeline_job(store: NewsStore, settings: Settings) -> Callable[[], object]:
    """The scheduled job of ``newsbrief run``: the pipeline on TinyDB. On PostgreSQL, a
    worker's cycles until nothing is pending, unless ``newsbrief worker`` processes are
    running (seen in the last two minutes): then the work is theirs, and the bot process
    stays small (the story index, for one, holds every article in memory)."""
    if not store.capabilities.workers:
        return functools.partial(run_pipeline, store, settings)
    worker: list[Worker] = []
    lock = threading.Lock()

    def job() -> None:
        if not lock.acquire(blocking=False):
            return
        try:
            if workers_alive(store):
                log.info("workers are running: the pipeline's work is theirs")
                return
            if not worker:
                worker.append(Worker(store, settings, worker_id=f"{BOT_PREFIX}{socket.gethostname()}:{os.getpid()}"))
            w = worker[0]
            w.scheduled_work()
            while w.summarize_batch().claimed:
                pass
            w.index_pending()
        finally:
            lock.release()

    return job

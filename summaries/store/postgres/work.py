"""The PostgreSQL store's work queue (:class:`~summaries.store.capabilities.WorkQueue`),
what :mod:`summaries.pipeline.worker` runs on: the tables ``work_claims``, ``work_done``,
``workers``, ``job_runs``, ``schedule`` and ``data_version``, and advisory locks.

Row locks are plain SQL rather than a task-queue library (procrastinate, pgqueuer): the
work items are the articles themselves (an article needs work while it has no current
summary), so a queue would duplicate state the tables already hold; ``SKIP LOCKED`` with
an expiring claim row is the few lines of SQL those libraries are built on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, cast

from newsbrief.summaries.store.postgres.common import Jsonb
from newsbrief.summaries.store.records import (
    ArticleHead,
    ExtractedRecord,
    IndexState,
    JobRun,
    SummaryRecord,
    WorkDone,
    WorkerRecord,
    WorkStatus,
)

__all__ = ["WorkTables"]

_CLAIM = """
WITH todo AS (
    SELECT a.id FROM articles a
    LEFT JOIN summaries s ON s.article_id = a.id
    LEFT JOIN work_claims c ON c.article_id = a.id
    WHERE (s.article_id IS NULL OR s.doc->>'content_hash' IS DISTINCT FROM a.content_hash
           OR s.doc->>'key' IS DISTINCT FROM %(key)s)
      AND (c.article_id IS NULL OR c.expires_at < now())
    ORDER BY a.seq
    LIMIT %(n)s
    FOR UPDATE OF a SKIP LOCKED
)
INSERT INTO work_claims (article_id, worker, expires_at)
SELECT id, %(worker)s, now() + make_interval(secs => %(lease)s) FROM todo
ON CONFLICT (article_id) DO UPDATE
    SET worker = EXCLUDED.worker, claimed_at = now(), expires_at = EXCLUDED.expires_at
    WHERE work_claims.expires_at < now()
RETURNING article_id
"""

_PENDING = (
    "SELECT count(*) FROM articles a LEFT JOIN summaries s ON s.article_id = a.id "
    "WHERE s.article_id IS NULL OR s.doc->>'content_hash' IS DISTINCT FROM a.content_hash "
    "OR s.doc->>'key' IS DISTINCT FROM %s"
)


class WorkTables:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: the work queue.
    Every method runs on the current batch's connection when inside :meth:`batch`."""

    writer_id: str

    def worker_seen(self, worker_id: str, host: str, pid: int, processed: int) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO workers (id, host, pid, writer) VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO UPDATE "
                "SET last_seen = now(), processed = %s, writer = EXCLUDED.writer",
                (worker_id, host, pid, self.writer_id, processed),
            )

    @contextlib.contextmanager
    def try_lock(self, key: int) -> Iterator[bool]:
        """The advisory lock ``key`` for the block, if free (a session lock, on a
        connection of its own for the block)."""
        with self._conn() as conn:
            conn.autocommit = True
            try:
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
                try:
                    yield got
                finally:
                    if got:
                        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            finally:
                conn.autocommit = False

    def start_job(self, job: str, worker_id: str) -> int:
        with self._conn() as conn:
            return conn.execute(
                "INSERT INTO job_runs (job, worker, started) VALUES (%s, %s, now()) RETURNING id", (job, worker_id)
            ).fetchone()[0]

    def finish_job(self, run_id: int, ok: bool, detail: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "UPDATE job_runs SET finished = now(), ok = %s, detail = %s WHERE id = %s", (ok, detail[:500], run_id)
            )

    def record_failed_job(self, job: str, worker_id: str, detail: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO job_runs (job, worker, started, finished, ok, detail) "
                "VALUES (%s, %s, now(), now(), false, %s)",
                (job, worker_id, detail[:500]),
            )

    def schedule_due(self, job: str, every_seconds: float) -> bool:
        with self._conn() as conn:
            return bool(
                conn.execute(
                    "SELECT coalesce(max(last_run), '-infinity') <= now() - make_interval(secs => %s) "
                    "FROM schedule WHERE job = %s",
                    (every_seconds, job),
                ).fetchone()[0]
            )

    def mark_scheduled(self, job: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO schedule (job, last_run) VALUES (%s, now()) "
                "ON CONFLICT (job) DO UPDATE SET last_run = now()",
                (job,),
            )

    def claim_work(self, worker_id: str, key: str, n: int, lease: float) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(_CLAIM, {"key": key, "n": n, "worker": worker_id, "lease": float(lease)}).fetchall()
        return [r[0] for r in rows]

    def finish_work(
        self,
        worker_id: str,
        ids: Sequence[str],
        summaries: Sequence[SummaryRecord],
        extracted: dict[str, ExtractedRecord],
    ) -> set[str]:
        with self.batch(), self._conn() as conn:
            held = {
                r[0]
                for r in conn.execute(
                    "DELETE FROM work_claims WHERE article_id = ANY(%s) AND worker = %s RETURNING article_id",
                    (list(ids), worker_id),
                )
            }
            mine = [r for r in summaries if r["article_id"] in held]
            self.put_summaries(mine)
            found = [
                (r["article_id"], worker_id, self._jsonb(extracted.get(r["article_id"])))
                for r in mine
                if not r.get("failed")
            ]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO work_done (article_id, worker, entities) VALUES (%s, %s, %s)", found)
        return held

    @staticmethod
    def _jsonb(doc: ExtractedRecord | None) -> Jsonb | None:
        return None if doc is None else Jsonb(doc)

    def pending_summaries(self, key: str) -> int:
        with self._conn() as conn:
            return conn.execute(_PENDING, (key,)).fetchone()[0]

    def lock_data_version(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT n FROM data_version FOR UPDATE").fetchone()[0]

    def data_version(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT n FROM data_version").fetchone()[0]

    def unindexed_work(self, limit: int) -> list[WorkDone]:
        with self._conn() as conn:
            return [
                tuple(r)
                for r in conn.execute(  # type: ignore[misc]
                    "SELECT id, article_id, entities FROM work_done WHERE NOT indexed ORDER BY id LIMIT %s", (limit,)
                )
            ]

    def mark_indexed(self, row_ids: Sequence[int]) -> None:
        with self._conn() as conn:
            conn.execute("UPDATE work_done SET indexed = true WHERE id = ANY(%s)", (list(row_ids),))

    def unindexed_count(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT count(*) FROM work_done WHERE NOT indexed").fetchone()[0]

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._conn() as conn, conn.transaction():
            yield

    def index_state(self, worker_id: str, takeover: float) -> IndexState:
        with self._conn() as conn:
            version, waited, alive = conn.execute(
                "SELECT v.n, (SELECT extract(epoch FROM now() - min(at)) FROM work_done WHERE NOT indexed), "
                "EXISTS (SELECT 1 FROM workers w WHERE w.writer = v.writer AND w.id <> %(me)s "
                "        AND w.last_seen > now() - make_interval(secs => %(takeover)s)) "
                "FROM data_version v",
                {"me": worker_id, "takeover": float(takeover)},
            ).fetchone()
        return IndexState(version=version, waited=None if waited is None else float(waited), indexer_alive=alive)

    def workers_seen(self, within: float, *, exclude_prefix: str = "") -> int:
        with self._conn() as conn:
            if not exclude_prefix:
                return conn.execute(
                    "SELECT count(*) FROM workers WHERE last_seen >= now() - make_interval(secs => %s)", (within,)
                ).fetchone()[0]
            return conn.execute(
                "SELECT count(*) FROM workers WHERE last_seen >= now() - make_interval(secs => %s) AND id NOT LIKE %s",
                (within, exclude_prefix + "%"),
            ).fetchone()[0]

    def work_status(self, recent_minutes: int) -> WorkStatus:
        with self._conn() as conn:
            claimed = conn.execute("SELECT count(*) FROM work_claims WHERE expires_at >= now()").fetchone()[0]
            workers = [
                cast(WorkerRecord, dict(zip(("id", "host", "pid", "started", "last_seen", "processed"), row)))
                for row in conn.execute(
                    "SELECT id, host, pid, started, last_seen, processed FROM workers "
                    "WHERE last_seen >= now() - make_interval(mins => %s) ORDER BY id",
                    (recent_minutes,),
                )
            ]
            jobs = [
                cast(JobRun, dict(zip(("job", "worker", "started", "finished", "ok", "detail"), row)))
                for row in conn.execute(
                    "SELECT job, worker, started, finished, ok, detail FROM job_runs ORDER BY started DESC LIMIT 10"
                )
            ]
            failures = conn.execute("SELECT count(*) FROM job_runs WHERE ok = false").fetchone()[0]
        return WorkStatus(claimed=claimed, workers=workers, jobs=jobs, failures=failures)

    def article_heads(self, article_ids: Sequence[str]) -> dict[str, ArticleHead]:
        with self._conn() as conn:
            return {
                aid: {"id": aid, "date": date, "headline": headline or "", "content_hash": chash}
                for aid, date, headline, chash in conn.execute(
                    "SELECT id, date, doc->>'headline', content_hash FROM articles WHERE id = ANY(%s)",
                    (list(article_ids),),
                )
            }

    # provided by PostgresStore
    def _conn(self, *, write: bool = False) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def batch(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def put_summaries(self, records: Any) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

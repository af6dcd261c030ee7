"""What an operator sees of a store (``newsbrief status``): counts per table, pending
work, workers seen recently, the last job runs and failures, the schema version."""

from __future__ import annotations

import re
from typing import Any

from newsbrief.summaries.store.base import SCHEMA_VERSION, TABLES, NewsStore

__all__ = ["store_status", "redact_location", "RECENT_MINUTES"]

RECENT_MINUTES = 5


def redact_location(location: str) -> str:
    """A store location for messages: a URL's password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", location)


def store_status(store: NewsStore, settings: Any) -> dict[str, Any]:
    """The status of a store as plain data (JSON-ready)."""
    from newsbrief.summaries.nlp.summarizer import summary_key

    key = summary_key(settings.summaries)
    if hasattr(store, "connection"):  # PostgreSQL
        with store.connection() as conn:
            pending = conn.execute(
                "SELECT count(*) FROM articles a LEFT JOIN summaries s ON s.article_id = a.id "
                "WHERE s.article_id IS NULL OR s.doc->>'content_hash' IS DISTINCT FROM a.content_hash "
                "OR s.doc->>'key' IS DISTINCT FROM %s", (key,)).fetchone()[0]
            claimed = conn.execute("SELECT count(*) FROM work_claims WHERE expires_at >= now()").fetchone()[0]
            workers = [dict(zip(("id", "host", "pid", "started", "last_seen", "processed"), row)) for row in conn.execute(
                "SELECT id, host, pid, started, last_seen, processed FROM workers "
                "WHERE last_seen >= now() - make_interval(mins => %s) ORDER BY id", (RECENT_MINUTES,))]
            jobs = [dict(zip(("job", "worker", "started", "finished", "ok", "detail"), row)) for row in conn.execute(
                "SELECT job, worker, started, finished, ok, detail FROM job_runs ORDER BY started DESC LIMIT 10")]
            failures = conn.execute("SELECT count(*) FROM job_runs WHERE ok = false").fetchone()[0]
        return {"backend": "postgresql", "location": redact_location(store.url), "schema": store.schema_version(),
                "counts": store.table_counts(), "pending": {"unsummarized": pending, "claimed": claimed},
                "workers": workers, "jobs": jobs, "job_failures": failures,
                "database_bytes": store.database_size()}
    counts = {name: len(store.export_records(name)) for name in TABLES if name != "meta"}
    pending = sum(1 for a in store.iter_articles()
                  if not ((s := store.get_summary(a["id"])) and s.get("key") == key
                          and s.get("content_hash") == a.get("content_hash")))
    return {"backend": "tinydb", "location": str(getattr(store, "path", "")), "schema": SCHEMA_VERSION,
            "counts": counts, "pending": {"unsummarized": pending, "claimed": 0},
            "workers": None, "jobs": None, "job_failures": None}

"""What an operator sees of a store (``newsbrief status``): counts per table, pending
work, workers seen recently, the last job runs and failures, the schema version."""

from __future__ import annotations

import re
from typing import Any

from newsbrief.summaries.store.base import NewsStore

__all__ = ["store_status", "redact_location", "RECENT_MINUTES"]

RECENT_MINUTES = 5


def redact_location(location: str) -> str:
    """A store location for messages: a URL's password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", location)


def store_status(store: NewsStore, summary_key: str) -> dict[str, Any]:
    """The status of a store as plain data (JSON-ready); ``summary_key`` names the
    current summarizer (a summary made with another is pending)."""
    status: dict[str, Any] = {
        "backend": store.backend,
        "location": store.location(),
        "schema": store.schema_version(),
        "counts": store.table_counts(),
    }
    pending = store.pending_summaries(summary_key)
    if not store.capabilities.workers:
        return {
            **status,
            "pending": {"unsummarized": pending, "claimed": 0},
            "workers": None,
            "jobs": None,
            "job_failures": None,
        }
    work = store.work_status(RECENT_MINUTES)
    return {
        **status,
        "pending": {"unsummarized": pending, "claimed": work.claimed},
        "workers": work.workers,
        "jobs": work.jobs,
        "job_failures": work.failures,
        "database_bytes": store.database_size(),
    }

"""The state of the configured sources, as ``newsbrief sources`` shows it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newsbrief.summaries.config import Source
from newsbrief.summaries.ingest.feeds import WEB_KINDS, source_states, state_for
from newsbrief.summaries.store import NewsStore

__all__ = ["SourceStatus", "source_status"]


@dataclass(frozen=True)
class SourceStatus:
    """One configured source as ``newsbrief sources`` shows it."""

    name: str
    kind: str
    location: str
    last_attempt: str = ""
    status: str = ""  # "ok", "not modified", "error: reason", "never fetched", or "" (not fetched by this module)
    next_attempt: str = ""
    failures: int = 0
    articles: int = 0  # stored articles that came from this source
    also_in: int = 0  # stored articles of other sources this one carried too


def source_status(store: NewsStore, sources: Sequence[Source]) -> list[SourceStatus]:
    """The state of each configured source, with its stored article counts."""
    states = source_states(store)
    own: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    for article in store.iter_articles():
        own[article.get("source") or ""] += 1
        for name in article.get("also_in") or ():
            shared[name] += 1
    rows = []
    for source in sources:
        state = state_for(states, source) if source.kind in WEB_KINDS else {}
        if source.kind not in WEB_KINDS:
            status = "read from disk every run"
        elif not state:
            status = "never fetched"
        elif state.get("status") == "error":
            status = f"error: {state.get('reason', '')}"
        else:
            status = state.get("status", "ok") + (f" ({state['reason']})" if state.get("reason") else "")
        rows.append(
            SourceStatus(
                name=source.name,
                kind=source.kind,
                location=source.location,
                last_attempt=state.get("last_attempt", ""),
                status=status,
                next_attempt=state.get("next_attempt", "") if state else "",
                failures=int(state.get("failures") or 0),
                articles=own.get(source.name, 0),
                also_in=shared.get(source.name, 0),
            )
        )
    return rows

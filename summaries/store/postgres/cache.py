"""A short-lived read cache of the PostgreSQL store (what a briefing reads right after
listing a day's articles)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["ReadCache"]


class ReadCache:
    """A small, short-lived cache of what a briefing reads right after listing a day's
    articles (their stories and the stories' member articles): one round trip for the
    lot instead of one per article. Entries live ``ttl`` seconds (another process's
    change shows after at most that long); this store's own writes empty it."""

    def __init__(self, ttl: float = 1.0, size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._data: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: str) -> tuple[bool, Any]:
        with self._lock:
            hit = self._data.get((kind, key))
        if hit is None or hit[0] < self._clock():
            return False, None
        return True, hit[1]

    def put_many(self, kind: str, items: dict[str, Any]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._data) + len(items) > self.size:
                self._data.clear()
            elif self._data and next(iter(self._data.values()))[0] < now:  # the oldest ran out: drop those that did
                self._data = {k: v for k, v in self._data.items() if v[0] >= now}
            for key, value in items.items():
                self._data.pop((kind, key), None)  # kept in order of expiry
                self._data[(kind, key)] = (now + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

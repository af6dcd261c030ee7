"""Token buckets per user (the flood control of :mod:`bot.flood`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Buckets"]

FORGET_AFTER = 3600.0  # seconds: a bucket full again for this long is forgotten


@dataclass
class _Bucket:
    level: float
    checked: float
    told: bool = False  # the user was told to slow down, and has not been let through since


class Buckets:
    """Token buckets per user: ``burst`` at once, ``per_minute`` refilled a minute."""

    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = max(1, burst)
        self.per_second = max(per_minute, 0.0) / 60
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._seen = 0

    def take(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, tell): whether this update may run, and if not whether to say why."""
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        bucket.level = min(self.burst, bucket.level + (now - bucket.checked) * self.per_second)
        bucket.checked = now
        self._seen += 1
        if self._seen % 10_000 == 0:
            self._forget(now)
        if bucket.level >= 1:
            bucket.level -= 1
            bucket.told = False
            return True, False
        tell = not bucket.told
        bucket.told = True
        return False, tell

    def _forget(self, now: float) -> None:
        full = self.burst / self.per_second if self.per_second else FORGET_AFTER
        for user_id in [u for u, b in self._buckets.items() if now - b.checked > max(full, FORGET_AFTER)]:
            del self._buckets[user_id]

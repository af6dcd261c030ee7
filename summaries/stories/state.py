"""One story as the story index holds it: its members (with their times and outlets) and,
while it is live, their vectors, their sum (the centroid) and which members hold each term.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.stories.signals import dot

__all__ = ["StoryState", "SUPPORT_RECENT", "article_hours"]

SUPPORT_RECENT = 64  # members of a term looked at for a join's support (the latest ones)
_dot = dot


@dataclass
class StoryState:
    """One story in the index: its members, and for live stories their vectors."""

    id: str
    members: dict[str, str] = field(default_factory=dict)  # article id -> content hash
    hours: dict[str, float] = field(default_factory=dict)  # article id -> published (hours)
    outlets: dict[str, str] = field(default_factory=dict)  # article id -> outlet (folded)
    vectors: dict[str, dict[str, float]] = field(default_factory=dict)  # live members' headline vectors
    # term -> live members holding it, oldest first (a dict used as an ordered set)
    holders: dict[str, dict[str, None]] = field(default_factory=dict)
    centroid: dict[str, float] = field(default_factory=dict)
    sqnorm: float = 0.0
    bodies: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # (article id, unit body vector)
    first: float = math.inf
    last: float = -math.inf
    live: bool = False  # in the candidate index
    by_outlet: dict[str, set[str]] = field(default_factory=dict)  # outlet -> its members
    _middle: float | None = None

    def add_vector(self, aid: str, vec: dict[str, float]) -> None:
        self.vectors[aid] = vec
        self.sqnorm += 2 * _dot(self.centroid, vec) + _dot(vec, vec)
        for t, w in vec.items():
            self.centroid[t] = self.centroid.get(t, 0.0) + w
            self.holders.setdefault(t, {})[aid] = None

    def drop_vector(self, aid: str) -> None:
        vec = self.vectors.pop(aid, None)
        if vec is None:
            return
        for t, w in vec.items():
            left = self.centroid.get(t, 0.0) - w
            if abs(left) < 1e-9:
                self.centroid.pop(t, None)
            else:
                self.centroid[t] = left
            held = self.holders.get(t)
            if held is not None:
                held.pop(aid, None)
                if not held:
                    del self.holders[t]
        self.sqnorm = _dot(self.centroid, self.centroid)

    def forget_vectors(self) -> None:
        """Out of the window for good: keep only who the members are."""
        self.vectors, self.holders, self.centroid, self.sqnorm, self.bodies = {}, {}, {}, 0.0, []

    def similarity(self, vec: dict[str, float]) -> float:
        if self.sqnorm <= 0:
            return 0.0
        return _dot(vec, self.centroid) / math.sqrt(self.sqnorm)

    def support(self, vec: dict[str, float], k: int) -> float:
        """The mean similarity of ``vec`` to its ``k`` most similar live members (fewer
        if the story is smaller): how many reports, not only the average, back a join."""
        acc: dict[str, float] = {}
        for t, w in vec.items():
            held = self.holders.get(t)
            if not held:
                continue
            for a in itertools.islice(reversed(held), SUPPORT_RECENT):  # the latest holders: bounded cost
                acc[a] = acc.get(a, 0.0) + w * self.vectors[a][t]
        k = min(k, len(self.vectors)) or 1
        return sum(heapq.nlargest(k, acc.values())) / k

    def gap_hours(self, hours: float) -> float:
        """Hours between ``hours`` and the story's median report (a late off-topic member
        cannot pull the story forward in time)."""
        return abs(hours - self.middle())

    def middle(self) -> float:
        """The median time of the members (cached until they change)."""
        if self._middle is None:
            times = sorted(self.hours.values())
            self._middle = times[len(times) // 2] if times else 0.0
        return self._middle

    def rebound(self) -> None:
        self._middle = None
        times = self.hours.values()
        self.first, self.last = (min(times), max(times)) if times else (math.inf, -math.inf)


def article_hours(article: dict[str, Any]) -> float:
    """When the article was published, in hours since the epoch: its ``published`` time
    if it has one, else noon UTC of its date."""
    for value in (article.get("published"), article.get("date")):
        if not value:
            continue
        text = str(value)
        try:
            if len(text) == 10:
                moment = dt.datetime.fromisoformat(text).replace(hour=12, tzinfo=dt.UTC)
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
            return moment.timestamp() / 3600.0
        except ValueError:
            continue
    return 0.0

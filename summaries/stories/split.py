"""The online split check: a story whose members fall into two groups, each tight and the
two far apart, holds two events (online joining chained a second happening about the same
firm or person onto the first). The check runs each time a report joins a story, seeded
by that report's terms, so its cost stays with the story, not the store.

A group is the members holding one seed term; the rest is the other group. With unit
vectors, a group's mean pairwise similarity and the two groups' mean cross similarity come
from the groups' vector sums (no pairwise loop):

* ``tight``: the seed group's mean similarity within is at least ``tight``;
* ``apart``: the mean similarity across the groups is at most ``ratio`` times the looser
  group's own mean similarity (both groups must be tighter than they are close); or, for
  a topic story whose rest is loose (a launch, its outage and its patch reported around
  one game), at most ``ratio`` times the seed group's own, when at least ``outlet_share``
  of the seed group comes from outlets that also report the rest: one outlet rarely
  reports one happening twice, so its second, tightly grouped report tells another;
* ``own words``: the seed group has ``terms`` words besides the seed that at least
  ``inside`` of it and at most ``outside`` of the rest hold (what happened, not only who).

At most half the story (and at most ``MAX_GROUP`` members) splits off, a group of at
least ``min_group`` members.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

from newsbrief.summaries.stories.signals import dot
from newsbrief.summaries.stories.state import SUPPORT_RECENT, StoryState

__all__ = ["SplitRule", "find_split", "find_strays", "find_twin", "MAX_GROUP"]

MAX_GROUP = 64  # a larger group is not tried (the check's cost stays bounded)


class SplitRule:
    """When a story splits: groups of at least ``min_group`` members, the seed group's
    mean similarity at least ``tight``, the cross similarity at most ``ratio`` of it."""

    def __init__(
        self,
        min_group: int = 3,
        tight: float = 0.35,
        ratio: float = 0.4,
        inside: float = 0.5,
        outside: float = 0.1,
        terms: int = 1,
        outlet_share: float = 2.0,
    ) -> None:
        self.min_group, self.tight, self.ratio = min_group, tight, ratio
        self.inside, self.outside, self.terms = inside, outside, terms
        self.outlet_share = outlet_share


def _signature(
    group: set[str],
    vectors: Mapping[str, dict[str, float]],
    holders: Mapping[str, Mapping[str, None]],
    seed: str,
    rule: SplitRule,
    rest: int,
) -> bool:
    """Whether the group has a second term of its own besides the seed: held by at least
    ``inside`` of the group and at most ``outside`` of the rest (what happened, not only who)."""
    counts: dict[str, int] = {}
    for aid in group:
        for t in vectors[aid]:
            if t != seed:
                counts[t] = counts.get(t, 0) + 1
    own = 0
    for t, c in counts.items():
        if c >= rule.inside * len(group) and len(holders.get(t, {}).keys() - group) <= rule.outside * rest:
            own += 1
    return own >= rule.terms


def _shared_outlets(group: set[str], vectors: Mapping[str, object], outlets: Mapping[str, str] | None) -> float:
    """The share of ``group`` from outlets that also report the rest of the story."""
    if not outlets:
        return 0.0
    rest = {outlets.get(a, "") for a in vectors if a not in group} - {""}
    return sum(1 for a in group if outlets.get(a, "") in rest) / len(group)


def _sum(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for vec in vectors:
        for t, w in vec.items():
            total[t] = total.get(t, 0.0) + w
    return total


def find_split(
    vectors: Mapping[str, dict[str, float]],
    holders: Mapping[str, Mapping[str, None]],
    whole: Mapping[str, float],
    whole_sq: float,
    seeds: Iterable[str],
    rule: SplitRule,
    outlets: Mapping[str, str] | None = None,
) -> set[str] | None:
    """The members to split off (``None``: keep the story whole). ``vectors``: each live
    member's unit vector; ``holders``: the members holding each term; ``whole``: the sum of
    the vectors and ``whole_sq`` its squared norm; ``seeds``: the terms to try (the new
    report's); ``outlets``: each member's outlet."""
    n = len(vectors)
    if n < 2 * rule.min_group:
        return None
    total_sq = sum(1.0 for v in vectors.values() if v)
    best: tuple[float, str, set[str]] | None = None
    for term in sorted(set(seeds)):
        held = holders.get(term, {})
        if not rule.min_group <= len(held) <= min(n // 2, MAX_GROUP):
            continue
        group = set(held)
        g_sum = _sum(vectors[a] for a in sorted(group))
        g_sq = float(len(group))
        # the rest's sum is whole - g_sum: its norms follow without building it
        g_whole = sum(w * whole.get(t, 0.0) for t, w in g_sum.items())
        g_g = dot(g_sum, g_sum)
        m = n - len(group)
        within_g = (g_g - g_sq) / (len(group) * (len(group) - 1))
        r_r = whole_sq - 2 * g_whole + g_g
        within_r = (r_r - (total_sq - g_sq)) / (m * (m - 1)) if m > 1 else 1.0
        across = (g_whole - g_g) / (len(group) * m)
        if within_g < rule.tight or across > rule.ratio * within_g:
            continue
        if across > rule.ratio * within_r and _shared_outlets(group, vectors, outlets) < rule.outlet_share:
            continue
        if not _signature(group, vectors, holders, term, rule, m):
            continue
        margin = within_g - across
        if best is None or (margin, term) > (best[0], best[1]):
            best = (margin, term, group)
    return best[2] if best else None


def find_twin(
    story: StoryState, others: Iterable[StoryState], least: float, ratio: float, hours: float
) -> StoryState | None:
    """The other story that reports ``story``'s event (the two grew apart, each telling it
    in other words before either held the other's): the mean similarity across their
    members is at least ``least``, and more than ``ratio`` of the looser one's mean within
    (so a merge never undoes a split); their median times at most ``hours`` apart.
    ``None``: no twin."""
    n = len(story.vectors)
    if n < 3:
        return None
    best, best_sim = None, least
    for other in others:
        m = len(other.vectors)
        if m < 3 or abs(other.middle() - story.middle()) > hours:
            continue
        sim = dot(story.centroid, other.centroid) / (n * m)
        within = min((s.sqnorm - k) / (k * (k - 1)) for s, k in ((story, n), (other, m)))
        if sim >= best_sim and sim > ratio * within:
            best, best_sim = other, sim
    return best


def _fit(story: StoryState, vec: dict[str, float], k: int, own: bool) -> float:
    """The join's evidence that ``vec`` belongs to ``story``: half the similarity to the
    centroid, half the mean similarity to the ``k`` closest members. ``own``: ``vec`` is a
    member of ``story``, and is left out of both (a report always fits itself)."""
    if not own:
        return 0.5 * story.similarity(vec) + 0.5 * story.support(vec, k)
    d = dot(vec, story.centroid)
    rest = story.sqnorm - 2.0 * d + dot(vec, vec)
    centroid = (d - dot(vec, vec)) / math.sqrt(rest) if rest > 1e-9 else 0.0
    n = min(k + 1, len(story.vectors))
    support = (story.support(vec, k + 1) * n - 1.0) / max(1, n - 1)  # its own similarity (1) out
    return 0.5 * centroid + 0.5 * support


def find_strays(story: StoryState, other: StoryState, terms: Sequence[str], k: int) -> list[str]:
    """The members of ``other`` that fit ``story`` better than their own story, by the
    join's evidence (:func:`_fit`): reports that joined ``other`` before ``story`` had
    grown enough to take them. Only the latest holders of ``terms`` (``story``'s heaviest)
    are looked at, so the cost stays bounded; ``other`` is never emptied."""
    seen: set[str] = set()
    for t in terms:
        seen.update(itertools.islice(reversed(other.holders.get(t, {})), SUPPORT_RECENT))
    strays = [
        a
        for a in sorted(seen)
        if _fit(story, other.vectors[a], k, own=False) > _fit(other, other.vectors[a], k, own=True)
    ]
    return strays if len(strays) < len(other.members) else []

"""Write helpers of the PostgreSQL store's derived entity tables (used by
:class:`~summaries.store.postgres.entities.EntityTables` inside its write transaction):
the sources of entities, the story of articles, and the changes of ``entity_story``,
``entity_totals.stories`` and ``entity_co`` applied in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["apply_co", "apply_story_counts", "entity_src", "story_keys"]


def entity_src(conn: Any, keys: Sequence[str]) -> dict[str, dict[str, int]]:
    """Source -> articles, of these entities (locked until the transaction ends)."""
    if not keys:
        return {}
    return {
        key: dict(src or {})
        for key, src in conn.execute(
            "SELECT entity, totals->'src' FROM entity_totals WHERE entity = ANY(%s) FOR UPDATE", (list(keys),)
        )
    }


def story_keys(cur: Any, article_ids: Sequence[str]) -> dict[str, str]:
    """Article -> its story id, or ``article:<id>`` for one not clustered (a story of its own)."""
    ids = list(dict.fromkeys(article_ids))
    out = {aid: "article:" + aid for aid in ids}
    if ids:
        out.update(cur.execute("SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)", (ids,)))
    return out


def apply_story_counts(cur: Any, ops: dict[tuple[str, str], int]) -> None:
    """Add these changes to the entities' articles per story (``entity_story``), and
    keep ``entity_totals.stories`` the number of stories each has articles in."""
    ops = {pair: d for pair, d in ops.items() if d}
    if not ops:
        return
    pairs = list(ops)
    current = {
        (e, st): n
        for e, st, n in cur.execute(
            "SELECT c.entity, c.story, c.n FROM entity_story c JOIN unnest(%s::text[], %s::text[]) AS p(e, s) "
            "ON c.entity = p.e AND c.story = p.s",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
    }
    keep, drop = [], []
    stories: dict[str, int] = {}
    for pair, d in ops.items():
        before = current.get(pair, 0)
        after = max(0, before + d)
        if after > 0:
            keep.append((*pair, after))
        elif before > 0:
            drop.append(pair)
        change = (after > 0) - (before > 0)
        if change:
            stories[pair[0]] = stories.get(pair[0], 0) + change
    if drop:
        cur.execute(
            "DELETE FROM entity_story c USING unnest(%s::text[], %s::text[]) AS p(e, s) "
            "WHERE c.entity = p.e AND c.story = p.s",
            ([p[0] for p in drop], [p[1] for p in drop]),
        )
    if keep:
        cur.execute(
            "INSERT INTO entity_story (entity, story, n) SELECT * FROM unnest(%s::text[], %s::text[], %s::int[]) "
            "ON CONFLICT (entity, story) DO UPDATE SET n = EXCLUDED.n",
            ([k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep]),
        )
    if stories:
        cur.execute(
            "UPDATE entity_totals t SET stories = t.stories + d.n FROM unnest(%s::text[], %s::int[]) AS d(e, n) "
            "WHERE t.entity = d.e",
            (list(stories), list(stories.values())),
        )


def apply_co(cur: Any, ops: dict[tuple[str, str], list[int]]) -> None:
    """Apply co-mention changes in order: -1 takes one article away (a pair at 0 goes),
    any other value adds one (a pair that was not there takes it as its order)."""
    pairs = list(ops)
    current = {
        (a, b): (n, first)
        for a, b, n, first in cur.execute(
            "SELECT c.entity, c.other, c.n, c.first FROM entity_co c "
            "JOIN unnest(%s::text[], %s::text[]) AS p(a, b) ON c.entity = p.a AND c.other = p.b",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
    }
    keep, drop = [], []
    for pair, changes in ops.items():
        n, first = current.get(pair, (0, 0))
        for change in changes:
            if change == -1:
                n = max(0, n - 1)
            else:
                first = change if n == 0 else first
                n += 1
        if n > 0:
            if (n, first) != current.get(pair):
                keep.append((*pair, n, first))
        elif pair in current:
            drop.append(pair)
    if drop:
        cur.execute(
            "DELETE FROM entity_co c USING unnest(%s::text[], %s::text[]) AS p(a, b) "
            "WHERE c.entity = p.a AND c.other = p.b",
            ([p[0] for p in drop], [p[1] for p in drop]),
        )
    if keep:
        cur.execute(
            "INSERT INTO entity_co (entity, other, n, first) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::bigint[]) "
            "ON CONFLICT (entity, other) DO UPDATE SET n = EXCLUDED.n, first = EXCLUDED.first",
            ([k[0] for k in keep], [k[1] for k in keep], [k[2] for k in keep], [k[3] for k in keep]),
        )

"""What a briefing reads from the PostgreSQL store: the newest articles (with the stories
of a listed day prefetched) and a story listing in three indexed queries."""

from __future__ import annotations

from typing import Any

from newsbrief.summaries.store.base import LEAD_CHARS, StoryListing
from newsbrief.summaries.store.postgres.cache import ReadCache
from newsbrief.summaries.store.postgres.common import loads as _loads
from newsbrief.summaries.store.postgres.common import psycopg
from newsbrief.summaries.store.records import ArticleRecord

__all__ = ["Listings", "PREFETCH_MAX"]

PREFETCH_MAX = 20_000  # articles a listing may prefetch the stories of


class Listings:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: listings."""

    _cache: ReadCache
    _local: Any

    def latest_articles(
        self, limit: int | None = None, *, on_date: str | None = None, since: str | None = None
    ) -> list[ArticleRecord]:
        where: list[str] = []
        params: list[object] = []
        if on_date is not None:
            where.append("date = %s")
            params.append(on_date)
        if since is not None:
            where.append("date >= %s")
            params.append(since)
        query = "SELECT doc FROM articles" + (" WHERE " + " AND ".join(where) if where else "")
        query += " ORDER BY date DESC, seq DESC"
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        with self._conn() as conn:
            rows = [r[0] for r in conn.execute(query, params)]
            if (
                (on_date is not None or limit is not None)
                and len(rows) <= PREFETCH_MAX
                and getattr(self._local, "conn", None) is None
            ):
                self._prefetch(conn, rows)
            return rows

    # what a briefing reads of an article (base.light_record), written with it (made here for
    # a row written without it)
    _LIGHT = (
        "coalesce(a.light, (a.doc - 'body') || jsonb_build_object("
        f"'lead', left(coalesce(a.doc->>'body', ''), {int(LEAD_CHARS)}), "
        f"'body_cut', length(coalesce(a.doc->>'body', '')) > {int(LEAD_CHARS)}))"
    )

    def story_listing(self, limit: int | None = None, *, on_date: str | None = None) -> StoryListing:
        """The base method in three indexed queries, without article bodies: the listed
        articles with their story and summary (``articles_by_date``, then the primary
        keys of ``story_members`` and ``summaries``), the member ids of those stories
        (``story_members_by_story``), and the members not listed, with their summaries.

        None of them is prepared: after five runs the server would keep a generic plan for
        them, made without the day or the arrays, which took twice as long (``bench/postgres.py scale``)."""
        where, params = "", list[object]()
        if on_date is not None:
            where = " WHERE a.date = %s"
            params.append(on_date)
        query = (
            f"SELECT ({self._LIGHT})::text, m.story_id, s.doc::text FROM articles a "
            "LEFT JOIN story_members m ON m.article_id = a.id LEFT JOIN summaries s ON s.article_id = a.id"
            f"{where} ORDER BY a.date DESC, a.seq DESC"
        )
        if limit is not None:
            query += " LIMIT %s"
            params.append(limit)
        listing = StoryListing()
        with self._conn() as conn:
            records: dict[str, ArticleRecord] = {}
            for text, sid, summary in conn.execute(query, params, prepare=False):
                record = _loads(text)  # as text, read here: a third faster than psycopg's jsonb loader per row
                listing.articles.append(record)
                records[record["id"]] = record
                if sid is not None:
                    listing.story_of[record["id"]] = sid
                if summary is not None:
                    listing.summaries[record["id"]] = _loads(summary)
            sids = list(dict.fromkeys(listing.story_of.values()))
            if not sids:
                return listing
            members: dict[str, list[str]] = {}
            for sid, aid in conn.execute(
                "SELECT story_id, article_id FROM story_members WHERE story_id = ANY(%s) ORDER BY story_id, article_id",
                (sids,),
                prepare=False,
            ):
                members.setdefault(sid, []).append(aid)
            missing = [aid for ids in members.values() for aid in ids if aid not in records]
            if missing:
                for record, summary in conn.execute(
                    f"SELECT {self._LIGHT}, s.doc FROM articles a LEFT JOIN summaries s ON s.article_id = a.id "
                    "WHERE a.id = ANY(%s)",
                    (missing,),
                    prepare=False,
                ):
                    records[record["id"]] = record
                    if summary is not None:
                        listing.summaries[record["id"]] = summary
        for sid in sids:
            listing.members[sid] = [records[aid] for aid in members.get(sid, ()) if aid in records]
        return listing

    def _prefetch(self, conn: psycopg.Connection[Any], articles: list[dict[str, Any]]) -> None:
        """Cache the stories of these articles and the stories' members (see ReadCache)."""
        ids = [a["id"] for a in articles]
        story_of: dict[str, Any] = dict.fromkeys(ids)
        stories: dict[str, Any] = {}
        for aid, sid, doc in conn.execute(
            "SELECT m.article_id, m.story_id, s.doc FROM story_members m JOIN stories s ON s.id = m.story_id "
            "WHERE m.article_id = ANY(%s)",
            (ids,),
        ):
            story_of[aid] = sid
            stories[sid] = doc
        known = {a["id"]: a for a in articles}
        wanted = {m for doc in stories.values() for m in doc.get("members", {})} - known.keys()
        members: dict[str, Any] = dict.fromkeys(wanted)
        if wanted:
            members.update(conn.execute("SELECT id, doc FROM articles WHERE id = ANY(%s)", (list(wanted),)))
        self._cache.put_many("article", {**known, **members})
        self._cache.put_many("story_of", story_of)
        self._cache.put_many("story", stories)

    # provided by PostgresStore
    def _conn(self, *, write: bool = False) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

"""The PostgreSQL store's deliveries (:class:`~summaries.store.capabilities.DeliveryClaims`):
one row per (chat, day), the primary key, so a digest is claimed exactly once across every
process sharing the database (with a lease: ``holder`` and ``until``); ``delivery_chats``
keeps what else a chat's delivery document carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsbrief.summaries.store.errors import StoreError
from newsbrief.summaries.store.postgres.common import Jsonb, psycopg
from newsbrief.summaries.store.postgres.common import now_iso as _now
from newsbrief.summaries.store.records import DeliveryRow, Document

__all__ = ["DeliveryTables"]


class DeliveryTables:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: the deliveries."""

    @staticmethod
    def _delivery_documents(conn: psycopg.Connection[Any], chat_id: int | None = None) -> list[Document]:
        where = " WHERE chat_id = %s" if chat_id is not None else ""
        params = (chat_id,) if chat_id is not None else ()
        docs: dict[int, dict[str, Any]] = {}
        for cid, extra in conn.execute(
            "SELECT chat_id, extra FROM delivery_chats" + where + " ORDER BY chat_id", params
        ):
            docs[cid] = {**extra, "chat_id": cid, "days": {}}
        for cid, day, state, at, articles in conn.execute(
            "SELECT chat_id, day, state, at, articles FROM deliveries" + where + " ORDER BY chat_id, day", params
        ):
            doc = docs.setdefault(cid, {"chat_id": cid, "days": {}})
            doc["days"][day] = {"state": state, "at": at, "articles": articles}
        return list(docs.values())

    @staticmethod
    def _put_deliveries(conn: psycopg.Connection[Any], records: list[Document], gone: list[Any]) -> int:
        ids = [r["chat_id"] for r in records] + list(gone)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM deliveries WHERE chat_id = ANY(%s)", (ids,))
            cur.execute("DELETE FROM delivery_chats WHERE chat_id = ANY(%s)", (ids,))
            rows = []
            for r in records:
                for day, entry in (r.get("days") or {}).items():
                    extra = set(entry) - {"state", "at", "articles"}
                    if extra:
                        raise StoreError(
                            f"deliveries: unknown field {sorted(extra)[0]!r} for chat {r['chat_id']} on {day}"
                        )
                    rows.append(
                        (r["chat_id"], day, entry["state"], entry.get("at", ""), Jsonb(entry.get("articles", [])))
                    )
            if rows:
                cur.executemany(
                    "INSERT INTO deliveries (chat_id, day, state, at, articles) VALUES (%s, %s, %s, %s, %s)", rows
                )
            cur.executemany(
                "INSERT INTO delivery_chats (chat_id, extra) VALUES (%s, %s)",
                [(r["chat_id"], Jsonb({k: v for k, v in r.items() if k not in ("chat_id", "days")})) for r in records],
            )
        return len(records)

    def claim_delivery(
        self,
        chat_id: int,
        day: str,
        state: str = "sending",
        *,
        holder: str = "",
        lease: float | None = None,
        free: Sequence[str] = (),
    ) -> bool:
        """Claim a chat's digest for a day: True for exactly one caller across every
        process sharing the database (the (chat, day) primary key decides).

        The row is written in ``state`` with ``holder``. It can be claimed again only if
        its state is one of ``free`` (e.g. "try again later"), or if it is still in
        ``state`` and either was claimed with a ``lease`` (seconds, on the server's clock)
        that ran out (the holder died before it moved the row on) or is held by this same
        ``holder`` (which could not release it)."""
        with self._conn(write=True) as conn, self._tx(conn):
            cur = conn.execute(
                "INSERT INTO deliveries AS d (chat_id, day, state, at, holder, until) "
                "VALUES (%(chat)s, %(day)s, %(state)s, %(at)s, %(holder)s, now() + make_interval(secs => %(lease)s)) "
                "ON CONFLICT (chat_id, day) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at, "
                "articles = '[]', holder = EXCLUDED.holder, until = EXCLUDED.until "
                "WHERE d.state = ANY(%(free)s) OR (d.state = %(state)s AND (d.until < now() OR d.holder = %(holder)s))",
                {
                    "chat": chat_id,
                    "day": day,
                    "state": state,
                    "at": _now(),
                    "holder": holder or None,
                    "lease": lease,
                    "free": list(free),
                },
            )
            return cur.rowcount == 1

    def mark_delivery(
        self,
        chat_id: int,
        day: str,
        state: str,
        *,
        at: str = "",
        articles: Sequence[str] = (),
        holder: str | None = None,
        claimed: str | None = None,
    ) -> bool:
        """Record a digest's state (one row, whatever other processes hold for the chat's
        other days); ends the claim on it. With ``claimed``, only a row still in state
        ``claimed`` held by ``holder`` moves on: False if that claim was lost (its lease ran
        out and another process took it), and nothing is changed."""
        with self._conn(write=True) as conn, self._tx(conn):
            if claimed is not None:
                cur = conn.execute(
                    "UPDATE deliveries SET state = %s, at = %s, articles = %s, holder = NULL, until = NULL "
                    "WHERE chat_id = %s AND day = %s AND state = %s AND holder IS NOT DISTINCT FROM %s",
                    (state, at or _now(), Jsonb(list(articles)), chat_id, day, claimed, holder),
                )
                return cur.rowcount == 1
            conn.execute(
                "INSERT INTO deliveries (chat_id, day, state, at, articles) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (chat_id, day) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at, "
                "articles = EXCLUDED.articles, holder = NULL, until = NULL",
                (chat_id, day, state, at or _now(), Jsonb(list(articles))),
            )
            return True

    def release_delivery(self, chat_id: int, day: str, state: str, holder: str) -> bool:
        """Give up a claim without a result (the digest was not sent): the row goes, and
        the digest can be claimed again at once. False if the claim was no longer held."""
        with self._conn(write=True) as conn, self._tx(conn):
            return (
                conn.execute(
                    "DELETE FROM deliveries WHERE chat_id = %s AND day = %s AND state = %s "
                    "AND holder IS NOT DISTINCT FROM %s",
                    (chat_id, day, state, holder),
                ).rowcount
                == 1
            )

    def delivery_rows(self, chat_id: int | None = None, *, since: str = "") -> list[DeliveryRow]:
        """``(chat, day, state, at, articles)`` of one chat (or every chat), days from
        ``since`` on, in order: what every process recorded."""
        where, params = ["day >= %s"], list[object]([since])
        if chat_id is not None:
            where.append("chat_id = %s")
            params.append(chat_id)
        with self._conn() as conn:
            return [
                tuple(r)
                for r in conn.execute(  # type: ignore[misc]
                    "SELECT chat_id, day, state, at, articles FROM deliveries WHERE "
                    + " AND ".join(where)
                    + " ORDER BY chat_id, day",
                    params,
                )
            ]

    def prune_deliveries(self, before: str) -> int:
        """Forget the deliveries of days before ``before`` (chats' local dates, ISO)."""
        with self._conn(write=True) as conn, self._tx(conn):
            return conn.execute("DELETE FROM deliveries WHERE day < %s", (before,)).rowcount

    # provided by PostgresStore
    def _conn(self, *, write: bool = False) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tx(self, conn: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

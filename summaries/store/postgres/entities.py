"""The PostgreSQL store's derived entity tables: what ``/who`` reads as queries, kept in
step with the entity index's documents by ``put_documents`` (no entity rule here: what
an entity is comes in its ``e:`` document, see :mod:`summaries.store.entity_rows`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from newsbrief.summaries.store.entity_rows import (
    PERSON,
    Choices,
    EntityTotals,
    Head,
    Ref,
    co_pairs,
    entity_doc_fields,
    name_token,
    sentence_of,
    surname_of,
)
from newsbrief.summaries.store.postgres.common import Jsonb, psycopg
from newsbrief.summaries.store.postgres.entity_writes import apply_co, apply_story_counts, entity_src, story_keys
from newsbrief.summaries.store.postgres.schema import CHOICES_TTL, ENTITY_LOCK

__all__ = ["EntityTables"]

log = logging.getLogger(__name__)


class EntityTables:
    """Mixin of :class:`~summaries.store.postgres.store.PostgresStore`: the entity tables, and
    the reads ``/who`` answers from (:class:`~summaries.store.entity_rows.EntityReads`)."""

    # -- /who as queries: the derived entity tables (summaries.store.entity_rows) ------

    def entity_reads(self) -> EntityTables:
        """This store answers ``/who`` from its derived entity tables (see :class:`EntityReads`)."""
        return self

    def reading(self) -> AbstractContextManager[Any]:
        """One pooled connection for the queries of one ``/who`` answer."""
        return self.session()

    def _sync_entity_lookup(
        self, conn: psycopg.Connection[Any], records: list[dict[str, Any]], gone: list[Any]
    ) -> None:
        """Keep the derived entity tables in step with the entity documents being written
        (``records``) and removed (``gone``), before the documents themselves change: the
        old article documents' references, sources and co-mentions come out, the new ones
        go in, and the rows of each entity whose ``e:`` document is written follow it."""
        new = {str(r["k"])[2:]: r for r in records if str(r["k"]).startswith("a:")}
        entities = {str(r["k"])[2:]: r for r in records if str(r["k"]).startswith("e:")}
        vanished = sorted({str(k)[2:] for k in gone if str(k).startswith("e:")} - set(entities))
        replaced = sorted({str(k)[2:] for k in gone if str(k).startswith("a:")} | set(new))
        if not replaced and not entities and not vanished:
            return
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (ENTITY_LOCK,))
        old = (
            [r[0] for r in conn.execute("SELECT doc FROM entities WHERE k = ANY(%s)", (["a:" + a for a in replaced],))]
            if replaced
            else []
        )
        self._apply_entity_docs(conn, old, list(new.values()), entities, vanished)

    def _apply_entity_docs(
        self,
        conn: psycopg.Connection[Any],
        old: list[dict[str, Any]],
        new: list[dict[str, Any]],
        entities: dict[str, dict[str, Any]],
        vanished: Sequence[str] = (),
    ) -> None:
        old = [{**d, "article": d.get("article") or str(d.get("k", ""))[2:]} for d in old]
        new = [{**d, "article": d.get("article") or str(d.get("k", ""))[2:]} for d in new]
        old_ids = [d["article"] for d in old]
        new_ids = [d["article"] for d in new]
        old_src = (
            dict(
                conn.execute(
                    "SELECT DISTINCT ON (article) article, src FROM entity_refs WHERE article = ANY(%s)", (old_ids,)
                )
            )
            if old_ids
            else {}
        )
        new_src = (
            dict(
                conn.execute(
                    "SELECT id, coalesce(nullif(doc->>'source', ''), nullif(doc->>'agency', ''), '') FROM articles "
                    "WHERE id = ANY(%s)",
                    (new_ids,),
                )
            )
            if new_ids
            else {}
        )
        mentioned = sorted({k for d in [*old, *new] for k in d.get("ents", {})})
        sources = entity_src(conn, sorted(set(mentioned) | set(entities)))
        co_ops: dict[tuple[str, str], list[int]] = {}  # pair -> [-1 or the first-occurrence order of a +1]
        for doc in sorted(old, key=lambda d: d.get("seq", 0)):
            for key in doc.get("ents", {}):
                _bump(sources.setdefault(key, {}), old_src.get(doc["article"], ""), -1)
            for a, b, _ in co_pairs(doc):
                co_ops.setdefault((a, b), []).append(-1)
        refs = []
        for doc in sorted(new, key=lambda d: d.get("seq", 0)):
            source = new_src.get(doc["article"], "")
            base = int(doc.get("seq", 0)) * 4096
            for a, b, i in co_pairs(doc):
                co_ops.setdefault((a, b), []).append(base + min(i, 4095))
            for key in doc.get("ents", {}):
                _bump(sources.setdefault(key, {}), source, 1)
                refs.append(
                    (
                        doc["article"],
                        key,
                        doc.get("date", ""),
                        doc.get("seq", 0),
                        source,
                        doc.get("headline", ""),
                        sentence_of(doc, key),
                    )
                )
        fields = {key: entity_doc_fields(doc) for key, doc in entities.items()}
        alive = sorted(k for k, f in fields.items() if f.articles > 0)
        dead = sorted({k for k, f in fields.items() if f.articles <= 0} | set(vanished))
        with conn.cursor() as cur:
            if old_ids:
                cur.execute("DELETE FROM entity_refs WHERE article = ANY(%s)", (old_ids,))
            if refs:
                cur.execute(
                    "INSERT INTO entity_refs (article, entity, date, seq, src, headline, sentence) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], "
                    "%s::text[], %s::text[]) ON CONFLICT (article, entity) DO NOTHING",
                    [list(column) for column in zip(*refs)],
                )
            named = [*alive, *dead]
            current = (
                {
                    tuple(r)
                    for r in cur.execute(
                        "SELECT kind, alias, entity FROM entity_names WHERE entity = ANY(%s)", (named,)
                    )
                }
                if named
                else set()
            )
            wanted = set()
            for key in alive:
                f = fields[key]
                if "lookup" not in entities[key]:  # written before e: documents said it: kept as it was
                    wanted |= {r for r in current if r[2] == key}
                    continue
                wanted |= {("n", a, key) for a in f.lookup}
                surname = surname_of(key, f.type, f.articles)
                if surname:
                    wanted.add(("s", surname, key))
            drop = sorted(current - wanted)
            if drop:
                cur.execute(
                    "DELETE FROM entity_names e USING unnest(%s::text[], %s::text[], %s::text[]) "
                    "AS d(kind, alias, entity) "
                    "WHERE e.kind = d.kind AND e.alias = d.alias AND e.entity = d.entity",
                    ([d[0] for d in drop], [d[1] for d in drop], [d[2] for d in drop]),
                )
            add = sorted(wanted - current)
            if add:
                cur.executemany("INSERT INTO entity_names (kind, alias, entity) VALUES (%s, %s, %s)", add)
            if drop:
                pairs = sorted({(d[0], d[1]) for d in drop})
                left = {
                    tuple(r)
                    for r in cur.execute(
                        "SELECT DISTINCT e.kind, e.alias FROM entity_names e JOIN unnest(%s::text[], %s::text[]) "
                        "AS d(kind, alias) ON e.kind = d.kind AND e.alias = d.alias",
                        ([p[0] for p in pairs], [p[1] for p in pairs]),
                    )
                }
                if len(left) < len(pairs):
                    cur.execute("UPDATE entity_names_gone SET n = n + 1")
            if co_ops:
                apply_co(cur, co_ops)
            story = story_keys(cur, old_ids + new_ids)
            story_ops: dict[tuple[str, str], int] = {}
            for docs, sign in ((old, -1), (new, 1)):
                for doc in docs:
                    for key in doc.get("ents", {}):
                        pair = (key, story[doc["article"]])
                        story_ops[pair] = story_ops.get(pair, 0) + sign
            if dead:
                cur.execute("DELETE FROM entity_totals WHERE entity = ANY(%s)", (dead,))
            rows = []
            for key in alive:
                f = fields[key]
                rows.append(
                    (
                        key,
                        f.name,
                        name_token(f.name),
                        f.articles,
                        f.mentions,
                        f.first,
                        f.last,
                        Jsonb({"type": f.type, "surf": f.surfaces, "roles": f.roles, "src": sources.get(key, {})}),
                    )
                )
            if rows:
                cur.executemany(
                    "INSERT INTO entity_totals (entity, name, token, articles, mentions, first, last, totals) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (entity) DO UPDATE SET name = EXCLUDED.name, "
                    "token = EXCLUDED.token, articles = EXCLUDED.articles, mentions = EXCLUDED.mentions, "
                    "first = EXCLUDED.first, last = EXCLUDED.last, totals = EXCLUDED.totals",
                    rows,
                )
            rest = [(Jsonb(sources[k]), k) for k in mentioned if k not in fields and k in sources]
            if rest:  # article documents written without their entities' (only the sources add up)
                cur.executemany(
                    "UPDATE entity_totals SET totals = jsonb_set(totals, '{src}', %s) WHERE entity = %s", rest
                )
            apply_story_counts(cur, story_ops)

    @classmethod
    def _restory(cls, cur: Any, moved: dict[str, tuple[str, str]]) -> None:
        """Articles that changed story (article -> (old key, new key)): move their
        entities' counts in ``entity_story``."""
        if not moved:
            return
        ops: dict[tuple[str, str], int] = {}
        for aid, key in cur.execute("SELECT article, entity FROM entity_refs WHERE article = ANY(%s)", (list(moved),)):
            old, new = moved[aid]
            ops[(key, old)] = ops.get((key, old), 0) - 1
            ops[(key, new)] = ops.get((key, new), 0) + 1
        apply_story_counts(cur, ops)

    @staticmethod
    def _entity_span(cur: Any, key: str, skip: Sequence[str] = ()) -> tuple[str, str]:
        if skip:
            row = cur.execute(
                "SELECT min(date), max(date) FROM entity_refs WHERE entity = %s AND NOT (article = ANY(%s))",
                (key, list(skip)),
            ).fetchone()
            return row[0] or "", row[1] or ""
        last = cur.execute(
            "SELECT date FROM entity_refs WHERE entity = %s ORDER BY date DESC, seq DESC LIMIT 1", (key,)
        ).fetchone()
        first = cur.execute(
            "SELECT date FROM entity_refs WHERE entity = %s ORDER BY date ASC, seq ASC LIMIT 1", (key,)
        ).fetchone()
        return (first[0] if first else ""), (last[0] if last else "")

    @staticmethod
    def _entity_totals(conn: Any, keys: Iterable[str], *, brief: bool = False) -> dict[str, EntityTotals]:
        keys = list(keys)
        if not keys:
            return {}
        out = {}
        roles = "'[]'::jsonb" if brief else "totals->'roles'"
        query = (
            f"SELECT entity, name, articles, mentions, first, last, totals->'type', totals->'surf', {roles} "
            "FROM entity_totals WHERE entity = ANY(%s)"
        )
        for key, name, articles, mentions, first, last, kind, surf, shown in conn.execute(query, (keys,)):
            if kind is None:  # a row of an older release: the index writes its entity again
                kind = PERSON if key.startswith("p:") else "organisation"
            if isinstance(shown, dict):
                shown = [r["text"] for r in shown.values()]
            out[key] = EntityTotals(
                key=key,
                name=name,
                type=kind,
                surfaces=dict(surf or ()),
                roles=list(shown or ()),
                articles=articles,
                mentions=mentions,
                first=first,
                last=last,
            )
        return out

    def _rebuild_entity_lookup(self, conn: psycopg.Connection[Any]) -> None:
        """Fill the derived entity tables from the entity documents already stored (a
        database made before migration 4): the entity documents, then the article
        documents in pages, oldest indexed first."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (ENTITY_LOCK,))
        keys = [r[0] for r in conn.execute("SELECT k FROM entities WHERE k LIKE 'e:%%' ORDER BY k", ()).fetchall()]
        for lo in range(0, len(keys), 2000):  # the entities first: the articles' sums and stories add to their rows
            docs = {
                k[2:]: doc
                for k, doc in conn.execute("SELECT k, doc FROM entities WHERE k = ANY(%s)", (keys[lo : lo + 2000],))
            }
            self._apply_entity_docs(conn, [], [], docs)
        order = conn.execute(
            "SELECT k FROM entities WHERE k LIKE 'a:%%' ORDER BY (doc->>'seq')::bigint, k", ()
        ).fetchall()
        done = 0
        for lo in range(0, len(order), 2000):
            page = [r[0] for r in order[lo : lo + 2000]]
            docs = {k: doc for k, doc in conn.execute("SELECT k, doc FROM entities WHERE k = ANY(%s)", (page,))}
            self._apply_entity_docs(conn, [], [docs[k] for k in page], {})
            done += len(page)
        if done:
            log.info("entity lookup tables filled from %d indexed articles", done)

    def entity_keys(self, names: Sequence[str], *, surnames: bool = False) -> dict[str, list[str]]:
        """Folded lookup name (or surname) -> keys of the entities it reaches (primary key of ``entity_names``)."""
        names = list(dict.fromkeys(names))
        if not names:
            return {}
        out: dict[str, list[str]] = {}
        with self._conn() as conn:
            for alias, key in conn.execute(
                "SELECT alias, entity FROM entity_names WHERE kind = %s AND alias = ANY(%s) ORDER BY alias, entity",
                ("s" if surnames else "n", names),
            ):
                out.setdefault(alias, []).append(key)
        return out

    def entity_totals(self, keys: Iterable[str], *, brief: bool = False) -> dict[str, EntityTotals]:
        """These entities as their ``e:`` documents last said (``brief``: without roles)."""
        keys = list(keys)
        if not keys:
            return {}
        with self._conn() as conn:
            return self._entity_totals(conn, keys, brief=brief)

    def entity_heads(self, keys: Iterable[str]) -> dict[str, Head]:
        """(name, articles, last date, mentions) of these entities: their columns of ``entity_totals``."""
        keys = list(keys)
        if not keys:
            return {}
        with self._conn() as conn:
            return {
                key: Head(name, articles, last, mentions)
                for key, name, articles, last, mentions in conn.execute(
                    "SELECT entity, name, articles, last, mentions FROM entity_totals WHERE entity = ANY(%s)", (keys,)
                )
            }

    def entity_co(self, key: str, limit: int) -> list[tuple[str, int]]:
        """An entity's most frequent co-mentions (index ``entity_co_top``)."""
        with self._conn() as conn:
            return [
                (other, n)
                for other, n in conn.execute(
                    "SELECT other, n FROM entity_co WHERE entity = %s ORDER BY n DESC, first LIMIT %s", (key, limit)
                )
            ]

    def entity_sources(self, key: str) -> dict[str, int]:
        """Source -> articles of an entity (``entity_totals.totals->'src'``)."""
        with self._conn() as conn:
            row = conn.execute("SELECT totals->'src' FROM entity_totals WHERE entity = %s", (key,)).fetchone()
            return dict(row[0] or {}) if row else {}

    def entity_refs(self, key: str, limit: int, *, skip: Sequence[str] = ()) -> list[Ref]:
        """An entity's newest references (index ``entity_refs_latest``)."""
        with self._conn() as conn:
            return [
                Ref(*row)
                for row in conn.execute(
                    "SELECT article, date, seq, headline, sentence FROM entity_refs WHERE entity = %s "
                    "AND NOT (article = ANY(%s)) ORDER BY date DESC, seq DESC LIMIT %s",
                    (key, list(skip), limit),
                )
            ]

    def entity_hidden_refs(self, key: str, sources: Sequence[str]) -> list[tuple[str, bool, list[str]]]:
        with self._conn() as conn:
            return [
                (aid, bool(stored), list(also or ()))
                for aid, stored, also in conn.execute(
                    "SELECT r.article, a.id IS NOT NULL, a.doc->'also_in' FROM entity_refs r "
                    "LEFT JOIN articles a ON a.id = r.article WHERE r.entity = %s AND r.src = ANY(%s)",
                    (key, list(sources)),
                )
            ]

    def entity_span(self, key: str, *, skip: Sequence[str] = ()) -> tuple[str, str]:
        with self._conn() as conn:
            return self._entity_span(conn, key, skip)

    def entity_keys_of_articles(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if not article_ids:
            return out
        with self._conn() as conn:
            for aid, key in conn.execute(
                "SELECT article, entity FROM entity_refs WHERE article = ANY(%s)", (list(article_ids),)
            ):
                out.setdefault(aid, []).append(key)
        return out

    def entity_by_token(self, token: str) -> str | None:
        with self._conn() as conn:
            row = conn.execute("SELECT name FROM entity_totals WHERE token = %s LIMIT 1", (token,)).fetchone()
            return row[0] if row else None

    def entity_choices(self) -> Choices:
        """The lookup names and surnames fuzzy lookups search (rapidfuzz): those of the
        ``fuzzy_entities`` entities with most articles (all of them on a smaller
        database), kept in the process, so that its memory and the time of a fuzzy
        lookup are bounded however many entities the database holds.

        Checked at most once a second; read again when names came or went (new articles
        bring new names, and the ranking is read again with them), but not more often
        than fifty times the last read took; while a slow read (a large
        database) runs in the background, lookups use the names read before."""
        with self._choices_lock:
            state = self._choices
            now = time.monotonic()
            if state["value"] is not None and (now - state["checked"] < CHOICES_TTL or state["reading"]):
                return state["value"]
            state["checked"] = now
            with self._conn() as conn:
                mark = tuple(
                    conn.execute(
                        "SELECT (SELECT n FROM entity_names_gone), (SELECT coalesce(max(added), 0) FROM entity_names)"
                    ).fetchone()
                )
            if state["value"] is not None and (mark == state["mark"] or now - state["read_at"] < 50 * state["cost"]):
                return state["value"]
            if state["value"] is None or state["cost"] < 0.05:
                self._read_choices(mark)
                return state["value"]
            state["reading"] = True
            value = state["value"]
        threading.Thread(target=self._read_choices, args=(mark,), name="newsbrief-names", daemon=True).start()
        return value

    def _read_choices(self, mark: tuple[int, int]) -> None:
        """Read the fuzzy lookup names (see :meth:`entity_choices`), in the order they came."""
        t0 = time.monotonic()
        try:
            with self._conn() as conn:
                rows = conn.execute(
                    "SELECT n.kind, n.alias FROM (SELECT entity FROM entity_totals "
                    "ORDER BY articles DESC, last DESC, entity LIMIT %s) t "
                    "JOIN entity_names n ON n.entity = t.entity ORDER BY n.added",
                    (self.fuzzy_entities,),
                ).fetchall()
            value = Choices(
                list(dict.fromkeys(a for k, a in rows if k == "n")), list(dict.fromkeys(a for k, a in rows if k == "s"))
            )
        except Exception:
            if not self._choices["reading"]:
                raise
            log.warning("reading the lookup names failed; fuzzy lookups use those read before", exc_info=True)
            with self._choices_lock:
                self._choices["reading"] = False
            return
        done = time.monotonic()
        with self._choices_lock:
            self._choices.update(value=value, mark=mark, read_at=done, cost=done - t0, reading=False)

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        if not article_ids:
            return {}
        with self._conn() as conn:
            return dict(
                conn.execute(
                    "SELECT article_id, story_id FROM story_members WHERE article_id = ANY(%s)", (list(article_ids),)
                )
            )

    def entity_story_count(self, key: str, *, skip: Sequence[str] = ()) -> int:
        """Distinct stories among an entity's articles (``entity_totals.stories``), without
        the articles in ``skip``."""
        with self._conn() as conn:
            row = conn.execute("SELECT stories FROM entity_totals WHERE entity = %s", (key,)).fetchone()
            stories = row[0] if row else 0
            if skip and stories:
                skip = [
                    r[0]
                    for r in conn.execute(
                        "SELECT article FROM entity_refs WHERE entity = %s AND article = ANY(%s)", (key, list(skip))
                    )
                ]
            if skip and stories:
                per = {}
                for skey in story_keys(conn, skip).values():
                    per[skey] = per.get(skey, 0) + 1
                held = dict(
                    conn.execute(
                        "SELECT story, n FROM entity_story WHERE entity = %s AND story = ANY(%s)", (key, list(per))
                    )
                )
                stories -= sum(1 for skey, k in per.items() if held.get(skey, 0) <= k)
            return stories


def _bump(counter: dict[str, int], key: str, by: int) -> None:
    left = counter.get(key, 0) + by
    if left > 0:
        counter[key] = left
    else:
        counter.pop(key, None)

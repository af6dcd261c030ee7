"""The TinyDB store: one JSON file, written whole, atomically, by one process.

TinyDB's default storage rewrites its file in place on every write: inserting articles
one by one costs time quadratic in their number, and a crash mid-write leaves a broken
file. This store instead

* caches the database in memory and writes it once per batch (:meth:`TinyStore.batch`);
* writes to a temporary file, fsyncs it and renames it over the old one, so a kill at
  any moment leaves either the old or the new database, never a torn one;
* takes a lock file, so a second process that opens the same database for writing gets
  :class:`StoreLocked` instead of a corrupted file (read-only opens take no lock);
* keeps in-memory indexes for what the bot asks for often (article by id, latest
  articles, summary of an article) so those are not full-table scans.

A :class:`TinyStore` is safe to share between the threads of one process: every method takes
the store's lock, and code that works on a table directly does so inside ``batch()``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import filelock
from tinydb import TinyDB
from tinydb.table import Table

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.store.base import (
    KEYS,
    SCHEMA_VERSION,
    TABLES,
    Capabilities,
    NewsStore,
    StoreError,
    StoreLocked,
    UpsertReport,
)
from newsbrief.summaries.store.records import ArticleRecord, Document, StoryRecord, SummaryRecord
from newsbrief.summaries.store.tinydb_journal import FileJournal
from newsbrief.summaries.store.tinydb_storage import AtomicJSONStorage, MemoryStorage, OwnedLock

__all__ = ["TinyStore", "AtomicJSONStorage"]


class TinyStore(NewsStore):
    """The newsbrief database in one TinyDB JSON file. Open with ``TinyStore(path)``,
    as a context manager. One process writes it: no workers, no delivery claims (the
    interface's defaults refuse them with :class:`~summaries.store.errors.NotSupported`);
    the bot journals deliveries beside the file (:meth:`delivery_journal`)."""

    backend = "tinydb"
    capabilities = Capabilities(workers=False, shared_deliveries=False, delivery_journal=True)

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = OwnedLock()  # the data in memory
        self._flush_lock = threading.Lock()  # file writes, one at a time, in order
        self._depth = 0
        self._applied = 0  # batches applied in memory
        self._durable = 0  # batches on disk
        self._lost = 0  # batches up to this one were discarded by a rollback
        self.generation = 0  # grows each time the data in memory is (re)loaded from the file
        self._file_lock: filelock.BaseFileLock | None = None
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path.parent}: cannot create the database folder ({exc.strerror})") from None
            self._file_lock = filelock.FileLock(str(self.path) + ".lock", timeout=0)
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                raise StoreLocked(
                    f"{self.path} is open for writing by another newsbrief process; "
                    "stop it first (only one process may write the database)"
                ) from None
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot take the write lock ({exc.strerror})") from None
        try:
            self._open(initial=True)
        except BaseException:
            self._release()
            raise

    # -- lifecycle -----------------------------------------------------------------

    def _open(self, *, initial: bool = False) -> None:
        self._file = AtomicJSONStorage(self.path, readonly=self.readonly)
        data = self._file.read()  # loads the file once, raises StoreError if broken
        self._memory = MemoryStorage(data)
        self._db = TinyDB(storage=lambda: self._memory)  # type: ignore[arg-type]
        self.generation += 1
        self._keyed: dict[str, dict[Any, int]] = {}
        self._rebuild_indexes()
        if initial and not self.readonly and not (data or {}).get("meta"):
            with self.batch():
                self._db.table("meta").insert({"schema": SCHEMA_VERSION})
        schema = max((doc.get("schema", 0) for doc in self._db.table("meta")), default=SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer newsbrief (schema {schema}, this one knows "
                f"{SCHEMA_VERSION}); upgrade newsbrief to open it"
            )

    def _rebuild_indexes(self) -> None:
        self._article_doc: dict[str, int] = {}
        self._article_hash: dict[str, str] = {}
        self._hash_owner: dict[str, str] = {}
        self._order: list[tuple[str, int, str]] | None = None
        for doc in self._db.table("articles"):
            self._index_article(doc, doc.doc_id)
        self._summary_doc: dict[str, int] = {doc["article_id"]: doc.doc_id for doc in self._db.table("summaries")}
        self._story_doc: dict[str, int] = {}
        self._story_of: dict[str, str] = {}
        for doc in self._db.table("stories"):
            self._index_story(doc, doc.doc_id)

    def _index_story(self, record: dict[str, Any], doc_id: int) -> None:
        self._story_doc[record["id"]] = doc_id
        for aid in record.get("members", {}):
            self._story_of[aid] = record["id"]

    def _index_article(self, record: dict[str, Any], doc_id: int) -> None:
        self._article_doc[record["id"]] = doc_id
        self._article_hash[record["id"]] = record["content_hash"]
        self._hash_owner.setdefault(record["content_hash"], record["id"])
        self._order = None

    def _release(self) -> None:
        if self._file_lock is not None and self._file_lock.is_locked:
            self._file_lock.release()

    def close(self) -> None:
        with self._lock:
            dirty = not self.readonly and self._memory.dirty
            if dirty:
                self._applied += 1
            ticket = self._applied
        if dirty:
            self._commit(ticket)
        self._release()

    # -- batches -------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[TinyStore]:
        """Group writes: the changes go to disk in one file write when the outermost
        batch ends, and this returns once they are durable.

        Writers in other threads commit as a group: while one thread writes the file,
        others apply their changes in memory, and the next write carries all of them.
        If the block raises, its changes are discarded and the database on disk is kept
        (so are other threads' changes not yet on disk: their batches raise StoreError).
        Do not open a batch while holding :attr:`lock`.
        """
        ticket = 0
        with self._lock:
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._discard_unsaved()
                raise
            self._depth -= 1
            if self._depth == 0 and self._memory.dirty:
                self._applied += 1
                ticket = self._applied
        if ticket:
            self._commit(ticket)

    def _commit(self, ticket: int) -> None:
        """Make batch ``ticket`` (and every batch before it) durable."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only, cannot write")
        if self._lock.held():
            raise RuntimeError("Store.batch() must not end while the caller holds Store.lock")
        with self._flush_lock:
            if self._durable >= ticket:
                return  # another thread's write carried this batch
            with self._lock:
                if self._lost >= ticket:
                    raise StoreError(f"{self.path}: a failed write discarded this change; it was not saved")
                upto = self._applied
                payload = AtomicJSONStorage.serialize(self._memory.data)
                self._memory.dirty = False
            try:
                self._file.write_payload(payload)
            except OSError as exc:
                with self._lock:
                    self._discard_unsaved()
                raise StoreError(
                    f"{self.path}: could not write the database ({exc.strerror or exc}); "
                    "the last good copy on disk is kept and this batch was not saved"
                ) from None
            self._durable = upto

    def _discard_unsaved(self) -> None:
        """Back to the file on disk: every change not yet written is dropped."""
        self._lost = self._applied
        self._open()

    @property
    def lock(self) -> OwnedLock:
        """The store's lock, for reading several tables consistently."""
        return self._lock

    # -- status and the delivery journal --------------------------------------------

    def location(self) -> str:
        return str(self.path)

    def schema_version(self) -> int:
        with self._lock:
            return max((doc.get("schema", 0) for doc in self._db.table("meta")), default=SCHEMA_VERSION)

    def table_counts(self) -> dict[str, int]:
        with self._lock:
            return {name: len(self._db.table(name)) for name in TABLES if name != "meta"}

    def database_size(self) -> int | None:
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    def pending_summaries(self, key: str) -> int:
        return sum(
            1
            for a in self.iter_articles()
            if not (
                (s := self.get_summary(a["id"]))
                and s.get("key") == key
                and s.get("content_hash") == a.get("content_hash")
            )
        )

    def delivery_journal(self) -> FileJournal:
        """The delivery journals beside the database file (``<file>.deliveries.<n>.jsonl``)."""
        return FileJournal(self.path)

    def table(self, name: str) -> Table:
        """A TinyDB table of this store (its own code only); write inside :meth:`batch`."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r} (known: {', '.join(TABLES)})")
        return self._db.table(name)

    # -- keyed documents -----------------------------------------------------------

    def _key_index(self, table: str) -> dict[Any, int]:
        if table not in KEYS:
            raise KeyError(f"{table!r} is not a keyed table (keyed: {', '.join(KEYS)})")
        index = self._keyed.get(table)
        if index is None:
            key = KEYS[table]
            index = {doc[key]: doc.doc_id for doc in self.table(table) if key in doc}
            self._keyed[table] = index
        return index

    def documents(self, table: str) -> list[Document]:
        with self._lock:
            self._key_index(table)
            return [dict(doc) for doc in self.table(table)]

    def put_documents(self, table: str, records: Iterable[Document], *, remove: Iterable[str | int] = ()) -> int:
        with self.batch():
            index = self._key_index(table)
            key = KEYS[table]
            tinytable = self.table(table)
            gone = [index.pop(k) for k in dict.fromkeys(remove) if k in index]
            if gone:
                tinytable.remove(doc_ids=gone)
            updates: dict[Any, dict[str, Any]] = {}
            inserts: dict[Any, dict[str, Any]] = {}
            for record in records:
                (updates if record[key] in index else inserts)[record[key]] = record
            if updates:

                def replace(doc: MutableMapping[str, Any]) -> None:
                    new = updates[doc[key]]
                    doc.clear()
                    doc.update(new)

                tinytable.update(replace, doc_ids=[index[k] for k in updates])
            if inserts:
                for k, doc_id in zip(inserts, tinytable.insert_multiple(inserts.values())):
                    index[k] = doc_id
            return len(updates) + len(inserts)

    # -- articles ------------------------------------------------------------------

    def upsert_articles(self, articles: Iterable[Article], *, now: str | None = None) -> UpsertReport:
        """Store articles in one write: new ones added, changed ones updated, exact
        duplicates of a stored story (same cleaned body) skipped."""
        report = UpsertReport()
        with self.batch():
            table = self.table("articles")
            new: dict[str, dict[str, Any]] = {}
            changed: dict[str, dict[str, Any]] = {}
            for article in articles:
                record = article.to_record()
                aid, chash = record["id"], record["content_hash"]
                owner = self._hash_owner.get(chash)
                if aid in new or aid in changed:
                    report.duplicates.append((aid, aid))
                    continue
                if aid in self._article_doc:
                    current = table.get(doc_id=self._article_doc[aid])
                    if (
                        current is not None
                        and current.get("content_hash") == chash
                        and current.get("headline") == record["headline"]
                    ):
                        report.unchanged.append(aid)
                        continue
                    record["ingested_at"] = current.get("ingested_at") if current else None
                    changed[aid] = record
                    report.updated.append(aid)
                elif owner is not None and owner != aid:
                    report.duplicates.append((aid, owner))
                else:
                    new[aid] = record
                    self._hash_owner[chash] = aid
                    report.added.append(aid)
            if changed:
                table.update(
                    lambda doc: doc.update(changed[doc["id"]]), doc_ids=[self._article_doc[a] for a in changed]
                )
                for aid, record in changed.items():
                    self._hash_owner.setdefault(record["content_hash"], aid)
                    self._article_hash[aid] = record["content_hash"]
                self._order = None
            if new:
                seq = len(self._article_doc)
                now = now or datetime.now(UTC).isoformat(timespec="seconds")
                for i, record in enumerate(new.values()):
                    record["seq"] = seq + i
                    record["ingested_at"] = now
                doc_ids = table.insert_multiple(new.values())
                for record, doc_id in zip(new.values(), doc_ids):
                    self._index_article(record, doc_id)
        return report

    def get_article(self, article_id: str) -> ArticleRecord | None:
        with self._lock:
            doc_id = self._article_doc.get(article_id)
            if doc_id is None:
                return None
            doc = self.table("articles").get(doc_id=doc_id)
            return cast(ArticleRecord, dict(doc)) if doc is not None else None

    def article_ids(self) -> list[str]:
        with self._lock:
            return list(self._article_doc)

    def article_hashes(self) -> dict[str, str]:
        """Every stored article's id and content hash (a snapshot, from memory)."""
        with self._lock:
            return dict(self._article_hash)

    def article_count(self) -> int:
        with self._lock:
            return len(self._article_doc)

    def _sorted(self) -> list[tuple[str, int, str]]:
        if self._order is None:
            table = self.table("articles")
            rows = []
            for aid, doc_id in self._article_doc.items():
                doc = table.get(doc_id=doc_id)
                if doc is not None:
                    rows.append((doc["date"], doc.get("seq", 0), aid))
            rows.sort(reverse=True)
            self._order = rows
        return self._order

    def latest_articles(
        self, limit: int | None = None, *, on_date: str | None = None, since: str | None = None
    ) -> list[ArticleRecord]:
        """Articles newest first (by date, then by order of arrival); ``on_date`` keeps one
        day, ``since`` keeps that day and later (ISO dates)."""
        with self._lock:
            out = []
            for date, _seq, aid in self._sorted():
                if on_date is not None and date != on_date:
                    if date < on_date:
                        break
                    continue
                if since is not None and date < since:
                    break
                article = self.get_article(aid)
                if article is not None:
                    out.append(article)
                if limit is not None and len(out) >= limit:
                    break
            return out

    def iter_articles(self) -> Iterator[ArticleRecord]:
        """Every stored article (a snapshot, in order of arrival)."""
        with self._lock:
            docs = [dict(doc) for doc in self.table("articles")]
        return iter(cast(list[ArticleRecord], docs))

    def remove_articles(self, article_ids: Iterable[str]) -> int:
        """Delete articles and their summaries in one write; returns how many went."""
        with self.batch():
            ids = [a for a in set(article_ids) if a in self._article_doc]
            if not ids:
                return 0
            self.table("articles").remove(doc_ids=[self._article_doc[a] for a in ids])
            self._drop_story_members(ids)
            summary_docs = [self._summary_doc[a] for a in ids if a in self._summary_doc]
            if summary_docs:
                self.table("summaries").remove(doc_ids=summary_docs)
            self._rebuild_indexes()
            return len(ids)

    def add_also_in(self, pairs: Iterable[tuple[str, str]]) -> list[str]:
        """Note that stored articles were also carried by other sources: each pair is
        (article id, source name), added to the article's ``also_in`` list unless it is
        the article's own source or already there. One write; returns the ids changed."""
        with self.batch():
            table = self.table("articles")
            wanted: dict[str, list[str]] = {}
            for aid, name in pairs:
                if aid in self._article_doc and name:
                    wanted.setdefault(aid, []).append(name)
            changed: dict[str, list[str]] = {}
            for aid, names in wanted.items():
                doc = table.get(doc_id=self._article_doc[aid])
                if doc is None:
                    continue
                also = list(doc.get("also_in") or [])
                for name in names:
                    if name != doc.get("source") and name not in also:
                        also.append(name)
                if also != list(doc.get("also_in") or []):
                    changed[aid] = also
            if changed:
                table.update(
                    lambda doc: doc.__setitem__("also_in", changed[doc["id"]]),
                    doc_ids=[self._article_doc[a] for a in changed],
                )
            return list(changed)

    # -- summaries -----------------------------------------------------------------

    def put_summaries(self, records: Iterable[SummaryRecord]) -> int:
        """Store summaries (each a dict with at least ``article_id``), one per article,
        replacing an older one; one write for the lot."""
        rows = cast(Iterable[dict[str, Any]], records)  # stored as given
        with self.batch():
            table = self.table("summaries")
            updates: dict[str, dict[str, Any]] = {}
            inserts: list[dict[str, Any]] = []
            for record in rows:
                aid = record["article_id"]
                if aid in self._summary_doc:
                    updates[aid] = record
                else:
                    inserts.append(record)
            if updates:
                table.update(
                    lambda doc: doc.update(updates[doc["article_id"]]), doc_ids=[self._summary_doc[a] for a in updates]
                )
            if inserts:
                for record, doc_id in zip(inserts, table.insert_multiple(inserts)):
                    self._summary_doc[record["article_id"]] = doc_id
            return len(updates) + len(inserts)

    def get_summary(self, article_id: str) -> SummaryRecord | None:
        with self._lock:
            doc_id = self._summary_doc.get(article_id)
            if doc_id is None:
                return None
            doc = self.table("summaries").get(doc_id=doc_id)
            return cast(SummaryRecord, dict(doc)) if doc is not None else None

    # -- stories -------------------------------------------------------------------

    def put_stories(self, records: Iterable[StoryRecord], *, remove: Iterable[str] = ()) -> int:
        """Store story records (``{"id", "members": {article id: content hash}, ...}``),
        replacing older ones with the same id, and delete the stories in ``remove``; one write."""
        rows = cast(Iterable[dict[str, Any]], records)  # stored as given
        with self.batch():
            table = self.table("stories")
            updates: dict[str, dict[str, Any]] = {}
            inserts: list[dict[str, Any]] = []
            for record in rows:
                if record["id"] in self._story_doc:
                    updates[record["id"]] = record
                else:
                    inserts.append(record)
            gone = [sid for sid in set(remove) if sid in self._story_doc]
            for sid in [*gone, *updates]:
                self._unindex_story(table.get(doc_id=self._story_doc[sid]))
            if gone:
                table.remove(doc_ids=[self._story_doc.pop(sid) for sid in gone])
            if updates:

                def replace(doc: MutableMapping[str, Any]) -> None:
                    new = updates[doc["id"]]
                    doc.clear()
                    doc.update(new)

                table.update(replace, doc_ids=[self._story_doc[sid] for sid in updates])
                for sid, record in updates.items():
                    self._index_story(record, self._story_doc[sid])
            if inserts:
                for record, doc_id in zip(inserts, table.insert_multiple(inserts)):
                    self._index_story(record, doc_id)
            return len(updates) + len(inserts)

    def _unindex_story(self, doc: dict[str, Any] | None) -> None:
        if doc is None:
            return
        for aid in doc.get("members", {}):
            if self._story_of.get(aid) == doc["id"]:
                del self._story_of[aid]

    def _drop_story_members(self, article_ids: Iterable[str]) -> None:
        """Keep the stories table consistent when articles go: members removed, emptied
        stories deleted. (The story index does the same in memory.)"""
        touched: dict[str, set[str]] = {}
        for aid in article_ids:
            sid = self._story_of.get(aid)
            if sid is not None:
                touched.setdefault(sid, set()).add(aid)
        if not touched:
            return
        table = self.table("stories")
        records, gone = [], []
        for sid, aids in touched.items():
            doc = table.get(doc_id=self._story_doc[sid])
            if doc is None:
                continue
            members = {a: h for a, h in doc.get("members", {}).items() if a not in aids}
            (records.append({**doc, "members": members}) if members else gone.append(sid))
        self.put_stories(cast(list[StoryRecord], records), remove=gone)

    def get_story(self, story_id: str) -> StoryRecord | None:
        with self._lock:
            doc_id = self._story_doc.get(story_id)
            if doc_id is None:
                return None
            doc = self.table("stories").get(doc_id=doc_id)
            return cast(StoryRecord, dict(doc)) if doc is not None else None

    def story_id_of(self, article_id: str) -> str | None:
        """The id of the story an article is in, if it has been clustered."""
        with self._lock:
            return self._story_of.get(article_id)

    def iter_stories(self) -> Iterator[StoryRecord]:
        """Every stored story record (a snapshot)."""
        with self._lock:
            docs = [dict(doc) for doc in self.table("stories")]
        return iter(cast(list[StoryRecord], docs))

    # -- whole tables --------------------------------------------------------------

    def export_records(self, table: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(doc) for doc in self.table(table)]

    def import_records(self, table: str, records: Iterable[dict[str, Any]]) -> int:
        records = [dict(r) for r in records]
        with self.batch():
            self.table(table).insert_multiple(records)
            self._keyed.pop(table, None)
            self._rebuild_indexes()
        return len(records)

    def clear(self) -> None:
        with self.batch():
            for name in TABLES:
                if name != "meta":
                    self.table(name).truncate()
            self._keyed.clear()
            self._rebuild_indexes()

"""Moving a deployment between stores (``newsbrief store copy``): every table copied
exactly, then counted and checksummed on both sides.

A table's checksum is the SHA-256 of its records as canonical JSON (sorted keys, sorted
by the table's key), so it is the same whatever the backend's storage order or format;
equal counts and checksums on both sides mean the copy is lossless.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.store.base import KEYS, NewsStore, StoreError

__all__ = ["COPY_TABLES", "TableCheck", "CopyReport", "copy_store", "table_checksum", "is_empty"]

# the order matters: summaries refer to articles
COPY_TABLES = (
    "articles",
    "summaries",
    "stories",
    "entities",
    "sources",
    "chats",
    "chat_sources",
    "alerts",
    "deliveries",
)
_SORT = {"articles": "id", "summaries": "article_id", "stories": "id", **KEYS}


@dataclass
class TableCheck:
    table: str
    source_count: int
    source_sum: str
    dest_count: int
    dest_sum: str

    @property
    def ok(self) -> bool:
        return self.source_count == self.dest_count and self.source_sum == self.dest_sum


@dataclass
class CopyReport:
    tables: list[TableCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


def table_checksum(records: list[dict[str, Any]], table: str) -> str:
    """SHA-256 of a table's records as canonical JSON, independent of their order."""
    key = _SORT[table]
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: str(r.get(key))):
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def is_empty(store: NewsStore) -> bool:
    return all(not store.export_records(t) for t in COPY_TABLES)


def copy_store(source: NewsStore, dest: NewsStore, *, force: bool = False) -> CopyReport:
    """Copy every table of ``source`` into ``dest``, which must be empty unless ``force``
    (then it is cleared first); returns the per-table counts and checksums of both."""
    if not is_empty(dest):
        if not force:
            raise StoreError("the destination is not empty; use --force to replace what it holds")
        dest.clear()
    report = CopyReport()
    exported = {t: source.export_records(t) for t in COPY_TABLES}
    with dest.batch():
        for table in COPY_TABLES:
            if exported[table]:
                dest.import_records(table, exported[table])
    for table in COPY_TABLES:
        copied = dest.export_records(table)
        report.tables.append(
            TableCheck(
                table,
                len(exported[table]),
                table_checksum(exported[table], table),
                len(copied),
                table_checksum(copied, table),
            )
        )
    return report

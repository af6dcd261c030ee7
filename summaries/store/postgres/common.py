"""What the PostgreSQL store's modules share: the driver (the ``postgres`` extra), JSON
reading, the error for an unreachable server, and small helpers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from newsbrief.summaries.store.base import StoreError

try:
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - the optional extra is missing
    raise ImportError("the PostgreSQL store needs the postgres extra: pip install 'newsbrief[postgres]'") from exc

try:  # several times faster than json at reading the documents back
    import orjson
except ImportError:  # pragma: no cover - orjson comes with the postgres extra
    orjson = None
else:
    from psycopg.types.json import set_json_loads

    set_json_loads(orjson.loads)
loads = orjson.loads if orjson is not None else json.loads

__all__ = ["StoreUnavailable", "redact", "now_iso", "loads", "psycopg", "sql", "Jsonb", "ConnectionPool", "PoolTimeout"]


class StoreUnavailable(StoreError):
    """The database server cannot be reached right now; nothing was changed, try again."""


def redact(url: str) -> str:
    """A connection URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

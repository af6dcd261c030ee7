"""A real PostgreSQL server for tests: ``pgserver`` (PostgreSQL 16 from pip-installed
binaries) started once per test session, with a fresh database per test.

When the server cannot start (``pgserver`` or psycopg missing, no binaries for this
platform), the tests that need it are skipped with the reason; they never pass silently.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_server = None
_failure: str | None = None


def server_uri() -> str:
    """The URI of the session's server (started on first use), or skip with the reason."""
    global _server, _failure
    if _failure is not None:
        pytest.skip(f"PostgreSQL test server unavailable: {_failure}")
    if _server is None:
        try:
            import pgserver  # noqa: PLC0415
            import psycopg  # noqa: F401, PLC0415
            import psycopg_pool  # noqa: F401, PLC0415
        except ImportError as exc:
            _failure = f"{exc.name} is not installed (pip install -e '.[test,postgres]')"
            pytest.skip(f"PostgreSQL test server unavailable: {_failure}")
        try:
            _server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="newsbrief-pg-")), cleanup_mode="delete")
        except Exception as exc:  # any reason the server cannot run here
            _failure = f"pgserver could not start PostgreSQL ({type(exc).__name__}: {exc})"
            pytest.skip(f"PostgreSQL test server unavailable: {_failure}")
    return _server.get_uri()


def fresh_database() -> str:
    """A new empty database on the session's server; returns its URL."""
    import psycopg

    base = server_uri()
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(base, name)


def drop_database(url: str) -> None:
    import psycopg

    name = url.split("/")[-1].split("?")[0]
    with psycopg.connect(server_uri(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(uri: str, name: str) -> str:
    # pgserver URIs look like postgresql://postgres:@/postgres?host=/tmp/...
    head, _, query = uri.partition("?")
    head = head.rsplit("/", 1)[0] + "/" + name
    return head + ("?" + query if query else "")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = fresh_database()
    try:
        yield url
    finally:
        drop_database(url)

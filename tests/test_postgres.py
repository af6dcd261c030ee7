"""What only the PostgreSQL store does: migrations, constraints across processes, a
server that is away. Against a real server (``pgserver``); skipped with the reason if it
cannot start."""

from __future__ import annotations

import threading

import pytest
from pgtest import pg_url  # noqa: F401  (fixture)
from waiting import wait_for_sync

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import settings_from_dict
from newsbrief.summaries.store import StoreError, TinyStore, open_store

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[test,postgres]')")
postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")
PostgresStore = postgres.PostgresStore


def test_migrations_run_once_and_a_newer_schema_stops_start_up(pg_url, tmp_path):
    with PostgresStore(pg_url) as store:
        assert store.schema_version() == postgres.PG_SCHEMA_VERSION
        assert store.migrate() == []  # nothing left to apply
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO newsbrief_schema (version) VALUES (%s)", (postgres.PG_SCHEMA_VERSION + 1,))
    with pytest.raises(
        StoreError,
        match=rf"schema is version {postgres.PG_SCHEMA_VERSION + 1}, written by a newer newsbrief.*Upgrade newsbrief",
    ):
        PostgresStore(pg_url)


def test_two_processes_starting_together_migrate_once(pg_url, tmp_path):
    stores, errors = [], []

    def start() -> None:
        try:
            stores.append(PostgresStore(pg_url))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(stores) == 3
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM newsbrief_schema").fetchone()[0] == postgres.PG_SCHEMA_VERSION
    for s in stores:
        s.close()


def test_a_digest_is_claimed_once_across_processes(pg_url, tmp_path):
    a = PostgresStore(pg_url)
    b = PostgresStore(pg_url)
    try:
        results: list[bool] = []
        barrier = threading.Barrier(8)

        def claim(store) -> None:
            barrier.wait()
            results.append(store.claim_delivery(42, "2025-07-27"))

        threads = [threading.Thread(target=claim, args=((a, b)[i % 2],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False] * 7 + [True]
        assert b.documents("deliveries")[0]["days"]["2025-07-27"]["state"] == "sending"
        assert a.claim_delivery(42, "2025-07-28")  # another day is another digest
    finally:
        a.close()
        b.close()


def test_constraints_hold_for_writes_that_bypass_the_store(pg_url, tmp_path):
    with PostgresStore(pg_url) as store:
        article = Article(
            headline="A story", body="It happened. Then more.", date="2025-07-27", url="https://example.org/x"
        )
        store.upsert_articles([article])
    with psycopg.connect(pg_url) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation):  # one canonical URL, one article
            conn.execute(
                "INSERT INTO articles (id, seq, date, content_hash, canonical_url, doc) "
                "VALUES ('other', 99, '2025-07-27', 'h', 'example.org/x', '{}')"
            )
        conn.rollback()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # no summary without its article
            conn.execute("INSERT INTO summaries (article_id, doc) VALUES ('missing', '{}')")
        conn.rollback()
        with pytest.raises(psycopg.errors.UniqueViolation):  # one delivery per chat and day
            conn.execute("INSERT INTO deliveries (chat_id, day, state) VALUES (1, 'd', 'sent'), (1, 'd', 'sent')")


def test_other_processes_see_derived_changes_through_generation(pg_url, tmp_path, monkeypatch):
    monkeypatch.setattr(postgres.store, "_GENERATION_TTL", 0.0)
    a = PostgresStore(pg_url)
    b = PostgresStore(pg_url)
    try:
        before_a, before_b = a.generation, b.generation
        a.put_documents("entities", [{"k": "e:x", "name": "X"}])
        assert a.generation == before_a  # its own write: its index is already current
        assert b.generation == before_b + 1  # b's in-memory indexes must reload
        b.put_documents("chats", [{"chat_id": 1}])  # not a derived table
        assert a.generation == before_a
    finally:
        a.close()
        b.close()


def test_settings_choose_the_backend(pg_url, tmp_path, monkeypatch):
    settings = settings_from_dict({"storage": {"path": str(tmp_path / "db.json")}})
    with open_store(settings) as store:
        assert isinstance(store, TinyStore)
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", pg_url)
    settings = settings_from_dict({"storage": {"path": str(tmp_path / "db.json"), "url": "postgresql://ignored/x"}})
    assert settings.storage.url == pg_url  # the environment carries the password, and wins
    with open_store(settings) as store:
        assert isinstance(store, PostgresStore)


def test_a_bad_url_is_a_config_error_without_the_password():
    from newsbrief.summaries.config import ConfigError

    with pytest.raises(ConfigError, match=r"\[storage\] url: expected a postgresql:// URL") as err:
        settings_from_dict({"storage": {"url": "mysql://user:secret@host/db"}})
    assert "secret" not in str(err.value)


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="cannot connect to the database postgresql://nb:\\*\\*\\*@127.0.0.1:1/x"):
        PostgresStore("postgresql://nb:secret@127.0.0.1:1/x", connect_timeout=1)


def test_the_briefing_read_cache_is_short_lived_and_emptied_by_own_writes(pg_url, tmp_path):
    a = PostgresStore(pg_url)
    b = PostgresStore(pg_url)
    try:
        one = Article(headline="One story", body="It happened. Then more.", date="2025-07-27")
        two = Article(headline="Two story", body="Something else happened. And more.", date="2025-07-27")
        a.upsert_articles([one, two])
        a.put_stories([{"id": "s", "members": {one.id: one.content_hash, two.id: two.content_hash}}])
        assert len(a.latest_articles(on_date="2025-07-27")) == 2  # prefetches stories and members
        b.remove_articles([two.id])  # another process
        wait_for_sync(
            lambda: a.get_story("s")["members"] == {one.id: one.content_hash},
            3,
            interval=0.05,
            what="another process's change to show",
        )
        assert a.get_article(two.id) is None
        a.latest_articles(on_date="2025-07-27")
        a.put_stories([], remove=["s"])  # its own write shows at once
        assert a.get_story("s") is None and a.story_id_of(one.id) is None
        got = a.get_article(one.id)
        got["headline"] = "changed by the caller"
        assert a.get_article(one.id)["headline"] == "One story"
    finally:
        a.close()
        b.close()

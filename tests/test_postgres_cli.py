"""``newsbrief store copy`` (TinyDB file <-> PostgreSQL, lossless, refusing a non-empty
destination) and ``newsbrief status``, through the real command line, on a real server
(``pgserver``; skipped with the reason if it cannot start)."""

from __future__ import annotations

import json

import pytest
from pgtest import pg_url  # noqa: F401  (fixture)

from newsbrief.bot.cli import main
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import TinyStore
from newsbrief.summaries.store.transfer import COPY_TABLES

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")


@pytest.fixture
def tiny_db(tmp_path):
    path = tmp_path / "source.json"
    with TinyStore(path) as store:
        run_pipeline(store, Settings())  # the seed article: summary, entities, a story
        store.put_documents("chats", [{"chat_id": 5, "digest_time": "07:00", "topics": ["Hegseth"]}])
        store.put_documents(
            "deliveries",
            [
                {
                    "chat_id": 5,
                    "days": {"2025-07-27": {"state": "sent", "at": "2025-07-27T07:00:00Z", "articles": ["x"]}},
                }
            ],
        )
        store.put_documents("sources", [{"name": "feed", "etag": "abc", "errors": 0}])
        store.put_documents(
            "chat_sources", [{"name": "u:0123456789ab", "url": "https://example.org/feed", "chats": [5]}]
        )
        store.put_documents("alerts", [{"chat_id": 5, "sent": {"2025-07-27": ["s1"]}}])
    return path


def export_all(store):
    return {t: sorted(store.export_records(t), key=lambda r: json.dumps(r, sort_keys=True)) for t in COPY_TABLES}


def test_copy_tinydb_to_postgres_and_back_is_lossless(tiny_db, pg_url, tmp_path, capsys):
    assert main(["--db", str(tmp_path / "journal.json"), "store", "copy", str(tiny_db), pg_url]) == 0
    out = capsys.readouterr().out
    assert "copy complete" in out and "DIFFERENT" not in out
    back = tmp_path / "back.json"
    assert main(["--db", str(tmp_path / "journal.json"), "store", "copy", pg_url, str(back)]) == 0
    with TinyStore(tiny_db, readonly=True) as a, TinyStore(back, readonly=True) as b:
        original, returned = export_all(a), export_all(b)
        assert all(original[t] for t in COPY_TABLES)  # every table had something to copy
        assert returned == original
        seed = a.article_ids()[0]
        assert b.get_summary(seed) == a.get_summary(seed) and b.story_id_of(seed) == a.story_id_of(seed)


def test_copy_refuses_a_non_empty_destination_without_force(tiny_db, pg_url, tmp_path, capsys):
    assert main(["--db", str(tmp_path / "j.json"), "store", "copy", str(tiny_db), pg_url]) == 0
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "j.json"), "store", "copy", str(tiny_db), pg_url]) == 2
    assert "not empty; use --force" in capsys.readouterr().err
    with postgres.PostgresStore(pg_url) as pg:
        pg.put_documents("chats", [{"chat_id": 99}])  # something the source lacks
    assert main(["--db", str(tmp_path / "j.json"), "store", "copy", "--force", str(tiny_db), pg_url]) == 0
    with postgres.PostgresStore(pg_url) as pg:
        assert [c["chat_id"] for c in pg.documents("chats")] == [5]
    assert main(["store", "copy", str(tmp_path / "missing.json"), pg_url]) == 2


def test_status_on_postgres_and_tinydb(tiny_db, pg_url, tmp_path, capsys, monkeypatch):
    assert main(["--db", str(tiny_db), "status", "--json"]) == 0
    tiny = json.loads(capsys.readouterr().out)
    assert tiny["backend"] == "tinydb" and tiny["counts"]["articles"] == 1 and tiny["pending"]["unsummarized"] == 0
    assert main(["--db", str(tmp_path / "j.json"), "store", "copy", str(tiny_db), pg_url]) == 0
    capsys.readouterr()
    from conftest import make_articles

    from newsbrief.summaries.config import settings_from_dict
    from newsbrief.summaries.pipeline.worker import Worker

    with postgres.PostgresStore(pg_url) as pg:
        pg.upsert_articles(make_articles(3))
        w = Worker(pg, settings_from_dict({}), batch=1, worker_id="host:1:w")
        w.summarize_batch()
        w.record_job("fetch", lambda: (_ for _ in ()).throw(RuntimeError("feed down")))
    monkeypatch.setenv("NEWSBRIEF_DATABASE_URL", pg_url)
    assert main(["--db", str(tmp_path / "j.json"), "status", "--json"]) == 0
    pg_status = json.loads(capsys.readouterr().out)
    assert pg_status["backend"] == "postgresql" and pg_status["schema"] == postgres.PG_SCHEMA_VERSION
    assert pg_status["counts"]["articles"] == 4 and pg_status["pending"]["unsummarized"] == 2
    assert [x["id"] for x in pg_status["workers"]] == ["host:1:w"]
    assert pg_status["jobs"][0]["ok"] is False and "feed down" in pg_status["jobs"][0]["detail"]
    assert main(["--db", str(tmp_path / "j.json"), "status"]) == 0
    text = capsys.readouterr().out
    assert (
        f"schema version {postgres.PG_SCHEMA_VERSION}" in text
        and "FAILED" in text
        and "feed down" in text
        and "host:1:w" in text
    )

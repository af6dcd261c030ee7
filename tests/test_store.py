"""The TinyDB store: batched atomic writes, idempotent ingest, crash safety, one writer."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import make_articles
from waiting import wait_for_sync

from newsbrief.summaries.ingest.files import ingest_paths
from newsbrief.summaries.store import Store, StoreError, StoreLocked


def test_upsert_is_idempotent_and_updates_changed_articles(tmp_path):
    db = tmp_path / "db.json"
    articles = make_articles(5)
    with Store(db) as store:
        assert len(store.upsert_articles(articles).added) == 5
        again = store.upsert_articles(articles)
        assert (len(again.added), len(again.unchanged)) == (0, 5)
        changed = dataclasses.replace(articles[0], body="The council changed its mind.")
    # reopen: the same content is still there, and an update replaces in place
    with Store(db) as store:
        assert store.article_count() == 5
        report = store.upsert_articles([changed])
        assert report.updated == [changed.id]
        assert store.get_article(changed.id)["body"] == "The council changed its mind."
        assert store.article_count() == 5


def test_exact_duplicate_under_another_identity_is_stored_once(tmp_path):
    a = make_articles(1)[0]
    twin = a.__class__(headline="Another headline", body=a.body, date=a.date, agency="OTHER")
    with Store(tmp_path / "db.json") as store:
        report = store.upsert_articles([a, twin])
        assert report.added == [a.id]
        assert report.duplicates == [(twin.id, a.id)]


def test_batch_is_one_write(tmp_path, monkeypatch):
    from newsbrief.summaries.store import AtomicJSONStorage

    writes = []
    original = AtomicJSONStorage.write_payload
    monkeypatch.setattr(
        AtomicJSONStorage, "write_payload", lambda self, payload: (writes.append(1), original(self, payload))
    )
    with Store(tmp_path / "db.json") as store:
        writes.clear()
        store.upsert_articles(make_articles(300))
        assert len(writes) == 1


def test_concurrent_writers_commit_as_a_group(tmp_path, monkeypatch):
    from newsbrief.summaries.store import AtomicJSONStorage

    writes = []
    original = AtomicJSONStorage.write_payload

    def slow_write(self, payload):
        writes.append(1)
        time.sleep(0.05)  # a big database takes a while to write
        original(self, payload)

    with Store(tmp_path / "db.json") as store:
        monkeypatch.setattr(AtomicJSONStorage, "write_payload", slow_write)
        threads = [threading.Thread(target=store.upsert_articles, args=(make_articles(1, start=i),)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.article_count() == 40
        assert len(writes) < 20  # far fewer file writes than batches
    with Store(tmp_path / "db.json", readonly=True) as reopened:
        assert reopened.article_count() == 40  # every batch is on disk


def test_a_batch_cannot_end_inside_the_store_lock(tmp_path):
    with (
        Store(tmp_path / "db.json") as store,
        pytest.raises(RuntimeError, match="must not end while the caller holds Store.lock"),
        store.lock,
    ):
        store.upsert_articles(make_articles(1))


def test_latest_articles_newest_first_and_by_day(tmp_path):
    with Store(tmp_path / "db.json") as store:
        store.upsert_articles(make_articles(3, date="2025-07-01"))
        store.upsert_articles(make_articles(2, date="2025-07-03", start=10))
        latest = store.latest_articles(3)
        assert [a["date"] for a in latest] == ["2025-07-03", "2025-07-03", "2025-07-01"]
        assert len(store.latest_articles(on_date="2025-07-01")) == 3
        assert store.latest_articles(on_date="2025-07-02") == []


def test_failed_batch_leaves_disk_and_memory_as_before(tmp_path):
    with Store(tmp_path / "db.json") as store:
        store.upsert_articles(make_articles(3))
        with pytest.raises(RuntimeError), store.batch():
            store.upsert_articles(make_articles(3, start=100))
            raise RuntimeError("boom")
        assert store.article_count() == 3
    with Store(tmp_path / "db.json", readonly=True) as store:
        assert store.article_count() == 3


def test_disk_error_keeps_last_good_database(tmp_path, monkeypatch):
    db = tmp_path / "db.json"
    with Store(db) as store:
        store.upsert_articles(make_articles(3))
        before = db.read_bytes()

        def full(*_a, **_k):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(StoreError, match="No space left on device.*last good copy"):
            store.upsert_articles(make_articles(3, start=50))
        monkeypatch.undo()
        assert db.read_bytes() == before
        assert store.article_count() == 3
        assert not list(tmp_path.glob(".*.tmp"))


def test_second_writer_is_refused_reader_is_not(tmp_path):
    db = tmp_path / "db.json"
    with Store(db) as store:
        store.upsert_articles(make_articles(2))
        code = f"from newsbrief.summaries.store import Store\nStore({str(db)!r})"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0
        assert "StoreLocked" in proc.stderr and "open for writing by another newsbrief process" in proc.stderr
        with pytest.raises(StoreLocked):
            Store(db)
        with Store(db, readonly=True) as reader:
            assert reader.article_count() == 2
    Store(db).close()  # free again once the writer closed


def test_broken_file_is_reported_not_overwritten(tmp_path):
    db = tmp_path / "db.json"
    db.write_text('{"articles": {"1": {"id": ')
    with pytest.raises(StoreError, match="not a newsbrief database"):
        Store(db)
    assert db.read_text() == '{"articles": {"1": {"id": '


KILL_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from conftest import make_articles
    from newsbrief.summaries.store import Store
    store = Store({db!r})
    print("ready", flush=True)
    for i in range(1000):
        store.upsert_articles(make_articles(400, start=i * 400))
    """
)


def _committed_articles(db) -> int:
    """Articles in the last whole write of the file (each write replaces it by a rename)."""
    try:
        return len(json.loads(db.read_bytes()).get("articles", {}))
    except (FileNotFoundError, ValueError):
        return 0


@pytest.mark.parametrize("batches", [1, 3, 6])
def test_database_survives_sigkill_mid_ingest(tmp_path, batches):
    db = tmp_path / "db.json"
    code = KILL_CHILD.format(tests=os.path.dirname(__file__), db=str(db))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        # killed while it writes the batch after these (1000 batches of 400 in all)
        wait_for_sync(
            lambda: _committed_articles(db) >= batches * 400, 60, interval=0.02, what=f"{batches} batches written"
        )
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    json.loads(db.read_text())  # a whole JSON document, not a torn one
    with Store(db) as store:  # the lock died with the child
        count = store.article_count()
        assert count % 400 == 0  # only whole batches
        assert count >= batches * 400  # none that was written is lost
        ids = store.article_ids()
        assert len(set(ids)) == count


def test_ingest_skips_bad_files_and_keeps_the_rest(tmp_path, seed_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(seed_path.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (folder / "latin1.txt").write_bytes("Caf\xe9 opens".encode("latin-1"))
    (folder / "ok.json").write_text(json.dumps([{"title": "Rain", "text": "It rained all day in the city."}]))
    with Store(tmp_path / "db.json") as store:
        report = ingest_paths(store, [folder, tmp_path / "missing"])
        assert len(report.added) == 2
        reasons = dict((os.path.basename(w), r) for w, r in report.skipped)
        assert reasons["empty.txt"] == "empty file"
        assert reasons["binary.txt"].startswith("binary file")
        assert reasons["latin1.txt"].startswith("not UTF-8")
        assert reasons["missing"] == "no such file or folder"
        again = ingest_paths(store, [folder])
        assert (len(again.added), len(again.unchanged)) == (0, 2)

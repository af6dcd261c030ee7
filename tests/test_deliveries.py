"""The delivery log: journal, fold into the store, crash recovery, pruning."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest

from newsbrief.bot.deliveries import SENDING, SENT, DeliveryLog
from newsbrief.summaries.store import Store, StoreError

TODAY = dt.date(2025, 7, 27)


def open_log(store: Store) -> DeliveryLog:
    return DeliveryLog(store, keep_days=7, today=lambda: TODAY)


def journals(tmp_path):
    return sorted(p.name for p in tmp_path.glob("db.json.deliveries.*.jsonl"))


def test_marks_survive_a_crash_and_are_folded_on_restart(tmp_path):
    store = Store(tmp_path / "db.json")
    log = open_log(store)
    log.mark(1, "2025-07-27", SENDING, ["a"])
    log.mark(1, "2025-07-27", SENT, ["a"])
    log.mark(2, "2025-07-27", SENDING, ["b"])
    log.journal.abandon()  # killed: no fold, no close
    store.close()
    with Store(tmp_path / "db.json") as store:
        again = open_log(store)
        assert again.state(1, "2025-07-27") == SENT and again.done(2, "2025-07-27")  # possibly sent: not resent
        assert again.sent_articles(1) == {"a"} and again.sent_articles(2) == {"b"}
        (doc,) = [d for d in store.documents("deliveries") if d["chat_id"] == 1]
        assert doc["days"]["2025-07-27"]["state"] == SENT
        assert len(journals(tmp_path)) == 1  # folded journals deleted, a fresh one open
        again.close()


def test_fold_writes_only_changed_chats_and_prunes_old_days(tmp_path):
    with Store(tmp_path / "db.json") as store:
        log = open_log(store)
        log.mark(1, "2025-07-01", SENT, ["old"])
        log.mark(1, "2025-07-27", SENT, ["new"])
        log.mark(2, "2025-07-27", SENT, ["x"])
        assert log.fold() == 2
        assert log.fold() == 0
        log.mark(2, "2025-07-28", SENT, ["y"])
        assert log.fold() == 1
        assert log.state(1, "2025-07-01") is None and log.sent_articles(1) == {"new"}
        docs = {d["chat_id"]: d for d in store.documents("deliveries")}
        assert set(docs[1]["days"]) == {"2025-07-27"} and set(docs[2]["days"]) == {"2025-07-27", "2025-07-28"}
        log.close()


def test_failed_fold_keeps_the_journal_and_retries(tmp_path, monkeypatch):
    with Store(tmp_path / "db.json") as store:
        log = open_log(store)
        log.mark(1, "2025-07-27", SENT, ["a"])

        def no_space(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", no_space)
        with pytest.raises((StoreError, OSError)):
            log.fold()
        monkeypatch.undo()
        assert len(journals(tmp_path)) >= 1
        assert log.fold() == 1
        assert [d["chat_id"] for d in store.documents("deliveries")] == [1]
        assert len(journals(tmp_path)) == 1
        log.close()
    with Store(tmp_path / "db.json") as store:
        assert open_log(store).state(1, "2025-07-27") == SENT


def test_marking_does_not_wait_for_a_fold(tmp_path, monkeypatch):
    with Store(tmp_path / "db.json") as store:
        log = open_log(store)
        for chat in range(50):
            log.mark(chat, "2025-07-27", SENT, [])
        writing = threading.Event()
        release = threading.Event()  # the fold's write lasts until the mark below has returned
        real_write = log._write

        def slow_write(snapshot):
            writing.set()
            release.wait(5)
            real_write(snapshot)

        monkeypatch.setattr(log, "_write", slow_write)
        folder = threading.Thread(target=log.fold)
        folder.start()
        assert writing.wait(5)
        start = time.monotonic()
        log.mark(99, "2025-07-27", SENDING, ["z"])
        assert time.monotonic() - start < 0.2
        assert folder.is_alive()  # the fold was still writing while the mark went through
        release.set()
        folder.join()
        log.fold()
        assert log.state(99, "2025-07-27") == SENDING
        log.close()

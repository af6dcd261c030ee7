"""Digests claimed in the database on PostgreSQL: one bot process per (chat, day) across
processes, a claim of a process that died before sending taken over once its lease runs
out, "sending" after a crash left alone (in doubt), TinyDB's journal unchanged. Real
server (``pgserver``), two stores standing for two processes; skipped with the reason if
the server cannot start."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading

import pytest
from botenv import TOKEN, UTC, Clock, start_bot, stop_bot
from pgtest import pg_url  # noqa: F401  (fixture)
from waiting import wait_for_sync

from newsbrief.bot.chats import ChatBook, ChatPrefs
from newsbrief.bot.deliveries import (
    CLAIMED,
    RETRY,
    SENDING,
    SENT,
    ClaimLost,
    DatabaseDeliveryLog,
    DeliveryLog,
    open_deliveries,
)
from newsbrief.bot.digests import deliver_digest
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")

DAY = "2025-07-27"
TODAY = dt.date(2025, 7, 27)


@pytest.fixture
def two(pg_url, tmp_path):
    """Two stores on one database: two bot processes."""
    stores = [postgres.PostgresStore(pg_url) for n in "ab"]
    yield stores
    for s in stores:
        s.close()


def logs(stores, lease=60.0):
    return [open_deliveries(s, today=lambda: TODAY, lease=lease) for s in stores]


def test_postgres_gets_the_database_log_and_tinydb_the_journal(two, tmp_path):
    assert isinstance(open_deliveries(two[0]), DatabaseDeliveryLog)
    with Store(tmp_path / "db.json") as store:
        log = open_deliveries(store, today=lambda: TODAY)
        assert isinstance(log, DeliveryLog)
        log.close()


def test_a_digest_is_claimed_by_one_process_only(two):
    a, b = logs(two)
    results: list[tuple[str, bool]] = []
    barrier = threading.Barrier(8)

    def claim(i: int) -> None:
        log = (a, b)[i % 2]
        barrier.wait()
        results.append(("ab"[i % 2], log.claim(7, DAY)))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ok for _, ok in results) == [False] * 7 + [True]
    winner, loser = (a, b) if ("a", True) in results else (b, a)
    assert loser.state(7, DAY) == CLAIMED and not loser.done(7, DAY)  # it sees why: another holds it
    winner.start_sending(7, DAY, ["x"])
    winner.mark(7, DAY, SENT, ["x"])
    assert not loser.claim(7, DAY) and loser.done(7, DAY) and loser.sent_articles(7) == {"x"}
    assert a.claim(7, "2025-07-28")  # another day is another digest


def test_a_dead_holders_claim_is_taken_once_its_lease_runs_out(two):
    dead, other = logs(two, lease=0.5)
    assert dead.claim(7, DAY)  # ... and the process dies before sending anything
    assert not other.claim(7, DAY)  # held
    wait_for_sync(lambda: other.claim(7, DAY), 10, interval=0.05, what="the dead holder's lease to run out")
    with pytest.raises(ClaimLost):  # the first holder wakes up late: it must not send
        dead.start_sending(7, DAY, ["a"])
    other.start_sending(7, DAY, ["b"])
    other.mark(7, DAY, SENT, ["b"])
    (doc,) = two[0].documents("deliveries")
    assert doc["days"][DAY] == {"state": SENT, "at": doc["days"][DAY]["at"], "articles": ["b"]}


def test_sending_after_a_crash_is_in_doubt_and_not_claimed_again(two, tmp_path):
    a, _ = logs(two, lease=0.2)
    assert a.claim(7, DAY)
    a.start_sending(7, DAY, ["x"])  # the request left, then the process died
    ((_, _, state, at, _),) = two[1].delivery_rows(7)
    assert state == SENDING

    def lease_long_gone() -> bool:
        with two[1].connection() as conn:
            return conn.execute("SELECT now() - %s::timestamptz > interval '2 seconds'", (at,)).fetchone()[0]

    wait_for_sync(lease_long_gone, 10, interval=0.1)
    again = open_deliveries(postgres.PostgresStore(two[0].url), today=lambda: TODAY, lease=0.2)  # a new process
    try:
        assert again.done(7, DAY) and not again.claim(7, DAY)  # possibly sent: never twice, however late
        assert again.sent_articles(7) == {"x"}
    finally:
        again.store.close()


def test_retry_and_released_claims_are_free_again(two):
    a, b = logs(two)
    assert a.claim(7, DAY)
    a.mark(7, DAY, RETRY)  # Telegram failed: to be tried again, by any process
    assert b.claim(7, DAY)
    b.release(7, DAY)  # an error before anything was sent: the row goes
    assert two[0].delivery_rows(7) == []
    assert a.claim(7, DAY)
    a._unclaim_here(7, DAY)  # as if its release had failed (the database away): the row stays claimed
    assert not b.claim(7, DAY) and a.claim(7, DAY)  # its holder may claim it again, no one else


def test_old_days_are_pruned_for_every_chat(two):
    a, _ = logs(two)
    a.mark(7, "2025-07-01", SENT, ["old"])
    a.mark(8, DAY, SENT, ["new"])
    assert a.fold() == 1
    assert [r[:3] for r in two[1].delivery_rows()] == [(8, DAY, SENT)]
    assert a.sent_articles(7) == set() and a.sent_articles(8) == {"new"}


def test_tinydb_claims_stay_in_memory_and_the_journal_is_unchanged(tmp_path):
    with Store(tmp_path / "db.json") as store:
        log = DeliveryLog(store, today=lambda: TODAY)
        assert log.claim(7, DAY) and not log.claim(7, DAY)  # one delivery at a time in this process
        log.release(7, DAY)
        assert log.claim(7, DAY)
        log.start_sending(7, DAY, ["x"])
        log.mark(7, DAY, SENT, ["x"])
        assert not log.claim(7, DAY)
        lines = [
            json.loads(line) for p in tmp_path.glob("db.json.deliveries.*.jsonl") for line in p.read_text().splitlines()
        ]
        assert [e["state"] for e in lines] == [SENDING, SENT]  # no claim in the journal
        log.close()


def digests(api, chat_id=None):
    return [m for m in api.sent(chat_id) if m["plain_text"].startswith("Your daily digest")]


async def test_two_bot_processes_send_each_digest_once(pg_url, tmp_path):
    """Two bots on one database deliver the same wave at the same moment."""
    chats = [9100 + i for i in range(12)]
    settings = Settings()
    stores = [postgres.PostgresStore(pg_url) for n in "ab"]
    api = LocalBotAPI(token=TOKEN)
    api.start()
    apps = []
    try:
        run_pipeline(stores[0], settings)
        ChatBook(stores[0], settings).save_many(
            ChatPrefs(chat_id=c, subscribed=True, time="07:00", timezone="UTC", since="2025-07-26T00:00:00+00:00")
            for c in chats
        )
        for c in chats:
            api.add_chat(c, "private")
        clock = Clock(dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC))  # before 07:00: no catch-up at start
        for s in stores:
            apps.append(await start_bot(api, s, settings, clock))
        outcomes = await asyncio.gather(*(deliver_digest(app, c, DAY) for c in chats for app in apps))
        assert outcomes.count("sent") == len(chats)
        assert set(outcomes) <= {"sent", "already", "elsewhere"}
        assert sorted(m["chat_id"] for m in digests(api)) == chats  # each chat once
        rows = stores[1].delivery_rows()
        assert [(r[0], r[2]) for r in rows] == [(c, SENT) for c in chats]
    finally:
        for app in apps:
            await stop_bot(app)
        for s in stores:
            s.close()
        api.stop()


async def test_a_digest_due_while_the_database_is_away_is_sent_once_it_is_back(tmp_path):
    import tempfile
    from pathlib import Path

    from botenv import running_bot
    from waiting import wait_for

    pgserver = pytest.importorskip("pgserver")
    import pgtest

    pgtest.server_uri()  # skips with the reason if no server can run here
    data = Path(tempfile.mkdtemp(prefix="newsbrief-pg-away-"))
    server = pgserver.get_server(data, cleanup_mode="stop")
    url = server.get_uri()
    user = 7002
    try:
        async with running_bot(
            tmp_path, store_factory=lambda wd: postgres.PostgresStore(url, connect_timeout=2)
        ) as env:
            await env.say(user, "/subscribe 07:00 UTC")
            env.clock.now = dt.datetime(2025, 7, 27, 7, 0, tzinfo=UTC)
            server.cleanup()  # the database goes away as the digest falls due
            assert await deliver_digest(env.app, user, DAY) == "retry-later"  # nothing claimed, nothing sent
            assert digests(env.api, user) == []
            server = pgserver.get_server(data, cleanup_mode="stop")  # back
            await wait_for(lambda: digests(env.api, user), timeout=60, what="the digest, sent by the retry job")
            await env.jobs_idle()
            assert len(digests(env.api, user)) == 1
            assert env.svc.deliveries.state(user, DAY) == SENT
    finally:
        server.cleanup()

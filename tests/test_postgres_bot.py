"""The bot end to end on PostgreSQL: /brief, /subscribe, /who, a digest delivered exactly
once (also across a restart), and the database server restarted under the running bot.
Real bot, real local Bot API server, real PostgreSQL (``pgserver``; skipped with the
reason if it cannot start)."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from botenv import UTC, BotEnv, running_bot, start_bot, stop_bot
from pgtest import pg_url  # noqa: F401  (fixture)

from newsbrief.bot.deliveries import SENT
from newsbrief.bot.digests import deliver_digest

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")
PostgresStore = postgres.PostgresStore

USER = 7001
SEED_DAY = "2025-07-27"


def digests(api, chat_id):
    return [m for m in api.sent(chat_id) if m["plain_text"].startswith("Your daily digest")]


@pytest.fixture
async def env(tmp_path, pg_url):
    async with running_bot(tmp_path, store_factory=lambda wd: PostgresStore(pg_url)) as bot_env:
        yield bot_env


async def test_brief_and_subscribe_on_postgres(env):
    assert isinstance(env.store, PostgresStore)
    (msg,) = await env.say(USER, "/brief")
    assert "The top defence officials from India and the United States held key bilateral talks" in msg["plain_text"]
    (msg,) = await env.say(USER, "/subscribe 07:00 UTC")
    assert "07:00" in msg["plain_text"]
    # the subscription is a row in the database, visible to any other process
    with PostgresStore(env.store.url) as other:
        (chat,) = [c for c in other.documents("chats") if c["chat_id"] == USER]
        assert chat["chat_id"] == USER


async def test_who_on_postgres(env):
    from newsbrief.summaries.index.entity_index import index_articles

    await asyncio.to_thread(index_articles, env.store, list(env.store.iter_articles()))
    (msg,) = await env.say(USER, "/who Hegseth")
    assert msg["plain_text"].startswith("Pete Hegseth · person")


async def test_digest_is_sent_exactly_once_across_a_restart(tmp_path, pg_url):
    open_pg = lambda wd: PostgresStore(pg_url)  # noqa: E731
    async with running_bot(tmp_path, store_factory=open_pg) as env:
        await env.say(USER, "/subscribe 07:00 UTC")
        env.clock.now = dt.datetime(2025, 7, 27, 7, 0, tzinfo=UTC)
        assert await deliver_digest(env.app, USER, SEED_DAY) == "sent"
        assert await deliver_digest(env.app, USER, SEED_DAY) != "sent"  # the same day again: nothing
        assert len(digests(env.api, USER)) == 1
        api = env.api
        await stop_bot(env.app)  # folds the delivery log into PostgreSQL
        env.store.close()
        # a new process on the same database, its catch-up run included
        store = open_pg(tmp_path)
        try:
            app = await start_bot(api, store, env.settings, env.clock)
            env2 = BotEnv(api, app, store, env.clock, env.settings)
            assert env2.svc.deliveries.state(USER, SEED_DAY) == SENT
            assert await deliver_digest(app, USER, SEED_DAY) != "sent"
            assert len(digests(api, USER)) == 1
            (days,) = [d["days"] for d in store.documents("deliveries") if d["chat_id"] == USER]
            assert days[SEED_DAY]["state"] == SENT
            await stop_bot(app)
        finally:
            store.close()


async def test_database_restart_under_the_bot(tmp_path):
    """The server stops under the running bot: users are told to try again, nothing is
    lost, and once it is back the bot carries on without a restart."""
    pgserver = pytest.importorskip("pgserver")
    import pgtest

    pgtest.server_uri()  # skips with the reason if no server can run here
    data = Path(tempfile.mkdtemp(prefix="newsbrief-pg-restart-"))
    server = pgserver.get_server(data, cleanup_mode="stop")
    url = server.get_uri()
    try:
        async with running_bot(tmp_path, store_factory=lambda wd: PostgresStore(url, connect_timeout=2)) as env:
            (msg,) = await env.say(USER, "/subscribe 07:00 UTC")
            assert "07:00" in msg["plain_text"]
            server.cleanup()  # the database goes away
            (msg,) = await env.say(USER, "/brief")
            assert "try again" in msg["plain_text"]
            server = pgserver.get_server(data, cleanup_mode="stop")  # and comes back
            assert server.get_uri() == url
            (msg,) = await env.say(USER, "/brief")
            assert "held key bilateral talks" in msg["plain_text"]
            with PostgresStore(url) as other:
                assert [c["chat_id"] for c in other.documents("chats")] == [USER]
    finally:
        server.cleanup()

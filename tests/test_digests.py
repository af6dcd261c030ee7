"""Digests end to end: local time, DST, exactly once across restarts, catch-up, Telegram errors."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from botenv import TOKEN, UTC, BotEnv, Clock, start_bot, stop_bot
from waiting import wait_for

from newsbrief.bot.deliveries import SENT, SKIPPED
from newsbrief.bot.digests import deliver_digest
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import Settings
from newsbrief.summaries.nlp.summarizer import summary_key
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store

USER = 6001
SEED_DAY = "2025-07-27"


@pytest.fixture
async def world(tmp_path):
    api = LocalBotAPI(token=TOKEN)
    api.start()
    store = Store(tmp_path / "db.json")
    settings = Settings()
    run_pipeline(store, settings)
    clock = Clock(dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC))
    envs: list[BotEnv] = []

    async def boot() -> BotEnv:
        app = await start_bot(api, store, settings, clock)
        env = BotEnv(api, app, store, clock, settings)
        envs.append(env)
        return env

    yield boot
    for env in envs:
        if env.app.running:
            await stop_bot(env.app)
    store.close()
    api.stop()


def digests(api, chat_id):
    return [m for m in api.sent(chat_id) if m["plain_text"].startswith("Your daily digest")]


async def test_digest_arrives_from_the_scheduler_once(world):
    env = await world()
    await env.say(USER, "/subscribe 07:30 Asia/Kolkata")
    (job,) = env.app.job_queue.get_jobs_by_name(f"digest:{USER}")
    assert job.next_t.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "07:30"
    env.clock.now = dt.datetime(2025, 7, 27, 2, 0, tzinfo=UTC)  # 07:30 in Kolkata
    job.job.modify(next_run_time=dt.datetime.now(UTC))  # let the real scheduler fire it now
    await env.api.async_wait_for_sent(USER, count=2)
    (digest,) = digests(env.api, USER)
    assert "held key bilateral talks" in digest["plain_text"]
    await wait_for(lambda: env.svc.deliveries.state(USER, SEED_DAY) == SENT)  # marked once Telegram answered
    await env.jobs_idle()
    # the scheduler firing again for the same day sends nothing
    job.job.modify(next_run_time=dt.datetime.now(UTC))
    await env.jobs_idle()
    assert len(digests(env.api, USER)) == 1


async def test_daily_digest_follows_daylight_saving(world):
    env = await world()
    await env.say(USER, "/subscribe 08:00 America/New_York")
    (job,) = env.app.job_queue.get_jobs_by_name(f"digest:{USER}")
    trigger = job.job.trigger
    winter = trigger.get_next_fire_time(None, dt.datetime(2025, 3, 7, 14, 0, tzinfo=UTC))
    summer = trigger.get_next_fire_time(None, dt.datetime(2025, 3, 9, 14, 0, tzinfo=UTC))
    autumn = trigger.get_next_fire_time(None, dt.datetime(2025, 11, 2, 14, 0, tzinfo=UTC))
    assert winter == dt.datetime(2025, 3, 8, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert summer == dt.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert autumn == dt.datetime(2025, 11, 3, 13, 0, tzinfo=UTC)  # back to EST


async def test_restart_after_sending_does_not_send_again(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    env.clock.now = dt.datetime(2025, 7, 27, 7, 0, tzinfo=UTC)
    assert await deliver_digest(env.app, USER, SEED_DAY) == "sent"
    await stop_bot(env.app, clean=False)  # a crash: the delivery journal is not folded
    env.clock.now = dt.datetime(2025, 7, 27, 7, 20, tzinfo=UTC)
    env2 = await world()
    await env2.jobs_idle()
    assert len(digests(env2.api, USER)) == 1
    assert env2.svc.deliveries.state(USER, SEED_DAY) == SENT


async def test_missed_digest_is_caught_up_once_within_grace(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    await stop_bot(env.app)
    env.clock.now = dt.datetime(2025, 7, 27, 8, 30, tzinfo=UTC)  # down at 07:00, back 90 min later
    env2 = await world()
    await env2.api.async_wait_for_sent(USER, count=2)
    assert len(digests(env2.api, USER)) == 1
    await stop_bot(env2.app)
    env3 = await world()
    await env3.jobs_idle()
    assert len(digests(env3.api, USER)) == 1


async def test_missed_digest_beyond_grace_is_dropped(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    await stop_bot(env.app)
    env.clock.now = dt.datetime(2025, 7, 27, 11, 0, tzinfo=UTC)  # 4 hours late, grace is 3
    env2 = await world()
    await env2.jobs_idle()
    assert digests(env2.api, USER) == []


async def test_nothing_new_means_nothing_sent(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    assert await deliver_digest(env.app, USER, SEED_DAY) == "sent"
    assert await deliver_digest(env.app, USER, "2025-07-28") == "nothing-new"
    assert env.svc.deliveries.state(USER, "2025-07-28") == SKIPPED
    env.store.upsert_articles(
        [
            Article(
                headline="Monsoon reaches Delhi",
                date="2025-07-28",
                agency="ANI",
                body="The monsoon reached Delhi on Monday, a week late. Rain is expected all week.",
            )
        ]
    )
    assert await deliver_digest(env.app, USER, "2025-07-29") == "sent"
    latest = digests(env.api, USER)[-1]["plain_text"]
    assert "Monsoon reaches Delhi" in latest and "held key bilateral talks" not in latest


async def test_topic_filter_applies_to_digests(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    await env.say(USER, "/settings topics cricket")
    assert await deliver_digest(env.app, USER, SEED_DAY) == "nothing-new"


async def test_retry_after_is_waited_out_and_sent_once(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    env.api.inject(method="sendMessage", kind="429", chat_id=USER, times=1, retry_after=1)
    assert await deliver_digest(env.app, USER, SEED_DAY) == "sent"
    assert len(digests(env.api, USER)) == 1
    assert [r.status for r in env.api.requests if r.method == "sendMessage"][-2:] == [429, 200]


async def test_server_errors_are_retried_with_backoff(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    env.api.inject(method="sendMessage", kind="500", chat_id=USER, times=2)
    assert await deliver_digest(env.app, USER, SEED_DAY) == "sent"
    assert len(digests(env.api, USER)) == 1


async def test_forbidden_unsubscribes_the_chat(world):
    env = await world()
    await env.say(USER, "/subscribe 07:00 UTC")
    env.api.inject(method="sendMessage", kind="403", chat_id=USER, times=1)
    assert await deliver_digest(env.app, USER, SEED_DAY) == "unsubscribed"
    assert not env.svc.chats.get(USER).subscribed
    assert not env.app.job_queue.get_jobs_by_name(f"digest:{USER}")


async def test_migrated_group_moves_to_the_supergroup(world):
    env = await world()
    group, supergroup = -4001, -1004001
    env.api.set_member(group, 9, "administrator")
    await env.say(group, "/subscribe 07:00 UTC", chat_type="group", chat_title="Club", user_id=9)
    env.api.inject(method="sendMessage", kind="migrate", chat_id=group, new_chat_id=supergroup)
    assert await deliver_digest(env.app, group, SEED_DAY) == "migrated"
    assert env.svc.chats.get(supergroup).subscribed and not env.svc.chats.get(group).subscribed
    assert len(digests(env.api, supergroup)) == 1
    assert env.app.job_queue.get_jobs_by_name(f"digest:{supergroup}")
    assert not env.app.job_queue.get_jobs_by_name(f"digest:{group}")


async def test_one_failing_chat_does_not_stop_the_others(world):
    env = await world()
    chats = [7001, 7002, 7003]
    for chat in chats:
        await env.say(chat, "/subscribe 07:00 UTC")
    env.api.inject(method="sendMessage", kind="403", chat_id=7002, times=1)
    results = await asyncio.gather(*(deliver_digest(env.app, c, SEED_DAY) for c in chats))
    assert results == ["sent", "unsubscribed", "sent"]


async def test_long_briefing_is_split_at_story_boundaries(world):
    import random

    env = await world()
    rng = random.Random(3)
    words = "council vote budget river bridge school energy price court league market report minister".split()
    articles = [
        Article(
            headline=f"Inquiry report number {i} is published",
            date=SEED_DAY,
            agency="TEST",
            body=f"Report {i} was published on Sunday. It runs to many pages.",
        )
        for i in range(12)
    ]
    env.store.upsert_articles(articles)
    env.store.put_summaries(
        [
            {
                "article_id": a.id,
                "content_hash": a.content_hash,
                "key": summary_key(env.settings.summaries),
                "sentences": [" ".join(rng.choice(words) for _ in range(60)).capitalize() + "." for _ in range(5)],
            }
            for a in articles
        ]
    )
    env.svc.settings = dataclasses.replace(
        env.settings, briefing=dataclasses.replace(env.settings.briefing, stories=12)
    )
    before = len(env.api.sent(USER))
    env.api.send_text(USER, "/brief")
    # the last message holds story 12
    await wait_for(
        lambda: any(
            line.startswith("12. ") for m in env.api.sent(USER)[before:] for line in m["plain_text"].splitlines()
        )
    )
    messages = env.api.sent(USER)[before:]
    total = sum(len(m["plain_text"]) for m in messages)
    assert total > 20_000 and len(messages) >= 6
    numbered = []
    for m in messages:
        assert len(m["plain_text"]) <= 4096
        lines = m["plain_text"].splitlines()
        heads = [i for i, line in enumerate(lines) if re.match(r"\d+\. ", line)]
        assert heads  # every message holds whole stories
        numbered += [int(lines[i].split(".")[0]) for i in heads]
        for i in heads:  # each story has its headline, meta line and summary in the same message
            assert " · " in lines[i + 1] and len(lines[i + 2]) > 100
        buttons = [b for row in (m["reply_markup"] or {}).get("inline_keyboard", []) for b in row]
        assert [b["text"] for b in buttons] == [f"{n}. Full summary" for n in numbered[-len(heads) :]]
    assert numbered == list(range(1, 13))

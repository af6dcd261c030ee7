"""End to end: /subscribe inside a forum topic delivers there (message_thread_id), with
settings for each topic, apart from the group's own and from other topics."""

from __future__ import annotations

import pytest
from botenv import running_bot

from newsbrief.bot.chats import topic_key
from newsbrief.bot.digests import deliver_digest

GROUP, ADMIN = -1007701, 7701


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        bot_env.api.add_chat(GROUP, "supergroup", title="Newsroom")
        bot_env.api.set_member(GROUP, ADMIN, "administrator")
        yield bot_env


async def test_a_forum_topic_gets_its_own_digest_in_its_thread(env):
    (msg,) = await env.say(GROUP, "/subscribe 07:00 UTC", user_id=ADMIN, message_thread_id=5)
    assert msg["plain_text"].startswith("Subscribed") and msg["message_thread_id"] == 5  # answered in the topic
    await env.say(GROUP, "/settings length short", user_id=ADMIN, message_thread_id=5)
    (msg,) = await env.say(GROUP, "/filter -cricket", user_id=ADMIN, message_thread_id=9)
    assert msg["message_thread_id"] == 9

    five, nine = env.svc.chats.get(topic_key(GROUP, 5)), env.svc.chats.get(topic_key(GROUP, 9))
    assert five.subscribed and five.length == "short" and five.exclude == ()
    assert not nine.subscribed and nine.exclude == ("cricket",)
    assert env.svc.chats.get(GROUP) is None  # the group itself has no settings
    (msg,) = await env.say(GROUP, "/settings", user_id=ADMIN, message_thread_id=5)
    assert "Length: short" in msg["plain_text"]

    before = len(env.api.sent(GROUP))
    assert await deliver_digest(env.app, topic_key(GROUP, 5), "2025-07-27") == "sent"
    digest = env.api.sent(GROUP)[before:]
    assert digest and all(m["message_thread_id"] == 5 for m in digest)
    assert "Your daily digest" in digest[0]["plain_text"]
    assert await deliver_digest(env.app, topic_key(GROUP, 9), "2025-07-27") == "unsubscribed"
    assert env.app.job_queue.get_jobs_by_name(f"digest:{topic_key(GROUP, 5)}")


async def test_button_answers_come_in_the_topic_of_the_button(env):
    """A button's answer goes to the chat and the forum topic of the message the button is on."""
    (view,) = await env.say(GROUP, "/filter -cricket", user_id=ADMIN, message_thread_id=9)
    before = len(env.api.sent(GROUP))
    assert (await env.press(GROUP, view["message_id"], "unf:all", user_id=ADMIN))["text"] == "Removed."
    (answer,) = (await env.api.async_wait_for_sent(GROUP, count=before + 1, timeout=20))[before:]
    assert answer["message_thread_id"] == 9 and "no keyword filters" in answer["plain_text"]

    briefing = await env.say(GROUP, "/brief", user_id=ADMIN, message_thread_id=5)
    buttons = [
        (m["message_id"], b["callback_data"])
        for m in briefing
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
        if b.get("callback_data", "").startswith("full:")
    ]
    assert buttons
    before = len(env.api.sent(GROUP))
    await env.press(GROUP, *buttons[0], user_id=ADMIN)
    (answer,) = (await env.api.async_wait_for_sent(GROUP, count=before + 1, timeout=20))[before:]
    assert answer["message_thread_id"] == 5

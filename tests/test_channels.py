"""End to end: a channel connected from a private chat, served its digest, managed
(sources, filters) from the private chat with rights checked at each change; the bot
demoted: the digest stops and the person who connected it is told."""

from __future__ import annotations

import pytest
from botenv import running_bot

from newsbrief.bot.digests import deliver_digest

USER, OTHER = 9101, 9102
CHANNEL = -1009101


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        api = bot_env.api
        api.add_chat(CHANNEL, "channel", title="Daily Wire", username="dailywire")
        api.set_member(CHANNEL, USER, "administrator")
        api.set_member(CHANNEL, api.bot_id, "administrator")
        yield bot_env


async def test_connect_serve_and_stop_when_the_bot_is_demoted(env):
    api = env.api
    (msg,) = await env.say(OTHER, "/connect @dailywire")  # not an administrator of it
    assert msg["plain_text"] == "You are not an administrator of that channel."
    (msg,) = await env.say(USER, "/connect @nosuchchannel")
    assert "cannot find that channel" in msg["plain_text"]

    (msg,) = await env.say(USER, "/connect @dailywire")
    assert msg["plain_text"].startswith("Connected Daily Wire")
    (msg,) = await env.say(USER, "/subscribe 07:00 UTC")
    assert msg["plain_text"].startswith("Subscribed")
    await env.say(USER, "/filter -cricket")
    channel = env.svc.chats.get(CHANNEL)
    assert channel.subscribed and channel.exclude == ("cricket",) and channel.connected_by == USER
    mine = env.svc.chats.get(USER)
    assert not mine.subscribed and mine.exclude == ()  # the private chat's own settings are untouched

    before = len(api.sent(CHANNEL))
    assert await deliver_digest(env.app, CHANNEL, "2025-07-27") == "sent"
    assert "Your daily digest" in api.sent(CHANNEL)[before]["plain_text"]

    api.set_member(CHANNEL, USER, "member")  # the user is no longer an administrator: no more changes
    (msg,) = await env.say(USER, "/filter +tennis")
    assert msg["plain_text"] == "You are not an administrator of that channel."
    assert env.svc.chats.get(CHANNEL).include == ()
    api.set_member(CHANNEL, USER, "administrator")

    api.set_member(CHANNEL, api.bot_id, "member")  # the bot demoted
    told = len(api.sent(USER))
    sent = len(api.sent(CHANNEL))
    assert await deliver_digest(env.app, CHANNEL, "2025-07-28") == "unsubscribed"
    assert len(api.sent(CHANNEL)) == sent
    notice = (await api.async_wait_for_sent(USER, count=told + 1))[told]
    assert "no longer an administrator of Daily Wire" in notice["plain_text"]
    assert not env.svc.chats.get(CHANNEL).subscribed
    assert env.app.job_queue.get_jobs_by_name(f"digest:{CHANNEL}") == ()

    (msg,) = await env.say(USER, "/disconnect")
    assert "manage this chat again" in msg["plain_text"]
    await env.say(USER, "/filter -golf")
    assert env.svc.chats.get(USER).exclude == ("golf",) and env.svc.chats.get(CHANNEL).exclude == ("cricket",)


async def test_the_bot_demoted_stops_the_digest_at_once(env):
    api = env.api
    await env.say(USER, "/connect @dailywire")
    await env.say(USER, "/subscribe 07:00 UTC")
    assert env.app.job_queue.get_jobs_by_name(f"digest:{CHANNEL}")
    told = len(api.sent(USER))
    api.set_member(CHANNEL, api.bot_id, "left")  # a my_chat_member update, before any digest is due
    notice = (await api.async_wait_for_sent(USER, count=told + 1))[told]
    assert "no longer an administrator of Daily Wire" in notice["plain_text"]
    assert not env.svc.chats.get(CHANNEL).subscribed
    assert env.app.job_queue.get_jobs_by_name(f"digest:{CHANNEL}") == ()


async def test_a_subscriber_pressing_buttons_on_a_channel_post_changes_nothing_and_posts_nothing(env):
    api = env.api
    await env.say(USER, "/connect @dailywire")
    await env.say(USER, "/subscribe 07:00 UTC")
    before = len(api.sent(CHANNEL))
    assert await deliver_digest(env.app, CHANNEL, "2025-07-27") == "sent"
    post = api.sent(CHANNEL)[before]
    buttons = [
        b["callback_data"] for row in post["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b
    ]
    api.set_member(CHANNEL, OTHER, "member")
    posted = len(api.sent(CHANNEL))
    for data in buttons:
        answer = await env.press(CHANNEL, post["message_id"], data, user_id=OTHER, check=False)
        assert answer.get("text"), data  # answered to the presser alone
    assert len(api.sent(CHANNEL)) == posted  # nothing posted into the channel on a subscriber's behalf
    channel = env.svc.chats.get(CHANNEL)
    assert channel.subscribed and channel.connected_by == USER  # and nothing changed


async def test_a_removed_administrator_no_longer_reads_the_channel(env):
    api = env.api
    await env.say(USER, "/connect @dailywire")
    await env.say(USER, "/filter -cricket")
    (msg,) = await env.say(USER, "/filter")
    assert "cricket" in msg["plain_text"]  # the channel's filters, read while an administrator
    api.set_member(CHANNEL, USER, "member")  # no longer one of the channel's administrators
    for command in ("/filter", "/sources", "/export", "/following", "/settings", "/brief"):
        (msg,) = await env.say(USER, command)
        assert msg["plain_text"] == "You are not an administrator of that channel.", command
    (msg,) = await env.say(USER, "/disconnect")  # still possible, and then the chat is the user's own
    assert "manage this chat again" in msg["plain_text"]
    (msg,) = await env.say(USER, "/filter")
    assert "cricket" not in msg["plain_text"]
    assert env.svc.chats.get(CHANNEL).exclude == ("cricket",)  # the channel keeps its settings

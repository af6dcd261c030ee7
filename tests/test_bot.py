"""End-to-end: the real bot over HTTP through the local Bot API server."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading

import pytest
from botenv import TOKEN, UTC, BotEnv, Clock, running_bot, start_bot, stop_bot
from waiting import wait_for

from newsbrief.bot.app import redact_token_in_logs
from newsbrief.bot.chats import ChatBook, ChatPrefs
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.bot.settings import TelegramSettings
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store

USER = 5001
GROUP = -100200


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        yield bot_env


async def test_start_and_help_list_every_command(env):
    (msg,) = await env.say(USER, "/start")
    for command in ("/brief", "/summary", "/who", "/subscribe", "/unsubscribe", "/settings", "/help"):
        assert command in msg["plain_text"]
    assert [c["command"] for c in env.api.commands()] == [
        "brief",
        "summary",
        "who",
        "subscribe",
        "unsubscribe",
        "settings",
        "help",
    ]
    (msg,) = await env.say(USER, "/help")
    assert "/subscribe 07:30 Europe/Berlin" in msg["plain_text"]


async def test_brief_sends_todays_story_with_buttons(env):
    (msg,) = await env.say(USER, "/brief")
    text = msg["plain_text"]
    assert "The top defence officials from India and the United States held key bilateral talks" in text
    assert "Sun 27 Jul 2025 · ANI · New Delhi" in text
    assert msg["parse_mode"] == "HTML"
    assert msg["link_preview_options"]["is_disabled"] is True
    buttons = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["callback_data"].startswith("full:")
    before = len(env.api.sent(USER))
    env.api.press_button(USER, msg["message_id"], buttons[0]["callback_data"])
    full = (await env.api.async_wait_for_sent(USER, count=before + 1))[-1]
    assert full["plain_text"].count(".") >= 3 and "Hegseth" in full["plain_text"]


async def test_brief_on_a_later_day_falls_back_and_topics_filter(env):
    env.clock.now = dt.datetime(2025, 8, 3, 9, 0, tzinfo=UTC)
    (msg,) = await env.say(USER, "/brief")
    assert "Nothing new that day; here are the latest stories." in msg["plain_text"]
    (msg,) = await env.say(USER, "/brief cricket")
    assert msg["plain_text"].startswith("No story about cricket in the news I hold.")
    (msg,) = await env.say(USER, "/brief Hegseth")
    assert "held key bilateral talks" in msg["plain_text"]


async def test_summary_by_keywords_id_and_reply(env):
    (msg,) = await env.say(USER, "/summary Hegseth Pentagon")
    assert "held key bilateral talks" in msg["plain_text"]
    article_id = env.store.article_ids()[0]
    (msg,) = await env.say(USER, f"/summary {article_id[:8]}")
    assert "held key bilateral talks" in msg["plain_text"]
    (msg,) = await env.say(USER, "/summary quantum zebra")
    assert msg["plain_text"].startswith("No stored article matches “quantum zebra”")
    (msg,) = await env.say(USER, "/summary")
    assert msg["plain_text"].startswith("Usage: /summary")
    long_text = (
        "The city council voted on Monday to build a new bridge across the river. "
        "The bridge will cost 40 million euros and open in 2028. "
        "Opponents said the money should go to schools instead. "
        "The mayor said the bridge would cut traffic in the old town by a third. "
        "Construction is due to start next spring after a final review."
    )
    forwarded = await user_message(env, long_text)
    (msg,) = await env.say(USER, "/summary", reply_to_message_id=forwarded["message_id"])
    assert msg["plain_text"].startswith("Summary of the message")
    assert "bridge" in msg["plain_text"]
    short = await user_message(env, "ok thanks")
    (msg,) = await env.say(USER, "/summary", reply_to_message_id=short["message_id"])
    assert "too short to summarize" in msg["plain_text"]


async def user_message(env, text):
    """A plain message from the user (the bot answers it with a pointer to /help)."""
    (pointer,) = await env.say(USER, text)
    assert "/help" in pointer["plain_text"]
    return env.api.history(USER)[-2]


async def test_who_card_usage_and_no_match(env):
    from newsbrief.summaries.index.entity_index import index_articles

    await asyncio.to_thread(index_articles, env.store, list(env.store.iter_articles()))
    (msg,) = await env.say(USER, "/who Hegseth")
    assert msg["plain_text"].startswith("Pete Hegseth · person")
    assert "Latest mentions" in msg["plain_text"]
    (msg,) = await env.say(USER, "/who")
    assert msg["plain_text"] == "Usage: /who NAME, e.g. /who Hegseth"
    (msg,) = await env.say(USER, "/who Jaishankr")
    assert "Jaishankar" in msg["plain_text"]
    (msg,) = await env.say(USER, "/who Zorblax Quuxington")
    assert msg["plain_text"].startswith("I found nobody called Zorblax Quuxington")


async def test_unknown_command_and_plain_text_point_to_help(env):
    (msg,) = await env.say(USER, "/frobnicate")
    assert "/help" in msg["plain_text"]
    (msg,) = await env.say(USER, "hello there")
    assert "/help" in msg["plain_text"]


async def test_group_commands_with_bot_name_and_admin_rule(env):
    (msg,) = await env.say(GROUP, "/brief@newsbrief_bot", chat_type="group", chat_title="Team", user_id=7)
    assert "held key bilateral talks" in msg["plain_text"]
    env.api.send_text(GROUP, "/brief@someotherbot", user_id=7)
    env.api.send_text(GROUP, "just chatting", user_id=7)
    await env.assert_no_reply(GROUP, since=1, user_id=7)  # neither answered
    (msg,) = await env.say(GROUP, "/subscribe 07:30 Europe/Berlin", user_id=7)
    assert msg["plain_text"] == "Only group administrators can change this group's digest."
    assert env.svc.chats.get(GROUP) is None
    env.api.set_member(GROUP, 8, "administrator")
    (msg,) = await env.say(GROUP, "/subscribe@newsbrief_bot 07:30 Europe/Berlin", user_id=8)
    assert msg["plain_text"].startswith("Subscribed: your daily digest comes at 07:30 Europe/Berlin.")


async def test_subscribe_confirms_next_delivery_in_local_time(env):
    env.clock.now = dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC)  # 10:30 in Kolkata
    (msg,) = await env.say(USER, "/subscribe 07:30 Asia/Kolkata")
    assert "Next one: Mon 28 Jul 2025, 07:30 (Asia/Kolkata, IST)" in msg["plain_text"]
    prefs = env.svc.chats.get(USER)
    assert prefs.subscribed and (prefs.time, prefs.timezone) == ("07:30", "Asia/Kolkata")
    (job,) = env.app.job_queue.get_jobs_by_name(f"digest:{USER}")
    fire = job.next_t.astimezone(UTC)
    assert (fire.hour, fire.minute) == (2, 0)  # 07:30 IST is 02:00 UTC
    # subscribing again replaces the job, never duplicates it
    await env.say(USER, "/subscribe 06:00")
    assert len(env.app.job_queue.get_jobs_by_name(f"digest:{USER}")) == 1
    assert env.svc.chats.get(USER).timezone == "Asia/Kolkata"


@pytest.mark.parametrize(
    "command, expected",
    [
        ("/subscribe 25:00", "“25:00” is not a time of day. Use 24-hour HH:MM, e.g. /subscribe 07:30 Europe/Berlin"),
        (
            "/subscribe 07:30 Mars/Base",
            "“Mars/Base” is not a time zone I know. Use Area/City, e.g. /subscribe 07:30 Europe/Berlin",
        ),
        (
            "/subscribe tomorrow",
            "I don't understand “tomorrow”. Use a time and a time zone, e.g. /subscribe 07:30 Europe/Berlin",
        ),
        ("/settings time 7pm", "“7pm” is not a time of day. Use 24-hour HH:MM, e.g. /settings time 07:30"),
        (
            "/settings timezone Mars/Base",
            "“Mars/Base” is not a time zone I know. Use Area/City, e.g. /settings timezone Europe/Berlin",
        ),
        ("/settings length huge", "Length is short, normal or long, e.g. /settings length short"),
        (
            "/settings colour blue",
            "I don't know the setting “colour”. "
            "Use time, timezone, length, topics or language, e.g. /settings length short",
        ),
    ],
)
async def test_bad_values_explain_and_change_nothing(env, command, expected):
    await env.say(USER, "/subscribe 08:15 Europe/Paris")
    before = env.svc.chats.get(USER)
    (msg,) = await env.say(USER, command)
    assert msg["plain_text"] == expected
    assert env.svc.chats.get(USER) == before


async def test_settings_commands_and_buttons(env):
    (msg,) = await env.say(USER, "/settings")
    assert "Daily digest: off" in msg["plain_text"]
    await env.say(USER, "/subscribe 08:00 Europe/Berlin")
    (msg,) = await env.say(USER, "/settings topics climate, Energy , climate")
    assert "Topics: climate, Energy" in msg["plain_text"]
    (msg,) = await env.say(USER, "/settings length short")
    assert "Length: short" in msg["plain_text"]
    assert (await env.press(USER, msg["message_id"], "set:length:long"))["text"] == "Saved."
    assert env.svc.chats.get(USER).length == "long"
    await wait_for(lambda: "Length: long" in env.api.sent(USER)[-1]["plain_text"])  # edited in place
    assert (await env.press(USER, msg["message_id"], "set:topics:off"))["text"] == "Saved."
    assert env.svc.chats.get(USER).topics == ()
    (msg,) = await env.say(USER, "/unsubscribe")
    assert msg["plain_text"].startswith("Unsubscribed")
    assert not env.app.job_queue.get_jobs_by_name(f"digest:{USER}")


async def test_forged_button_payloads_are_refused(env):
    await env.say(USER, "/subscribe 08:00 Europe/Berlin")
    (msg,) = await env.say(USER, "/brief")
    before = env.svc.chats.get(USER)
    answers = [
        (await env.press(USER, msg["message_id"], data, check=False))["text"]
        for data in ("set:length:enormous", "set:sub:maybe", "full:../../etc", f"set:chat:{GROUP}", "x" * 64, "who:")
    ]
    assert answers == ["This button has expired."] * 6
    assert env.svc.chats.get(USER) == before


async def test_html_in_headlines_renders_literally(env):
    from newsbrief.summaries.articles.model import Article

    env.store.upsert_articles(
        [
            Article(
                headline="Bank <b>raises</b> rates & cuts_fees <script>x</script>",
                body="The bank raised rates on Sunday. Savers were pleased. Borrowers were not.",
                date="2025-07-27",
                source="Wire & Co",
            )
        ]
    )
    run_pipeline(env.store, env.settings, ingest=False)
    (msg,) = await env.say(USER, "/brief")
    assert "Bank <b>raises</b> rates & cuts_fees <script>x</script>" in msg["plain_text"]
    assert "Wire & Co" in msg["plain_text"]


async def test_allow_list_and_token_never_logged(tmp_path, caplog):
    import logging

    api = LocalBotAPI(token=TOKEN)
    api.start()
    store = Store(tmp_path / "db.json")
    settings = Settings()
    run_pipeline(store, settings)
    caplog.set_level(logging.DEBUG)
    logging.getLogger().addHandler(caplog.handler)
    redact_token_in_logs(TOKEN)  # as the entry points do
    app = await start_bot(
        api,
        store,
        settings,
        Clock(dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC)),
        telegram=TelegramSettings(allowed_chats=(USER,)),
    )
    env = BotEnv(api, app, store, None, settings)
    logging.getLogger("httpx").setLevel(logging.INFO)  # httpx logs request URLs, token included
    try:
        (msg,) = await env.say(USER + 1, "/brief")
        assert msg["plain_text"] == "Sorry, this bot only serves the chats its operator has allowed."
        (msg,) = await env.say(USER, "/brief")
        assert "held key bilateral talks" in msg["plain_text"]
    finally:
        await stop_bot(app)
        store.close()
        api.stop()
        logging.getLogger().removeHandler(caplog.handler)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/bot<token>/sendMessage" in logged  # request URLs were logged...
    assert TOKEN not in logged  # ...with the token redacted


async def test_disk_full_is_told_plainly_and_loses_nothing(env, monkeypatch):
    import os

    await env.say(USER, "/subscribe 07:00 UTC")
    db = env.store.path
    before = db.read_bytes()

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    (msg,) = await env.say(USER, "/settings time 09:30")
    assert msg["plain_text"] == (
        "I could not save that: the server's storage is failing right now. Nothing was changed; please try again later."
    )
    monkeypatch.undo()
    assert db.read_bytes() == before  # the last good database is intact
    assert env.svc.chats.get(USER).time == "07:00"  # and the bot's view of it too
    (msg,) = await env.say(USER, "/settings time 09:30")  # space again: it works
    assert "Time: 09:30" in msg["plain_text"]


async def test_summary_of_a_web_page(env, monkeypatch):
    import functools
    import http.server
    import threading

    from newsbrief.summaries.ingest import feeds as sources

    page = (
        b"<html><head><title>Council approves new bridge</title></head><body><nav>Home | World | Sport</nav>"
        b"<article><h1>Council approves new bridge</h1>"
        + b"".join(
            f"<p>The city council approved a new bridge over the river on Monday, part {i}. "
            f"Construction of section {i} starts next spring and costs {i} million euros.</p>".encode()
            for i in range(1, 8)
        )
        + b"</article><footer>Copyright Example News</footer></body></html>"
    )

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/bridge"
    try:
        (msg,) = await env.say(USER, f"/summary {url}")
        assert msg["plain_text"].startswith(
            "I could not summarize that page:"
        )  # chat users may not reach local addresses
        monkeypatch.setattr(
            sources.FetchOptions,
            "from_settings",
            classmethod(functools.partial(lambda cls, settings, **kw: cls(**{**kw, "allow_private": True}))),
        )
        (msg,) = await env.say(USER, f"/summary {url}")
        assert msg["plain_text"].startswith("Council approves new bridge")
        assert "bridge" in msg["plain_text"].split("\n", 2)[2] and "Copyright" not in msg["plain_text"]
        buttons = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons == [{"text": "Open article", "url": url}]
    finally:
        server.shutdown()


async def test_replies_go_through_the_sending_path(env):
    """A reply that meets a server error is tried again (backoff); a chat that blocked the
    bot has its digest stopped, whatever message found out."""
    env.api.inject(method="sendMessage", kind="500", chat_id=USER, times=1)
    (msg,) = await env.say(USER, "/help")
    assert "/subscribe 07:30 Europe/Berlin" in msg["plain_text"]
    await env.say(USER, "/subscribe 08:00 Europe/Berlin")
    env.api.inject(method="sendMessage", kind="403", chat_id=USER, times=1)
    env.api.send_text(USER, "/help")
    await wait_for(
        lambda: not env.svc.chats.get(USER).subscribed and not env.app.job_queue.get_jobs_by_name(f"digest:{USER}"),
        what="the blocked chat's digest to stop",
    )


async def test_changes_at_once_to_one_chat_all_hold(env):
    """Commands that change one chat at the same moment: each is a read-modify-write of
    the chat's current preferences, so none undoes another."""
    before = len(env.api.sent(USER))
    for command in ("/settings length short", "/filter -cricket", "/settings operator off", "/subscribe 09:00 UTC"):
        env.api.send_text(USER, command)
    await env.api.async_wait_for_sent(USER, count=before + 4, timeout=20)
    prefs = env.svc.chats.get(USER)
    assert (prefs.length, prefs.exclude, prefs.operator_sources, prefs.subscribed, prefs.time) == (
        "short",
        ("cricket",),
        False,
        True,
        "09:00",
    )


def test_chat_book_updates_from_many_threads_lose_nothing(tmp_path):
    with Store(tmp_path / "db.json") as store:
        book = ChatBook(store, Settings())
        start = threading.Barrier(8)

        def follow(name: str) -> None:
            start.wait()
            book.update(ChatPrefs(chat_id=USER), lambda p: dataclasses.replace(p, follows=(*p.follows, name)))

        threads = [threading.Thread(target=follow, args=(f"name {i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(book.get(USER).follows) == sorted(f"name {i}" for i in range(8))
        assert sorted(ChatBook(store, Settings()).get(USER).follows) == sorted(f"name {i}" for i in range(8))


async def test_a_reply_to_a_migrated_group_moves_the_group(env):
    """Replies share the sending path's ChatMigrated handling: the answer goes to the
    supergroup, and the group's preferences and digest job move with it."""
    group, supergroup = -4101, -1004101
    env.api.set_member(group, 9, "administrator")
    await env.say(group, "/subscribe 07:00 UTC", chat_type="group", chat_title="Club", user_id=9)
    env.api.inject(method="sendMessage", kind="migrate", chat_id=group, new_chat_id=supergroup)
    env.api.send_text(group, "/help", chat_type="group", chat_title="Club", user_id=9)
    (answer,) = await env.api.async_wait_for_sent(supergroup, count=1, timeout=20)
    assert "/subscribe 07:30 Europe/Berlin" in answer["plain_text"]
    assert env.svc.chats.get(supergroup).subscribed and not env.svc.chats.get(group).subscribed
    assert env.app.job_queue.get_jobs_by_name(f"digest:{supergroup}")
    assert not env.app.job_queue.get_jobs_by_name(f"digest:{group}")

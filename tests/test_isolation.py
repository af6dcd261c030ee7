"""One chat's slow fetches never hold up another chat: the addresses a chat sends are read
in their own pool, at most two at once per chat, and at most so many an hour; a long
list or report is split under Telegram's limit instead of failing."""

from __future__ import annotations

import dataclasses
import datetime as dt

from botenv import running_bot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from waiting import wait_for

from newsbrief.bot.render import MESSAGE_LIMIT, Reply, telegram_length
from newsbrief.bot.sending import send
from newsbrief.summaries.config import ChatSettings, FetchSettings, Settings, Source
from newsbrief.summaries.ingest.chat_sources import discover
from newsbrief.summaries.ingest.feeds import FetchOptions, fetch_due, source_states
from newsbrief.summaries.ingest.opml import write_opml
from newsbrief.summaries.store import Store

ATTACKER, OTHER = 7101, 7102
WHEN = dt.datetime(2025, 7, 27, 4, 0, tzinfo=dt.UTC)
SETTINGS = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))
PAGE = "<html><head><title>Slow</title></head><body><p>" + "A slow page says little. " * 40 + "</p></body></html>"


async def test_slow_fetches_of_one_chat_never_delay_another_chats_brief(tmp_path, site):
    urls = [site.html(f"/slow{i}.html", PAGE) for i in range(14)]
    site.slow.update(f"/slow{i}.html" for i in range(14))
    async with running_bot(tmp_path, SETTINGS) as env:
        for url in urls[:8]:
            env.api.send_text(ATTACKER, f"/add {url}")
        for url in urls[8:]:
            env.api.send_text(ATTACKER, f"/summary {url}")
        await wait_for(lambda: site.active >= 2, what="the attacker's fetches to be under way")
        answered = await env.say(OTHER, "/brief")
        # the other chat's briefing came while every one of the attacker's pages was still
        # being sent a byte at a time: it waited for none of them
        assert "briefing" in answered[0]["plain_text"].lower()
        assert site.active >= 1 and not env.api.sent(ATTACKER)
        assert site.most_active == 2  # the attacker's chat reads two addresses at a time
        site.release.set()
        replies = await env.api.async_wait_for_sent(ATTACKER, count=14, timeout=60)
        assert len(replies) == 14


async def test_a_chat_reads_so_many_addresses_an_hour(tmp_path, site):
    urls = [site.html(f"/p{i}.html", PAGE) for i in range(4)]
    settings = dataclasses.replace(SETTINGS, chats=ChatSettings(fetches_per_hour=3))
    async with running_bot(tmp_path, settings) as env:
        for url in urls[:3]:
            [answer] = await env.say(ATTACKER, f"/summary {url}")
            assert "could not" not in answer["plain_text"]
        [refused] = await env.say(ATTACKER, f"/summary {urls[3]}")
        assert "3 addresses to read in the last hour" in refused["plain_text"]
        assert "Try again in 60 minutes" in refused["plain_text"]
        [other] = await env.say(OTHER, f"/summary {urls[3]}")  # another chat is not limited by it
        assert "could not" not in other["plain_text"] and "last hour" not in other["plain_text"]


async def test_long_lists_and_import_reports_are_split_under_the_limit(tmp_path, site):
    long_urls = [site.feed(f"/f{i}.xml?" + "q" * 1900, f"Feed {i}", [("An item", "Topic")], WHEN) for i in range(3)]
    async with running_bot(tmp_path, SETTINGS) as env:
        for url in long_urls:
            [added] = await env.say(ATTACKER, f"/add {url}")
            assert added["plain_text"].startswith("Added"), added["plain_text"]
        answer = await env.say(ATTACKER, "/sources")
        assert answer and all(telegram_length(m["plain_text"]) <= MESSAGE_LIMIT for m in answer)
        assert "Feed 2" in answer[-1]["plain_text"]
        # an import whose every feed fails with a long reason: the report still arrives
        missing = [(site.url(f"/missing{i}?" + "x" * 1500), f"Missing {i}") for i in range(15)]
        for url, _ in missing:
            site.status[url.split(str(site.port), 1)[1]] = (503, "Service Unavailable " + "because " * 60)
        before = len(env.api.sent(ATTACKER))
        env.api.send_document(ATTACKER, "many.opml", write_opml(missing), mime_type="text/x-opml")
        report = (await env.api.async_wait_for_sent(ATTACKER, count=before + 1, timeout=60))[before:]
        assert "0 added, 0 already there, 15 failed" in report[0]["plain_text"]
        assert all(telegram_length(m["plain_text"]) <= MESSAGE_LIMIT for m in report)


async def test_commands_during_a_slow_import_are_kept(tmp_path, site):
    feeds = [(site.url(f"/slowfeed{i}.xml"), f"Slow {i}") for i in range(3)]
    for i in range(3):
        site.feed(f"/slowfeed{i}.xml", f"Slow {i}", [(f"Slow item {i}", f"Topic {i}")], WHEN)
        site.slow.add(f"/slowfeed{i}.xml")
    async with running_bot(tmp_path, SETTINGS) as env:
        env.api.send_document(ATTACKER, "slow.opml", write_opml(feeds), mime_type="text/x-opml")
        await wait_for(lambda: site.active >= 2, what="the import to be reading its feeds")
        [busy] = await env.say(ATTACKER, "/settings time 09:30")
        assert "09:30" in busy["plain_text"]
        await env.say(ATTACKER, "/filter +climate")
        await env.say(ATTACKER, "/subscribe")
        before = len(env.api.sent(ATTACKER))
        env.api.send_document(ATTACKER, "again.opml", write_opml(feeds), mime_type="text/x-opml")
        [second] = (await env.api.async_wait_for_sent(ATTACKER, count=before + 1, timeout=20))[before:]
        assert "under way" in second["plain_text"]
        site.release.set()
        await wait_for(
            lambda: any("Imported slow.opml" in m["plain_text"] for m in env.api.sent(ATTACKER)),
            what="the import's answer",
            timeout=60,
        )
        prefs = env.svc.chats.get(ATTACKER)
        assert prefs.time == "09:30" and prefs.include == ("climate",) and prefs.subscribed
        assert len(prefs.sources) == 3 and not prefs.importing


def test_a_slow_source_is_postponed_when_the_runs_time_budget_runs_out(tmp_path, site):
    fast = site.feed("/fast.xml", "Fast", [("A fast item", "The harbour")], WHEN)
    slow = site.feed("/slow.xml", "Slow", [("A slow item", "The mountain")], WHEN)
    site.slow.add("/slow.xml")
    settings = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",), run_seconds=2.0))
    sources = [Source("fast", "feed", fast), Source("slow", "feed", slow)]
    with Store(tmp_path / "db.json") as store:
        report = fetch_due(store, sources, settings)
        states = source_states(store)
        assert states["fast"]["status"] == "ok" and [a["headline"] for a in store.latest_articles()] == ["A fast item"]
        # held to the run's budget, not to the slow answer's own deadline; due again next run
        assert states["slow"]["status"] == "postponed" and "time budget (2 s)" in states["slow"]["reason"]
        assert ("slow", "the run's time budget (2 s) ran out") in [(n, r) for n, r in report.skipped]
        site.release.set()
        fetch_due(store, sources, settings)
        assert source_states(store)["slow"]["status"] == "ok"


def test_feeds_a_page_announces_share_one_deadline(site):
    feeds = [site.feed(f"/announced{i}.xml", f"F{i}", [("x", "y")], WHEN) for i in range(3)]
    site.slow.update(f"/announced{i}.xml" for i in range(3))
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="{u}">' for u in feeds)
    page = site.html(
        "/announcing.html", f"<html><head><title>Home</title>{links}</head><body><p>{PAGE}</p></body></html>"
    )
    options = FetchOptions(timeout=1.0, deadline=3.0, allow_private=True)
    found = discover(page, SETTINGS, options=options)
    assert found.kind == "page"  # none of the slow feeds could be read in time
    assert site.hits["/announced0.xml"] == 1 and site.hits["/announced2.xml"] == 0  # the deadline was spent


async def test_a_message_telegram_refuses_is_sent_simpler_not_lost(tmp_path):
    async with running_bot(tmp_path, SETTINGS) as env:
        env.api.send_text(OTHER, "/help")  # the chat exists
        await env.api.async_wait_for_sent(OTHER, count=1)
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Open article", url="https://:8080/no-host")],
                [InlineKeyboardButton("Full summary", callback_data="full:x")],
            ]
        )
        await send(env.app, OTHER, Reply("<b>A story</b> whose link Telegram refuses", keyboard))
        message = env.api.sent(OTHER)[-1]
        assert message["plain_text"] == "A story whose link Telegram refuses"
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert [b.get("callback_data") for b in buttons] == ["full:x"]  # only the bad link went
        await send(env.app, OTHER, Reply("<b>Markup cut <i>in the middle</b> of a tag & more"))
        assert env.api.sent(OTHER)[-1]["plain_text"] == "Markup cut in the middle of a tag & more"


async def test_a_user_flooding_commands_is_slowed_and_others_are_not(tmp_path):
    settings = dataclasses.replace(SETTINGS, chats=ChatSettings(commands_burst=5, commands_per_minute=0.5))
    async with running_bot(tmp_path, settings) as env:
        for _ in range(30):  # all sent before the first answer
            env.api.send_text(ATTACKER, "/brief")
        [answer] = await env.say(OTHER, "/brief")
        assert "briefing" in answer["plain_text"].lower()

        def counts() -> tuple[int, int]:
            replies = [m["plain_text"] for m in env.api.sent(ATTACKER)]
            return sum("briefing" in r.lower() for r in replies), sum("too fast" in r for r in replies)

        await wait_for(lambda: counts() >= (5, 1), what="the attacker's answers")
        await env.assert_no_reply(OTHER, 1)  # a barrier: every update sent before it is handled
        assert counts() == (5, 1)  # five briefings, one "too fast", the other 24 dropped

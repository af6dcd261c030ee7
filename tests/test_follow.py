"""Following names: /follow resolves like /who; one alert per new story, even when more
reports join it; the daily cap and quiet hours fold alerts into the next digest; other
chats never see a chat's follows or alerts."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

from botenv import running_bot
from waiting import wait_for

from newsbrief.bot.alerts import in_quiet_hours, run_alerts
from newsbrief.bot.chats import ChatPrefs
from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import ChatSettings, Settings
from newsbrief.summaries.index.entity_index import name_for_token, name_token
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.stories.follows import NameIndex

A, B = 8101, 8102
NOON = dt.datetime(2025, 7, 27, 12, 0, tzinfo=dt.UTC)

SHIPYARD = (
    "Pete Hegseth visited the naval shipyard in Norfolk on Sunday and promised new funding for repairs. "
    "The defence secretary toured two destroyers and spoke with workers about delays. Union leaders said "
    "the yard needed hundreds more welders. The navy said the first contracts would be signed in the autumn."
)
ELECTION = (
    "Voters in Lisbon chose a new mayor on Sunday after a close campaign dominated by housing costs. "
    "Turnout rose to 58 percent. The winner, a former teacher, promised rent controls and more tram lines. "
    "Pete Hegseth, visiting Portugal, congratulated the city. Results will be certified by Wednesday."
)
BUDGET = (
    "Farmers in Iowa harvested a record soybean crop this year despite a dry spring, the agriculture "
    "department reported on Friday. Prices fell on the news. Exporters expect strong demand from Asia. "
    "Pete Hegseth praised the growers at a county fair. Storage silos are nearly full across the state."
)


def report(body: str, outlet: str, title: str, n: int):
    return parse_record(
        {
            "title": title,
            "text": body + f" Reported by the {outlet} desk.",
            "source": outlet,
            "url": f"https://{outlet.lower()}.example.org/{n}",
            "published": "2025-07-27T10:00:00Z",
        }
    )


def test_name_index_finds_whole_names_folding_case_and_accents():
    index = NameIndex(["Pete Hegseth", "José Mújica", "Li"])
    assert index.mentioned("PETE HEGSETH spoke; jose mujica listened") == {"Pete Hegseth", "José Mújica"}
    assert index.mentioned("Hegseth alone, and Lima") == set()  # a whole name, whole words


def test_quiet_hours_in_the_chat_time_zone():
    prefs = ChatPrefs(chat_id=1, timezone="Asia/Tokyo")
    at = dt.datetime(2025, 7, 27, 14, 0, tzinfo=dt.UTC)  # 23:00 in Tokyo
    assert in_quiet_hours(prefs, at, "22:00", "07:00")
    assert not in_quiet_hours(dataclasses.replace(prefs, timezone="UTC"), at, "22:00", "07:00")
    assert not in_quiet_hours(prefs, at, "08:00", "08:00")


async def _env(tmp_path, chats: ChatSettings):
    return running_bot(tmp_path, Settings(chats=chats), now=NOON)


async def alerts_in(env, chat: int, since: int) -> list[dict]:
    return [m for m in env.api.sent(chat)[since:] if "In the news: " in m["plain_text"]]


async def test_one_alert_per_new_story_and_only_for_the_chat_that_follows(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        (msg,) = await env.say(A, "/follow Hegseth")
        assert msg["plain_text"].startswith("Following Pete Hegseth")
        before_a, before_b = len(env.api.sent(A)), len(env.api.sent(B))

        first = report(SHIPYARD, "Reuters", "Hegseth promises shipyard funding", 1)
        env.store.upsert_articles([first])
        run_pipeline(env.store, Settings(), ingest=False)
        assert await run_alerts(env.app) == 1
        (alert,) = await alerts_in(env, A, before_a)
        assert "In the news: Pete Hegseth" in alert["plain_text"] and "shipyard" in alert["plain_text"]

        second = report(SHIPYARD, "BBC", "Hegseth promises shipyard funding", 2)  # joins the same story
        env.store.upsert_articles([second])
        run_pipeline(env.store, Settings(), ingest=False)
        assert env.store.story_id_of(second.id) == env.store.story_id_of(first.id)
        assert await run_alerts(env.app) == 0
        assert len(await alerts_in(env, A, before_a)) == 1
        await env.assert_no_reply(B, before_b)  # chat B follows no one: nothing

        (listing,) = await env.say(B, "/following")
        assert "follows no one" in listing["plain_text"]
        (listing,) = await env.say(A, "/following")
        assert "Pete Hegseth" in listing["plain_text"]
        button = listing["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        (listing_b,) = await env.say(B, "/following")
        answer = await env.press(B, listing_b["message_id"], button, check=False)  # a payload from chat A
        assert answer["text"] == "This chat does not follow that name."
        assert env.svc.chats.get(A).follows == ("Pete Hegseth",)
        (msg,) = await env.say(A, "/unfollow pete hegseth")
        assert "No more alerts about Pete Hegseth" in msg["plain_text"] and env.svc.chats.get(A).follows == ()


async def test_cap_and_quiet_hours_fold_alerts_into_the_next_digest(tmp_path):
    from newsbrief.bot.digests import deliver_digest

    async with await _env(tmp_path, ChatSettings(alerts_per_day=1, quiet_start="22:00", quiet_end="07:00")) as env:
        await env.say(A, "/follow Hegseth")
        await env.say(A, "/subscribe 07:00 UTC")
        before = len(env.api.sent(A))
        env.store.upsert_articles([report(SHIPYARD, "Reuters", "Hegseth promises shipyard funding", 1)])
        run_pipeline(env.store, Settings(), ingest=False)
        assert await run_alerts(env.app) == 1
        env.store.upsert_articles([report(BUDGET, "Guardian", "Iowa farmers harvest record soybean crop", 3)])
        run_pipeline(env.store, Settings(), ingest=False)
        assert await run_alerts(env.app) == 0  # over the cap of one a day
        assert len(await alerts_in(env, A, before)) == 1

        env.clock.now = dt.datetime(2025, 7, 27, 23, 30, tzinfo=dt.UTC)  # the next day would allow it, but it is night
        env.store.upsert_articles([report(ELECTION, "AP", "Lisbon elects a new mayor", 4)])
        run_pipeline(env.store, Settings(), ingest=False)
        assert await run_alerts(env.app) == 0

        sent = len(env.api.sent(A))
        assert await deliver_digest(env.app, A, "2025-07-27") == "sent"
        digest = "\n".join(m["plain_text"] for m in env.api.sent(A)[sent:])
        assert "Also about the names you follow" in digest
        assert (
            "Iowa farmers harvest record soybean crop — Pete Hegseth" in digest
            and "Lisbon elects a new mayor — Pete Hegseth" in digest
        )
        assert "Hegseth promises shipyard funding — " not in digest  # alerted already: not folded
        assert len({env.store.story_id_of(a["id"]) for a in env.store.iter_articles() if "Hegseth" in a["body"]}) >= 3
        assert not (await asyncio.to_thread(env.store.document, "alerts", A))["folded"]


async def test_articles_stored_while_the_bot_is_down_still_alert(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        await env.say(A, "/follow Hegseth")
        assert await run_alerts(env.app) == 0  # sets the cursor: nothing new yet
        env.store.upsert_articles([report(ELECTION, "AP", "Lisbon elects a new mayor", 4)])
        run_pipeline(env.store, Settings(), ingest=False)
        assert await run_alerts(env.app) == 1
    # the bot is down; a story arrives; the bot comes back
    from newsbrief.summaries.store import Store

    store = Store(tmp_path / "db.json")
    try:
        store.upsert_articles([report(SHIPYARD, "Reuters", "Hegseth promises shipyard funding", 1)])
        run_pipeline(store, Settings(), ingest=False)
    finally:
        store.close()
    async with await _env(tmp_path, ChatSettings()) as env:
        (listing,) = await env.say(A, "/following")  # a new local server: the chat says something first
        assert "Pete Hegseth" in listing["plain_text"]
        before = len(env.api.sent(A))
        assert await run_alerts(env.app) == 1
        (alert,) = await alerts_in(env, A, before)
        assert "shipyard" in alert["plain_text"]
        assert await run_alerts(env.app) == 0  # once


async def test_an_alert_to_a_chat_that_blocked_the_bot_stops_its_digest(tmp_path):
    """Alerts go through the one sending path: Forbidden unsubscribes the chat, as a digest does."""
    async with await _env(tmp_path, ChatSettings()) as env:
        await env.say(A, "/subscribe 07:00 UTC")
        (msg,) = await env.say(A, "/follow Hegseth")
        assert msg["plain_text"].startswith("Following Pete Hegseth")
        env.store.upsert_articles([report(SHIPYARD, "Reuters", "Hegseth promises shipyard funding", 1)])
        run_pipeline(env.store, Settings(), ingest=False)
        env.api.inject(method="sendMessage", kind="403", chat_id=A, times=1)
        assert await run_alerts(env.app) == 0
        assert not env.svc.chats.get(A).subscribed
        assert not env.app.job_queue.get_jobs_by_name(f"digest:{A}")


async def test_unfollow_takes_the_word_the_chat_followed_with(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        (msg,) = await env.say(A, "/follow Hegseth")
        assert msg["plain_text"].startswith("Following Pete Hegseth")
        (msg,) = await env.say(A, "/unfollow Hegseth")
        assert "No more alerts about Pete Hegseth" in msg["plain_text"] and env.svc.chats.get(A).follows == ()
        (msg,) = await env.say(A, "/unfollow Hegseth")
        assert "does not follow" in msg["plain_text"]


async def test_follow_finds_no_name_that_only_another_chats_source_carries(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        private = parse_record(
            {
                "title": "Quackenbush opens a bakery",
                "text": "Zebulon Quackenbush opened a bakery in Dorset on Sunday. Zebulon Quackenbush said "
                "bread would be baked every morning. The bakery employs four people from the village.",
                "source": "u:0123456789abcdef",  # a chat source that neither chat A nor B added
                "url": "https://private.example.org/bakery",
                "published": "2025-07-27T10:00:00Z",
            },
            scope="u:0123456789abcdef",
        )
        env.store.upsert_articles([private])
        run_pipeline(env.store, Settings(), ingest=False)
        (msg,) = await env.say(A, "/follow Zebulon Quackenbush")
        assert msg["plain_text"].startswith("No one called") and "Did you mean" not in msg["plain_text"]
        (msg,) = await env.say(A, "/follow Quackenbsh")  # nor as a suggestion
        assert msg["plain_text"].startswith("No one called") and "Zebulon" not in msg["plain_text"]
        (listing,) = await env.say(A, "/following")
        assert "follows no one" in listing["plain_text"]


def _private(body: str, title: str, url: str):
    """A report from a chat source that neither chat A nor B added."""
    return parse_record(
        {"title": title, "text": body, "source": "u:0123456789abcdef", "url": url, "published": "2025-07-27T10:00:00Z"},
        scope="u:0123456789abcdef",
    )


async def test_a_name_only_in_a_hidden_report_of_a_story_never_alerts(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        (msg,) = await env.say(A, "/follow Hegseth")
        assert msg["plain_text"].startswith("Following Pete Hegseth")
        before = len(env.api.sent(A))
        unnamed = SHIPYARD.replace("Pete Hegseth visited", "The defence secretary visited")
        seen = report(unnamed, "Reuters", "Defence secretary promises shipyard funding", 11)
        hidden = _private(SHIPYARD, "Hegseth promises shipyard funding", "https://private.example.org/shipyard")
        env.store.upsert_articles([seen, hidden])
        run_pipeline(env.store, Settings(), ingest=False)
        assert env.store.story_id_of(seen.id) == env.store.story_id_of(hidden.id)  # one story
        assert await run_alerts(env.app) == 0  # the name is only in a report chat A cannot see
        await env.assert_no_reply(A, before)


async def test_a_name_token_tells_nothing_of_names_the_chat_cannot_see(tmp_path):
    async with await _env(tmp_path, ChatSettings()) as env:
        body = (
            "Zebulon Quackenbush opened a bakery in Dorset on Sunday. Zebulon Quackenbush said "
            "bread would be baked every morning. The bakery employs four people from the village."
        )
        env.store.upsert_articles([_private(body, "Quackenbush opens a bakery", "https://private.example.org/b")])
        run_pipeline(env.store, Settings(), ingest=False)
        assert name_for_token(env.store, name_token("Zebulon Quackenbush")) == "Zebulon Quackenbush"
        (msg,) = await env.say(A, "/help")
        hidden = await env.press(A, msg["message_id"], f"who#{name_token('Zebulon Quackenbush')}", check=False)
        unknown = await env.press(A, msg["message_id"], "who#" + "0" * 16, check=False)
        assert hidden["text"] == unknown["text"] == "This button has expired. Send /who NAME instead."
        seen = await env.press(A, msg["message_id"], f"who#{name_token('Pete Hegseth')}", check=False)
        assert not seen.get("text")
        await wait_for(lambda: any("Pete Hegseth" in m["plain_text"] for m in env.api.sent(A)), what="the card")
        assert not any("Quackenbush" in m["plain_text"] for m in env.api.sent(A))

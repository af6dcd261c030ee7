"""End to end: a chat's own sources (/add, /sources, /remove, the bot's sources as a
setting), through the real bot and the local Bot API server, against a web site on
127.0.0.1. Privacy: one chat's sources never show in another chat's news or buttons."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket

import pytest
from botenv import running_bot
from waiting import wait_for

from newsbrief.summaries.config import ChatSettings, FetchSettings, Settings
from newsbrief.summaries.ingest.chat_sources import catalog, source_name
from newsbrief.summaries.ingest.fetch import UNREACHABLE
from newsbrief.summaries.pipeline.run import run_pipeline

A, B = 6101, 6102
WHEN = dt.datetime(2025, 7, 27, 4, 0, tzinfo=dt.UTC)
SETTINGS = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path, SETTINGS) as bot_env:
        yield bot_env


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def buttons(msg: dict) -> list[dict]:
    return [b for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def added(env, chat: int, url: str) -> str:
    """/add, and wait until the new source's first fetch has stored its news."""
    (msg,) = await env.say(chat, f"/add {url}")
    name = next(n for n in env.svc.chats.get(chat).sources if catalog(env.store)[n]["location"])
    await wait_for(
        lambda: any(a.get("source") == name for a in env.store.iter_articles()),
        what="the first fetch of the new source",
    )
    return msg["plain_text"]


async def test_add_a_feed_answers_with_its_title_and_latest_headline_and_feeds_only_that_chat(env, site):
    url = site.feed("/glacier.xml", "Glacier Watch", [("Glacier retreat doubles in the Alps", "Glacier retreat")], WHEN)
    text = await added(env, A, url)
    assert "Glacier Watch" in text and "Latest: Glacier retreat doubles in the Alps" in text

    (brief_a,) = await env.say(A, "/brief")
    assert "Glacier retreat doubles in the Alps" in brief_a["plain_text"]
    assert "Glacier Watch" in brief_a["plain_text"]  # named by its title, not an internal name
    assert "held key bilateral talks" in brief_a["plain_text"]  # the bot's sources too, by default
    (brief_b,) = await env.say(B, "/brief")
    assert "Glacier" not in brief_b["plain_text"]

    # nor through a search, or a button payload copied from chat A
    (found,) = await env.say(B, "/summary glacier retreat")
    assert "No stored article matches" in found["plain_text"]
    article_id = next(a["id"] for a in env.store.iter_articles() if "Glacier" in a["headline"])
    full = next(b["callback_data"] for b in buttons(brief_a) if b.get("callback_data") == f"full:{article_id}")
    answer = await env.press(B, brief_b["message_id"], full, check=False)  # a forged payload
    assert answer["text"] == "That article is no longer stored."
    before = len(env.api.sent(A))
    await env.press(A, brief_a["message_id"], full)
    shown = await env.api.async_wait_for_sent(A, count=before + 1)
    assert "Glacier retreat" in shown[-1]["plain_text"]
    run_pipeline(env.store, SETTINGS, ingest=False)  # clustered: the story has an id now
    sid = env.store.story_id_of(article_id)
    assert sid
    answer = await env.press(B, brief_b["message_id"], f"reports:{sid}", check=False)
    assert answer["text"] == "That story is no longer stored."
    (listing,) = await env.say(B, "/sources")
    assert "Glacier" not in listing["plain_text"] and "no sources of its own" in listing["plain_text"]


async def test_add_a_site_finds_its_feed_and_a_page_without_one_is_followed_as_a_page(env, site):
    site.feed("/feeds/river.xml", "River News", [("Floods close the river crossing", "The river crossing")], WHEN)
    page = site.html(
        "/river/",
        "<html><head><title>River</title>"
        '<link rel="alternate" type="application/rss+xml" href="/feeds/river.xml"></head>'
        "<body><p>Welcome</p></body></html>",
    )
    (msg,) = await env.say(A, f"/add {page}")
    assert (
        "Added the feed: River News" in msg["plain_text"]
        and "Latest: Floods close the river crossing" in msg["plain_text"]
    )
    assert catalog(env.store)[source_name(site.url("/feeds/river.xml"))]["kind"] == "feed"

    paragraphs = "".join(
        f"<p>{p}</p>"
        for p in [
            "The town council voted on Monday to rebuild the old harbour wall, which storms damaged last winter.",
            "Work is to start in September and should take two years, the council said in a statement.",
            "Residents had asked for the repair for years, after the wall was breached twice in one month.",
            "The cost will be shared between the town, the region and a national fund for coastal defences.",
        ]
    )
    plain = site.html(
        "/harbour.html",
        f"<html><head><title>Harbour wall to be rebuilt</title></head>"
        f"<body><article><h1>Harbour wall to be rebuilt</h1>{paragraphs}</article></body></html>",
    )
    (msg,) = await env.say(A, f"/add {plain}")
    assert "Added the page" in msg["plain_text"] and "Harbour wall to be rebuilt" in msg["plain_text"]
    assert catalog(env.store)[source_name(plain)]["kind"] == "page"


async def test_unreachable_and_refused_addresses_are_told_plainly_and_nothing_is_added(env, site):
    (msg,) = await env.say(A, f"/add http://127.0.0.1:{closed_port()}/feed.xml")
    assert "I could not add that: cannot connect" in msg["plain_text"]
    # a private address the operator did not allow: the one refusal, whatever listens there
    (msg,) = await env.say(A, f"/add http://localhost:{site.port}/feed.xml")
    assert msg["plain_text"] == f"I could not add that: {UNREACHABLE}."
    (msg,) = await env.say(A, f"/add {site.url('/missing.xml')}")
    assert "HTTP 404" in msg["plain_text"]
    (msg,) = await env.say(A, "/add not-a-url")
    assert msg["plain_text"].startswith("Usage: /add URL")
    assert env.svc.chats.get_or_default(A).sources == () and catalog(env.store) == {}


async def test_sources_lists_status_and_last_item_and_remove_buttons_remove(env, site):
    one = site.feed("/one.xml", "Feed One", [("Bridge opens after ten years of work", "The bridge")], WHEN)
    await added(env, A, one)
    broken = site.feed("/two.xml", "Feed Two", [("Tunnel plans shelved", "The tunnel")], WHEN)
    await added(env, A, broken)
    del site.pages["/two.xml"]  # the feed goes away: the next run fails
    run_pipeline(env.store, dataclasses.replace(SETTINGS, sources=()), ingest=True)
    (msg,) = await env.say(A, "/sources")
    text = msg["plain_text"]
    assert "1. Feed One (feed) — ok" in text and "Last new item: Bridge opens after ten years of work" in text
    assert "2. Feed Two (feed) — failing: HTTP 404" in text
    remove = next(b for b in buttons(msg) if "Feed Two" in b["text"])
    before = len(env.api.sent(A))
    answer = await env.press(A, msg["message_id"], remove["callback_data"])
    assert answer["text"] == "Removed."
    await env.api.async_wait_for_sent(A, count=before + 1)
    assert env.svc.chats.get(A).sources == (source_name(one),)
    assert source_name(broken) not in catalog(env.store)  # no chat uses it: no longer fetched
    # a payload naming a source of another chat does nothing there
    (listing_b,) = await env.say(B, "/sources")
    answer = await env.press(B, listing_b["message_id"], f"rm:{source_name(one)}", check=False)
    assert answer["text"] == "That is not one of this chat's sources."
    (msg,) = await env.say(A, "/remove 1")
    assert "Removed Feed One" in msg["plain_text"] and env.svc.chats.get(A).sources == ()


async def test_a_feed_several_chats_add_is_fetched_once_per_run(env, site):
    url = site.feed("/shared.xml", "Shared", [("Orchestra plays in the park", "The orchestra")], WHEN)
    await added(env, A, url)
    (msg,) = await env.say(B, f"/add {url}")
    assert "Shared" in msg["plain_text"]
    assert len(catalog(env.store)) == 1
    before = site.hits["/shared.xml"]
    run_pipeline(env.store, dataclasses.replace(SETTINGS, sources=()), ingest=True)
    assert site.hits["/shared.xml"] - before == 1
    (brief_b,) = await env.say(B, "/brief")
    assert "Orchestra plays in the park" in brief_b["plain_text"]


async def test_only_own_sources_when_the_bot_sources_are_turned_off(env, site):
    await added(env, A, site.feed("/own.xml", "Own", [("Library extends its opening hours", "The library")], WHEN))
    (msg,) = await env.say(A, "/settings operator off")
    assert "News from: 1 source of this chat" in msg["plain_text"]
    (brief,) = await env.say(A, "/brief")
    assert "Library extends its opening hours" in brief["plain_text"]
    assert "bilateral talks" not in brief["plain_text"]
    toggle = next(b for b in buttons(msg) if b["text"] == "With the bot's sources")
    await env.press(A, msg["message_id"], toggle["callback_data"])
    assert env.svc.chats.get(A).operator_sources is True


async def test_operator_limits(tmp_path, site):
    limited = dataclasses.replace(SETTINGS, chats=ChatSettings(sources_per_chat=1, allowed_hosts=("127.0.0.1",)))
    async with running_bot(tmp_path, limited) as env:
        await added(env, A, site.feed("/a.xml", "A", [("Museum reopens", "The museum")], WHEN))
        (msg,) = await env.say(A, f"/add {site.feed('/b.xml', 'B', [('Zoo expands', 'The zoo')], WHEN)}")
        assert "the most it may have" in msg["plain_text"]
        (msg,) = await env.say(B, f"/add http://localhost:{site.port}/b.xml")
        assert "only allows sources from some sites" in msg["plain_text"]
    off = dataclasses.replace(SETTINGS, chats=ChatSettings(user_sources=False))
    async with running_bot(tmp_path / "off", off) as env:
        (msg,) = await env.say(A, f"/add {site.url('/a.xml')}")
        assert "turned off adding sources" in msg["plain_text"]


async def test_opml_import_of_30_feeds_with_broken_ones_and_an_export_that_imports_back(tmp_path, site):
    async with running_bot(tmp_path, dataclasses.replace(SETTINGS, chats=ChatSettings(sources_per_chat=40))) as env:
        await _opml_round_trip(env, site)


async def _opml_round_trip(env, site):
    from newsbrief.summaries.ingest.opml import read_opml, write_opml

    good = [
        site.feed(f"/f{i}.xml", f"Feed {i}", [(f"Item {i} headline", f"Topic number {i}")], WHEN) for i in range(26)
    ]
    dead = site.url("/gone.xml")  # 404
    closed = f"http://127.0.0.1:{closed_port()}/x.xml"
    private = f"http://localhost:{site.port}/f1.xml"  # not an allowed host: refused
    not_a_feed = site.html("/empty.html", "<html><head><title>x</title></head><body></body></html>")
    feeds = [(u, f"Feed {i}") for i, u in enumerate(good)] + [
        (dead, "Dead"),
        (closed, "Closed"),
        (private, "Private"),
        (not_a_feed, "Empty"),
    ]
    assert len(feeds) == 30  # 4 of them broken
    await env.say(A, f"/add {good[0]}")  # one is already there
    before = len(env.api.sent(A))
    env.api.send_document(A, "subscriptions.opml", write_opml(feeds), mime_type="text/x-opml")
    (summary,) = (await env.api.async_wait_for_sent(A, count=before + 1, timeout=60))[before:]
    text = summary["plain_text"]
    assert "25 added, 1 already there, 4 failed" in text, text
    assert (
        f"{dead} — HTTP 404" in text and f"{private} — {UNREACHABLE}" in text and f"{closed} — cannot connect" in text
    )
    assert "gone.xml" not in "".join(catalog(env.store))

    (msg,) = await env.say(A, "/export")
    exported = msg["document"]["data"]
    urls = [u for u, _ in read_opml(exported)]
    assert sorted(urls) == sorted(catalog(env.store)[n]["location"] for n in env.svc.chats.get(A).sources)
    before = len(env.api.sent(B))
    env.api.send_document(B, "newsbrief-sources.opml", exported)
    (summary,) = (await env.api.async_wait_for_sent(B, count=before + 1, timeout=60))[before:]
    assert f"{len(urls)} added, 0 already there, 0 failed" in summary["plain_text"]
    assert sorted(env.svc.chats.get(B).sources) == sorted(env.svc.chats.get(A).sources)  # the same list

    before = len(env.api.sent(B))
    env.api.send_document(B, "junk.opml", b"<opml><body>not closed")
    (msg,) = (await env.api.async_wait_for_sent(B, count=before + 1))[before:]
    assert msg["plain_text"].startswith("I could not import that file")


async def test_who_cards_show_mentions_only_from_sources_the_chat_reads(env, site):
    url = site.feed(
        "/station.xml",
        "Station",
        [("Hegseth visits the polar research station", "Pete Hegseth and the polar research station")],
        WHEN,
    )
    await added(env, A, url)
    run_pipeline(env.store, SETTINGS, ingest=False)  # summarized and indexed
    (card_a,) = await env.say(A, "/who Hegseth")
    assert "Hegseth visits the polar research station" in card_a["plain_text"]
    (card_b,) = await env.say(B, "/who Hegseth")
    assert card_b["plain_text"].startswith("Pete Hegseth")  # the seed article's mentions only
    assert "polar research station" not in card_b["plain_text"]


async def test_alerts_and_digests_never_carry_another_chats_sources(env, site):
    from newsbrief.bot.alerts import run_alerts
    from newsbrief.bot.digests import deliver_digest
    from newsbrief.summaries.index.entity_index import index_articles

    await asyncio.to_thread(index_articles, env.store, list(env.store.iter_articles()))
    env.clock.now = dt.datetime(2025, 7, 27, 12, 0, tzinfo=dt.UTC)  # outside the quiet hours
    for chat in (A, B):
        (msg,) = await env.say(chat, "/follow Hegseth")
        assert msg["plain_text"].startswith("Following Pete Hegseth")
        await env.say(chat, "/subscribe 07:00 UTC")
    before_a, before_b = len(env.api.sent(A)), len(env.api.sent(B))
    url = site.feed(
        "/private.xml",
        "Private Wire",
        [("Hegseth tours the lighthouse museum", "Pete Hegseth and the lighthouse museum")],
        WHEN,
    )
    await added(env, A, url)  # only chat A reads it
    run_pipeline(env.store, dataclasses.replace(SETTINGS, sources=()), ingest=False)
    assert await run_alerts(env.app) == 1
    assert any("lighthouse museum" in m["plain_text"] for m in env.api.sent(A)[before_a:])
    assert await deliver_digest(env.app, B, "2025-07-27") == "sent"
    shown_b = "\n".join(m["plain_text"] for m in env.api.sent(B)[before_b:])
    assert "Your daily digest" in shown_b and "lighthouse" not in shown_b and "Private Wire" not in shown_b


def test_who_is_made_only_from_the_sources_a_chat_sees(tmp_path):
    """A name known only from one chat's own source is no one to another chat, and counts
    and co-mentions come from the articles the asking chat may see."""
    from newsbrief.summaries.articles.formats import parse_record
    from newsbrief.summaries.index.entity_index import index_articles, lookup
    from newsbrief.summaries.store import Store

    text = (
        "Chancellor Olaf Scholz met Finance Minister Christian Lindner in Berlin on Monday to discuss the budget. "
        "Scholz said the talks had been constructive. Lindner said more savings were needed."
    )
    with Store(tmp_path / "db.json") as store:
        mine = parse_record(
            {
                "title": "Scholz meets Lindner",
                "text": text,
                "source": "u:0123456789ab",
                "url": "https://private.example/1",
                "published": "2026-03-10T09:00:00Z",
            }
        )
        store.upsert_articles([mine])
        index_articles(store, [store.get_article(mine.id)])
        assert lookup(store, "Olaf Scholz").card is not None  # the operator's view: everything
        other_chat = lookup(store, "Olaf Scholz", visible=lambda name: not name.startswith("u:"))
        assert other_chat.card is None and "Christian Lindner" not in other_chat.suggestions
        owner = lookup(store, "Olaf Scholz", visible=lambda name: name == "u:0123456789ab")
        assert owner.card is not None and owner.card.article_count == 1

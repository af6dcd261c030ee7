"""End-to-end: briefings of stories through the real bot and the local Bot API server."""

from __future__ import annotations

import pytest
from botenv import running_bot

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline

USER = 5101


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        yield bot_env


async def test_brief_shows_one_slot_per_story_with_its_outlets_and_reports(env):
    lead = (
        "Storm Ellen brought winds of up to 90 miles an hour overnight, closing two motorways and cutting power "
        "to about 80,000 homes. Police said a lorry had overturned near the river crossing. Rail operators "
        "cancelled dozens of services and asked passengers not to travel. Engineers were working to restore "
        "electricity, but some rural areas could be without power until Thursday. "
        "Schools in three counties stayed shut."
    )
    outlets = ["Reuters", "BBC", "The Herald", "Radio One", "Daily Post"]
    reports = [
        parse_record(
            {
                "title": f"Storm Ellen closes motorways and cuts power ({name})",
                "text": lead + f" Reported by {name} staff {i}.",
                "source": name,
                "url": f"https://{i}.example.org/storm",
                "published": f"2025-07-27T0{i}:00:00Z",
            }
        )
        for i, name in enumerate(outlets)
    ]
    env.store.upsert_articles(reports)
    run_pipeline(env.store, Settings(), ingest=False)
    assert len({env.store.story_id_of(r.id) for r in reports}) == 1

    (msg,) = await env.say(USER, "/brief")
    text = msg["plain_text"]
    assert (
        text.count("Storm Ellen closes motorways") == 1 and text.count("Storm Ellen brought winds") == 1
    )  # five reports, one slot
    assert "Reuters, BBC and 3 more · 5 reports" in text
    assert "held key bilateral talks" in text  # the seed story is the other slot
    buttons = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    all_reports = next(b for b in buttons if b["text"] == "All 5 reports")
    before = len(env.api.sent(USER))
    env.api.press_button(USER, msg["message_id"], all_reports["callback_data"])
    listing = (await env.api.async_wait_for_sent(USER, count=before + 1))[-1]
    for name in outlets:
        assert f"{name}: Storm Ellen closes motorways" in listing["plain_text"]
    assert listing["text"].count('<a href="https://') == 5


def _report(name: str, i: int, day: str, hour: int) -> object:
    body = (
        "Storm Ellen brought winds of up to 90 miles an hour overnight, closing two motorways and cutting power "
        "to about 80,000 homes. Police said a lorry had overturned near the river crossing. Rail operators "
        "cancelled dozens of services. Engineers were working to restore electricity. Schools stayed shut."
    )
    return parse_record(
        {
            "title": f"Storm Ellen closes motorways ({name})",
            "text": body + f" Filed by {name} desk {i}.",
            "source": name,
            "url": f"https://{name.lower()}.example.org/storm/{i}",
            "published": f"{day}T{hour:02d}:00:00Z",
        }
    )


async def test_a_digest_story_comes_back_next_day_only_as_an_update(env):
    from newsbrief.bot.digests import deliver_digest

    await env.say(USER, "/subscribe 07:00 UTC")
    env.store.upsert_articles([_report("Reuters", 1, "2025-07-27", 6)])
    run_pipeline(env.store, Settings(), ingest=False)
    before = len(env.api.sent(USER))
    assert await deliver_digest(env.app, USER, "2025-07-27") == "sent"
    first = "\n".join(m["plain_text"] for m in env.api.sent(USER)[before:])
    assert "Storm Ellen closes motorways" in first and "Update" not in first

    # next day: nothing new in the story, nothing sent
    assert await deliver_digest(env.app, USER, "2025-07-28") == "nothing-new"
    # the day after: the story grew (two more outlets), so it comes back, marked as an update
    env.store.upsert_articles([_report("BBC", 2, "2025-07-29", 6), _report("Herald", 3, "2025-07-29", 7)])
    run_pipeline(env.store, Settings(), ingest=False)
    before = len(env.api.sent(USER))
    assert await deliver_digest(env.app, USER, "2025-07-29") == "sent"
    update = "\n".join(m["plain_text"] for m in env.api.sent(USER)[before:])
    assert update.count("Storm Ellen closes motorways") == 1
    assert "Update · Tue 29 Jul 2025 · Reuters, BBC and Herald · 3 reports" in update


def test_who_buttons_never_cut_a_name(tmp_path):
    from newsbrief.bot.render import CALLBACK_LIMIT, who_payload
    from newsbrief.summaries.index.entity_index import name_for_token, name_token
    from newsbrief.summaries.store import Store

    long_name = "International Federation of Red Cross and Red Crescent Societies (Geneva office)"
    payload = who_payload(long_name)
    assert len(payload.encode()) <= CALLBACK_LIMIT and payload == f"who#{name_token(long_name)}"
    assert who_payload("Pete Hegseth") == "who:Pete Hegseth"
    with Store(tmp_path / "db.json") as store:
        run_pipeline(store, Settings())
        assert name_for_token(store, name_token("Pete Hegseth")) == "Pete Hegseth"
        assert name_for_token(store, name_token(long_name)) is None  # not indexed: the button says it expired


async def test_a_story_with_a_huge_link_still_shows_in_brief_and_summary(env):
    """Telegram refuses a whole message whose button holds a URL over 2,048 characters: the
    story is shown without that button, and the other stories of the message with it."""
    long_url = "https://example.org/story?" + "x=1&" * 800  # about 3,200 characters
    article = parse_record(
        {
            "title": "Harbour authority opens the new ferry terminal",
            "text": "The harbour authority opened the new ferry terminal in Port Elms on Sunday after two years "
            "of building. Ferries to the islands will leave every hour from Monday, the authority said. "
            "The old terminal will become a museum of the town's fishing fleet.",
            "source": "Harbour News",
            "url": long_url,
            "published": "2025-07-27T09:00:00Z",
        }
    )
    env.store.upsert_articles([article])
    run_pipeline(env.store, Settings(), ingest=False)
    (msg,) = await env.say(USER, "/brief")
    assert "ferry terminal" in msg["plain_text"] and "held key bilateral talks" in msg["plain_text"]
    buttons = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(b.get("url", "")) <= 2048 for b in buttons)
    (found,) = await env.say(USER, "/summary ferry terminal")
    assert "Harbour authority opens the new ferry terminal" in found["plain_text"]

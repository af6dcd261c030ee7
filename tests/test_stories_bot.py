"""End-to-end: briefings of stories through the real bot and the local Bot API server."""

from __future__ import annotations

import dataclasses

import pytest

from botenv import running_bot
from summaries.articles import parse_record
from summaries.config import Settings
from summaries.pipeline import run_pipeline

USER = 5101


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        yield bot_env


async def test_brief_shows_one_slot_per_story_with_its_outlets_and_reports(env):
    lead = ("Storm Ellen brought winds of up to 90 miles an hour overnight, closing two motorways and cutting power "
            "to about 80,000 homes. Police said a lorry had overturned near the river crossing. Rail operators "
            "cancelled dozens of services and asked passengers not to travel. Engineers were working to restore "
            "electricity, but some rural areas could be without power until Thursday. Schools in three counties stayed shut.")
    outlets = ["Reuters", "BBC", "The Herald", "Radio One", "Daily Post"]
    reports = [
        parse_record({"title": f"Storm Ellen closes motorways and cuts power ({name})", "text": lead + f" Reported by {name} staff {i}.",
                      "source": name, "url": f"https://{i}.example.org/storm", "published": f"2025-07-27T0{i}:00:00Z"})
        for i, name in enumerate(outlets)
    ]
    env.store.upsert_articles(reports)
    run_pipeline(env.store, Settings(), ingest=False)
    assert len({env.store.story_id_of(r.id) for r in reports}) == 1

    (msg,) = await env.say(USER, "/brief")
    text = msg["plain_text"]
    assert text.count("Storm Ellen closes motorways") == 1 and text.count("Storm Ellen brought winds") == 1  # five reports, one slot
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

"""A chat's caps hold under simultaneous commands: twelve /adds sent at once to a chat
allowed three sources add three, and leave nothing else fetched on its behalf."""

from __future__ import annotations

import dataclasses
import datetime as dt

from botenv import running_bot

from newsbrief.summaries.config import ChatSettings, FetchSettings, Settings
from newsbrief.summaries.ingest.chat_sources import catalog

A = 6301
WHEN = dt.datetime(2025, 7, 27, 4, 0, tzinfo=dt.UTC)
SETTINGS = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))


async def test_simultaneous_adds_never_pass_the_sources_cap(tmp_path, site):
    urls = [
        site.feed(f"/f{i}.xml", f"Feed {i}", [(f"Item {i} headline", f"Topic number {i}")], WHEN) for i in range(12)
    ]
    settings = dataclasses.replace(SETTINGS, chats=ChatSettings(sources_per_chat=3))
    async with running_bot(tmp_path, settings) as env:
        before = len(env.api.sent(A))
        for url in urls:  # all sent before the first answer
            env.api.send_text(A, f"/add {url}")
        replies = (await env.api.async_wait_for_sent(A, count=before + 12, timeout=90))[before:]
        added = [m for m in replies if m["plain_text"].startswith("Added")]
        refused = [m for m in replies if "the most it may have" in m["plain_text"]]
        assert len(added) == 3 and len(refused) == 9, [m["plain_text"][:60] for m in replies]
        held = env.svc.chats.get(A).sources
        assert len(held) == 3
        assert sorted(catalog(env.store)) == sorted(held)  # no orphan left to be fetched for nobody

"""Provenance: a chat's own source never supplies the text of an article that other chats
read under another source (a feed that links to the URL an operator's feed publishes
later cannot put words in the operator's mouth)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from botenv import running_bot
from sitesrv import rss
from waiting import wait_for

from newsbrief.summaries.config import FetchSettings, Settings, Source
from newsbrief.summaries.pipeline.run import run_pipeline

ATTACKER, READER = 6201, 6202
WHEN = dt.datetime(2025, 7, 27, 4, 0, tzinfo=dt.UTC)
STORY = "https://news.example.org/2025/07/27/bridge"
REAL = (
    "The city council opened the new river bridge on Sunday after three years of building work. "
    "The mayor said the crossing would cut journeys between the two districts by half an hour. "
    "Engineers will watch the bridge closely during its first winter, the council said in a statement. "
    "Residents gathered on both banks for the opening, and buses started using the bridge at noon. "
    "The project cost less than planned, according to the council's figures published on Sunday."
)
FAKE = (
    "Officials admitted on Sunday that the river bridge is unsafe and will be closed for good. "
    "The mayor resigned after the admission, and the council cancelled every public event this week. "
    "Engineers said cracks had been found in every pillar, and that nobody should go near the river. "
    "Residents were told to stay at home until further notice, the statement said on Sunday evening. "
    "The project's money was lost, according to figures that nobody else has been able to check."
)

SECOND = (
    "The national orchestra announced its autumn season on Sunday, with twelve concerts in four cities. "
    "The conductor said the programme mixes new works by young composers with familiar symphonies. "
    "Tickets go on sale next month, and students will be able to attend rehearsals free of charge. "
    "The orchestra will also tour schools in the north for the first time in a decade, it said. "
    "Its director thanked the sponsors who covered the cost of the tour and of the new instruments."
)


async def test_a_chat_feed_cannot_supply_the_operators_article(tmp_path, site):
    site.pages["/wire.xml"] = ("application/rss+xml", rss("City Wire", [], WHEN))
    settings = Settings(
        fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)),
        sources=(Source(name="City Wire", kind="feed", location=site.url("/wire.xml")),),
    )
    async with running_bot(tmp_path, settings) as env:
        # the attacker's feed links to the URL the operator's feed will publish later
        site.pages["/evil.xml"] = (
            "application/rss+xml",
            rss("Evil", [("Bridge closed for good, mayor quits", STORY, FAKE)], WHEN),
        )
        await env.say(ATTACKER, f"/add {site.url('/evil.xml')}")
        await wait_for(
            lambda: any("mayor quits" in a["headline"] for a in env.store.iter_articles()),
            what="the attacker's item stored",
        )
        site.pages["/wire.xml"] = (
            "application/rss+xml",
            rss("City Wire", [("New river bridge opens", STORY, REAL)], WHEN),
        )
        run_pipeline(env.store, settings)
        (brief,) = await env.say(READER, "/brief")
        assert "New river bridge opens" in brief["plain_text"] and "City Wire" in brief["plain_text"]
        assert "mayor quits" not in brief["plain_text"] and "unsafe" not in brief["plain_text"]
        (summary,) = await env.say(READER, "/summary river bridge")
        assert "opened the new river bridge" in summary["plain_text"] and "unsafe" not in summary["plain_text"]

        # the operator's later correction is applied, whatever the attacker's feed says
        site.pages["/wire.xml"] = (
            "application/rss+xml",
            rss(
                "City Wire",
                [("New river bridge opens to traffic", STORY, REAL.replace("at noon", "at one o'clock"))],
                WHEN + dt.timedelta(hours=1),
            ),
        )
        run_pipeline(env.store, dataclasses.replace(settings))
        (brief,) = await env.say(READER, "/brief")
        assert "New river bridge opens to traffic" in brief["plain_text"]

        # nor by copying the operator's text under a headline of its own, published first
        site.pages["/evil.xml"] = (
            "application/rss+xml",
            rss("Evil", [("Orchestra scandal: conductor sacked", "https://evil.example.net/copy", SECOND)], WHEN),
        )
        run_pipeline(env.store, settings)  # the attacker's copy first
        site.pages["/wire.xml"] = (
            "application/rss+xml",
            rss(
                "City Wire",
                [("Orchestra announces autumn season", "https://news.example.org/2025/07/27/season", SECOND)],
                WHEN + dt.timedelta(hours=2),
            ),
        )
        run_pipeline(env.store, settings)
        (brief,) = await env.say(READER, "/brief")
        assert "Orchestra announces autumn season" in brief["plain_text"] and "scandal" not in brief["plain_text"]

        # the attacker still reads its own feed's items, in its own chat only
        (own,) = await env.say(ATTACKER, "/brief")
        assert "mayor quits" in own["plain_text"]

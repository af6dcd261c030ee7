"""Keyword filters: whole-word, case- and accent-insensitive matching; /filter end to end
changing a briefing and a digest; one chat's filters never touch another's news."""

from __future__ import annotations

import pytest
from botenv import running_bot

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.stories.filters import FilterError, Filters, merge, parse_filters

A, B = 7101, 7102


@pytest.mark.parametrize(
    "term, text, hit",
    [
        ("climate", "Climate talks resume", True),
        ("climate", "CLIMATE: a summit", True),
        ("rain", "Ukraine and its neighbours", False),  # whole words only
        ("rain", "Rain again, and more rain.", True),
        ("cafe", "The Café reopens", True),  # accents folded, both ways
        ("Zürich", "zurich votes on housing", True),
        ("straße", "STRASSE closed", True),  # casefolding
        ("world cup", "The World  Cup final", True),  # a phrase, any spacing
        ("world cup", "cup of the world", False),
        ("москва", "Москва приняла решение", True),  # any script
        ("東京", "東京 で会議", True),
    ],
)
def test_matching(term, text, hit):
    assert Filters(include=(term,)).passes(text) is hit
    assert Filters(exclude=(term,)).passes(text) is (not hit)


def test_include_any_exclude_all():
    f = Filters(include=("climate", "energy"), exclude=("football",))
    assert f.passes("Energy prices fall")
    assert not f.passes("Football and climate")  # an exclude word wins
    assert not f.passes("Weather today")
    assert Filters().passes("anything")


def test_parse_and_merge():
    assert parse_filters('+climate -football "world cup" -"transfer news"') == [
        ("+", "climate"),
        ("-", "football"),
        ("+", "world cup"),
        ("-", "transfer news"),
    ]
    with pytest.raises(FilterError):
        parse_filters('"world cup')
    with pytest.raises(FilterError):
        parse_filters("+!!!")
    f = merge(Filters(include=("Climate",)), [("-", "climate"), ("+", "energy"), ("+", "ENERGY")])
    assert f == Filters(include=("ENERGY",), exclude=("climate",))  # a term moves sides, no duplicates


def article(headline: str, body_topic: str, n: int) -> object:
    body = (
        f"{body_topic} dominated the day. Officials met for hours on Sunday and agreed a plan to be reviewed in "
        "the autumn. Critics said the plan did not go far enough, while supporters called it a first step. "
        "A final statement is expected later this week after more talks between the delegations."
    )
    return parse_record(
        {
            "title": headline,
            "text": body,
            "source": f"Outlet {n}",
            "url": f"https://o{n}.example.org/x",
            "published": "2025-07-27T04:00:00Z",
        }
    )


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        bot_env.store.upsert_articles(
            [
                article("Climate summit agrees to phase out coal", "The climate summit", 1),
                article("Football club wins the league", "Football", 2),
                article("World Cup final draws record crowd", "The World Cup", 3),
            ]
        )
        run_pipeline(bot_env.store, Settings(), ingest=False)
        yield bot_env


async def test_filters_change_briefings_and_digests_of_that_chat_only(env):
    from newsbrief.bot.digests import deliver_digest

    (msg,) = await env.say(A, "/brief")
    assert all(h in msg["plain_text"] for h in ("Climate summit", "Football club", "World Cup final"))

    (view,) = await env.say(A, '/filter +climate "world cup"')
    assert "Only news about: “climate”, “world cup”" in view["plain_text"]
    (msg,) = await env.say(A, "/brief")
    text = msg["plain_text"]
    assert "Climate summit" in text and "World Cup final" in text
    assert "Football club" not in text and "bilateral talks" not in text

    await env.say(A, "/filter -climate")  # moves climate to the excludes
    (msg,) = await env.say(A, "/brief")
    assert "World Cup final" in msg["plain_text"] and "Climate summit" not in msg["plain_text"]

    (msg,) = await env.say(B, "/brief")  # chat B has no filters
    assert all(h in msg["plain_text"] for h in ("Climate summit", "Football club", "World Cup final"))
    (msg,) = await env.say(B, "/filter")
    assert "no keyword filters" in msg["plain_text"] and "climate" not in msg["plain_text"].split("Usage")[0]

    await env.say(A, "/subscribe 07:00 UTC")
    before = len(env.api.sent(A))
    assert await deliver_digest(env.app, A, "2025-07-27") == "sent"
    digest = "\n".join(m["plain_text"] for m in env.api.sent(A)[before:])
    assert "World Cup final" in digest and "Climate summit" not in digest and "Football club" not in digest


async def test_a_briefing_that_filters_empty_says_so_and_how_to_change_them(env):
    await env.say(A, "/filter +glaciers")
    (msg,) = await env.say(A, "/brief")
    text = msg["plain_text"]
    assert text.startswith("This chat's filters hide every story") and "/filter clear" in text
    assert "No stories yet" not in text
    await env.say(A, "/filter clear")
    (msg,) = await env.say(A, "/brief")
    assert "Climate summit" in msg["plain_text"]


async def test_filter_buttons_remove_one_or_all(env):
    (view,) = await env.say(A, "/filter +climate -football")
    rows = [b for row in view["reply_markup"]["inline_keyboard"] for b in row]
    drop = next(b for b in rows if "football" in b["text"])
    before = len(env.api.sent(A))
    assert (await env.press(A, view["message_id"], drop["callback_data"]))["text"] == "Removed."
    await env.api.async_wait_for_sent(A, count=before + 1)
    prefs = env.svc.chats.get(A)
    assert prefs.include == ("climate",) and prefs.exclude == ()
    (view_b,) = await env.say(B, "/filter")  # the same payload in another chat changes nothing there
    assert (await env.press(B, view_b["message_id"], drop["callback_data"], check=False))[
        "text"
    ] == "That filter is already gone."
    (msg,) = await env.say(A, '/filter "unclosed')
    assert "quote is not closed" in msg["plain_text"]
    await env.say(A, "/filter clear")
    assert env.svc.chats.get(A).include == ()

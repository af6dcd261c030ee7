"""Hostile input: property-based tests on the parsers and the renderer, and hostile
commands and button payloads against the running bot."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbrief.bot.chats import ChatPrefs
from newsbrief.bot.localapi import parse_html
from newsbrief.bot.preferences import apply_setting, parse_schedule_args
from newsbrief.bot.render import (
    MESSAGE_LIMIT,
    render_briefing,
    render_sentences,
    render_story,
    render_who,
    telegram_length,
)
from newsbrief.summaries.articles.cleaning import clean_body
from newsbrief.summaries.articles.formats import parse_record, parse_text, read_articles
from newsbrief.summaries.articles.model import Article, ArticleError
from newsbrief.summaries.index.entity_index import EntityCard, Mention, WhoResult
from newsbrief.summaries.stories.briefing import Briefing, Story

NASTY = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<b><i>",
        "</b>",
        "&amp;",
        "&",
        "&#0;",
        "\u202e",
        "\u200f",
        "\x00",
        "\x1b[31m",
        "💥👩‍👩‍👧",
        "\ud7ff",
        "a" * 5000,
        "",
        " ",
        "\n\n",
        "date 2025-07-27 X (ANI):",
        "Also Read | x",
        "#Tag",
        "(ANI)",
    ]
)
TEXT = st.one_of(
    st.text(max_size=300), NASTY, st.lists(st.one_of(NASTY, st.text(max_size=40)), max_size=8).map("".join)
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def valid_for_telegram(text: str) -> None:
    plain, _ = parse_html(text)  # raises on anything Telegram would refuse to parse
    assert 0 < telegram_length(plain) <= MESSAGE_LIMIT


@FAST
@given(TEXT)
def test_parsers_never_crash(text):
    for parse in (parse_text, lambda t: parse_record({"title": t[:50], "text": t, "published": t[:10]})):
        try:
            article = parse(text)
        except ArticleError:
            continue
        assert article.body.strip() and article.headline.strip()
        assert "\n\n\n" not in article.body
    assert isinstance(clean_body(text), str)


@FAST
@given(st.binary(max_size=2000))
def test_files_of_random_bytes_are_read_or_refused(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("f") / "x.jsonl"
    path.write_bytes(data)
    try:
        entries = read_articles(path)
    except ArticleError:
        return
    assert all(isinstance(e, (Article, ArticleError)) for e in entries)


@FAST
@given(st.lists(TEXT, max_size=4))
def test_subscribe_arguments_give_prefs_or_one_valid_line(args):
    prefs = ChatPrefs(chat_id=1)
    new, error = parse_schedule_args(args, prefs)
    if error is None:
        assert new.local_time.tzinfo is not None  # a real time and zone
    else:
        assert new == prefs
        valid_for_telegram(error)
        assert "\n" not in error


@FAST
@given(st.sampled_from(["time", "timezone", "length", "topics", "x", ""]) | TEXT, TEXT)
def test_settings_arguments_give_prefs_or_one_valid_line(key, value):
    prefs = ChatPrefs(chat_id=1)
    new, error = apply_setting(prefs, key, value)
    if error is None:
        assert new.local_time.tzinfo is not None
        assert all(len(t) <= 40 for t in new.topics) and len(new.topics) <= 10
    else:
        assert new == prefs
        valid_for_telegram(error)


STORY = st.builds(
    Story,
    article_id=st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
    headline=TEXT.filter(str.strip),
    summary=st.lists(TEXT, max_size=5).map(tuple),
    source=TEXT,
    date=st.sampled_from(["2025-07-27", "bad-date", ""]),
    url=st.one_of(st.just(""), st.just("https://example.org/a?b=1&c=<2>"), TEXT),
    place=TEXT,
)


@FAST
@given(
    st.lists(STORY, max_size=8), st.lists(TEXT, max_size=2), st.booleans(), st.sampled_from(["short", "normal", "long"])
)
def test_rendered_briefings_are_valid_telegram_html(stories, topics, fallback, length):
    briefing = Briefing(
        day="2025-07-27", stories=stories, topics=tuple(t for t in topics if t.strip()), fallback=fallback
    )
    replies = render_briefing(briefing, length=length)
    assert replies
    for reply in replies:
        valid_for_telegram(reply.text)
        for row in reply.keyboard.inline_keyboard if reply.keyboard else ():
            for button in row:
                assert button.url or 1 <= len(button.callback_data.encode()) <= 64
    for story in stories:
        valid_for_telegram(render_story(story).text)


@FAST
@given(st.lists(TEXT, max_size=6))
def test_rendered_sentences_are_valid(sentences):
    valid_for_telegram(render_sentences(sentences).text)


@FAST
@given(
    TEXT.filter(str.strip),
    TEXT,
    st.lists(TEXT, max_size=3),
    st.lists(st.tuples(TEXT, st.integers(0, 99)), max_size=6),
    st.lists(TEXT.filter(str.strip), max_size=4),
)
def test_rendered_who_cards_are_valid(name, role, sentences, co, others):
    card = EntityCard(
        name=name,
        type="person",
        roles=[role] if role else [],
        article_count=len(sentences),
        first_seen="2025-07-27",
        last_seen="2025-07-28",
        mentions=[Mention("2025-07-27", name, s, "0" * 16) for s in sentences],
        co_mentions=co,
        aliases=[],
    )
    for result in (WhoResult(query=name, card=card, others=others), WhoResult(query=name, suggestions=others)):
        reply = render_who(result)
        valid_for_telegram(reply.text)
        for row in reply.keyboard.inline_keyboard if reply.keyboard else ():
            for button in row:
                assert 1 <= len(button.callback_data.encode()) <= 64


# -- against the running bot ---------------------------------------------------------------

from botenv import running_bot  # noqa: E402

USER, OTHER, GROUP = 7101, 7102, -7103


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path) as bot_env:
        yield bot_env


HOSTILE_COMMANDS = [
    "/who " + "x" * 1_000_000,
    "/brief " + "<script>alert(1)</script>",
    "/summary " + "\u202e\u200f" * 50,
    "/subscribe \x00\x1b[31m 07:30",
    "/settings topics " + ",".join(["💥"] * 500),
    "/settings time " + "9" * 100_000,
    "/who <b>Hegseth</b> & co",
    "/summary https://",
    "/settings",
    "/unsubscribe extra words",
]


async def test_hostile_commands_get_valid_replies(env):
    for command in HOSTILE_COMMANDS:
        (reply,) = await env.say(USER, command)
        valid_for_telegram(reply["text"])
    assert len(env.api.sent(USER)) == len(HOSTILE_COMMANDS)


async def test_buttons_act_only_on_their_own_chat(env):
    await env.say(USER, "/subscribe 07:00 UTC")
    await env.say(OTHER, "/subscribe 09:00 Europe/Paris")
    other_before = env.svc.chats.get(OTHER)
    (view,) = await env.say(USER, "/settings")
    for data in ("set:length:short", "set:sub:off", f"set:length:long:{OTHER}", json.dumps({"chat": OTHER})):
        await env.press(USER, view["message_id"], data, check=False)
    assert env.svc.chats.get(OTHER) == other_before
    assert not env.svc.chats.get(USER).subscribed  # its own chat did change


async def test_group_members_cannot_press_settings_buttons(env):
    env.api.set_member(GROUP, 1, "administrator")
    await env.say(GROUP, "/subscribe 07:00 UTC", chat_type="group", chat_title="G", user_id=1)
    (view,) = await env.say(GROUP, "/settings", user_id=1)
    before = env.svc.chats.get(GROUP)
    answer = await env.press(GROUP, view["message_id"], "set:sub:off", user_id=2)  # a plain member
    assert answer["text"] == "Only group administrators can change this group's digest."
    assert env.svc.chats.get(GROUP) == before

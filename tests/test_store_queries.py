"""Briefings and /who as store queries: the same answers on TinyDB (read through the
store's basic methods) and on PostgreSQL (a few indexed queries, no article bodies, no
entity index in memory). The data is made once on TinyDB by the real pipeline steps and
copied to a real PostgreSQL server (``newsbrief store copy``'s code), so both backends
hold exactly the same records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from pgtest import pg_url  # noqa: F401  (fixture)
from newsbrief.summaries.articles import Article, parse_record
from newsbrief.summaries.briefing import compose_briefing, list_stories
from newsbrief.summaries.config import StorySettings, SummarySettings
from newsbrief.summaries.pipeline import summarize_pending
from newsbrief.summaries.stories import StoryIndex, cluster_pending
from newsbrief.summaries.store import TinyStore
from newsbrief.summaries.store.base import LEAD_CHARS
from newsbrief.summaries.store.transfer import copy_store

FIXTURES = Path(__file__).parent / "fixtures" / "stories" / "articles.json"
DAY = "2026-03-10"


def _copy(article: Article, n: int, outlet: str) -> Article:
    """Another outlet's report of the same event: sentences reordered, a line added."""
    sentences = article.body.split(". ")
    body = ". ".join(sentences[1:] + sentences[:1]) + f" Our reporter {outlet} adds detail {n}."
    later = (dt.datetime.fromisoformat(article.published.replace("Z", "+00:00")) + dt.timedelta(minutes=7 + n)).isoformat()
    return dataclasses.replace(article, headline=f"{article.headline} ({outlet})", body=body, source=outlet,
                               url=f"https://{outlet.lower().replace(' ', '')}.example/{n}", published=later)


def corpus() -> list[Article]:
    base = [parse_record(r) for r in json.loads(FIXTURES.read_text())]
    copies = [_copy(a, n, f"Outlet {n % 3}") for n, a in enumerate(base * 2)]
    # a report whose first sentence runs past the lead a listing carries
    long_first = "Officials said " + " and ".join(f"district {i} reported flooding overnight" for i in range(40)) + "."
    long_one = Article(headline="Floods reported across forty districts", body=long_first + " Schools stay shut today.",
                       date=DAY, source="Long Wire", url="https://longwire.example/floods",
                       published=f"{DAY}T06:00:00+00:00")
    yesterday = Article(headline="Council approves budget after long debate", date="2026-03-09", source="City Paper",
                        body="The city council approved the budget on Monday. The vote was seven to two. "
                             "Members argued for six hours about bus fares.", url="https://citypaper.example/budget",
                        published="2026-03-09T18:00:00+00:00")
    chat_only = dataclasses.replace(base[2], headline="Storm Ellen: what we saw", source="chat:42:abc",
                                    url="https://own.example/storm", body=base[2].body + " A reader sent photos.",
                                    published="2026-03-10T08:00:00+00:00")
    return [*base, *copies, long_one, yesterday, chat_only]


@pytest.fixture
def stores(tmp_path, pg_url):
    """The same news on TinyDB and PostgreSQL: stored, partly summarized, clustered."""
    from newsbrief.summaries.store.postgres import PostgresStore

    articles = corpus()
    assert len(articles[-3].body) > LEAD_CHARS and ". " not in articles[-3].body[:LEAD_CHARS]
    tiny = TinyStore(tmp_path / "db.json")
    tiny.upsert_articles(articles[:-6])
    summarize_pending(tiny, SummarySettings())  # the rest stay without a stored summary
    tiny.upsert_articles(articles[-6:])
    cluster_pending(tiny, StoryIndex.load(tiny, StorySettings()))
    pg = PostgresStore(pg_url, path=tmp_path / "pg")
    assert copy_store(tiny, pg).ok
    yield tiny, pg
    tiny.close()
    pg.close()


def _normal(listing):
    return (listing.articles, listing.story_of, {k: sorted(v, key=lambda a: a["id"]) for k, v in listing.members.items()},
            listing.summaries)


def test_story_listing_is_the_same_without_bodies(stores):
    tiny, pg = stores
    for kwargs in ({"on_date": DAY}, {"on_date": "2026-03-09"}, {"limit": 5}, {}):
        a, b = tiny.story_listing(**kwargs), pg.story_listing(**kwargs)
        assert _normal(a) == _normal(b), kwargs
    listing = pg.story_listing(on_date=DAY)
    assert listing.articles and all("body" not in a and "lead" in a for a in listing.articles)
    assert any(len(ms) > 1 for ms in listing.members.values())  # stories of several reports
    cut = [a for a in listing.articles if a["body_cut"]]
    assert [a["headline"] for a in cut] == ["Floods reported across forty districts"]
    assert len(cut[0]["lead"]) == LEAD_CHARS
    assert len(listing.summaries) < len(listing.articles)  # some were never summarized


@pytest.mark.parametrize("kwargs", [
    {},
    {"topics": ["apple"]},
    {"topics": ["nothing about this"]},
    {"limit": 2},
    {"day": "2026-03-11"},  # no story that day: the latest ones before it
    {"day": "2026-03-09"},
    {"visible": lambda name: not name.startswith("chat:")},
    {"keep": lambda story: "Apple" not in story.headline},
    {"settings": SummarySettings(sentences=6, ratio=0.0, max_chars=3500)},
])
def test_briefings_are_identical_on_both_backends(stores, kwargs):
    tiny, pg = stores
    kwargs = {"day": DAY, **kwargs}
    a, b = compose_briefing(tiny, **kwargs), compose_briefing(pg, **kwargs)
    assert a == b
    if "topics" not in kwargs or kwargs["topics"] == ["apple"]:
        assert a.stories


def test_a_briefing_excluding_what_was_sent_marks_updates_alike(stores):
    tiny, pg = stores
    first = compose_briefing(tiny, day=DAY)
    sent = [first.stories[0].article_ids[0]]
    a, b = compose_briefing(tiny, day=DAY, exclude=sent), compose_briefing(pg, day=DAY, exclude=sent)
    assert a == b and any(s.update for s in a.stories)


def test_articles_without_a_stored_summary_are_summarized_from_their_whole_body(stores):
    tiny, pg = stores
    from newsbrief.summaries.summarizer import summarize_record

    settings = SummarySettings(sentences=6, ratio=0.0, max_chars=3500)
    for store in (tiny, pg):
        story = next(s for s in compose_briefing(store, day=DAY, limit=20, settings=settings).stories
                     if s.headline == "Floods reported across forty districts")
        assert store.get_summary(story.article_id) is None
        # the summary is made from the whole body, not from the lead the listing carries
        assert story.summary == tuple(summarize_record(store.get_article(story.article_id), settings))
        assert "district 39 reported flooding overnight." in story.summary[0]  # past the lead


def test_story_lists_are_identical(stores):
    tiny, pg = stores
    assert list_stories(tiny, day=DAY) == list_stories(pg, day=DAY)
    assert list_stories(tiny) == list_stories(pg)

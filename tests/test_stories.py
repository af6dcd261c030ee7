"""Stories: reports of one event grouped as they arrive, briefings made of stories."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import Settings, StorySettings, SummarySettings
from newsbrief.summaries.pipeline.run import prune_old, run_pipeline, summarize_pending
from newsbrief.summaries.store import Store
from newsbrief.summaries.stories.briefing import compose_briefing, story_summary
from newsbrief.summaries.stories.clustering import StoryIndex, cluster_pending

FIXTURES = Path(__file__).parent / "fixtures" / "stories" / "articles.json"
SHARED_BBC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "bbc-dev.jsonl"


def originals() -> list[Article]:
    return [parse_record(r) for r in json.loads(FIXTURES.read_text())]


_SWAPS = {"said": "stated", "on Tuesday": "this week", "about": "around", "company": "firm", "after": "following"}


def rewrite(article: Article, n: int, *, drop_first: bool = True, outlet: str = "Other Outlet") -> Article:
    """A lightly edited copy under another outlet's name: new URL and headline, the first
    sentence dropped, two sentences swapped, a few words changed."""
    sentences = re.split(r"(?<=[.!?])\s+", article.body)
    if drop_first:
        sentences = sentences[1:]
    rng = random.Random(n)
    i = rng.randrange(len(sentences) - 1)
    sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    body = " ".join(sentences) + f" The report was updated {n + 1} times."
    for old, new in list(_SWAPS.items())[: 2 + n % 3]:
        body = body.replace(old, new, 1)
    words = article.headline.split()
    headline = " ".join(["Report:", *words[:-2], "as", "expected"])
    later = (dt.datetime.fromisoformat(article.published) + dt.timedelta(minutes=5 + n)).isoformat()
    return dataclasses.replace(
        article,
        headline=headline,
        body=body,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{n}",
        source=outlet,
        published=later,
    )


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.json") as s:
        yield s


def clustered(store: Store, articles: list[Article]) -> None:
    """Store, summarize and cluster, as the job does (a fresh index each time: it is
    rebuilt from the store, so this also checks that the stored stories are whole)."""
    store.upsert_articles(articles)
    summarize_pending(store, SummarySettings())
    cluster_pending(store, StoryIndex.load(store, StorySettings()))


def test_rewritten_and_resyndicated_copies_join_their_original(store):
    base = originals()
    copies = [rewrite(a, n, outlet=f"Outlet {n}") for n, a in enumerate(base)]
    resyndicated = [
        dataclasses.replace(a, url=a.url.replace("https://", "https://mirror."), source="Mirror") for a in base
    ]
    clustered(store, base)
    clustered(store, copies + resyndicated)
    for original, copy, mirror in zip(base, copies, resyndicated):
        sid = store.story_id_of(original.id)
        assert sid is not None
        assert store.story_id_of(copy.id) == sid, (original.headline, copy.headline)
        # the same text under another URL is an exact duplicate: stored once, never a second story
        assert store.story_id_of(mirror.id) in (sid, None)
    assert len({store.story_id_of(a.id) for a in base}) == len(base)


def test_two_stories_on_one_subject_and_day_stay_apart(store):
    ipad, probe, *_ = originals()
    assert "Apple" in ipad.headline and "Apple" in probe.headline
    clustered(store, [ipad, probe])
    assert store.story_id_of(ipad.id) != store.story_id_of(probe.id)
    # and a second report of each joins the right one
    clustered(store, [rewrite(ipad, 7, outlet="Gadget Blog"), rewrite(probe, 8, outlet="Law Weekly")])
    assert store.story_id_of(rewrite(ipad, 7, outlet="Gadget Blog").id) == store.story_id_of(ipad.id)
    assert store.story_id_of(rewrite(probe, 8, outlet="Law Weekly").id) == store.story_id_of(probe.id)


def test_headline_only_items_get_a_summary_entities_and_a_story(store):
    items = [
        parse_record(
            {
                "title": "Storm Ellen closes motorways across the west",
                "source": "Radio One",
                "url": "https://radio.example/1",
                "published": "2026-03-10T08:00:00Z",
            }
        ),
        parse_record(
            {
                "title": "Storm Ellen: motorways closed and thousands without power",
                "source": "Daily Post",
                "url": "https://post.example/2",
                "published": "2026-03-10T08:20:00Z",
            }
        ),
        parse_record(
            {
                "title": "VIDEO: Storm Ellen batters the west coast",
                "source": "TV Two",
                "url": "https://tv.example/3",
                "published": "2026-03-10T08:40:00Z",
            }
        ),
    ]
    store.upsert_articles(items)
    report = run_pipeline(store, Settings(), ingest=False)
    assert report.failed == []
    assert sorted(report.summarized) == sorted(a.id for a in items)
    for item in items:
        assert store.get_summary(item.id)["sentences"] == [item.headline]
    assert len({store.story_id_of(a.id) for a in items}) == 1
    from newsbrief.summaries.index.entity_index import lookup

    card = lookup(store, "Storm Ellen").card or lookup(store, "Ellen").card
    assert card is not None and card.article_count >= 2


def test_rerunning_changes_nothing_and_a_restart_rebuilds_the_same_stories(tmp_path):
    path = tmp_path / "db.json"
    base = originals()
    copies = [rewrite(a, n) for n, a in enumerate(base)]
    with Store(path) as store:
        clustered(store, base + copies)
        before = {a.id: store.story_id_of(a.id) for a in base + copies}
        assert cluster_pending(store, StoryIndex.load(store, StorySettings())) == []
    with Store(path) as store:
        assert {a.id: store.story_id_of(a.id) for a in base + copies} == before
        assert cluster_pending(store, StoryIndex.load(store, StorySettings())) == []
        # a new report after the restart joins its story as it would have before
        late = rewrite(base[2], 99, outlet="Late Paper")
        clustered(store, [late])
        assert store.story_id_of(late.id) == before[base[2].id]


def test_an_updated_article_is_clustered_again(store):
    storm, football = originals()[2], originals()[3]
    clustered(store, [storm, football])
    old_sid = store.story_id_of(storm.id)
    moved = dataclasses.replace(storm, headline=football.headline + " again", body=football.body.replace("2-1", "3-1"))
    clustered(store, [moved])
    assert store.story_id_of(storm.id) == store.story_id_of(football.id)
    assert store.get_story(old_sid) is None  # its old story emptied and went


def test_pruning_removes_an_article_from_its_story(store):
    base = originals()
    copy = rewrite(base[0], 1)
    store.upsert_articles([base[0]], now="2000-01-01T00:00:00+00:00")  # age counts from when stored
    clustered(store, [copy])
    sid = store.story_id_of(base[0].id)
    assert set(store.get_story(sid)["members"]) == {base[0].id, copy.id}
    assert prune_old(store, 30, today=dt.date(2026, 3, 11)) == [base[0].id]
    assert set(store.get_story(sid)["members"]) == {copy.id}
    assert store.story_id_of(base[0].id) is None
    prune_old(store, 1, today=dt.date(2100, 1, 1))
    assert store.get_story(sid) is None and list(store.iter_stories()) == []


def test_briefing_has_one_slot_per_story_ranked_by_coverage_not_length(store):
    base = originals()
    storm, football = base[2], base[3]
    long_letter = parse_record(
        {
            "title": "Readers' letters: on hedges, parking and the village fete",
            "source": "Letters Page",
            "url": "https://letters.example/1",
            "published": "2026-03-10T22:00:00Z",
            "text": " ".join(
                f"Letter {i}: I write about the state of the hedges on the lane, which is a disgrace this year."
                for i in range(60)
            ),
        }
    )
    storm_reports = [rewrite(storm, n, outlet=f"Paper {n}") for n in range(5)]
    clustered(store, [*base, long_letter, *storm_reports])
    briefing = compose_briefing(store, day="2026-03-10", limit=5)
    sids = [s.story_id for s in briefing.stories]
    assert len(sids) == len(set(sids))  # never the same story twice
    top = briefing.stories[0]
    assert top.story_id == store.story_id_of(storm.id)
    assert len(top.reports) == 6 and len(top.outlets) == 6
    # the longest item, with one outlet, is no evidence of importance: it ranks among the
    # one-report stories (by recency, it is the newest), never above a widely covered one
    letters = next(s for s in briefing.stories if s.headline.startswith("Readers' letters"))
    assert letters.score < top.score / 1.5
    # topics are ranked by relevance, and a topic nothing is about says so
    about = compose_briefing(store, day="2026-03-10", topics=["cup final"])
    assert [s.headline for s in about.stories] == [football.headline]
    assert compose_briefing(store, day="2026-03-10", topics=["cricket"], fallback=False).stories == []


def test_a_story_sent_before_comes_back_only_as_an_update(store):
    storm = originals()[2]
    clustered(store, [storm])
    first = compose_briefing(store, day="2026-03-10")
    sent = [aid for s in first.stories for aid in s.article_ids]
    assert compose_briefing(store, day="2026-03-10", exclude=sent, fallback=False).stories == []
    clustered(store, [rewrite(storm, 3, outlet="Evening Paper")])
    again = compose_briefing(store, day="2026-03-10", exclude=sent, fallback=False)
    assert [s.update for s in again.stories] == [True]
    assert again.stories[0].story_id == first.stories[0].story_id


def test_story_summary_takes_the_lead_then_new_facts_never_twice():
    settings = SummarySettings(sentences=3, max_chars=900)
    lead = ["Storm Ellen closed two motorways and cut power to 80,000 homes.", "Police said a lorry had overturned."]
    other = [
        "Storm Ellen closed two motorways and cut power to 80,000 homes overnight.",
        "Schools in three counties stayed shut.",
    ]
    assert story_summary([lead, other], settings) == [lead[0], lead[1], other[1]]
    assert len(story_summary([lead, lead, lead], settings)) == 2


def test_clustering_is_deterministic_and_order_is_by_time():
    records = [
        {"id": f"a{i}", "headline": h, "body": h, "published": f"2026-03-10T0{i}:00:00+00:00", "content_hash": f"h{i}"}
        for i, h in enumerate(
            [
                "Storm Ellen closes motorways",
                "Storm Ellen leaves thousands without power",
                "United beat City to reach cup final",
                "Cup final: United edge City 2-1",
            ]
        )
    ]
    runs = []
    for _ in range(2):
        idx = StoryIndex(StorySettings())
        runs.append([idx.assign(r)[0] for r in records])
    assert runs[0] == runs[1]
    assert runs[0][0] == runs[0][1] and runs[0][2] == runs[0][3] and runs[0][0] != runs[0][2]


@pytest.mark.skipif(not SHARED_BBC.exists(), reason="../shared/eval/bbc-dev.jsonl is not there")
def test_rewritten_copies_of_the_bbc_dev_articles_join_their_originals(store):
    rows = [json.loads(line) for line in SHARED_BBC.read_text().splitlines()][:40]
    base = [
        parse_record(
            {
                "title": r["title"],
                "text": r["text"],
                "source": "BBC",
                "url": f"https://bbc.example/{r['id']}",
                "published": "2026-03-10T09:00:00Z",
            }
        )
        for r in rows
    ]
    copies = [rewrite(a, n, outlet=f"Outlet {n % 5}") for n, a in enumerate(base)]
    clustered(store, base)
    clustered(store, copies)
    joined = sum(store.story_id_of(c.id) == store.story_id_of(a.id) for a, c in zip(base, copies))
    assert joined == len(base)
    # and the originals, 40 different stories of one day, stay apart
    assert len({store.story_id_of(a.id) for a in base}) >= 38


def test_who_counts_stories_and_never_lists_a_sentence_twice(store):
    from newsbrief.summaries.index.entity_index import format_card, index_articles, lookup

    base = originals()
    probe = base[1]  # Margrethe Vestager, EU antitrust probe into Apple
    copies = [
        dataclasses.replace(
            probe,
            url=f"https://copy{n}.example/probe",
            source=f"Copy {n}",
            headline=f"Apple probe: EU acts ({n})",
            body=probe.body + f" Copy {n} of the wire report.",
        )
        for n in range(3)
    ]
    clustered(store, [*base, *copies])
    index_articles(store, [store.get_article(a.id) for a in [*base, *copies]])
    card = lookup(store, "Vestager").card
    assert card is not None and card.name == "Margrethe Vestager"
    assert card.article_count == 4 and card.story_count == 1
    assert "In 1 story, 4 reports" in format_card(lookup(store, "Vestager"))
    sentences = [m.sentence for m in card.mentions]
    assert len(sentences) == len(set(sentences)) == 1  # four reports of one story, said once

"""Stories at the level of events (#22): one happening per story, ranked by coverage,
told in one voice. Every text here is made up for the test."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import StorySettings, SummarySettings
from newsbrief.summaries.ingest.files import ingest_paths
from newsbrief.summaries.pipeline.run import summarize_pending
from newsbrief.summaries.store import Store
from newsbrief.summaries.stories.briefing import compose_briefing, story_summary
from newsbrief.summaries.stories.clustering import StoryIndex, cluster_pending

DAY = "2026-03-04"


def record(n: int, title: str, outlet: str, hour: float, day: str = DAY) -> dict:
    """One headline-only item as the index sees it (``n`` makes its URL)."""
    when = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC) + dt.timedelta(hours=hour)
    article = parse_record(
        {
            "title": title,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/news/{n}",
            "published": when.isoformat(),
            "source": outlet,
        }
    )
    return article.to_record()


_PLACES = "Dunmore Ashby Carrow Fenwick Halden Kirkby Lanford Morven Penrith Selby".split()
_THINGS = "library tramway marina stadium hospital bypass reservoir museum".split()


def background() -> list[tuple[str, str, float]]:
    """Other news of the days before: a store is never empty, and words weigh by how many
    of its reports hold them."""
    return [
        (f"{place} council approves new {thing} plan", f"Local {place}", -48.0 + i * 0.5)
        for i, (place, thing) in enumerate((p, t) for p in _PLACES for t in _THINGS)
    ]


def grouped(items: list[tuple[str, str, float]]) -> list[str]:
    """The story of each (headline, outlet, hour), after the background news and all of
    them went through one index."""
    idx = StoryIndex(StorySettings())
    for n, (title, outlet, hour) in enumerate(background()):
        idx.assign(record(1000 + n, title, outlet, hour))
    ids = []
    for n, (title, outlet, hour) in enumerate(items):
        rec = record(n, title, outlet, hour)
        idx.assign(rec)
        ids.append(rec["id"])
    return [idx.story_of[a] for a in ids]


def test_two_happenings_about_one_firm_on_one_day_stay_apart():
    stories = grouped(
        [
            ("Vantrell Motors recalls 40,000 Zephyr scooters over faulty brakes", "Daily Ledger", 8.0),
            ("Vantrell Motors recalls Zephyr e-scooters after brake failures", "Coast Herald", 8.5),
            ("Brake fault forces Vantrell Motors to recall Zephyr scooters", "Metro Wire", 9.0),
            ("Vantrell Motors chief executive Dana Okafor resigns after board dispute", "Daily Ledger", 11.0),
            ("Vantrell Motors boss Dana Okafor quits in boardroom row", "Coast Herald", 11.5),
            ("Dana Okafor steps down as Vantrell Motors chief executive", "Metro Wire", 12.0),
        ]
    )
    recall, resignation = set(stories[:3]), set(stories[3:])
    assert len(recall) == 1 and len(resignation) == 1
    assert recall != resignation


def test_one_happening_worded_three_ways_joins():
    stories = grouped(
        [
            ("Parliament of Ostravia ousts prime minister Ivo Marek", "Daily Ledger", 9.0),
            ("Ivo Marek fired as Ostravia's prime minister", "Metro Wire", 9.5),
            ("Ostravian lawmakers sack premier", "Coast Herald", 10.0),
        ]
    )
    assert len(set(stories)) == 1


def test_a_spelling_variant_of_a_name_joins():
    stories = grouped(
        [
            ("Pop star Justin Bieber arrested in Miami over drag race", "Daily Ledger", 9.0),
            ("Bieber held by Miami police after drag racing", "Coast Herald", 9.5),
            ("Justin Beiber mugshot goes viral", "Metro Wire", 10.0),
        ]
    )
    assert len(set(stories)) == 1


def test_a_story_with_two_sub_events_splits():
    fine = [
        "Kestrel Bank fined $40 million over money laundering failures",
        "Regulator fines Kestrel Bank $40 million for anti-money laundering lapses",
        "Kestrel Bank hit with $40 million money laundering fine",
        "Kestrel Bank to pay $40 million fine over laundering controls",
        "$40 million laundering fine for Kestrel Bank",
    ]
    retire = [
        "Kestrel Bank chairman Rolf Lindqvist to retire next year",
        "Rolf Lindqvist will retire as Kestrel Bank chairman",
        "Kestrel Bank says chairman Rolf Lindqvist to retire",
        "Chairman Rolf Lindqvist retiring from Kestrel Bank board",
        "Kestrel Bank begins search as chairman Lindqvist retires",
    ]
    outlets = ["Daily Ledger", "Coast Herald", "Metro Wire", "Money Desk", "City Post"]
    bridge = ("Kestrel Bank fined $40 million; chairman Rolf Lindqvist to retire", "Wire One", 8.2)
    items = [bridge]
    for i in range(5):  # the two happenings' reports arrive interleaved, after one report naming both
        items.append((fine[i], outlets[i], 8.5 + i))
        items.append((retire[i], outlets[(i + 2) % 5], 8.7 + i))
    stories = grouped(items)[1:]
    fine_stories, retire_stories = set(stories[0::2]), set(stories[1::2])
    assert len(fine_stories) == 1 and len(retire_stories) == 1
    assert fine_stories != retire_stories


def test_one_happening_told_two_ways_in_two_stories_merges():
    # the two wordings start a story each (no report of one is close enough to the other's);
    # once both have grown, the two stories are one event and merge
    ousts = [
        "Libyan parliament ousts prime minister Ali Zeidan",
        "Libya parliament votes to oust prime minister Zeidan",
        "Parliament in Libya ousts Zeidan as prime minister",
    ]
    sacked = [
        "Libya PM sacked after vote by lawmakers",
        "Lawmakers sack Libya PM in no-confidence vote",
        "Libya PM Zeidan sacked by lawmakers",
    ]
    items = []
    for i in range(3):
        items.append((ousts[i], f"Outlet A{i}", 8.0 + i * 0.2))
        items.append((sacked[i], f"Outlet B{i}", 8.1 + i * 0.2))
    items.append(("Libya PM Zeidan sacked by parliament vote", "Wire Z", 9.5))
    assert len(set(grouped(items))) == 1
    assert len(set(grouped(items[:-1])[0::2])) == 1 and len(set(grouped(items[:2]))) == 2


def test_a_generic_word_overlap_never_joins():
    stories = grouped(
        [
            ("Things to know in March 2014: the update", "Daily Ledger", 9.0),
            ("March 2014 update: things you need to know", "Coast Herald", 9.5),
        ]
    )
    assert stories[0] != stories[1]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.json") as s:
        yield s


def test_one_late_off_topic_member_does_not_move_a_storys_rank(store):
    outlets = ["Daily Ledger", "Coast Herald", "Metro Wire", "Game Desk", "Pixel Post"]
    morning = [record(i, f"Harbour bridge {i} reopens after repairs", o, 8.0 + i / 10) for i, o in enumerate(outlets)]
    afternoon = [
        record(10 + i, f"City council {i} approves new budget", o, 14.0 + i / 10) for i, o in enumerate(outlets)
    ]
    late = record(99, "Late-night quiz show results", outlets[0], 23.6)
    articles = [parse_record({**a, "title": a["headline"], "text": a["body"]}) for a in morning + afternoon + [late]]
    store.upsert_articles(articles)
    ids = [a.id for a in articles]

    def ranked(with_late: bool) -> list[str]:
        stories = [
            {"id": "smorning", "members": {i: store.get_article(i)["content_hash"] for i in ids[:5]}},
            {"id": "safternoon", "members": {i: store.get_article(i)["content_hash"] for i in ids[5:10]}},
        ]
        if with_late:  # an off-topic item the clustering put into the morning story
            stories[0]["members"][ids[10]] = store.get_article(ids[10])["content_hash"]
        store.put_stories(stories, remove=[])
        briefing = compose_briefing(store, day=DAY, limit=5, fallback=False)
        return [s.story_id for s in briefing.stories]

    before = ranked(False)
    assert before[:2] == ["safternoon", "smorning"]
    assert ranked(True)[:2] == before[:2]


def test_an_identical_headline_from_a_second_outlet_counts_as_a_second_outlet(store, tmp_path):
    title = "Glacier collapse blocks Alpine valley road"
    rows = [
        {
            "title": title,
            "url": "https://dailyledger.example/a",
            "published": f"{DAY}T09:00:00+00:00",
            "source": "Daily Ledger",
        },
        {
            "title": title,
            "url": "https://coastherald.example/b",
            "published": f"{DAY}T09:05:00+00:00",
            "source": "Coast Herald",
        },
    ]
    feed = tmp_path / "items.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ingest_paths(store, [feed])
    summarize_pending(store, SummarySettings())
    cluster_pending(store, StoryIndex.load(store, StorySettings()))
    briefing = compose_briefing(store, day=DAY, limit=5, fallback=False)
    assert len(briefing.stories) == 1
    assert sorted(briefing.stories[0].outlets) == ["Coast Herald", "Daily Ledger"]


def test_a_summary_never_opens_with_an_unresolved_he():
    settings = SummarySettings()
    headline = "Vantrell Motors chief Dana Okafor resigns"
    summaries = [
        ["He said the decision was final and would not be reversed by the board."],
        ["The board of Vantrell Motors accepted the resignation on Tuesday evening after a long meeting."],
    ]
    chosen = story_summary(summaries, settings, headline)
    assert chosen and not chosen[0].startswith("He ")
    # with its antecedent right before it, in the same report, the sentence may follow
    resolved = [
        [
            "Dana Okafor told staff on Tuesday that she would leave the carmaker at the end of the month.",
            "She said the decision was final and would not be reversed by the board.",
        ]
    ]
    assert story_summary(resolved, settings, headline) == resolved[0]


def test_a_story_lifted_by_side_topics_does_not_outrank_a_tighter_event(store):
    """A topic story (one firm's recall, and four other happenings about the firm that the
    clustering put with it) counts only the outlets of its main event: a tighter event with
    more outlets on the event itself ranks above it."""
    recall = [
        "Acme recalls 20,000 blenders over fire risk",
        "Acme blender recall: 20,000 units pulled over fire risk",
        "Fire risk prompts Acme to recall 20,000 blenders",
        "Acme pulls 20,000 blenders from shelves in fire-risk recall",
        "Acme recalls blenders after reports of fires",
    ]
    side = [
        "Acme chief executive to speak at Leeds retail conference",
        "Acme opens flagship store in Cardiff city centre",
        "Acme quarterly profit beats forecasts on strong kettle sales",
        "Acme union talks on warehouse pay resume next week",
    ]
    bridge = [
        "Harbour bridge reopens after two years of repairs",
        "Harbour bridge reopens to traffic after repairs",
        "Repaired harbour bridge reopens two years on",
        "Traffic returns as harbour bridge reopens after repairs",
        "Harbour bridge back open after lengthy repairs",
        "Harbour bridge reopening ends two years of detours",
        "Drivers cheer as harbour bridge reopens after repairs",
    ]
    topic = [record(i, t, f"Paper {i}", 9.0 + i / 10) for i, t in enumerate(recall + side)]
    event = [record(20 + i, t, f"Gazette {i}", 9.0 + i / 10) for i, t in enumerate(bridge)]
    articles = [parse_record({**a, "title": a["headline"], "text": a["body"]}) for a in topic + event]
    store.upsert_articles(articles)
    ids = [a.id for a in articles]
    store.put_stories(
        [
            {"id": "sacme", "members": {i: store.get_article(i)["content_hash"] for i in ids[: len(topic)]}},
            {"id": "sbridge", "members": {i: store.get_article(i)["content_hash"] for i in ids[len(topic) :]}},
        ],
        remove=[],
    )
    briefing = compose_briefing(store, day=DAY, limit=5, fallback=False)
    assert [s.story_id for s in briefing.stories][:2] == ["sbridge", "sacme"]
    acme = briefing.stories[1]
    assert len(acme.outlets) == 9 and len(briefing.stories[0].outlets) == 7  # every outlet is still named


def test_the_days_stories_rank_by_coverage_not_by_the_hour(store):
    """Every story of the briefing's day is fresh: this morning's story with more outlets
    ranks above this evening's with fewer."""
    morning = [record(i, f"Harbour bridge reopens after repairs, report {i}", f"Paper {i}", 7.0) for i in range(6)]
    evening = [record(10 + i, f"Council approves new tram budget, report {i}", f"Paper {i}", 21.0) for i in range(5)]
    articles = [parse_record({**a, "title": a["headline"], "text": a["body"]}) for a in morning + evening]
    store.upsert_articles(articles)
    ids = [a.id for a in articles]
    groups = {"smorning": ids[:6], "sevening": ids[6:]}
    store.put_stories(
        [
            {"id": sid, "members": {i: store.get_article(i)["content_hash"] for i in members}}
            for sid, members in groups.items()
        ],
        remove=[],
    )
    briefing = compose_briefing(store, day=DAY, limit=5, fallback=False)
    assert [s.story_id for s in briefing.stories][:2] == ["smorning", "sevening"]


def _launch_then_recall(disabled: tuple[str, ...] = ()) -> tuple[list[str], list[str], list[str]]:
    """A car's launch, then its recall: the first recall reports name the car as the launch
    reports do, the later ones only the recall. The stories of the launch reports, the
    early recall reports and the later recall reports."""
    launch = [
        "Orvane Motors unveils Vireo electric sedan",
        "Orvane Motors shows off new Vireo electric sedan",
        "Vireo electric sedan unveiled by Orvane Motors",
        "Orvane Motors takes the wraps off its Vireo sedan",
        "First look at the Orvane Vireo electric sedan",
        "Orvane Motors launches Vireo sedan with 400-mile range",
    ]
    early = [
        "Orvane Motors recalls Vireo electric sedan over brake fault",
        "Orvane Vireo sedan recalled for faulty brakes",
    ]
    later = [
        "Orvane recalls 40,000 cars over faulty brake fault",
        "Brake fault prompts Orvane to recall 40,000 cars",
        "Orvane to recall 40,000 cars for brake fault",
        "40,000 Orvane cars recalled over brake fault",
    ]
    idx = StoryIndex(StorySettings(), disabled=disabled)
    for n, (title, outlet, hour) in enumerate(background()):
        idx.assign(record(1000 + n, title, outlet, hour))
    items = [(t, f"Auto Desk {i}", 8.0 + 0.1 * i) for i, t in enumerate(launch)]
    items += [(t, f"Car Wire {i}", 9.0 + 0.1 * i) for i, t in enumerate(early)]
    items += [(t, f"Recall Post {i}", 9.5 + 0.1 * i) for i, t in enumerate(later)]
    ids = []
    for n, (title, outlet, hour) in enumerate(items):
        rec = record(n, title, outlet, hour)
        idx.assign(rec)
        ids.append(rec["id"])
    stories = [idx.story_of[a] for a in ids]
    return stories[: len(launch)], stories[len(launch) : len(launch) + len(early)], stories[len(launch) + len(early) :]


def test_an_early_report_of_a_second_event_moves_to_its_story_once_that_grows():
    launch, early, later = _launch_then_recall()
    assert len(set(launch)) == 1 and len(set(later)) == 1 and set(launch) != set(later)
    assert set(early) == set(later)  # the early recall reports left the launch story
    _launch, early_kept, _later = _launch_then_recall(("rehome",))
    assert set(early_kept) & set(launch)  # without the check one stays with the launch

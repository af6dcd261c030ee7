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

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import StorySettings, SummarySettings
from newsbrief.summaries.pipeline.run import summarize_pending
from newsbrief.summaries.store import TinyStore
from newsbrief.summaries.store.base import LEAD_CHARS
from newsbrief.summaries.store.transfer import copy_store
from newsbrief.summaries.stories.briefing import compose_briefing, list_stories
from newsbrief.summaries.stories.clustering import StoryIndex, cluster_pending

FIXTURES = Path(__file__).parent / "fixtures" / "stories" / "articles.json"
DAY = "2026-03-10"


def _copy(article: Article, n: int, outlet: str) -> Article:
    """Another outlet's report of the same event: sentences reordered, a line added."""
    sentences = article.body.split(". ")
    body = ". ".join(sentences[1:] + sentences[:1]) + f" Our reporter {outlet} adds detail {n}."
    later = (
        dt.datetime.fromisoformat(article.published.replace("Z", "+00:00")) + dt.timedelta(minutes=7 + n)
    ).isoformat()
    return dataclasses.replace(
        article,
        headline=f"{article.headline} ({outlet})",
        body=body,
        source=outlet,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{n}",
        published=later,
    )


def corpus() -> list[Article]:
    base = [parse_record(r) for r in json.loads(FIXTURES.read_text())]
    copies = [_copy(a, n, f"Outlet {n % 3}") for n, a in enumerate(base * 2)]
    # a report whose first sentence runs past the lead a listing carries
    long_first = "Officials said " + " and ".join(f"district {i} reported flooding overnight" for i in range(40)) + "."
    long_one = Article(
        headline="Floods reported across forty districts",
        body=long_first + " Schools stay shut today.",
        date=DAY,
        source="Long Wire",
        url="https://longwire.example/floods",
        published=f"{DAY}T06:00:00+00:00",
    )
    yesterday = Article(
        headline="Council approves budget after long debate",
        date="2026-03-09",
        source="City Paper",
        body="The city council approved the budget on Monday. The vote was seven to two. "
        "Members argued for six hours about bus fares.",
        url="https://citypaper.example/budget",
        published="2026-03-09T18:00:00+00:00",
    )
    chat_only = dataclasses.replace(
        base[2],
        headline="Storm Ellen: what we saw",
        source="chat:42:abc",
        url="https://own.example/storm",
        body=base[2].body + " A reader sent photos.",
        published="2026-03-10T08:00:00+00:00",
    )
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
    pg = PostgresStore(pg_url)
    assert copy_store(tiny, pg).ok
    yield tiny, pg
    tiny.close()
    pg.close()


def _normal(listing):
    return (
        listing.articles,
        listing.story_of,
        {k: sorted(v, key=lambda a: a["id"]) for k, v in listing.members.items()},
        listing.summaries,
    )


def test_story_listing_is_the_same_without_bodies(stores):
    tiny, pg = stores
    for kwargs in ({"on_date": DAY}, {"on_date": "2026-03-09"}, {"limit": 5}, {}):
        a, b = tiny.story_listing(**kwargs), pg.story_listing(**kwargs)
        assert _normal(a) == _normal(b), kwargs
    listing = pg.story_listing(on_date=DAY)
    assert listing.articles and all("body" not in a and "lead" in a for a in listing.articles)
    assert any(len(ms) > 1 for ms in listing.members.values())  # stories of several reports
    cut = [a for a in listing.articles if a["body_cut"]]
    assert cut and all(len(a["lead"]) == LEAD_CHARS for a in cut)
    # only one was cut before its first sentence ended (the briefing reads that one whole)
    assert [a["headline"] for a in cut if ". " not in a["lead"]] == ["Floods reported across forty districts"]
    assert len(listing.summaries) < len(listing.articles)  # some were never summarized


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"topics": ["apple"]},
        {"topics": ["nothing about this"]},
        {"limit": 2},
        {"day": "2026-03-11"},  # no story that day: the latest ones before it
        {"day": "2026-03-09"},
        {"visible": lambda name: not name.startswith("chat:")},
        {"keep": lambda story: "Apple" not in story.headline},
        {"settings": SummarySettings(sentences=6, ratio=0.0, max_chars=3500)},
    ],
)
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
    from newsbrief.summaries.nlp.summarizer import summarize_record

    settings = SummarySettings(sentences=6, ratio=0.0, max_chars=3500)
    for store in (tiny, pg):
        story = next(
            s
            for s in compose_briefing(store, day=DAY, limit=20, settings=settings).stories
            if s.headline == "Floods reported across forty districts"
        )
        assert store.get_summary(story.article_id) is None
        # the summary is made from the whole body, not from the lead the listing carries
        assert story.summary == tuple(summarize_record(store.get_article(story.article_id), settings))
        assert "district 39 reported flooding overnight." in story.summary[0]  # past the lead


def test_a_row_without_its_light_record_is_listed_alike(stores):
    tiny, pg = stores
    with pg.connection() as conn:
        conn.execute("UPDATE articles SET light = NULL WHERE date = %s", (DAY,))
    assert _normal(pg.story_listing(on_date=DAY)) == _normal(tiny.story_listing(on_date=DAY))
    assert compose_briefing(pg, day=DAY) == compose_briefing(tiny, day=DAY)
    assert not pg.__dict__.get("_derived")  # a briefing built no index in memory


def test_story_lists_are_identical(stores):
    tiny, pg = stores
    assert list_stories(tiny, day=DAY) == list_stories(pg, day=DAY)
    assert list_stories(tiny) == list_stories(pg)


# -- /who --------------------------------------------------------------------------------

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_eeb52cb6227b42a1.txt"


def _news() -> list[Article]:
    """The seed article, the story fixtures and a few short reports naming the same people."""
    from newsbrief.summaries.articles.formats import read_articles

    def a(headline: str, body: str, date: str, source: str = "Wire") -> Article:
        return Article(
            headline=headline,
            body=body,
            date=date,
            source=source,
            url=f"https://{source.lower().replace(' ', '').replace(':', '')}.example/{abs(hash(headline))}",
        )

    return [
        *read_articles(SEED),
        *[parse_record(r) for r in json.loads(FIXTURES.read_text())],
        a(
            "Rajnath Singh visits Ladakh",
            "Defence Minister Rajnath Singh visited Ladakh on Monday. He met soldiers at a forward post.",
            "2025-07-01",
        ),
        a(
            "Singh meets troops",
            "Rajnath Singh met the troops. Rajnath Singh said they were ready.",
            "2025-07-02",
            "Daily",
        ),
        a(
            "Mann opens hospital",
            "Punjab Chief Minister Bhagwant Singh Mann opened a hospital in Amritsar.",
            "2025-07-03",
        ),
        a("Hegseth in Sydney", "Secretary Hegseth arrived in Sydney on Friday.", "2025-07-20", "Daily"),
        a(
            "Jaishankar in Beijing",
            "External Affairs Minister S Jaishankar met Chinese Foreign Minister Wang Yi in "
            "Beijing. Wang Yi said the talks were useful.",
            "2025-07-30",
        ),
        a(
            "Electronic Arts cuts jobs",
            "Electronic Arts (EA) said on Tuesday it would cut 300 jobs. "
            "Chief executive Andrew Wilson told staff in Redwood City.",
            "2025-07-29",
        ),
        a(
            "EA shares rise",
            "Shares in EA rose after the cuts. Andrew Wilson said games would ship on time.",
            "2025-07-30",
            "Daily",
        ),
        a(
            "Wilson speaks",
            "EA boss Andrew Wilson spoke at a conference in London on Wednesday.",
            "2025-07-31",
            "chat:7:abc",
        ),
        a(
            "Dixit in Delhi",
            "Air Marshal Ashutosh Dixit met Australian officers in New Delhi on Thursday.",
            "2025-07-31",
            "chat:7:abc",
        ),
        a(
            "Priya Raman wins prize",
            "Novelist Priya Raman won the Hindu prize in Chennai on Friday.",
            "2025-07-31",
            "chat:9:xyz",
        ),
    ]


QUERIES = [
    "Hegseth",
    "Pete Hegseth",
    "pete hegseth",
    "Secretary Hegseth",
    "Singh",
    "Rajnath Singh",
    "Mann",
    "Jaishankar",
    "S Jaishankar",
    "Wang Yi",
    "EA",
    "Electronic Arts",
    "Andrew Wilson",
    "Wilson",
    "Dixit",
    "Ashutosh Dixit",
    "Air Marshal Ashutosh Dixit",
    "Joshua Rudd",
    "Rudd",
    "Apple",
    "Tim Cook",
    "Talisman Sabre",
    "India",
    "Australia",
    "Priya Raman",
    "Raman",
    "Hegsith",
    "Jaishenkar",
    "Rajnath Sing",
    "Ashutosh Dixon",
    "Electronc Arts",  # typos
    "Zebulon Quarrington",
    "Qwxyz",
    "Dixon",
    "",  # misses
]
VISIBLE = [None, lambda name: not name.startswith("chat:"), lambda name: name != "Wire" and name != "chat:9:xyz"]


def _same(card):
    """A card as compared: its article ids are not listed by a server store (a popular
    entity has very many; ``article_count`` and ``story_count`` say how many)."""
    return None if card is None else dataclasses.replace(card, article_ids=())


def _answers(store, names):
    from newsbrief.summaries.index.entity_index import lookup

    out = []
    for visible in VISIBLE:
        for name in names:
            r = lookup(store, name, visible=visible)
            out.append((name, _same(r.card), r.others, r.suggestions, r.fuzzy))
    return out


@pytest.fixture
def indexed(nlp, tmp_path, pg_url):
    """The same news indexed on TinyDB (the in-memory index) and on PostgreSQL (the index
    writing its documents, the store deriving its lookup tables), in several batches, with
    a re-index and a pruning on the way."""
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store.postgres import PostgresStore

    news = _news()
    tiny = TinyStore(tmp_path / "db.json")
    pg = PostgresStore(pg_url)
    for store in (tiny, pg):
        store.upsert_articles(news[:12])
        records = [store.get_article(a.id) for a in news[:12]]
        cluster_pending(store, StoryIndex.load(store, StorySettings()))
        ei.index_articles(store, records[:3])
        ei.index_articles(store, records[3:9])
        store.upsert_articles(news[12:])  # clustered after they were indexed: the story counts follow
        records += [store.get_article(a.id) for a in news[12:]]
        ei.index_articles(store, [records[1], records[8]])  # re-indexed: replaced, not added
        ei.index_articles(store, records[9:])
        cluster_pending(store, StoryIndex.load(store, StorySettings()))
        ei.forget_articles(store, [records[4]["id"]])  # pruned
        store.remove_articles([records[4]["id"]])
    yield tiny, pg
    tiny.close()
    pg.close()


def test_who_cards_are_equal_on_both_backends(indexed, tmp_path):
    tiny, pg = indexed
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store.postgres import PostgresStore

    names = QUERIES + [c.name for c in ei.list_entities(tiny, top=None)]
    expected = _answers(tiny, names)
    assert _answers(pg, names) == expected
    with PostgresStore(pg.url) as bot:  # another process: the bot's
        assert _answers(bot, names) == expected
        assert "entity-index" not in bot.__dict__.get("_derived", {})  # no index in memory
    found = {name: (card, others, fuzzy) for name, card, others, _s, fuzzy in expected[: len(QUERIES)]}
    assert found["Hegseth"][0].name == "Pete Hegseth" and found["Hegseth"][1] == ["Hegseth"]  # surname: others
    assert found["EA"][0].name == "Electronic Arts"  # a defined acronym
    assert found["Jaishenkar"][0].name == "S Jaishankar" and found["Jaishenkar"][2]  # did you mean
    assert found["Zebulon Quarrington"][0] is None
    misses = {name: sugg for name, card, _o, sugg, _f in expected[: len(QUERIES)] if card is None}
    assert misses["Dixon"] == ["Ashutosh Dixit"] and misses["Hegsith"] == ["Pete Hegseth", "Hegseth"]
    # chats that do not see a source do not see what only it says
    hidden = _answers(pg, ["Priya Raman"])
    assert hidden[0][1] is not None and hidden[1][1] is None and hidden[2][1] is None


def test_who_equals_an_index_loaded_from_the_same_documents(indexed, tmp_path):
    """A fresh process's in-memory index (loaded from the documents, not built as they
    were written) answers as PostgreSQL does. (Copied from TinyDB: PostgreSQL's jsonb
    keeps an object's keys in its own order, so an index loaded from it orders equal
    co-mentions otherwise.)"""
    tiny, pg = indexed
    again = TinyStore(tmp_path / "copy.json")
    assert copy_store(tiny, again).ok
    assert _answers(again, QUERIES) == _answers(pg, QUERIES)
    again.close()


def test_who_buttons_and_a_database_made_before_the_lookup_tables(indexed, tmp_path, pg_url):
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store.postgres import PostgresStore

    tiny, pg = indexed
    token = ei.name_token("Pete Hegseth")
    assert ei.name_for_token(pg, token) == ei.name_for_token(tiny, token) == "Pete Hegseth"
    assert ei.name_for_token(pg, "0" * 16) is None
    # the derived tables of an older database are filled by its migration
    with pg.connection() as conn:
        conn.execute("DELETE FROM newsbrief_schema WHERE version >= 4")  # the lookup tables came with 4
        conn.execute("DROP TABLE entity_totals, entity_co, entity_story, entity_refs, entity_names, entity_names_gone")
        conn.execute("DROP SEQUENCE entity_names_added")
        conn.execute("ALTER TABLE articles DROP COLUMN light")
    loaded = TinyStore(tmp_path / "loaded.json")  # an index loaded from these documents, as they are stored here
    assert copy_store(pg, loaded).ok
    with PostgresStore(pg_url) as migrated:
        assert migrated.table_counts()["entities"] == len(loaded.documents("entities"))
        assert _answers(migrated, QUERIES) == _answers(loaded, QUERIES)
        assert compose_briefing(migrated, day="2025-07-27") == compose_briefing(loaded, day="2025-07-27")
    loaded.close()


def _reads_answers(store, keys, names, surnames):
    """Every read ``/who`` makes, of these entities and names, on one store."""
    from newsbrief.summaries.index.entity_index import entity_reads

    reads = entity_reads(store)
    with reads.reading():
        totals = reads.entity_totals(keys)
        articles = sorted({r.article for key in keys for r in reads.entity_refs(key, 10**6)})
        choices = reads.entity_choices()
        return {
            "keys": reads.entity_keys(names),
            "surnames": reads.entity_keys(surnames, surnames=True),
            "totals": totals,
            "brief": {
                k: (t.name, t.type, dict(t.surfaces), t.articles, t.mentions, t.last)
                for k, t in reads.entity_totals(keys, brief=True).items()
            },
            "heads": reads.entity_heads(keys),
            "sources": {k: reads.entity_sources(k) for k in keys},
            "co": {k: dict(reads.entity_co(k, 10**6)) for k in keys},
            "co top": {k: [n for _, n in reads.entity_co(k, 3)] for k in keys},
            "refs": {k: reads.entity_refs(k, 10**6) for k in keys},
            "refs skipping": {k: reads.entity_refs(k, 2, skip=articles[::2]) for k in keys},
            "stories": {
                k: (reads.entity_story_count(k), reads.entity_story_count(k, skip=articles[::3])) for k in keys
            },
            "spans": {k: (reads.entity_span(k), reads.entity_span(k, skip=articles[1::2])) for k in keys},
            "hidden": {k: sorted(reads.entity_hidden_refs(k, ["Wire", "chat:7:abc", ""])) for k in keys},
            "of articles": {a: sorted(ks) for a, ks in reads.entity_keys_of_articles(articles).items()},
            "stories of": reads.stories_of(articles),
            "choices": (sorted(choices.names), sorted(choices.surnames)),
            "tokens": {t.name: reads.entity_by_token(ei_token(t.name)) for t in totals.values()},
            "no token": reads.entity_by_token("0" * 16),
        }


def ei_token(name):
    from newsbrief.summaries.index.entity_index import name_token

    return name_token(name)


def test_the_entity_reads_are_the_same_on_both_backends(indexed, tmp_path):
    """The contract of ``/who``'s reads: the index in memory (TinyDB) and the store's
    derived tables (PostgreSQL) give the same answers to every read, so that the one
    ``/who`` (summaries.index.lookup) answers alike on both."""
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store.postgres import PostgresStore

    tiny, pg = indexed
    assert tiny.entity_reads() is None and pg.entity_reads() is pg
    idx = ei.get_index(tiny)
    keys = sorted(k for k, e in idx.entities.items() if e.articles)
    names = sorted(idx.names) + ["nobody at all"]
    surnames = sorted(idx.surnames) + ["nobody"]
    expected = _reads_answers(tiny, keys, names, surnames)
    assert expected["keys"] and expected["surnames"] and any(expected["hidden"].values())
    assert any(len(r) > 1 for r in expected["refs"].values()) and any(expected["co"].values())
    assert expected["tokens"] == {t.name: t.name for t in expected["totals"].values()}
    assert _reads_answers(pg, keys, names, surnames) == expected
    with PostgresStore(pg.url) as bot:  # another process: no index in memory
        assert _reads_answers(bot, keys, names, surnames) == expected


def test_entity_documents_of_an_older_release_are_written_again(indexed, tmp_path):
    """An ``e:`` document written before it carried what /who reads (a store copied from
    an older release) is written again whole by the next scheduled re-index, and the
    server store's lookup tables follow it."""
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store.postgres import PostgresStore

    tiny, pg = indexed
    before = _answers(tiny, ["Pete Hegseth", "Hegseth"])
    doc = pg.document("entities", "e:p:pete hegseth")
    old = {k: v for k, v in doc.items() if k not in ("lookup", "surfaces", "card_roles")}
    pg.put_documents("entities", [old])
    with pg.connection() as conn:  # as an older release's copy left them: no names for it
        conn.execute("DELETE FROM entity_names WHERE entity = 'p:pete hegseth'")
    with PostgresStore(pg.url) as bot:
        card = ei.lookup(bot, "Pete Hegseth").card
        assert card is None or card.name != "Pete Hegseth"
    with PostgresStore(pg.url) as worker:  # its index reads the documents as stored
        assert ei.reindex_stale(worker) == 0  # no article to re-extract; the entity document is written again
        assert ei.refresh_entity_documents(worker) == 0
    again = pg.document("entities", "e:p:pete hegseth")
    # (the index that wrote it again was loaded from jsonb, which orders an object's keys its own way)
    assert {**again, "surfaces": dict(again["surfaces"])} == {**doc, "surfaces": dict(doc["surfaces"])}
    with PostgresStore(pg.url) as bot:
        assert _answers(bot, ["Pete Hegseth", "Hegseth"]) == before


def test_ids_by_prefix_and_keyword_search_are_alike(stores):
    from newsbrief.summaries.stories.briefing import find_articles

    tiny, pg = stores
    ids = tiny.article_ids()
    for prefix in (ids[3][:6], ids[0][:1], "ffffffffff", ""):
        expected = [i for i in ids if i.startswith(prefix)]
        assert tiny.article_ids_starting(prefix) == pg.article_ids_starting(prefix) == expected
        assert pg.article_ids_starting(prefix, 2) == expected[:2]
    for query in (ids[3][:8], "Apple chip", "storm power homes", "nothing matches this"):
        assert [a["id"] for a in find_articles(pg, query)] == [a["id"] for a in find_articles(tiny, query)]
    assert find_articles(pg, "Apple chip")


def test_fuzzy_matching_by_length_finds_what_a_full_scan_finds():
    """Choices.extract skips names whose length alone keeps them under the cutoff: the
    names and scores found are those of rapidfuzz over every name."""
    import random

    from rapidfuzz import fuzz, process

    from newsbrief.summaries.store.entity_rows import Choices

    rng = random.Random(5)
    syllables = [c + v for c in "bdklmnrst" for v in "aeiou"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))

    names = list(dict.fromkeys([word() for _ in range(3000)] + [f"{word()} {word()}" for _ in range(3000)]))
    choices = Choices(names, names[:500])
    queries = [names[7], names[7][:-1] + "x", names[4000] + "a", "ka", "zzzz", word() + " " + word() + " " + word()]
    for query in queries:
        for cutoff, limit in ((88, 8), (60, 30), (65, 10)):
            full = process.extract(query, names, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
            found = choices.extract(query, cutoff=cutoff, limit=limit)
            assert sorted(s for _, s, _ in full) == sorted(s for _, s in found), (query, cutoff)
            best = {c for c, s, _ in full if s > min((x[1] for x in full), default=0)}
            assert best <= {c for c, _ in found}  # only ties at the cut may differ
            two = [n for n in names if len(n.split()) == 2]  # names of one shape only (suggestions)
            full = process.extract(query, two, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
            found = choices.extract(query, cutoff=cutoff, limit=limit, words=2)
            assert sorted(s for _, s, _ in full) == sorted(s for _, s in found), (query, cutoff)
            assert all(len(c.split()) == 2 for c, _ in found)


def test_fuzzy_lookups_search_the_names_of_the_most_mentioned_entities(indexed, tmp_path, monkeypatch):
    """On a large database a bot process keeps only the names of the entities with most
    articles for "did you mean": its memory and the time of a fuzzy lookup stay bounded.
    Exact names still reach every entity; the names are read again when they change, in
    the background once a read is slow."""
    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.store import postgres
    from newsbrief.summaries.store.postgres import PostgresStore

    tiny, pg = indexed
    with pg.connection() as conn:
        ranked = conn.execute("SELECT entity, articles, last FROM entity_totals").fetchall()
        ranked.sort(key=lambda r: r[0])
        ranked.sort(key=lambda r: (r[1], r[2]), reverse=True)
        top = [r[0] for r in ranked[:4]]
        expected = {
            a for (a,) in conn.execute("SELECT alias FROM entity_names WHERE kind = 'n' AND entity = ANY(%s)", (top,))
        }
        everything = {a for (a,) in conn.execute("SELECT alias FROM entity_names WHERE kind = 'n'")}
    assert len(ranked) > 10 and len(expected) < len(everything)
    with PostgresStore(pg.url, fuzzy_entities=4) as bot:
        assert set(bot.entity_choices().names) == expected
        rare = "Priya Raman"
        assert ei.lookup(bot, rare).card.name == rare  # exact: any entity
        assert ei.lookup(pg, "Priya Ramen").card.name == rare  # a typo: found among every name...
        assert ei.lookup(bot, "Priya Ramen").card is None  # ...not among the most mentioned
        typos = 0
        for key in top:
            name = ei.lookup(bot, key[2:]).card.name
            typo = name[:-2] + ("x" if name[-2] != "x" else "y") + name[-1]
            if len(name) >= 9:
                found = ei.lookup(bot, typo)
                assert found.fuzzy and found.card.name == name, typo
                typos += 1
        assert typos  # names that came are read again; once a read was slow, in the background
        monkeypatch.setattr(postgres.entities, "CHOICES_TTL", 0.0)
        before = bot.entity_choices()
        bot._choices.update(cost=1.0, read_at=0.0)
        with pg.connection() as conn:  # an entity that now has the most articles
            conn.execute("UPDATE entity_totals SET articles = 1000 WHERE entity = %s", (ranked[-1][0],))
            conn.execute(
                "INSERT INTO entity_names (kind, alias, entity) VALUES ('n', 'zanzibar quay', %s)", (ranked[-1][0],)
            )
        assert bot.entity_choices() is before  # the read runs in the background meanwhile
        for thread in [t for t in __import__("threading").enumerate() if t.name == "newsbrief-names"]:
            thread.join(10)
        assert "zanzibar quay" in bot.entity_choices().names
        assert bot.entity_choices() is not before


def test_a_surname_that_reaches_many_people_answers_as_the_index_does(tmp_path, pg_url, monkeypatch):
    """On PostgreSQL a bare surname that reaches many entities reads the totals of only
    the first of them (ranked by name, articles and last date first): the card and the
    other names are still those of the in-memory index."""
    import random

    from newsbrief.summaries.index import entity_index as ei
    from newsbrief.summaries.index import lookup as el
    from newsbrief.summaries.store.postgres import PostgresStore

    rng = random.Random(11)
    firsts = [
        f"{a}{b}{c}"
        for a in ("Ade", "Chi", "Ngo", "Obi", "Uche", "Kele")
        for b in ("la", "mi", "ro", "zi", "ke")
        for c in ("", "na", "du", "bo", "ta", "ye", "fo", "gu")
    ]
    people = [f"{f} Okafor" for f in firsts] + [f"{f} Okafor-{i}" for i, f in enumerate(firsts[:5])]
    news, docs = [], []
    for i in range(400):
        day = f"2025-06-{1 + i % 28:02d}"
        art = Article(
            headline=f"Report {i}",
            body=f"Something happened {i}. People spoke.",
            date=day,
            source="Wire",
            url=f"https://wire.example/{i}",
        )
        news.append(art)
        ents = {}
        for name in {people[rng.randrange(50)], people[rng.randrange(50)], rng.choice(people)}:
            n = rng.randint(1, 3)
            enc = {"t": "person", "n": n, "names": {name: n}, "s": 0}
            if people.index(name) >= 50 and rng.random() < 0.5:  # the news wrote the surname alone (of people
                # less prominent than the first fifty): a better answer to it, not read at first
                enc["surf"] = {name: 1, "Okafor": n}
            ents["p:" + name.lower()] = enc
        if i == 0:  # a lone-word person, and an organisation of that name, in one article each
            ents["p:okafor"] = {"t": "person", "n": 1, "names": {"Okafor": 1}, "s": 0}
            ents["n:okafor"] = {"t": "organisation", "n": 1, "names": {"Okafor": 1}, "s": 0}
        docs.append(
            {
                "k": "a:" + art.id,
                "article": art.id,
                "date": day,
                "headline": art.headline,
                "seq": i,
                "v": 3,
                "sents": [f"{next(iter(ents.values()))['names']} spoke."],
                "ents": ents,
            }
        )
    tiny = TinyStore(tmp_path / "db.json")
    pg = PostgresStore(pg_url)
    tiny.upsert_articles(news)
    tiny.put_documents("entities", docs)
    idx = ei.get_index(tiny)  # the entity documents as the index writes them with these
    pg.upsert_articles(news)
    pg.put_documents("entities", docs + [idx.entity_doc_payload(key) for key in sorted(idx.entities)])
    with pg.connection() as conn:
        reached = conn.execute("SELECT count(*) FROM entity_names WHERE kind = 'n' AND alias = 'okafor'").fetchone()[0]
    assert reached > 3 * 32  # more than the candidates read at first
    queries = [
        "Okafor",
        "okafor",
        "Mr Okafor",
        "Adela Okafor",
        "Okafar",
        "Okafor-2",
        "Chimi Okafor",
        "Zed Okafro",
        "Okafro",
        "Chimi Okafro",
    ]

    def answers(store):
        return [
            (q, _same(r.card), r.others, r.suggestions, r.fuzzy)
            for visible in VISIBLE[:2]
            for q in queries
            for r in [ei.lookup(store, q, visible=visible)]
        ]

    read, totals_of = [], pg.entity_totals

    def counted(keys, brief=False):
        keys = list(keys)
        read.append(len(keys))
        return totals_of(keys, brief=brief)

    monkeypatch.setattr(pg, "entity_totals", counted)
    ei.lookup(pg, "Okafor")
    assert 32 < max(read) < reached  # more than the first candidates', not every one's
    read.clear()
    assert len(ei.lookup(pg, "Zed Okafro").suggestions) == 5  # "did you mean" people of a near surname
    assert max(read) < reached
    bounded = answers(pg)
    monkeypatch.setattr(el, "_HEADS_OVER", 10**9)  # every candidate's totals read
    assert bounded == answers(pg)
    # the index's answers (it orders people of equal rank otherwise: the names may differ at a tie)
    for (q, card, others, sugg, fuzzy), (_, card2, others2, sugg2, fuzzy2) in zip(bounded, answers(tiny)):
        assert (card, len(others), len(sugg), fuzzy) == (card2, len(others2), len(sugg2), fuzzy2), q
    answer = ei.lookup(pg, "Okafor")
    assert answer.card.name == "Okafor" and len(answer.others) == 5  # its own name first, then the people
    tiny.close()
    pg.close()


def test_the_read_cache_lets_go_of_what_ran_out():
    """What a listing prefetched lives a second; the next prefetch drops what ran out, so
    the bot does not keep a day's articles whole until the cache is full."""
    from newsbrief.summaries.store.postgres.cache import ReadCache

    clock = [100.0]
    cache = ReadCache(ttl=1.0, size=1000, clock=lambda: clock[0])
    cache.put_many("article", {str(i): {"id": str(i)} for i in range(300)})
    assert cache.get("article", "7") == (True, {"id": "7"})
    clock[0] += 0.5
    cache.put_many("article", {"7": {"id": "7", "v": 2}})  # put again: lives on from now
    clock[0] += 0.7
    cache.put_many("story", {"s1": {"id": "s1"}})
    assert len(cache._data) == 2  # the 299 that ran out are gone
    assert cache.get("article", "7") == (True, {"id": "7", "v": 2}) and cache.get("article", "8") == (False, None)

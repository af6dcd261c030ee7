"""The store's contract, written once and run against every backend: TinyDB (a file) and
PostgreSQL (a real server started by ``pgserver``; skipped with the reason if it cannot
start)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pgtest import pg_url  # noqa: F401  (fixture)

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.store import Capabilities, NewsStore, NotSupported, StoreError, TinyStore

BACKENDS = ["tinydb", "postgres"]


@pytest.fixture(params=BACKENDS)
def opener(request, tmp_path) -> Callable[..., NewsStore]:
    """Opens the same database again each call (to check what survives a reopen)."""
    if request.param == "tinydb":
        return lambda **kw: TinyStore(tmp_path / "db.json", **kw)
    url = request.getfixturevalue("pg_url")
    from newsbrief.summaries.store.postgres import PostgresStore

    return lambda **kw: PostgresStore(url, **kw)


@pytest.fixture
def store(opener):
    s = opener()
    yield s
    s.close()


def art(
    i: int, *, date: str = "2025-07-27", body: str | None = None, url: str = "", headline: str | None = None
) -> Article:
    return Article(
        headline=headline or f"Headline number {i}",
        body=body or f"Body of story {i}. It says {i} things.",
        date=date,
        agency="TEST",
        source="wire",
        url=url,
    )


def test_upsert_reports_added_updated_unchanged_and_duplicates(store):
    a, b = art(1), art(2)
    first = store.upsert_articles([a, b], now="2025-07-27T05:00:00+00:00")
    assert first.added == [a.id, b.id] and not first.updated and not first.duplicates
    changed = art(1, body="A corrected body of story one.")
    copy = art(3, body=b.body)  # another id, the same cleaned body as b
    again = store.upsert_articles([changed, b, copy, copy], now="2025-07-28T05:00:00+00:00")
    assert again.updated == [a.id]
    assert again.unchanged == [b.id]
    assert again.duplicates == [(copy.id, b.id), (copy.id, b.id)]
    stored = store.get_article(a.id)
    assert stored["body"] == changed.body
    assert stored["ingested_at"] == "2025-07-27T05:00:00+00:00"  # kept from the first time
    assert store.get_article(copy.id) is None
    assert store.article_count() == 2
    assert store.article_hashes() == {a.id: changed.content_hash, b.id: b.content_hash}


def test_records_round_trip_whole(store):
    a = Article(
        headline="Ünïcode “quotes” headline",
        body="Body with émoji 🎉. Second sentence.",
        date="2025-07-01",
        place="Zürich",
        agency="AFP",
        source="feed one",
        url="https://www.example.org/a?utm_source=x",
        hashtags=("one", "two"),
        published="2025-07-01T10:00:00+00:00",
        language="de",
    )
    store.upsert_articles([a], now="2025-07-01T11:00:00+00:00")
    got = store.get_article(a.id)
    expected = a.to_record()
    assert {k: got[k] for k in expected} == expected
    assert got["ingested_at"] == "2025-07-01T11:00:00+00:00" and isinstance(got["seq"], int)
    # the language goes with the light records a briefing reads, too
    assert got["language"] == "de" and store.latest_articles()[0]["language"] == "de"


def test_latest_articles_newest_first_with_filters(store):
    store.upsert_articles([art(1, date="2025-07-25"), art(2, date="2025-07-27"), art(3, date="2025-07-26")])
    store.upsert_articles([art(4, date="2025-07-27")])
    heads = lambda rows: [r["headline"] for r in rows]  # noqa: E731
    assert heads(store.latest_articles()) == [f"Headline number {i}" for i in (4, 2, 3, 1)]
    assert heads(store.latest_articles(2)) == ["Headline number 4", "Headline number 2"]
    assert heads(store.latest_articles(on_date="2025-07-26")) == ["Headline number 3"]
    assert heads(store.latest_articles(since="2025-07-26")) == [f"Headline number {i}" for i in (4, 2, 3)]
    assert [r["headline"] for r in store.iter_articles()] == [f"Headline number {i}" for i in (1, 2, 3, 4)]
    assert store.article_ids() == [r["id"] for r in store.iter_articles()]


def test_summaries_replace_and_go_with_their_article(store):
    a, b = art(1), art(2)
    store.upsert_articles([a, b])
    assert (
        store.put_summaries(
            [
                {"article_id": a.id, "sentences": ["One."], "key": "k1"},
                {"article_id": b.id, "sentences": ["Two."], "key": "k1"},
            ]
        )
        == 2
    )
    store.put_summaries([{"article_id": a.id, "sentences": ["Uno."], "key": "k2"}])
    assert store.get_summary(a.id) == {"article_id": a.id, "sentences": ["Uno."], "key": "k2"}
    assert store.remove_articles([a.id, "no-such-id"]) == 1
    assert store.get_summary(a.id) is None and store.get_article(a.id) is None
    assert store.get_summary(b.id)["sentences"] == ["Two."]


def test_stories_members_and_removal(store):
    a, b, c = art(1), art(2), art(3)
    store.upsert_articles([a, b, c])
    s1 = {
        "id": "s1",
        "members": {a.id: a.content_hash, b.id: b.content_hash},
        "first_seen": "2025-07-27T01:00:00+00:00",
        "last_seen": "2025-07-27T02:00:00+00:00",
    }
    s2 = {"id": "s2", "members": {c.id: c.content_hash}, "first_seen": "", "last_seen": ""}
    assert store.put_stories([s1, s2]) == 2
    assert store.story_id_of(b.id) == "s1" and store.story_id_of(c.id) == "s2"
    assert store.get_story("s1") == s1
    # a's removal leaves s1 with b; c's removal empties s2, which goes
    store.remove_articles([a.id, c.id])
    assert store.get_story("s1")["members"] == {b.id: b.content_hash}
    assert store.get_story("s2") is None and store.story_id_of(c.id) is None and store.story_id_of(a.id) is None
    # a story moved and one deleted in the same write
    store.put_stories([{"id": "s3", "members": {b.id: b.content_hash}}], remove=["s1"])
    assert [s["id"] for s in store.iter_stories()] == ["s3"]
    assert store.story_id_of(b.id) == "s3"


def test_also_in(store):
    a = art(1)
    store.upsert_articles([a])
    assert store.add_also_in([(a.id, "feed two"), (a.id, "wire"), (a.id, "feed two"), ("missing", "x")]) == [a.id]
    assert store.get_article(a.id)["also_in"] == ["feed two"]
    assert store.add_also_in([(a.id, "feed two")]) == []


@pytest.mark.parametrize(
    "table,key,keys",
    [
        ("entities", "k", ["a:1", "e:ada lovelace"]),
        ("sources", "name", ["feed one", "feed two"]),
        ("chats", "chat_id", [101, -100200]),
        ("alerts", "chat_id", [0, 101]),
    ],
)
def test_keyed_documents(store, table, key, keys):
    one, two = keys
    docs = [{key: one, "label": "Ada Lovelace", "n": 1, "nested": {"x": [1, 2]}}, {key: two, "v": "two"}]
    assert store.put_documents(table, docs) == 2
    assert sorted(map(str, (d[key] for d in store.documents(table)))) == sorted(map(str, keys))
    # a record replaces the stored one whole; removal by key
    store.put_documents(table, [{key: one, "replaced": True}], remove=[two, "absent" if key != "chat_id" else 999])
    assert store.documents(table) == [{key: one, "replaced": True}]
    assert store.document(table, one) == {key: one, "replaced": True} and store.document(table, two) is None
    with pytest.raises(KeyError):
        store.documents("articles")


def test_deliveries_documents(store):
    doc = {
        "chat_id": 7,
        "days": {
            "2025-07-26": {"state": "sent", "at": "2025-07-26T07:00:00Z", "articles": ["a", "b"]},
            "2025-07-27": {"state": "sending", "at": "2025-07-27T07:00:00Z", "articles": []},
        },
    }
    store.put_documents("deliveries", [doc, {"chat_id": 8, "days": {}}])
    assert sorted(store.documents("deliveries"), key=lambda d: d["chat_id"]) == [doc, {"chat_id": 8, "days": {}}]
    store.put_documents("deliveries", [{"chat_id": 7, "days": {"2025-07-27": doc["days"]["2025-07-27"]}}], remove=[8])
    assert store.documents("deliveries") == [{"chat_id": 7, "days": {"2025-07-27": doc["days"]["2025-07-27"]}}]


def test_batch_is_all_or_nothing(store):
    store.upsert_articles([art(1)])
    with pytest.raises(ZeroDivisionError), store.batch():
        store.upsert_articles([art(2)])
        store.put_documents("sources", [{"name": "x"}])
        raise ZeroDivisionError("a failure inside the batch: none of its writes may stay")
    assert store.article_count() == 1 and store.documents("sources") == []
    with store.batch():
        store.upsert_articles([art(3)])
        store.put_documents("sources", [{"name": "y"}])
    assert store.article_count() == 2 and store.documents("sources") == [{"name": "y"}]


def test_everything_survives_a_reopen(opener):
    with opener() as s:
        a = art(1)
        s.upsert_articles([a])
        s.put_summaries([{"article_id": a.id, "sentences": ["S."]}])
        s.put_stories([{"id": "s1", "members": {a.id: a.content_hash}}])
        s.put_documents("chats", [{"chat_id": 5, "topics": ["x"]}])
    with opener(readonly=True) as s:
        assert s.get_article(a.id)["headline"] == a.headline
        assert s.get_summary(a.id)["sentences"] == ["S."]
        assert s.story_id_of(a.id) == "s1"
        assert s.documents("chats") == [{"chat_id": 5, "topics": ["x"]}]
        with pytest.raises(StoreError):
            s.upsert_articles([art(2)])


def test_threads_writing_at_once_lose_nothing(store):
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                store.upsert_articles([art(n * 100 + i)])
                store.put_documents("sources", [{"name": f"src {n} {i}"}])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.article_count() == 40 and len(store.documents("sources")) == 40


# -- capabilities: declared by every store, supported or refused with a clear error

KEY = "v1:test"


def test_capabilities_and_status_are_declared(store):
    assert isinstance(store.capabilities, Capabilities)
    assert store.backend in ("tinydb", "postgresql")
    assert store.capabilities.workers == store.capabilities.shared_deliveries == (store.backend == "postgresql")
    assert store.capabilities.delivery_journal == (store.backend == "tinydb")
    assert "secret" not in store.location() and store.location()
    assert store.schema_version() >= 1
    a, b = art(1), art(2)
    store.upsert_articles([a, b])
    store.put_summaries([{"article_id": a.id, "key": KEY, "content_hash": a.content_hash, "sentences": ["x"]}])
    counts = store.table_counts()
    assert counts["articles"] == 2 and counts["summaries"] == 1
    assert store.pending_summaries(KEY) == 1 and store.pending_summaries("other") == 2
    size = store.database_size()
    assert size is None or size > 0


def test_articles_by_ids_and_their_heads(store):
    a, b = art(1), art(2)
    store.upsert_articles([a, b])
    got = store.get_articles([a.id, "missing", b.id])
    assert set(got) == {a.id, b.id} and got[a.id]["body"] == a.body
    heads = store.article_heads([b.id, "missing"])
    assert heads == {b.id: {"id": b.id, "date": b.date, "headline": b.headline, "content_hash": b.content_hash}}


def _refused(call: Callable[[], Any], needs: str) -> None:
    with pytest.raises(NotSupported) as info:
        call()
    assert needs in str(info.value)


def test_work_queue_on_postgres_or_a_clear_error(store):
    a, b, c = art(1), art(2), art(3)
    store.upsert_articles([a, b, c])
    if not store.capabilities.workers:
        for call in (
            lambda: store.claim_work("w", KEY, 2, 60.0),
            lambda: store.worker_seen("w", "h", 1, 0),
            lambda: store.try_lock(1),
            lambda: store.unindexed_work(10),
            lambda: store.work_status(5),
            lambda: store.finish_work("w", [a.id], [], {}),
            lambda: store.index_state("w", 15.0),
            lambda: store.workers_seen(60.0),
            lambda: store.schedule_due("fetch", 60.0),
        ):
            _refused(call, "[storage] url")
        return
    store.worker_seen("w1", "host", 1, 0)
    store.worker_seen("bot:x", "host", 2, 0)
    assert store.workers_seen(60.0) == 2 and store.workers_seen(60.0, exclude_prefix="bot:") == 1
    first = store.claim_work("w1", KEY, 2, 60.0)
    second = store.claim_work("w2", KEY, 2, 60.0)
    assert first == [a.id, b.id] and second == [c.id]  # never the same article twice
    assert store.work_status(5).claimed == 3
    summaries = [
        {"article_id": aid, "key": KEY, "content_hash": h, "sentences": ["s"]}
        for aid, h in ((a.id, a.content_hash), (b.id, b.content_hash), (c.id, c.content_hash))
    ]
    held = store.finish_work("w1", [a.id, b.id, c.id], summaries, {a.id: {"v": 1, "hash": a.content_hash}})
    assert held == {a.id, b.id}  # c is w2's: its result is not kept
    assert store.get_summary(a.id)["sentences"] == ["s"] and store.get_summary(c.id) is None
    assert store.pending_summaries(KEY) == 1
    rows = store.unindexed_work(10)
    assert [aid for _, aid, _ in rows] == [a.id, b.id] and rows[0][2] == {"v": 1, "hash": a.content_hash}
    assert rows[1][2] is None and store.unindexed_count() == 2
    state = store.index_state("w1", 15.0)
    assert state.waited is not None and state.version == store.data_version()
    store.mark_indexed([r[0] for r in rows])
    assert store.unindexed_count() == 0 and store.index_state("w1", 15.0).waited is None
    with store.try_lock(7) as got, store.try_lock(7) as again:
        assert got and not again  # one connection each: exclusive across them
    run = store.start_job("fetch", "w1")
    store.finish_job(run, False, "boom")
    assert store.schedule_due("fetch", 60.0)
    store.mark_scheduled("fetch")
    assert not store.schedule_due("fetch", 60.0)
    status = store.work_status(5)
    assert status.failures == 1 and status.jobs[0]["detail"] == "boom" and len(status.workers) == 2


def test_delivery_claims_on_postgres_or_a_clear_error(store):
    if not store.capabilities.shared_deliveries:
        for call in (
            lambda: store.claim_delivery(1, "2025-07-27", holder="a", lease=60.0),
            lambda: store.mark_delivery(1, "2025-07-27", "sent"),
            lambda: store.delivery_rows(),
            lambda: store.release_delivery(1, "2025-07-27", "claimed", "a"),
            lambda: store.prune_deliveries("2025-07-01"),
        ):
            _refused(call, "[storage] url")
        return
    assert store.claim_delivery(1, "2025-07-27", "claimed", holder="a", lease=60.0)
    assert not store.claim_delivery(1, "2025-07-27", "claimed", holder="b", lease=60.0)
    assert store.mark_delivery(1, "2025-07-27", "sending", articles=["x"], holder="a", claimed="claimed")
    assert not store.release_delivery(1, "2025-07-27", "claimed", "a")  # no longer a claim
    store.mark_delivery(1, "2025-07-20", "sent", at="2025-07-20T07:00:00Z")
    assert [r[:3] for r in store.delivery_rows(1)] == [(1, "2025-07-20", "sent"), (1, "2025-07-27", "sending")]
    assert store.prune_deliveries("2025-07-21") == 1
    assert [r[1] for r in store.delivery_rows()] == ["2025-07-27"]


def test_delivery_journal_on_tinydb_or_a_clear_error(store):
    if not store.capabilities.delivery_journal:
        _refused(store.delivery_journal, "claim_delivery")
        return
    journal = store.delivery_journal()
    journal.open()
    record = {"chat_id": 1, "day": "2025-07-27", "state": "sent", "at": "2025-07-27T07:00:00Z", "articles": ["a"]}
    journal.append(record)
    folded = journal.rotate()
    journal.append({**record, "chat_id": 2})
    journal.abandon()  # killed
    again = store.delivery_journal()
    assert [r["chat_id"] for r in again.replay()] == [1, 2] and len(again.files()) == 2
    again.drop(folded)
    assert [r["chat_id"] for r in again.replay()] == [2]

"""Workers on PostgreSQL: claims that no two workers share, claims that expire when a
worker dies, scheduled work once per period, and the fault test (two worker processes,
one SIGKILLed mid-batch: every article summarized exactly once). Real server
(``pgserver``); skipped with the reason if it cannot start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import make_articles
from pgtest import pg_url  # noqa: F401  (fixture)
from waiting import wait_for_sync

from newsbrief.summaries.config import settings_from_dict

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")
from newsbrief.summaries.pipeline.worker import Worker  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path):
    return settings_from_dict({"storage": {"path": str(tmp_path / "db.json")}})


@pytest.fixture
def store(pg_url, tmp_path):
    s = postgres.PostgresStore(pg_url)
    yield s
    s.close()


def done_rows(store) -> dict[str, int]:
    with store.connection() as conn:
        return dict(conn.execute("SELECT article_id, count(*) FROM work_done GROUP BY article_id"))


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    return wait_for_sync(condition, timeout, interval=0.05, what=what)


def test_two_workers_share_the_work_without_overlap(store, settings):
    articles = make_articles(120)
    store.upsert_articles(articles)
    claimed: dict[str, list[str]] = {"a": [], "b": []}
    a = Worker(store, settings, batch=10, worker_id="a", on_claimed=claimed["a"].extend)
    b = Worker(store, settings, batch=10, worker_id="b", on_claimed=claimed["b"].extend)
    threads = [threading.Thread(target=lambda w=w: [w.summarize_batch() for _ in range(20)]) for w in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert claimed["a"] and claimed["b"]
    assert not set(claimed["a"]) & set(claimed["b"])
    assert sorted(claimed["a"] + claimed["b"]) == sorted(x.id for x in articles)
    assert done_rows(store) == {x.id: 1 for x in articles}
    assert all(store.get_summary(x.id)["sentences"] for x in articles)
    assert a.pending() == 0 and a.claim() == []


def test_a_dead_workers_claims_expire_and_its_late_results_are_dropped(store, settings):
    articles = make_articles(5)
    store.upsert_articles(articles)
    dead = Worker(store, settings, batch=5, lease=0.5, worker_id="dead")
    ids = dead.claim()  # ... and never finishes in time
    assert sorted(ids) == sorted(x.id for x in articles)
    other = Worker(store, settings, batch=5, lease=60, worker_id="other")
    assert other.claim() == []  # still held
    taken = wait_for(other.claim, timeout=10, what="the dead worker's claims to expire")
    assert sorted(taken) == sorted(ids)
    # the dead worker wakes up late and commits: its claims are gone, nothing of it is kept
    late = dead.process(ids)
    assert late.lost == 5 and late.summarized == []
    assert all(store.get_summary(x.id) is None for x in articles)
    done = other.process(taken)
    assert done.lost == 0 and sorted(done.summarized) == sorted(ids)
    assert done_rows(store) == {x.id: 1 for x in articles}


def test_scheduled_work_runs_once_per_period_across_workers(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "date 2025-07-27 Paris (TEST): The city opened a new bridge on Sunday. Thousands walked across it.",
        encoding="utf-8",
    )
    settings = settings_from_dict(
        {
            "storage": {"path": str(tmp_path / "db.json")},
            "schedule": {"summarize_every_minutes": 60},
            "sources": [{"name": "local", "folder": str(folder)}],
        }
    )
    workers = [Worker(store, settings, worker_id=f"w{i}") for i in range(4)]
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def go(w: Worker) -> None:
        barrier.wait()
        results.append(w.scheduled_work())

    threads = [threading.Thread(target=go, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert [w.scheduled_work() for w in workers] == [False] * 4  # the period has not passed
    assert store.article_count() == 1
    with store.connection() as conn:
        ((ok, detail),) = conn.execute("SELECT ok, detail FROM job_runs WHERE job = 'fetch'").fetchall()
    assert ok and detail.startswith("1 added, 0 updated") and detail.endswith("pruned 0")


def _worker(env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsbrief.bot.cli", "worker", "--lease", "3", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_worker_processes_one_killed_mid_batch_every_article_once(store, pg_url, tmp_path):
    articles = make_articles(400)
    store.upsert_articles(articles)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "db.json"}"\n[[sources]]\nname = "none"\nfolder = "{tmp_path}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "NEWSBRIEF_DATABASE_URL": pg_url, "NEWSBRIEF_CONFIG": str(config)}
    victim = _worker(env, "--batch", "100")
    try:

        def victim_claims() -> int:
            with store.connection() as conn:
                return conn.execute(
                    "SELECT count(*) FROM work_claims wc JOIN workers w ON w.id = wc.worker WHERE w.pid = %s",
                    (victim.pid,),
                ).fetchone()[0]

        wait_for(victim_claims, timeout=60, what="the first worker to claim a batch")
        os.kill(victim.pid, signal.SIGKILL)  # mid-batch: claimed, not committed
        victim.wait(timeout=10)
        assert victim_claims() > 0  # its claims outlive it, until they expire
        survivor = _worker(env, "--batch", "20", "--once")
        out, _ = survivor.communicate(timeout=180)
        assert survivor.returncode == 0, out
    finally:
        if victim.poll() is None:
            victim.kill()
    counts = done_rows(store)
    assert set(counts) == {a.id for a in articles}
    assert set(counts.values()) == {1}, "an article was summarized twice"
    assert all(store.get_summary(a.id) for a in articles)
    with store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM work_claims").fetchone()[0] == 0


def test_newsbrief_run_alone_does_all_the_work_on_postgres(store, tmp_path):
    from newsbrief.summaries.pipeline.worker import pipeline_job

    settings = settings_from_dict({"storage": {"path": str(tmp_path / "db.json")}})  # the seed articles
    job = pipeline_job(store, settings)
    job()
    assert store.article_count() >= 1
    seed = store.article_ids()[0]
    assert store.get_summary(seed)["sentences"]
    assert store.story_id_of(seed) is not None  # clustered
    assert Worker(store, settings).pending() == 0
    job()  # idempotent: a second run finds nothing to do
    assert done_rows(store) == {seed: 1}


def test_the_bot_leaves_the_work_to_running_workers(store, tmp_path):
    from newsbrief.summaries.pipeline.worker import pipeline_job, workers_alive

    settings = settings_from_dict({"storage": {"path": str(tmp_path / "db.json")}})
    store.upsert_articles(make_articles(3))
    worker = Worker(store, settings, worker_id="elsewhere:1")  # a newsbrief worker, alive
    assert workers_alive(store) == 1
    pipeline_job(store, settings)()
    assert worker.pending() == 3  # the bot did nothing
    with store.connection() as conn:
        conn.execute("UPDATE workers SET last_seen = now() - interval '10 minutes'")
    assert workers_alive(store) == 0
    pipeline_job(store, settings)()
    assert worker.pending() == 0  # no worker alive: the bot does it
    assert workers_alive(store) == 0  # and does not count as a worker itself


# -- entity extraction in each worker's batch ------------------------------------------------

SEED_DIR = ROOT / "seeds"


def _seed_articles():
    from newsbrief.summaries.articles.formats import read_articles

    return [a for path in sorted(SEED_DIR.glob("*.txt")) for a in read_articles(path)]


def _stored_extractions(store) -> dict[str, dict]:
    with store.connection() as conn:
        return dict(conn.execute("SELECT article_id, entities FROM work_done"))


def test_extracted_mentions_survive_the_round_trip_through_json(nlp):
    import json

    from newsbrief.summaries.index.entity_index import extracted_from_record, extracted_record
    from newsbrief.summaries.nlp import entities as ner

    (article,) = _seed_articles()[:1]
    found = ner.extract(article.body)
    assert found and any(f.roles for f in found)  # roles and offsets are part of what must survive
    record = json.loads(json.dumps(extracted_record(found)))
    assert extracted_from_record(record) == found
    assert record["v"] == ner.RULES_VERSION
    assert len(record["sents"]) < len(found)  # a sentence with several mentions is stored once
    assert extracted_from_record({**record, "v": "older rules"}) is None  # other rules: extract again
    assert extracted_from_record({**record, "mentions": [{"name": "x"}]}) is None  # unreadable: extract again
    assert extracted_from_record(None) is None


def test_each_worker_extracts_its_batch_and_the_index_only_merges(store, settings, nlp, monkeypatch):
    from newsbrief.summaries.index.entity_index import lookup
    from newsbrief.summaries.nlp import entities as ner

    articles = _seed_articles()
    store.upsert_articles(articles)
    worker = Worker(store, settings, batch=10, worker_id="w")
    assert worker.summarize_batch().claimed == len(articles)
    stored = _stored_extractions(store)
    hashes = store.article_hashes()
    assert set(stored) == set(hashes)
    assert all(doc["v"] == ner.RULES_VERSION and doc["hash"] == hashes[aid] for aid, doc in stored.items())

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran under the index lock")

    monkeypatch.setattr(ner, "extract_many", no_model)
    report = worker.index_pending()
    assert report.indexed == len(articles) and worker.timings["fallback"] == 0
    assert lookup(store, "Hegseth").card.name == "Pete Hegseth"
    with store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM work_done WHERE NOT indexed").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM entities WHERE k LIKE 'a:%'").fetchone()[0] == len(articles)


def test_rows_without_a_current_extraction_are_extracted_when_merged(store, settings, nlp):
    from newsbrief.summaries.index.entity_index import lookup

    seed, *_ = _seed_articles()
    people = [_people_article(i) for i in range(3)]
    store.upsert_articles([seed, *people])
    worker = Worker(store, settings, batch=10, worker_id="w")
    worker.summarize_batch()
    with store.connection() as conn:
        # a row written before extraction moved to the workers, one made by older rules,
        # one extracted from content the article no longer has
        conn.execute("UPDATE work_done SET entities = NULL WHERE article_id = %s", (seed.id,))
        conn.execute(
            "UPDATE work_done SET entities = jsonb_set(entities, '{v}', %s::jsonb) WHERE article_id = %s",
            ('"older rules"', people[0].id),
        )
        conn.execute(
            "UPDATE work_done SET entities = jsonb_set(entities, '{hash}', '\"other\"') WHERE article_id = %s",
            (people[1].id,),
        )
    report = worker.index_pending()
    assert report.indexed == 4 and worker.timings["fallback"] == 3  # the fourth row's extraction was current
    assert lookup(store, "Hegseth").card.name == "Pete Hegseth"
    assert lookup(store, "Priya Raman").card.article_count == 3


def _people_article(i: int, date: str = "2025-07-01"):
    from newsbrief.summaries.articles.model import Article

    return Article(
        headline=f"Minister Priya Raman opens bridge {i}",
        body=f"Transport Minister Priya Raman opened bridge number {i} in Chennai on Monday. "
        "Raman said the bridge would cut travel times.",
        date=date,
        agency="TEST",
        source="test",
    )


def test_a_worker_merging_after_another_reloads_its_indexes_at_once(pg_url, tmp_path, settings, nlp):
    """Two processes (two stores) take turns at the index within the store's one-second
    check of data_version: each merge starts from what the other one wrote."""
    from newsbrief.summaries.index.entity_index import get_index

    stores = [postgres.PostgresStore(pg_url) for n in "ab"]
    try:
        a, b = (Worker(s, settings, batch=2, worker_id=n) for s, n in zip(stores, "ab"))
        stores[0].upsert_articles([_people_article(i) for i in range(6)])
        for w in (a, b, a):  # a, then b, then a again: a's memory must hold b's articles
            assert w.summarize_batch().claimed == 2
            assert w.index_pending().indexed == 2
        assert a.timings["reloads"] == 2 and b.timings["reloads"] == 1  # a's first load, then after b
        idx = get_index(stores[0])
        assert len(idx.articles) == 6
        (doc,) = [d for d in stores[0].documents("entities") if d.get("name") == "Priya Raman"]
        assert doc["articles"] == 6  # the materialised entity counts every article, whoever merged it
        assert all(stores[1].story_id_of(x) for x in stores[1].article_ids())  # and all are clustered
    finally:
        for s in stores:
            s.close()


def test_one_worker_keeps_the_index_while_it_keeps_up(pg_url, tmp_path, settings):
    stores = [postgres.PostgresStore(pg_url) for n in "ab"]  # two processes
    try:
        stores[0].upsert_articles(make_articles(14))
        a, b = (Worker(s, settings, batch=2, worker_id=n, takeover=30) for s, n in zip(stores, "ab"))
        assert a.cycle(ingest=False).indexed == 2  # no indexer yet: a takes the job
        rb = b.cycle(ingest=False)
        assert rb.claimed == 2 and rb.indexed == 0  # b leaves it to a, alive and current
        assert a.cycle(ingest=False).indexed == 4 and b.timings["reloads"] == 0  # a merged b's batch with its own
        rb = b.cycle(ingest=False)
        assert rb.claimed == 2 and rb.indexed == 0
        with stores[0].connection() as conn:  # a stops keeping up: b's work waits past the takeover
            conn.execute("UPDATE work_done SET at = now() - interval '1 minute' WHERE NOT indexed")
        rb = b.cycle(ingest=False)
        assert (
            rb.claimed == 2 and rb.indexed == 4 and b.timings["reloads"] == 1
        )  # b took over, loading the indexes once
        ra = a.cycle(ingest=False)
        assert ra.claimed == 2 and ra.indexed == 0  # b is the indexer now
        idle = type(ra)(claimed=0)
        assert b.index_due(idle) and not a.index_due(idle)
        with stores[0].connection() as conn:  # b dies: not seen for longer than the takeover
            conn.execute("UPDATE workers SET last_seen = now() - interval '1 minute' WHERE id = 'b'")
        assert a.index_due(idle) and a.index_pending().indexed == 2
        assert not a.index_due(idle)  # nothing left to merge
    finally:
        for s in stores:
            s.close()


def test_workers_extract_each_article_in_its_stored_language(store, settings, monkeypatch):
    """The worker gives the extractor each article's stored language (issue #25)."""
    from newsbrief.summaries.articles.formats import parse_record
    from newsbrief.summaries.nlp import entities as ner

    seen: list = []

    def extract_many(items, **kwargs):
        items = list(items)
        seen.append(kwargs.get("languages"))
        return [[] for _ in items]

    monkeypatch.setattr(ner, "extract_many", extract_many)
    french = "Emmanuel Macron a rencontré à Lyon les dirigeants de Renault, puis il est rentré à Paris. " * 3
    store.upsert_articles([parse_record({"title": "Macron à Lyon", "text": french, "url": "https://example.org/fr"})])
    worker = Worker(store, settings, batch=10, worker_id="w")
    assert worker.summarize_batch().claimed == 1
    assert seen == [["fr"]]

"""The scheduled job: new articles only, poisoned articles, no overlap, pruning, briefings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest
from conftest import make_articles
from waiting import wait_for

from newsbrief.bot.app import build_application, pipeline_job
from newsbrief.bot.jobs import repeat
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.nlp import summarizer
from newsbrief.summaries.pipeline.run import PIPELINE_JOB_ID, run_pipeline
from newsbrief.summaries.store import Store
from newsbrief.summaries.stories.briefing import compose_briefing, find_articles


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.json") as s:
        yield s


def settings_with(tmp_path, *folders) -> Settings:
    return Settings(sources=tuple(Source(name=f.name, kind="folder", location=str(f)) for f in folders))


def test_job_summarizes_new_articles_only(store, tmp_path, monkeypatch):
    calls = []
    real = summarizer.summarize_article
    monkeypatch.setattr(
        summarizer,
        "summarize_article",
        lambda body, s, language=None, title="": calls.append(body) or real(body, s, language, title),
    )
    store.upsert_articles(make_articles(4))
    first = run_pipeline(store, Settings(), ingest=False)
    assert len(first.summarized) == 4 and len(calls) == 4
    second = run_pipeline(store, Settings(), ingest=False)
    assert second.summarized == [] and len(calls) == 4
    store.upsert_articles(make_articles(1, start=100))
    third = run_pipeline(store, Settings(), ingest=False)
    assert len(third.summarized) == 1 and len(calls) == 5


def test_changed_settings_or_article_redo_the_summary(store):
    store.upsert_articles(make_articles(2))
    run_pipeline(store, Settings(), ingest=False)
    longer = dataclasses.replace(Settings(), summaries=dataclasses.replace(Settings().summaries, sentences=1))
    assert len(run_pipeline(store, longer, ingest=False).summarized) == 2
    changed = dataclasses.replace(make_articles(1)[0], body="The council reversed the plan on Tuesday after protests.")
    store.upsert_articles([changed])
    assert run_pipeline(store, longer, ingest=False).summarized == [changed.id]


def test_poisoned_article_is_skipped_and_the_rest_summarized(store, monkeypatch):
    articles = make_articles(3)
    store.upsert_articles(articles)
    real = summarizer.summarize_article

    def poisoned(body, settings, language=None, title=""):
        if "number 1 " in body:
            raise RuntimeError("poison")
        return real(body, settings, language, title)

    monkeypatch.setattr(summarizer, "summarize_article", poisoned)
    report = run_pipeline(store, Settings(), ingest=False)
    assert len(report.summarized) == 2
    assert report.failed == [(articles[1].id, "RuntimeError: poison")]
    assert store.get_summary(articles[0].id)["sentences"]
    failure = store.get_summary(articles[1].id)
    assert failure["sentences"] == [] and failure["failed"] == "RuntimeError: poison"
    assert failure["content_hash"] == articles[1].content_hash
    # recorded against its content: not tried again until the article changes
    again = run_pipeline(store, Settings(), ingest=False)
    assert again.failed == [] and again.summarized == []
    store.upsert_articles([dataclasses.replace(articles[1], body=articles[1].body + " The vote was close.")])
    assert run_pipeline(store, Settings(), ingest=False).failed == [(articles[1].id, "RuntimeError: poison")]


def test_runs_never_overlap(store, monkeypatch):
    store.upsert_articles(make_articles(3))
    started = threading.Event()
    release = threading.Event()
    real = summarizer.summarize_article

    def slow(body, settings, language=None, title=""):
        started.set()
        release.wait(10)
        return real(body, settings, language, title)

    monkeypatch.setattr(summarizer, "summarize_article", slow)
    results = []
    worker = threading.Thread(target=lambda: results.append(run_pipeline(store, Settings(), ingest=False)))
    worker.start()
    assert started.wait(10)
    assert run_pipeline(store, Settings(), ingest=False).overlapped
    release.set()
    worker.join(10)
    assert len(results[0].summarized) == 3


async def test_scheduled_job_has_one_instance_and_replaces_on_reregister(store):
    """The bot's scheduling of the job (bot.jobs.repeat, as on_startup does it): one job
    under the fixed id however often it is registered, never two runs at once."""
    store.upsert_articles(make_articles(2))
    active = 0
    peak = 0
    runs = 0
    lock = threading.Lock()

    def job():
        nonlocal active, peak, runs
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.3)
        run_pipeline(store, Settings(), ingest=False)
        with lock:
            active -= 1
            runs += 1

    app = build_application(Settings(), store, token="123456:pipeline-test", summarize_job=False)
    app.bot_data.pipeline_work = job
    await app.job_queue.start()
    try:
        repeat(app, pipeline_job, minutes=0.05 / 60, job_id=PIPELINE_JOB_ID, first=0)  # every 50 ms, slower job
        repeat(app, pipeline_job, minutes=0.05 / 60, job_id=PIPELINE_JOB_ID, first=0)  # re-registered: replaced
        assert [j.id for j in app.job_queue.scheduler.get_jobs()] == [PIPELINE_JOB_ID]
        await wait_for(lambda: runs >= 2, 30)
    finally:
        await app.job_queue.stop(wait=True)
        app.bot_data.services.close()
    assert runs >= 2
    assert peak == 1
    assert all(store.get_summary(a.id) for a in make_articles(2))


def test_pipeline_ingests_configured_folders_and_reports_bad_files(store, tmp_path, seed_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "seed.txt").write_bytes(seed_path.read_bytes())
    (inbox / "broken.txt").write_bytes(b"\xff\xfe\x00garbage")
    report = run_pipeline(store, settings_with(tmp_path, inbox))
    assert len(report.ingest.added) == 1 and len(report.summarized) == 1
    assert report.ingest.skipped[0][1].startswith("binary file")


def test_default_source_is_the_seed_articles(store):
    report = run_pipeline(store, Settings())
    assert len(report.ingest.added) >= 1
    assert any(a["date"] == "2025-07-27" for a in store.iter_articles())


def test_prune_removes_old_articles_with_their_summaries(store):
    store.upsert_articles(make_articles(2))
    run_pipeline(store, Settings(), ingest=False)
    ids = store.article_ids()
    future = dt.date.today() + dt.timedelta(days=31)
    report = run_pipeline(store, Settings(), ingest=False, today=future)
    assert sorted(report.pruned) == sorted(ids)
    assert store.article_count() == 0
    assert all(store.get_summary(i) is None for i in ids)


def test_seed_briefing_for_its_day(store):
    run_pipeline(store, Settings())
    briefing = compose_briefing(store, day="2025-07-27")
    assert not briefing.fallback
    story = briefing.stories[0]
    assert story.headline.startswith("The top defence officials from India and the United States")
    assert story.source == "ANI"
    assert story.summary[0].startswith("The top defence officials")
    assert len(story.summary) == 3


def test_briefing_falls_back_to_latest_and_filters_topics(store):
    run_pipeline(store, Settings())
    store.upsert_articles(make_articles(2, date="2025-07-20"))
    late = compose_briefing(store, day="2025-08-15")
    assert late.fallback and late.stories[0].date == "2025-07-27"
    assert [s.date for s in compose_briefing(store, day="2025-07-27", topics=["council"]).stories] == [
        "2025-07-20",
        "2025-07-20",
    ]
    assert compose_briefing(store, day="2025-07-27", topics=["Hegseth"]).stories[0].date == "2025-07-27"
    # relevance is read from headline and summary: a word deep in the body is not what a story is about
    assert compose_briefing(store, day="2025-07-27", topics=["Pentagon"], fallback=False).stories == []
    assert compose_briefing(store, day="2025-07-27", topics=["cricket"]).stories == []
    seed_id = compose_briefing(store, day="2025-07-27").stories[0].article_id
    assert compose_briefing(store, day="2025-07-27", exclude=[seed_id], fallback=False).stories == []


def test_find_articles_by_id_prefix_and_keywords(store):
    run_pipeline(store, Settings())
    seed = store.latest_articles(1)[0]
    assert find_articles(store, seed["id"][:8])[0]["id"] == seed["id"]
    assert find_articles(store, "Hegseth Pentagon")[0]["id"] == seed["id"]
    assert find_articles(store, "zebra crossing") == []

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
import time
from pathlib import Path

import pytest

from conftest import make_articles
from pgtest import pg_url  # noqa: F401  (fixture)
from newsbrief.summaries.config import settings_from_dict

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")
from newsbrief.summaries.worker import Worker  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings(tmp_path):
    return settings_from_dict({"storage": {"path": str(tmp_path / "db.json")}})


@pytest.fixture
def store(pg_url, tmp_path):
    s = postgres.PostgresStore(pg_url, path=tmp_path / "db.json")
    yield s
    s.close()


def done_rows(store) -> dict[str, int]:
    with store.connection() as conn:
        return dict(conn.execute("SELECT article_id, count(*) FROM work_done GROUP BY article_id"))


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


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
    (folder / "a.txt").write_text("date 2025-07-27 Paris (TEST): The city opened a new bridge on Sunday. "
                                  "Thousands walked across it.", encoding="utf-8")
    settings = settings_from_dict({"storage": {"path": str(tmp_path / "db.json")},
                                   "schedule": {"summarize_every_minutes": 60},
                                   "sources": [{"name": "local", "folder": str(folder)}]})
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
        (ok, detail), = conn.execute("SELECT ok, detail FROM job_runs WHERE job = 'fetch'").fetchall()
    assert ok and detail.startswith("1 added, 0 updated") and detail.endswith("pruned 0")


def _worker(env: dict[str, str], *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "newsbrief.bot.cli", "worker", "--lease", "3", *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_worker_processes_one_killed_mid_batch_every_article_once(store, pg_url, tmp_path):
    articles = make_articles(400)
    store.upsert_articles(articles)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "db.json"}"\n[[sources]]\nname = "none"\nfolder = "{tmp_path}"\n',
                      encoding="utf-8")
    env = {**os.environ, "NEWSBRIEF_DATABASE_URL": pg_url, "NEWSBRIEF_CONFIG": str(config)}
    victim = _worker(env, "--batch", "100")
    try:
        def victim_claims() -> int:
            with store.connection() as conn:
                return conn.execute("SELECT count(*) FROM work_claims wc JOIN workers w ON w.id = wc.worker "
                                    "WHERE w.pid = %s", (victim.pid,)).fetchone()[0]

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
    from newsbrief.summaries.worker import pipeline_job

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
    from newsbrief.summaries.worker import pipeline_job, workers_alive

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

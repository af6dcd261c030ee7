"""The combined fault test of PostgreSQL deployments: two ``newsbrief worker`` processes
and one ``newsbrief run`` bot process on one real PostgreSQL server, with one worker
killed with SIGKILL mid-batch. Every article is summarized exactly once and indexed, and
every due digest reaches each subscribed chat exactly once (counted on the local Bot API
server the bot talks to). Waits on conditions only; skipped with the reason if the
server cannot start."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pgtest import pg_url  # noqa: F401  (fixture)
from waiting import wait_for_sync

from newsbrief.bot.chats import ChatBook, ChatPrefs
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import Settings

postgres = pytest.importorskip("newsbrief.summaries.store.postgres", reason="the postgres extra is not installed")

pytestmark = pytest.mark.slow  # 20-30 s: three processes, each loading the models

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "565656:faults-test-token"
FIRST_CHAT = 30_000_000
PEOPLE = ["Priya Raman", "Tomas Berg", "Amina Okafor", "Lena Vogel", "Ravi Menon", "Sofia Duarte"]
CITIES = ["Chennai", "Oslo", "Lagos", "Hamburg", "Kochi", "Lisbon"]


def news(n: int, day: str) -> list[Article]:
    out = []
    for i in range(n):
        person, city = PEOPLE[i % len(PEOPLE)], CITIES[(i // len(PEOPLE)) % len(CITIES)]
        out.append(
            Article(
                headline=f"{person} opens project {i} in {city}",
                body=f"Minister {person} opened project number {i} in {city} on Monday. "
                f"{person.split()[-1]} said the project would employ {i % 9 + 2} hundred people. "
                f"Work on the site begins in {['spring', 'summer', 'autumn'][i % 3]}.",
                date=day,
                agency="TEST",
                source="wire",
            )
        )
    return out


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsbrief.bot.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_two_workers_and_a_bot_one_worker_killed_mid_batch(pg_url, tmp_path):
    now = dt.datetime.now(dt.UTC)
    due = now - dt.timedelta(minutes=2)  # today's digest fell due just before the bot starts
    day = due.date().isoformat()
    articles = news(240, day)
    chats = [FIRST_CHAT + i for i in range(25)]
    store = postgres.PostgresStore(pg_url)
    procs: list[subprocess.Popen] = []
    try:
        store.upsert_articles(articles)
        ChatBook(store, Settings()).save_many(
            ChatPrefs(
                chat_id=c,
                subscribed=True,
                time=due.strftime("%H:%M"),
                timezone="UTC",
                since=(now - dt.timedelta(days=1)).isoformat(timespec="seconds"),
            )
            for c in chats
        )
        (tmp_path / "feeds").mkdir()
        with LocalBotAPI(token=TOKEN) as api:
            for c in chats:
                api.add_chat(c, "private")
            config = tmp_path / "config.toml"
            config.write_text(
                f'[storage]\npath = "{tmp_path / "db.json"}"\n'
                f'[telegram]\napi_base_url = "{api.base_url}"\napi_file_url = "{api.base_file_url}"\n'
                f"[schedule]\nsummarize_every_minutes = 60\n"
                f'[[sources]]\nname = "none"\nfolder = "{tmp_path / "feeds"}"\n',
                encoding="utf-8",
            )
            env = {
                **os.environ,
                "NEWSBRIEF_DATABASE_URL": pg_url,
                "NEWSBRIEF_CONFIG": str(config),
                "NEWSBRIEF_TELEGRAM_TOKEN": TOKEN,
                "OMP_NUM_THREADS": "1",
            }
            victim = spawn(["worker", "--lease", "3", "--batch", "30"], env, tmp_path / "victim.log")
            survivor = spawn(["worker", "--lease", "3", "--batch", "10", "--once"], env, tmp_path / "survivor.log")
            procs += [victim, survivor]

            def query(sql: str, *params):
                with store.connection() as conn:
                    return conn.execute(sql, params).fetchone()[0]

            wait_for_sync(
                lambda: query("SELECT count(*) FROM workers") == 2, 60, interval=0.05, what="both workers to start"
            )
            bot = spawn(["run"], env, tmp_path / "bot.log")  # starts after the workers: the work is theirs
            procs.append(bot)

            def victim_mid_second_batch() -> bool:  # one batch committed, the next one claimed
                return bool(
                    query(
                        "SELECT count(*) FROM work_done d JOIN workers w ON w.id = d.worker WHERE w.pid = %s",
                        victim.pid,
                    )
                    and query(
                        "SELECT count(*) FROM work_claims c JOIN workers w ON w.id = c.worker WHERE w.pid = %s",
                        victim.pid,
                    )
                )

            wait_for_sync(
                victim_mid_second_batch, 120, interval=0.02, what="the victim to commit a batch and claim another"
            )
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            in_flight = query(
                "SELECT count(*) FROM work_claims c JOIN workers w ON w.id = c.worker WHERE w.pid = %s", victim.pid
            )
            assert in_flight > 0  # killed mid-batch: its claims outlive it, until they expire

            assert survivor.wait(timeout=180) == 0, (tmp_path / "survivor.log").read_text()[-3000:]

            def digests() -> Counter:
                return Counter(m["chat_id"] for m in api.sent() if m["plain_text"].startswith("Your daily digest"))

            wait_for_sync(lambda: set(digests()) == set(chats), 60, interval=0.1, what="every chat's digest")
            bot.send_signal(signal.SIGINT)  # an orderly stop: whatever it was still sending is sent
            assert bot.wait(timeout=60) == 0, (tmp_path / "bot.log").read_text()[-3000:]
            sent = digests()
        # articles: each summarized exactly once, by the workers, and indexed
        with store.connection() as conn:
            done = dict(conn.execute("SELECT article_id, count(*) FROM work_done GROUP BY article_id"))
            workers = {r[0] for r in conn.execute("SELECT DISTINCT worker FROM work_done")}
            victim_done = conn.execute(
                "SELECT count(*) FROM work_done d JOIN workers w ON w.id = d.worker WHERE w.pid = %s", (victim.pid,)
            ).fetchone()[0]
            left = conn.execute("SELECT count(*) FROM work_claims").fetchone()[0]
            unindexed = conn.execute("SELECT count(*) FROM work_done WHERE NOT indexed").fetchone()[0]
            indexed = {r[0][2:] for r in conn.execute("SELECT k FROM entities WHERE k LIKE 'a:%%'")}
            states = Counter(r[0] for r in conn.execute("SELECT state FROM deliveries WHERE day = %s", (day,)))
        ids = {a.id for a in articles}
        assert set(done) == ids and set(done.values()) == {1}, "an article was summarized twice, or not at all"
        assert 0 < victim_done < len(ids)  # the victim's committed batches count; its lost batch was redone
        assert len(workers) == 2 and not any(w.startswith("bot:") for w in workers)
        assert all(store.get_summary(a)["sentences"] for a in ids)
        assert left == 0 and unindexed == 0 and indexed == ids
        assert all(store.story_id_of(a) for a in ids)
        from newsbrief.summaries.index.entity_index import lookup

        assert lookup(store, "Priya Raman").card.article_count == len([a for a in articles if "Priya Raman" in a.body])
        # digests: every subscribed chat exactly once, recorded as sent
        assert sent == Counter({c: 1 for c in chats})
        assert states == Counter({"sent": len(chats)})
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        store.close()

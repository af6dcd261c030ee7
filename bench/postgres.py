"""PostgreSQL benchmarks, each with its baseline measured in the same run.

    python bench/postgres.py compare [--n 10000]      TinyDB vs PostgreSQL: ingest and the pipeline's store work
    python bench/postgres.py scale [--n 1000000]      N stored articles: ingest rate, /who and /brief p99, memory, size
    python bench/postgres.py workers [--n 2000]       2 worker processes against 1

A PostgreSQL 16 server is started with ``pgserver`` (pip) in a temporary folder unless
``--url`` names one. Articles are generated (wire format, 5-10 paragraphs each).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from ingest import PLACES, WORDS  # noqa: E402

from newsbrief.summaries.articles import Article  # noqa: E402


def server(url: str | None) -> tuple[str, object | None]:
    if url:
        return url, None
    import pgserver

    srv = pgserver.get_server(Path(tempfile.mkdtemp(prefix="newsbrief-bench-pg-")), cleanup_mode="delete")
    _SERVERS.append(srv)
    return srv.get_uri(), None  # stopped by main()


_SERVERS: list = []


def database(base: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def articles(start: int, n: int, *, per_day: int = 3000, seed: int = 7) -> list[Article]:
    """Generated articles ``start`` .. ``start + n``; ``per_day`` of them per day, going back from 2025-07-27."""
    import datetime as dt

    rng = random.Random(seed + start)
    out = []
    last = dt.date(2025, 7, 27)
    for i in range(start, start + n):
        words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
        body = "\n\n".join(" ".join(words(rng.randint(12, 24)).capitalize() + "." for _ in range(rng.randint(1, 3)))
                           for _ in range(rng.randint(5, 10)))
        day = last - dt.timedelta(days=i // per_day)
        out.append(Article(headline=f"Story {i}: {words(6)}", body=f"Story {i} opens here. " + body, date=day.isoformat(),
                           place=rng.choice(PLACES), agency="ANI", source=f"feed {i % 100}"))
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- compare ---------------------------------------------------------------------------


def store_work(store, batch: list[Article], sentences: dict[str, list[str]]) -> dict[str, float]:
    """Ingest, then the pipeline's store work: the pending scan, summaries written in
    batches of 500, stories clustered; the summarizer's own CPU time is left out (the same
    on both backends; see ``workers`` and bench/pipeline.py)."""
    from newsbrief.summaries.config import StorySettings, SummarySettings
    from newsbrief.summaries.stories import cluster_pending
    from newsbrief.summaries.summarizer import is_current, summary_key

    settings = SummarySettings()
    key = summary_key(settings)
    times = {}
    t = time.perf_counter()
    for i in range(0, len(batch), 500):
        store.upsert_articles(batch[i:i + 500])
    times["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    pending = [a for a in store.iter_articles() if not is_current(store.get_summary(a["id"]), a, settings)]
    records = [{"article_id": a["id"], "key": key, "content_hash": a["content_hash"], "sentences": sentences[a["id"]]}
               for a in pending]
    for i in range(0, len(records), 500):
        store.put_summaries(records[i:i + 500])
    times["summaries"] = time.perf_counter() - t
    t = time.perf_counter()
    cluster_pending(store, StorySettings())
    times["stories"] = time.perf_counter() - t
    return times


def cmd_compare(args) -> int:
    from newsbrief.summaries.store import TinyStore
    from newsbrief.summaries.store.postgres import PostgresStore

    base, srv = server(args.url)
    batch = articles(0, args.n, per_day=max(1, args.n // 10))
    sentences = {a.id: a.body.split(". ")[:3] for a in batch}
    with tempfile.TemporaryDirectory() as tmp:
        with TinyStore(Path(tmp) / "db.json") as tiny:
            t_tiny = store_work(tiny, batch, sentences)
        with PostgresStore(database(base, "bench_compare"), path=Path(tmp) / "pg.json") as pg:
            t_pg = store_work(pg, batch, sentences)
    print(f"{args.n} articles: ingest and the pipeline's store work (baseline: TinyDB, same run)")
    print(f"{'phase':<12}{'TinyDB s':>10}{'PostgreSQL s':>14}{'PG/TinyDB':>11}{'PG articles/s':>15}")
    for phase in ("ingest", "summaries", "stories"):
        print(f"{phase:<12}{t_tiny[phase]:>10.2f}{t_pg[phase]:>14.2f}{t_pg[phase] / t_tiny[phase]:>11.2f}"
              f"{args.n / t_pg[phase]:>15.0f}")
    total_tiny, total_pg = sum(t_tiny.values()), sum(t_pg.values())
    print(f"{'total':<12}{total_tiny:>10.2f}{total_pg:>14.2f}{total_pg / total_tiny:>11.2f}{args.n / total_pg:>15.0f}")
    if srv is not None:
        srv.cleanup()
    return 0


# -- scale -----------------------------------------------------------------------------


def fill(url: str, n: int, path: Path) -> dict[str, float]:
    """Ingest ``n`` articles with summaries and three-article stories, in batches of 2,000."""
    from newsbrief.summaries.config import SummarySettings
    from newsbrief.summaries.store.postgres import PostgresStore
    from newsbrief.summaries.summarizer import summary_key

    key = summary_key(SummarySettings())
    with PostgresStore(url, path=path) as store:
        start = store.article_count()
        t0 = time.perf_counter()
        ingest_s = 0.0
        for lo in range(start, n, 2000):
            batch = articles(lo, min(2000, n - lo))
            t = time.perf_counter()
            report = store.upsert_articles(batch)
            ingest_s += time.perf_counter() - t
            assert len(report.added) == len(batch), (len(report.added), len(batch))
            with store.batch():
                store.put_summaries([{"article_id": a.id, "key": key, "content_hash": a.content_hash,
                                      "sentences": [a.body.split(". ")[0] + "."]} for a in batch])
                stories = []
                for k in range(0, len(batch), 3):
                    group = batch[k:k + 3]
                    stories.append({"id": f"s{lo + k}", "members": {a.id: a.content_hash for a in group},
                                    "first_seen": group[-1].date + "T06:00:00+00:00",
                                    "last_seen": group[0].date + "T09:00:00+00:00"})
                store.put_stories(stories)
                store.put_documents("entities", [{"k": f"e:person {lo + k}", "entity": f"person {lo + k}",
                                                  "name": f"Person {lo + k}", "type": "person",
                                                  "articles": [batch[k].id], "mentions": 1} for k in range(0, len(batch), 10)])
            if (lo // 2000) % 50 == 0:
                print(f"  ... {lo + len(batch)} articles stored, {(lo + len(batch) - start) / (time.perf_counter() - t0):.0f}/s overall",
                      file=sys.stderr, flush=True)
        return {"ingest_rate": (n - start) / ingest_s if n > start else 0.0, "fill_seconds": time.perf_counter() - t0}


QUERY_PROBE = r"""
import json, random, resource, sys, time
from pathlib import Path
from newsbrief.summaries.briefing import compose_briefing
from newsbrief.summaries.store.postgres import PostgresStore
url, n, path, days = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
rng = random.Random(1)
who, brief = [], []
with PostgresStore(url, path=Path(path)) as store:
    for _ in range(3):  # warm up the pool and the server's caches
        compose_briefing(store, day=days[0], limit=5)
    for _ in range(300):
        k = rng.randrange(0, n, 10)
        t = time.perf_counter(); doc = store.document("entities", f"e:person {k}"); who.append(time.perf_counter() - t)
        assert doc is not None and doc["name"] == f"Person {k}"
    for i in range(200):
        t = time.perf_counter(); b = compose_briefing(store, day=rng.choice(days), limit=5); brief.append(time.perf_counter() - t)
        assert b.stories
print(json.dumps({"who": who, "brief": brief, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def probe(url: str, n: int, path: Path) -> dict:
    import datetime as dt

    last = dt.date(2025, 7, 27)
    days = [(last - dt.timedelta(days=d)).isoformat() for d in range(max(1, n // 3000))]
    out = subprocess.run([sys.executable, "-c", QUERY_PROBE, url, str(n), str(path), json.dumps(days)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cmd_scale(args) -> int:
    from newsbrief.summaries.store.postgres import PostgresStore

    base, srv = server(args.url)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = database(base, "bench_scale")
        for n in sorted({args.baseline_n, args.n}):
            filled = fill(url, n, Path(tmp) / "pg.json")
            p = probe(url, n, Path(tmp) / "pg.json")
            with PostgresStore(url, path=Path(tmp) / "pg.json") as store:
                size = store.database_size()
            rows.append((n, filled["ingest_rate"], pct(p["who"], 0.99) * 1000, pct(p["brief"], 0.99) * 1000,
                         statistics.median(p["brief"]) * 1000, p["rss_mb"], size / 2**30))
    print("stored articles on PostgreSQL (baseline: the same measures at the smaller N, same run)")
    print(f"{'articles':>10}{'ingest/s':>10}{'who p99 ms':>12}{'brief p99 ms':>14}{'brief p50 ms':>14}{'bot RSS MB':>12}{'DB GiB':>8}")
    for n, rate, who, brief, brief50, rss, gib in rows:
        print(f"{n:>10}{rate:>10.0f}{who:>12.2f}{brief:>14.1f}{brief50:>14.1f}{rss:>12.0f}{gib:>8.2f}")
    if len(rows) == 2:
        (n0, r0, w0, b0, _, m0, _), (n1, r1, w1, b1, _, m1, _) = rows
        print(f"ratios at {n1} / {n0}: ingest rate {r1 / r0:.2f}, who p99 {w1 / w0:.2f}, brief p99 {b1 / b0:.2f}, "
              f"bot memory {m1 / m0:.2f}")
    if srv is not None:
        srv.cleanup()
    return 0


# -- workers ---------------------------------------------------------------------------


def run_workers(url: str, k: int, n: int, tmp: Path, *, index: bool = True) -> tuple[float, float, float, list[str]]:
    """``k`` worker processes on ``n`` stored articles: (articles per second from start to
    the last exit, all summarized, their entities extracted and, with ``index``, merged
    into the entity index and clustered into stories; seconds; CPU seconds the workers
    used; each worker's timings line)."""
    from newsbrief.summaries.store.postgres import PostgresStore

    config = tmp / "config.toml"
    config.write_text(f'[storage]\npath = "{tmp / "db.json"}"\n[[sources]]\nname = "none"\nfolder = "{tmp / "empty"}"\n',
                      encoding="utf-8")
    (tmp / "empty").mkdir(exist_ok=True)
    with PostgresStore(url, path=tmp / "db.json") as store:
        store.clear()
        for lo in range(0, n, 500):
            store.upsert_articles(articles(lo, min(500, n - lo), per_day=max(1, n // 3)))
    env = {**os.environ, "NEWSBRIEF_DATABASE_URL": url, "NEWSBRIEF_CONFIG": str(config), "OMP_NUM_THREADS": "1"}
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    flags = [] if index else ["--no-index"]
    logs = [tmp / f"worker-{k}-{i}.log" for i in range(k)]
    procs = [subprocess.Popen([sys.executable, "-m", "newsbrief.bot.cli", "worker", "--once", "--batch", "20", *flags],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w")) for log in logs]
    for p in procs:
        assert p.wait() == 0
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    with PostgresStore(url, path=tmp / "db.json") as store, store.connection() as conn:
        count = conn.execute("SELECT count(*) FROM work_done").fetchone()[0]
        dupes = conn.execute("SELECT count(*) FROM (SELECT article_id FROM work_done GROUP BY 1 HAVING count(*) > 1) d").fetchone()[0]
        extracted = conn.execute("SELECT count(*) FROM work_done WHERE entities IS NOT NULL").fetchone()[0]
        clustered = conn.execute("SELECT count(*) FROM story_members").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM entities WHERE k LIKE 'a:%%'").fetchone()[0]
    assert count == n and dupes == 0 and extracted == n, (count, dupes, extracted)
    assert (clustered, indexed) == ((n, n) if index else (0, 0)), (clustered, indexed)
    timings = [line.split(" timings: ", 1)[1].strip() for log in logs
               for line in log.read_text(encoding="utf-8").splitlines() if " timings: " in line]
    return n / elapsed, elapsed, cpu, timings


def cmd_workers(args) -> int:
    """1 worker, then 2, ``--repeat`` times in turn (each ratio is of two runs made one
    after the other, so a machine shared with other work skews both alike), for the
    whole pipeline and then for summaries and extraction only. Besides articles per
    second: CPU milliseconds the workers spent per article (what coordinating two workers
    costs, whatever the machine's other load)."""
    base, srv = server(args.url)
    n = args.n
    print(f"{n} articles summarized, entities extracted and indexed, clustered by worker processes, "
          f"start-up included (baseline: 1 worker, the run just before; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f} at start)")
    with tempfile.TemporaryDirectory() as tmp:
        url = database(base, "bench_workers")
        for index, title in ((True, "summarize, extract, merge into the entity index, cluster"),
                             (False, "summaries and extraction only (--no-index: no merge, no clustering)")):
            print(title + ":")
            ratios = []
            for r in range(args.repeat):
                one, t1, c1, w1 = run_workers(url, 1, n, Path(tmp), index=index)
                two, t2, c2, w2 = run_workers(url, 2, n, Path(tmp), index=index)
                ratios.append(two / one)
                print(f"  run {r + 1}: 1 worker {one:6.1f} articles/s ({t1:.1f} s, CPU {1000 * c1 / n:.0f} ms/article); "
                      f"2 workers {two:6.1f} articles/s ({t2:.1f} s, CPU {1000 * c2 / n:.0f} ms/article): "
                      f"{two / one:.2f}x the articles per second, {c2 / c1:.2f}x the CPU")
                if index:
                    for label, lines in (("1 worker ", w1), ("2 workers", w2)):
                        for line in lines:
                            print(f"      {label}: {line}")
            if args.repeat > 1:
                print(f"  median: {statistics.median(ratios):.2f}x (runs: {', '.join(f'{x:.2f}' for x in ratios)})")
    if srv is not None:
        srv.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL server to use (default: start one with pgserver)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("compare")
    p.add_argument("--n", type=int, default=10000)
    p = sub.add_parser("scale")
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--baseline-n", type=int, default=10_000)
    p = sub.add_parser("workers")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=1, help="pairs of runs (1 worker, then 2) per measurement")
    args = parser.parse_args(argv)
    try:
        return {"compare": cmd_compare, "scale": cmd_scale, "workers": cmd_workers}[args.cmd](args)
    finally:
        for srv in _SERVERS:
            srv.cleanup()


if __name__ == "__main__":
    sys.exit(main())

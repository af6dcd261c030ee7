"""PostgreSQL benchmarks, each with its baseline measured in the same run.

    python bench/postgres.py compare [--n 10000]      TinyDB vs PostgreSQL: ingest and the pipeline's store work
    python bench/postgres.py scale [--n 1000000]      N stored articles: ingest rate, /who and /brief p99,
                                                      bot memory, size
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

# E402: these imports follow the sys.path insert above, which lets the bench's own module `ingest` be found
from ingest import PLACES, WORDS  # noqa: E402

from newsbrief.summaries.articles.model import Article  # noqa: E402
from newsbrief.summaries.nlp.entities import fold  # noqa: E402


def server(url: str | None, data: str | None = None) -> tuple[str, object | None]:
    """A server URL: ``url``, else a pgserver in a temporary folder (or kept in ``data``)."""
    if url:
        return url, None
    import pgserver

    if data:
        srv = pgserver.get_server(Path(data), cleanup_mode="stop")
    else:
        srv = pgserver.get_server(Path(tempfile.mkdtemp(prefix="newsbrief-bench-pg-")), cleanup_mode="delete")
    _SERVERS.append(srv)
    return srv.get_uri(), None  # stopped by main()


_SERVERS: list = []


def database(base: str, name: str, *, keep: bool = False) -> str:
    """A fresh database on the server (with ``keep``, the one left by an earlier run, if any)."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not (keep and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    head, _, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


_SENTENCES: list[str] = []


def _sentence_pool() -> list[str]:
    if not _SENTENCES:
        rng = random.Random(11)
        _SENTENCES.extend(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize() + "." for _ in range(20000)
        )
    return _SENTENCES


def articles(start: int, n: int, *, per_day: int = 3000, seed: int = 7, fast: bool = False) -> list[Article]:
    """Generated articles ``start`` .. ``start + n``; ``per_day`` of them per day, going back from 2025-07-27.
    ``fast`` draws whole sentences from a pool of 20,000 instead of words (the same shape, made ten times faster)."""
    import datetime as dt

    rng = random.Random(seed + start)
    out = []
    last = dt.date(2025, 7, 27)
    pool = _sentence_pool() if fast else None
    for i in range(start, start + n):
        words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
        if pool is not None:
            body = "\n\n".join(
                " ".join(rng.choice(pool) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(5, 10))
            )
        else:
            body = "\n\n".join(
                " ".join(words(rng.randint(12, 24)).capitalize() + "." for _ in range(rng.randint(1, 3)))
                for _ in range(rng.randint(5, 10))
            )
        day = last - dt.timedelta(days=i // per_day)
        out.append(
            Article(
                headline=f"Story {i}: {words(6)}",
                body=f"Story {i} opens here. " + body,
                date=day.isoformat(),
                place=rng.choice(PLACES),
                agency="ANI",
                source=f"feed {i % 100}",
            )
        )
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
    from newsbrief.summaries.nlp.summarizer import is_current, summary_key
    from newsbrief.summaries.stories.clustering import cluster_pending

    settings = SummarySettings()
    key = summary_key(settings)
    times = {}
    t = time.perf_counter()
    for i in range(0, len(batch), 500):
        store.upsert_articles(batch[i : i + 500])
    times["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    pending = [a for a in store.iter_articles() if not is_current(store.get_summary(a["id"]), a, settings)]
    records = [
        {"article_id": a["id"], "key": key, "content_hash": a["content_hash"], "sentences": sentences[a["id"]]}
        for a in pending
    ]
    for i in range(0, len(records), 500):
        store.put_summaries(records[i : i + 500])
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
        with PostgresStore(database(base, "bench_compare")) as pg:
            t_pg = store_work(pg, batch, sentences)
    print(f"{args.n} articles: ingest and the pipeline's store work (baseline: TinyDB, same run)")
    print(f"{'phase':<12}{'TinyDB s':>10}{'PostgreSQL s':>14}{'PG/TinyDB':>11}{'PG articles/s':>15}")
    for phase in ("ingest", "summaries", "stories"):
        print(
            f"{phase:<12}{t_tiny[phase]:>10.2f}{t_pg[phase]:>14.2f}{t_pg[phase] / t_tiny[phase]:>11.2f}"
            f"{args.n / t_pg[phase]:>15.0f}"
        )
    total_tiny, total_pg = sum(t_tiny.values()), sum(t_pg.values())
    print(f"{'total':<12}{total_tiny:>10.2f}{total_pg:>14.2f}{total_pg / total_tiny:>11.2f}{args.n / total_pg:>15.0f}")
    if srv is not None:
        srv.cleanup()
    return 0


# -- scale -----------------------------------------------------------------------------

# Entities as the index writes them: a few thousand well-known people, organisations and
# places that most reports name (drawn by a Zipf law: a handful are everywhere), and a
# long tail of people named once or a few times (about one new name every three
# articles), each report naming 4-6 of them with the sentence, the surname form, a role.
FIRST = (
    "Aarav Aditi Ahmed Alice Amara Andrew Anita Arjun Ben Carlos Chen Clara David Dmitri Elena Emma Farah Fatima "
    "Gabriel Grace Hana Hassan Ivan Jack James Jin Julia Karan Kenji Lara Leila Liam Lucas Maria Marta Mei Mohammed "
    "Nadia Naveen Nina Olga Omar Pablo Priya Rahul Rosa Sam Sara Sofia Sunil Tariq Tom Usha Vikram Wei Yara Yusuf "
    "Zara Zoe Anil"
).split()
SURNAMES = (
    "Singh Kumar Sharma Patel Khan Smith Jones Brown Taylor Wilson Chen Wang Li Zhang Liu Garcia Martinez Lopez "
    "Gonzalez Rossi Russo Ferrari Muller Schmidt Schneider Fischer Weber Ivanov Petrov Sato Suzuki Tanaka "
    "Watanabe Kim Lee Park Nguyen Tran Silva Santos Costa Oliveira Ahmed Ali Hassan Hussein Okafor Mensah "
    "Kariuki Otieno Dubois Moreau Laurent Novak Kowalski Nowak Horvat Jensen Hansen Larsen Berg Lindqvist "
    "Andersson Johansson Murphy Kelly Byrne Walsh Dixit Rudd Hegseth Modi Trump Albanese Marles Mann"
).split()
ORG_WORDS = (
    "National Global United Pacific Atlantic Northern Southern Eastern Western Central Royal Federal "
    "Metro Urban Green Blue Red Golden Silver Iron Delta Alpha Omega Summit Harbor River Valley Mountain "
    "Ocean Solar Lunar Star Crown Liberty Union Civic Prime Apex Nova Vertex Zenith Orbit Quantum Atlas "
    "Titan Phoenix Falcon Eagle"
).split()
ORG_KINDS = (
    "Bank Group Motors Airways Council Ministry Party Institute University Foundation Energy Telecom "
    "Holdings Press Studios Pharma Foods Rail Shipping League"
).split()
ROLES = (
    "Prime Minister",
    "Finance Minister",
    "chief executive",
    "spokesperson",
    "Defence Secretary",
    "coach",
    "President",
    "mayor",
    "chief economist",
    "opposition leader",
)
SYLLABLES = [c + v for c in "bdfghjklmnprstvz" for v in "aeiou"]
N_PEOPLE, N_ORGS, N_PLACES = 3000, 1000, 300


def _pseudo(rng: random.Random, parts: tuple[int, int] = (2, 4)) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(*parts))).capitalize()


def _zipf(n: int, s: float = 1.1) -> list[float]:
    import itertools

    return list(itertools.accumulate(1 / (r + 1) ** s for r in range(n)))


_PEOPLE = [f"{FIRST[i % len(FIRST)]} {SURNAMES[i // len(FIRST) % len(SURNAMES)]}" for i in range(N_PEOPLE)]
_ORGS = [f"{ORG_WORDS[i % len(ORG_WORDS)]} {ORG_KINDS[i // len(ORG_WORDS) % len(ORG_KINDS)]}" for i in range(N_ORGS)]
_PLACES = [_pseudo(random.Random(1000 + i)) for i in range(N_PLACES)]
_CUM = {"people": _zipf(N_PEOPLE), "orgs": _zipf(N_ORGS), "places": _zipf(N_PLACES)}


def _pick(rng: random.Random, pool: str) -> int:
    import bisect

    cum = _CUM[pool]
    return bisect.bisect_left(cum, rng.random() * cum[-1])


def tail_person(j: int) -> str | None:
    """The person first named by article ``j``, if it names one (about one in three do)."""
    r = random.Random(j * 31 + 7)
    if r.random() >= 0.35:
        return None
    return f"{r.choice(FIRST)} {_pseudo(r)}"


def entity_doc(i: int, article: Article) -> dict:
    """The ``a:`` document the entity index writes for generated article ``i``."""
    rng = random.Random(i * 7919 + 13)
    named: dict[str, tuple[str, str]] = {}  # key -> (type, name)
    for _ in range(2):
        name = _PEOPLE[_pick(rng, "people")]
        named["p:" + name.lower()] = ("person", name)
    for pool, kind, names in (("orgs", "organisation", _ORGS), ("places", "place", _PLACES)):
        name = names[_pick(rng, pool)]
        named["n:" + name.lower()] = (kind, name)
    for j in (i, i - rng.randint(1, 3000) if rng.random() < 0.45 else -1):
        name = tail_person(j) if j >= 0 else None
        if name:
            named["p:" + name.lower()] = ("person", name)
    sents, ents = [], {}
    for key, (kind, name) in named.items():
        n = rng.randint(1, 3)
        sents.append(f"{name} {' '.join(rng.choice(WORDS) for _ in range(rng.randint(8, 18)))}.")
        enc: dict = {"t": kind, "n": n, "names": {name: n}, "s": len(sents) - 1}
        if kind == "person" and n > 1:
            enc["surf"] = {name: 1, name.split()[-1]: n - 1}
        if kind == "person" and rng.random() < 0.3:
            enc["roles"] = [rng.choice(ROLES)]
        ents[key] = enc
    return {
        "k": "a:" + article.id,
        "article": article.id,
        "date": article.date,
        "headline": article.headline,
        "seq": i,
        "v": 3,
        "sents": sents,
        "ents": ents,
    }


_ENTITY_STATE: dict[str, dict] = {}  # key -> what its e: document says (kept across fill calls)


def entity_docs(docs: list[dict]) -> list[dict]:
    """The ``e:`` documents the index rewrites for the entities these ``a:`` documents touch."""
    touched = {}
    for doc in docs:
        for key, enc in doc["ents"].items():
            st = _ENTITY_STATE.setdefault(
                key,
                {
                    "k": "e:" + key,
                    "entity": key,
                    "name": next(iter(enc["names"])),
                    "type": enc["t"],
                    "aliases": [],
                    "roles": [],
                    "articles": 0,
                    "mentions": 0,
                    "first_seen": doc["date"],
                    "last_seen": doc["date"],
                },
            )
            st["articles"] += 1
            st["mentions"] += enc["n"]
            st["first_seen"], st["last_seen"] = min(st["first_seen"], doc["date"]), max(st["last_seen"], doc["date"])
            surfaces = st.setdefault("surfaces", {})
            for surface, k in enc.get("surf", enc["names"]).items():
                surfaces[surface] = surfaces.get(surface, 0) + k
                if surface != st["name"] and surface not in st["aliases"]:
                    st["aliases"].append(surface)
            for role in enc.get("roles", []):
                if role not in st["roles"]:
                    st["roles"] = (st["roles"] + [role])[:5]
            touched[key] = st
    return [
        {**st, "surfaces": list(st["surfaces"].items()), "card_roles": st["roles"], "lookup": _lookup_names(st)}
        for st in touched.values()
    ]


def _lookup_names(st: dict) -> list[str]:
    """The folded names the index registers for an entity of these generated names (as
    ``EntityIndex`` does for people: each form, its surname, first and last word)."""
    out = {fold(st["name"]), *(fold(s) for s in st.get("surfaces", {}))}
    if st["type"] == "person":
        for form in list(out):
            words = form.split()
            if len(words) > 1:
                out.add(words[-1])
                if len(words) > 2:
                    out.add(f"{words[0]} {words[-1]}")
    return sorted(out - {""})


def fill(url: str, n: int, path: Path) -> dict[str, float]:
    """Ingest ``n`` articles with summaries, three-article stories and their entity
    documents (as the index writes them: ``a:`` per article, ``e:`` per entity touched),
    in batches of 2,000."""
    from newsbrief.summaries.config import SummarySettings
    from newsbrief.summaries.nlp.summarizer import summary_key
    from newsbrief.summaries.store.postgres import PostgresStore

    key = summary_key(SummarySettings())
    with PostgresStore(url) as store:
        start = store.article_count()
        if start == 0:
            _ENTITY_STATE.clear()
        t0 = time.perf_counter()
        ingest_s = entities_s = 0.0
        for lo in range(start, n, 2000):
            batch = articles(lo, min(2000, n - lo), fast=True)
            t = time.perf_counter()
            report = store.upsert_articles(batch)
            ingest_s += time.perf_counter() - t
            assert len(report.added) == len(batch), (len(report.added), len(batch))
            with store.batch():
                store.put_summaries(
                    [
                        {
                            "article_id": a.id,
                            "key": key,
                            "content_hash": a.content_hash,
                            "sentences": [a.body.split(". ")[0] + "."],
                        }
                        for a in batch
                    ]
                )
                stories = []
                for k in range(0, len(batch), 3):
                    group = batch[k : k + 3]
                    stories.append(
                        {
                            "id": f"s{lo + k}",
                            "members": {a.id: a.content_hash for a in group},
                            "first_seen": group[-1].date + "T06:00:00+00:00",
                            "last_seen": group[0].date + "T09:00:00+00:00",
                        }
                    )
                store.put_stories(stories)
            docs = [entity_doc(lo + k, a) for k, a in enumerate(batch)]
            t = time.perf_counter()
            store.put_documents("entities", docs + entity_docs(docs))
            entities_s += time.perf_counter() - t
            if (lo // 2000) % 25 == 0:
                print(
                    f"  ... {lo + len(batch)} articles stored, "
                    f"{(lo + len(batch) - start) / (time.perf_counter() - t0):.0f}/s overall",
                    file=sys.stderr,
                    flush=True,
                )
        return {
            "ingest_rate": (n - start) / ingest_s if n > start else 0.0,
            "entity_rate": (n - start) / entities_s if n > start else 0.0,
            "fill_seconds": time.perf_counter() - t0,
        }


def who_queries(n: int, k: int = 120, seed: int = 3) -> dict[str, list[str]]:
    """Names to look up at ``n`` stored articles: names the index holds (well-known and
    from the long tail), bare surnames, one-letter typos of held names, names it does not hold."""
    rng = random.Random(seed)
    tails = [name for name in (tail_person(rng.randrange(n)) for _ in range(k * 4)) if name]
    known = (
        [_PEOPLE[_pick(rng, "people")] for _ in range(k // 3)]
        + [_ORGS[_pick(rng, "orgs")] for _ in range(k // 6)]
        + [_PLACES[_pick(rng, "places")] for _ in range(k // 6)]
        + tails[: k // 3]
    )

    def typo(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + rng.choice("aeioukrst".replace(name[i].lower(), "")) + name[i + 1 :]

    return {
        "name": known,
        "surname": [rng.choice(SURNAMES[:40]) for _ in range(k // 2)]
        + [t.split()[-1] for t in tails[k // 3 : k // 3 + k // 2]],
        "typo": [typo(rng.choice(known)) for _ in range(k)],
        "miss": [f"{_pseudo(rng, (3, 4))} {_pseudo(rng, (3, 5))}" for _ in range(k)],
    }


QUERY_PROBE = r"""
import json, random, resource, sys, time
from pathlib import Path
url, path, days, queries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])

def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

# the bot process: its Services on the store, as bot.app.build_application makes them
from newsbrief.bot.chat_news import compose_for, visible_for
from newsbrief.bot.chats import ChatBook
from newsbrief.bot.deliveries import open_deliveries
from newsbrief.bot.services import Services
from newsbrief.summaries.config import Settings
from newsbrief.summaries.index.entity_index import lookup
from newsbrief.summaries.store.postgres import PostgresStore

settings = Settings()
store = PostgresStore(url)
svc = Services(settings=settings, store=store, chats=ChatBook(store, settings), deliveries=open_deliveries(store))
from newsbrief.bot.app import settle_garbage_collection
# as the bot does at the end of its start-up (its job's full collections: not in this minute)
settle_garbage_collection()
prefs = svc.chats.get_or_default(1)
visible = visible_for(prefs, settings)
started = rss_now()
rng = random.Random(1)

def brief(day):
    return compose_for(svc.store, prefs, svc.settings, day=day, limit=settings.briefing.stories,
                       settings=svc.summary_settings(prefs.length))

for day in days[:3]:  # warm up the pool and the server's caches
    brief(day)
lookup(svc.store, "warm up", visible=visible)
who, found = {}, {}
for kind, names in queries.items():
    who[kind], found[kind] = [], 0
    for name in names:
        t = time.perf_counter(); r = lookup(svc.store, name, visible=visible); who[kind].append(time.perf_counter() - t)
        found[kind] += r.card is not None
whole = []  # the baseline: the same days read as the briefing read them before, articles whole
for i in range(20):
    t = time.perf_counter(); store.latest_articles(on_date=rng.choice(days)); whole.append(time.perf_counter() - t)
times = []
for i in range(200):
    t = time.perf_counter(); b = brief(rng.choice(days)); times.append(time.perf_counter() - t)
    assert b.stories
with store.connection() as conn:  # every lookup name, of which the bot keeps those of the most-mentioned entities
    names_all = conn.execute("SELECT count(DISTINCT alias) FROM entity_names WHERE kind = 'n'").fetchone()[0]
print(json.dumps({"who": who, "found": found, "brief": times, "whole_day": whole,
                  "rss_start_mb": started, "rss_mb": rss_now(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "names": len(store.entity_choices().names), "names_all": names_all}))
"""

PIPELINE_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from newsbrief.summaries.pipeline.core import NewsCore
from newsbrief.summaries.store.postgres import PostgresStore
with PostgresStore(sys.argv[1]) as store:
    core = NewsCore(store)
    t = time.perf_counter(); core.entity_index(); e = time.perf_counter() - t
    t = time.perf_counter(); core.story_index(); s = time.perf_counter() - t
print(json.dumps({"entity_s": e, "story_s": s, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _days(n: int) -> list[str]:
    import datetime as dt

    last = dt.date(2025, 7, 27)
    return [(last - dt.timedelta(days=d)).isoformat() for d in range(max(1, n // 3000))]


def probe(url: str, n: int, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", QUERY_PROBE, url, str(path), json.dumps(_days(n)), json.dumps(who_queries(n))],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pipeline_probe(url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PIPELINE_PROBE, url, str(path)], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cmd_scale(args) -> int:
    from newsbrief.summaries.store.postgres import PostgresStore

    base, srv = server(args.url, args.data)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted({args.baseline_n, args.n}):
            url = database(base, f"bench_scale_{n}", keep=bool(args.data))
            filled = fill(url, n, Path(tmp) / "pg.json")
            p = probe(url, n, Path(tmp) / "pg.json")
            pipe = pipeline_probe(url, Path(tmp) / "pg.json") if n <= args.pipeline_max else None
            with PostgresStore(url) as store:
                size = store.database_size()
                counts = store.table_counts()
            rows.append((n, filled, p, pipe, size, counts))
            print(
                json.dumps({"n": n, "filled": filled, "probe": p, "pipeline": pipe, "size": size, "counts": counts}),
                file=sys.stderr,
                flush=True,
            )
    print("stored articles on PostgreSQL, 3,000 a day (baseline: the same measures at the smaller N, same run)")
    print(
        f"{'articles':>10}{'ingest/s':>10}{'entity docs/s':>15}{'brief p99 ms':>14}{'brief p50 ms':>14}"
        f"{'bot MB start':>14}{'bot MB after':>14}{'names kept/all':>16}{'DB GiB':>8}"
    )
    for n, filled, p, _pipe, size, _counts in rows:
        print(
            f"{n:>10}{filled['ingest_rate']:>10.0f}{filled['entity_rate']:>15.0f}{pct(p['brief'], 0.99) * 1000:>14.1f}"
            f"{statistics.median(p['brief']) * 1000:>14.1f}{p['rss_start_mb']:>14.0f}{p['rss_mb']:>14.0f}"
            f"{str(p['names']) + '/' + str(p.get('names_all', '?')):>16}{size / 2**30:>8.2f}"
        )
    for n, _filled, p, _pipe, _size, _counts in rows:
        print(
            f"{n:>10} articles: /brief p50 {statistics.median(p['brief']) * 1000:.1f} ms against "
            f"{statistics.median(p['whole_day']) * 1000:.1f} ms only to read the day's 3,000 articles whole "
            "(the old path's first step, same run: "
            f"{statistics.median(p['brief']) / statistics.median(p['whole_day']):.2f}x)"
        )
    print("/who through entity_index.lookup, as the bot's handler calls it (ms; found = queries answered with a card)")
    print(f"{'articles':>10}{'kind':>9}{'queries':>9}{'found':>7}{'p50':>8}{'p99':>8}")
    for n, _filled, p, _pipe, _size, _counts in rows:
        every = [t for ts in p["who"].values() for t in ts]
        for kind, ts in [*p["who"].items(), ("all", every)]:
            found = p["found"].get(kind, sum(p["found"].values()))
            print(
                f"{n:>10}{kind:>9}{len(ts):>9}{found:>7}"
                f"{statistics.median(ts) * 1000:>8.2f}{pct(ts, 0.99) * 1000:>8.2f}"
            )
    for n, _filled, _p, pipe, _size, counts in rows:
        print(
            f"{n:>10} articles: entities {counts['entities']} documents; "
            + (
                f"the pipeline's indexes in the bot process (no workers): entity index {pipe['entity_s']:.1f} s, "
                f"story index {pipe['story_s']:.1f} s to load, {pipe['peak_mb']:.0f} MB peak"
                if pipe
                else f"the pipeline's in-memory indexes not loaded (over --pipeline-max {args.pipeline_max})"
            )
        )
    if len(rows) == 2:
        (n0, f0, p0, _, _, _), (n1, f1, p1, _, _, _) = rows
        w0 = pct([t for ts in p0["who"].values() for t in ts], 0.99)
        w1 = pct([t for ts in p1["who"].values() for t in ts], 0.99)
        ingest = (
            f"{f1['ingest_rate'] / f0['ingest_rate']:.2f}"
            if f0["ingest_rate"] and f1["ingest_rate"]
            else "- (filled by an earlier run, --data)"
        )
        print(
            f"ratios at {n1} / {n0}: ingest rate {ingest}, "
            f"who p99 {w1 / w0:.2f}, brief p99 {pct(p1['brief'], 0.99) / pct(p0['brief'], 0.99):.2f}, "
            f"bot memory {p1['rss_mb'] / p0['rss_mb']:.2f}"
        )
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
    config.write_text(
        f'[storage]\npath = "{tmp / "db.json"}"\n[[sources]]\nname = "none"\nfolder = "{tmp / "empty"}"\n',
        encoding="utf-8",
    )
    (tmp / "empty").mkdir(exist_ok=True)
    with PostgresStore(url) as store:
        store.clear()
        for lo in range(0, n, 500):
            store.upsert_articles(articles(lo, min(500, n - lo), per_day=max(1, n // 3)))
    env = {**os.environ, "NEWSBRIEF_DATABASE_URL": url, "NEWSBRIEF_CONFIG": str(config), "OMP_NUM_THREADS": "1"}
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    flags = [] if index else ["--no-index"]
    logs = [tmp / f"worker-{k}-{i}.log" for i in range(k)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "newsbrief.bot.cli", "worker", "--once", "--batch", "20", *flags],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for log in logs
    ]
    for p in procs:
        assert p.wait() == 0
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    with PostgresStore(url) as store, store.connection() as conn:
        count = conn.execute("SELECT count(*) FROM work_done").fetchone()[0]
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT article_id FROM work_done GROUP BY 1 HAVING count(*) > 1) d"
        ).fetchone()[0]
        extracted = conn.execute("SELECT count(*) FROM work_done WHERE entities IS NOT NULL").fetchone()[0]
        clustered = conn.execute("SELECT count(*) FROM story_members").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM entities WHERE k LIKE 'a:%%'").fetchone()[0]
    assert count == n and dupes == 0 and extracted == n, (count, dupes, extracted)
    assert (clustered, indexed) == ((n, n) if index else (0, 0)), (clustered, indexed)
    timings = [
        line.split(" timings: ", 1)[1].strip()
        for log in logs
        for line in log.read_text(encoding="utf-8").splitlines()
        if " timings: " in line
    ]
    return n / elapsed, elapsed, cpu, timings


def cmd_workers(args) -> int:
    """1 worker, then 2, ``--repeat`` times in turn (each ratio is of two runs made one
    after the other, so a machine shared with other work skews both alike), for the
    whole pipeline and then for summaries and extraction only. Besides articles per
    second: CPU milliseconds the workers spent per article (what coordinating two workers
    costs, whatever the machine's other load)."""
    base, srv = server(args.url)
    n = args.n
    print(
        f"{n} articles summarized, entities extracted and indexed, clustered by worker processes, "
        f"start-up included (baseline: 1 worker, the run just before; {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f} at start)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = database(base, "bench_workers")
        for index, title in (
            (True, "summarize, extract, merge into the entity index, cluster"),
            (False, "summaries and extraction only (--no-index: no merge, no clustering)"),
        ):
            print(title + ":")
            ratios = []
            for r in range(args.repeat):
                one, t1, c1, w1 = run_workers(url, 1, n, Path(tmp), index=index)
                two, t2, c2, w2 = run_workers(url, 2, n, Path(tmp), index=index)
                ratios.append(two / one)
                print(
                    f"  run {r + 1}: 1 worker {one:6.1f} articles/s ({t1:.1f} s, CPU {1000 * c1 / n:.0f} ms/article); "
                    f"2 workers {two:6.1f} articles/s ({t2:.1f} s, CPU {1000 * c2 / n:.0f} ms/article): "
                    f"{two / one:.2f}x the articles per second, {c2 / c1:.2f}x the CPU"
                )
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
    parser.add_argument("--data", help="scale: keep pgserver's data in this folder and reuse its filled databases")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("compare")
    p.add_argument("--n", type=int, default=10000)
    p = sub.add_parser("scale")
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--baseline-n", type=int, default=10_000)
    p.add_argument(
        "--pipeline-max",
        type=int,
        default=200_000,
        help="measure loading the pipeline's in-memory indexes up to this many articles",
    )
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

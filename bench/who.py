"""Benchmark the entity index behind ``/who``: build time, lookup latency, memory.

    python bench/who.py [--articles 10000] [--queries 4000] [--model] [--sample 200]

1. Generates N synthetic articles from templates (people with titles and appositions,
   organisations, places, named exercises; names drawn from pools so surnames collide)
   and stores them in a temporary :class:`~summaries.store.Store`.
2. Builds the index. **By default the bulk build bypasses the spaCy model and uses the
   rule-based extractor** (same clean-up, roles and index code; the model would take
   minutes for 10,000 articles); ``--model`` uses spaCy for everything. spaCy extraction
   throughput is measured separately on ``--sample`` articles.
3. Times lookups (exact name, surname alone, lower case, one-letter typo) from memory,
   p50/p99, and the same names by a naive scan of the articles table (a search box:
   case-insensitive substring over every body), printing the ratio.
4. Reports peak memory (``resource.getrusage``) and the reload time of the index from the
   TinyDB file.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.index import entity_index as ei
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.store import Store  # noqa: E402

FIRST = """Aarav Aditi Akash Amit Ananya Anil Anjali Arjun Asha Deepak Divya Farhan Gaurav Geeta Harish
Imran Ishaan Jaya Karan Kavita Kiran Lakshmi Manish Meera Mohan Nikhil Neha Pooja Prakash Priya Rahul
Rajesh Ravi Rekha Rohan Sanjay Sara Shalini Sunil Suresh Tanvi Uday Varun Vidya Vikram Yash Zoya
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Susan Richard Jessica
Thomas Karen Daniel Nancy Matthew Lisa Anthony Sandra Mark Ashley Steven Emily Andrew Olivia Kenji
Yuki Hiroshi Mei Wei Chen Omar Fatima Ahmed Leila Carlos Lucia Diego Sofia Pierre Claire Hans Greta
Ivan Olga Kwame Amara Tunde Zanele""".split()
LAST = """Sharma Verma Gupta Mehta Iyer Nair Reddy Rao Patel Shah Desai Joshi Kulkarni Bose Banerjee
Chatterjee Das Ghosh Sen Mukherjee Kapoor Malhotra Khanna Chopra Bhatia Sethi Grover Ahuja Arora Bajaj
Kohli Dhawan Pandey Mishra Tiwari Dubey Shukla Tripathi Yadav Chauhan Rathore Thakur Saxena Srivastava
Agarwal Jain Bansal Goel Mittal Singhal Qureshi Siddiqui Ansari Khan Hussain Fernandes Pereira DSouza
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson
Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Tanaka Suzuki Watanabe Wang Zhang Liu Haddad Mansour Okafor Mensah Dubois
Moreau Schmidt Fischer Weber Ivanov Petrov Rossi Bianchi""".split()
ORG_HEAD = """Apex Bharat Coastal Delta Eastern Falcon Global Horizon Indus Jupiter Kestrel Lotus Meridian
Northern Orion Pacific Quantum Redwood Sagar Summit Titan Unity Vista Western Zenith Crescent Everest
Granite Harbour Ivory Jade Kaveri Lumen Monsoon Nimbus Onyx Pinnacle Saffron Tundra Vertex""".split()
ORG_TAIL = """Industries Bank Motors Group Holdings Airlines Technologies Energy Pharma Steel Insurance
Council Authority Commission Foundation Institute Association Federation Corporation Capital""".split()
PLACES = """New Delhi Mumbai Kolkata Chennai Bengaluru Hyderabad Pune Jaipur Lucknow London Paris Berlin
Tokyo Sydney Melbourne Washington Dubai Singapore Colombo Dhaka Kathmandu Geneva Brussels Toronto""".split()
PLACES = ["New Delhi" if p == "New" else p for p in PLACES if p != "Delhi"]
PRE_ROLES = [
    "Finance Minister",
    "External Affairs Minister",
    "Defence Minister",
    "Home Minister",
    "Chief Minister",
    "Governor",
    "Senator",
    "Air Marshal",
    "Lt Gen",
    "Admiral",
    "Ambassador",
    "Mayor",
    "Chief Justice",
    "Commissioner",
    "President",
    "Prime Minister",
]
APP_ROLES = [
    "chief executive of {org}",
    "Chairman of {org}",
    "Director of {org}",
    "a spokesperson for {org}",
    "Deputy Commander of the {place} Command",
    "Secretary of {org}",
]
EVENTS = ["Exercise {w} Shield", "Operation {w} Dawn", "Exercise {w} Sabre", "Operation {w}"]
TOPICS = ["trade", "defence", "climate", "energy", "health", "infrastructure", "technology", "water"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def make_world(rng: random.Random, n_people: int, n_orgs: int):
    people, seen = [], set()
    while len(people) < n_people:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in seen:
            continue
        seen.add(name)
        people.append(name)
    orgs = list({f"{h} {t}" for h in ORG_HEAD for t in ORG_TAIL})
    rng.shuffle(orgs)
    orgs = orgs[:n_orgs]
    roles = {}
    for p in people:
        if rng.random() < 0.55:
            roles[p] = ("pre", rng.choice(PRE_ROLES))
        else:
            roles[p] = ("app", rng.choice(APP_ROLES).format(org=rng.choice(orgs), place=rng.choice(PLACES)))
    events = [rng.choice(EVENTS).format(w=rng.choice(ORG_HEAD)) for _ in range(40)]
    return people, orgs, roles, list(dict.fromkeys(events))


_CUM: dict[int, list[float]] = {}


def _weighted(rng: random.Random, items: list[str]) -> str:
    # a few names are in the news every day, most now and then (Zipf-like, 1/(rank+5))
    cum = _CUM.get(len(items))
    if cum is None:
        total, cum = 0.0, []
        for r in range(len(items)):
            total += 1 / (r + 5)
            cum.append(total)
        _CUM[len(items)] = cum
    return rng.choices(items, cum_weights=cum)[0]


def make_article(rng: random.Random, i: int, world) -> Article:
    people, orgs, roles, events = world
    cast = list({_weighted(rng, people) for _ in range(rng.randint(2, 5))})
    org1, org2 = _weighted(rng, orgs), rng.choice(orgs)
    place, place2 = rng.choice(PLACES), rng.choice(PLACES)
    paras = []

    def intro(p: str) -> str:
        kind, role = roles[p]
        return f"{role} {p}" if kind == "pre" else f"{p}, {role},"

    a = cast[0]
    paras.append(
        f"{intro(a)} said on {rng.choice(DAYS)} that {org1} would expand its work on "
        f"{rng.choice(TOPICS)} in {place}, in a move analysts called significant."
    )
    for p in cast[1:]:
        paras.append(
            f"{intro(p)} met officials of {org2} in {place2} to discuss {rng.choice(TOPICS)} "
            f"cooperation and the road ahead."
        )
    if rng.random() < 0.4:
        paras.append(
            f"The talks come as {rng.choice(events)} got under way near {place}, with troops "
            f"from several countries taking part."
        )
    last = a.split()[-1]
    paras.append(
        f'"We are confident about the next steps," {last} told reporters, adding that '
        f"{org1} and {org2} had agreed to meet again next month."
    )
    paras.append(
        f"Shares of {org1} rose {rng.randint(1, 9)} per cent after the announcement, while the "
        f"{rng.choice(['United States', 'US', 'UK', 'European Union'])} welcomed the plan."
    )
    day = 1 + i % 90
    date = f"2025-{1 + (day - 1) // 30 + 3:02d}-{1 + (day - 1) % 30:02d}"
    headline = f"{a} outlines {org1} plans for {place}"
    return Article(
        headline=headline,
        body="\n\n".join(paras),
        date=date,
        agency="BENCH",
        source="bench",
        url=f"https://bench.example/{i}",
    )


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word[:-1] + word[-1] * 2
    j = rng.randrange(1, len(word) - 1)
    return word[:j] + word[j + 1 :] if rng.random() < 0.5 else word[:j] + word[j + 1] + word[j] + word[j + 2 :]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive_scan(store: Store, name: str) -> list[tuple[str, str]]:
    """The baseline: what a search box does without an index."""
    needle = name.casefold()
    hits = [(doc["date"], doc["id"]) for doc in store.table("articles") if needle in doc["body"].casefold()]
    hits.sort(reverse=True)
    return hits[:5]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=4000)
    ap.add_argument("--baseline-queries", type=int, default=200)
    ap.add_argument("--sample", type=int, default=200, help="articles for the spaCy throughput sample")
    ap.add_argument("--chunk", type=int, default=1000, help="articles per index_articles call (one write each)")
    ap.add_argument("--model", action="store_true", help="use spaCy for the whole build (slow)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="newsbrief-who-"))
    n_people = max(50, args.articles // 5)
    world = make_world(rng, n_people, min(400, max(40, args.articles // 25)))
    t0 = time.perf_counter()
    articles = [make_article(rng, i, world) for i in range(args.articles)]
    store = Store(tmp / "db.json")
    store.upsert_articles(articles)
    t_gen = time.perf_counter() - t0
    records = list(store.iter_articles())
    words = sum(len(r["body"].split()) for r in records) / len(records)
    print(
        f"generated and stored {len(records):,} articles (~{words:.0f} words each, {n_people:,} people "
        f"in the pool) in {t_gen:.1f} s"
    )

    backend = "spacy" if args.model else "rules"
    ner.set_backend(backend)
    print(
        f"bulk extraction backend: {ner.backend_name()}"
        + ("" if args.model else "  (model bypassed for the bulk build; see the spaCy sample below)")
    )
    t_extract = t_merge = 0.0
    for k in range(0, len(records), args.chunk):
        chunk = records[k : k + args.chunk]
        t = time.perf_counter()
        found = ner.extract_many([(r["body"], r.get("hashtags") or ()) for r in chunk])
        t_extract += time.perf_counter() - t
        t = time.perf_counter()
        ei.index_extracted(store, list(zip(chunk, found)))
        t_merge += time.perf_counter() - t
    idx = ei.get_index(store)
    n_ent = len(idx.entities)
    n_people_idx = sum(1 for e in idx.entities.values() if e.type == ner.PERSON)
    print(
        f"index build: extraction {t_extract:.1f} s ({len(records) / t_extract:,.0f} articles/s), "
        f"merge + persist {t_merge:.1f} s in {len(range(0, len(records), args.chunk))} writes; "
        f"{n_ent:,} entities ({n_people_idx:,} people), {len(idx.names):,} lookup names"
    )
    size = (tmp / "db.json").stat().st_size / 1e6
    mem_index = peak_mb()
    print(f"database file {size:.1f} MB; peak memory so far {mem_index:.0f} MB")

    store.close()
    t = time.perf_counter()
    store = Store(tmp / "db.json")
    ei.get_index(store)
    print(f"reopen store + reload index from TinyDB: {time.perf_counter() - t:.2f} s")

    # queries: names that are in the index, typed four ways
    idx = ei.get_index(store)
    indexed_people = [e.name for e in idx.entities.values() if e.type == ner.PERSON and len(e.name.split()) > 1]
    indexed_orgs = [e.name for e in idx.entities.values() if e.type == ner.ORG]
    queries: list[tuple[str, str, str]] = []  # (kind, query, expected)
    for _ in range(args.queries):
        if rng.random() < 0.8:
            name = rng.choice(indexed_people)
            kind = rng.choice(["exact", "surname", "lowercase", "typo"])
            q = {
                "exact": name,
                "surname": name.split()[-1],
                "lowercase": name.lower(),
                "typo": " ".join([*name.split()[:-1], typo(rng, name.split()[-1])]),
            }[kind]
        else:
            name = rng.choice(indexed_orgs)
            kind = rng.choice(["exact", "lowercase", "typo"])
            q = {"exact": name, "lowercase": name.lower(), "typo": typo(rng, name)}[kind]
        queries.append((kind, q, name))
    queries.append(("nomatch", "Zzyzx Qwertyuiop", ""))

    lat: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    offered: dict[str, list[int]] = {}
    all_lat = []
    for kind, q, expected in queries:
        t = time.perf_counter()
        res = ei.lookup(store, q)
        dt = (time.perf_counter() - t) * 1000
        lat.setdefault(kind, []).append(dt)
        all_lat.append(dt)
        hits.setdefault(kind, []).append(int(res.card is not None and res.card.name == expected))
        offered.setdefault(kind, []).append(
            int(res.card is not None and (res.card.name == expected or expected in res.others))
        )
    print(f"\nlookup latency over {len(queries):,} queries (index in memory):")
    print(f"  all        p50 {pct(all_lat, 50):6.3f} ms  p99 {pct(all_lat, 99):6.3f} ms  max {max(all_lat):6.2f} ms")
    for kind in ("exact", "surname", "lowercase", "typo"):
        v = lat.get(kind, [])
        if v:
            acc = statistics.mean(hits[kind]) * 100
            off = statistics.mean(offered[kind]) * 100
            print(
                f"  {kind:10} p50 {pct(v, 50):6.3f} ms  p99 {pct(v, 99):6.3f} ms  "
                f"intended entity is the card {acc:5.1f}%, card or offered {off:5.1f}%  (n={len(v)})"
            )
    print(
        "  (surnames are shared by ~20 people each in the synthetic pool: the card is the most "
        "mentioned, up to 5 others are offered)"
    )

    base = []
    sample = rng.sample(queries, min(args.baseline_queries, len(queries)))
    for _kind, q, _expected in sample:
        t = time.perf_counter()
        naive_scan(store, q)
        base.append((time.perf_counter() - t) * 1000)
    print(
        f"\nbaseline naive scan of the articles table ({len(sample)} of the same queries; substring, "
        f"no typos, no aliases, no roles):"
    )
    print(f"  p50 {pct(base, 50):7.2f} ms  p99 {pct(base, 99):7.2f} ms")
    print(
        f"  ratio scan/index: p50 x{pct(base, 50) / pct(all_lat, 50):,.0f}, "
        f"p99 x{pct(base, 99) / pct(all_lat, 99):,.0f}"
    )
    print(f"\npeak memory (ru_maxrss) after build and lookups: {peak_mb():.0f} MB")

    # spaCy throughput on a sample, last so its memory does not count above
    ner.set_backend("spacy")
    t = time.perf_counter()
    name = ner.backend_name()
    t_load = time.perf_counter() - t
    if name == "rules":
        print("\nspaCy sample: no model installed")
    else:
        sample_recs = records[: args.sample]
        t = time.perf_counter()
        found = ner.extract_many([(r["body"], ()) for r in sample_recs])
        dt = time.perf_counter() - t
        per = sum(len(f) for f in found) / len(found)
        print(
            f"\nspaCy sample ({name}, loaded in {t_load:.2f} s): {len(sample_recs)} articles in {dt:.2f} s = "
            f"{len(sample_recs) / dt:,.0f} articles/s ({per:.1f} mentions/article); "
            f"peak memory with the model {peak_mb():.0f} MB"
        )
        t = time.perf_counter()
        ner.set_backend("rules")
        ner.extract_many([(r["body"], ()) for r in sample_recs])
        print(f"rules on the same sample: {len(sample_recs) / (time.perf_counter() - t):,.0f} articles/s")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

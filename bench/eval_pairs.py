"""Story clustering of full texts in other languages, against pairs of news articles
judged by people.

    python bench/eval_pairs.py [FILE.jsonl] [--half tune|report|all] [--no-baselines] [--limit N] [--why] [--show N]

FILE is in the format of ``../shared/eval/news-pairs-dev.jsonl`` (the default when it is
there): one JSON object a line with ``id, lang, title_1, text_1, title_2, text_2,
overall`` (SemEval-2022 Task 8: ``overall`` 1 = the same event ... 4 = unrelated).

Both articles of every pair go through newsbrief's real path: parsed as JSON records
(title and text; the language detected on ingest), stored in one fresh TinyDB file on
one day (in an order and at times of day fixed by a hash of their ids, so the two reports
of a pair are hours apart and mixed with every other pair's), and clustered by
:func:`cluster_pending`. Printed, per language and in all, for the pairs of the tuning
half and of the report-only half (the halves are fixed by a hash of the pair's id):

* **same**: pairs with ``overall`` <= 1.5 (one event) whose two articles share a story
  (goal: at least 80%);
* **unrelated**: pairs with ``overall`` >= 3.5 that share a story (goal: at most 5%);
* the pairs in between, for information.

With ``--why``: whether the unrelated pairs that share a story were joined directly (the
two full texts' similarity reaches the join threshold) or through other reports of the
store, and whether the same-event pairs missed were below the threshold.

Baselines of the same run: newsbrief's stories of the headlines alone (the same articles
without their texts: what the full-text path adds) and an online TF-IDF clustering of
title and text (each article joins the story of its most similar earlier article when
the cosine reaches a threshold, IDF over all the articles).

The data file is read in place and never copied into the repository.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbrief.summaries.articles.formats import parse_record  # noqa: E402
from newsbrief.summaries.config import Settings  # noqa: E402
from newsbrief.summaries.pipeline.core import NewsCore  # noqa: E402
from newsbrief.summaries.store import Store  # noqa: E402
from newsbrief.summaries.stories.clustering import cluster_pending  # noqa: E402
from newsbrief.summaries.stories.fulltext import (  # noqa: E402
    article_language,
    body_vector,
    full_text_counts,
    phrase_dot,
    phrases,
)

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "news-pairs-dev.jsonl"
DAY = "2026-01-15"
SAME, UNRELATED = 1.5, 3.5
BATCH = 200


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big")


def half_of(pair_id: str) -> str:
    """The half a pair is in: "tune" (tuning) or "report" (report only), by a hash of its id."""
    return "tune" if _hash("half:" + pair_id) % 2 == 0 else "report"


def reports(rows: list[dict]) -> list[tuple[str, dict]]:
    """(key, JSON record) of both articles of every pair, in the order they are ingested,
    each with its time of day on :data:`DAY`."""
    keyed = [(f"{r['id']}/{n}", r[f"title_{n}"] or "", r[f"text_{n}"] or "") for r in rows for n in (1, 2)]
    keyed.sort(key=lambda k: (_hash("order:" + k[0]), k[0]))
    out = []
    for i, (key, title, text) in enumerate(keyed):
        seconds = int(i * 86_400 / max(1, len(keyed)))
        hh, mm, ss = seconds // 3600, seconds // 60 % 60, seconds % 60
        out.append((key, {"title": title, "text": text, "published": f"{DAY}T{hh:02d}:{mm:02d}:{ss:02d}Z"}))
    return out


def newsbrief_stories(rows: list[dict], *, bodies: bool = True) -> tuple[dict[str, str], float]:
    """Story id of every article key (through a fresh store and the pipeline's own
    clustering); with ``bodies`` false, the headlines alone. Also the clustering seconds."""
    settings = Settings()
    story_of: dict[str, str] = {}
    seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "pairs.json") as store:
        core = NewsCore(store, settings)
        items = reports(rows)
        article_of: dict[str, str] = {}
        for start in range(0, len(items), BATCH):
            batch = []
            for key, record in items[start : start + BATCH]:
                if not bodies:
                    record = {"title": record["title"], "published": record["published"]}
                if not (record.get("title") or "").strip() and not (record.get("text") or "").strip():
                    continue
                try:
                    article = parse_record(record)
                except Exception:  # noqa: BLE001 - an article with no text left is no report
                    continue
                article_of[key] = article.id
                batch.append(article)
            result = store.upsert_articles(batch)
            owner = {aid: own for aid, own in result.duplicates}
            for key, aid in article_of.items():
                article_of[key] = owner.get(aid, aid)
            t0 = time.perf_counter()
            cluster_pending(store, core.story_index())
            seconds += time.perf_counter() - t0
        for key, aid in article_of.items():
            sid = store.story_id_of(aid)
            story_of[key] = sid or "single:" + aid
    return story_of, seconds


_TOKEN = re.compile(r"[^\W_]+")


def tfidf_stories(rows: list[dict], threshold: float) -> dict[str, str]:
    """Online TF-IDF clustering of title and text: an article joins the story of its most
    similar earlier article if the cosine reaches ``threshold``."""
    items = reports(rows)
    docs = [collections.Counter(_TOKEN.findall(f"{r['title']} {r['text']}".casefold())) for _k, r in items]
    df: collections.Counter[str] = collections.Counter()
    for doc in docs:
        df.update(doc.keys())
    n = len(docs)
    postings: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
    story: list[int] = []
    for i, doc in enumerate(docs):
        vec = {t: (1 + math.log(c)) * math.log((n + 1) / (df[t] + 0.5)) for t, c in doc.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vec = {t: w / norm for t, w in vec.items()}
        sims: dict[int, float] = collections.defaultdict(float)
        for t, w in vec.items():
            for j, wj in postings.get(t, ()):
                sims[j] += w * wj
        best = max(sims.items(), key=lambda kv: (kv[1], -kv[0]), default=(-1, 0.0))
        story.append(story[best[0]] if best[0] >= 0 and best[1] >= threshold else i)
        for t, w in vec.items():
            postings[t].append((i, w))
    return {key: str(story[i]) for i, (key, _r) in enumerate(items)}


def score(rows: list[dict], story_of: dict[str, str]) -> dict[tuple[str, str], list[int]]:
    """(half, language) -> [same joined, same, unrelated joined, unrelated, middle joined,
    middle], with "all" for both halves and both languages."""
    table: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0] * 6)
    for r in rows:
        a, b = story_of.get(f"{r['id']}/1"), story_of.get(f"{r['id']}/2")
        joined = int(a is not None and a == b)
        col = 0 if r["overall"] <= SAME else 2 if r["overall"] >= UNRELATED else 4
        for half in (half_of(r["id"]), "all"):
            for lang in (r["lang"], "all"):
                table[(half, lang)][col] += joined
                table[(half, lang)][col + 1] += 1
    return table


def direct_similarity(rows: list[dict]) -> dict[str, float]:
    """Pair id -> the full-text similarity of its two articles, as the story index weighs
    them (document frequencies over all the articles of ``rows``, as at the end of the day;
    the phrases both repeat counted once)."""
    settings = Settings().stories
    counts: dict[str, tuple[dict[str, float], str]] = {}
    said: dict[str, frozenset[tuple[str, str]]] = {}  # the phrases of each full text
    for key, record in reports(rows):
        try:
            article = parse_record(record).to_record()
        except Exception:  # noqa: BLE001 - an article with no text left is no report
            continue
        lang = article_language(article)
        counts[key] = (full_text_counts(article, lang), lang)
        said[key] = phrases(article, lang)
    df: collections.Counter[str] = collections.Counter()
    for terms, _lang in counts.values():
        df.update(terms.keys())
    vec = {k: body_vector(c, lang, df, len(counts), settings.store_idf_share) for k, (c, lang) in counts.items()}
    out = {}
    for r in rows:
        a, b = f"{r['id']}/1", f"{r['id']}/2"
        links = said.get(a, frozenset()) & said.get(b, frozenset())
        out[r["id"]] = phrase_dot(vec.get(a, {}), vec.get(b, {}), links)
    return out


def print_why(rows: list[dict], story_of: dict[str, str], halves: list[str], show: int) -> None:
    """Why pairs were joined or missed: DIRECT (the two texts' similarity reaches the join
    threshold) or through the rest of the store (CHAINED: each joined other reports; a
    miss whose texts are close enough lost to another story). Counts per half; the pairs
    themselves (up to ``show``) for the tuning half only."""
    threshold = Settings().stories.body_threshold
    sims = direct_similarity(rows)
    print(f"\nwhy (direct: the two full texts' similarity >= {threshold}; else through other reports)")
    for half in [h for h in halves if h != "all"]:
        mine = [r for r in rows if half_of(r["id"]) == half]
        joined = {r["id"]: story_of.get(f"{r['id']}/1") == story_of.get(f"{r['id']}/2") for r in mine}
        wrong = [r for r in mine if r["overall"] >= UNRELATED and joined[r["id"]]]
        missed = [r for r in mine if r["overall"] <= SAME and not joined[r["id"]]]
        w_direct = sum(sims[r["id"]] >= threshold for r in wrong)
        m_below = sum(sims[r["id"]] < threshold for r in missed)
        print(
            f"  {half:<7} unrelated joined: {w_direct} direct, {len(wrong) - w_direct} chained; "
            f"same missed: {m_below} below the threshold, {len(missed) - m_below} close enough but apart"
        )
        if half != "tune":
            continue
        for label, found in (("unrelated joined", wrong), ("same missed", missed)):
            for r in sorted(found, key=lambda r: -sims[r["id"]])[:show]:
                print(f"    {label}: {r['id']} similarity {sims[r['id']]:.3f}")


def _pct(k: int, n: int) -> str:
    return f"{k:>3}/{n:<3} {100 * k / n:5.1f}%" if n else f"{'-':>15}"


def print_table(name: str, table: dict[tuple[str, str], list[int]], halves: list[str], langs: list[str]) -> None:
    for half in halves:
        for lang in langs:
            sj, s, uj, u, mj, m = table.get((half, lang), [0] * 6)
            ok = "ok" if s and u and sj >= 0.8 * s and uj <= 0.05 * u else "  "
            print(f"{name:<34} {half:<7} {lang:<4} {_pct(sj, s):>15} {_pct(uj, u):>15} {_pct(mj, m):>15} {ok}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--half", choices=("tune", "report", "all"), help="print only this half (default: all three)")
    ap.add_argument("--no-baselines", action="store_true", help="newsbrief only (faster, for tuning)")
    ap.add_argument("--limit", type=int, help="only the first N pairs (a smoke test)")
    ap.add_argument("--why", action="store_true", help="count direct and chained joins and misses (see print_why)")
    ap.add_argument("--show", type=int, default=0, help="list up to N missed and N wrongly joined pairs (tuning half)")
    args = ap.parse_args(argv)
    if not args.file.exists():
        print(f"{args.file} is not there (the shared evaluation data is read from ../shared/eval/): nothing to do")
        return 0
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    halves = [args.half] if args.half else ["tune", "report", "all"]
    langs = sorted({r["lang"] for r in rows}) + ["all"]
    counts = collections.Counter(half_of(r["id"]) for r in rows)
    print(
        f"{len(rows)} pairs ({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}), "
        f"{2 * len(rows)} articles in one store on {DAY}, from {args.file}"
    )
    print(f"same: overall <= {SAME} (goal >= 80% joined); unrelated: overall >= {UNRELATED} (goal <= 5% joined)")
    heads = f"{'same joined':>15} {'unrelated joined':>15} {'middle joined':>15}"
    print(f"\n{'system':<34} {'half':<7} {'lang':<4} {heads}")
    story_of, seconds = newsbrief_stories(rows)
    print_table("newsbrief stories", score(rows, story_of), halves, langs)
    systems: list[tuple[str, Callable[[], dict[str, str]]]] = []
    if not args.no_baselines:
        systems.append(("baseline: newsbrief, headlines only", lambda: newsbrief_stories(rows, bodies=False)[0]))
        for th in (0.2, 0.3, 0.4):
            systems.append((f"baseline: TF-IDF cosine >= {th:.2f}", lambda th=th: tfidf_stories(rows, th)))
    for name, run in systems:
        print_table(name, score(rows, run()), halves, langs)
    print(f"\nclustering: {seconds / max(1, len(story_of)) * 1000:.2f} ms an article ({len(story_of)} articles)")
    if args.why:
        print_why(rows, story_of, halves, args.show)
    if args.show:
        missed = [r for r in rows if half_of(r["id"]) == "tune" and r["overall"] <= SAME]
        missed = [r for r in missed if story_of.get(f"{r['id']}/1") != story_of.get(f"{r['id']}/2")]
        wrong = [r for r in rows if half_of(r["id"]) == "tune" and r["overall"] >= UNRELATED]
        wrong = [r for r in wrong if story_of.get(f"{r['id']}/1") == story_of.get(f"{r['id']}/2")]
        for label, found in (("missed", missed), ("wrongly joined", wrong)):
            print(f"\n{label} (tuning half):")
            for r in found[: args.show]:
                print(f"  {r['id']} {r['overall']}: {r['title_1'][:70]!r} | {r['title_2'][:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

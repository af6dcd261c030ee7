"""Ingest benchmark: articles per second, and whether per-article cost stays flat.

Generates N wire-format article files (N = 1,000 and 10,000 by default), ingests each set
into a fresh database with newsbrief's batched atomic store, and prints articles per
second and the ratio of per-article cost at the largest N to that at the smallest (near 1
means linear). The baseline is TinyDB's default way, one ``insert`` per article into the
default JSONStorage, on the same records; it is quadratic, so it runs on smaller N
(``--baseline-n``) and the same ratio is printed for it.

    python bench/ingest.py [--n 1000 10000] [--baseline-n 500 1000 2000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from tinydb import TinyDB

from newsbrief.summaries.articles.formats import read_articles
from newsbrief.summaries.ingest.files import ingest_paths
from newsbrief.summaries.store import Store

WORDS = (
    "government council minister market talks agreement officials report police court league season "
    "company shares profit growth election voters climate energy defence health hospital school city"
).split()
PLACES = ["New Delhi [India]", "London [UK]", "Paris [France]", "Tokyo [Japan]", "Nairobi [Kenya]"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def generate(folder: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(n):
        paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(5, 10))]
        paragraphs.insert(2, f"Also Read | Story number {rng.randint(0, 10**6)} you might like.")
        day = 1 + i % 28
        text = (
            f"date 2025-07-{day:02d} {rng.choice(PLACES)}, July {day} (ANI): Story {i}. "
            + "\n\n".join(paragraphs)
            + " (ANI)\n"
        )
        (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")


def bench_newsbrief(folder: Path, db: Path) -> float:
    start = time.perf_counter()
    with Store(db) as store:
        report = ingest_paths(store, [folder])
    elapsed = time.perf_counter() - start
    assert not report.skipped, report.skipped[:3]
    return elapsed


def bench_tinydb_default(folder: Path, db: Path, n: int) -> float:
    records = []
    for path in sorted(folder.iterdir())[:n]:
        records += [a.to_record() for a in read_articles(path)]
    start = time.perf_counter()
    with TinyDB(db) as tiny:
        table = tiny.table("articles")
        for record in records:
            table.insert(record)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--baseline-n", type=int, nargs="+", default=[500, 1000, 2000])
    args = parser.parse_args(argv)
    sizes = sorted(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "articles"
        folder.mkdir()
        generate(folder, max(sizes + args.baseline_n))
        all_files = sorted(folder.iterdir())
        print(f"{'store':<28}{'N':>8}{'seconds':>10}{'articles/s':>12}{'ms/article':>12}")
        per_article: dict[str, dict[int, float]] = {
            "newsbrief (batched, atomic)": {},
            "TinyDB default (insert each)": {},
        }
        for n in sizes:
            sub = root / f"n{n}"
            sub.mkdir()
            for path in all_files[:n]:
                (sub / path.name).symlink_to(path)
            seconds = bench_newsbrief(sub, root / f"nb{n}.json")
            per_article["newsbrief (batched, atomic)"][n] = seconds / n
            print(
                f"{'newsbrief (batched, atomic)':<28}{n:>8}{seconds:>10.2f}"
                f"{n / seconds:>12.0f}{1000 * seconds / n:>12.3f}"
            )
        for n in sorted(args.baseline_n):
            seconds = bench_tinydb_default(folder, root / f"tiny{n}.json", n)
            per_article["TinyDB default (insert each)"][n] = seconds / n
            print(
                f"{'TinyDB default (insert each)':<28}{n:>8}{seconds:>10.2f}"
                f"{n / seconds:>12.0f}{1000 * seconds / n:>12.3f}"
            )
        print()
        for name, costs in per_article.items():
            lo, hi = min(costs), max(costs)
            if lo != hi:
                print(
                    f"{name}: per-article cost at N={hi:,} / at N={lo:,} = {costs[hi] / costs[lo]:.2f} "
                    f"(N grew {hi / lo:.0f}x; 1.0 is linear, {hi / lo:.0f} is quadratic)"
                )
        common = sorted(
            set(per_article["newsbrief (batched, atomic)"]) & set(per_article["TinyDB default (insert each)"])
        )
        for n in common:
            print(
                f"at N={n:,}: TinyDB default is "
                f"{per_article['TinyDB default (insert each)'][n] / per_article['newsbrief (batched, atomic)'][n]:.1f}x"
                " slower per article"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

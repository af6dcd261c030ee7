"""Story clustering cost per article as the store grows: 1,000 to 100,000 articles.

    python bench/stories.py [--sizes 1000,10000,100000] [--rate 3000]

Synthetic headline stream at ``--rate`` articles a day (a large deployment), stories of
1 to 40 reports drawn from a 30,000-word vocabulary plus common words. For each size N,
the index first takes N articles, then the next 1,000 are timed; the figure is ms per
article, and the ratio to the smallest size shows whether the cost stays flat (the
baseline, in the same run, is the same 1,000 articles after only 1,000). A second table
times the whole stored path (``cluster_pending`` on a TinyDB store, with its write) for
1,000 new articles on top of 1,000 and of 20,000 stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import StorySettings  # noqa: E402
from newsbrief.summaries.store import Store  # noqa: E402
from newsbrief.summaries.stories.clustering import StoryIndex, cluster_pending  # noqa: E402

COMMON = "the a of to in on for with after over as at by from new says will could may".split()


def stream(n: int, rate_per_day: float, seed: int = 7):
    """``n`` synthetic headline records in time order."""
    rng = random.Random(seed)
    vocab = [f"w{i}x" for i in range(30_000)]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    story_words: list[list[str]] = []
    left: list[int] = []
    for i in range(n):
        if not story_words or rng.random() < 0.3:
            story_words.append(rng.sample(vocab, 6))
            left.append(rng.randint(1, 40))
        k = rng.randrange(max(0, len(story_words) - 50), len(story_words))
        words = rng.sample(story_words[k], 4) + rng.sample(COMMON, 3)
        rng.shuffle(words)
        when = start + dt.timedelta(days=i / rate_per_day)
        yield {
            "id": f"{i:016x}",
            "headline": " ".join(words).capitalize(),
            "body": "",
            "content_hash": f"h{i}",
            "published": when.isoformat(),
            "source": f"outlet{rng.randrange(500)}",
            "seq": i,
        }


def index_cost(size: int, rate: float, timed: int = 1000) -> float:
    records = list(stream(size + timed, rate))
    idx = StoryIndex(StorySettings())
    for r in records[:size]:
        idx.assign(r)
    t0 = time.perf_counter()
    for r in records[size:]:
        idx.assign(r)
    return (time.perf_counter() - t0) / timed * 1000


def stored_cost(size: int, rate: float, timed: int = 1000) -> float:
    records = list(stream(size + timed, rate))

    def article(r: dict) -> Article:
        return Article(
            headline=r["headline"],
            body=r["headline"],
            date=r["published"][:10],
            source=r["source"],
            url=f"https://example.org/{r['id']}",
            published=r["published"],
        )

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "db.json") as store:
        store.upsert_articles([article(r) for r in records[:size]])
        idx = StoryIndex.load(store, StorySettings())
        cluster_pending(store, idx)
        store.upsert_articles([article(r) for r in records[size:]])
        t0 = time.perf_counter()
        cluster_pending(store, idx)
        return (time.perf_counter() - t0) / timed * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--stored-sizes", default="1000,20000")
    ap.add_argument("--rate", type=float, default=3000.0, help="articles a day")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"story index, {args.rate:.0f} articles a day, the next 1,000 articles timed")
    print(f"{'stored':>8} {'ms/article':>11} {'ratio to ' + format(sizes[0], ','):>16}")
    base = None
    for size in sizes:
        ms = index_cost(size, args.rate)
        base = base or ms
        print(f"{size:>8,} {ms:>11.3f} {ms / base:>16.2f}")
    stored = [int(s) for s in args.stored_sizes.split(",")]
    print("\nwhole stored path (cluster_pending on TinyDB, its write included), 1,000 new articles")
    print(f"{'stored':>8} {'ms/article':>11} {'ratio to ' + format(stored[0], ','):>16}")
    base = None
    for size in stored:
        ms = stored_cost(size, args.rate)
        base = base or ms
        print(f"{size:>8,} {ms:>11.3f} {ms / base:>16.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

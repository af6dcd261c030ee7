"""Chats' own sources and follows at scale: ``--chats`` chats (1,000 by default), each
with ``--per-chat`` own sources (20) drawn from ``--feeds`` distinct local feeds (2,000),
and ``--follows`` follows in all (20,000) over a pool of names.

1. One job run (:func:`summaries.pipeline.run.ingest_sources`, the catalog included) against
   a local HTTP server on 127.0.0.1: requests per feed (the goal: each feed once, however
   many chats read it), time, articles stored.
2. Digests: each chat's briefing restricted to its own sources and filters
   (:func:`bot.chat_news.compose_for`) for ``--sample`` chats, against the unrestricted
   briefing on the same store in the same run (the ratio), and memory (tracemalloc peak).
3. Alerts: the followed names each new story mentions, with the index
   (:class:`summaries.stories.follows.NameIndex`) against testing every followed name's pattern
   on every story (the baseline, in the same run): time, ratio, memory.

Chats are created directly (their /add discovery is one fetch each and is measured by
the end-to-end tests, not here). Nothing leaves this machine.

    python bench/chats.py [--chats 1000] [--per-chat 20] [--feeds 2000] [--follows 20000] [--entries 3]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import random
import sys
import tempfile
import threading
import time
import tracemalloc
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbrief.bot.chat_news import compose_for  # noqa: E402
from newsbrief.bot.chats import ChatBook, ChatPrefs  # noqa: E402
from newsbrief.summaries.config import FetchSettings, Settings  # noqa: E402
from newsbrief.summaries.ingest.chat_sources import TABLE, source_name  # noqa: E402
from newsbrief.summaries.pipeline.run import ingest_sources  # noqa: E402
from newsbrief.summaries.store import Store  # noqa: E402
from newsbrief.summaries.stories.briefing import compose_briefing  # noqa: E402
from newsbrief.summaries.stories.filters import phrase_pattern  # noqa: E402
from newsbrief.summaries.stories.follows import NameIndex  # noqa: E402
from newsbrief.summaries.text import fold_accents  # noqa: E402

WORDS = (
    "government council minister market talks agreement officials report police court league season company "
    "shares profit growth election voters climate energy defence health hospital school city river bridge "
    "harbour railway museum library festival farmers harvest weather storm repairs"
).split()
FIRST = "Ana Ben Carla Dev Eva Farid Gita Hugo Ines Jon Kofi Lena Marta Nils Omar Pia Quinn Rosa Sami Tara".split()
LAST = [
    f"{a}{b}"
    for a in ("Mor", "Lind", "Kov", "Sato", "Ade", "Berg", "Cruz", "Diaz", "Ek", "Fox")
    for b in ("ales", "ström", "acs", "ru", "yemi", "man", "ton", "ez", "lund", "worth")
]
DAY = dt.date.today()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(14, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def make_feeds(n: int, entries: int, names: list[str], rng: random.Random) -> dict[str, bytes]:
    when = format_datetime(dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    feeds = {}
    for f in range(n):
        items = []
        for e in range(entries):
            who = rng.choice(names) if rng.random() < 0.3 else ""
            body = " ".join(sentence(rng) for _ in range(6)) + (f" {who} said so on Monday." if who else "")
            head = f"{sentence(rng)[:60]} {f}-{e}"
            items.append(
                f"<item><title>{escape(head)}</title><link>https://n{f}.example.org/{e}</link>"
                f"<description>{escape(body)}</description><pubDate>{when}</pubDate></item>"
            )
        feeds[f"/f{f}.xml"] = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>'
            f"<link>https://n{f}.example.org/</link><description>d</description>{''.join(items)}"
            "</channel></rss>"
        ).encode()
    return feeds


class Server:
    def __init__(self, pages: dict[str, bytes]) -> None:
        self.hits: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    hits[self.path] += 1
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def peak(fn, memory_fn=None):  # type: ignore[no-untyped-def]
    """(result, seconds, peak traced bytes): timed without tracing (tracemalloc slows
    allocation-heavy code several times), then ``memory_fn`` (default ``fn``) traced."""
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    (memory_fn or fn)()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, top


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--per-chat", type=int, default=20)
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--follows", type=int, default=20000)
    parser.add_argument("--entries", type=int, default=3)
    parser.add_argument("--sample", type=int, default=20, help="chats whose digest is composed and timed")
    args = parser.parse_args(argv)
    rng = random.Random(15)
    names = [f"{a} {b}" for a in FIRST for b in LAST]  # 2,000 names
    pages = make_feeds(args.feeds, args.entries, names, rng)
    server = Server(pages)
    urls = [server.url(p) for p in pages]
    settings = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "db.json") as store:
        store.put_documents(
            TABLE,
            [{"name": source_name(u), "kind": "feed", "location": u, "title": f"Feed {i}"} for i, u in enumerate(urls)],
        )
        per_chat_follows = max(1, args.follows // args.chats)
        chats = [
            ChatPrefs(
                chat_id=1000 + c,
                sources=tuple(source_name(u) for u in rng.sample(urls, args.per_chat)),
                operator_sources=False,
                follows=tuple(rng.sample(names, per_chat_follows)),
            )
            for c in range(args.chats)
        ]
        book = ChatBook(store, settings)
        book.save_many(chats)
        follows = sum(len(p.follows) for p in chats)
        read = {n for p in chats for n in p.sources}
        print(
            f"{args.chats:,} chats x {args.per_chat} own sources ({len(read):,} distinct of {args.feeds:,} feeds), "
            f"{follows:,} follows over {len({n for p in chats for n in p.follows}):,} names"
        )

        # 1. one job run
        started = time.perf_counter()
        report = ingest_sources(store, settings)
        run_s = time.perf_counter() - started
        feed_hits = [server.hits[p] for p in pages]
        print(
            f"job run: {run_s:.1f} s, {sum(feed_hits):,} requests for {len(pages):,} feeds "
            f"(per feed: min {min(feed_hits)}, max {max(feed_hits)}), {len(report.added):,} articles stored"
        )
        ok = max(feed_hits) == 1

        # 2. digests
        sample = chats[: args.sample]
        _, unrestricted_s, unrestricted_mem = peak(
            lambda: [compose_briefing(store, day=DAY, limit=5) for _ in sample],
            lambda: compose_briefing(store, day=DAY, limit=5),
        )
        briefs, restricted_s, restricted_mem = peak(
            lambda: [compose_for(store, p, settings, day=DAY, limit=5) for p in sample],
            lambda: compose_for(store, sample[0], settings, day=DAY, limit=5),
        )
        own_only = all(all(s.source.startswith("Feed ") for s in b.stories) for b in briefs)
        print(
            f"digests: {restricted_s / len(sample) * 1000:.1f} ms per chat restricted to its sources, "
            f"{unrestricted_s / len(sample) * 1000:.1f} ms unrestricted (ratio {restricted_s / unrestricted_s:.2f}); "
            f"memory peak of one {restricted_mem / 1e6:.1f} MB (unrestricted {unrestricted_mem / 1e6:.1f} MB); "
            f"only own sources: {own_only}; projected for all {args.chats:,} chats: "
            f"{restricted_s / len(sample) * args.chats:.1f} s"
        )

        # 3. alerts
        articles = list(store.iter_articles())
        texts = [f"{a['headline']}\n{a['body']}" for a in articles]
        all_follows = [n for p in chats for n in p.follows]

        def indexed() -> int:
            index = NameIndex(all_follows)
            return sum(len(index.mentioned(t)) for t in texts)

        hits, index_s, index_mem = peak(indexed)
        baseline_n = min(len(texts), 300)
        distinct = sorted(set(all_follows))
        patterns = [phrase_pattern(n) for n in distinct]

        def naive() -> int:
            folded = [fold_accents(t) for t in texts[:baseline_n]]
            return sum(1 for t in folded for p in patterns if p.search(t))

        started = time.perf_counter()
        naive()
        naive_s = time.perf_counter() - started
        naive_full = naive_s / baseline_n * len(texts)
        print(
            f"alerts: {len(texts):,} new articles against {len(all_follows):,} follows: {index_s:.2f} s with the "
            f"name index ({hits:,} mentions), memory peak {index_mem / 1e6:.1f} MB; testing every name on every "
            f"article: {naive_full:.1f} s (measured on {baseline_n}, scaled); ratio {index_s / naive_full:.3f}"
        )
        server.httpd.shutdown()
    print("each feed fetched once:", "yes" if ok else "NO")
    return 0 if ok and own_only else 1


if __name__ == "__main__":
    sys.exit(main())

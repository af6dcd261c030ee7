"""Feed fetching benchmark: a first run that fetches and stores everything, next to a
second run where every feed answers 304 Not Modified.

Generates ``--feeds`` RSS 2.0 feeds (50 by default) of ``--entries`` full-text entries
each (50 by default), serves them from a local HTTP server on 127.0.0.1 (with ETag and
Last-Modified, answering conditional requests with 304), and runs
:func:`summaries.sources.fetch_due` twice on a fresh database. Prints the time and the
number of HTTP requests of each run, and the ratio. Nothing leaves this machine.

    python bench/sources.py [--feeds 50] [--entries 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from summaries.config import Settings, Source
from summaries.sources import FetchOptions, fetch_due
from summaries.store import Store

WORDS = (
    "government council minister market talks agreement officials report police court league season "
    "company shares profit growth election voters climate energy defence health hospital school city "
    "river bridge harbour railway museum library festival farmers harvest weather storm repairs"
).split()
LAST_MODIFIED = "Fri, 18 Jul 2025 08:00:00 GMT"


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def make_feed(base: str, f: int, entries: int, rng: random.Random) -> bytes:
    items = []
    when = dt.datetime(2025, 7, 18, 8, 0, tzinfo=dt.timezone.utc)
    for e in range(entries):
        paragraphs = ["<p>" + " ".join(sentence(rng) for _ in range(3)) + "</p>" for _ in range(4)]
        items.append(
            "<item>"
            f"<title>{escape(sentence(rng)[:70].rstrip('.'))} {f}-{e}</title>"
            f"<link>{base}/story/{f}/{e}</link>"
            f"<pubDate>{format_datetime(when - dt.timedelta(hours=e))}</pubDate>"
            f"<description>{escape(''.join(paragraphs))}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Feed {f}</title><link>{base}/</link><description>generated</description>"
        + "".join(items) + "</channel></rss>"
    ).encode()


class Server:
    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        self.requests = 0
        self.not_modified = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with outer.lock:
                    outer.requests += 1
                body = outer.feeds.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    with outer.lock:
                        outer.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args(argv)

    server = Server()
    rng = random.Random(11)
    sources = []
    total_bytes = 0
    for f in range(args.feeds):
        path = f"/feed/{f}.xml"
        server.feeds[path] = make_feed(server.base, f, args.entries, rng)
        total_bytes += len(server.feeds[path])
        sources.append(Source(name=f"feed {f}", kind="feed", location=server.base + path))
    options = FetchOptions(trust_env=False)  # defaults otherwise: 10 s timeout, 5 MB cap, 4 at once
    print(f"{args.feeds} feeds x {args.entries} entries ({total_bytes / 1e6:.1f} MB of RSS), "
          f"served from {server.base}, {options.concurrency} requests at once\n")
    try:
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.json") as store:
            t0 = dt.datetime.now(dt.timezone.utc)
            rows = []
            for label, now in (("first run (200, parse, store)", t0), ("second run (all 304)", t0 + dt.timedelta(minutes=1))):
                before = server.requests
                started = time.perf_counter()
                report = fetch_due(store, sources, Settings(), options=options, now=now)
                seconds = time.perf_counter() - started
                rows.append((label, seconds, server.requests - before, report))
            print(f"{'run':<32}{'seconds':>9}{'requests':>10}{'added':>8}{'unchanged':>11}{'skipped':>9}")
            for label, seconds, requests, report in rows:
                print(f"{label:<32}{seconds:>9.2f}{requests:>10}{len(report.added):>8}{len(report.unchanged):>11}{len(report.skipped):>9}")
            print(f"\nstored articles: {store.article_count()}; 304 answers: {server.not_modified}")
            (_, first, req1, _), (_, second, req2, _) = rows
            print(f"second run / first run: time {second / first:.3f} ({first / second:.0f}x faster), "
                  f"requests {req2}/{req1}")
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

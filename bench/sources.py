"""Feed fetching benchmark: the safe fetcher against the previous one, and a first run
that fetches and stores everything next to a second run where every feed answers 304.

Generates ``--feeds`` RSS 2.0 feeds (50 by default) of ``--entries`` full-text entries
each (50 by default) and serves them from a local HTTP server on 127.0.0.1 (gzip when
the client accepts it, ETag and Last-Modified, 304 for conditional requests).

1. Safe against previous, in the same run, ``--repeat`` times in alternating order (the
   medians are compared): :func:`summaries.ingest.feeds.fetch_due` on a fresh database with
   :class:`summaries.ingest.fetch.Fetcher` and the feed entity check (today's path), and with
   the fetcher this project had before (plain httpx: it resolves names itself, decodes
   whole chunks, checks no address), kept here only as the baseline, without the entity
   check. Also the fetch alone (every feed fetched once, nothing parsed) both ways.
   Prints the ratios; the goal is at most 1.10.
2. The first run (200, parse, store) and a second run (all 304) with the safe fetcher:
   time, requests, and the ratio.

Nothing leaves this machine.

    python bench/sources.py [--feeds 50] [--entries 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gzip
import hashlib
import random
import statistics
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

import newsbrief.summaries.ingest.feeds as sources_module
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.feeds import fetch_due
from newsbrief.summaries.ingest.fetch import Fetcher, FetchError, FetchOptions, Response, _ssl_context, run_sync
from newsbrief.summaries.store import Store

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
    when = dt.datetime(2025, 7, 18, 8, 0, tzinfo=dt.UTC)
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
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class Server:
    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        self.gzipped: dict[str, bytes] = {}
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
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = outer.gzipped[self.path]
                    self.send_header("Content-Encoding", "gzip")
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


class PreviousFetcher:
    """The fetcher this project had before :mod:`summaries.ingest.fetch` (the baseline only):
    httpx following redirects itself, decoding each chunk whole, no address check."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.requests = 0
        self._semaphore = asyncio.Semaphore(max(1, options.concurrency))
        self.client = httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=options.max_redirects,
            timeout=httpx.Timeout(options.timeout),
            headers={"User-Agent": options.user_agent},
            limits=httpx.Limits(max_connections=max(1, options.concurrency) * 2),
            trust_env=False,
            verify=_ssl_context(),  # the same TLS set-up: the ratio measures the checks alone
        )

    async def __aenter__(self) -> PreviousFetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def get(
        self, url: str, *, etag: str = "", last_modified: str = "", accept: str = "*/*", from_content: bool = False
    ) -> Response:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._semaphore:
            self.requests += 1
            return await asyncio.wait_for(self._get(url, headers), self.options.total_deadline)

    async def _get(self, url: str, headers: dict[str, str]) -> Response:
        cap = self.options.max_bytes
        async with self.client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 304:
                return Response(
                    str(resp.url), 304, b"", "", resp.headers.get("etag", ""), resp.headers.get("last-modified", "")
                )
            if resp.status_code >= 400:
                raise FetchError(f"HTTP {resp.status_code}")
            chunks, size = [], 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError("too large")
                chunks.append(chunk)
            return Response(
                str(resp.url),
                resp.status_code,
                b"".join(chunks),
                resp.headers.get("content-type", ""),
                resp.headers.get("etag", ""),
                resp.headers.get("last-modified", ""),
            )


@contextlib.contextmanager
def previous_path():
    """fetch_due as it was: the previous fetcher, no entity check (the baseline)."""
    saved = sources_module.Fetcher, sources_module.refuse_entity_declarations
    sources_module.Fetcher, sources_module.refuse_entity_declarations = PreviousFetcher, lambda data: None
    try:
        yield
    finally:
        sources_module.Fetcher, sources_module.refuse_entity_declarations = saved


async def fetch_only(fetcher_class: type, urls: list[str], options: FetchOptions) -> int:
    async with fetcher_class(options) as fetcher:
        responses = await asyncio.gather(*(fetcher.get(u) for u in urls))
    return sum(len(r.content) for r in responses)


def compare(server: Server, sources: list[Source], options: FetchOptions, repeat: int) -> None:
    urls = [s.location for s in sources]
    times: dict[str, dict[str, list[float]]] = {
        "fetch only": {"previous": [], "safe": []},
        "first run": {"previous": [], "safe": []},
    }
    for rep in range(repeat):
        for kind in ("previous", "safe") if rep % 2 == 0 else ("safe", "previous"):
            fetcher_class = PreviousFetcher if kind == "previous" else Fetcher
            started = time.perf_counter()
            size = run_sync(fetch_only(fetcher_class, urls, options))
            times["fetch only"][kind].append(time.perf_counter() - started)
            assert size == sum(len(b) for b in server.feeds.values()), "a fetcher lost bytes"
            with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.json") as store:
                with previous_path() if kind == "previous" else contextlib.nullcontext():
                    started = time.perf_counter()
                    report = fetch_due(store, sources, Settings(), options=options)
                    times["first run"][kind].append(time.perf_counter() - started)
                assert not report.skipped, report.skipped[:3]
    print(
        f"safe fetcher against the previous one, {repeat} runs each in alternating order "
        "(median and best; the ratio is safe / previous):"
    )
    print(f"{'':<34}{'previous s':>11}{'safe s':>9}{'ratio':>8}{'best prev':>11}{'best safe':>11}{'ratio':>8}")
    for label, row in times.items():
        prev, safe = statistics.median(row["previous"]), statistics.median(row["safe"])
        best_prev, best_safe = min(row["previous"]), min(row["safe"])
        what = f"{label} ({len(urls)} GETs)" if label == "fetch only" else f"{label} (fetch, parse, store)"
        print(
            f"{what:<34}{prev:>11.3f}{safe:>9.3f}{safe / prev:>8.3f}{best_prev:>11.3f}{best_safe:>11.3f}"
            f"{best_safe / best_prev:>8.3f}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    server = Server()
    rng = random.Random(11)
    sources = []
    total_bytes = 0
    for f in range(args.feeds):
        path = f"/feed/{f}.xml"
        server.feeds[path] = make_feed(server.base, f, args.entries, rng)
        server.gzipped[path] = gzip.compress(server.feeds[path], 6)
        total_bytes += len(server.feeds[path])
        sources.append(Source(name=f"feed {f}", kind="feed", location=server.base + path))
    # the local server is allowed by name, as an operator allows an intranet host;
    # defaults otherwise: 10 s timeout, 5 MB cap, 4 requests at once
    options = FetchOptions(allowed_hosts=("127.0.0.1",))
    gz_bytes = sum(len(b) for b in server.gzipped.values())
    print(
        f"{args.feeds} feeds x {args.entries} entries ({total_bytes / 1e6:.1f} MB of RSS, {gz_bytes / 1e6:.1f} MB "
        f"gzipped), served from {server.base}, {options.concurrency} requests at once\n"
    )
    try:
        compare(server, sources, options, max(1, args.repeat))
        print("safe fetcher: first run, then every feed unchanged:")
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.json") as store:
            t0 = dt.datetime.now(dt.UTC)
            rows = []
            for label, now in (
                ("first run (200, parse, store)", t0),
                ("second run (all 304)", t0 + dt.timedelta(minutes=1)),
            ):
                before = server.requests
                started = time.perf_counter()
                report = fetch_due(store, sources, Settings(), options=options, now=now)
                seconds = time.perf_counter() - started
                rows.append((label, seconds, server.requests - before, report))
            print(f"{'run':<32}{'seconds':>9}{'requests':>10}{'added':>8}{'unchanged':>11}{'skipped':>9}")
            for label, seconds, requests, report in rows:
                print(
                    f"{label:<32}{seconds:>9.2f}{requests:>10}{len(report.added):>8}{len(report.unchanged):>11}{len(report.skipped):>9}"
                )
            print(f"\nstored articles: {store.article_count()}; 304 answers: {server.not_modified}")
            (_, first, req1, _), (_, second, req2, _) = rows
            print(
                f"second run / first run: time {second / first:.3f} ({first / second:.0f}x faster), "
                f"requests {req2}/{req1}"
            )
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Web sources against a local HTTP server: feeds, teaser pages, conditional requests,
failures and backoff, de-duplication, summarize_url, the pipeline and the CLI.

Everything is served from 127.0.0.1; nothing here reaches the internet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from newsbrief.summaries.articles.model import Article
from newsbrief.summaries.config import FetchSettings, Settings, Source, StorageSettings
from newsbrief.summaries.ingest.feeds import SourceError, backoff_minutes, fetch_due
from newsbrief.summaries.ingest.fetch import FetchOptions
from newsbrief.summaries.ingest.source_state import source_status
from newsbrief.summaries.pipeline.on_demand import summarize_url
from newsbrief.summaries.store import Store
from newsbrief.summaries.stories.briefing import Story

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
T0 = dt.datetime(2025, 7, 20, 12, 0, tzinfo=dt.UTC)
LAST_MODIFIED = "Fri, 18 Jul 2025 08:00:00 GMT"
HUGE_TOTAL = 64 * 1024 * 1024  # what the endless endpoint would send if nobody stopped it
CAP = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000

FEED_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rdf": "application/rdf+xml",
    ".html": "text/html; charset=utf-8",
}


class FeedServer:
    """Serves the fixture feeds and pages, and a few misbehaving endpoints."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # lets the never-answering endpoint go at teardown
        self.flaky_failures = 0
        self.huge_sent = 0
        self.huge_done = threading.Event()
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                try:
                    server.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, prefix: str) -> list[dict[str, str]]:
        with self.lock:
            return [h for p, h in self.requests if p.startswith(prefix)]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- responses ---------------------------------------------------------------------

    def fixture(self, name: str) -> bytes:
        return (FIXTURES / name).read_text(encoding="utf-8").replace("{BASE}", self.base).encode()

    def send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes = b"",
        ctype: str = "text/plain",
        headers: dict[str, str] | None = None,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def static(self, h: BaseHTTPRequestHandler, name: str, query: dict[str, list[str]]) -> None:
        """A fixture with validators: an ETag (unless ?validators=lastmod) and Last-Modified;
        304 when the request carries them."""
        body = self.fixture(name)
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        lastmod_only = query.get("validators") == ["lastmod"]
        headers = {"Last-Modified": LAST_MODIFIED} if lastmod_only else {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        inm, ims = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
        if (not lastmod_only and inm == etag) or (inm is None and ims == LAST_MODIFIED):
            h.send_response(304)
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            return
        ctype = "application/atom+xml" if name == "atom.xml" else FEED_TYPES[Path(name).suffix]
        self.send(h, 200, body, ctype, headers)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/feeds/error500.xml":
            self.send(h, 500, b"Internal Server Error")
        elif path == "/feeds/slow.xml":
            self.release.wait(10)
            self.send(h, 200, self.fixture("rss2_full.xml"), "application/rss+xml")
        elif path == "/feeds/flaky.xml":
            with self.lock:
                fail = self.flaky_failures > 0
                self.flaky_failures -= fail
            if fail:
                self.send(h, 503, b"try later")
            else:
                self.static(h, "atom.xml", query)
        elif path == "/feeds/huge.xml":  # endless, no Content-Length: only the cap stops it
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.end_headers()
            chunk = b"<!-- padding -->" * 4096
            try:
                while self.huge_sent < HUGE_TOTAL and not self.release.is_set():
                    h.wfile.write(chunk)
                    self.huge_sent += len(chunk)
            finally:
                self.huge_done.set()
        elif path == "/pages/fifty-megabytes.bin":  # declares 50 MB, sends almost nothing
            h.send_response(200)
            h.send_header("Content-Type", "application/octet-stream")
            h.send_header("Content-Length", str(50 * 1024 * 1024))
            h.end_headers()
            h.wfile.write(b"\x00" * 1024)
        elif path.startswith("/busy/"):  # slow enough that requests overlap
            with self.lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            time.sleep(0.1)
            with self.lock:
                self.in_flight -= 1
            self.static(h, "rss1.rdf" if path.endswith("0") else "etag.xml", query)
        elif path == "/pages/image.png":
            self.send(h, 200, PNG, "image/png")
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                self.static(h, "rss1.rdf", query)
            else:
                h.send_response(302)
                h.send_header("Location", f"/redirect/{n - 1}")
                h.send_header("Content-Length", "0")
                h.end_headers()
        elif path.startswith("/feeds/") and (FIXTURES / path[len("/feeds/") :]).is_file():
            self.static(h, path[len("/feeds/") :], query)
        elif path.startswith("/pages/") and (FIXTURES / path[1:]).is_file():
            self.static(h, path[1:], query)
        else:
            self.send(h, 404, b"Not Found")


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.json") as s:
        yield s


# the test server is on 127.0.0.1: allowed by name, as an operator would allow an intranet host;
# a roomy timeout: a busy machine answers late
OPTIONS = FetchOptions(timeout=1.5, max_bytes=CAP, allowed_hosts=("127.0.0.1",))


def src(server: FeedServer, name: str, path: str, kind: str = "feed", every: float = 0.0) -> Source:
    return Source(name=name, kind=kind, location=server.url(path), every_minutes=every)


def run(store, srcs, *, now=T0, options=OPTIONS, settings=None):
    return fetch_due(store, srcs, settings or Settings(), options=options, now=now)


def by_source(store: Store) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in store.iter_articles():
        out.setdefault(a["source"], []).append(a)
    return out


def forget_sources(store: Store) -> None:
    """Every source's state gone (validators, backoff), as on a fresh store."""
    store.put_documents("sources", [], remove=[d["name"] for d in store.documents("sources")])
    assert store.documents("sources") == []


def states(store: Store) -> dict[str, dict]:
    return {d["name"]: d for d in store.documents("sources")}


GOOD = [
    ("Riverside Herald", "/feeds/rss2_full.xml"),
    ("Valley Science", "/feeds/atom.xml"),
    ("Farm Weekly", "/feeds/rss1.rdf"),
    ("Coast Daily", "/feeds/teasers.xml"),
    ("Hill Gazette", "/feeds/etag.xml?validators=lastmod"),
    ("Wire", "/feeds/syndicate_a.xml"),
    ("Courier", "/feeds/syndicate_b.xml"),
]
BAD = {
    "Broken server": ("/feeds/error500.xml", "feed", "HTTP 500"),
    "Broken XML": ("/feeds/broken.xml", "feed", "not a readable feed"),
    "Never answers": ("/feeds/slow.xml", "feed", "timed out"),
    "Gone": ("/feeds/missing.xml", "feed", "HTTP 404"),
    "A picture": ("/pages/image.png", "page", "not an HTML page (image/png)"),
    "Endless": ("/feeds/huge.xml", "feed", "too large"),
    "Fifty megabytes": ("/pages/fifty-megabytes.bin", "page", "too large"),
}


def all_sources(server: FeedServer) -> list[Source]:
    good = [src(server, n, p) for n, p in GOOD] + [src(server, "Museum page", "/pages/museum.html", "page")]
    bad = [src(server, n, p, k) for n, (p, k, _) in BAD.items()]
    # interleave so that bad sources sit between good ones
    out = []
    for i in range(max(len(good), len(bad))):
        out += good[i : i + 1] + bad[i : i + 1]
    return out


def test_every_kind_of_source_in_one_run(server, store):
    started = time.monotonic()
    report = run(store, all_sources(server))
    elapsed = time.monotonic() - started
    assert elapsed < 5, "the never-answering source must not hold up the run"

    got = by_source(store)
    assert {n: len(v) for n, v in got.items()} == {
        "Riverside Herald": 2,
        "Valley Science": 2,
        "Farm Weekly": 1,
        "Coast Daily": 2,
        "Hill Gazette": 1,
        "Wire": 1,
        "Museum page": 1,
    }
    assert len(report.added) == 10
    # the bad ones are reported with their reasons, and only they are
    skipped = dict(report.skipped)
    assert set(skipped) == set(BAD)
    for name, (_, _, reason) in BAD.items():
        assert reason in skipped[name], (name, skipped[name])
    st = states(store)
    for name in BAD:
        assert st[name]["status"] == "error" and st[name]["failures"] == 1
        assert st[name]["next_attempt"] == (T0 + dt.timedelta(minutes=1)).isoformat()
    for name, _ in GOOD:
        assert st[name]["status"] == "ok" and st[name]["failures"] == 0, (name, st[name])


def test_feed_articles_are_clean_and_identified_by_canonical_url(server, store):
    run(
        store,
        [
            src(server, "Riverside Herald", "/feeds/rss2_full.xml"),
            src(server, "Valley Science", "/feeds/atom.xml"),
            src(server, "Farm Weekly", "/feeds/rss1.rdf"),
        ],
    )
    herald = {a["headline"]: a for a in by_source(store)["Riverside Herald"]}
    barrier = herald["Riverside council approves new flood barrier"]
    # the tracking parameter does not change the id
    assert barrier["id"] == Article(headline="", body="", date="", url=server.url("/news/flood-barrier")).id
    assert barrier["date"] == "2025-07-14"
    assert "<p>" not in barrier["body"] and "\n\n" in barrier["body"]
    assert barrier["body"].startswith("The Riverside city council on Monday approved")
    atom = {a["headline"]: a for a in by_source(store)["Valley Science"]}
    assert atom["Observatory records brightest meteor shower in a decade"]["date"] == "2025-07-16"
    assert atom["Rare orchid found growing on quarry wall"]["date"] == "2025-07-15"  # from <updated>
    farm = by_source(store)["Farm Weekly"][0]
    assert farm["headline"] == "Early harvest lifts grain prices at county market" and farm["date"] == "2025-07-12"


def test_a_feeds_declared_language_is_a_hint_not_the_truth(server, store):
    report = run(store, [src(server, "Port", "/feeds/declared_language.xml")])
    assert len(report.added) == 2, report.skipped
    arts = {a["headline"]: a for a in by_source(store)["Port"]}
    # the feed says fr-FR: a Spanish story is still Spanish, a headline too short to tell is French
    assert arts["El ayuntamiento aprueba un nuevo plan de transporte"]["language"] == "es"
    assert arts["Grève au port"]["language"] == "fr"


def test_teasers_are_completed_from_their_pages_without_boilerplate(server, store):
    report = run(store, [src(server, "Coast Daily", "/feeds/teasers.xml")])
    assert len(report.added) == 2 and not report.skipped
    arts = {a["headline"]: a for a in by_source(store)["Coast Daily"]}
    harbour = arts["Harbour reopens to ferries after storm repairs"]
    library = arts["Library to stay open until midnight during exams"]
    assert harbour["url"] == server.url("/pages/harbour.html")
    assert harbour["body"].startswith("Ferries are running again from the north pier")
    assert "south pier would remain closed until September" in harbour["body"]
    assert library["body"].startswith("The central library will stay open until midnight")
    junk = [
        "Subscribe",
        "newsletter",
        "Sport Section",
        "Crosswords",
        "Sign in",
        "Trending",
        "beaches",
        "Comments",
        "seagull_fan",
        "nightmare",
        "taxpayer",
        "Copyright",
        "Privacy",
        "Cookie",
        "tracking code",
        "Shop our merchandise",
        "About time",
        "Follow us",
        "Read more",
        "Marta Kowalska",
    ]
    for article in (harbour, library):
        for word in junk:
            assert word.lower() not in article["body"].lower(), (article["headline"], word)
    # pages are fetched once: a changed feed does not refetch stories already stored
    assert len(server.hits("/pages/harbour.html")) == 1
    forget_sources(store)  # forget the validators: the feed is parsed again
    again = run(store, [src(server, "Coast Daily", "/feeds/teasers.xml")], now=T0 + dt.timedelta(minutes=5))
    assert again.added == [] and len(server.hits("/pages/harbour.html")) == 1


def test_syndicated_story_is_stored_once_with_both_sources(server, store):
    report = run(
        store, [src(server, "Wire", "/feeds/syndicate_a.xml"), src(server, "Courier", "/feeds/syndicate_b.xml")]
    )
    arts = list(store.iter_articles())
    assert len(arts) == 1 and len(report.added) == 1
    assert arts[0]["source"] == "Wire" and arts[0]["also_in"] == ["Courier"]
    assert report.skipped == [] and report.unchanged == [arts[0]["id"]]
    # a later run that sees the story again does not note the source twice
    forget_sources(store)
    run(
        store,
        [src(server, "Courier", "/feeds/syndicate_b.xml"), src(server, "Wire", "/feeds/syndicate_a.xml")],
        now=T0 + dt.timedelta(minutes=1),
    )
    arts = list(store.iter_articles())
    assert len(arts) == 1 and arts[0]["source"] == "Wire" and arts[0]["also_in"] == ["Courier"]


def test_same_url_in_two_feeds_is_one_article(server, store):
    # the page source and the teaser feed both carry /pages/harbour.html
    report = run(
        store,
        [src(server, "Coast Daily", "/feeds/teasers.xml"), src(server, "Harbour page", "/pages/harbour.html", "page")],
    )
    harbour = [a for a in store.iter_articles() if a["url"] == server.url("/pages/harbour.html")]
    assert len(harbour) == 1
    assert harbour[0]["source"] == "Coast Daily" and harbour[0]["also_in"] == ["Harbour page"]
    assert len(report.added) == 2


def test_second_run_is_conditional_and_parses_nothing(server, store, monkeypatch):
    good = [src(server, n, p) for n, p in GOOD] + [src(server, "Museum page", "/pages/museum.html", "page")]
    run(store, good)
    st = states(store)
    assert st["Riverside Herald"]["etag"].startswith('"') and st["Riverside Herald"]["last_modified"] == LAST_MODIFIED
    assert st["Hill Gazette"]["etag"] == ""
    parses = []
    real = feedparser.parse
    monkeypatch.setattr(feedparser, "parse", lambda *a, **k: parses.append(a) or real(*a, **k))
    before = len(server.requests)
    report = run(store, good, now=T0 + dt.timedelta(minutes=15))
    assert parses == []
    assert report.added == report.updated == [] and report.skipped == []
    assert len(server.requests) - before == len(good)  # one request each, no page refetches
    herald = server.hits("/feeds/rss2_full.xml")
    assert "if-none-match" not in herald[0] and herald[1]["if-none-match"] == st["Riverside Herald"]["etag"]
    assert herald[1]["if-modified-since"] == LAST_MODIFIED
    hill = server.hits("/feeds/etag.xml")
    assert "if-none-match" not in hill[1] and hill[1]["if-modified-since"] == LAST_MODIFIED
    st2 = states(store)
    assert all(st2[s.name]["status"] == "not modified" for s in good)
    assert st2["Riverside Herald"]["etag"] == st["Riverside Herald"]["etag"]  # remembered for next time
    # every request says who we are
    assert all(h["user-agent"].startswith("newsbrief/") for _, h in server.requests)


def test_failed_source_backs_off_and_recovers(server, store):
    flaky = src(server, "Flaky", "/feeds/flaky.xml")
    server.flaky_failures = 2
    r = run(store, [flaky], now=T0)
    assert r.skipped == [("Flaky", "HTTP 503 Service Unavailable")]
    assert states(store)["Flaky"]["failures"] == 1
    # 30 s later: still backing off, no request is made, the report says why
    r = run(store, [flaky], now=T0 + dt.timedelta(seconds=30))
    assert len(server.hits("/feeds/flaky.xml")) == 1
    assert r.skipped and "backing off after 1 failure" in r.skipped[0][1]
    # after a minute: tried again, fails again, now waits two minutes
    run(store, [flaky], now=T0 + dt.timedelta(minutes=1))
    st = states(store)["Flaky"]
    assert st["failures"] == 2 and st["next_attempt"] == (T0 + dt.timedelta(minutes=3)).isoformat()
    run(store, [flaky], now=T0 + dt.timedelta(minutes=2))
    assert len(server.hits("/feeds/flaky.xml")) == 2
    r = run(store, [flaky], now=T0 + dt.timedelta(minutes=3))
    assert len(server.hits("/feeds/flaky.xml")) == 3 and r.skipped == [] and len(r.added) == 2
    st = states(store)["Flaky"]
    assert st["status"] == "ok" and st["failures"] == 0 and st["reason"] == ""
    assert [backoff_minutes(n) for n in (1, 2, 3, 4, 6, 7, 50)] == [1, 2, 4, 8, 32, 60, 60]


def test_every_minutes_schedule(server, store):
    herald = src(server, "Riverside Herald", "/feeds/rss2_full.xml", every=30)
    run(store, [herald], now=T0)
    r = run(store, [herald], now=T0 + dt.timedelta(minutes=10))
    assert r.skipped == [] and len(server.hits("/feeds/rss2_full.xml")) == 1  # not due: quietly left
    run(store, [herald], now=T0 + dt.timedelta(minutes=30))
    assert len(server.hits("/feeds/rss2_full.xml")) == 2


def test_a_moved_source_starts_afresh(server, store):
    run(store, [src(server, "News", "/feeds/rss2_full.xml")])
    run(store, [src(server, "News", "/feeds/atom.xml")], now=T0 + dt.timedelta(minutes=1))
    assert "if-none-match" not in server.hits("/feeds/atom.xml")[0]
    assert states(store)["News"]["location"] == server.url("/feeds/atom.xml")


def test_requests_are_limited_in_number_at_once(server, store):
    busy = [src(server, f"Busy {i}", f"/busy/{i}") for i in range(8)]
    run(store, busy, options=dataclasses.replace(OPTIONS, concurrency=2))
    assert len(server.hits("/busy/")) == 8 and server.max_in_flight == 2


def test_a_teaser_whose_page_fails_is_skipped_and_retried(server, store):
    feed = src(server, "Partial", "/feeds/teasers_missing_page.xml")
    r = run(store, [feed])
    assert len(r.added) == 1
    assert r.skipped == [
        ("Partial: " + server.url("/pages/vanished.html"), "teaser only, and its page failed: HTTP 404 Not Found")
    ]
    st = states(store)["Partial"]
    assert st["status"] == "ok" and st["reason"] == "1 entry skipped"
    assert st["etag"] == "" and st["last_modified"] == ""  # so the feed is read again next time
    run(store, [feed], now=T0 + dt.timedelta(minutes=1))
    hits = server.hits("/feeds/teasers_missing_page.xml")
    assert len(hits) == 2 and "if-none-match" not in hits[1]
    assert len(server.hits("/pages/vanished.html")) == 2 and len(server.hits("/pages/library.html")) == 1


def test_oversized_response_is_aborted_at_the_cap(server, store):
    r = run(store, [src(server, "Endless", "/feeds/huge.xml")])
    assert "too large" in r.skipped[0][1]
    assert server.huge_done.wait(5)
    # the client hung up: the server could not send more than the cap plus socket buffers
    assert server.huge_sent < HUGE_TOTAL
    assert store.article_count() == 0


def test_redirects_are_followed_up_to_a_limit(server, store):
    r = run(store, [src(server, "Three hops", "/redirect/3"), src(server, "Nine hops", "/redirect/9")])
    assert by_source(store)["Three hops"][0]["headline"].startswith("Early harvest")
    assert dict(r.skipped)["Nine hops"].startswith("too many redirects")


def test_a_sloppy_feed_is_read_as_far_as_it_goes(server, store, tmp_path, monkeypatch):
    sloppy = (
        (FIXTURES / "rss2_full.xml")
        .read_text()
        .replace("<title>Riverside Herald</title>", "<title>Fish & Chips</title>")
    )
    monkeypatch.setattr(server, "fixture", lambda name: sloppy.replace("{BASE}", server.base).encode())
    r = run(store, [src(server, "Sloppy", "/feeds/rss2_full.xml")])
    assert len(r.added) == 2 and r.skipped == []
    assert "not well-formed" in states(store)["Sloppy"]["reason"]


def test_summarize_url_on_a_local_page(server):
    allow = dataclasses.replace(OPTIONS, allow_private=True)
    story = summarize_url(server.url("/pages/harbour.html"), Settings(), options=allow)
    assert isinstance(story, Story)
    assert story.headline == "Harbour reopens to ferries after storm repairs"
    assert story.source == "127.0.0.1" and story.date == "2025-07-17"
    assert story.url == server.url("/pages/harbour.html")
    assert 1 <= len(story.summary) <= 3
    text = " ".join(story.summary)
    assert "ferries" in text.lower() or "harbour" in text.lower()
    assert "Subscribe" not in text and "seagull" not in text
    assert story.article_id == Article(headline="", body="", date="", url=story.url).id
    with pytest.raises(SourceError, match="not an HTML page"):
        summarize_url(server.url("/pages/image.png"), Settings(), options=allow)
    with pytest.raises(SourceError, match="HTTP 404"):
        summarize_url(server.url("/pages/nothing.html"), Settings(), options=allow)
    with pytest.raises(SourceError, match="not an http"):
        summarize_url("file:///etc/passwd", Settings(), options=allow)


def test_summarize_url_refuses_local_addresses_by_default(server):
    # the URL comes from a chat user: the bot must not be a window into its own network
    with pytest.raises(SourceError, match="^that address cannot be reached from here$"):
        summarize_url(server.url("/pages/harbour.html"), Settings())
    assert server.hits("/pages/harbour.html") == []
    with pytest.raises(SourceError, match="^that address cannot be reached from here$"):
        summarize_url(f"http://localhost:{server.httpd.server_address[1]}/pages/harbour.html", Settings())
    # the operator may allow named hosts: this one, not the other name for the same address
    allowed = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))
    assert summarize_url(server.url("/pages/harbour.html"), allowed).headline.startswith("Harbour reopens")
    with pytest.raises(SourceError, match="^that address cannot be reached from here$"):
        summarize_url(f"http://localhost:{server.httpd.server_address[1]}/pages/harbour.html", allowed)


def test_whole_pipeline_against_the_local_server(server, tmp_path, monkeypatch):
    from newsbrief.summaries.pipeline.run import run_pipeline

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = Settings(
        storage=StorageSettings(path=tmp_path / "db.json"),
        fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)),
        sources=(
            src(server, "Riverside Herald", "/feeds/rss2_full.xml"),
            src(server, "Coast Daily", "/feeds/teasers.xml"),
            src(server, "Gone", "/feeds/missing.xml"),
        ),
    )
    with Store(settings.storage.path) as store:
        report = run_pipeline(store, settings)
        assert len(report.ingest.added) == 4 and len(report.summarized) == 4
        assert report.ingest.skipped == [("Gone", "HTTP 404 Not Found")]
        second = run_pipeline(store, settings)
        assert second.ingest.added == [] and second.summarized == []
        rows = {r.name: r for r in source_status(store, settings.sources)}
    assert rows["Riverside Herald"].articles == 2 and rows["Riverside Herald"].status == "not modified"
    assert rows["Gone"].status == "error: HTTP 404 Not Found" and rows["Gone"].failures == 1


def test_cli_sources_and_summary_url(server, tmp_path, monkeypatch, capsys):
    from newsbrief.bot import cli

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(cli.console, "width", 250)  # one table row per line
    config = tmp_path / "config.toml"
    config.write_text(
        '[fetch]\nallow_private_hosts = ["127.0.0.1"]\n\n'
        f'[[sources]]\nname = "Wire"\nfeed = "{server.url("/feeds/syndicate_a.xml")}"\n\n'
        f'[[sources]]\nname = "Courier"\nfeed = "{server.url("/feeds/syndicate_b.xml")}"\nevery_minutes = 60\n\n'
        f'[[sources]]\nname = "Gone"\npage = "{server.url("/pages/missing.html")}"\n'
    )
    db = str(tmp_path / "db.json")
    assert cli.main(["--config", str(config), "--db", db, "sources"]) == 0
    out = capsys.readouterr().out
    assert "never fetched" in out and "Courier" in out
    assert cli.main(["--config", str(config), "--db", db, "summarize"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", str(config), "--db", db, "sources"]) == 0
    out = capsys.readouterr().out
    assert "error: HTTP 404" in out and "ok" in out
    wire_line = next(line for line in out.splitlines() if "Wire" in line)
    courier_line = next(line for line in out.splitlines() if "Courier" in line)
    assert " 1 " in wire_line and "+1" in courier_line
    assert cli.main(["--config", str(config), "--db", db, "summary", server.url("/pages/museum.html")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("City museum to return carved panels to village church")
    assert "127.0.0.1" in out

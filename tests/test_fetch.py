"""The safe fetcher against hostile local servers: compression bombs, entity bombs, host
names that resolve differently for the check and the connection, redirects and feed links
to private addresses, refusals that tell nothing, and the chat side of it.

Every server is on 127.0.0.1. DNS is simulated by monkeypatching ``socket.getaddrinfo``
(the only stand-in), and a guard on ``anyio.connect_tcp`` makes sure that nothing but a
loopback address is ever connected to: a connection the fetcher would make to a public
address is recorded and refused there, never sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import re
import socket
import struct
import threading
import time
import tomllib
import tracemalloc
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import pytest

from newsbrief.summaries.config import FetchSettings, Settings, Source, StorageSettings, load_settings
from newsbrief.summaries.ingest.feeds import SourceError, fetch_due
from newsbrief.summaries.ingest.fetch import (
    UNREACHABLE,
    Fetcher,
    FetchError,
    FetchOptions,
    address_kind,
    fetch,
    run_sync,
)
from newsbrief.summaries.ingest.pages import refuse_entity_declarations
from newsbrief.summaries.ingest.source_state import source_status
from newsbrief.summaries.pipeline.on_demand import summarize_url
from newsbrief.summaries.store import Store

GiB = 1 << 30
MB = 1 << 20
LOOPBACK_ONLY = FetchOptions(timeout=2, allowed_hosts=("127.0.0.1",))
PUBLIC_IP = "93.184.216.34"  # a public address: the guard below never lets a connection reach it
T0 = dt.datetime(2025, 7, 20, 12, 0, tzinfo=dt.UTC)
EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"

PAGE = (
    "<html><head><title>Harbour reopens to ferries</title></head><body><article><h1>Harbour reopens to ferries</h1>"
    + "".join(
        f"<p>Ferries are running again from the north pier after storm repairs, part {i}. The port authority "
        f"said on Tuesday that section {i} of the quay was rebuilt in six weeks.</p>"
        for i in range(1, 7)
    )
    + "</article></body></html>"
).encode()


# -- the safety net and the fake DNS --------------------------------------------------------


@pytest.fixture(autouse=True)
def connections(monkeypatch) -> list[str]:
    """Every address the fetcher connects to; anything but loopback is refused here."""
    seen: list[str] = []
    real = anyio.connect_tcp

    async def guarded(remote_host, remote_port, **kwargs):
        seen.append(str(remote_host))
        if str(remote_host) not in ("127.0.0.1", "::1", "localhost"):  # the bot's own Bot API server
            raise OSError(f"test guard: no connection to {remote_host}")
        return await real(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", guarded)
    return seen


class FakeDNS:
    """Answers for made-up names; each answer list is used in turn (the last one repeats)."""

    def __init__(self, monkeypatch) -> None:
        self.answers: dict[str, list[list[str] | None]] = {}
        self.asked: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name not in self.answers:
                return real(host, port, family, type, proto, flags)
            self.asked.append(name)
            queue = self.answers[name]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if answer is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0, 0, 0) if ":" in a else (a, port or 0),
                )
                for a in answer
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def set(self, name: str, *answers: list[str] | None) -> None:
        self.answers[name] = list(answers)


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    return FakeDNS(monkeypatch)


# -- a hostile server -----------------------------------------------------------------------


class Server:
    """Serves registered routes: path -> (status, headers, body) or a handler function."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]] = {}
        self.hits: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hits.append(self.path)
                route = outer.routes.get(self.path.split("?", 1)[0])
                try:
                    if callable(route):
                        route(self)
                        return
                    status, headers, body = route or (404, {"Content-Type": "text/plain"}, b"Not Found")
                    self.send_response(status)
                    for k, v in {"Content-Length": str(len(body)), **headers}.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes = b"", status: int = 200, **headers: str) -> str:
        self.routes[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        return self.url(path)

    def redirect(self, path: str, to: str) -> str:
        return self.add(path, b"", 302, Location=to)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


# -- compression bombs ------------------------------------------------------------------------


def _deflate_gib() -> bytes:
    """Raw deflate of 1 GiB of zeros, made in milliseconds: a fully flushed block of 1 MiB
    of zeros is the same bytes every time, so 1,024 of them are 1 GiB."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * 1024 + c.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    raw = _deflate_gib()
    zeros = bytes(MB)
    crc, adler = 0, 1
    for _ in range(1024):
        crc, adler = zlib.crc32(zeros, crc), zlib.adler32(zeros, adler)
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw + struct.pack("<II", crc, GiB & 0xFFFFFFFF)
    zl = b"\x78\xda" + raw + struct.pack(">I", adler)
    assert len(gz) < 1.1 * MB and len(zl) < 1.1 * MB
    return {
        "gzip": gz,
        "deflate": zl,
        "raw deflate": raw,
        "gzip, gzip": gzip.compress(gz, 9),
        "gzip, deflate": zlib.compress(gz, 9),
        "deflate, gzip": gzip.compress(zl, 9),
        "gzip, gzip, gzip": gzip.compress(gzip.compress(gz, 9), 9),
    }


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def peak_growth(work: Callable[[], object]) -> tuple[int, object]:
    """How far ``work`` raised this process's peak memory above where it started, in bytes:
    the kernel's high-water mark (VmHWM), reset first through /proc/self/clear_refs; where
    that cannot be reset, the peak of Python's allocations (tracemalloc)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        start = _vm("VmRSS")
        if _vm("VmHWM") > start + 4 * MB:
            raise OSError("high-water mark not reset")
    except (OSError, LookupError):
        tracemalloc.start()
        try:
            result = _call(work)
            return tracemalloc.get_traced_memory()[1], result
        finally:
            tracemalloc.stop()
    result = _call(work)
    return _vm("VmHWM") - start, result


def _call(work: Callable[[], object]) -> object:
    try:
        return work()
    except Exception as exc:  # the error is the result under test
        return exc


@pytest.mark.parametrize(
    "coding", ["gzip", "deflate", "gzip, gzip", "gzip, deflate", "deflate, gzip", "gzip, gzip, gzip"]
)
def test_a_gibibyte_bomb_stops_at_the_cap_in_bounded_memory(server, bombs, coding):
    url = server.add("/bomb", bombs[coding], Content_Encoding=coding, Content_Type="text/html")
    started = time.monotonic()
    growth, result = peak_growth(lambda: fetch(url, LOOPBACK_ONLY))
    elapsed = time.monotonic() - started
    assert isinstance(result, FetchError) and "too large" in str(result), result
    assert growth < 100 * MB, f"{coding}: peak memory grew by {growth / MB:.0f} MB"
    assert elapsed < 10


def test_raw_deflate_and_a_single_bomb_in_the_run_budget(server, bombs):
    url = server.add("/raw", bombs["raw deflate"], Content_Encoding="deflate")
    growth, result = peak_growth(lambda: fetch(url, LOOPBACK_ONLY))
    assert isinstance(result, FetchError) and "too large" in str(result) and growth < 100 * MB
    # a large cap per response, a small budget for the run: the budget stops it
    opts = dataclasses.replace(LOOPBACK_ONLY, max_bytes=GiB, run_max_bytes=8 * MB)
    growth, result = peak_growth(lambda: fetch(url, opts))
    assert isinstance(result, FetchError) and result.budget and "budget" in str(result)
    assert growth < 100 * MB


def test_compressed_answers_still_arrive_whole(server):
    text = PAGE * 50
    multi = gzip.compress(text[:1000]) + gzip.compress(text[1000:])  # two gzip members
    cases = {
        "/gzip": (gzip.compress(text), "gzip"),
        "/deflate": (zlib.compress(text), "deflate"),
        "/raw": (zlib.compress(text)[2:-4], "deflate"),
        "/multi": (multi, "gzip"),
        "/stacked": (zlib.compress(gzip.compress(text)), "gzip, deflate"),
        "/identity": (text, "identity"),
    }
    for path, (body, coding) in cases.items():
        server.add(path, body, Content_Encoding=coding)
        assert fetch(server.url(path), LOOPBACK_ONLY).content == text, path


def test_encodings_not_supported_or_stacked_too_deep_are_refused(server):
    server.add("/br", b"\x0b\x02\x80hello\x03", Content_Encoding="br")
    with pytest.raises(FetchError, match="content encoding that is not supported"):
        fetch(server.url("/br"), LOOPBACK_ONLY)
    server.add("/deep", b"x", Content_Encoding="gzip, gzip, gzip, gzip")
    with pytest.raises(FetchError, match="4 stacked content encodings"):
        fetch(server.url("/deep"), LOOPBACK_ONLY)
    server.add("/corrupt", b"\x1f\x8b\x08\x00garbage-garbage", Content_Encoding="gzip")
    with pytest.raises(FetchError, match="corrupt compressed body"):
        fetch(server.url("/corrupt"), LOOPBACK_ONLY)


def test_the_run_budget_spans_responses(server):
    server.add("/a", b"a" * 600_000)
    server.add("/b", b"b" * 600_000)
    opts = dataclasses.replace(LOOPBACK_ONLY, run_max_bytes=1_000_000)

    async def both():
        async with Fetcher(opts) as fetcher:
            first = await fetcher.get(server.url("/a"))
            with pytest.raises(FetchError) as second:
                await fetcher.get(server.url("/b"))
            return first, second.value

    first, error = run_sync(both())
    assert len(first.content) == 600_000 and error.budget and not error.refused


# -- the address policy -----------------------------------------------------------------------


def test_idna_names_are_checked_as_they_are_connected(server, dns, connections):
    # the attacker's zone: the ASCII (punycode) name is loopback, its IDNA 2003 re-spelling public
    dns.set("xn--strae-oqa.evil.test", ["127.0.0.1"])
    dns.set("strasse.evil.test", [PUBLIC_IP])
    server.add("/secret", b"internal")
    for host in ("xn--strae-oqa.evil.test", "straße.evil.test", "STRAßE.Evil.Test", "XN--STRAE-OQA.evil.test"):
        with pytest.raises(FetchError) as err:
            fetch(server.url("/secret", host), LOOPBACK_ONLY)
        assert err.value.refused and "loopback" in str(err.value), host
    assert server.hits == [] and connections == []
    assert set(dns.asked) == {"xn--strae-oqa.evil.test"}  # one name, the one that would be connected to
    assert len(dns.asked) == 4  # resolved once per request


def test_rebinding_cannot_split_the_check_from_the_connection(server, dns, connections):
    server.add("/secret", b"internal")
    # public first, loopback after: the connection goes where the check said, never to 127.0.0.1
    dns.set("rebind.test", [PUBLIC_IP], ["127.0.0.1"])
    with pytest.raises(FetchError, match="cannot connect"):
        fetch(server.url("/secret", "rebind.test"), LOOPBACK_ONLY)
    assert connections == [PUBLIC_IP] and dns.asked == ["rebind.test"]
    # loopback first, public after: refused before any connection
    connections.clear()
    dns.set("rebind2.test", ["127.0.0.1"], [PUBLIC_IP])
    with pytest.raises(FetchError) as err:
        fetch(server.url("/secret", "rebind2.test"), LOOPBACK_ONLY)
    assert err.value.refused and connections == []
    # one public and one loopback address for the same name: refused
    dns.set("both.test", [PUBLIC_IP, "127.0.0.1"])
    with pytest.raises(FetchError) as err:
        fetch(server.url("/secret", "both.test"), LOOPBACK_ONLY)
    assert err.value.refused and connections == [] and server.hits == []


def test_names_that_do_not_resolve_are_refused(dns, connections):
    dns.set("nowhere.test", None)
    with pytest.raises(FetchError) as err:
        fetch("http://nowhere.test/", FetchOptions())
    assert err.value.refused and "does not resolve" in str(err.value) and connections == []


def test_every_spelling_of_loopback_is_refused(server, connections):
    server.add("/secret", b"internal")
    port = server.port
    spellings = [
        f"http://{h}:{port}/secret"
        for h in ("127.0.0.1", "127.1", "0", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]", "localhost", "[::1]")
    ]
    spellings += [f"HTTP://127.0.0.1:{port}/secret", f"http://127.0.0.1.:{port}/secret"]
    for url in spellings:
        with pytest.raises(FetchError) as err:
            fetch(url, FetchOptions(timeout=2))
        assert err.value.refused, (url, err.value)
    assert server.hits == [] and connections == []
    # allowing a host by name allows that name only, not the other names of its address
    assert fetch(f"http://127.0.0.1:{port}/secret", LOOPBACK_ONLY).content == b"internal"
    with pytest.raises(FetchError) as err:
        fetch(f"http://localhost:{port}/secret", LOOPBACK_ONLY)
    assert err.value.refused and server.hits == ["/secret"]


def test_private_link_local_and_shared_addresses_are_refused(dns, connections):
    for i, address in enumerate(
        [
            "10.0.0.7",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "0.0.0.0",
            "224.0.0.1",
        ]
    ):
        dns.set(f"host{i}.test", [address])
        with pytest.raises(FetchError) as err:
            fetch(f"http://host{i}.test/", FetchOptions())
        assert err.value.refused, address
    assert connections == []


def test_unrouted_ipv6_forms_are_refused_whatever_they_embed(server, dns, connections):
    """IPv4-compatible and IPv4-translated IPv6, local-use NAT64 and site-local addresses
    reach nothing public: refused as names' addresses and as literal hosts."""
    forms = [
        "::127.0.0.1",
        "::ffff:0:127.0.0.1",
        "::8.8.8.8",
        "::ffff:0:8.8.8.8",
        "64:ff9b:1::7f00:1",
        "64:ff9b:1::808:808",
        "fec0::1",
        "fefe::1",
    ]
    for i, address in enumerate(forms):
        dns.set(f"form{i}.test", [address])
        with pytest.raises(FetchError) as err:
            fetch(f"http://form{i}.test/", FetchOptions())
        assert err.value.refused, address
        with pytest.raises(FetchError) as err:
            fetch(f"http://[{address}]:{server.port}/", FetchOptions(timeout=2))
        assert err.value.refused, address
    assert connections == [] and server.hits == []
    assert address_kind("2606:4700::1111") == "" and address_kind("64:ff9b::808:808") == ""  # public stays public


def test_redirects_to_private_addresses_are_refused_at_any_hop(server, dns, connections):
    dns.set("internal.test", ["10.1.2.3"])
    server.add("/target", b"internal")
    targets = {
        "second": [server.url("/target", "localhost")],
        "third": ["/hop/2b", server.url("/target", "[::ffff:127.0.0.1]")],
        "fourth": ["/hop/3a", "/hop/3b", "http://internal.test/admin"],
    }
    for name, chain in targets.items():
        server.hits.clear()
        first = server.redirect(f"/start/{name}", chain[0])
        for a, b in zip(chain, chain[1:]):
            server.redirect(a, b)
        with pytest.raises(FetchError) as err:
            fetch(first, LOOPBACK_ONLY)
        assert err.value.refused, (name, err.value)
        assert "/target" not in server.hits and len(server.hits) == len(chain), (name, server.hits)
        with pytest.raises(SourceError) as err:
            summarize_url(first, Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",))))
        assert str(err.value) == UNREACHABLE
    assert connections == ["127.0.0.1"] * len(connections)


def test_redirect_to_a_file_says_so_plainly(server):
    server.redirect("/to-file", "file:///etc/passwd")
    server.redirect("/to-self", "http://")  # an empty authority: resolved against the page itself
    with pytest.raises(FetchError) as err:
        fetch(server.url("/to-file"), LOOPBACK_ONLY)
    assert str(err.value) == "the server redirected to an address that is not a web page (file:)"
    with pytest.raises(FetchError, match=r"^too many redirects \(more than 5\)$"):
        fetch(server.url("/to-self"), LOOPBACK_ONLY)


def test_the_operator_may_reach_private_addresses(server):
    server.add("/intranet", PAGE, Content_Type="text/html")
    resp = fetch(server.url("/intranet", "localhost"), FetchOptions(allow_private=True))
    assert resp.content == PAGE


def test_no_environment_proxy_is_used(server, monkeypatch):
    # a proxy would resolve and connect for us, out of reach of the check
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    server.add("/direct", b"direct")
    assert fetch(server.url("/direct"), LOOPBACK_ONLY).content == b"direct"


# -- feeds: links, entities, caps, status ------------------------------------------------------


def rss(items: str, *, prolog: str = "", channel: str = "<title>Test</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}<rss version="2.0"><channel>{channel}{items}</channel></rss>'
    ).encode()


def item(title: str, link: str, text: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "db.json") as s:
        yield s


def test_feed_item_links_to_private_addresses_are_not_fetched(server, store, dns, connections):
    dns.set("internal.test", ["10.0.0.7"])
    server.add("/pages/harbour.html", PAGE, Content_Type="text/html")
    teaser = "Ferries are running again from pier {} after repairs. Read more"
    links = [
        server.url("/pages/harbour.html"),
        server.url("/pages/harbour.html", "localhost"),
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.test/admin",
    ]
    items = "".join(item(f"Harbour story {i}", link, teaser.format(i)) for i, link in enumerate(links))
    server.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
    feed = Source(name="Coast", kind="feed", location=server.url("/feed.xml"))
    # the operator's policy lets the configured feed itself be private; its links stay public
    report = fetch_due(store, [feed], Settings(), options=FetchOptions(timeout=2, allow_private=True), now=T0)
    assert server.hits == ["/feed.xml"] and connections == ["127.0.0.1"]
    assert len(report.added) == 4  # each kept its teaser, none was completed from a page
    assert all(
        a["body"].startswith("Ferries are running again") and "port authority" not in a["body"]
        for a in store.iter_articles()
    )


def test_feed_item_links_allowed_by_name_are_fetched(server, store):
    server.add("/pages/harbour.html", PAGE, Content_Type="text/html")
    teaser = "Ferries are running again from the north pier after repairs. Read more"
    items = item("Allowed", server.url("/pages/harbour.html"), teaser) + item(
        "Refused", server.url("/pages/harbour.html?other", "localhost"), teaser.replace("north", "south")
    )
    server.add("/feed.xml", rss(items), Content_Type="application/rss+xml")
    feed = Source(name="Coast", kind="feed", location=server.url("/feed.xml"))
    fetch_due(store, [feed], Settings(), options=LOOPBACK_ONLY, now=T0)
    assert server.hits == ["/feed.xml", "/pages/harbour.html"]
    bodies = {a["headline"]: a["body"] for a in store.iter_articles()}
    assert "port authority" in bodies["Allowed"] and "port authority" not in bodies["Refused"]


BILLION_LAUGHS = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>\n"
)


def test_entity_bombs_are_refused_before_feedparser(server, store):
    big = "a" * 100_000
    quadratic = rss(
        item("Quadratic", "http://127.0.0.1/q", "&big;" * 10_000), prolog=f'<!DOCTYPE rss [<!ENTITY big "{big}">]>\n'
    )
    laughs = rss(item("Laughs", "http://127.0.0.1/l", "&lol9;"), prolog=BILLION_LAUGHS)
    utf16 = (
        rss(item("Wide", "http://127.0.0.1/w", "&big;" * 1000), prolog=f'<!DOCTYPE rss [<!ENTITY big "{big}">]>\n')
        .decode()
        .replace('encoding="utf-8"', 'encoding="utf-16"')
        .encode("utf-16")
    )
    # a prolog expat cannot read, with the same entity: found on the bytes
    broken = rss(
        item("Broken", "http://127.0.0.1/b", "&big;" * 10_000),
        prolog=f'<!DOCTYPE rss [<!ENTITY big "{big}"> <!BOGUS & ]>\n',
    )
    assert len(quadratic) < 200_000
    sources = []
    for name, body in {"Quadratic": quadratic, "Laughs": laughs, "Wide": utf16, "Broken": broken}.items():
        server.add(f"/{name}.xml", body, Content_Type="application/rss+xml")
        sources.append(Source(name=name, kind="feed", location=server.url(f"/{name}.xml")))
    growth, report = peak_growth(lambda: fetch_due(store, sources, Settings(), options=LOOPBACK_ONLY, now=T0))
    assert growth < 100 * MB
    assert store.article_count() == 0
    reasons = dict(report.skipped)
    for s in sources:
        assert "declares its own XML entities" in reasons[s.name], (s.name, reasons[s.name])


def test_a_doctype_without_entities_is_fine():
    netscape = rss(
        item("Old feed", "http://example.org/a", "Text"),
        prolog=(
            '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        ),
    )
    refuse_entity_declarations(netscape)
    refuse_entity_declarations(b"<html><body>&amp; not a feed</body></html>")
    refuse_entity_declarations(b"\x00\xff garbage")
    with pytest.raises(SourceError):
        refuse_entity_declarations(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
        )


def test_each_entry_is_capped_before_cleaning(server, store):
    cap = 20_000
    long_text = "<p>" + "The council met again on Monday to discuss the new bridge. " * 600 + "</p>"
    normal = "<p>" + "The council approved the new bridge over the river on Monday evening. " * 10 + "</p>"
    server.add(
        "/feed.xml",
        rss(item("Too long", "http://example.org/long", long_text) + item("Fine", "http://example.org/fine", normal)),
        Content_Type="application/rss+xml",
    )
    settings = Settings(storage=StorageSettings(max_article_bytes=cap))
    report = fetch_due(
        store,
        [Source(name="F", kind="feed", location=server.url("/feed.xml"))],
        settings,
        options=LOOPBACK_ONLY,
        now=T0,
    )
    assert len(report.added) == 1
    assert report.skipped == [("F: http://example.org/long", "entry text larger than the cap of 20,000 bytes")]
    assert all(len(a["body"].encode()) <= cap for a in store.iter_articles())
    assert store.table("sources").all()[0]["status"] == "ok"


def test_a_readable_feed_is_ok_even_when_sloppy_or_mislabelled(server, store, dns):
    dns.set("internal.test", ["10.0.0.7"])
    body = "<p>" + "Ferries are running again from the north pier after storm repairs. " * 10 + "</p>"
    # valid UTF-8 served as text/xml, which by its media type means us-ascii
    server.add(
        "/utf8.xml", rss(item("Café reopens on the pier", "http://example.org/cafe", body)), Content_Type="text/xml"
    )
    # not well-formed, and every entry's page refused: read, nothing stored, still ok
    sloppy = rss(item("Fish & Chips", "http://internal.test/a", "") + item("Two", "http://internal.test/b", ""))
    server.add("/sloppy.xml", sloppy, Content_Type="application/rss+xml")
    feeds = [
        Source(name="UTF-8", kind="feed", location=server.url("/utf8.xml")),
        Source(name="Sloppy", kind="feed", location=server.url("/sloppy.xml")),
    ]
    report = fetch_due(store, feeds, Settings(), options=LOOPBACK_ONLY, now=T0)
    assert len(report.added) == 1
    rows = {r.name: r for r in source_status(store, feeds)}
    assert rows["UTF-8"].status == "ok" and rows["UTF-8"].failures == 0
    assert next(store.iter_articles())["headline"] == "Café reopens on the pier"
    assert rows["Sloppy"].status.startswith("ok (feed not well-formed (line ") and rows["Sloppy"].failures == 0
    assert "2 entries skipped" in rows["Sloppy"].status and "Error" not in rows["Sloppy"].status
    assert {r for _, r in report.skipped} == {
        "teaser only, and its page failed: refused: internal.test is at "
        "10.0.0.7, a private network address (not allowed for this request)"
    }


def test_a_source_past_the_run_budget_is_postponed_not_failed(server, store):
    feeds = []
    for i in range(3):
        items = "".join(
            item(
                f"Story {i}-{j}",
                f"http://example.org/{i}/{j}",
                "<p>" + f"The council approved plan {i}-{j} for the river bridge on Monday. " * 20 + "</p>",
            )
            for j in range(400)
        )
        server.add(f"/f{i}.xml", rss(items), Content_Type="application/rss+xml")
        feeds.append(Source(name=f"F{i}", kind="feed", location=server.url(f"/f{i}.xml")))
    size = len(rss(items))
    opts = dataclasses.replace(LOOPBACK_ONLY, concurrency=1, run_max_bytes=int(size * 1.5))
    report = fetch_due(store, feeds, Settings(), options=opts, now=T0)
    states = {d["name"]: d for d in store.table("sources")}
    postponed = [n for n, d in states.items() if d["status"] == "postponed"]
    assert len(postponed) == 2 and all(states[n]["failures"] == 0 for n in postponed)
    assert all(states[n]["next_attempt"] == T0.isoformat() for n in postponed)
    assert any("download budget" in r for _, r in report.skipped)
    # the next run fetches them
    report = fetch_due(
        store,
        feeds,
        Settings(),
        options=dataclasses.replace(LOOPBACK_ONLY, concurrency=1),
        now=T0 + dt.timedelta(minutes=1),
    )
    assert all(d["status"] == "ok" for d in store.table("sources"))


# -- what people are told -------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refusals_look_the_same_whatever_the_port_does(server, dns):
    dns.set("db.internal.test", ["10.0.0.9"])
    dns.set("nothing.internal.test", None)
    server.add("/json", b'{"ok": true}', Content_Type="application/json")
    server.add("/page", PAGE, Content_Type="text/html")
    urls = [
        server.url("/json"),
        server.url("/page"),
        server.url("/missing"),
        f"http://127.0.0.1:{_closed_port()}/",
        server.url("/page", "localhost"),
        f"http://db.internal.test:{server.port}/",
        "http://nothing.internal.test/",
        "https://127.0.0.1:1/",
        server.redirect("/r", "http://10.0.0.1:22/"),
    ]
    messages = set()
    for url in urls:
        with pytest.raises(SourceError) as err:
            summarize_url(url, Settings())
        messages.add(str(err.value))
    assert messages == {UNREACHABLE}
    assert server.hits == []  # nothing internal was even asked


def test_timeouts_say_which_limit_was_hit(server):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        while not server.release.wait(0.1):
            h.wfile.write(b"<p>.</p>")
            h.wfile.flush()

    def stall(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        server.release.wait(5)

    server.routes["/trickle"] = trickle
    server.routes["/stall"] = stall
    opts = dataclasses.replace(LOOPBACK_ONLY, timeout=0.5, deadline=1.5)
    with pytest.raises(FetchError) as err:
        fetch(server.url("/trickle"), opts)
    assert str(err.value) == "timed out (no complete answer within the 1.5 s limit)"
    with pytest.raises(FetchError) as err:
        fetch(server.url("/stall"), opts)
    assert str(err.value) == "timed out (the server sent nothing for 0.5 s)"


def test_config_documents_the_fetch_settings():
    text = EXAMPLE.read_text()
    example = tomllib.loads(text)["fetch"]
    for f in dataclasses.fields(FetchSettings):
        assert f"\n{f.name} =" in text, f"[fetch] {f.name} is not documented"
        default = getattr(FetchSettings(), f.name)
        assert example[f.name] == (list(default) if isinstance(default, tuple) else default)


def test_config_checks_the_fetch_settings(tmp_path):
    from newsbrief.summaries.config import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('[fetch]\nallow_private_hosts = ["intranet.example", "10.0.0.5", "Straße.Example"]\n')
    settings = load_settings(path)
    assert settings.fetch.allow_private_hosts == ("intranet.example", "10.0.0.5", "Straße.Example")
    assert FetchOptions.from_settings(settings).policy.allowed_hosts == {
        "intranet.example",
        "10.0.0.5",
        "xn--strae-oqa.example",
    }
    for bad, message in (
        ('["http://intranet/"]', "is not a host name"),
        ("[5]", "expected a list of host names"),
        ('["host:8080"]', "is not a host name"),
    ):
        path.write_text(f"[fetch]\nallow_private_hosts = {bad}\n")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_settings(path)
    path.write_text("[fetch]\nrun_max_bytes = 1000\n")
    with pytest.raises(ConfigError, match="run_max_bytes: must be at least"):
        load_settings(path)


async def test_the_chat_side_of_summary_urls(server, tmp_path):
    from botenv import running_bot

    user = 5001
    server.add("/page", PAGE, Content_Type="text/html; charset=utf-8")
    server.redirect("/to-file", "file:///etc/passwd")
    settings = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))
    exception_name = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Timeout)\b")
    async with running_bot(tmp_path, settings=settings) as env:

        async def ask(text: str) -> str:
            (msg,) = await env.say(user, text)
            return msg["plain_text"]

        # upper-case schemes and long addresses are web addresses, not keyword searches
        assert (await ask("/summary " + server.url("/page").replace("http", "HTTP"))).startswith(
            "Harbour reopens to ferries"
        )
        long_url = server.url("/page?q=" + "a" * (1990 - len(server.url("/page?q="))))
        assert len(long_url) == 1990
        assert (await ask(f"/summary {long_url}")).startswith("Harbour reopens to ferries")
        assert await ask(f"/summary {long_url}{'b' * 20}") == (
            "That web address is too long: I read addresses of up to 2,000 characters."
        )
        # failures are told in one whole sentence, with no exception names
        replies = {
            "refused": await ask("/summary " + server.url("/page", "localhost")),
            "closed": await ask(f"/summary http://localhost:{_closed_port()}/"),
            "missing": await ask("/summary " + server.url("/missing")),
            "file": await ask("/summary " + server.url("/to-file")),
        }
    assert replies["refused"] == replies["closed"] == f"I could not summarize that page: {UNREACHABLE}."
    assert replies["missing"] == "I could not summarize that page: HTTP 404 Not Found."
    assert replies["file"] == (
        "I could not summarize that page: the server redirected to an address that is not a web page (file:)."
    )
    for reply in replies.values():
        assert reply.endswith(".") and reply.count(". ") == 0 and not exception_name.search(reply), reply


def test_a_reason_too_long_for_a_chat_is_not_cut():
    from newsbrief.bot.handlers import page_failed

    assert page_failed("HTTP 404 Not Found") == "I could not summarize that page: HTTP 404 Not Found."
    assert page_failed("a <b> & c.") == "I could not summarize that page: a &lt;b&gt; &amp; c."
    long = page_failed("word " * 200)
    assert long == "I could not summarize that page. Please try again later, or send another address."


def test_one_feed_cannot_flood_a_run(server, store, monkeypatch):
    from newsbrief.summaries.ingest import feeds as sources

    monkeypatch.setattr(sources, "MAX_ENTRIES", 6)
    monkeypatch.setattr(sources, "MAX_PAGES", 2)
    for i in range(8):
        server.add(f"/p{i}", PAGE.replace(b"part", f"piece {i} part".encode()), Content_Type="text/html")
    teasers = "".join(
        item(f"Teaser {i}", server.url(f"/p{i}"), f"Ferries run again, story {i}. Read more") for i in range(8)
    )
    server.add("/feed.xml", rss(teasers), Content_Type="application/rss+xml")
    feed = Source(name="Flood", kind="feed", location=server.url("/feed.xml"))
    report = fetch_due(store, [feed], Settings(), options=LOOPBACK_ONLY, now=T0)
    pages = [h for h in server.hits if h.startswith("/p")]
    assert len(pages) == 2 and len(report.added) == 2
    assert sum("postponed" in r for _, r in report.skipped) == 4
    state = store.table("sources").all()[0]
    assert state["status"] == "ok" and "only the first 6 of its 8 entries read" in state["reason"]
    assert state["etag"] == ""  # the feed is read again next run, for the postponed pages
    # the next run continues where this one stopped
    fetch_due(store, [feed], Settings(), options=LOOPBACK_ONLY, now=T0 + dt.timedelta(minutes=1))
    assert len([h for h in server.hits if h.startswith("/p")]) == 4 and store.article_count() == 4

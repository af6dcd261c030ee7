"""A tiny web site on 127.0.0.1 for chat-source tests: fixed documents by path, counting
requests per path. Nothing here reaches the internet."""

from __future__ import annotations

import collections
import datetime as dt
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

DRIP = 0.5  # seconds between the bytes of a slow answer

BODY = (
    "{topic} was the main subject of a long meeting on Sunday, where officials from several countries "
    "met to discuss what should happen next. They agreed on a plan that will be reviewed in the autumn. "
    "Critics said the plan did not go far enough, while supporters said it was a good first step. "
    "A final statement is expected later this week after further talks between the delegations. "
    "Observers noted that the talks ran well past midnight and that several points stayed open."
)


def rss(title: str, items: list[tuple[str, str, str]], when: dt.datetime) -> bytes:
    """An RSS 2.0 feed: items are (headline, link, body)."""
    entries = "".join(
        f"<item><title>{escape(h)}</title><link>{escape(link)}</link><description>{escape(body)}</description>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for h, link, body in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://example.org/</link><description>d</description>{entries}</channel></rss>"
    ).encode()


class Site:
    """Serves ``pages[path] = (content type, bytes)``; 404 for anything else."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hits: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        # slow pages: sent a byte every DRIP seconds until ``release`` is set, then at once
        self.slow: set[str] = set()
        self.status: dict[str, tuple[int, str]] = {}  # path: (status, reason phrase) answered instead
        self.release = threading.Event()
        self.active = 0  # slow answers being sent now ...
        self.most_active = 0  # ... and the most at once
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with site.lock:
                    site.hits[self.path] += 1
                    page = site.pages.get(self.path)
                    status = site.status.get(self.path)
                if status is not None:
                    self.send_response(*status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if page is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", page[0])
                self.send_header("Content-Length", str(len(page[1])))
                self.end_headers()
                if self.path in site.slow:
                    site.drip(self.wfile, page[1])
                else:
                    self.wfile.write(page[1])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def drip(self, out: Any, body: bytes) -> None:
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            sent = 0
            while sent < len(body) and not self.release.wait(DRIP):
                out.write(body[sent : sent + 1])
                out.flush()
                sent += 1
            out.write(body[sent:])
        except OSError:
            pass  # the client gave up
        finally:
            with self.lock:
                self.active -= 1

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def feed(self, path: str, title: str, items: list[tuple[str, str]], when: dt.datetime) -> str:
        """Serve a feed of (headline, topic) items at ``path``; returns its URL."""
        rows = [
            (h, f"https://news.example.org{path}/{i}", BODY.format(topic=topic)) for i, (h, topic) in enumerate(items)
        ]
        self.pages[path] = ("application/rss+xml; charset=utf-8", rss(title, rows, when))
        return self.url(path)

    def html(self, path: str, text: str) -> str:
        self.pages[path] = ("text/html; charset=utf-8", text.encode())
        return self.url(path)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

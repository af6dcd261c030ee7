"""How calls reach the local Bot API: HTTP on 127.0.0.1 (Tornado), or in process (httpx).

``HTTPTransport`` runs Tornado's ``HTTPServer`` on its own asyncio event loop in a
background thread, so the server works from synchronous code and from inside a
running event loop alike. Tornado does the HTTP/1.1 (keep-alive, chunked bodies);
``parse_params`` reads query strings, form-urlencoded, multipart (both with
``tornado.httputil``) and JSON bodies, as the Bot API accepts them.

``mock_transport`` gives an ``httpx.MockTransport`` that hands requests straight to
the same dispatch, without a socket, for tests of the client side (python-telegram-bot's
``HTTPXRequest(httpx_kwargs={"transport": ...})``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import tornado.httputil
import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

from newsbrief.bot.localapi.errors import APIError, bad
from newsbrief.bot.localapi.methods import DROP, GONE, Reply, normalise

__all__ = ["Dispatch", "HTTPTransport", "mock_transport", "parse_params"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 << 20
# (path token, method name, params, client-gone check) -> reply; runs on the server loop
Dispatch = Callable[[str, str, dict, Callable[[], bool]], Awaitable[Reply]]


def parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """The parameters of a call, typed: query string, then the body (which wins).

    Bodies may be JSON, multipart or form-urlencoded (also assumed when there is no
    Content-Type, like Telegram). Raises ``APIError`` (400) on a body that cannot be read.
    """
    raw: dict[str, Any] = {}
    for name, values in tornado.httputil.parse_qs_bytes(query, keep_blank_values=True).items():
        raw[name] = values[-1].decode("utf-8", "replace")
    if body:
        mime = content_type.split(";")[0].strip().lower()
        if mime == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise bad("can't parse JSON object") from exc
            if not isinstance(data, dict):
                raise bad("can't parse JSON object")
            raw.update(data)
        else:
            if mime != "multipart/form-data":
                content_type = "application/x-www-form-urlencoded"
            args: dict[str, list[bytes]] = {}
            files: dict[str, list[tornado.httputil.HTTPFile]] = {}
            try:
                tornado.httputil.parse_body_arguments(content_type, body, args, files)
            except tornado.httputil.HTTPInputError as exc:
                raise bad(
                    "can't parse multipart request" if mime == "multipart/form-data" else "can't parse request body"
                ) from exc
            for name, values in args.items():
                raw[name] = values[-1].decode("utf-8", "replace")
            for name, uploads in files.items():
                f = uploads[-1]
                raw[name] = {
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": len(f.body),
                    "data": f.body,
                }
    return {k: normalise(k, v) for k, v in raw.items()}


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _BotMethodHandler(tornado.web.RequestHandler):
    """``/bot<TOKEN>/<method>``, by GET or POST."""

    SUPPORTED_METHODS = ("GET", "POST")  # as Telegram

    def initialize(self, transport: HTTPTransport) -> None:
        self.transport = transport
        self.client_gone = False

    def on_connection_close(self) -> None:
        self.client_gone = True

    async def post(self, path_token: str, method_name: str) -> None:
        t = self.transport
        t.busy += 1
        try:
            try:
                params = parse_params(
                    self.request.query, self.request.headers.get("Content-Type", ""), self.request.body
                )
            except APIError as exc:
                t.record(method_name, {}, exc.error_code)
                self._answer(exc.error_code, exc.payload())
                return
            reply = await t.dispatch(path_token, method_name, params, lambda: self.client_gone)
        finally:
            t.busy -= 1
        if reply is DROP or reply is GONE:
            self.detach().close()  # no answer at all
            return
        status, payload = reply  # type: ignore[misc]
        self._answer(status, payload)

    get = post

    def _answer(self, status: int, payload: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        if self.transport.stopping:
            self.set_header("Connection", "close")
        self.finish(_json(payload))


class _FileHandler(tornado.web.RequestHandler):
    """``/file/bot<TOKEN>/<file_path>``: a file's bytes, as getFile named it."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, transport: HTTPTransport) -> None:
        self.transport = transport

    def get(self, path_token: str, file_path: str) -> None:
        data = self.transport.read_file(path_token, file_path)
        if data is None:
            self.set_status(404)
            self.finish(_json(APIError(404, "Not Found").payload()))
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "application/json")
        self.finish(_json(APIError(404, "Not Found").payload()))


class HTTPTransport:
    """Tornado serving the Bot API on ``host:port`` (0: any free port) from a background thread."""

    def __init__(
        self,
        dispatch: Dispatch,
        record: Callable[[str, dict, int], None],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        serve_http: bool = True,
        on_loop_start: Callable[[], None] = lambda: None,
        on_stopping: Callable[[], None] = lambda: None,
        read_file: Callable[[str, str], bytes | None] = lambda token, path: None,
    ) -> None:
        self.dispatch = dispatch
        self.read_file = read_file  # (path token, file path) -> the file, or None
        self.record = record
        self.host = host
        self.requested_port = port
        self.serve_http = serve_http
        self.port: int | None = None
        self.busy = 0
        self.stopping = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._on_loop_start = on_loop_start
        self._on_stopping = on_stopping
        self._thread: threading.Thread | None = None
        self._server: HTTPServer | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and serve in a background thread; returns when ready (re-raises a bind error)."""
        if self.running:
            return
        self.stopping = False
        ready = threading.Event()
        errors: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            ioloop: IOLoop | None = None
            try:
                ioloop = loop.run_until_complete(self._serve_start())
            except BaseException as exc:  # bind failure
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                try:
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    ioloop.close()  # closes the asyncio loop too

        self.loop = loop
        self._thread = threading.Thread(target=run, name=f"LocalBotAPI-{id(self):x}", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            self._thread.join()
            self._thread = None
            self.loop = None
            raise errors[0]

    async def _serve_start(self) -> IOLoop:
        self._on_loop_start()
        if self.serve_http:
            app = tornado.web.Application(
                [
                    (r"/bot([^/]*)/([^/]*)", _BotMethodHandler, {"transport": self}),
                    (r"/file/bot([^/]*)/(.+)", _FileHandler, {"transport": self}),
                ],
                default_handler_class=_NotFoundHandler,
                log_function=lambda handler: None,
            )
            sockets = tornado.netutil.bind_sockets(self.requested_port, self.host, backlog=1024)
            self._server = HTTPServer(app, max_body_size=MAX_BODY_BYTES, idle_connection_timeout=300)
            self._server.add_sockets(sockets)
            self.port = sockets[0].getsockname()[1]
        return IOLoop.current()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: waiting calls answer at once, connections are closed, the thread joined."""
        if not self.running or self.loop is None:
            return
        self.stopping = True
        loop = self.loop
        fut = asyncio.run_coroutine_threadsafe(self._serve_stop(), loop)
        try:
            fut.result(timeout)
        except Exception:  # pragma: no cover - best effort
            log.exception("LocalBotAPI shutdown")
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(timeout)
        self._thread = None
        self.loop = None

    async def _serve_stop(self) -> None:
        self._on_stopping()
        if self._server is None:
            return
        self._server.stop()
        deadline = time.monotonic() + 1.0
        while self.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await self._server.close_all_connections()
        self._server = None

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the server loop, from any thread (no-op when stopped)."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(callback)
            except RuntimeError:  # loop closed meanwhile
                pass


def mock_transport(transport: HTTPTransport, *, asynchronous: bool = True) -> httpx.MockTransport:
    """An httpx transport that hands requests to the server's dispatch in process.

    ``asynchronous`` for ``httpx.AsyncClient`` (and python-telegram-bot), else for
    ``httpx.Client``. An injected "drop" fault raises ``httpx.RemoteProtocolError``.
    """

    def submit(request: httpx.Request, gone: Callable[[], bool]) -> Any:
        """The reply, or a future of it from the server loop (None: not a Bot API path)."""
        if transport.loop is None:
            raise httpx.ConnectError("LocalBotAPI is not started", request=request)
        parts = request.url.path.split("/")
        if len(parts) != 3 or parts[0] or not parts[1].startswith("bot"):
            return None
        try:
            params = parse_params(
                request.url.query.decode("latin-1"), request.headers.get("content-type", ""), request.content
            )
        except APIError as exc:
            transport.record(parts[2], {}, exc.error_code)
            return exc.error_code, exc.payload()
        return asyncio.run_coroutine_threadsafe(
            transport.dispatch(parts[1][3:], parts[2], params, gone), transport.loop
        )

    def respond(request: httpx.Request, reply: Any) -> httpx.Response:
        if reply is None:
            return httpx.Response(404, json=APIError(404, "Not Found").payload())
        if reply is DROP or reply is GONE:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        status, payload = reply
        return httpx.Response(status, content=_json(payload), headers={"Content-Type": "application/json"})

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        pending = submit(request, lambda: False)
        if isinstance(pending, concurrent.futures.Future):
            pending = pending.result()
        return respond(request, pending)

    async def handle_async(request: httpx.Request) -> httpx.Response:
        await request.aread()
        gone = threading.Event()
        pending = submit(request, gone.is_set)
        if not isinstance(pending, concurrent.futures.Future):
            return respond(request, pending)
        try:
            reply = await asyncio.shield(asyncio.wrap_future(pending))
        except asyncio.CancelledError:
            gone.set()  # the client gave up: a waiting getUpdates ends, as if the connection closed
            raise
        return respond(request, reply)

    return httpx.MockTransport(handle_async if asynchronous else handle)

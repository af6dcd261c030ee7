"""``LocalBotAPI``: the state, the methods, the faults and a transport, put together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from newsbrief.bot.localapi.faults import FaultPlan
from newsbrief.bot.localapi.files import file_bytes, user_document
from newsbrief.bot.localapi.methods import KNOWN_METHODS, TOKEN_RE, Poller, Reply, dispatch
from newsbrief.bot.localapi.state import BotState
from newsbrief.bot.localapi.transport import HTTPTransport, mock_transport

__all__ = ["DEFAULT_TOKEN", "LocalBotAPI"]

DEFAULT_TOKEN = "123456:local-test-token"


class LocalBotAPI(BotState):
    """In-memory Telegram Bot API server on 127.0.0.1 (see the package docstring).

    The user side (``send_text``, ``press_button``, ``set_member``) and what tests read
    (``sent``, ``requests``, ``wait_for_sent``, ...) come from ``BotState``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "newsbrief_bot",
        *,
        bot_first_name: str = "NewsBrief",
        strict_html_entities: bool = True,
        max_poll_timeout: float = 50.0,
        keep_history: bool = True,
        serve_http: bool = True,
    ) -> None:
        if not TOKEN_RE.fullmatch(token):
            raise ValueError(f"malformed bot token {token!r} (expected '<digits>:<letters>')")
        super().__init__(
            int(token.split(":", 1)[0]),
            bot_username,
            bot_first_name,
            keep_history=keep_history,
            strict_html_entities=strict_html_entities,
        )
        self.token = token
        self.host = host
        self.max_poll_timeout = max_poll_timeout
        self._faults = FaultPlan(KNOWN_METHODS)
        self._poller: Poller | None = None
        self._transport = HTTPTransport(
            self._dispatch,
            self.record,
            host=host,
            port=port,
            serve_http=serve_http,
            on_loop_start=self._loop_started,
            on_stopping=self._stopping,
            read_file=self._read_file,
        )
        self.wake_pollers = self._wake_pollers

    def _read_file(self, path_token: str, file_path: str) -> bytes | None:
        return file_bytes(self, file_path) if path_token == self.token else None

    def send_document(self, chat_id: int, file_name: str, content: bytes, **kwargs: Any) -> dict:
        """A user sends a document (``mime_type``, ``caption``, ``user_id``); returns the Message."""
        return user_document(self, chat_id, file_name, content, **kwargs)

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int | None:
        """The bound port (None before ``start``)."""
        return self._transport.port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)`` (PTB appends the token)."""
        return f"http://{self.host}:{self._port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._port()}/file/bot"

    def method_url(self, method: str) -> str:
        """Full URL of a Bot API method, for raw HTTP calls."""
        return f"{self.base_url}{self.token}/{method}"

    def _port(self) -> int:
        if not self._transport.serve_http:
            return 0  # in process only: the mock transport never connects
        if self.port is None:
            raise RuntimeError("LocalBotAPI is not started")
        return self.port

    @property
    def running(self) -> bool:
        return self._transport.running

    @property
    def polling(self) -> bool:
        """Whether a client's getUpdates is being held open right now (a long poll)."""
        return self._poller is not None and self._poller.waiting

    def start(self) -> LocalBotAPI:
        """Bind and serve in a background thread; returns self. Idempotent."""
        self._transport.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: waiting getUpdates calls answer at once, connections are closed,
        the thread is joined. Safe to call twice and from inside a running event loop."""
        self._transport.stop(timeout)
        with self.changed:
            self.changed.notify_all()

    def __enter__(self) -> LocalBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> LocalBotAPI:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def mock_transport(self, *, asynchronous: bool = True) -> httpx.MockTransport:
        """An in-process httpx transport to this server (no socket), e.g. for
        ``HTTPXRequest(httpx_kwargs={"transport": api.mock_transport()})``. Needs ``start()``."""
        return mock_transport(self._transport, asynchronous=asynchronous)

    def _loop_started(self) -> None:  # on the server loop
        self._poller = Poller(self.max_poll_timeout)

    def _stopping(self) -> None:  # on the server loop
        if self._poller is not None:
            self._poller.stopping = True
            self._poller.wake()

    def _wake_pollers(self) -> None:  # any thread
        poller = self._poller
        if poller is not None:
            self._transport.call_soon(poller.wake)

    async def _dispatch(self, path_token: str, method_name: str, params: dict, gone: Callable[[], bool]) -> Reply:
        assert self._poller is not None
        return await dispatch(self, self._faults, self._poller, self.token, path_token, method_name, params, gone)

    # ------------------------------------------------------------------ faults
    def inject(
        self,
        method: str = "sendMessage",
        kind: str = "429",
        chat_id: int | str | None = None,
        times: int | None = 1,
        **opts: Any,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        kind: "429" (opts ``retry_after``, default 1), "403" (opt ``description``),
        "migrate" (opt ``new_chat_id``; the old id keeps failing afterwards),
        "500", "drop" (close the connection unanswered), "slow" (opt ``delay``
        seconds, default 1.0, then handled normally). ``times=None``: forever.
        """
        self._faults.inject(method, kind, chat_id, times, opts)

    def set_fault_rate(
        self,
        rate: float = 0.1,
        kinds: Iterable[str] = ("429", "500", "drop", "slow"),
        seed: int | None = 1,
        *,
        methods: Iterable[str] = ("sendMessage",),
        retry_after: int = 1,
        delay: float = 0.2,
    ) -> None:
        """Random faults: each call of ``methods`` fails with probability ``rate`` with a
        kind drawn from ``kinds`` (seeded, so reproducible). ``rate=0`` turns it off."""
        self._faults.set_rate(rate, kinds, seed, methods, {"retry_after": retry_after, "delay": delay})

    def clear_faults(self) -> None:
        """Cancel planned and random faults."""
        self._faults.clear()

    def clear(self) -> None:
        """Forget sent messages, requests, callback answers and faults.
        Chats, message history and queued updates stay."""
        super().clear()
        self._faults.clear()

"""Fetches that chats ask for (/add, /summary URL, an OPML import, a new source's first
fetch) run here, apart from everything else.

Such a fetch may take as long as the remote server likes (up to the fetcher's deadline),
and whoever sends the URL chooses the server. So these fetches never run in the event
loop's default thread pool, which serves every chat's /brief, /who and the store: they
get their own pool of ``[chats] fetch_threads`` threads. Within it, one chat has at most
``[chats] fetches_in_flight`` fetches running at once, and so has one user across chats;
further ones wait their turn (at most :data:`MAX_WAITING` per chat, then the chat is told
to wait). A chat and a user may start at most ``[chats] fetches_per_hour`` fetches in an
hour.

So a user can only slow down their own fetches: another chat's /brief never waits for a
thread, and another chat's /add waits at most for the fetches already running.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import functools
import math
import time
from collections.abc import AsyncIterator, Callable, Hashable
from typing import TypeVar

from newsbrief.bot.i18n import _, ngettext
from newsbrief.summaries.config import ChatSettings

__all__ = ["ChatFetches", "Busy", "MAX_WAITING"]

T = TypeVar("T")

MAX_WAITING = 20  # fetches of one chat waiting for their turn; more are refused
HOUR = 3600.0


class Busy(Exception):
    """The chat or user may not start another fetch now; the message says why and when."""


class ChatFetches:
    """The pool, limits and rates for fetches chats ask for (see the module docstring)."""

    def __init__(self, limits: ChatSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.in_flight = max(1, limits.fetches_in_flight)
        self.per_hour = limits.fetches_per_hour
        self.clock = clock
        self.pool = concurrent.futures.ThreadPoolExecutor(max(1, limits.fetch_threads), "chat-fetch")
        self._slots: dict[Hashable, asyncio.Semaphore] = {}
        self._users: collections.Counter[Hashable] = collections.Counter()  # in turn or waiting for it
        self._waiting: collections.Counter[Hashable] = collections.Counter()
        self._started: dict[Hashable, collections.deque[float]] = {}
        self._admitted = 0

    def _keys(self, chat_id: int, user_id: int | None) -> list[Hashable]:
        keys: list[Hashable] = [("chat", chat_id)]
        if user_id is not None and user_id != chat_id:
            keys.append(("user", user_id))
        return keys

    def _admit(self, keys: list[Hashable]) -> None:
        """Count one start against every key's hourly rate, or raise :class:`Busy`."""
        now = self.clock()
        for key in keys:
            if self._waiting[key] >= MAX_WAITING:
                raise Busy(
                    _("{n} addresses of this chat are already waiting to be read. Try again later.").format(
                        n=MAX_WAITING
                    )
                )
            started = self._started.setdefault(key, collections.deque())
            while started and now - started[0] >= HOUR:
                started.popleft()
            if self.per_hour and len(started) >= self.per_hour:
                minutes = max(1, math.ceil((HOUR - (now - started[0])) / 60))
                raise Busy(
                    _("You have sent {n} addresses to read in the last hour, the most allowed.").format(n=self.per_hour)
                    + " "
                    + ngettext("Try again in {n} minute.", "Try again in {n} minutes.", minutes).format(n=minutes)
                )
        for key in keys:
            self._started[key].append(now)
        self._admitted += 1
        if self._admitted % 1000 == 0:  # forget chats that started nothing in the last hour
            for key in [k for k, d in self._started.items() if not d or now - d[-1] >= HOUR]:
                del self._started[key]

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int, user_id: int | None) -> AsyncIterator[None]:
        """Wait for this chat's and user's turn (raises :class:`Busy` when over a limit)."""
        keys = self._keys(chat_id, user_id)
        self._admit(keys)
        for key in keys:
            self._waiting[key] += 1
            self._users[key] += 1
        held: list[asyncio.Semaphore] = []
        try:
            for key in keys:  # always in the same order (chat, then user): no deadlock
                slot = self._slots.setdefault(key, asyncio.Semaphore(self.in_flight))
                await slot.acquire()
                held.append(slot)
        except BaseException:
            self._leave(keys, held)
            raise
        finally:
            for key in keys:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
        try:
            yield
        finally:
            self._leave(keys, held)

    def _leave(self, keys: list[Hashable], held: list[asyncio.Semaphore]) -> None:
        for slot in held:
            slot.release()
        for key in keys:
            self._users[key] -= 1
            if not self._users[key]:  # nobody holds or waits for this key's slots: forget them
                del self._users[key]
                self._slots.pop(key, None)

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` in the pool (no limits: use inside :meth:`turn`, or for work
        the bot starts itself, such as a new source's first fetch)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args))

    async def run(self, chat_id: int, user_id: int | None, fn: Callable[..., T], *args: object) -> T:
        """Run one fetch for a chat in its turn: :meth:`turn`, then :meth:`call`."""
        async with self.turn(chat_id, user_id):
            return await self.call(fn, *args)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

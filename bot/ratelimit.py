"""Rate limiting for Telegram's flood limits, with replies to people ahead of bulk digests.

Telegram allows a bot about 30 messages a second overall and 20 a minute in one group.
python-telegram-bot's ``AIORateLimiter`` enforces that first come, first served: while
10,000 digests wait their turn, a user's ``/brief`` waits behind all of them. This limiter
paces requests at the same overall rate but hands each free slot to the waiting request
of highest priority: replies (priority 0) before digests (priority 1).

Per-request options go in ``rate_limit_args`` as a dict:

* ``priority``: 0 (default, interactive) or higher (bulk);
* ``before_send``: a function (or coroutine function) called right before the request
  leaves, after the limiter let it through (the delivery log marks a digest as being
  sent there);
* ``max_retries``: how often to retry after a ``RetryAfter`` (default from the constructor).

A ``RetryAfter`` from Telegram pauses every request for the time it asks, then retries.

All waiting goes through a ``Clock`` (the running event loop's clock by default), so
tests can run the limiter in virtual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import inspect
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["BULK", "INTERACTIVE", "Clock", "LoopClock", "PriorityRateLimiter"]

log = logging.getLogger(__name__)

INTERACTIVE = 0
BULK = 1


class Clock(Protocol):
    """Where the limiter reads the time and waits: monotonic seconds, and a sleep."""

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The running event loop's monotonic clock and ``asyncio.sleep`` (the default)."""

    def time(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _LeakyBucket:
    """Up to ``capacity`` acquisitions at once, refilled at ``capacity / period`` per second
    (a leaky bucket, as aiolimiter's ``AsyncLimiter``); waiters are served first come, first served."""

    def __init__(self, capacity: float, period: float, clock: Clock) -> None:
        self.capacity = capacity
        self.per_second = capacity / period
        self.clock = clock
        self.level = 0.0
        self._checked: float | None = None
        self._turn = asyncio.Lock()

    def _leak(self) -> None:
        now = self.clock.time()
        if self._checked is not None:
            self.level = max(self.level - (now - self._checked) * self.per_second, 0.0)
        self._checked = now

    async def acquire(self) -> None:
        async with self._turn:
            while True:
                self._leak()
                if self.level + 1 <= self.capacity:
                    self.level += 1
                    return
                await self.clock.sleep((self.level + 1 - self.capacity) / self.per_second)


def _retry_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked to wait: a timedelta with ``PTB_TIMEDELTA=1`` (which the
    entry points set, as python-telegram-bot 22 asks), else a number."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Paces requests that go to a chat at ``rate`` per second overall and
    ``group_rate`` per ``group_period`` seconds per group, highest priority first.

    ``clock`` is where it reads the time and sleeps (default: the event loop's)."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        group_rate: float = 20,
        group_period: float = 60,
        max_retries: int = 5,
        burst_seconds: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.group_rate = group_rate
        self.group_period = group_period
        self.max_retries = max_retries
        self.burst_seconds = burst_seconds
        self.clock: Clock = clock or LoopClock()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._wake: asyncio.Event | None = None
        self._resume: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._groups: dict[int | str, _LeakyBucket] = {}

    async def initialize(self) -> None:
        if self._dispatcher is not None and not self._dispatcher.done():
            return  # python-telegram-bot initializes the limiter once per bot and once per updater
        self._wake = asyncio.Event()
        self._resume = asyncio.Event()
        self._resume.set()
        self._dispatcher = asyncio.create_task(self._dispatch(), name="newsbrief-rate-limiter")

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for _, _, fut in self._waiting:
            if not fut.done():
                fut.cancel()
        self._waiting.clear()

    @property
    def waiting(self) -> int:
        return sum(1 for *_, fut in self._waiting if not fut.done())

    async def _dispatch(self) -> None:
        clock = self.clock
        next_slot = clock.time()
        assert self._wake is not None and self._resume is not None
        while True:
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._resume.wait()
            now = clock.time()
            # a quiet spell earns at most burst_seconds' worth of immediate slots
            next_slot = max(next_slot, now - self.burst_seconds)
            if next_slot > now:
                await clock.sleep(next_slot - now)
            while self._waiting:
                _, _, fut = heapq.heappop(self._waiting)
                if not fut.done():
                    fut.set_result(None)
                    next_slot += self.interval
                    break

    async def _slot(self, priority: int) -> None:
        if self._dispatcher is None or self._wake is None:
            raise RuntimeError("the rate limiter is not running (initialize() was not called, or it was shut down)")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._seq), fut))
        self._wake.set()
        await fut

    def _group_limiter(self, group: int | str) -> _LeakyBucket:
        limiter = self._groups.get(group)
        if limiter is None:
            limiter = self._groups[group] = _LeakyBucket(self.group_rate, self.group_period, self.clock)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | int | None,
    ) -> Any:
        options = rate_limit_args if isinstance(rate_limit_args, dict) else {}
        if isinstance(rate_limit_args, int):
            options = {"max_retries": rate_limit_args}
        priority = int(options.get("priority", INTERACTIVE))
        before_send = options.get("before_send")
        max_retries = int(options.get("max_retries", self.max_retries))
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        limited = chat_id is not None
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else None
        for attempt in range(max_retries + 1):
            if limited:
                if group is not None and self.group_rate:
                    await self._group_limiter(group).acquire()
                await self._slot(priority)
            elif self._resume is not None:
                await self._resume.wait()
            if before_send is not None:
                started = before_send()
                if inspect.isawaitable(started):
                    await started
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == max_retries:
                    raise
                pause = _retry_seconds(exc) + 0.1
                log.info("Telegram asked to wait %.1fs (%s); pausing all requests", pause, endpoint)
                if self._resume is not None and self._resume.is_set():
                    self._resume.clear()
                    try:
                        await self.clock.sleep(pause)
                    finally:
                        self._resume.set()
                else:
                    await self.clock.sleep(pause)
        raise AssertionError("unreachable")

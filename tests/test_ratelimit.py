"""The priority rate limiter: pace, priority of replies over digests, group limits, RetryAfter.

The limiter runs on a virtual clock: time moves only when every task waits on it, so
the pace is checked exactly and no test depends on how busy the machine is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from telegram.error import RetryAfter

from newsbrief.bot.ratelimit import BULK, PriorityRateLimiter

T = TypeVar("T")


class VirtualClock:
    """A ``bot.ratelimit.Clock`` in virtual time: ``sleep`` waits until ``run`` moves the
    time to its deadline, which ``run`` does as soon as nothing else can make progress."""

    IDLE_ROUNDS = 50  # loop iterations without progress that count as "everything waits"

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), fut))
        await fut

    async def run(self, work: Awaitable[T], limit: float = 3600.0) -> T:
        """Await ``work``, moving the time forward whenever all tasks wait on this clock."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(self.IDLE_ROUNDS):
                await asyncio.sleep(0)
                if task.done():
                    break
            else:
                while self._sleepers and self._sleepers[0][2].done():  # cancelled sleeps
                    heapq.heappop(self._sleepers)
                if not self._sleepers:
                    task.cancel()
                    raise AssertionError("deadlock: every task waits, none on the clock")
                deadline = self._sleepers[0][0]
                if deadline > limit:
                    task.cancel()
                    raise AssertionError(f"still waiting at virtual time {deadline:.1f}s")
                self.now = max(self.now, deadline)
                while self._sleepers and self._sleepers[0][0] <= self.now:
                    fut = heapq.heappop(self._sleepers)[2]
                    if not fut.done():
                        fut.set_result(None)
        return task.result()


def submit(
    limiter: PriorityRateLimiter, call: Any, tag: str, chat_id: int | str | None, options: dict | None = None
) -> asyncio.Task:
    data = {} if chat_id is None else {"chat_id": chat_id}
    endpoint = "sendMessage" if chat_id is not None else "answerCallbackQuery"
    return asyncio.create_task(limiter.process_request(call, (tag,), {}, endpoint, data, options))


async def test_paces_at_the_rate_and_serves_replies_first():
    clock = VirtualClock()
    limiter = PriorityRateLimiter(50.0, burst_seconds=0.0, clock=clock)
    await limiter.initialize()
    sent: list[tuple[str, float]] = []

    async def call(tag: str) -> bool:
        sent.append((tag, clock.time()))
        return True

    async def scenario() -> None:
        bulk = [submit(limiter, call, f"d{i}", i + 1, {"priority": BULK}) for i in range(60)]
        await clock.sleep(0.2)  # 10 digests gone, 50 waiting
        replies = [submit(limiter, call, f"r{i}", 1000 + i) for i in range(5)]
        await asyncio.gather(*bulk, *replies)

    await clock.run(scenario())
    await limiter.shutdown()
    order = [tag for tag, _ in sent]
    assert order[:10] == [f"d{i}" for i in range(10)]  # digests first come, first served
    first_reply = order.index("r0")
    assert first_reply in (10, 11)  # the next free slot after the replies arrived
    assert order[first_reply : first_reply + 5] == ["r0", "r1", "r2", "r3", "r4"]  # ahead of the queued digests
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(sent)]
    assert len(sent) == 65 and gaps == pytest.approx([0.02] * 64)  # exactly 50 a second, never faster


async def test_a_quiet_spell_earns_a_burst_of_at_most_burst_seconds():
    clock = VirtualClock()
    limiter = PriorityRateLimiter(10.0, burst_seconds=0.5, clock=clock)
    await limiter.initialize()
    sent: list[float] = []

    async def call(tag: str) -> bool:
        sent.append(clock.time())
        return True

    async def scenario() -> None:
        await clock.sleep(60)  # quiet for a minute
        await asyncio.gather(*(submit(limiter, call, str(i), i + 1) for i in range(10)))

    await clock.run(scenario())
    await limiter.shutdown()
    # half a second's worth of slots (and the current one) at once, then the pace
    assert sent == pytest.approx([60.0] * 6 + [60.1, 60.2, 60.3, 60.4])


async def test_requests_without_a_chat_are_not_paced():
    clock = VirtualClock()
    limiter = PriorityRateLimiter(2.0, clock=clock)
    await limiter.initialize()

    async def call(tag: str) -> bool:
        return True

    async def scenario() -> list[bool]:
        return await asyncio.gather(*(submit(limiter, call, str(i), None) for i in range(20)))

    assert await clock.run(scenario()) == [True] * 20
    await limiter.shutdown()
    assert clock.time() == 0.0  # not a moment waited


async def test_a_group_gets_its_own_limit_and_does_not_hold_up_other_chats():
    clock = VirtualClock()
    limiter = PriorityRateLimiter(30.0, group_rate=20, group_period=60, burst_seconds=0.0, clock=clock)
    await limiter.initialize()
    sent: dict[str, list[float]] = {"group": [], "private": []}

    async def call(tag: str) -> bool:
        sent[tag].append(clock.time())
        return True

    async def scenario() -> None:
        group = [submit(limiter, call, "group", -100) for _ in range(23)]
        private = [submit(limiter, call, "private", 7) for _ in range(30)]
        await asyncio.gather(*group, *private)

    await clock.run(scenario())
    await limiter.shutdown()
    g = sent["group"]
    assert max(g[:20]) < 2.0  # the group's burst goes out at the overall pace
    # then one message per period / rate = 3 s, as the bucket leaks
    assert g[20:] == pytest.approx([3.0, 6.0, 9.0], abs=0.04)
    assert max(sent["private"]) < 2.0  # private chats were not queued behind the group


async def test_retry_after_pauses_and_retries_and_before_send_runs_each_time():
    clock = VirtualClock()
    limiter = PriorityRateLimiter(100.0, clock=clock)
    await limiter.initialize()
    attempts: list[float] = []
    marks: list[int] = []

    async def flaky() -> str:
        attempts.append(clock.time())
        if len(attempts) == 1:
            raise RetryAfter(dt.timedelta(seconds=0.3))
        return "ok"

    result = await clock.run(
        limiter.process_request(
            flaky, (), {}, "sendMessage", {"chat_id": 5}, {"before_send": lambda: marks.append(1), "priority": BULK}
        )
    )
    await limiter.shutdown()
    assert result == "ok"
    assert attempts == pytest.approx([0.0, 0.4])  # the time Telegram asked for, plus a margin of 0.1 s
    assert marks == [1, 1]


async def test_default_clock_is_the_event_loop():
    limiter = PriorityRateLimiter(1000.0)
    await limiter.initialize()
    loop = asyncio.get_running_loop()
    before = loop.time()
    assert before <= limiter.clock.time() <= loop.time()

    async def call(tag: str) -> str:
        return tag

    assert await limiter.process_request(call, ("x",), {}, "sendMessage", {"chat_id": 1}, None) == "x"
    await limiter.shutdown()

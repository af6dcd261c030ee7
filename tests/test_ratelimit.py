"""The priority rate limiter: pace, priority of replies over digests, RetryAfter."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from telegram.error import RetryAfter

from bot.ratelimit import BULK, PriorityRateLimiter


async def test_paces_at_the_rate_and_serves_replies_first():
    limiter = PriorityRateLimiter(50.0, burst_seconds=0.0)
    await limiter.initialize()
    sent: list[tuple[str, float]] = []

    async def call(tag):
        sent.append((tag, time.monotonic()))
        return True

    bulk = [asyncio.create_task(limiter.process_request(call, (f"d{i}",), {}, "sendMessage", {"chat_id": i + 1}, {"priority": BULK}))
            for i in range(60)]
    await asyncio.sleep(0.2)  # ~10 digests gone, ~50 waiting
    replies = [asyncio.create_task(limiter.process_request(call, (f"r{i}",), {}, "sendMessage", {"chat_id": 1000 + i}, None))
               for i in range(5)]
    await asyncio.gather(*bulk, *replies)
    await limiter.shutdown()
    order = [tag for tag, _ in sent]
    first_reply = order.index("r0")
    assert order[first_reply:first_reply + 5] == ["r0", "r1", "r2", "r3", "r4"]  # ahead of the queued digests
    assert first_reply < 20
    elapsed = sent[-1][1] - sent[0][1]
    rate = (len(sent) - 1) / elapsed
    assert 40 <= rate <= 52.5  # never above the limit; a busy machine may lag a little


async def test_requests_without_a_chat_are_not_paced():
    limiter = PriorityRateLimiter(2.0)
    await limiter.initialize()
    start = time.monotonic()

    async def call():
        return True

    await asyncio.gather(*(limiter.process_request(call, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None)
                           for _ in range(20)))
    await limiter.shutdown()
    assert time.monotonic() - start < 0.5


async def test_retry_after_pauses_and_retries_and_before_send_runs_each_time():
    limiter = PriorityRateLimiter(100.0)
    await limiter.initialize()
    attempts = []
    marks = []

    async def flaky():
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise RetryAfter(dt.timedelta(seconds=0.3))
        return "ok"

    result = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5},
                                           {"before_send": lambda: marks.append(1), "priority": BULK})
    await limiter.shutdown()
    assert result == "ok"
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 0.35
    assert marks == [1, 1]

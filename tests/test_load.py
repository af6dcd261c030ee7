"""Load and faults over the real stack. Counts scale with NEWSBRIEF_LOAD_CHATS (CI default
300); `python bench/fanout.py` runs the full 10,000."""

from __future__ import annotations

import os

import pytest

from loadgen import digest_fanout

pytestmark = pytest.mark.slow

CHATS = int(os.environ.get("NEWSBRIEF_LOAD_CHATS", "300"))
USERS = int(os.environ.get("NEWSBRIEF_LOAD_USERS", "200"))


async def test_digests_due_in_the_same_minute_go_out_once_at_the_rate_limit(tmp_path):
    result = await digest_fanout(tmp_path, CHATS, rate=30.0)
    print("\n".join(result.lines()))
    assert (result.delivered, result.duplicates, result.missing) == (CHATS, 0, 0)
    # close to Telegram's 30/s and never above it (the exact pace is checked in virtual time in
    # test_ratelimit). On a busy machine the bot may lag behind, and after a stall the limiter
    # catches up with at most burst_seconds (1 s) of slots at once.
    assert result.sustained_rate >= 24.0
    sent = result.sustained_rate * result.steady_seconds
    assert sent <= 30.0 * (result.steady_seconds + 1.0), (sent, result.steady_seconds)
    assert result.rss_peak - result.rss_start < 150  # MiB


async def test_commands_are_answered_during_a_digest_run(tmp_path):
    result = await digest_fanout(tmp_path, CHATS, rate=30.0, users=USERS)
    print("\n".join(result.lines()))
    assert len(result.reply_latencies) == USERS  # every command answered
    assert result.duplicates == 0 and result.missing == 0
    # replies go ahead of queued digests: all 200 within what the rate limit itself needs
    assert max(result.reply_latencies) < USERS / 30.0 + 5


async def test_every_chat_gets_its_digest_once_despite_faults(tmp_path):
    chats = max(100, CHATS // 2)
    result = await digest_fanout(tmp_path, chats, rate=60.0, fault_rate=0.1, seed=7)
    print("\n".join(result.lines()))
    faults = sum(n for status, n in result.requests.items() if status != 200)
    assert faults >= chats * 0.05  # the faults really happened
    assert (result.delivered, result.duplicates, result.missing) == (chats, 0, 0)

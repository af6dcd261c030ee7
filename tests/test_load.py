"""Load and faults over the real stack, for correctness: every digest goes out once,
every command is answered, injected faults lose nothing. Counts scale with
NEWSBRIEF_LOAD_CHATS (CI default 300).

The figures (send rate against the limit, memory growth, reply latency) are wall-clock
measurements, so they live in `python bench/load.py`, printed against their targets; the
pace itself and replies going ahead of digests are asserted in virtual time in
test_ratelimit. `python bench/fanout.py` runs the full 10,000 chats.
"""

from __future__ import annotations

import os

import pytest
from loadgen import digest_fanout

pytestmark = pytest.mark.slow

CHATS = int(os.environ.get("NEWSBRIEF_LOAD_CHATS", "300"))
USERS = int(os.environ.get("NEWSBRIEF_LOAD_USERS", "200"))


async def test_digests_due_in_the_same_minute_go_out_once(tmp_path):
    result = await digest_fanout(tmp_path, CHATS, rate=30.0)
    print("\n".join(result.lines()))
    assert (result.delivered, result.duplicates, result.missing) == (CHATS, 0, 0)


async def test_commands_are_answered_during_a_digest_run(tmp_path):
    result = await digest_fanout(tmp_path, CHATS, rate=30.0, users=USERS)
    print("\n".join(result.lines()))
    assert len(result.reply_latencies) == USERS  # every command answered
    assert (result.delivered, result.duplicates, result.missing) == (CHATS, 0, 0)


async def test_every_chat_gets_its_digest_once_despite_faults(tmp_path):
    chats = max(100, CHATS // 2)
    result = await digest_fanout(tmp_path, chats, rate=60.0, fault_rate=0.1, seed=7)
    print("\n".join(result.lines()))
    faults = sum(n for status, n in result.requests.items() if status != 200)
    assert faults >= chats * 0.05  # the faults really happened
    assert (result.delivered, result.duplicates, result.missing) == (chats, 0, 0)

"""The bot process keeps Python's full garbage collections out of its answers: start-up
objects frozen, full collections only from its own job."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import asyncio, gc, weakref
from newsbrief.bot.app import collect_garbage_job, settle_garbage_collection

settle_garbage_collection()
assert gc.get_freeze_count() > 1000, gc.get_freeze_count()  # what start-up made
assert gc.get_threshold()[2] >= 10**9

class Node:
    pass

def cycles(n):
    out = []
    for _ in range(n):
        a, b = Node(), Node()
        a.other, b.other = b, a
        out.append(weakref.ref(a))
    return out

kept = [Node() for _ in range(200_000)]  # long-lived objects, as a listing's records
for node in kept:
    node.me = [node]
refs = cycles(1000)
gc.collect(1)  # the young collections still run; the cycles have moved to the old generation
for _ in range(50):
    junk = [[i] for i in range(20_000)]  # enough young objects for many young collections
del junk
assert any(r() is not None for r in refs)  # no full collection started by itself
asyncio.run(collect_garbage_job(None))
assert all(r() is None for r in refs)  # the job's full collection freed them
print("ok")
"""


def test_full_collections_run_from_the_job_only():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")

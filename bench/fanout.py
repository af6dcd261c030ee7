"""Digest fan-out benchmark: N chats whose digests fall due in the same minute.

Runs the real bot against the local Bot API server and prints delivery counts (each chat
exactly once), the sustained send rate next to the configured limit (the baseline: 30
messages a second is Telegram's ceiling), memory during the run, and, with --users, the
reply latency of people sending /who and /brief meanwhile.

    python bench/fanout.py [--chats 10000] [--users 200] [--rate 30] [--fault-rate 0]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadgen import digest_fanout  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(
            digest_fanout(Path(tmp), args.chats, rate=args.rate, users=args.users, fault_rate=args.fault_rate)
        )
    print(
        f"digest fan-out: {args.chats:,} chats due in the same minute, limit {args.rate:g}/s"
        + (f", {args.fault_rate:.0%} of sends faulted" if args.fault_rate else "")
    )
    for line in result.lines():
        print("  " + line)
    print(
        f"  ideal time at the limit: {args.chats / args.rate:.1f}s; measured {result.seconds:.1f}s "
        f"(ratio {result.seconds / (args.chats / args.rate):.3f})"
    )
    return 0 if result.missing == 0 and result.duplicates == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load benchmark: the figures of the three load scenarios that tests/test_load.py runs for
correctness only (every digest once, every command answered, faults really injected).

Each figure is printed next to its baseline in the same run: the send rate against the
configured limit (Telegram's 30 messages a second) and the target of 80 % of it; the rate
over the steady span against the limit plus one second of catch-up burst; memory growth
against a 150 MiB budget; the slowest reply to a command against what the rate limit itself
needs for them (users / rate) plus 5 s.

    python bench/load.py [--chats 300] [--users 200] [--rate 30] [--strict]

Exit 1 when a digest is lost or sent twice (always), or with --strict when a figure misses
its target.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadgen import FanoutResult, digest_fanout  # noqa: E402

SUSTAINED_SHARE = 0.8  # of the rate limit: the fan-out keeps close to it
BURST_SECONDS = 1.0  # after a stall the limiter catches up with at most this much of slots
RSS_BUDGET_MIB = 150.0
REPLY_SLACK_SECONDS = 5.0


def _row(name: str, value: float, target: str, ok: bool, unit: str = "") -> tuple[str, bool]:
    mark = "ok" if ok else "MISSED"
    return f"  {name:<34} {value:>9.2f}{unit:<6} target {target:<28} {mark}", ok


def rate_figures(result: FanoutResult) -> list[tuple[str, bool]]:
    limit = result.rate_limit
    rows = [
        _row(
            "sustained rate (msg/s)",
            result.sustained_rate,
            f">= {SUSTAINED_SHARE * limit:g} ({limit:g}/s limit)",
            result.sustained_rate >= SUSTAINED_SHARE * limit,
        )
    ]
    if not math.isnan(result.steady_seconds):
        sent = result.sustained_rate * result.steady_seconds
        allowed = limit * (result.steady_seconds + BURST_SECONDS)
        rows.append(
            _row(
                "sent over the steady span",
                sent,
                f"<= {allowed:.0f} (limit x span + {BURST_SECONDS:g}s)",
                sent <= allowed,
            )
        )
    growth = result.rss_peak - result.rss_start
    rows.append(_row("memory growth (MiB)", growth, f"< {RSS_BUDGET_MIB:g}", growth < RSS_BUDGET_MIB))
    return rows


def reply_figures(result: FanoutResult, users: int) -> list[tuple[str, bool]]:
    if not result.reply_latencies:
        return [("  no command was answered", False)]
    slowest = max(result.reply_latencies)
    bound = users / result.rate_limit + REPLY_SLACK_SECONDS
    target = f"< {bound:.1f} ({users} / rate + {REPLY_SLACK_SECONDS:g}s)"
    return [_row("slowest reply during the run (s)", slowest, target, slowest < bound)]


def fault_figures(result: FanoutResult, chats: int) -> list[tuple[str, bool]]:
    faults = sum(n for status, n in result.requests.items() if status != 200)
    return [_row("faulted sends", faults, f">= {chats * 0.05:.0f} (5% of chats)", faults >= chats * 0.05, "")]


def _correct(result: FanoutResult, chats: int) -> bool:
    return (result.delivered, result.duplicates, result.missing) == (chats, 0, 0)


async def run(chats: int, users: int, rate: float, workdir: Path) -> tuple[bool, bool]:
    """The three scenarios; (every digest went out once, every figure met its target)."""
    correct = met = True
    scenarios = [
        ("digests due in the same minute", chats, {"rate": rate}),
        (f"{users} commands during a digest run", chats, {"rate": rate, "users": users}),
        ("digests despite 10% faults", max(100, chats // 2), {"rate": 2 * rate, "fault_rate": 0.1, "seed": 7}),
    ]
    for i, (title, n, kwargs) in enumerate(scenarios):
        folder = workdir / str(i)
        folder.mkdir()
        result = await digest_fanout(folder, n, **kwargs)
        print(f"\n{title}: {n:,} chats, limit {result.rate_limit:g}/s")
        for line in result.lines():
            print("  " + line)
        rows = rate_figures(result) if i == 0 else reply_figures(result, users) if i == 1 else fault_figures(result, n)
        for text, ok in rows:
            print(text)
            met = met and ok
        correct = correct and _correct(result, n) and (i != 1 or len(result.reply_latencies) == users)
    return correct, met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        correct, met = asyncio.run(run(args.chats, args.users, args.rate, Path(tmp)))
    print(
        f"\nevery digest once, every command answered: {'yes' if correct else 'NO'}; "
        f"every figure on target: {'yes' if met else 'no'}"
    )
    return 0 if correct and (met or not args.strict) else 1


if __name__ == "__main__":
    sys.exit(main())

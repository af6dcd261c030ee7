"""One user against the others: /brief latency under a slow-fetch attack, and the cost of a
huge feed item in a job run, each against a baseline measured in the same run.

    python bench/attack.py [--briefs 40] [--big-mb 5] [--articles 40]

* **/brief under attack.** The real bot against the local Bot API server and a local web
  server whose pages send a byte every half second. Chat B sends ``--briefs`` /brief one
  after the other, first alone (the baseline), then while chat A has 8 /add and 6
  /summary URL of slow pages in flight. Printed: p50 and p99 of B's reply time in both,
  and their ratio (the goal: p99 within 2x).
* **A huge item.** ``newsbrief``'s pipeline (clean, summarize, extract entities, cluster)
  over a batch of ``--articles`` articles, in a fresh process each: once as it is, once
  with one more article of ``--big-mb`` MB of text. Printed: peak memory (max RSS) and
  time of each, their difference and ratio (the goals: within 300 MB, within 2x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from botenv import running_bot  # noqa: E402
from sitesrv import Site  # noqa: E402
from waiting import wait_for  # noqa: E402

from newsbrief.summaries.config import FetchSettings, Settings  # noqa: E402

ATTACKER, READER = 9001, 9002
PAGE = "<html><head><title>Slow</title></head><body><p>" + "A slow page says little. " * 40 + "</p></body></html>"


async def _briefs(env, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await env.say(READER, "/brief")
        times.append(time.perf_counter() - started)
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def brief_under_attack(workdir: Path, briefs: int) -> tuple[list[float], list[float], int]:
    site = Site()
    try:
        urls = [site.html(f"/slow{i}.html", PAGE) for i in range(14)]
        site.slow.update(f"/slow{i}.html" for i in range(14))
        settings = Settings(fetch=FetchSettings(allow_private_hosts=("127.0.0.1",)))
        async with running_bot(workdir, settings) as env:
            await _briefs(env, 3)  # warm
            alone = await _briefs(env, briefs)
            for url in urls[:8]:
                env.api.send_text(ATTACKER, f"/add {url}")
            for url in urls[8:]:
                env.api.send_text(ATTACKER, f"/summary {url}")
            await wait_for(lambda: site.active >= 2, what="the attack under way")
            attacked = await _briefs(env, briefs)
            in_flight = site.active
            site.release.set()
            await env.api.async_wait_for_sent(ATTACKER, count=14, timeout=120)
        return alone, attacked, in_flight
    finally:
        site.close()


JOB = textwrap.dedent(
    """
    import json, resource, sys, time
    from newsbrief.summaries.articles.formats import parse_record
    from newsbrief.summaries.config import Settings
    from newsbrief.summaries.pipeline.run import run_pipeline
    from newsbrief.summaries.store import Store

    db, n, big_mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    words = ("the council said on monday that the new harbour bridge would open in spring after "
             "years of delay while residents of Kingsport and officials from Hallam Steel disputed the cost").split()
    def text(i, chars):
        out, k = [], i
        while sum(map(len, out)) + len(out) < chars:
            sentence = " ".join(words[(k + j) % len(words)] for j in range(14))
            out.append(sentence[0].upper() + sentence[1:] + ".")
            k += 7
        return " ".join(out)
    records = [{"title": f"Harbour bridge report {i}", "text": f"Report number {i}. " + text(i, 3000),
                "source": f"Outlet {i % 7}",
                "url": f"https://example.org/{i}", "published": "2025-07-27T10:00:00Z"} for i in range(n)]
    if big_mb:
        records.append({"title": "One enormous item", "text": text(999, int(big_mb * 1024 * 1024)),
                        "source": "Outlet X", "url": "https://example.org/big", "published": "2025-07-27T10:00:00Z"})
    store = Store(db)
    store.upsert_articles([parse_record(r) for r in records])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = run_pipeline(store, Settings(), ingest=False)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "grown_mb": (peak - before) / 1024,
                      "summarized": len(report.summarized)}))
    """
)


def job_run(workdir: Path, n: int, big_mb: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", JOB, str(workdir / f"job-{big_mb}.json"), str(n), str(big_mb)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )

    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=40)
    parser.add_argument("--big-mb", type=float, default=5.0)
    parser.add_argument("--articles", type=int, default=40)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        alone, attacked, in_flight = asyncio.run(brief_under_attack(Path(tmp), args.briefs))
        print(f"/brief of one chat, {args.briefs} in a row (ms):")
        print(f"  alone:                   p50 {_p(alone, 0.5) * 1000:7.1f}  p99 {_p(alone, 0.99) * 1000:7.1f}")
        print(
            f"  while another chat reads 14 slow pages ({in_flight} in flight at the end): "
            f"p50 {_p(attacked, 0.5) * 1000:7.1f}  p99 {_p(attacked, 0.99) * 1000:7.1f}"
        )
        print(f"  p99 ratio under attack / alone: {_p(attacked, 0.99) / _p(alone, 0.99):.2f} (goal <= 2)")
        print(f"  mean ratio: {statistics.mean(attacked) / statistics.mean(alone):.2f}")
        plain = job_run(Path(tmp), args.articles, 0.0)
        big = job_run(Path(tmp), args.articles, args.big_mb)
    print(f"job run over {args.articles} articles, then with one more of {args.big_mb:g} MB:")
    for name, r in (("without", plain), ("with", big)):
        print(
            f"  {name:8} peak {r['peak_mb']:7.0f} MB (+{r['grown_mb']:.0f} in the run)  {r['seconds']:6.1f} s  "
            f"{r['summarized']:.0f} summarized"
        )
    print(
        f"  peak difference {big['peak_mb'] - plain['peak_mb']:+.0f} MB (goal <= 300), "
        f"time ratio {big['seconds'] / plain['seconds']:.2f} (goal <= 2)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark with its full counts, one after the other, printing each one's
figures and its in-run baseline.

    python bench/run_all.py [--quick]

--quick runs each at small counts (a smoke test of the benchmarks themselves).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("ingest: per-article cost as the store grows", ["ingest.py"]),
    ("summaries: ROUGE on the BBC sets", ["eval_summaries.py", "--large"]),
    ("summarize and extract: articles/s per core, overhead over sumy and spaCy", ["pipeline.py", "--articles", "300"]),
    ("entities: 152 labelled BBC articles vs spaCy alone", ["eval_entities.py"]),
    ("/who at 10,000 articles", ["who.py"]),
    ("stories: B-cubed on the UCI headlines, briefings per day", ["eval_stories.py"]),
    ("stories of full texts: Spanish and Arabic news pairs joined, tuning and report halves", ["eval_pairs.py"]),
    ("stories: clustering cost from 1,000 to 100,000 articles", ["stories.py"]),
    ("sources: 50 feeds x 50 entries, then all 304", ["sources.py"]),
    ("chats: 1,000 chats x 20 own sources of 2,000 feeds, 20,000 follows", ["chats.py"]),
    (
        "digest fan-out: 10,000 chats in one minute, 200 users meanwhile",
        ["fanout.py", "--chats", "10000", "--users", "200"],
    ),
    ("load: the load tests' figures (rate, memory, replies) against targets", ["load.py", "--chats", "1000"]),
    ("capacity: memory and TinyDB file/write at 10k and 30k", ["capacity.py"]),
    ("attack: /brief p99 while another chat reads slow pages; a job run with a 5 MB item", ["attack.py"]),
    ("PostgreSQL vs TinyDB: ingest and pipeline store work at 10,000", ["postgres.py", "compare"]),
    ("PostgreSQL at 1,000,000 stored articles", ["postgres.py", "scale"]),
    ("workers: 2 against 1", ["postgres.py", "workers"]),
]
QUICK = {
    "ingest.py": ["--n", "200", "1000", "--baseline-n", "200", "400"],
    "eval_summaries.py": ["--limit", "20"],
    "pipeline.py": ["--articles", "40"],
    "who.py": ["--articles", "1000"],
    "eval_pairs.py": ["--limit", "60"],
    "stories.py": ["--sizes", "1000,5000", "--stored-sizes", "1000,2000"],
    "fanout.py": ["--chats", "200", "--users", "20"],
    "load.py": ["--chats", "100", "--users", "20"],
    "sources.py": ["--feeds", "5", "--entries", "10"],
    "chats.py": ["--chats", "50", "--feeds", "100", "--per-chat", "10", "--follows", "500", "--sample", "5"],
    "capacity.py": ["--sizes", "0:0", "1000:1000"],
    "attack.py": ["--briefs", "10", "--big-mb", "1", "--articles", "10"],
    "postgres.py compare": ["compare", "--n", "500"],
    "postgres.py scale": ["scale", "--n", "4000", "--baseline-n", "1000"],
    "postgres.py workers": ["workers", "--n", "60"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts")
    args = parser.parse_args(argv)
    failed = []
    for title, command in FULL:
        script = command[0]
        extra = QUICK.get(" ".join(command), QUICK.get(script, [])) if args.quick else command[1:]
        print(f"\n=== {title} ({' '.join(['bench/' + script, *extra])})", flush=True)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / script), *extra])
        print(f"--- {time.perf_counter() - start:.0f}s, exit {proc.returncode}", flush=True)
        if proc.returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

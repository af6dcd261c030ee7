"""Capacity of one process: memory of the running service, and where TinyDB stops fitting.

For each size (articles and chats), a fresh child process builds a database (generated
articles ingested, summarized and entity-indexed; chats subscribed), starts the real bot
against the local Bot API server, answers a /brief and a /who, and reports:

* the database file size and the time of one write (a settings change rewrites the file),
* the time to open the store (load at start-up),
* the process's resident memory once serving, and its peak, and with the spaCy model
  loaded as the scheduled job loads it.

The baseline row is the same service on the seed article alone with no chats.
Entities are extracted with the rule-based extractor here (NEWSBRIEF_NER=rules): spaCy
would take minutes per 10,000 articles and does not change the store's size much.

    python bench/capacity.py [--sizes 0:0 10000:10000 30000:30000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import asyncio, datetime as dt, json, sys, time
    sys.path[:0] = [{tests!r}, {bench!r}]
    from pathlib import Path
    from ingest import generate
    from botenv import TOKEN, UTC, Clock, start_bot, stop_bot
    from newsbrief.bot.chats import ChatBook, ChatPrefs
    from newsbrief.bot.localapi import LocalBotAPI
    from newsbrief.summaries.config import Settings
    from newsbrief.summaries.ingest.files import ingest_paths
    from newsbrief.summaries.pipeline.run import run_pipeline
    from newsbrief.summaries.store import Store

    def rss():
        fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    work, articles, chats = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    db = work / "db.json"
    with Store(db) as store:
        if articles:
            folder = work / "articles"
            folder.mkdir()
            generate(folder, articles)
            ingest_paths(store, [folder])
        run_pipeline(store, Settings())
        ChatBook(store, Settings()).save_many(
            ChatPrefs(chat_id=10_000_000 + i, subscribed=True, time="07:00", timezone="UTC") for i in range(chats))
    size = db.stat().st_size
    start = time.perf_counter()
    store = Store(db)
    opened = time.perf_counter() - start
    book = ChatBook(store, Settings())
    start = time.perf_counter()
    book.save(ChatPrefs(chat_id=1, subscribed=True))
    write = time.perf_counter() - start

    async def serve():
        api = LocalBotAPI(token=TOKEN)
        api.start()
        app = await start_bot(api, store, Settings(), Clock(dt.datetime(2025, 7, 27, 5, tzinfo=UTC)))
        for text in ("/brief", "/who Hegseth"):
            before = len(api.sent(42))
            api.send_text(42, text)
            await api.async_wait_for_sent(42, count=before + 1, timeout=60)
        serving = rss()
        await stop_bot(app)
        api.stop()
        return serving

    serving, peak = asyncio.run(serve())
    store.close()
    from newsbrief.summaries.nlp import entities
    entities.set_backend("spacy")
    entities.extract("Prime Minister Narendra Modi met officials in New Delhi.")  # what the scheduled job loads
    with_model = rss()[0]
    print(json.dumps(dict(articles=articles, chats=chats, size=size, opened=opened, write=write,
                          rss=serving, peak=peak, with_model=with_model)))
    """
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["0:0", "10000:10000", "30000:30000"],
        help="ARTICLES:CHATS pairs (default: the seed alone, 10k:10k, 30k:30k)",
    )
    args = parser.parse_args(argv)
    code = CHILD.format(tests=str(ROOT / "tests"), bench=str(ROOT / "bench"))
    env = dict(os.environ, NEWSBRIEF_NER="rules")
    print(
        f"{'articles':>9} {'chats':>7} {'db file':>9} {'open':>7} {'one write':>10} "
        f"{'RSS serving':>12} {'peak':>8} {'+spaCy model':>13}"
    )
    rows = []
    for size in args.sizes:
        articles, chats = (int(x) for x in size.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(
                [sys.executable, "-c", code, tmp, str(articles), str(chats)], capture_output=True, text=True, env=env
            )
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
            return 1
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['articles'] or 1:>9,} {row['chats']:>7,} {row['size'] / 2**20:>7.1f}MB {row['opened']:>6.2f}s "
            f"{row['write']:>9.3f}s {row['rss']:>10.0f}MB {row['peak']:>6.0f}MB {row['with_model']:>11.0f}MB"
        )
    base = rows[0]
    for row in rows[1:]:
        print(
            f"{row['articles']:,} articles + {row['chats']:,} chats: "
            f"memory {row['rss'] / base['rss']:.1f}x the seed-only "
            f"service (+{row['rss'] - base['rss']:.0f} MB), one write {row['write'] / max(base['write'], 1e-6):.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``newsbrief`` command line: operate the store, the news core and the bot."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsbrief.bot.app import run_bot
from newsbrief.bot.cli_extract import run_extract
from newsbrief.bot.cli_parser import build_parser
from newsbrief.bot.console import run_console
from newsbrief.bot.settings import load_telegram_settings
from newsbrief.summaries.config import ConfigError, Settings, load_settings
from newsbrief.summaries.index.entity_index import card_record, format_card, list_entities, lookup, stale_articles
from newsbrief.summaries.ingest.feeds import SourceError
from newsbrief.summaries.ingest.fetch import FetchOptions
from newsbrief.summaries.ingest.files import article_files, ingest_paths
from newsbrief.summaries.ingest.source_state import source_status
from newsbrief.summaries.nlp.summarizer import summary_key
from newsbrief.summaries.pipeline.on_demand import summarize_url
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.pipeline.worker import Worker
from newsbrief.summaries.store import NewsStore, StoreError, open_location
from newsbrief.summaries.store import open_store as _open_configured_store
from newsbrief.summaries.store.ops import redact_location, store_status
from newsbrief.summaries.store.transfer import copy_store
from newsbrief.summaries.stories.briefing import (
    compose_briefing,
    find_articles,
    list_stories,
    outlets_line,
    story_for,
    story_json,
)

__all__ = ["main", "build_parser"]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

Handler = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def open_store(settings: Settings, *, readonly: bool = False) -> NewsStore:
    """The configured store: PostgreSQL with ``[storage] url``, else the TinyDB file."""
    return _open_configured_store(settings, readonly=readonly)


@contextlib.contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on the terminal (``total`` 0: none; None: unknown length); yields
    the function that advances it, or None when there is no bar."""
    if total == 0 or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def print_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    for where, reason in skipped:
        err_console.print(f"skipped {where}: {reason}", markup=False, highlight=False)


# -- commands ---------------------------------------------------------------------


@command("ingest")
def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    paths = [Path(p) for p in args.paths]
    total = sum(1 for _ in article_files(paths))
    with open_store(settings) as store, progress_bar("ingesting", total if total >= 50 else 0) as advance:
        report = ingest_paths(store, paths, max_bytes=settings.storage.max_article_bytes, progress=advance)
    print_skipped(report.skipped)
    console.print(report.line(), markup=False, highlight=False)
    return 0


@command("articles")
def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings, readonly=True) as store:
        rows = store.latest_articles(args.limit, on_date=args.date)
        total = store.article_count()
    if not rows:
        console.print("No articles stored yet. Add some with: newsbrief ingest PATH", markup=False)
        return 0
    table = Table("date", "source", "headline", "id", title=f"{len(rows)} of {total} articles, newest first")
    for a in rows:
        table.add_row(a["date"], a.get("source") or a.get("agency") or "", a["headline"], a["id"])
    console.print(table)
    return 0


@command("summarize")
def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings) as store, progress_bar("summarizing", None) as advance:
        report = run_pipeline(store, settings, ingest=not args.no_ingest, progress=advance)
    print_skipped(report.ingest.skipped)
    for article_id, reason in report.failed:
        err_console.print(f"could not summarize {article_id}: {reason}", markup=False, highlight=False)
    console.print(report.line(), markup=False, highlight=False)
    return 0


@command("summary")
def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(args.query)
    if re.match(r"https?://", query.strip(), re.I):
        return _summary_of_url(query.strip(), settings)
    with open_store(settings, readonly=True) as store:
        found = find_articles(store, query)
        if not found:
            err_console.print(f"No stored article matches {query!r}. List them with: newsbrief articles", markup=False)
            return 1
        story = story_for(store, found[0], settings.summaries)
    console.print(
        f"{story.headline}\n{story.date} · {story.source}  [{story.article_id}]\n", markup=False, highlight=False
    )
    for sentence in story.summary:
        console.print(f"• {sentence}", markup=False, highlight=False)
    if len(found) > 1:
        console.print(
            "\nOther matches: " + "; ".join(f"{a['headline']} [{a['id']}]" for a in found[1:]),
            markup=False,
            highlight=False,
        )
    return 0


def _summary_of_url(url: str, settings: Settings) -> int:
    # the operator's own command: pages on the local network are allowed here
    options = FetchOptions.from_settings(settings, allow_private=True)
    try:
        story = summarize_url(url, settings, options=options)
    except SourceError as exc:
        err_console.print(f"Could not summarize {url}: {exc}", markup=False, highlight=False)
        return 1
    console.print(f"{story.headline}\n{story.date} · {story.source}  {story.url}\n", markup=False, highlight=False)
    for sentence in story.summary:
        console.print(f"• {sentence}", markup=False, highlight=False)
    return 0


@command("sources")
def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.sources:
        console.print(
            "No [[sources]] configured: the seed articles are used. Add feeds, pages, folders "
            "or files in the config file (see config.example.toml).",
            markup=False,
        )
        return 0
    with open_store(settings, readonly=True) as store:  # a missing database reads as empty
        rows = source_status(store, settings.sources)
    table = Table(
        "name", "kind", "location", "last fetch", "status", "next attempt", "articles", title=f"{len(rows)} sources"
    )
    for r in rows:
        count = str(r.articles) + (f" (+{r.also_in} also)" if r.also_in else "")
        if r.kind not in ("feed", "page") or not r.last_attempt:
            next_attempt = "next run"
        elif r.next_attempt <= r.last_attempt:
            next_attempt = "next run"  # every_minutes = 0
        else:
            next_attempt = _when(r.next_attempt, settings)
        table.add_row(r.name, r.kind, r.location, _when(r.last_attempt, settings), r.status, next_attempt, count)
    console.print(table)
    return 0


def _when(iso: str, settings: Settings) -> str:
    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return t.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


@command("brief")
def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings, readonly=True) as store:
        briefing = compose_briefing(
            store,
            day=args.date or _today(settings),
            topics=args.topic or (),
            limit=settings.briefing.stories,
            settings=settings.summaries,
        )
    if args.json:
        print(
            json.dumps(
                {
                    "day": briefing.day,
                    "fallback": briefing.fallback,
                    "topics": list(briefing.topics),
                    "stories": [story_json(s) for s in briefing.stories],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    if not briefing.stories:
        if briefing.topics:
            console.print(f"No story about {', '.join(briefing.topics)} in the stored news.", markup=False)
        else:
            console.print("No stories yet. Add articles with: newsbrief ingest PATH", markup=False)
        return 0
    title = (
        f"Briefing for {briefing.day}" if not briefing.fallback else f"No stories on {briefing.day}; the latest instead"
    )
    console.print(title + "\n", markup=False, highlight=False, style="bold")
    for i, story in enumerate(briefing.stories, 1):
        outlets = outlets_line(story.outlets) or story.source
        size = f" · {len(story.reports)} reports" if len(story.reports) > 1 else ""
        console.print(
            f"{i}. {'[update] ' if story.update else ''}{story.headline}", markup=False, highlight=False, style="bold"
        )
        console.print(
            f"   {story.date} · {outlets}{size}" + (f" · {story.url}" if story.url else ""),
            markup=False,
            highlight=False,
        )
        for sentence in story.summary:
            console.print(f"   {sentence}", markup=False, highlight=False)
        console.print()
    return 0


@command("stories")
def cmd_stories(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings, readonly=True) as store:
        stories = list_stories(store, day=args.date, limit=args.limit)
    if args.json:
        print(json.dumps([story_json(s) for s in stories], ensure_ascii=False, indent=1))
        return 0
    if not stories:
        console.print("No stories" + (f" on {args.date}" if args.date else "") + ".", markup=False)
        return 0
    table = Table("story", "headline", "reports", "outlets", "last")
    for story in stories:
        table.add_row(
            story.story_id, story.headline[:80], str(len(story.reports)), outlets_line(story.outlets, 3), story.date
        )
    console.print(table)
    return 0


@command("who")
def cmd_who(args: argparse.Namespace, settings: Settings) -> int:
    name = " ".join(args.name)
    with open_store(settings, readonly=True) as store:
        result = lookup(store, name)
    console.print(format_card(result), markup=False, highlight=False)
    return 0 if result.card is not None else 1


@command("entities")
def cmd_entities(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings, readonly=True) as store:
        cards = list_entities(store, top=args.top, kind=args.type)
        stale = len(stale_articles(store))
    if args.json:
        print(json.dumps([card_record(c) for c in cards], ensure_ascii=False, indent=1))
        return 0
    if not cards:
        console.print("No entities indexed" + (f" of type {args.type}" if args.type else "") + ".", markup=False)
    for c in cards:
        line = f"{c.article_count:5}  {c.name} ({c.type})"
        if c.roles:
            line += " - " + "; ".join(c.roles[:3])
        if c.aliases:
            line += "  [also: " + ", ".join(c.aliases[:5]) + "]"
        console.print(line, markup=False, highlight=False)
    if stale:
        console.print(
            f"({stale} articles still indexed with older extraction rules; the scheduled job re-indexes them)",
            markup=False,
            highlight=False,
        )
    return 0


@command("extract")
def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    return run_extract(args.files, as_json=args.json, max_chars=settings.summaries.max_text_chars)


@command("run")
def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger().setLevel(logging.INFO)
    run_bot(settings)
    return 0


@command("chat")
def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    return run_console(settings)


@command("store")
def cmd_store(args: argparse.Namespace, settings: Settings) -> int:
    if args.store_command != "copy":
        err_console.print("usage: newsbrief store copy SRC DST [--force]", markup=False)
        return 2
    if args.src == args.dst:
        err_console.print("newsbrief: error: SRC and DST are the same store", markup=False)
        return 2
    if not args.src.startswith(("postgresql://", "postgres://")) and not Path(args.src).exists():
        err_console.print(f"newsbrief: error: {args.src}: no such database file", markup=False, highlight=False)
        return 2
    with open_location(args.src, readonly=True) as src, open_location(args.dst) as dst:
        report = copy_store(src, dst, force=args.force)
    table = Table(
        "table",
        "source rows",
        "copied rows",
        "source sha256",
        "copy sha256",
        "",
        title=f"{redact_location(args.src)} -> {redact_location(args.dst)}",
    )
    for t in report.tables:
        table.add_row(
            t.table,
            str(t.source_count),
            str(t.dest_count),
            t.source_sum[:16],
            t.dest_sum[:16],
            "ok" if t.ok else "DIFFERENT",
        )
    console.print(table)
    if not report.ok:
        err_console.print("newsbrief: error: the copy differs from the source (see above)", markup=False)
        return 1
    console.print("copy complete: every table has the same count and checksum on both sides", markup=False)
    return 0


@command("worker")
def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.storage.url:
        err_console.print(
            "newsbrief: error: workers share a PostgreSQL database: set [storage] url "
            "(or NEWSBRIEF_DATABASE_URL) to a postgresql:// URL",
            markup=False,
        )
        return 2
    logging.getLogger().setLevel(logging.INFO)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with open_store(settings) as store:
        worker = Worker(store, settings, batch=args.batch, lease=args.lease, index=not args.no_index)
        console.print(f"worker {worker.id} on {store!r}", markup=False, highlight=False)
        worker.run(stop, once=args.once)
        console.print(f"worker {worker.id}: {worker.processed} articles summarized", markup=False, highlight=False)
    return 0


@command("status")
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    with open_store(settings, readonly=True) as store:
        status = store_status(store, summary_key(settings.summaries))
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=1, default=str))
        return 0
    console.print(
        f"store: {status['backend']} {status['location']} · schema version {status['schema']}",
        markup=False,
        highlight=False,
    )
    table = Table("table", "rows", title="tables")
    for name, count in status["counts"].items():
        table.add_row(name, str(count))
    console.print(table)
    console.print(
        f"pending work: {status['pending']['unsummarized']} articles without a current summary, "
        f"{status['pending']['claimed']} claimed by workers",
        markup=False,
        highlight=False,
    )
    if status.get("workers") is not None:
        workers = Table("worker", "host", "pid", "last seen", "processed", title="workers seen in the last 5 minutes")
        for w in status["workers"]:
            workers.add_row(w["id"], w["host"], str(w["pid"]), str(w["last_seen"]), str(w["processed"]))
        console.print(workers)
    if status.get("jobs") is not None:
        jobs = Table("job", "worker", "started", "finished", "result", title="last job runs")
        for j in status["jobs"]:
            result = "running" if j["ok"] is None else ("ok" if j["ok"] else "FAILED: " + j["detail"][:80])
            jobs.add_row(j["job"], j["worker"], str(j["started"]), str(j["finished"] or ""), result)
        console.print(jobs)
    return 0


def _today(settings: Settings) -> str:
    return dt.datetime.now(settings.tz).date().isoformat()


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # python-telegram-bot 22: durations as timedelta
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config)
        load_telegram_settings(settings.path)  # the bot's [telegram] section is checked for every command too
        if args.db:
            settings = dataclasses.replace(
                settings, storage=dataclasses.replace(settings.storage, path=Path(args.db).expanduser().resolve())
            )
        return _COMMANDS[args.command](args, settings)
    except (ConfigError, StoreError) as exc:
        err_console.print(f"newsbrief: error: {exc}", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""The command line's grammar: ``newsbrief``'s options and subcommands (:func:`build_parser`);
:mod:`newsbrief.bot.cli` runs what they name."""

from __future__ import annotations

import argparse
import datetime as dt

__all__ = ["build_parser"]


def _iso_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD, e.g. 2025-07-27)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description="A Telegram news briefing service: stores articles, summarizes them, serves chats.",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (TOML); default: $NEWSBRIEF_CONFIG or the user config folder"
    )
    parser.add_argument("--db", metavar="PATH", help="database file, overriding [storage] path")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        help="store article files or folders",
        description="Parse, clean and store articles from files and folders (wire text, plain text, JSON, JSON Lines).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file or folder")

    p = sub.add_parser("articles", help="list stored articles", description="List stored articles, newest first.")
    p.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    p.add_argument("--date", metavar="YYYY-MM-DD", type=_iso_date, help="only this day")

    p = sub.add_parser(
        "summarize",
        help="run the summarization job once now",
        description=(
            "Ingest the configured sources, summarize every article that has no summary yet, index entities, prune "
            "old articles."
        ),
    )
    p.add_argument("--no-ingest", action="store_true", help="only summarize what is stored")

    p = sub.add_parser(
        "summary",
        help="print an article's summary",
        description=(
            "Print the summary of a stored article, found by id or keywords, or of a web page (an http(s) URL, "
            "fetched now, not stored)."
        ),
    )
    p.add_argument("query", nargs="+", metavar="ID|QUERY|URL")

    sub.add_parser(
        "sources",
        help="list the configured sources and their state",
        description=(
            "List the configured sources: kind, location, last fetch, status (ok, not modified, error: reason), next "
            "attempt and stored article counts."
        ),
    )

    p = sub.add_parser(
        "brief",
        help="print the briefing a chat would get",
        description="Print the day's top stories, each with headline, summary and source.",
    )
    p.add_argument(
        "--date", metavar="YYYY-MM-DD", type=_iso_date, help="the day (default: today in the configured time zone)"
    )
    p.add_argument(
        "--topic", metavar="WORD", action="append", help="stories about this word or phrase, by relevance (repeatable)"
    )
    p.add_argument(
        "--json", action="store_true", help="print JSON: per story its headline, summary, score and member articles"
    )

    p = sub.add_parser(
        "stories",
        help="list the stories (reports of one event grouped)",
        description="List stories with their id, headline, number of reports and outlets, best first.",
    )
    p.add_argument(
        "--date", metavar="YYYY-MM-DD", type=_iso_date, help="stories with reports on this day (default: the latest)"
    )
    p.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON, with every member article's id, URL and source")

    p = sub.add_parser(
        "who",
        help="who or what is NAME, from the stored news",
        description="Print the entity card for a person, organisation, place or event.",
    )
    p.add_argument("name", nargs="+", metavar="NAME")

    p = sub.add_parser(
        "entities",
        help="list the entity index by article count",
        description="List the people, organisations, places, events and products of the entity index, "
        "most articles first: name, type, roles, other names, article count.",
    )
    p.add_argument("--top", type=int, default=50, metavar="N", help="how many (default 50)")
    p.add_argument("--type", choices=("person", "organisation", "place", "event", "product"), help="only this type")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: a list of {name, type, aliases, roles, articles, first_seen, last_seen}",
    )

    p = sub.add_parser(
        "extract",
        help="print the entities of text files or JSON Lines",
        description="Print the people, organisations, places, events and products named in documents: a file of "
        "text is one document (its id is the file name), a .jsonl file holds one {id, text} object per line. Per "
        "entity: type, name, surface, character offsets into the text, roles. Each text is cut to "
        "[summaries] max_text_chars. A file or line that cannot be read is reported on stderr and the exit code is "
        "1; the other documents are still printed.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a text file, or a .jsonl file of {id, text} objects")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON line per document: {id, entities: [{type, surface, name, start, end, roles}]}",
    )

    p = sub.add_parser(
        "store",
        help="move a deployment between stores",
        description="Copy every table of one store into another (a TinyDB file or a postgresql:// URL), "
        "then compare counts and checksums per table.",
    )
    store_sub = p.add_subparsers(dest="store_command", metavar="ACTION")
    c = store_sub.add_parser(
        "copy",
        help="copy SRC into DST (TinyDB file <-> PostgreSQL URL)",
        description="Copy SRC into DST losslessly and print per-table counts and checksums of both. "
        "A non-empty DST is refused unless --force (which replaces its contents).",
    )
    c.add_argument("src", metavar="SRC", help="a TinyDB file or a postgresql:// URL")
    c.add_argument("dst", metavar="DST", help="a TinyDB file or a postgresql:// URL")
    c.add_argument("--force", action="store_true", help="replace what DST holds")

    p = sub.add_parser(
        "status",
        help="what an operator needs to see",
        description=(
            "Counts per table, pending work, workers seen recently, the last job runs and failures, the schema version."
        ),
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "worker",
        help="run pipeline work against PostgreSQL (any number, on any machines)",
        description="Fetch sources, summarize, index entities and cluster stories from the shared "
        "PostgreSQL database ([storage] url), sharing the work with every other worker.",
    )
    p.add_argument("--once", action="store_true", help="do what is pending now, then exit")
    p.add_argument("--batch", type=int, default=50, help="articles claimed at a time (default 50)")
    p.add_argument(
        "--lease",
        type=float,
        default=120.0,
        help="seconds a claim lasts before another worker may take it (default 120)",
    )
    p.add_argument(
        "--no-index", action="store_true", help="summaries only: leave entities and stories to other workers"
    )

    sub.add_parser(
        "run",
        help="run the Telegram bot and the scheduled job",
        description=(
            "Run the bot (long polling, or a webhook per config) with the scheduled summarization job. Needs a bot "
            "token."
        ),
    )
    sub.add_parser(
        "chat",
        help="chat with the bot in this terminal (no token needed)",
        description="Start a local Bot API server and the real bot on the configured database, and chat with it here.",
    )
    return parser

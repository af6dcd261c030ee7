"""OPML in and out: a ``.opml`` file sent to the bot imports its feeds (each through the
safe fetcher, like /add) and answers with what was added, what was already there and
what failed and why; /export sends the chat's sources back as an OPML file."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging

from telegram import Update

from newsbrief.bot.chats import ChatPrefs, Edit
from newsbrief.bot.common import may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.own_sources import plain_reason
from newsbrief.bot.preferences import change
from newsbrief.bot.render import esc
from newsbrief.bot.sending import thread_of
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.chat_sources import Found, add_to_catalog, catalog, discover, source_name
from newsbrief.summaries.ingest.feeds import fetch_due
from newsbrief.summaries.ingest.fetch import FetchError
from newsbrief.summaries.ingest.opml import MAX_OPML_BYTES, OPMLError, read_opml, write_opml
from newsbrief.summaries.store import NewsStore

__all__ = ["import_document", "export", "import_feeds"]

log = logging.getLogger(__name__)

MAX_LISTED = 15  # failures listed one by one in the answer


def import_feeds(feeds: list[tuple[str, str]], settings: Settings) -> list[tuple[str, Found | None, str]]:
    """Discover each feed (four at a time): (url, found or None, why it failed)."""

    def one(url: str) -> tuple[str, Found | None, str]:
        try:
            return url, discover(url, settings), ""
        except FetchError as exc:
            return url, None, plain_reason(str(exc), exc.refused)
        except Exception:
            log.exception("import of %s failed", url[:300])
            return url, None, "it could not be read"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, [u for u, _ in feeds]))


def _adding(names: list[str]) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        return dataclasses.replace(prefs, sources=(*prefs.sources, *(n for n in names if n not in prefs.sources)))

    return edit


async def import_document(update: Update, context: NewsContext) -> None:
    svc = services(context)
    doc = update.effective_message.document
    name = (doc.file_name or "").lower()
    if not (name.endswith((".opml", ".xml")) or "opml" in (doc.mime_type or "")):
        await reply(update, context, "I read OPML files (.opml) of feeds to import. Send one, or use /add URL.")
        return
    if not svc.settings.chats.user_sources:
        await reply(update, context, "The operator of this bot has turned off adding sources.")
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    if (doc.file_size or 0) > MAX_OPML_BYTES:
        await reply(update, context, f"That file is too large: I read OPML files of up to {MAX_OPML_BYTES // 1024} KB.")
        return
    data = bytes(await (await context.bot.get_file(doc.file_id)).download_as_bytearray())
    try:
        feeds = await asyncio.to_thread(read_opml, data)
    except OPMLError as exc:
        await reply(update, context, f"I could not import that file: {esc(str(exc))}.")
        return
    prefs = prefs_for(update, context)
    have = set(prefs.sources)
    already = [u for u, _ in feeds if source_name(u) in have]
    todo = [(u, t) for u, t in feeds if source_name(u) not in have]
    room = max(0, svc.settings.chats.sources_per_chat - len(prefs.sources))
    over = todo[room:]
    results = await asyncio.to_thread(import_feeds, todo[:room], svc.settings)
    known = catalog(svc.store)
    added: list[Found] = []
    failed = [(u, why) for u, found, why in results if found is None]
    failed += [
        (u, f"this chat already has the most sources it may have ({svc.settings.chats.sources_per_chat})")
        for u, _ in over
    ]
    for url, found, _why in results:
        if found is None:
            continue
        if found.name in have:
            already.append(url)
            continue
        have.add(found.name)
        added.append(found)
    if added:

        def save() -> None:
            with svc.store.batch():
                for found in added:
                    add_to_catalog(svc.store, found)

        await asyncio.to_thread(save)
        await change(context.application, prefs, _adding([f.name for f in added]))
        fresh = [f for f in added if f.name not in known]
        if fresh:
            context.application.create_task(asyncio.to_thread(_fetch_all, svc.store, fresh, svc.settings))
    lines = [
        f"<b>Imported {esc(doc.file_name or 'the file')}</b>: {len(added)} added, "
        f"{len(already)} already there, {len(failed)} failed."
    ]
    if added:
        lines.append(
            "Added: "
            + ", ".join(esc(f.title or f.location) for f in added[:MAX_LISTED])
            + (" …" if len(added) > MAX_LISTED else "")
        )
    for url, why in failed[:MAX_LISTED]:
        lines.append(f"✗ {esc(url[:120])} — {esc(why)}")
    if len(failed) > MAX_LISTED:
        lines.append(f"… and {len(failed) - MAX_LISTED} more that failed.")
    lines.append("/sources lists this chat's sources.")
    await reply(update, context, "\n".join(lines))


def _fetch_all(store: NewsStore, found: list[Found], settings: Settings) -> None:
    try:
        fetch_due(store, [Source(name=f.name, kind=f.kind, location=f.location) for f in found], settings)
    except Exception:
        log.exception("first fetch of imported sources failed")


async def export(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    if not prefs.sources:
        await reply(update, context, "This chat has no sources of its own to export. /add one, or send an OPML file.")
        return
    known = catalog(svc.store)
    feeds = [(known[n]["location"], known[n].get("title", "")) for n in prefs.sources if n in known]
    data = write_opml(feeds, title="newsbrief: this chat's sources")
    thread = thread_of(update.effective_message)
    await context.bot.send_document(
        update.effective_chat.id,
        document=data,
        filename="newsbrief-sources.opml",
        message_thread_id=thread or None,
        caption=(
            f"This chat's {len(feeds)} sources. Send the file back to me (or to another chat with me) to import them."
        ),
    )

"""OPML in and out: a ``.opml`` file sent to the bot imports its feeds (each through the
safe fetcher, like /add) and answers with what was added, what was already there and
what failed and why; /export sends the chat's sources back as an OPML file."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.ext import Application

from newsbrief.bot.chats import ChatPrefs, Edit, chat_language
from newsbrief.bot.common import asker, may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.fetching import Busy, ChatFetches
from newsbrief.bot.i18n import _, speaking
from newsbrief.bot.own_sources import plain_reason
from newsbrief.bot.preferences import change
from newsbrief.bot.render import esc, fit
from newsbrief.bot.sending import send, thread_of
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.chat_sources import Found, add_to_catalog, catalog, discover, drop_unused, source_name
from newsbrief.summaries.ingest.feeds import fetch_due
from newsbrief.summaries.ingest.fetch import FetchError
from newsbrief.summaries.ingest.opml import MAX_OPML_BYTES, OPMLError, read_opml, write_opml
from newsbrief.summaries.store import NewsStore

__all__ = ["import_document", "export", "import_feeds", "finish_import", "resume_imports", "discover_one"]

log = logging.getLogger(__name__)

MAX_LISTED = 15  # failures listed one by one in the answer


def discover_one(url: str, settings: Settings) -> tuple[str, Found | None, str]:
    """Discover one feed of an import: (url, found or None, why it failed)."""
    try:
        return url, discover(url, settings), ""
    except FetchError as exc:
        return url, None, plain_reason(str(exc), exc.refused)
    except Exception:
        log.exception("import of %s failed", url[:300])
        return url, None, "it could not be read"


async def import_feeds(
    fetches: ChatFetches, urls: Sequence[str], settings: Settings
) -> list[tuple[str, Found | None, str]]:
    """Discover each feed in the chat fetches' pool, at most ``fetches_in_flight`` at once
    (the import is one turn of its chat: call this inside :meth:`ChatFetches.turn`)."""
    slots = asyncio.Semaphore(fetches.in_flight)

    async def one(url: str) -> tuple[str, Found | None, str]:
        async with slots:
            return await fetches.call(discover_one, url, settings)

    return list(await asyncio.gather(*(one(u) for u in urls)))


def _starting(urls: list[str], file_name: str, answer_to: int) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        if prefs.importing:
            raise ImportBusy
        return dataclasses.replace(prefs, importing=tuple(urls), import_file=file_name, import_answer_to=answer_to)

    return edit


def _finishing(names: list[str], cap: int) -> Edit:
    """Add ``names`` while the chat has room (checked on the stored preferences, so /adds
    meanwhile are counted) and mark the import answered."""

    def edit(prefs: ChatPrefs) -> ChatPrefs:
        sources = list(prefs.sources)
        for name in names:
            if name not in sources and len(sources) < cap:
                sources.append(name)
        return dataclasses.replace(prefs, sources=tuple(sources), importing=(), import_file="", import_answer_to=0)

    return edit


def _dropped(prefs: ChatPrefs) -> ChatPrefs:
    return dataclasses.replace(prefs, importing=(), import_file="", import_answer_to=0)


class ImportBusy(Exception):
    """The chat has an import under way already."""


async def import_document(update: Update, context: NewsContext) -> None:
    svc = services(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or message.document is None or chat is None:
        return
    doc = message.document
    name = (doc.file_name or "").lower()
    if not (name.endswith((".opml", ".xml")) or "opml" in (doc.mime_type or "")):
        await reply(update, context, _("I read OPML files (.opml) of feeds to import. Send one, or use /add URL."))
        return
    if not svc.settings.chats.user_sources:
        await reply(update, context, _("The operator of this bot has turned off adding sources."))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    if (doc.file_size or 0) > MAX_OPML_BYTES:
        await reply(
            update,
            context,
            _("That file is too large: I read OPML files of up to {n} KB.").format(n=MAX_OPML_BYTES // 1024),
        )
        return
    data = bytes(await (await context.bot.get_file(doc.file_id)).download_as_bytearray())
    try:
        feeds = await asyncio.to_thread(read_opml, data)
    except OPMLError as exc:
        await reply(update, context, _("I could not import that file: {reason}.").format(reason=esc(str(exc))))
        return
    prefs = prefs_for(update, context)
    have = set(prefs.sources)
    already = [u for u, _ in feeds if source_name(u) in have]
    todo = list(dict.fromkeys(u for u, _ in feeds if source_name(u) not in have))
    room = max(0, svc.settings.chats.sources_per_chat - len(prefs.sources))
    over = todo[room:]
    file_name = (doc.file_name or "the file")[:100]
    answer_to = chat.id
    try:
        async with svc.fetches.turn(*asker(update)):
            try:
                prefs = await change(context.application, prefs, _starting(todo[:room], file_name, answer_to))
            except ImportBusy:
                await reply(update, context, _("An import for this chat is under way. Wait for its answer first."))
                return
            try:
                report = await finish_import(context.application, prefs, already=already, over=over)
            except Exception:
                log.exception("import of %s failed", file_name)
                await change(context.application, prefs, _dropped)
                report = _("I could not import that file: something went wrong on my side. Please try again later.")
    except Busy as exc:
        await reply(update, context, esc(str(exc)))
        return
    await reply(update, context, report)


async def finish_import(
    app: Application, prefs: ChatPrefs, *, already: Sequence[str] = (), over: Sequence[str] = (), note: str = ""
) -> str:
    """Read the feeds of the chat's import under way (``prefs.importing``), add them to the
    chat up to its cap, mark the import answered; returns the answer."""
    svc = services(app)
    cap = svc.settings.chats.sources_per_chat
    known = await asyncio.to_thread(catalog, svc.store)
    results = await import_feeds(svc.fetches, prefs.importing, svc.settings)
    found = {f.name: f for _, f, _ in results if f is not None}
    if found:

        def save() -> None:
            with svc.store.batch():
                for f in found.values():
                    add_to_catalog(svc.store, f)

        await asyncio.to_thread(save)
    before = set(prefs.sources)
    saved = await change(app, prefs, _finishing(list(found), cap))
    added = [f for f in found.values() if f.name in saved.sources and f.name not in before]
    full = [f for f in found.values() if f.name not in saved.sources]
    if full:  # other /adds took the room meanwhile: nothing of these is kept
        in_use = {n for p in svc.chats.all() for n in p.sources}
        await asyncio.to_thread(drop_unused, svc.store, [f.name for f in full], in_use)
    fresh = [f for f in added if f.name not in known]
    if fresh:
        app.create_task(svc.fetches.call(_fetch_all, svc.store, fresh, svc.settings))
    already = [*already, *(u for u, f, _ in results if f is not None and f.name in before)]
    failed = [(u, why) for u, f, why in results if f is None]
    full_why = _("this chat already has the most sources it may have ({n})").format(n=cap)
    failed += [(f.location, full_why) for f in full] + [(u, full_why) for u in over]
    lines = [
        "<b>"
        + _("Imported {file}").format(file=esc(prefs.import_file or _("the file")))
        + "</b>"
        + (" " + note if note else "")
        + ": "
        + _("{added} added, {already} already there, {failed} failed.").format(
            added=len(added), already=len(already), failed=len(failed)
        )
    ]
    if added:
        lines.append(
            _("Added:")
            + " "
            + ", ".join(fit(f.title or f.location, 120) for f in added[:MAX_LISTED])
            + (" …" if len(added) > MAX_LISTED else "")
        )
    for url, why in failed[:MAX_LISTED]:
        lines.append(f"✗ {fit(url, 120)} — {fit(why, 200)}")
    if len(failed) > MAX_LISTED:
        lines.append(_("… and {n} more that failed.").format(n=len(failed) - MAX_LISTED))
    lines.append(_("/sources lists this chat's sources."))
    return "\n".join(lines)


async def resume_imports(context: NewsContext) -> None:
    """Finish the imports a restart cut short, and answer them (a job run at start-up)."""
    app = context.application
    svc = services(app)
    for prefs in await asyncio.to_thread(svc.chats.all):
        if not (prefs.importing or prefs.import_file):
            continue
        try:
            async with svc.fetches.turn(prefs.chat_id, None):
                with speaking(chat_language(prefs, svc.bot.language, svc.chats.get(prefs.import_answer_to))):
                    report = await finish_import(app, prefs, note=_("(finished after a restart of the bot)"))
        except Exception:
            log.exception("resuming the import of chat %s failed; it is dropped", prefs.chat_id)
            await change(app, prefs, _dropped)
            continue
        if prefs.import_answer_to and prefs.import_answer_to != prefs.chat_id:
            await send(app, prefs.import_answer_to, report)
        else:
            await send(app, prefs, report)


def _fetch_all(store: NewsStore, found: list[Found], settings: Settings) -> None:
    try:
        fetch_due(store, [Source(name=f.name, kind=f.kind, location=f.location) for f in found], settings)
    except Exception:
        log.exception("first fetch of imported sources failed")


async def export(update: Update, context: NewsContext) -> None:
    svc = services(context)
    prefs = prefs_for(update, context)
    if not prefs.sources:
        await reply(
            update, context, _("This chat has no sources of its own to export. /add one, or send an OPML file.")
        )
        return
    known = await asyncio.to_thread(catalog, svc.store)
    feeds = [(known[n]["location"], known[n].get("title", "")) for n in prefs.sources if n in known]
    data = write_opml(feeds, title="newsbrief: this chat's sources")
    thread = thread_of(update.effective_message)
    await context.bot.send_document(
        update.effective_chat.id,
        document=data,
        filename="newsbrief-sources.opml",
        message_thread_id=thread or None,
        caption=(
            _("This chat's {n} sources. Send the file back to me (or to another chat with me) to import them.").format(
                n=len(feeds)
            )
        ),
    )

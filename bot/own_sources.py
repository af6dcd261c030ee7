"""A chat's own sources: /add URL, /sources, /remove (with buttons).

The URL goes through :func:`summaries.ingest.chat_sources.discover` (the safe fetcher, chat
users' policy). What a chat added is kept in its preferences (source names) and in the
shared catalog, so a feed many chats add is one source fetched once per run. Buttons
carry a source's name only and act on the chat they are pressed in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from newsbrief.bot.chats import ChatPrefs, Edit
from newsbrief.bot.common import asker, button_prefs, may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.fetching import Busy
from newsbrief.bot.i18n import N_, _, datetime_text, number_text
from newsbrief.bot.preferences import change
from newsbrief.bot.render import Reply, callback_data, esc, fit
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.config import Settings, Source
from newsbrief.summaries.ingest.chat_sources import Found, add_to_catalog, catalog, discover, drop_unused, source_name
from newsbrief.summaries.ingest.feeds import fetch_due
from newsbrief.summaries.ingest.fetch import FetchError
from newsbrief.summaries.store import NewsStore

__all__ = [
    "add",
    "list_sources",
    "remove",
    "remove_button",
    "REMOVE_PATTERN",
    "fetch_new_source",
    "sources_view",
    "plain_reason",
]

log = logging.getLogger(__name__)

REMOVE_PATTERN = r"^rm:u:[0-9a-f]{12}$"
MAX_URL_CHARS = 2000
UNREACHABLE_TEXT = N_("that address cannot be reached from here")  # summaries.ingest.fetch.UNREACHABLE, translated
MAX_URL_SHOWN = 200  # characters of an address /sources shows (/export has them whole)
MAX_REASON_SHOWN = 200


async def _target(update: Update, context: NewsContext) -> ChatPrefs | None:
    """The chat whose sources a command changes (None, and the user told, if not allowed)."""
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return None
    return prefs_for(update, context)


class SourceCap(Exception):
    """Adding would take a chat past its sources cap (raised inside the atomic change)."""


def _adding(name: str, cap: int) -> Edit:
    """Add ``name`` unless the chat already holds ``cap`` sources: checked on the stored
    preferences inside the change, so simultaneous /adds never pass the cap together."""

    def edit(prefs: ChatPrefs) -> ChatPrefs:
        if name in prefs.sources:
            return prefs
        if len(prefs.sources) >= cap:
            raise SourceCap(len(prefs.sources))
        return dataclasses.replace(prefs, sources=(*prefs.sources, name))

    return edit


def _removing(name: str) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        return dataclasses.replace(prefs, sources=tuple(n for n in prefs.sources if n != name))

    return edit


async def add(update: Update, context: NewsContext) -> None:
    svc = services(context)
    limits = svc.settings.chats
    if not limits.user_sources:
        await reply(
            update,
            context,
            _("The operator of this bot has turned off adding sources. /brief uses the bot's own sources."),
        )
        return
    args = list(context.args or ())
    if len(args) != 1 or not args[0].lower().startswith(("http://", "https://")):
        await reply(
            update, context, _("Usage: /add URL — a feed or a web site, e.g. /add https://example.org/feed.xml")
        )
        return
    url = args[0]
    if len(url) > MAX_URL_CHARS:
        await reply(
            update,
            context,
            _("That web address is too long: I take addresses of up to {n} characters.").format(
                n=number_text(MAX_URL_CHARS)
            ),
        )
        return
    prefs = await _target(update, context)
    if prefs is None:
        return
    if source_name(url) in prefs.sources:
        await reply(update, context, _("That address is already one of this chat's sources. /sources lists them."))
        return
    if len(prefs.sources) >= limits.sources_per_chat:
        await reply(
            update,
            context,
            _("This chat has {n} sources, the most it may have. /remove one first.").format(n=len(prefs.sources)),
        )
        return
    try:
        found = await svc.fetches.run(*asker(update), discover, url, svc.settings)
    except Busy as exc:
        await reply(update, context, esc(str(exc)))
        return
    except FetchError as exc:
        await reply(
            update,
            context,
            _("I could not add that: {reason}.").format(reason=esc(plain_reason(str(exc), exc.refused))),
        )
        return
    except Exception:
        log.exception("discovering %s failed", url[:300])
        await reply(update, context, _("I could not add that: the address could not be read. Please try another one."))
        return
    if found.name in prefs.sources:
        await reply(
            update,
            context,
            _("<b>{source}</b> is already one of this chat's sources. /sources lists them.").format(
                source=esc(found.title or found.location)
            ),
        )
        return
    known = found.name in await asyncio.to_thread(catalog, svc.store)  # another chat's already: the job fetches it
    await asyncio.to_thread(add_to_catalog, svc.store, found)
    try:
        await change(context.application, prefs, _adding(found.name, limits.sources_per_chat))
    except SourceCap as full:  # other /adds of this chat got there first: nothing held, nothing fetched
        in_use = {n for p in svc.chats.all() for n in p.sources}
        await asyncio.to_thread(drop_unused, svc.store, [found.name], in_use)
        await reply(
            update,
            context,
            _("This chat has {n} sources, the most it may have. /remove one first.").format(n=full.args[0]),
        )
        return
    await reply(update, context, added_text(found))
    if not known:
        context.application.create_task(svc.fetches.call(fetch_new_source, svc.store, found, svc.settings))


def added_text(found: Found) -> str:
    name = esc(found.title or found.location)
    if found.kind == "feed":
        lines = [_("Added the feed: <b>{source}</b>").format(source=name)]
    else:
        lines = [
            _("Added the page (it has no feed, so I will read the page itself): <b>{source}</b>").format(source=name)
        ]
    if found.latest:
        lines.append(_("Latest: {headline}").format(headline=esc(found.latest)))
    lines.append(_("Its news comes in this chat's briefings and digests. /sources lists them, /remove removes one."))
    return "\n".join(lines)


def fetch_new_source(store: NewsStore, found: Found, settings: Settings) -> None:
    """Fetch a just-added source now (as the job would), so /brief has its news."""
    try:
        fetch_due(store, [Source(name=found.name, kind=found.kind, location=found.location)], settings)
    except Exception:  # the job fetches it again on its next run
        log.exception("first fetch of a chat source failed")


def plain_reason(reason: str, refused: bool = False) -> str:
    """A fetch problem as a chat user may see it: refusals all say the same thing."""
    reason = " ".join(reason.split()).rstrip(".")
    if refused or reason.startswith("refused"):
        return _(UNREACHABLE_TEXT)
    return reason[:300] or _("it could not be read")


def _when(iso: str) -> str:
    try:
        return datetime_text(dt.datetime.fromisoformat(iso).astimezone(dt.UTC), "dd MMM HH:mm") + " UTC"
    except ValueError:
        return iso


def sources_view(store: NewsStore, prefs: ChatPrefs) -> Reply:
    """The chat's sources with status, last new item and errors, and a button to remove each."""
    if not prefs.sources:
        return Reply(
            _("This chat has no sources of its own. Add one with /add URL, e.g. /add https://example.org/feed.xml")
        )
    known = catalog(store)
    states = {d["name"]: d for d in store.documents("sources") if d.get("name") in prefs.sources}
    latest: dict[str, str] = {}
    wanted = set(prefs.sources)
    for article in store.latest_articles():
        for name in [article.get("source") or "", *(article.get("also_in") or [])]:
            if name in wanted and name not in latest:
                latest[name] = article.get("headline", "")
        if len(latest) == len(wanted):
            break
    lines = ["<b>" + _("This chat's sources") + "</b>"]
    rows = []
    for i, name in enumerate(prefs.sources, 1):
        doc = known.get(name, {})
        title = doc.get("title") or doc.get("location", "") or _("a removed source")
        state = states.get(name, {})
        if not state:
            status = _("not fetched yet")
        elif state.get("status") == "error":
            why = fit(plain_reason(state.get("reason", "")), MAX_REASON_SHOWN)
            status = _("failing: {reason} (since {n} tries)").format(reason=why, n=state.get("failures", 1))
        else:
            status = _("ok, last read {when}").format(
                when=_when(state.get("last_success") or state.get("last_attempt", ""))
            )
        kind = _("feed") if doc.get("kind", "feed") == "feed" else _("page")
        lines.append(f"{i}. <b>{fit(title, 200)}</b> ({kind}) — {status}")
        if doc.get("location"):  # the whole address is in /export
            lines.append(f"   {fit(doc['location'], MAX_URL_SHOWN)}")
        if name in latest:
            lines.append("   " + _("Last new item: {headline}").format(headline=fit(latest[name], 200)))
        rows.append(
            [
                InlineKeyboardButton(
                    _("Remove {n}. {source}").format(n=i, source=title[:40]), callback_data=callback_data("rm", name)
                )
            ]
        )
    return Reply("\n".join(lines), InlineKeyboardMarkup(rows))


async def list_sources(update: Update, context: NewsContext) -> None:
    svc = services(context)
    await reply(update, context, await asyncio.to_thread(sources_view, svc.store, prefs_for(update, context)))


async def remove(update: Update, context: NewsContext) -> None:
    """/remove N or /remove URL; bare /remove shows the list with buttons."""
    svc = services(context)
    args = " ".join(context.args or ()).strip()
    prefs = await _target(update, context)
    if prefs is None:
        return
    if not args:
        await reply(update, context, await asyncio.to_thread(sources_view, svc.store, prefs))
        return
    name = None
    if args.isdigit() and 1 <= int(args) <= len(prefs.sources):
        name = prefs.sources[int(args) - 1]
    else:
        known = await asyncio.to_thread(catalog, svc.store)
        for n in prefs.sources:
            if args in (known.get(n, {}).get("location"), n) or source_name(args) == n:
                name = n
    if name is None:
        await reply(
            update,
            context,
            _("That is not one of this chat's sources. /remove without anything shows them with buttons."),
        )
        return
    await reply(update, context, await drop_source(context, prefs, name))


async def drop_source(context: NewsContext, prefs: ChatPrefs, name: str) -> str:
    svc = services(context)
    title = (await asyncio.to_thread(catalog, svc.store)).get(name, {}).get("title") or _("the source")
    await change(context.application, prefs, _removing(name))
    in_use = {n for p in svc.chats.all() for n in p.sources}
    await asyncio.to_thread(drop_unused, svc.store, [name], in_use)
    return _("Removed <b>{source}</b> from this chat's sources.").format(source=esc(title))


async def remove_button(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    prefs = await button_prefs(update, context)
    if prefs is None:
        return
    name = query.data.partition(":")[2]
    if name not in prefs.sources:
        await query.answer(_("That is not one of this chat's sources."))
        return
    text = await drop_source(context, prefs, name)
    await query.answer(_("Removed."))
    await reply(update, context, text)  # in the chat and topic of the button

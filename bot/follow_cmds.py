"""/follow NAME, /following, /unfollow: the names a chat follows for alerts. A name is
resolved as /who resolves it (``summaries.index.entity_index.lookup``) and kept as its card's name."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from newsbrief.bot.chat_news import visible_for
from newsbrief.bot.chats import ChatPrefs, Edit
from newsbrief.bot.common import button_prefs, may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.i18n import _
from newsbrief.bot.preferences import change
from newsbrief.bot.render import Reply, callback_data, esc
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.index.entity_index import lookup

__all__ = ["follow", "following", "unfollow", "unfollow_button", "UNFOLLOW_PATTERN", "following_view"]

UNFOLLOW_PATTERN = r"^unfo:[0-9a-f]{10}$"
MAX_NAME_CHARS = 100


def name_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


def following_view(prefs: ChatPrefs) -> Reply:
    if not prefs.follows:
        return Reply(
            _(
                "This chat follows no one. <code>/follow NAME</code> sends an alert when a new story mentions them, "
                "e.g. <code>/follow Hegseth</code>"
            )
        )
    lines = [
        "<b>" + _("Names this chat follows") + "</b>",
        *(f"• {esc(n)}" for n in prefs.follows),
        _("A new story mentioning one of them gets one alert. Tap a name to stop following it."),
    ]
    rows = [
        [
            InlineKeyboardButton(
                _("Unfollow {name}").format(name=n[:40]), callback_data=callback_data("unfo", name_key(n))
            )
        ]
        for n in prefs.follows
    ]
    return Reply("\n".join(lines), InlineKeyboardMarkup(rows))


def _following(name: str, since: str) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        if name in prefs.follows:
            return prefs
        return dataclasses.replace(prefs, follows=(*prefs.follows, name), follows_since=prefs.follows_since or since)

    return edit


def _unfollowing(names: list[str]) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        return dataclasses.replace(prefs, follows=tuple(n for n in prefs.follows if n not in names))

    return edit


async def follow(update: Update, context: NewsContext) -> None:
    svc = services(context)
    name = " ".join(context.args or ())
    if not name:
        await reply(
            update, context, _("Usage: /follow NAME, e.g. /follow Hegseth — /following lists the names you follow.")
        )
        return
    if len(name) > MAX_NAME_CHARS:
        await reply(update, context, _("That name is too long. Try a surname, e.g. /follow Hegseth"))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    prefs = prefs_for(update, context)
    # names only this chat's sources (and the bot's, if it reads them) carry: another
    # chat's private feed neither answers nor suggests
    visible = visible_for(prefs, svc.settings)
    result = await asyncio.to_thread(lookup, svc.store, name, visible=visible)
    card = result.card
    if card is None:
        hint = ""
        if result.suggestions:
            hint = " " + _("Did you mean: {names}?").format(names=", ".join(esc(s) for s in result.suggestions[:5]))
        await reply(
            update,
            context,
            _("No one called “{name}” is in the news I hold, so I cannot follow them yet.").format(name=esc(name))
            + hint,
        )
        return
    if card.name in prefs.follows:
        await reply(
            update,
            context,
            _("This chat already follows <b>{name}</b>. /following lists the names.").format(name=esc(card.name)),
        )
        return
    cap = svc.settings.chats.follows_per_chat
    if len(prefs.follows) >= cap:
        await reply(
            update,
            context,
            _("A chat may follow at most {n} names. /following shows them with buttons to unfollow.").format(n=cap),
        )
        return
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    await change(context.application, prefs, _following(card.name, since))
    await reply(
        update,
        context,
        _(
            "Following <b>{name}</b>: a new story that mentions them gets one alert here. "
            "/following lists the names, /unfollow stops."
        ).format(name=esc(card.name)),
    )


async def following(update: Update, context: NewsContext) -> None:
    await reply(update, context, following_view(prefs_for(update, context)))


async def unfollow(update: Update, context: NewsContext) -> None:
    prefs = prefs_for(update, context)
    name = " ".join(context.args or ()).strip()
    if not name:
        await reply(update, context, following_view(prefs))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    match = [n for n in prefs.follows if n.casefold() == name.casefold()]
    if not match:  # the word the chat followed with ("Hegseth" for "Pete Hegseth"), read as /follow reads it
        svc = services(context)
        result = await asyncio.to_thread(lookup, svc.store, name, visible=visible_for(prefs, svc.settings))
        if result.card is not None and result.card.name in prefs.follows:
            match = [result.card.name]
    if not match:
        await reply(
            update,
            context,
            _("This chat does not follow “{name}”. /following lists the names it follows.").format(name=esc(name)),
        )
        return
    await change(context.application, prefs, _unfollowing(match))
    await reply(update, context, _("No more alerts about <b>{name}</b>.").format(name=esc(match[0])))


async def unfollow_button(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    prefs = await button_prefs(update, context)
    if prefs is None:
        return
    key = query.data.partition(":")[2]
    gone = [n for n in prefs.follows if name_key(n) == key]
    if not gone:
        await query.answer(_("This chat does not follow that name."))
        return
    await change(context.application, prefs, _unfollowing(gone))
    await query.answer(_("Unfollowed."))
    await reply(
        update, context, _("No more alerts about <b>{name}</b>.").format(name=esc(gone[0]))
    )  # in the button's chat and topic

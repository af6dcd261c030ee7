"""A chat's keyword filters: ``/filter +climate -football "world cup"``; bare ``/filter``
shows them with a button to remove each. Matching is :mod:`summaries.stories.filters`."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from newsbrief.bot.chats import ChatPrefs, Edit
from newsbrief.bot.common import button_prefs, may_change_settings, prefs_for, refuse, reply
from newsbrief.bot.i18n import N_, _
from newsbrief.bot.preferences import change
from newsbrief.bot.render import Reply, callback_data, esc
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.stories.filters import FilterError, Filters, merge, parse_filters, without

__all__ = ["filter_cmd", "unfilter_button", "UNFILTER_PATTERN", "filters_view", "term_key"]

UNFILTER_PATTERN = r"^unf:(?:[0-9a-f]{10}|all)$"
USAGE = N_(
    'Usage: <code>/filter +climate -football "world cup"</code> — + keeps only news with one of those words, '
    "- leaves out news with them; <code>/filter clear</code> removes them all."
)


def term_key(term: str) -> str:
    return hashlib.sha256(term.encode("utf-8")).hexdigest()[:10]


def filters_view(prefs: ChatPrefs) -> Reply:
    if not prefs.include and not prefs.exclude:
        return Reply(_("This chat has no keyword filters: it gets all the news.") + "\n" + _(USAGE))
    lines = ["<b>" + _("Keyword filters") + "</b>"]
    if prefs.include:
        lines.append(_("Only news about:") + " " + ", ".join(f"“{esc(t)}”" for t in prefs.include))
    if prefs.exclude:
        lines.append(_("Never news about:") + " " + ", ".join(f"“{esc(t)}”" for t in prefs.exclude))
    lines.append(_("They apply to briefings, digests and alerts. Tap one to remove it."))
    rows = [
        [
            InlineKeyboardButton(
                f"{'+' if t in prefs.include else '−'} {t[:40]} ✕", callback_data=callback_data("unf", term_key(t))
            )
        ]
        for t in (*prefs.include, *prefs.exclude)
    ]
    rows.append([InlineKeyboardButton(_("Remove all"), callback_data="unf:all")])
    return Reply("\n".join(lines), InlineKeyboardMarkup(rows))


def _with_filters(prefs: ChatPrefs, changes: Sequence[tuple[str, str]] | None) -> ChatPrefs:
    """The chat's filters with ``changes`` merged in (None: none left)."""
    if changes is None:
        return dataclasses.replace(prefs, include=(), exclude=())
    new = merge(Filters(prefs.include, prefs.exclude), changes)
    return dataclasses.replace(prefs, include=new.include, exclude=new.exclude)


def _without(terms: list[str]) -> Edit:
    def edit(prefs: ChatPrefs) -> ChatPrefs:
        new = without(Filters(prefs.include, prefs.exclude), terms)
        return dataclasses.replace(prefs, include=new.include, exclude=new.exclude)

    return edit


async def filter_cmd(update: Update, context: NewsContext) -> None:
    prefs = prefs_for(update, context)
    text = (update.effective_message.text or "").partition(" ")[2].strip()
    if not text:
        await reply(update, context, filters_view(prefs))
        return
    if not await may_change_settings(update, context):
        await refuse(update, context)
        return
    if text.lower() in ("clear", "off", "none"):
        prefs = await change(context.application, prefs, lambda p: _with_filters(p, None))
        await reply(update, context, filters_view(prefs))
        return
    try:
        changes = parse_filters(text)
    except FilterError as exc:
        await reply(
            update, context, _("I could not read that filter: {reason}.").format(reason=esc(str(exc))) + "\n" + _(USAGE)
        )
        return
    if not changes:
        await reply(update, context, _(USAGE))
        return
    new = merge(Filters(prefs.include, prefs.exclude), changes)
    cap = services(context).settings.chats.filters_per_chat
    if len(new.include) + len(new.exclude) > cap:
        await reply(
            update,
            context,
            _("A chat may have at most {n} filter words. /filter shows them with buttons to remove some.").format(
                n=cap
            ),
        )
        return
    prefs = await change(context.application, prefs, lambda p: _with_filters(p, changes))
    await reply(update, context, filters_view(prefs))


async def unfilter_button(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    prefs = await button_prefs(update, context)
    if prefs is None:
        return
    key = query.data.partition(":")[2]
    terms = (
        [*prefs.include, *prefs.exclude]
        if key == "all"
        else [t for t in (*prefs.include, *prefs.exclude) if term_key(t) == key]
    )
    if not terms:
        await query.answer(_("That filter is already gone."))
        return
    prefs = await change(context.application, prefs, _without(terms))
    await query.answer(_("Removed."))
    await reply(update, context, filters_view(prefs))  # in the chat and topic of the button

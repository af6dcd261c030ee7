"""The preferences service: the one way commands and buttons change a chat's choices.

A change is an *edit*, a function from the chat's current preferences to new ones.
:func:`change` applies it as one read-modify-write (:meth:`bot.chats.ChatBook.update`,
off the event loop and under the book's lock, so two changes at once never lose one)
and reschedules the chat's digest. ``/subscribe``, ``/settings KEY VALUE`` and the
settings buttons share their edits and their parsing here; /filter, /follow, /add,
/remove, OPML imports and /connect pass theirs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from telegram.ext import Application

from newsbrief.bot.chats import ALL_LANGUAGES, LENGTHS, MAX_TOPICS, ChatPrefs, Edit, clean_topics
from newsbrief.bot.digests import schedule_digest
from newsbrief.bot.i18n import LANGUAGES, _, language_name, supported, user_language
from newsbrief.bot.render import esc
from newsbrief.bot.services import services
from newsbrief.summaries.config import parse_time_of_day, parse_timezone

__all__ = [
    "change",
    "change_many",
    "subscribed",
    "unsubscribed",
    "apply_setting",
    "parse_schedule_args",
    "button_setting",
    "shown",
    "MAX_SHOWN",
]

MAX_SHOWN = 40  # characters of a bad value quoted back to the user


def shown(value: str) -> str:
    """A value the user typed, as quoted back in an error: one line, cut to MAX_SHOWN."""
    value = " ".join(value.split())
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


# -- applying a change --------------------------------------------------------------------


def _noting_language(edit: Edit) -> Edit:
    """``edit``, also remembering in a private chat its user's Telegram language (for what
    the bot sends unasked: digests and alerts), as the update being handled gave it."""
    seen = user_language()
    if not seen:
        return edit

    def noted(prefs: ChatPrefs) -> ChatPrefs:
        new = edit(prefs)
        return dataclasses.replace(new, user_language=seen) if new.chat_type == "private" else new

    return noted


async def change(app: Application, prefs: ChatPrefs, edit: Edit) -> ChatPrefs:
    """Apply ``edit`` to the chat of ``prefs`` (to ``prefs`` itself if nothing is stored
    for it yet), store the result and (re)schedule its digest. Returns what was stored."""
    saved = await asyncio.to_thread(services(app).chats.update, prefs, _noting_language(edit))
    schedule_digest(app, saved)
    return saved


async def change_many(app: Application, changes: Iterable[tuple[ChatPrefs, Edit]]) -> list[ChatPrefs]:
    """:func:`change` for several chats at once, in one write."""
    saved = await asyncio.to_thread(services(app).chats.update_many, list(changes))
    for prefs in saved:
        schedule_digest(app, prefs)
    return saved


# -- edits --------------------------------------------------------------------------------


def subscribed(prefs: ChatPrefs, now: dt.datetime) -> ChatPrefs:
    """Subscribed, since ``now`` unless it already was."""
    since = prefs.since if prefs.subscribed else now.isoformat()
    return dataclasses.replace(prefs, subscribed=True, since=since)


def unsubscribed(prefs: ChatPrefs) -> ChatPrefs:
    return dataclasses.replace(prefs, subscribed=False)


def parse_schedule_args(args: list[str], prefs: ChatPrefs) -> tuple[ChatPrefs, str | None]:
    """``[HH:MM] [Area/City]`` in any order; returns new prefs or an error line."""
    time, zone = prefs.time, prefs.timezone
    for arg in args:
        if re.fullmatch(r"\d{1,2}[:.h]\d{2}", arg):
            try:
                time = parse_time_of_day(arg).strftime("%H:%M")
            except ValueError:
                return prefs, _(
                    "“{value}” is not a time of day. Use 24-hour HH:MM, e.g. /subscribe 07:30 Europe/Berlin"
                ).format(value=esc(shown(arg)))
        elif "/" in arg or arg.upper() in ("UTC", "GMT"):
            try:
                zone = parse_timezone(arg).key
            except ValueError:
                return prefs, _(
                    "“{value}” is not a time zone I know. Use Area/City, e.g. /subscribe 07:30 Europe/Berlin"
                ).format(value=esc(shown(arg)))
        else:
            return prefs, _(
                "I don't understand “{value}”. Use a time and a time zone, e.g. /subscribe 07:30 Europe/Berlin"
            ).format(value=esc(shown(arg)))
    return dataclasses.replace(prefs, time=time, timezone=zone), None


def apply_setting(prefs: ChatPrefs, key: str, value: str) -> tuple[ChatPrefs, str | None]:
    """Apply ``/settings KEY VALUE``; returns new prefs or an error line."""
    key = key.lower()
    if key in ("operator", "botsources"):
        if value.lower() not in ("on", "off"):
            return prefs, _("Use /settings operator on (the bot's sources too) or /settings operator off (only yours)")
        return dataclasses.replace(prefs, operator_sources=value.lower() == "on"), None
    if key == "time":
        try:
            return dataclasses.replace(prefs, time=parse_time_of_day(value).strftime("%H:%M")), None
        except ValueError:
            return prefs, _("“{value}” is not a time of day. Use 24-hour HH:MM, e.g. /settings time 07:30").format(
                value=esc(shown(value))
            )
    if key in ("timezone", "tz", "zone"):
        try:
            return dataclasses.replace(prefs, timezone=parse_timezone(value).key), None
        except ValueError:
            return prefs, _(
                "“{value}” is not a time zone I know. Use Area/City, e.g. /settings timezone Europe/Berlin"
            ).format(value=esc(shown(value)))
    if key == "length":
        if value.lower() not in LENGTHS:
            return prefs, _("Length is short, normal or long, e.g. /settings length short")
        return dataclasses.replace(prefs, length=value.lower()), None
    if key in ("topics", "topic"):
        if value.lower() in ("off", "none", "all", "clear", ""):
            return dataclasses.replace(prefs, topics=()), None
        topics = clean_topics(value.split(","))
        if len(value.split(",")) > MAX_TOPICS:
            return prefs, _("At most {n} topics, separated by commas, e.g. /settings topics climate, energy").format(
                n=MAX_TOPICS
            )
        return dataclasses.replace(prefs, topics=topics), None
    if key in ("languages", "news"):
        codes = [c.strip().lower() for c in re.split(r"[,\s]+", value) if c.strip()]
        if codes in (["all"], ["*"]):
            return dataclasses.replace(prefs, news_languages=(ALL_LANGUAGES,)), None
        if codes in (["auto"], ["default"], []):
            return dataclasses.replace(prefs, news_languages=()), None
        if len(codes) > 10 or not all(re.fullmatch(r"[a-z]{2}", c) for c in codes):
            return prefs, _(
                "Languages are two-letter codes separated by commas, or all, e.g. /settings languages es, en"
            )
        return dataclasses.replace(prefs, news_languages=tuple(dict.fromkeys(codes))), None
    if key in ("language", "lang"):
        code = value.strip().lower()
        if code in ("auto", "default", "off"):
            return dataclasses.replace(prefs, language=""), None
        if not supported(code) or supported(code) != code.split("-")[0]:
            return prefs, _("I speak {languages}. Choose one, e.g. /settings language de").format(
                languages=", ".join(f"{c} ({language_name(c)})" for c in LANGUAGES)
            )
        return dataclasses.replace(prefs, language=supported(code)), None
    return prefs, _(
        "I don't know the setting “{value}”. "
        "Use time, timezone, length, topics or language, e.g. /settings length short"
    ).format(value=esc(shown(key)))


def button_setting(key: str, value: str, now: dt.datetime) -> Edit:
    """The edit of a settings button (``set:KEY:VALUE``, checked by its pattern): the
    subscription as /subscribe and /unsubscribe change it, the rest as /settings does."""
    if key == "sub":
        return (lambda prefs: subscribed(prefs, now)) if value == "on" else unsubscribed
    return lambda prefs: apply_setting(prefs, key, value)[0]

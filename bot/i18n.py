"""The bot's languages: what it says, in the language of the chat it says it to.

Every user-facing text goes through :func:`_` (or :func:`ngettext`), which looks it up in
the gettext catalog of the *current* language: ``bot/locale/<xx>/LC_MESSAGES/newsbrief.mo``,
made from the ``.po`` files beside them with Babel (the steps are in the README). A text
defined once at import time is marked with :func:`N_` and translated where it is used.

The current language is a context variable: set for each update before its handlers run
(:func:`use`, from the chat's choice or the user's Telegram language) and for each chat a
job writes to (:func:`speaking`). Dates and numbers are formatted for it with Babel.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

__all__ = [
    "LANGUAGES",
    "DEFAULT",
    "_",
    "N_",
    "ngettext",
    "use",
    "speaking",
    "current",
    "supported",
    "language_name",
    "language_display",
    "date_text",
    "datetime_text",
    "time_text",
    "number_text",
    "notice_user_language",
    "user_language",
]

DOMAIN = "newsbrief"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# the interface languages shipped (English is the source text, with no catalog of its own)
LANGUAGES = ("en", "es", "fr", "de", "ru", "pt", "hi")
DEFAULT = "en"

_current: ContextVar[str] = ContextVar("newsbrief_language", default=DEFAULT)
# the Telegram language of the user an update came from ("" if none or not spoken)
_users: ContextVar[str] = ContextVar("newsbrief_user_language", default="")


def supported(code: str | None) -> str:
    """The interface language for a language code ("pt-br", "de_AT", "ES"), or "" if
    the bot does not speak it."""
    base = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else ""


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def current() -> str:
    """The language of what is being said now."""
    return _current.get()


def use(language: str | None) -> None:
    """Speak ``language`` (a supported code, else the default) for the rest of this task:
    an update's handlers run in one task of their own."""
    _current.set(supported(language) or DEFAULT)


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Speak ``language`` inside the block (a job writing to several chats, one by one)."""
    token = _current.set(supported(language) or DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def notice_user_language(code: str | None) -> None:
    """Remember, for the rest of this update, the Telegram language of its user."""
    _users.set(supported(code))


def user_language() -> str:
    """The Telegram language of the user of the update being handled ("" if unknown)."""
    return _users.get()


def _(message: str) -> str:
    """``message`` in the current language."""
    return _catalog(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Marks ``message`` for translation where it is defined; :func:`_` translates it where used."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return _catalog(_current.get()).ngettext(singular, plural, n)


def language_name(code: str) -> str:
    """A language's own name for itself ("Deutsch", "русский")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_display(code: str) -> str:
    """A language's name in the current language ("French", "französisch"), or its code."""
    try:
        name = Locale.parse(_current.get()).languages.get(code) or code
    except (ValueError, TypeError):
        return code
    return name


def date_text(day: dt.date, style: str = "medium") -> str:
    return format_date(day, style, locale=_current.get())


def datetime_text(when: dt.datetime, style: str = "medium") -> str:
    return format_datetime(when, style, tzinfo=when.tzinfo, locale=_current.get())


def time_text(when: dt.datetime | dt.time, style: str = "short") -> str:
    return format_time(when, style, locale=_current.get())


def number_text(n: float) -> str:
    return format_decimal(n, locale=_current.get())

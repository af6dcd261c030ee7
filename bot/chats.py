"""Chats and their preferences: subscription, digest time, time zone, length, topics.

Kept in the store's ``chats`` table, one document per chat, mirrored in memory so that
handlers never scan the table. A change is read-modify-write under one lock
(:meth:`ChatBook.update`): two changes to a chat at once never lose one of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from newsbrief.bot.i18n import N_, supported
from newsbrief.summaries.config import Settings, parse_time_of_day, parse_timezone
from newsbrief.summaries.store import NewsStore

__all__ = [
    "ChatPrefs",
    "ChatBook",
    "Edit",
    "LENGTHS",
    "LENGTH_NAMES",
    "chat_language",
    "news_languages",
    "ALL_LANGUAGES",
    "MAX_TOPICS",
    "next_delivery",
    "topic_key",
]

LENGTHS = ("short", "normal", "long")
LENGTH_NAMES = {"short": N_("short"), "normal": N_("normal"), "long": N_("long")}  # as shown, translated
MAX_TOPICS = 10
MAX_TOPIC_CHARS = 40


@dataclasses.dataclass(frozen=True)
class ChatPrefs:
    """What one chat has asked for."""

    chat_id: int
    subscribed: bool = False
    time: str = "08:00"  # HH:MM, the chat's local time
    timezone: str = "UTC"
    length: str = "normal"
    topics: tuple[str, ...] = ()
    chat_type: str = "private"
    title: str = ""
    since: str = ""  # when the chat last subscribed (ISO datetime, UTC)
    sources: tuple[str, ...] = ()  # names of the sources this chat added (summaries.ingest.chat_sources)
    operator_sources: bool = True  # also the operator's sources
    include: tuple[str, ...] = ()  # keyword filters (summaries.stories.filters)
    exclude: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()  # names of followed entities, as their cards give them
    follows_since: str = ""  # stories first seen before this (ISO datetime, UTC) never alert
    manages: int = 0  # in a private chat: the connected channel its commands act on (0: itself)
    connected_by: int = 0  # in a channel: the user who connected it (told if the bot loses rights)
    thread_id: int = 0  # a forum topic's own settings: its message_thread_id ...
    chat_ref: int = 0  # ... and the group it is in (chat_id is then topic_key(chat_ref, thread_id))
    # the language the bot speaks here ("": the user's Telegram language in private chats,
    # else the operator's [bot] language); bot.i18n
    language: str = ""
    user_language: str = ""  # in a private chat: its user's Telegram language, as last seen
    # the languages of the news this chat reads (ISO 639-1; "*": all; empty: its interface
    # language and the operator's)
    news_languages: tuple[str, ...] = ()
    # an OPML import under way (bot.opml_cmds): the feeds it reads, its file's name and the
    # chat to answer; kept until it is answered, so one cut short by a restart is finished
    importing: tuple[str, ...] = ()
    import_file: str = ""
    import_answer_to: int = 0

    @property
    def send_to(self) -> tuple[int, dict[str, int]]:
        """Where this chat's digests and alerts go: a chat id, and the topic's thread if any."""
        if self.thread_id and self.chat_ref:
            return self.chat_ref, {"message_thread_id": self.thread_id}
        return self.chat_id, {}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_time(self) -> dt.time:
        """The digest time with its time zone, as the scheduler wants it."""
        return parse_time_of_day(self.time).replace(tzinfo=self.tz)

    def to_record(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        for name in _TUPLES:
            record[name] = list(getattr(self, name))
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ChatPrefs:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in record.items() if k in fields}
        for name in _TUPLES:
            values[name] = tuple(values.get(name) or ())
        return cls(**values)


def chat_language(prefs: ChatPrefs, default: str, answer_to: ChatPrefs | None = None) -> str:
    """The language the bot speaks to a chat: its choice (/settings language); else, in a
    private chat, its user's Telegram language if the bot speaks it (as last seen); else
    ``default`` (the operator's ``[bot] language``). ``answer_to``: the private chat that
    gets the answer instead (one managing a channel), whose language wins."""
    if answer_to is not None and answer_to.chat_id != prefs.chat_id:
        return chat_language(answer_to, default)
    if prefs.language:
        return prefs.language
    if prefs.chat_type == "private" and supported(prefs.user_language):
        return supported(prefs.user_language)
    return default


ALL_LANGUAGES = "*"


def news_languages(prefs: ChatPrefs, default: str) -> frozenset[str]:
    """The languages of the news a chat reads: its choice (/settings languages), else its
    interface language and the operator's ``[bot] language`` (``default``); ``{"*"}``: all."""
    if prefs.news_languages:
        return frozenset(prefs.news_languages)
    return frozenset({chat_language(prefs, default), default})


_TUPLES = ("topics", "sources", "include", "exclude", "follows", "importing", "news_languages")

Edit = Callable[[ChatPrefs], ChatPrefs]  # a change to a chat's preferences: its current ones in, new ones out


def topic_key(chat_id: int, thread_id: int) -> int:
    """The key of a forum topic's settings: a negative number beyond any Telegram chat id
    (those stay under 2**53), derived from the group and the topic."""
    digest = hashlib.sha256(f"{chat_id}:{thread_id}".encode()).hexdigest()[:14]
    return -(2**60 + int(digest, 16))


def next_delivery(prefs: ChatPrefs, now: dt.datetime) -> dt.datetime:
    """The next local datetime at the chat's digest time after ``now`` (DST-aware)."""
    local_now = now.astimezone(prefs.tz)
    hour_minute = parse_time_of_day(prefs.time)
    day = local_now.date()
    for _ in range(3):
        candidate = dt.datetime.combine(day, hour_minute, tzinfo=prefs.tz)
        # A time that does not exist on a spring-forward day is moved on by the gap.
        candidate = candidate.astimezone(dt.UTC).astimezone(prefs.tz)
        if candidate > local_now:
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable")


def last_due(prefs: ChatPrefs, now: dt.datetime) -> dt.datetime:
    """The most recent local datetime at the chat's digest time at or before ``now``."""
    local_now = now.astimezone(prefs.tz)
    hour_minute = parse_time_of_day(prefs.time)
    day = local_now.date()
    for _ in range(3):
        candidate = dt.datetime.combine(day, hour_minute, tzinfo=prefs.tz).astimezone(dt.UTC).astimezone(prefs.tz)
        if candidate <= local_now:
            return candidate
        day -= dt.timedelta(days=1)
    raise AssertionError("unreachable")


def clean_topics(words: Iterable[str]) -> tuple[str, ...]:
    """Topic keywords as typed, trimmed, de-duplicated (any case), at most MAX_TOPICS."""
    seen: dict[str, str] = {}
    for word in words:
        word = " ".join(word.split()).strip(" ,;")
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word[:MAX_TOPIC_CHARS]
    return tuple(seen.values())[:MAX_TOPICS]


class ChatBook:
    """The chats table, mirrored in memory. Every change is one store write."""

    def __init__(self, store: NewsStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._writing = threading.RLock()  # one read-modify-write at a time
        self._load()

    def _load(self) -> None:
        self._chats: dict[int, ChatPrefs] = {}
        with self.store.lock:
            self._generation = self.store.generation
            for doc in self.store.documents("chats"):
                prefs = ChatPrefs.from_record(doc)
                self._chats[prefs.chat_id] = prefs

    def _sync(self) -> None:
        """After a failed write the store re-reads its file: so does this mirror."""
        if self._generation != self.store.generation:
            self._load()

    def defaults(self, chat_id: int, **extra: Any) -> ChatPrefs:
        return ChatPrefs(
            chat_id=chat_id, time=self.settings.schedule.digest_time, timezone=self.settings.schedule.timezone, **extra
        )

    def get(self, chat_id: int) -> ChatPrefs | None:
        self._sync()
        return self._chats.get(chat_id)

    def get_or_default(self, chat_id: int, **extra: Any) -> ChatPrefs:
        self._sync()
        return self._chats.get(chat_id) or self.defaults(chat_id, **extra)

    def all(self) -> list[ChatPrefs]:
        self._sync()
        return list(self._chats.values())

    def subscribed(self) -> list[ChatPrefs]:
        self._sync()
        return [p for p in self._chats.values() if p.subscribed]

    def __len__(self) -> int:
        self._sync()
        return len(self._chats)

    def save(self, prefs: ChatPrefs) -> ChatPrefs:
        """Store a chat's preferences (validated), replacing what it had."""
        parse_time_of_day(prefs.time)
        parse_timezone(prefs.timezone)
        if prefs.length not in LENGTHS:
            raise ValueError(f"length must be one of {', '.join(LENGTHS)}")
        with self._writing:
            self._sync()
            with self.store.batch():
                self.store.put_documents("chats", [prefs.to_record()])
                self._chats[prefs.chat_id] = prefs
            self._generation = self.store.generation
        return prefs

    def save_many(self, prefs: Iterable[ChatPrefs]) -> None:
        """Store many chats in one write (imports, tests and load generators)."""
        prefs = list(prefs)
        with self._writing:
            self._sync()
            with self.store.batch():
                self.store.put_documents("chats", [p.to_record() for p in prefs])
                self._chats.update({p.chat_id: p for p in prefs})
            self._generation = self.store.generation

    def update(self, prefs: ChatPrefs, edit: Edit) -> ChatPrefs:
        """Read-modify-write of one chat: ``edit`` gets the chat's current preferences
        (``prefs`` if it has none stored yet, e.g. a chat's defaults); what it returns is
        validated and stored in one write. Returns the stored preferences."""
        with self._writing:
            self._sync()
            new = edit(self._chats.get(prefs.chat_id, prefs))
            if new.chat_id != prefs.chat_id:
                raise ValueError("an edit keeps the chat it changes")
            return self.save(new)

    def update_many(self, changes: Iterable[tuple[ChatPrefs, Edit]]) -> list[ChatPrefs]:
        """:meth:`update` for several chats at once, in one write."""
        with self._writing:
            self._sync()
            new = [edit(self._chats.get(prefs.chat_id, prefs)) for prefs, edit in changes]
            self.save_many(new)
            return new

    def migrate(self, old_id: int, new_id: int) -> ChatPrefs | None:
        """A group became a supergroup: move its preferences to the new id."""
        with self._writing:
            prefs = self.get(old_id)
            if prefs is None:
                return None
            with self.store.batch():
                moved = self.save(dataclasses.replace(prefs, chat_id=new_id, chat_type="supergroup"))
                self.save(dataclasses.replace(prefs, subscribed=False))
            return moved

"""What the bot's handlers and jobs share: settings, the store and its news core, chats,
deliveries, a clock; reached through the typed context (:class:`NewsContext`)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from newsbrief.bot.buckets import Buckets
from newsbrief.bot.chats import ChatBook
from newsbrief.bot.deliveries import Deliveries
from newsbrief.bot.fetching import ChatFetches
from newsbrief.bot.settings import BotSettings, TelegramSettings
from newsbrief.summaries.config import Settings, SummarySettings
from newsbrief.summaries.pipeline.core import NewsCore
from newsbrief.summaries.store import NewsStore

__all__ = ["Services", "services", "utc_now", "Backoff", "BotData", "NewsContext", "CONTEXT_TYPES"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Backoff:
    """Retries for network errors while sending: ``tries`` attempts, waiting ``base``,
    ``2*base``, ... seconds (at most ``cap``) between them."""

    tries: int = 5
    base: float = 1.0
    cap: float = 30.0
    retry_later_seconds: float = 120.0  # a digest that still failed is tried again after this


@dataclass
class Services:
    settings: Settings
    store: NewsStore
    chats: ChatBook
    deliveries: Deliveries
    clock: Callable[[], dt.datetime] = utc_now
    backoff: Backoff = field(default_factory=Backoff)
    digest_concurrency: int = 64
    core: NewsCore | None = None  # the indexes kept in memory for this store (made if not given)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)  # the config file's [telegram]
    bot: BotSettings = field(default_factory=BotSettings)  # the config file's [bot]

    def __post_init__(self) -> None:
        self.digest_slots = asyncio.Semaphore(self.digest_concurrency)
        self.fetches = ChatFetches(self.settings.chats)  # what chats ask to fetch runs apart
        limits = self.settings.chats
        self.flood = Buckets(limits.commands_burst, limits.commands_per_minute)  # each user's rate
        if self.core is None:
            self.core = NewsCore(self.store, self.settings)

    def summary_settings(self, length: str = "normal") -> SummarySettings:
        """Summary settings for a briefing length; "long" and "full" (a story's Full summary
        button) use twice the configured sentences, at least six."""
        base = self.settings.summaries
        if length in ("long", "full"):
            return dataclasses.replace(base, sentences=max(6, 2 * base.sentences), ratio=0.0, max_chars=3500)
        return base

    def close(self) -> None:
        self.deliveries.close()
        self.fetches.close()


@dataclass
class BotData:
    """The application's ``bot_data``, typed: what every handler and job shares."""

    services: Services | None = None
    summarize_job: bool = True  # run the scheduled pipeline job in this process
    pipeline_work: Callable[[], Any] | None = None  # what that job runs (set at start-up)
    # the alerts job: where it got to in the articles, and its lock (bot.alerts)
    alerts_cursor: dict[str, Any] = field(default_factory=lambda: {"seq": None, "waiting": set()})
    alerts_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class NewsContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The context handlers and jobs get (python-telegram-bot's ``ContextTypes``)."""

    @property
    def services(self) -> Services:
        svc = self.bot_data.services
        if svc is None:
            raise RuntimeError("the application was not built by bot.app.build_application")
        return svc


CONTEXT_TYPES = ContextTypes(context=NewsContext, bot_data=BotData)


def services(context: CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The Services of the running application."""
    app = context if isinstance(context, Application) else context.application
    svc = app.bot_data.services
    if svc is None:
        raise RuntimeError("the application was not built by bot.app.build_application")
    return svc

"""Wiring: the python-telegram-bot Application with its handlers, rate limiter, digests
and the scheduled summarization job."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import hashlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from telegram import BotCommandScopeAllChatAdministrators, BotCommandScopeAllPrivateChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from newsbrief.bot import channels, chat_filters, follow_cmds, handlers, membership, opml_cmds, own_sources
from newsbrief.bot.alerts import schedule_alerts
from newsbrief.bot.chats import ChatBook
from newsbrief.bot.common import speak_the_chats_language
from newsbrief.bot.deliveries import open_deliveries
from newsbrief.bot.digests import catch_up, rebuild_schedules
from newsbrief.bot.flood import check_flood
from newsbrief.bot.i18n import LANGUAGES, speaking
from newsbrief.bot.jobs import once, repeat
from newsbrief.bot.ratelimit import PriorityRateLimiter
from newsbrief.bot.services import CONTEXT_TYPES, Backoff, NewsContext, Services, services, utc_now
from newsbrief.bot.settings import BotSettings, TelegramSettings, load_bot_section, load_telegram_settings
from newsbrief.summaries.config import ConfigError, Settings
from newsbrief.summaries.pipeline.run import PIPELINE_JOB_ID
from newsbrief.summaries.pipeline.worker import pipeline_job as pipeline_work
from newsbrief.summaries.store import NewsStore, open_store

__all__ = [
    "build_application",
    "on_startup",
    "on_shutdown",
    "run_bot",
    "TokenFilter",
    "redact_token_in_logs",
    "NO_TOKEN",
]

log = logging.getLogger(__name__)

NO_TOKEN = (
    "no Telegram bot token: create a bot with @BotFather in Telegram (send it /newbot), then set "
    "NEWSBRIEF_TELEGRAM_TOKEN=<token> or [telegram] token in the config file; "
    "to try newsbrief without a token, run: newsbrief chat"
)


class TokenFilter(logging.Filter):
    """Replaces the bot token in every log record (httpx logs request URLs, which carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = None
        return True


def redact_token_in_logs(token: str) -> None:
    """Logging for a process that runs the bot: every handler of the root logger gets a
    :class:`TokenFilter`, and httpx's request lines are quieted. Called by the entry
    points (``newsbrief run`` and ``chat``), which own the logging configuration."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, TokenFilter) for f in handler.filters):
            handler.addFilter(token_filter)


def build_application(
    settings: Settings,
    store: NewsStore,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    backoff: Backoff | None = None,
    summarize_job: bool = True,
    telegram: TelegramSettings | None = None,
    bot: BotSettings | None = None,
) -> Application:
    """The bot, ready to run: handlers registered, services attached.

    ``telegram`` and ``bot`` default to the ``[telegram]`` and ``[bot]`` sections of the
    file ``settings`` came from; ``token``/``base_url`` default to it; tests and ``newsbrief chat`` point them
    at the local Bot API server. Call :func:`on_startup` after ``initialize()`` when not
    using ``run_polling`` (which calls it itself).
    """
    tg = telegram or load_telegram_settings(settings.path)
    token = token or tg.token
    if not token:
        raise ConfigError(NO_TOKEN)
    application = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(token)
        .base_url(base_url or tg.api_base_url)
        .base_file_url(base_file_url or tg.api_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True), tzinfo=dt.UTC
            )
        )
        .rate_limiter(PriorityRateLimiter(tg.rate_limit_per_second, group_rate=20, group_period=60, max_retries=5))
        .concurrent_updates(True)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    chats = ChatBook(store, settings)
    deliveries = open_deliveries(store, today=lambda: clock().date())
    application.bot_data.services = Services(
        settings=settings,
        store=store,
        chats=chats,
        deliveries=deliveries,
        clock=clock,
        backoff=backoff or Backoff(),
        telegram=tg,
        bot=bot or load_bot_section(settings.path),
    )
    application.bot_data.summarize_job = summarize_job
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    application.add_handler(TypeHandler(Update, speak_the_chats_language), group=-4)  # every answer in it
    application.add_handler(TypeHandler(Update, handlers.check_allowed), group=-3)  # then: the allow-list
    application.add_handler(TypeHandler(Update, check_flood), group=-2)  # then: a user's rate
    application.add_handler(TypeHandler(Update, channels.check_managed_channel), group=-1)
    for name, callback in (
        ("start", handlers.start),
        ("help", handlers.start),
        ("brief", handlers.brief),
        ("summary", handlers.summary),
        ("who", handlers.who),
        ("subscribe", handlers.subscribe),
        ("unsubscribe", handlers.unsubscribe),
        ("settings", handlers.settings_cmd),
        ("add", own_sources.add),
        ("sources", own_sources.list_sources),
        ("remove", own_sources.remove),
        ("filter", chat_filters.filter_cmd),
        ("export", opml_cmds.export),
        ("connect", channels.connect),
        ("disconnect", channels.disconnect),
        ("follow", follow_cmds.follow),
        ("following", follow_cmds.following),
        ("unfollow", follow_cmds.unfollow),
    ):
        application.add_handler(CommandHandler(name, callback))
    for pattern, callback in (
        (handlers.FULL_PATTERN, handlers.full_button),
        (handlers.REPORTS_PATTERN, handlers.reports_button),
        (handlers.WHO_PATTERN, handlers.who_button),
        (handlers.SETTINGS_PATTERN, handlers.settings_button),
        (own_sources.REMOVE_PATTERN, own_sources.remove_button),
        (chat_filters.UNFILTER_PATTERN, chat_filters.unfilter_button),
        (follow_cmds.UNFOLLOW_PATTERN, follow_cmds.unfollow_button),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CallbackQueryHandler(handlers.expired_button))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(filters.Document.ALL, opml_cmds.import_document))
    application.add_handler(ChatMemberHandler(membership.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, handlers.plain_text)
    )
    application.add_error_handler(handlers.on_error)


async def on_startup(application: Application) -> None:
    """Register the command menu, rebuild digest schedules, catch up missed digests, and
    schedule the summarization job."""
    svc: Services = services(application)
    try:  # the menu in every language the bot speaks; Telegram shows each user theirs
        for language in ("", *LANGUAGES):
            code = {"language_code": language} if language else {}
            with speaking(language or svc.bot.language):
                await application.bot.set_my_commands(handlers.bot_commands(), **code)
                await application.bot.set_my_commands(
                    handlers.bot_commands("private"), scope=BotCommandScopeAllPrivateChats(), **code
                )
                await application.bot.set_my_commands(
                    handlers.bot_commands("admins"), scope=BotCommandScopeAllChatAdministrators(), **code
                )
    except Exception as exc:  # the menu is a nicety: never fail start-up for it
        log.warning("could not register the command menu: %s", exc)
    rebuild_schedules(application)
    catch_up(application)
    if application.bot_data.summarize_job:
        application.bot_data.pipeline_work = pipeline_work(
            svc.store, svc.settings
        )  # on PostgreSQL: shared with workers
        repeat(
            application,
            pipeline_job,
            minutes=svc.settings.schedule.summarize_every_minutes,
            job_id=PIPELINE_JOB_ID,
            first=0,
        )
    repeat(application, fold_job, minutes=10, job_id="fold-deliveries", first=600)
    repeat(
        application,
        collect_garbage_job,
        minutes=GC_EVERY_MINUTES,
        job_id="collect-garbage",
        first=GC_EVERY_MINUTES * 60,
    )
    schedule_alerts(application)
    once(application, opml_cmds.resume_imports, job_id="resume-imports")  # cut short by a restart


def settle_garbage_collection() -> None:
    """Keep Python's full garbage collections out of the answers.

    What start-up made (modules, settings, connections: a few hundred thousand objects)
    is frozen out of them, and they run only when :func:`collect_garbage_job` runs them
    (every few minutes), not whenever enough objects outlived the young collections: a
    /brief of a 3,000-article day makes enough to start one about every sixth time, which
    walked every live object and added 50-90 ms to that answer (``bench/postgres.py scale``).
    Young collections still run as usual; objects without cycles are freed at once."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)


_NEVER = 10**9  # collections of the middle generation before a full one: in effect never
GC_EVERY_MINUTES = 5


async def collect_garbage_job(context: NewsContext) -> None:
    """The full garbage collection, between answers (a few tens of milliseconds)."""
    gc.collect()


async def pipeline_job(context: NewsContext) -> None:
    """The scheduled work of this process (the pipeline; on PostgreSQL, what no worker does)."""
    await asyncio.to_thread(context.bot_data.pipeline_work)


async def fold_job(context: NewsContext) -> None:
    await asyncio.to_thread(context.services.deliveries.fold)


async def on_shutdown(application: Application) -> None:
    svc: Services = services(application)
    await asyncio.to_thread(svc.close)


def webhook_secret(token: str) -> str:
    """The secret Telegram sends with every webhook post (stable across restarts)."""
    return hashlib.sha256(b"newsbrief-webhook:" + token.encode()).hexdigest()


def run_bot(settings: Settings, telegram: TelegramSettings | None = None) -> None:
    """``newsbrief run``: the bot with long polling (or a webhook), and the scheduled job.
    ``telegram`` defaults to the ``[telegram]`` section of the file ``settings`` came from."""
    tg = telegram or load_telegram_settings(settings.path)
    if not tg.token:
        raise ConfigError(NO_TOKEN)
    redact_token_in_logs(tg.token)
    with open_store(settings) as store:
        application = build_application(settings, store, telegram=tg)
        settle_garbage_collection()  # this process is the bot's alone (tests start bots inside theirs)
        if tg.mode == "webhook":
            # the local path mirrors the public URL's path (a reverse proxy forwards it);
            # Telegram proves each post with a secret derived from the token
            application.run_webhook(
                listen=tg.webhook_listen,
                port=tg.webhook_port,
                url_path=urlsplit(tg.webhook_url).path.strip("/"),
                webhook_url=tg.webhook_url,
                secret_token=webhook_secret(tg.token),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)

"""A running newsbrief bot for end-to-end tests: the real python-telegram-bot Application,
its JobQueue and rate limiter, talking HTTP to the local Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from telegram.ext import Application

from bot.app import build_application, on_startup
from bot.local_api import LocalBotAPI
from bot.services import Backoff, Services
from summaries.config import Settings
from summaries.pipeline import run_pipeline
from summaries.store import Store

TOKEN = "123456:newsbrief-test-token"
UTC = dt.timezone.utc


class Clock:
    """A settable clock for the bot (the scheduler itself keeps real time)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass
class BotEnv:
    api: LocalBotAPI
    app: Application
    store: Store
    clock: Clock
    settings: Settings

    @property
    def svc(self) -> Services:
        return self.app.bot_data["services"]

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> list[dict]:
        """Send ``text`` as a user and wait for the bot's next message(s) in that chat."""
        before = len(self.api.sent(chat_id))
        self.api.send_text(chat_id, text, **kwargs)
        return (await self.api.async_wait_for_sent(chat_id, count=before + 1, timeout=20))[before:]

    async def settle(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)


async def start_bot(api: LocalBotAPI, store: Store, settings: Settings, clock: Clock, **kwargs: Any) -> Application:
    app = build_application(
        settings, store, token=api.token, base_url=api.base_url, base_file_url=api.base_file_url, clock=clock,
        backoff=kwargs.pop("backoff", Backoff(tries=3, base=0.05, cap=0.2, retry_later_seconds=0.5)),
        summarize_job=False, **kwargs,
    )
    await app.initialize()
    await on_startup(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
    return app


async def stop_bot(app: Application, *, clean: bool = True) -> None:
    """Stop the bot; ``clean=False`` skips the orderly shutdown steps (like a crash, the
    delivery journal is left unfolded)."""
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    svc: Services = app.bot_data["services"]
    if clean:
        svc.close()
    else:
        import os

        os.close(svc.deliveries._fd)


def open_store(path: Path) -> Store:
    return Store(path)


@contextlib.asynccontextmanager
async def running_bot(workdir: Path, settings: Settings | None = None,
                      now: dt.datetime = dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC),
                      store_factory: Callable[[Path], Any] | None = None) -> AsyncIterator[BotEnv]:
    """The bot on a fresh store holding the seed article (summarized), against a local
    Bot API server; everything stopped afterwards. ``store_factory(workdir)`` opens
    another backend's store (default: the TinyDB file ``workdir/db.json``)."""
    settings = settings or Settings()
    api = LocalBotAPI(token=TOKEN)
    api.start()
    store = store_factory(workdir) if store_factory is not None else Store(workdir / "db.json")
    try:
        run_pipeline(store, settings)
        clock = Clock(now)
        app = await start_bot(api, store, settings, clock)
        try:
            yield BotEnv(api, app, store, clock, settings)
        finally:
            await stop_bot(app)
    finally:
        store.close()
        api.stop()

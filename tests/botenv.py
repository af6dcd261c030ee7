"""A running newsbrief bot for end-to-end tests: the real python-telegram-bot Application,
its JobQueue and rate limiter, talking HTTP to the local Bot API server on 127.0.0.1.

Tests wait on conditions (``waiting.wait_for``), never for fixed times. A check that the
bot does *not* answer uses a barrier: ``assert_no_reply`` sends a known command after
the ones that must stay unanswered and waits for its answer; ``jobs_idle`` waits until
the scheduler has run every job that is due.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED, JobEvent
from telegram.ext import Application
from waiting import wait_for

from newsbrief.bot.app import build_application, on_startup
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.bot.services import Backoff, Services
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store

TOKEN = "123456:newsbrief-test-token"
UTC = dt.UTC


class Clock:
    """A settable clock for the bot (the scheduler itself keeps real time)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


SENTINEL = "/help"  # every chat gets an answer to it, so it can close a negative check
HELP_MARK = "/subscribe 07:30 Europe/Berlin"  # a line of the /help text


class JobWatch:
    """Counts the scheduler's job runs: submitted, and finished (run, failed or missed)."""

    def __init__(self, app: Application) -> None:
        self.scheduler = app.job_queue.scheduler
        self.submitted: collections.Counter[str] = collections.Counter()
        self.finished: collections.Counter[str] = collections.Counter()
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.add_listener(self._on_finished, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def _on_submitted(self, event: JobEvent) -> None:
        self.submitted[event.job_id] += 1

    def _on_finished(self, event: JobEvent) -> None:
        self.finished[event.job_id] += 1

    def idle(self, horizon: float = 3.0) -> bool:
        """No run in flight and no job due within ``horizon`` seconds."""
        if any(self.submitted[j] > self.finished[j] for j in self.submitted):
            return False
        soon = dt.datetime.now(UTC) + dt.timedelta(seconds=horizon)
        return all(job.next_run_time is None or job.next_run_time > soon for job in self.scheduler.get_jobs())


_WATCHES: dict[int, JobWatch] = {}


def job_watch(app: Application) -> JobWatch:
    """The ``JobWatch`` that ``start_bot`` attached to ``app``."""
    return _WATCHES[id(app)]


@dataclasses.dataclass
class BotEnv:
    api: LocalBotAPI
    app: Application
    store: Store
    clock: Clock
    settings: Settings

    @property
    def svc(self) -> Services:
        return self.app.bot_data.services

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> list[dict]:
        """Send ``text`` as a user and wait for the bot's next message(s) in that chat."""
        before = len(self.api.sent(chat_id))
        self.api.send_text(chat_id, text, **kwargs)
        return (await self.api.async_wait_for_sent(chat_id, count=before + 1, timeout=20))[before:]

    async def assert_no_reply(self, chat_id: int, since: int, **kwargs: Any) -> None:
        """Barrier for "the bot did not answer": send ``/help`` to ``chat_id``, wait for its
        answer and check that it is the only message the bot sent there after the first
        ``since`` ones. ``kwargs`` as for ``send_text`` (e.g. ``user_id`` in groups)."""
        self.api.send_text(chat_id, SENTINEL, **kwargs)

        def answered() -> bool:
            return any(HELP_MARK in m["plain_text"] for m in self.api.sent(chat_id)[since:])

        await wait_for(answered, what=f"the answer to {SENTINEL} in chat {chat_id}")
        extra = [m["plain_text"][:80] for m in self.api.sent(chat_id)[since:] if HELP_MARK not in m["plain_text"]]
        assert not extra, f"the bot answered what it should have ignored: {extra}"

    async def press(self, chat_id: int, message_id: int, data: str, **kwargs: Any) -> dict:
        """Press an inline button and wait for the bot's answerCallbackQuery; returns the answer."""
        query_id = self.api.press_button(chat_id, message_id, data, **kwargs)
        answers = await wait_for(
            lambda: [a for a in self.api.callback_answers if a["callback_query_id"] == query_id],
            what=f"the answer to button {data!r}",
        )
        return answers[0]

    async def jobs_idle(self) -> None:
        """Barrier for scheduled work: wait until every job that is due has run and finished."""
        await wait_for(job_watch(self.app).idle, what="the scheduler to run every due job")


async def start_bot(api: LocalBotAPI, store: Store, settings: Settings, clock: Clock, **kwargs: Any) -> Application:
    app = build_application(
        settings,
        store,
        token=api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        clock=clock,
        backoff=kwargs.pop("backoff", Backoff(tries=3, base=0.05, cap=0.2, retry_later_seconds=0.5)),
        summarize_job=False,
        **kwargs,
    )
    await app.initialize()
    _WATCHES[id(app)] = JobWatch(app)
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
    _WATCHES.pop(id(app), None)
    svc: Services = app.bot_data.services
    if clean:
        svc.close()
    else:
        svc.deliveries.journal.abandon()  # killed: the journal is left as it is, nothing folded


def open_store(path: Path) -> Store:
    return Store(path)


@contextlib.asynccontextmanager
async def running_bot(
    workdir: Path,
    settings: Settings | None = None,
    now: dt.datetime = dt.datetime(2025, 7, 27, 5, 0, tzinfo=UTC),
    store_factory: Callable[[Path], Any] | None = None,
) -> AsyncIterator[BotEnv]:
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
        # every method the bot called is one the local server serves
        assert not [r.method for r in api.requests if r.status == 404]
    finally:
        store.close()
        api.stop()

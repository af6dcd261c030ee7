"""Daily digests: one job per subscribed chat at its local time, delivered exactly once.

Jobs have deterministic names (``digest:<chat id>``) and replace an existing job of the
same name, so re-subscribing or reloading never duplicates a digest. Schedules live in
memory and are rebuilt from the chats table at start-up, when digests missed while the
service was down are caught up once, within the grace period.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from typing import Any, Callable

from apscheduler.jobstores.base import JobLookupError
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from newsbrief.bot.alerts import clear_folded, folded_reply
from newsbrief.bot.channels import bot_may_post, channel_lost
from newsbrief.bot.chat_news import compose_for
from newsbrief.bot.chats import ChatPrefs, last_due
from newsbrief.bot.deliveries import FAILED, RETRY, SENDING, SENT, SKIPPED, ClaimLost
from newsbrief.bot.ratelimit import BULK
from newsbrief.bot.render import Reply, render_briefing
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.store import StoreError

__all__ = [
    "schedule_digest",
    "unschedule_digest",
    "rebuild_schedules",
    "catch_up",
    "deliver_digest",
    "send_reply",
    "job_name",
]

log = logging.getLogger(__name__)


def job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def schedule_digest(app: Application, prefs: ChatPrefs) -> Any:
    """(Re)schedule a chat's daily digest, replacing the job of the same id; removes it if
    the chat is not subscribed."""
    if not prefs.subscribed:
        unschedule_digest(app, prefs.chat_id)
        return None
    grace = int(services(app).settings.schedule.grace_minutes * 60)
    name = job_name(prefs.chat_id)
    return app.job_queue.run_daily(
        digest_job,
        time=prefs.local_time,
        name=name,
        chat_id=prefs.chat_id,
        job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": max(1, grace), "coalesce": True},
    )


def unschedule_digest(app: Application, chat_id: int) -> None:
    """Remove a chat's digest jobs (looked up by id: no scan of every chat's job)."""
    for job_id in (job_name(chat_id), f"digest-retry:{chat_id}", f"digest-catch-up:{chat_id}"):
        try:
            app.job_queue.scheduler.remove_job(job_id)
        except JobLookupError:
            pass


def rebuild_schedules(app: Application) -> int:
    """Schedule every subscribed chat from the chats table; returns how many."""
    chats = services(app).chats.subscribed()
    for prefs in chats:
        schedule_digest(app, prefs)
    log.info("scheduled digests for %d chats", len(chats))
    return len(chats)


def catch_up(app: Application) -> list[int]:
    """Queue, once, each digest that fell due while the service was down and is still
    within the grace period. Returns the chat ids queued."""
    svc = services(app)
    now = svc.clock()
    grace = dt.timedelta(minutes=svc.settings.schedule.grace_minutes)
    queued = []
    for prefs in svc.chats.subscribed():
        due = last_due(prefs, now)
        day = due.date().isoformat()
        if svc.deliveries.done(prefs.chat_id, day):
            continue
        since = prefs_since(prefs)
        if since is not None and due < since:
            continue  # subscribed after that day's time had passed
        if now - due <= grace:
            app.job_queue.run_once(digest_job, when=0.1 + 0.01 * len(queued), chat_id=prefs.chat_id,
                                   name=f"digest-catch-up:{prefs.chat_id}", data={"day": day},
                                   job_kwargs={"id": f"digest-catch-up:{prefs.chat_id}", "replace_existing": True})
            queued.append(prefs.chat_id)
        else:
            log.info("digest for chat %s on %s missed by more than the grace period; dropped", prefs.chat_id, day)
    if queued:
        log.info("catching up %d missed digests", len(queued))
    return queued


def prefs_since(prefs: ChatPrefs) -> dt.datetime | None:
    if not prefs.since:
        return None
    try:
        return dt.datetime.fromisoformat(prefs.since)
    except ValueError:
        return None


async def digest_job(context: NewsContext) -> None:
    """The scheduled job: send this chat its digest for today (its local date)."""
    job = context.job
    svc = services(context)
    prefs = svc.chats.get(job.chat_id)
    if prefs is None:
        return
    day = (job.data or {}).get("day") if isinstance(job.data, dict) else None
    day = day or svc.clock().astimezone(prefs.tz).date().isoformat()
    await deliver_digest(context.application, job.chat_id, day)


async def send_reply(app: Application, chat_id: int, reply: Reply, *,
                     before_send: Callable[[], None] | None = None, priority: int = BULK, **kwargs: Any) -> Any:
    """Send one message, retrying network errors with backoff (RetryAfter is waited out
    by the rate limiter). Forbidden and ChatMigrated are raised to the caller."""
    backoff = services(app).backoff
    rate_args: dict[str, Any] = {"max_retries": 5, "priority": priority}
    if before_send is not None:
        rate_args["before_send"] = before_send
    for attempt in range(backoff.tries):
        try:
            return await app.bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard,
                                              rate_limit_args=rate_args, **kwargs)
        except (Forbidden, ChatMigrated):
            raise
        except (NetworkError, RetryAfter) as exc:  # TimedOut is a NetworkError
            if attempt == backoff.tries - 1:
                raise
            wait = min(backoff.cap, backoff.base * 2**attempt)
            log.info("sending to chat %s failed (%s); retrying in %.1fs", chat_id, exc, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def deliver_digest(app: Application, chat_id: int, day: str) -> str:
    """Send chat ``chat_id`` its digest for ``day`` unless it already had it.

    At most ``Services.digest_concurrency`` digests are composed and in flight at once,
    so a fan-out to many chats holds a bounded amount of memory.

    The digest is claimed first (:meth:`~bot.deliveries.Deliveries.claim`; on PostgreSQL
    in the database, so that only one bot process sends it). A digest another process is
    delivering is looked at again once that claim's lease has run out (if that process
    died before sending, this one sends it then).

    Returns what happened: "sent", "already", "nothing-new", "unsubscribed", "migrated",
    "retry-later", or "elsewhere" (claimed by another process).
    """
    svc = services(app)
    async with svc.digest_slots:
        outcome, moved_to = await _deliver(app, chat_id, day)
    if moved_to is not None:
        await deliver_digest(app, moved_to, day)
    return outcome


async def _deliver(app: Application, chat_id: int, day: str) -> tuple[str, int | None]:
    svc = services(app)
    prefs = svc.chats.get(chat_id)
    if prefs is None or not prefs.subscribed:
        return "unsubscribed", None
    if svc.deliveries.done(chat_id, day):
        log.info("digest for chat %s on %s already delivered; not sending again", chat_id, day)
        return "already", None
    if prefs.chat_type == "channel" and not await bot_may_post(app.bot, chat_id):
        log.info("lost the rights to post in channel %s; its digest stops", chat_id)
        unschedule_digest(app, chat_id)
        await channel_lost(app, prefs)
        return "unsubscribed", None
    try:
        claimed = await asyncio.to_thread(svc.deliveries.claim, chat_id, day)
    except StoreError as exc:  # the database is away: nothing was claimed or sent; look again later
        log.warning("could not claim the digest for chat %s on %s (%s); trying again in %.0fs", chat_id, day, exc,
                    svc.backoff.retry_later_seconds)
        _retry_later(app, chat_id, day, svc.backoff.retry_later_seconds)
        return "retry-later", None
    if not claimed:
        if svc.deliveries.done(chat_id, day):
            log.info("digest for chat %s on %s already delivered; not sending again", chat_id, day)
            return "already", None
        wait = svc.deliveries.lease + 1
        log.info("digest for chat %s on %s is being delivered elsewhere; looking again in %.0fs", chat_id, day, wait)
        _retry_later(app, chat_id, day, wait)
        return "elsewhere", None
    try:
        return await _deliver_claimed(app, prefs, day)
    except ClaimLost as exc:  # raised before anything was sent
        log.info("%s; not sending, looking again in %.0fs", exc, svc.deliveries.lease + 1)
        _retry_later(app, chat_id, day, svc.deliveries.lease + 1)
        return "elsewhere", None
    except StoreError as exc:
        if svc.deliveries.state(chat_id, day) == SENDING:
            raise  # it may have arrived: in doubt, not sent again
        log.warning("digest for chat %s on %s not sent: %s; trying again in %.0fs", chat_id, day, exc,
                    svc.backoff.retry_later_seconds)
        _retry_later(app, chat_id, day, svc.backoff.retry_later_seconds)
        return "retry-later", None
    finally:
        try:
            await asyncio.to_thread(svc.deliveries.release, chat_id, day)  # only if no state was recorded
        except StoreError as exc:  # the claim stays until its lease runs out, or this process claims it again
            log.warning("could not release the claim on the digest for chat %s on %s: %s", chat_id, day, exc)


def _retry_later(app: Application, chat_id: int, day: str, seconds: float) -> None:
    app.job_queue.run_once(digest_job, when=seconds, chat_id=chat_id, name=f"digest-retry:{chat_id}", data={"day": day},
                           job_kwargs={"id": f"digest-retry:{chat_id}", "replace_existing": True})


async def _deliver_claimed(app: Application, prefs: ChatPrefs, day: str) -> tuple[str, int | None]:
    """Compose and send a digest this process claimed; record how it ended."""
    svc = services(app)
    chat_id = prefs.chat_id
    mark = svc.deliveries.mark
    settings = svc.settings
    briefing = await asyncio.to_thread(
        compose_for, svc.store, prefs, settings, day=day, topics=prefs.topics, limit=settings.briefing.stories,
        exclude=svc.deliveries.sent_articles(chat_id), settings=svc.summary_settings(prefs.length),
    )
    folded = await asyncio.to_thread(folded_reply, svc.store, chat_id)  # alerts held back
    if not briefing.stories and folded is None:
        await asyncio.to_thread(mark, chat_id, day, SKIPPED)
        log.info("no new stories for chat %s on %s; nothing sent", chat_id, day)
        return "nothing-new", None
    ids = [aid for story in briefing.stories for aid in story.article_ids]
    replies = render_briefing(briefing, length=prefs.length, title="Your daily digest") if briefing.stories else []
    if folded is not None:
        replies.append(folded)
    marked = False

    async def before_send() -> None:
        nonlocal marked
        if not marked:  # on PostgreSQL a conditional update: raises ClaimLost if another process took it
            await asyncio.to_thread(svc.deliveries.start_sending, chat_id, day, ids)  # off the event loop
            marked = True

    target, where = prefs.send_to  # a forum topic's digest goes to its thread
    try:
        for reply in replies:
            await send_reply(app, target, reply, before_send=before_send, **where)
    except Forbidden as exc:
        log.info("chat %s blocked or removed the bot (%s); unsubscribing it", chat_id, exc.message)
        await asyncio.to_thread(svc.chats.save, dataclasses.replace(prefs, subscribed=False))
        unschedule_digest(app, chat_id)
        await asyncio.to_thread(mark, chat_id, day, FAILED, ids if marked else [])
        return "unsubscribed", None
    except ChatMigrated as exc:
        new_id = exc.new_chat_id
        log.info("chat %s became supergroup %s; moving its subscription", chat_id, new_id)
        moved = await asyncio.to_thread(svc.chats.migrate, chat_id, new_id)
        await asyncio.to_thread(mark, chat_id, day, RETRY)  # Telegram refused it: not delivered
        await asyncio.to_thread(svc.deliveries.move_chat, chat_id, new_id)
        unschedule_digest(app, chat_id)
        if moved is not None:
            schedule_digest(app, moved)
            return "migrated", new_id
        return "migrated", None
    except TelegramError as exc:
        log.warning("digest for chat %s on %s failed: %s; trying again in %.0fs", chat_id, day, exc,
                    svc.backoff.retry_later_seconds)
        await asyncio.to_thread(mark, chat_id, day, RETRY)
        _retry_later(app, chat_id, day, svc.backoff.retry_later_seconds)
        return "retry-later", None
    await asyncio.to_thread(mark, chat_id, day, SENT, ids)
    if folded is not None:
        await asyncio.to_thread(clear_folded, svc.store, chat_id)
    return "sent", None

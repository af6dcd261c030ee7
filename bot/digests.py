"""Daily digests: one job per subscribed chat at its local time, delivered exactly once.

Jobs have deterministic names (``digest:<chat id>``) and replace an existing job of the
same name, so re-subscribing or reloading never duplicates a digest. Schedules live in
memory and are rebuilt from the chats table at start-up, when digests missed while the
service was down are caught up once, within the grace period.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram.error import TelegramError
from telegram.ext import Application

from newsbrief.bot.alerts import clear_folded, folded_reply
from newsbrief.bot.channels import bot_may_post, channel_lost
from newsbrief.bot.chat_news import compose_for
from newsbrief.bot.chats import ChatPrefs, chat_language, last_due
from newsbrief.bot.deliveries import FAILED, RETRY, SENDING, SENT, SKIPPED, ClaimLost
from newsbrief.bot.i18n import _, speaking
from newsbrief.bot.jobs import job_name, schedule_daily, unschedule_digest
from newsbrief.bot.render import render_briefing
from newsbrief.bot.sending import BLOCKED, BULK, MOVED, send
from newsbrief.bot.services import NewsContext, services
from newsbrief.summaries.store import StoreError

__all__ = [
    "schedule_digest",
    "unschedule_digest",
    "rebuild_schedules",
    "catch_up",
    "deliver_digest",
    "job_name",
]

log = logging.getLogger(__name__)


def schedule_digest(app: Application, prefs: ChatPrefs) -> None:
    """(Re)schedule a chat's daily digest, replacing the job of the same id; removes it if
    the chat is not subscribed."""
    if not prefs.subscribed:
        unschedule_digest(app, prefs.chat_id)
        return
    schedule_daily(app, digest_job, prefs)


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
            app.job_queue.run_once(
                digest_job,
                when=0.1 + 0.01 * len(queued),
                chat_id=prefs.chat_id,
                name=f"digest-catch-up:{prefs.chat_id}",
                data={"day": day},
                job_kwargs={"id": f"digest-catch-up:{prefs.chat_id}", "replace_existing": True},
            )
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
        log.warning(
            "could not claim the digest for chat %s on %s (%s); trying again in %.0fs",
            chat_id,
            day,
            exc,
            svc.backoff.retry_later_seconds,
        )
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
        log.warning(
            "digest for chat %s on %s not sent: %s; trying again in %.0fs",
            chat_id,
            day,
            exc,
            svc.backoff.retry_later_seconds,
        )
        _retry_later(app, chat_id, day, svc.backoff.retry_later_seconds)
        return "retry-later", None
    finally:
        try:
            await asyncio.to_thread(svc.deliveries.release, chat_id, day)  # only if no state was recorded
        except StoreError as exc:  # the claim stays until its lease runs out, or this process claims it again
            log.warning("could not release the claim on the digest for chat %s on %s: %s", chat_id, day, exc)


def _retry_later(app: Application, chat_id: int, day: str, seconds: float) -> None:
    app.job_queue.run_once(
        digest_job,
        when=seconds,
        chat_id=chat_id,
        name=f"digest-retry:{chat_id}",
        data={"day": day},
        job_kwargs={"id": f"digest-retry:{chat_id}", "replace_existing": True},
    )


async def _deliver_claimed(app: Application, prefs: ChatPrefs, day: str) -> tuple[str, int | None]:
    """Compose and send a digest this process claimed; record how it ended."""
    svc = services(app)
    chat_id = prefs.chat_id
    mark = svc.deliveries.mark
    settings = svc.settings
    briefing = await asyncio.to_thread(
        compose_for,
        svc.store,
        prefs,
        settings,
        day=day,
        topics=prefs.topics,
        limit=settings.briefing.stories,
        exclude=svc.deliveries.sent_articles(chat_id),
        settings=svc.summary_settings(prefs.length),
        default_language=svc.bot.language,
    )
    with speaking(chat_language(prefs, svc.bot.language)):  # to_thread copies the language along
        folded = await asyncio.to_thread(folded_reply, svc.store, chat_id)  # alerts held back
    if not briefing.stories and folded is None:
        await asyncio.to_thread(mark, chat_id, day, SKIPPED)
        log.info("no new stories for chat %s on %s; nothing sent", chat_id, day)
        return "nothing-new", None
    ids = [aid for story in briefing.stories for aid in story.article_ids]
    with speaking(chat_language(prefs, svc.bot.language)):
        replies = (
            render_briefing(briefing, length=prefs.length, title=_("Your daily digest")) if briefing.stories else []
        )
    if folded is not None:
        replies.append(folded)
    marked = False

    async def before_send() -> None:
        nonlocal marked
        if not marked:  # on PostgreSQL a conditional update: raises ClaimLost if another process took it
            await asyncio.to_thread(svc.deliveries.start_sending, chat_id, day, ids)  # off the event loop
            marked = True

    try:  # the one sending path (bot.sending); a forum topic's digest goes to its thread
        sent = await send(app, prefs, replies, priority=BULK, before_send=before_send, follow=False)
    except TelegramError as exc:
        log.warning(
            "digest for chat %s on %s failed: %s; trying again in %.0fs",
            chat_id,
            day,
            exc,
            svc.backoff.retry_later_seconds,
        )
        await asyncio.to_thread(mark, chat_id, day, RETRY)
        _retry_later(app, chat_id, day, svc.backoff.retry_later_seconds)
        return "retry-later", None
    if sent.status == BLOCKED:  # unsubscribed by the sending path
        await asyncio.to_thread(mark, chat_id, day, FAILED, ids if marked else [])
        return "unsubscribed", None
    if sent.status == MOVED:  # the chat, its deliveries and its job moved to the new id
        new_id = sent.chat_id
        await asyncio.to_thread(mark, chat_id, day, RETRY)  # Telegram refused it: not delivered
        if svc.deliveries.state(new_id, day) is not None:  # moved with the chat: not delivered there either
            await asyncio.to_thread(mark, new_id, day, RETRY)
        if sent.moved is not None:
            schedule_digest(app, sent.moved)
            return "migrated", new_id
        return "migrated", None
    await asyncio.to_thread(mark, chat_id, day, SENT, ids)
    if folded is not None:
        await asyncio.to_thread(clear_folded, svc.store, chat_id)
    return "sent", None

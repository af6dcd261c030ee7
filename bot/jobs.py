"""Scheduled work in the bot, one way: repeating jobs under fixed ids, and each chat's
daily digest job (``digest:<chat id>``, with its retry and catch-up jobs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Application, Job, JobQueue

from newsbrief.bot.chats import ChatPrefs
from newsbrief.bot.services import NewsContext, services, utc_now

JobCallback = Callable[[NewsContext], Coroutine[Any, Any, Any]]

__all__ = ["repeat", "once", "job_name", "schedule_daily", "unschedule_digest", "move_digest"]


def _queue(app: Application) -> JobQueue[NewsContext]:
    if app.job_queue is None:
        raise RuntimeError("the application has no job queue (python-telegram-bot[job-queue])")
    return app.job_queue


def repeat(application: Application, callback: JobCallback, *, minutes: float, job_id: str, first: float) -> None:
    """The one way the bot schedules repeating work: a JobQueue job under a fixed id
    (re-registering replaces it), never two runs at once, missed runs folded into one,
    the first run ``first`` seconds from now. Callbacks run blocking work in a thread."""
    _queue(application).run_repeating(
        callback,
        interval=minutes * 60,
        name=job_id,
        job_kwargs={
            "id": job_id,
            "replace_existing": True,
            "max_instances": 1,
            "coalesce": True,
            "next_run_time": utc_now() + dt.timedelta(seconds=first),
        },
    )


def once(application: Application, callback: JobCallback, *, job_id: str, after: float = 0.0) -> None:
    """Run ``callback`` once, ``after`` seconds from now, under a fixed id (re-registering
    replaces it)."""
    _queue(application).run_once(callback, after, name=job_id, job_kwargs={"id": job_id, "replace_existing": True})


def job_name(chat_id: int) -> str:
    """The id of a chat's daily digest job."""
    return f"digest:{chat_id}"


def schedule_daily(app: Application, callback: JobCallback, prefs: ChatPrefs) -> Job:
    """Run ``callback`` daily at the chat's digest time, under the chat's digest job id
    (replacing the job of that id); a run missed by less than the grace period still runs."""
    grace = int(services(app).settings.schedule.grace_minutes * 60)
    name = job_name(prefs.chat_id)
    return _queue(app).run_daily(
        callback,
        time=prefs.local_time,
        name=name,
        chat_id=prefs.chat_id,
        job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": max(1, grace), "coalesce": True},
    )


def unschedule_digest(app: Application, chat_id: int) -> None:
    """Remove a chat's digest jobs (looked up by id: no scan of every chat's job)."""
    for job_id in (job_name(chat_id), f"digest-retry:{chat_id}", f"digest-catch-up:{chat_id}"):
        try:
            _queue(app).scheduler.remove_job(job_id)
        except JobLookupError:
            pass


def move_digest(app: Application, old_id: int, moved: ChatPrefs | None) -> None:
    """A chat moved to a new id (a group became a supergroup): its daily digest job, if
    it had one, now runs for the new id (the same job, at the moved chat's time)."""
    jobs = _queue(app).get_jobs_by_name(job_name(old_id))
    unschedule_digest(app, old_id)
    if moved is not None and moved.subscribed and jobs:
        schedule_daily(app, jobs[0].callback, moved)

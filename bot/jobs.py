"""Repeating work in the bot, scheduled one way."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from telegram.ext import Application

from newsbrief.bot.services import utc_now

__all__ = ["repeat"]


def repeat(application: Application, callback: Callable[[Any], Any], *, minutes: float, job_id: str,
           first: float) -> None:
    """The one way the bot schedules repeating work: a JobQueue job under a fixed id
    (re-registering replaces it), never two runs at once, missed runs folded into one,
    the first run ``first`` seconds from now. Callbacks run blocking work in a thread."""
    application.job_queue.run_repeating(
        callback, interval=minutes * 60, name=job_id,
        job_kwargs={"id": job_id, "replace_existing": True, "max_instances": 1, "coalesce": True,
                    "next_run_time": utc_now() + dt.timedelta(seconds=first)},
    )

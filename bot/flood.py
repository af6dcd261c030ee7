"""Flood control: one user sending commands or pressing buttons faster than a person does
cannot take the bot's threads from everyone else.

Each user has a bucket of ``[chats] commands_burst`` updates, refilled at
``[chats] commands_per_minute``. An update past it is dropped before any handler runs:
the first one in a row is answered ("you are sending commands too fast"), the rest
silently, so a flood costs the bot almost nothing. Updates without a user (channel posts)
are not counted.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from newsbrief.bot.i18n import _
from newsbrief.bot.sending import reply
from newsbrief.bot.services import NewsContext, services

__all__ = ["check_flood"]


async def check_flood(update: Update, context: NewsContext) -> None:
    """Runs before the handlers: drops an update of a user over their rate (see above)."""
    user = update.effective_user
    if user is None:
        return
    allowed, tell = services(context).flood.take(user.id)
    if allowed:
        return
    if tell:
        text = _("You are sending commands too fast. Wait a few seconds, then try again.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await reply(update, context, text)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # a button must be answered, or it spins
    raise ApplicationHandlerStop

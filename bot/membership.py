"""The bot's own membership changes (my_chat_member updates): demoted or removed in a
connected channel, its digest stops at once and the person who connected it is told."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from newsbrief.bot.channels import ADMIN, channel_lost
from newsbrief.bot.digests import unschedule_digest
from newsbrief.bot.services import NewsContext, services

__all__ = ["bot_membership"]


async def bot_membership(update: Update, context: NewsContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.CHANNEL or change.new_chat_member.status in ADMIN:
        return
    prefs = services(context).chats.get(change.chat.id)
    if prefs is None or not prefs.subscribed:
        return
    unschedule_digest(context.application, prefs.chat_id)
    await channel_lost(context.application, prefs)

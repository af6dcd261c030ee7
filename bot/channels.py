"""Channels managed from a private chat: ``/connect @channel`` checks with getChatMember
that the user administers the channel and that the bot is an administrator there; from
then on the private chat's commands (/subscribe, /settings, /add, /filter ...) act on the
channel, each change checked again; ``/disconnect`` returns to the private chat itself.
When the bot loses its rights, the channel's digest stops and the person who connected it
is told."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from newsbrief.bot.chats import ChatPrefs
from newsbrief.bot.i18n import _, speaking
from newsbrief.bot.render import esc
from newsbrief.bot.sending import reply, send
from newsbrief.bot.services import NewsContext, services

__all__ = [
    "connect",
    "disconnect",
    "check_managed_channel",
    "rights_problem",
    "bot_may_post",
    "channel_lost",
    "ADMIN",
    "RIGHTS_CHECKED",
]

RIGHTS_CHECKED = "channel_rights_checked"  # chat_data key: (update id, channel) whose rights passed

log = logging.getLogger(__name__)

ADMIN = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


_ALWAYS = ("/connect", "/disconnect", "/start", "/help")  # what a user without the rights may still send


async def check_managed_channel(update: Update, context: NewsContext) -> None:
    """Runs before every command and button of a private chat that manages a channel:
    reading the channel's settings, sources or news needs the same current rights as
    changing them. A user who no longer administers it (or whose channel lost the bot) is
    told why, and the update goes no further (``/connect``, ``/disconnect``, ``/start``
    and ``/help`` still do)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return
    mine = services(context).chats.get(chat.id)
    if mine is None or not mine.manages:
        return
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0].split("@")[0].lower() if message and message.text else ""
    if update.callback_query is None and command in _ALWAYS:
        return
    problem = await rights_problem(context.bot, mine.manages, user.id)
    if not problem:
        if context.chat_data is not None:  # may_change_settings need not ask Telegram again for this update
            context.chat_data[RIGHTS_CHECKED] = (update.update_id, mine.manages)
        return
    if update.callback_query is not None:
        await update.callback_query.answer(problem[:200], show_alert=True)
    else:
        await reply(update, context, esc(problem))
    raise ApplicationHandlerStop


async def rights_problem(bot: object, channel_id: int, user_id: int) -> str:
    """'' if the user administers the channel and the bot is an administrator there, else
    what is wrong, in a sentence."""
    try:
        user = await bot.get_chat_member(channel_id, user_id)  # type: ignore[attr-defined]
        me = await bot.get_chat_member(channel_id, bot.id)  # type: ignore[attr-defined]
    except TelegramError as exc:
        log.info("rights check in channel %s failed: %s", channel_id, exc)
        return _("I cannot see that channel. Add me to it as an administrator first.")
    if user.status not in ADMIN:
        return _("You are not an administrator of that channel.")
    if me.status not in ADMIN:
        return _("I am not an administrator of that channel. Make me one (with the right to post), then try again.")
    return ""


async def bot_may_post(bot: object, channel_id: int) -> bool:
    try:
        me = await bot.get_chat_member(channel_id, bot.id)  # type: ignore[attr-defined]
    except TelegramError:
        return False
    return me.status in ADMIN


async def connect(update: Update, context: NewsContext) -> None:
    svc = services(context)
    chat = update.effective_chat
    if chat.type != ChatType.PRIVATE:
        await reply(update, context, _("Send /connect @channel to me in a private chat."))
        return
    args = list(context.args or ())
    if len(args) != 1 or not (args[0].startswith("@") or args[0].lstrip("-").isdigit()):
        await reply(
            update,
            context,
            _("Usage: /connect @channel — the channel's name; you and I must both be its administrators."),
        )
        return
    try:
        target = await context.bot.get_chat(args[0] if args[0].startswith("@") else int(args[0]))
    except TelegramError:
        await reply(update, context, _("I cannot find that channel. Add me to it as an administrator first."))
        return
    if target.type != ChatType.CHANNEL:
        await reply(update, context, _("That is not a channel. In a group, send the commands in the group itself."))
        return
    problem = await rights_problem(context.bot, target.id, update.effective_user.id)
    if problem:
        await reply(update, context, problem)
        return
    user_id = update.effective_user.id

    def connected(channel: ChatPrefs) -> ChatPrefs:
        return dataclasses.replace(
            channel, chat_type="channel", title=target.title or channel.title, connected_by=user_id
        )

    def managing(mine: ChatPrefs) -> ChatPrefs:
        return dataclasses.replace(mine, manages=target.id)

    channel = svc.chats.get_or_default(target.id, chat_type="channel", title=target.title or "")
    mine = svc.chats.get_or_default(chat.id, chat_type=chat.type)
    await asyncio.to_thread(svc.chats.update_many, [(channel, connected), (mine, managing)])  # one write
    await reply(
        update,
        context,
        _(
            "Connected <b>{channel}</b>. The commands you send here now manage that channel: /subscribe sets its "
            "daily digest, /add and /filter choose its news, /settings shows it. /disconnect to manage this chat again."
        ).format(channel=esc(target.title or args[0])),
    )


async def disconnect(update: Update, context: NewsContext) -> None:
    svc = services(context)
    chat = update.effective_chat
    mine = svc.chats.get(chat.id)
    if mine is None or not mine.manages:
        await reply(update, context, _("This chat manages no channel. /connect @channel connects one."))
        return
    await asyncio.to_thread(svc.chats.update, mine, lambda p: dataclasses.replace(p, manages=0))
    channel = svc.chats.get(mine.manages)
    name = channel.title if channel else _("the channel")
    await reply(
        update,
        context,
        _("Your commands manage this chat again. {channel} keeps its settings.").format(channel=esc(name)),
    )


async def channel_lost(app: Application, prefs: ChatPrefs) -> None:
    """The bot lost its rights in a channel: its subscription ends (the caller removes the
    scheduled job), and whoever connected it is told."""
    svc = services(app)
    await asyncio.to_thread(svc.chats.update, prefs, lambda p: dataclasses.replace(p, subscribed=False))
    if prefs.connected_by:
        own = svc.chats.get(prefs.connected_by)
        try:
            with speaking((own.language if own else "") or svc.bot.language):
                text = _(
                    "I am no longer an administrator of <b>{channel}</b>, so its daily digest has stopped. "
                    "Make me an administrator again, then /connect it and /subscribe."
                ).format(channel=esc(prefs.title or _("your channel")))
            await send(
                app,
                prefs.connected_by,
                text,
            )
        except TelegramError as exc:
            log.info("could not tell user %s about channel %s: %s", prefs.connected_by, prefs.chat_id, exc)

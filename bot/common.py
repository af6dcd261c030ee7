"""What every command and button module shares: answering in the chat (and the forum
topic) an update came from (:func:`bot.sending.reply`), the preferences an update acts
on, and who may change them."""

from __future__ import annotations

import dataclasses
import logging

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from newsbrief.bot.channels import RIGHTS_CHECKED, rights_problem
from newsbrief.bot.chats import ChatPrefs, chat_language, topic_key
from newsbrief.bot.i18n import N_, _, notice_user_language, use, user_language
from newsbrief.bot.sending import reply, thread_of
from newsbrief.bot.services import NewsContext, services

__all__ = [
    "reply",
    "prefs_for",
    "may_change_settings",
    "refuse",
    "button_prefs",
    "asker",
    "speak_the_chats_language",
    "choose_language",
    "NOT_ADMIN",
]

log = logging.getLogger(__name__)

NOT_ADMIN = N_("Only group administrators can change this group's digest.")


def _chat_of(update: Update) -> Chat:
    """The chat of a command, or of the message a button is on."""
    query = update.callback_query
    if query is not None and query.message is not None:
        return query.message.chat
    if update.effective_chat is None:
        raise ValueError("an update without a chat has no preferences")
    return update.effective_chat


def asker(update: Update) -> tuple[int, int | None]:
    """Who asks for work on an update's behalf: (chat id, user id or None), the keys of
    the per-chat and per-user limits."""
    query = update.callback_query
    user = query.from_user if query is not None else update.effective_user
    return _chat_of(update).id, (user.id if user is not None else None)


async def speak_the_chats_language(update: Update, context: NewsContext) -> None:
    """Runs first for every update: what the handlers say is in the chat's language (a
    private chat managing a channel is answered in its own)."""
    choose_language(update, context)


def choose_language(update: Update, context: NewsContext) -> None:
    """Speak the language of the chat of ``update`` from here on (again after a change of it)."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    if chat.type != ChatType.PRIVATE:
        use(chat_language(prefs_for(update, context), svc.bot.language))
        return
    prefs = svc.chats.get_or_default(chat.id, chat_type=chat.type)
    user = update.effective_user
    notice_user_language(user.language_code if user is not None else None)  # kept by the chat's next change
    seen = user_language()
    use(chat_language(dataclasses.replace(prefs, user_language=seen or prefs.user_language), svc.bot.language))


def prefs_for(update: Update, context: NewsContext) -> ChatPrefs:
    """The preferences of the chat an update's commands act on (its defaults if it has
    none): the chat itself, or the channel a private chat manages (/connect)."""
    chat = _chat_of(update)
    query = update.callback_query
    message = query.message if query is not None and query.message is not None else update.effective_message
    book = services(context).chats
    thread = thread_of(message)
    if thread:  # a forum topic has settings of its own
        key = topic_key(chat.id, thread)
        return book.get_or_default(key, chat_type=chat.type, title=chat.title or "", thread_id=thread, chat_ref=chat.id)
    own = book.get_or_default(chat.id, chat_type=chat.type, title=chat.title or "")
    if chat.type == ChatType.PRIVATE and own.manages:
        channel = book.get(own.manages)
        if channel is not None:
            return channel
    return own


async def may_change_settings(update: Update, context: NewsContext) -> bool:
    """In groups, only administrators may change the chat's digest (if so configured); a
    channel managed from a private chat only while the user and the bot administer it
    (checked with getChatMember at every change)."""
    chat = _chat_of(update)
    query = update.callback_query
    # rights come from the person: the presser of a button (its message is the bot's own
    # post, whose sender_chat in a channel is the channel itself), else the sender
    user = query.from_user if query is not None else update.effective_user
    target = prefs_for(update, context)
    if target.chat_type == ChatType.CHANNEL and target.chat_id != chat.id:
        if user is None:
            return False
        data = context.chat_data if context.chat_data is not None else {}
        if data.get(RIGHTS_CHECKED) == (update.update_id, target.chat_id):
            return True  # checked with Telegram before this update's handler ran
        problem = await rights_problem(context.bot, target.chat_id, user.id)
        if problem and context.chat_data is not None:
            context.chat_data["rights_problem"] = problem
        return not problem
    if chat.type == ChatType.PRIVATE:
        return True
    if chat.type != ChatType.CHANNEL and not services(context).telegram.admins_only_in_groups:
        return True  # a channel's subscribers never change it, whatever the setting for groups
    message = update.effective_message if query is None else None
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # sent as the chat itself: an anonymous administrator, or a channel's own post
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.info("could not check admin status in chat %s: %s", chat.id, exc)
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def refuse(update: Update, context: NewsContext) -> None:
    """Tell the user why they may not change this chat (or the channel they manage)."""
    data = context.chat_data if context.chat_data is not None else {}
    await reply(update, context, data.pop("rights_problem", None) or _(NOT_ADMIN))


async def button_prefs(update: Update, context: NewsContext) -> ChatPrefs | None:
    """For a button that changes a chat's choices: the preferences it acts on, or None
    (and the button answered) when the button is stale or the user may not change them."""
    query = update.callback_query
    if query is None:
        return None
    if query.message is None:
        await query.answer(_("This button has expired."))
        return None
    if not await may_change_settings(update, context):
        await query.answer(_(NOT_ADMIN), show_alert=True)
        return None
    return prefs_for(update, context)

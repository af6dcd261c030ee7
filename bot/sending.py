"""The one way the bot sends a message: replies, button answers, digests and alerts.

* Every request goes through the priority rate limiter (:mod:`bot.ratelimit`): replies
  to people (``INTERACTIVE``) before digests and alerts (``BULK``); a ``RetryAfter`` is
  waited out there.
* Network errors (``TimedOut`` is one) and a ``RetryAfter`` that outlasted the limiter's
  retries are tried again with backoff (:class:`bot.services.Backoff`).
* A chat's forum topic gets the message in its thread (``message_thread_id``).
* ``Forbidden`` (the chat blocked or removed the bot): the chat's daily digest stops.
* ``ChatMigrated`` (a group became a supergroup): the chat's preferences, delivery
  history and digest job move to the new id, and what was not sent yet goes there.

Other Telegram errors are the caller's: it knows whether to try again later.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application

from newsbrief.bot.chats import ChatPrefs
from newsbrief.bot.jobs import move_digest, unschedule_digest
from newsbrief.bot.ratelimit import BULK, INTERACTIVE
from newsbrief.bot.render import Reply, esc, split_long
from newsbrief.bot.services import NewsContext, services

__all__ = [
    "send",
    "reply",
    "send_reply",
    "Sent",
    "SENT",
    "BLOCKED",
    "MOVED",
    "thread_of",
    "stop_digest",
    "move_chat",
    "INTERACTIVE",
    "BULK",
]

log = logging.getLogger(__name__)

SENT = "sent"
BLOCKED = "blocked"  # Forbidden: the chat's digest stopped
MOVED = "moved"  # ChatMigrated: the chat is at a new id now

BeforeSend = Callable[[], Awaitable[None] | None]


@dataclass(frozen=True)
class Sent:
    """How a send ended: ``status`` (SENT, BLOCKED or MOVED), the chat the messages went
    to (the new id after a migration), and the moved chat's preferences if it had any."""

    status: str
    chat_id: int
    moved: ChatPrefs | None = None


def thread_of(message: MaybeInaccessibleMessage | None) -> int:
    """The forum topic a message is in (0: none), where an answer to it belongs."""
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return 0


async def send_reply(
    app: Application,
    chat_id: int,
    reply: Reply,
    *,
    before_send: BeforeSend | None = None,
    priority: int = BULK,
    **kwargs: Any,
) -> Message:
    """Send one message, retrying network errors with backoff (RetryAfter is waited out
    by the rate limiter). Forbidden and ChatMigrated are raised to the caller."""
    backoff = services(app).backoff
    rate_args: dict[str, Any] = {"max_retries": 5, "priority": priority}
    if before_send is not None:
        rate_args["before_send"] = before_send
    attempt = 0
    while True:
        try:
            return await app.bot.send_message(
                chat_id, reply.text, reply_markup=reply.keyboard, rate_limit_args=rate_args, **kwargs
            )
        except (Forbidden, ChatMigrated):
            raise
        except BadRequest as exc:  # this message, not the network: sending it again fails again
            simpler = simpler_reply(reply)
            if simpler is None:
                raise
            log.warning("Telegram refused a message to chat %s (%s); sending a simpler one", chat_id, exc.message)
            reply = simpler
        except (NetworkError, RetryAfter) as exc:  # TimedOut is a NetworkError
            attempt += 1
            if attempt == backoff.tries:
                raise
            wait = min(backoff.cap, backoff.base * 2 ** (attempt - 1))
            log.info("sending to chat %s failed (%s); retrying in %.1fs", chat_id, exc, wait)
            await asyncio.sleep(wait)


def simpler_reply(reply: Reply) -> Reply | None:
    """What to send when Telegram refused ``reply`` (a link it does not take, markup it
    cannot parse): first without its link buttons, then without any buttons, then as
    plain text; None when it is plain already."""
    if reply.keyboard is not None:
        rows = [[b for b in row if b.url is None] for row in reply.keyboard.inline_keyboard]
        rows = [row for row in rows if row]
        if sum(map(len, rows)) < sum(map(len, reply.keyboard.inline_keyboard)):
            return Reply(reply.text, InlineKeyboardMarkup(rows) if rows else None)
        return Reply(reply.text)
    plain = esc(html.unescape(re.sub(r"<[^>]*>", "", reply.text)))
    return Reply(plain) if plain != reply.text else None


async def send(
    app: Application,
    to: ChatPrefs | int,
    replies: Reply | str | Sequence[Reply],
    *,
    thread_id: int = 0,
    priority: int = INTERACTIVE,
    before_send: BeforeSend | None = None,
    follow: bool = True,
) -> Sent:
    """Send ``replies`` in order to a chat: its preferences (a forum topic's go to its
    thread), or a chat id and ``thread_id``. Handles a blocked chat and a migrated one
    (see the module docstring); with ``follow`` the messages not yet sent then go to the
    migrated chat's new id (a digest is composed again for it instead)."""
    listed: Sequence[Reply | str] = [replies] if isinstance(replies, (Reply, str)) else replies
    # whatever built it, no message goes out over Telegram's limit: a long one is split
    pending = [part for r in listed for part in split_long(Reply(r) if isinstance(r, str) else r)]
    if isinstance(to, ChatPrefs):
        chat_id, where = to.send_to
        record: ChatPrefs | int = to
    else:
        chat_id, where, record = to, ({"message_thread_id": thread_id} if thread_id else {}), to
    try:
        while pending:
            await send_reply(app, chat_id, pending[0], before_send=before_send, priority=priority, **where)
            pending.pop(0)
    except Forbidden as exc:
        log.info("chat %s blocked or removed the bot (%s); unsubscribing it", _key(record), exc.message)
        await stop_digest(app, record)
        return Sent(BLOCKED, chat_id)
    except ChatMigrated as exc:
        new_id = exc.new_chat_id
        log.info("chat %s became supergroup %s; moving its subscription", _key(record), new_id)
        moved = await move_chat(app, _key(record), new_id)
        if follow and pending:
            for reply in pending:
                await send_reply(app, new_id, reply, priority=priority)
        return Sent(MOVED, new_id, moved)
    return Sent(SENT, chat_id)


async def reply(update: Update, context: NewsContext, message: Reply | str) -> None:
    """Answer an update in its chat, in the forum topic it came from (a button's answer
    too: the topic of the message the button is on)."""
    where = update.effective_message
    if where is None:
        log.debug("nothing to answer in: the update has no message")
        return
    await send(context.application, where.chat.id, message, thread_id=thread_of(where), priority=INTERACTIVE)


def _key(record: ChatPrefs | int) -> int:
    return record.chat_id if isinstance(record, ChatPrefs) else record


async def stop_digest(app: Application, chat: ChatPrefs | int) -> None:
    """The chat blocked or removed the bot: it is unsubscribed and its digest jobs go."""
    svc = services(app)
    prefs = chat if isinstance(chat, ChatPrefs) else svc.chats.get(chat)
    if prefs is not None and prefs.subscribed:
        await asyncio.to_thread(svc.chats.update, prefs, _unsubscribed)
    unschedule_digest(app, _key(chat))


def _unsubscribed(prefs: ChatPrefs) -> ChatPrefs:
    return dataclasses.replace(prefs, subscribed=False)


async def move_chat(app: Application, old_id: int, new_id: int) -> ChatPrefs | None:
    """A group became a supergroup: its preferences, delivery history and digest job move
    to the new id. Returns the moved preferences (None if the chat had none)."""
    svc = services(app)
    moved = await asyncio.to_thread(svc.chats.migrate, old_id, new_id)
    await asyncio.to_thread(svc.deliveries.move_chat, old_id, new_id)
    move_digest(app, old_id, moved)
    return moved

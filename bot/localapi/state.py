"""What the local Bot API server knows: chats, users, messages, queued updates, what the bot sent.

``BotState`` is thread-safe (one re-entrant lock; a condition is notified after every
change) and holds no networking: the Bot API methods change it, the user side
(``send_text``, ``press_button``, ...) feeds it, tests read it (``sent``, ``requests``,
``wait_for_sent``, ...).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from newsbrief.bot.localapi.errors import APIError, bad
from newsbrief.bot.localapi.members import member_object
from newsbrief.bot.localapi.rules import utf16_len

__all__ = ["BotState", "RequestRecord", "DEFAULT_GROUP_USER_ID", "MEMBER_STATUSES", "CHAT_TYPES"]

log = logging.getLogger(__name__)

DEFAULT_GROUP_USER_ID = 1001
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHAT_TYPES = ("private", "group", "supergroup", "channel")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

Listener = Callable[[str, dict], None]


class RequestRecord(NamedTuple):
    """One Bot API call: method name as sent, normalised parameters, HTTP status
    (0 = dropped by a fault, 499 = getUpdates abandoned by its client)."""

    method: str
    params: dict
    status: int


class BotState:
    """The in-memory world of one bot (see the module docstring)."""

    def __init__(
        self,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        *,
        keep_history: bool = True,
        strict_html_entities: bool = True,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        # a "&" that starts no entity is refused (Telegram keeps it; it almost always means unescaped text)
        self.strict_html_entities = strict_html_entities
        # False for load tests: sent messages and requests are announced to listeners and
        # counted in status_counts, but not kept (so the server's memory stays flat)
        self.keep_history = keep_history
        self.status_counts: collections.Counter[tuple[str, int]] = collections.Counter()
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.chats: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        self.members: dict[tuple[int, int], str] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.sent_records: list[dict] = []
        self.sent_index: dict[tuple[int, int], dict] = {}
        self.updates: collections.deque[dict] = collections.deque()
        self.allowed_updates: list[str] | None = None
        self.webhook_info: dict | None = None
        self.command_sets: dict[tuple[str, str], list[dict]] = {}
        self.queries: dict[str, dict] = {}
        self.answers: list[dict] = []
        self.request_log: list[RequestRecord] = []
        self.migrated: dict[int, int] = {}
        self.files: dict[str, bytes] = {}  # file id -> content (bot/localapi/files.py)
        self._next_message_id: dict[int, int] = {}
        self._next_update_id = 1
        self._next_query_id = 1
        self._listeners: list[Listener] = []
        # set by the transport: wakes waiting getUpdates calls, from any thread
        self.wake_pollers: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------ user side
    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> dict:
        """Make a chat known to the server (``send_text`` does this implicitly)."""
        with self.lock:
            return dict(self.ensure_chat(chat_id, chat_type, title, first_name, username))

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        reply_to_message_id: int | None = None,
        entities: list[dict] | None = None,
        message_thread_id: int | None = None,
    ) -> dict:
        """A user writes ``text`` in ``chat_id``; queues the Update and returns the Message.

        ``chat_type`` defaults to the known chat's type, else "private" for positive
        and "group" for negative ids. In private chats the sender is the chat's user;
        in groups it defaults to user 1001. ``first_name`` defaults to "Ada".
        Text starting with "/" (and any whitespace-preceded "/cmd") gets a
        ``bot_command`` entity, as Telegram does.
        """
        if not isinstance(text, str) or not text.strip():
            raise ValueError("message text is empty")
        with self.lock:
            chat = self.ensure_chat(chat_id, chat_type, chat_title, first_name, username)
            if chat["type"] == "private":
                if user_id is not None and user_id != chat_id:
                    raise ValueError("in a private chat the sender is the chat's user (user_id == chat_id)")
                user_id = chat_id
            elif user_id is None:
                user_id = DEFAULT_GROUP_USER_ID
            user = self.ensure_user(user_id, first_name, username)
            message: dict[str, Any] = {
                "message_id": self.take_message_id(chat_id),
                "from": dict(user),
                "chat": dict(chat),
                "date": int(time.time()),
                "text": text,
            }
            if entities is None:
                entities = [
                    {"offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0)), "type": "bot_command"}
                    for m in _COMMAND_RE.finditer(text)
                ]
            if entities:
                message["entities"] = copy.deepcopy(entities)
            if message_thread_id is not None:  # a message in a forum topic
                if chat["type"] != "supergroup":
                    raise ValueError("forum topics exist only in supergroups")
                chat["is_forum"] = True
                message["chat"] = dict(chat)
                message["message_thread_id"] = message_thread_id
                message["is_topic_message"] = True
            if reply_to_message_id is not None:
                replied = self.messages.get((chat_id, reply_to_message_id))
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
                message["reply_to_message"] = without_reply(replied)
            self.messages[(chat_id, message["message_id"])] = message
            self.enqueue("message", message)
            result = copy.deepcopy(message)
        self.wake_pollers()
        return result

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, check: bool = True
    ) -> str:
        """A user presses the inline button with ``callback_data == data`` on a bot message.

        Queues a ``callback_query`` Update and returns its id. With ``check`` the
        message must currently show such a button (as in a real client).
        """
        with self.lock:
            message = self.messages.get((chat_id, message_id))
            if message is None or message["from"]["id"] != self.bot_id:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            if check:
                available = [
                    b.get("callback_data")
                    for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row
                    if "callback_data" in b
                ]
                if data not in available:
                    raise ValueError(
                        f"message {message_id} has no button with callback_data {data!r}; buttons: {available}"
                    )
            chat = self.chats[chat_id]
            if user_id is None:
                user_id = chat_id if chat["type"] == "private" else DEFAULT_GROUP_USER_ID
            user = self.ensure_user(user_id, None, None)
            query_id = str(8_000_000_000_000_000 + self._next_query_id)
            self._next_query_id += 1
            query = {
                "id": query_id,
                "from": dict(user),
                "message": copy.deepcopy(message),
                "chat_instance": str((chat_id * 7_919 + 1_000_003) % 10**18),
                "data": data,
            }
            self.queries[query_id] = {"query": query, "answered": False}
            self.enqueue("callback_query", query)
        self.wake_pollers()
        return query_id

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set ``user_id``'s status in ``chat_id`` for getChatMember.

        Defaults: in a private chat its user and the bot are "member"; in groups
        unknown users are "member". Setting the bot "left"/"kicked" makes sends fail with 403.
        """
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self.lock:
            chat = self.ensure_chat(chat_id, None, None, None, None)
            old = self.members.get((chat_id, user_id), "member")
            self.members[(chat_id, user_id)] = status
            if user_id == self.bot_id and old != status and chat["type"] != "private":
                # Telegram tells the bot when its own membership changes
                by = next(
                    (u for (c, u), st in self.members.items() if c == chat_id and st == "creator"),
                    DEFAULT_GROUP_USER_ID,
                )
                self.enqueue(
                    "my_chat_member",
                    {
                        "chat": dict(chat),
                        "from": dict(self.ensure_user(by, None, None)),
                        "date": int(time.time()),
                        "old_chat_member": member_object(old, self.bot_user()),
                        "new_chat_member": member_object(status, self.bot_user()),
                    },
                )
        if user_id == self.bot_id:
            self.wake_pollers()

    # ------------------------------------------------------------------ reading
    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Messages the bot sent (oldest first), with edits applied.

        Keys: chat_id, message_id, date, text (as the bot sent it, markup included),
        plain_text (visible text after entity parsing), parse_mode, entities,
        reply_markup, link_preview_options, reply_to_message_id, edit_date, edits
        (one dict per applied edit), message (the Message object now).
        """
        with self.lock:
            records = [r for r in self.sent_records if chat_id is None or r["chat_id"] == chat_id]
            return copy.deepcopy(records)

    def wait_for_sent(self, chat_id: int | None = None, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Block until the bot sent at least ``count`` messages (to ``chat_id``); returns ``sent(chat_id)``.

        Raises TimeoutError. Do not call it from the event loop that runs the bot:
        use ``await async_wait_for_sent(...)`` there.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "wait_for_sent() would block the running event loop; use await api.async_wait_for_sent()"
            )
        deadline = time.monotonic() + timeout
        with self.changed:
            while self._count_sent(chat_id) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(chat_id, count, timeout))
                self.changed.wait(min(remaining, 0.1))
        return self.sent(chat_id)

    async def async_wait_for_sent(
        self, chat_id: int | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[dict]:
        """Like ``wait_for_sent`` but polls without blocking the running event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if self._count_sent(chat_id) >= count:
                    break
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(chat_id, count, timeout))
            await asyncio.sleep(0.01)
        return self.sent(chat_id)

    def _count_sent(self, chat_id: int | None) -> int:
        if chat_id is None:
            return len(self.sent_records)
        return sum(1 for r in self.sent_records if r["chat_id"] == chat_id)

    def _timeout_message(self, chat_id: int | None, count: int, timeout: float) -> str:
        with self.lock:
            got = self._count_sent(chat_id)
            recent = [(r.method, r.status) for r in self.request_log[-8:]]
        where = "" if chat_id is None else f" to chat {chat_id}"
        return f"bot sent {got} of {count} expected message(s){where} within {timeout}s; last requests: {recent}"

    @property
    def requests(self) -> list[RequestRecord]:
        """Every Bot API call so far: (method, params, http status); status 0 = dropped
        by an injected fault, 499 = a getUpdates whose client hung up while it waited."""
        with self.lock:
            return list(self.request_log)

    @property
    def callback_answers(self) -> list[dict]:
        """answerCallbackQuery calls: callback_query_id, text, show_alert, url, cache_time."""
        with self.lock:
            return copy.deepcopy(self.answers)

    @property
    def webhook(self) -> dict | None:
        """The webhook set by setWebhook (url, max_connections, allowed_updates, secret_token), or None."""
        with self.lock:
            return copy.deepcopy(self.webhook_info)

    def pending_updates(self) -> list[dict]:
        """Updates queued and not yet confirmed by getUpdates(offset=...)."""
        with self.lock:
            return copy.deepcopy(list(self.updates))

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands set by setMyCommands for this scope/language."""
        with self.lock:
            return copy.deepcopy(self.command_sets.get((scope_key(scope), language_code or ""), []))

    def history(self, chat_id: int) -> list[dict]:
        """All live messages of a chat (user and bot), by message_id."""
        with self.lock:
            msgs = [m for (cid, _), m in self.messages.items() if cid == chat_id]
            return copy.deepcopy(sorted(msgs, key=lambda m: m["message_id"]))

    def add_listener(self, callback: Listener) -> None:
        """``callback(event, record)`` for "sent", "edited" and "callback_answer";
        called from the server thread, must not block."""
        with self.lock:
            self._listeners.append(callback)

    def clear(self) -> None:
        """Forget sent messages, requests and callback answers.
        Chats, message history and queued updates stay."""
        with self.lock:
            self.sent_records.clear()
            self.sent_index.clear()
            self.request_log.clear()
            self.status_counts.clear()
            self.answers.clear()

    # ------------------------------------------------------------------ for the methods
    def record(self, method: str, params: dict, status: int) -> None:
        """Count (and, with ``keep_history``, keep) one answered call."""
        with self.lock:
            self.status_counts[(method.lower(), status)] += 1
            if self.keep_history:
                self.request_log.append(RequestRecord(method, params, status))

    def emit(self, events: list[tuple[str, dict]]) -> None:
        """Tell the listeners (outside the lock)."""
        if not events:
            return
        with self.lock:
            listeners = list(self._listeners)
        for event, record in events:
            for callback in listeners:
                try:
                    callback(event, copy.deepcopy(record))
                except Exception:  # pragma: no cover
                    log.exception("LocalBotAPI listener failed")

    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def ensure_user(self, user_id: int, first_name: str | None, username: str | None) -> dict:
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or "Ada", "language_code": "en"}
            self.users[user_id] = user
        elif first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username
        return user

    def set_user_language(self, user_id: int, language_code: str) -> None:
        """What a user's Telegram app is set to (the ``language_code`` of their updates)."""
        self.ensure_user(user_id, None, None)["language_code"] = language_code

    def ensure_chat(
        self, chat_id: int, chat_type: str | None, title: str | None, first_name: str | None, username: str | None
    ) -> dict:
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise TypeError("chat_id must be an int")
        if chat_type is not None and chat_type not in CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {CHAT_TYPES}")
        chat = self.chats.get(chat_id)
        if chat is None:
            ctype = chat_type or ("private" if chat_id > 0 else "group")
            if ctype == "private":
                user = self.ensure_user(chat_id, first_name, username)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                if user.get("username"):
                    chat["username"] = user["username"]
            else:
                chat = {"id": chat_id, "type": ctype, "title": title or f"Group {chat_id}"}
                if username:
                    chat["username"] = username
            self.chats[chat_id] = chat
            return chat
        if chat_type is not None and chat_type != chat["type"]:
            raise ValueError(f"chat {chat_id} is a {chat['type']} chat, not {chat_type}")
        if title and chat["type"] != "private":
            chat["title"] = title
        if chat["type"] == "private" and (first_name or username):
            user = self.ensure_user(chat_id, first_name, username)
            chat["first_name"] = user["first_name"]
            if user.get("username"):
                chat["username"] = user["username"]
        return chat

    def keep_sent(self, chat_id: int, message: dict, record: dict, events: list) -> dict:
        """Note a message the bot sent (in the history when it is kept) and its event."""
        if self.keep_history:
            self.messages[(chat_id, message["message_id"])] = message
            self.sent_records.append(record)
            self.sent_index[(chat_id, message["message_id"])] = record
        events.append(("sent", record))
        return message

    def take_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def enqueue(self, kind: str, payload: dict) -> None:
        """Queue an Update of ``kind`` unless the poller asked for other kinds only."""
        allowed = self.allowed_updates
        if allowed is None:
            if kind in _DEFAULT_EXCLUDED_UPDATES:
                return
        elif kind not in allowed:
            return
        self.updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._next_update_id += 1

    def chat_id_param(self, params: dict, name: str = "chat_id") -> int:
        """The chat id a request names (an int or "@username"), or the 400 Telegram answers."""
        value = params.get(name)
        if value is None or value == "":
            raise bad(f"{name} is empty")
        if isinstance(value, str):
            if value.startswith("@"):
                for chat in self.chats.values():
                    if chat.get("username", "").lower() == value[1:].lower() and chat["type"] != "private":
                        return chat["id"]
                raise bad("chat not found")
            try:
                value = int(value)
            except ValueError:
                raise bad("chat not found") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("chat not found")
        return value

    def resolve_chat(self, params: dict) -> dict:
        chat_id = self.chat_id_param(params)
        if chat_id in self.migrated:
            raise bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self.migrated[chat_id]})
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad("chat not found")
        return chat

    def check_can_send(self, chat: dict) -> None:
        status = self.members.get((chat["id"], self.bot_id))
        if chat["type"] == "private":
            if status == "kicked":
                raise APIError(403, "Forbidden: bot was blocked by the user")
        elif status == "kicked":
            kind = "supergroup " if chat["type"] == "supergroup" else "group "
            raise APIError(403, f"Forbidden: bot was kicked from the {kind}chat")
        elif status == "left":
            raise APIError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        elif chat["type"] == "channel" and status not in ("creator", "administrator"):
            raise bad("need administrator rights in the channel chat")  # only administrators post in channels

    def migrate(self, old: int, new: int) -> None:
        """Upgrade group ``old`` to supergroup ``new``, with the two service messages Telegram sends."""
        chat = self.chats[old]
        self.migrated[old] = new
        self.chats[new] = {"id": new, "type": "supergroup", "title": chat.get("title") or f"Group {new}"}
        for (cid, uid), status in list(self.members.items()):
            if cid == old:
                self.members[(new, uid)] = status
        user = self.ensure_user(DEFAULT_GROUP_USER_ID, None, None)
        now = int(time.time())
        old_msg = {
            "message_id": self.take_message_id(old),
            "from": user,
            "chat": dict(chat),
            "date": now,
            "migrate_to_chat_id": new,
        }
        new_msg = {
            "message_id": self.take_message_id(new),
            "from": user,
            "chat": dict(self.chats[new]),
            "date": now,
            "migrate_from_chat_id": old,
        }
        self.enqueue("message", old_msg)
        self.enqueue("message", new_msg)


def without_reply(message: dict) -> dict:
    """A copy of ``message`` to embed as ``reply_to_message`` (Telegram does not nest them)."""
    out = copy.deepcopy(message)
    out.pop("reply_to_message", None)
    return out


def scope_key(scope: Any) -> str:
    """A BotCommandScope as a dict key."""
    if scope in (None, ""):
        scope = {"type": "default"}
    if isinstance(scope, str):
        try:
            scope = json.loads(scope)
        except ValueError:
            raise bad("can't parse BotCommandScope JSON object") from None
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad("can't parse BotCommandScope JSON object")
    scope = dict(scope)
    for key in ("chat_id", "user_id"):
        if key in scope:
            try:
                scope[key] = int(scope[key])
            except (TypeError, ValueError):
                pass
    return json.dumps(scope, sort_keys=True)

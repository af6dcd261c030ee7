"""The Bot API methods the newsbrief bot calls, and the dispatch of one call to them.

python-telegram-bot calls getMe (initialize), deleteWebhook and getUpdates (polling),
setWebhook (webhook mode) and setMyCommands (start-up); the bot's handlers and digests
call sendMessage, editMessageText, answerCallbackQuery and getChatMember. Other
methods answer 404, as an unknown method does on Telegram.

Each synchronous method runs with the state's lock held and returns the "result";
getUpdates is a coroutine (a long poll) that runs on the server's event loop.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from newsbrief.bot.localapi.errors import APIError, bad
from newsbrief.bot.localapi.faults import FaultPlan, fault_error
from newsbrief.bot.localapi.files import get_file, send_document
from newsbrief.bot.localapi.members import member_object
from newsbrief.bot.localapi.rules import check_markup, check_text
from newsbrief.bot.localapi.state import BotState, scope_key, without_reply

__all__ = ["DROP", "GONE", "METHODS", "Poller", "Reply", "TOKEN_RE", "dispatch", "normalise"]

TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

# Parameter types, used to normalise form/query values (which are all strings; PTB
# JSON-encodes every non-string value).
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
    }
)


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


DROP = _Sentinel("DROP")  # close the connection without answering
GONE = _Sentinel("GONE")  # the client went away while its getUpdates was waiting
Reply = tuple[int, dict] | _Sentinel


def normalise(name: str, value: Any) -> Any:
    """Turn a form value (a string; PTB JSON-encodes non-strings) into a typed value."""
    if not isinstance(value, str):
        return value
    if name in _INT_PARAMS:
        try:
            return int(value.strip())
        except ValueError:
            return value
    if name in _BOOL_PARAMS:
        low = value.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0", ""):
            return False
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --------------------------------------------------------------------------- methods
def get_me(s: BotState, p: dict, ev: list) -> dict:
    return {
        **s.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def set_webhook(s: BotState, p: dict, ev: list) -> bool:
    url = p.get("url") or ""
    if not url:
        s.webhook_info = None
        return True
    if not isinstance(url, str) or not url.lower().startswith("https://"):
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    s.webhook_info = {
        "url": url,
        "max_connections": p.get("max_connections") or 40,
        "allowed_updates": p.get("allowed_updates"),
        "secret_token": p.get("secret_token"),
    }
    if isinstance(p.get("allowed_updates"), list):
        s.allowed_updates = p["allowed_updates"] or None
    if p.get("drop_pending_updates"):
        s.updates.clear()
    return True


def delete_webhook(s: BotState, p: dict, ev: list) -> bool:
    s.webhook_info = None
    if p.get("drop_pending_updates"):
        s.updates.clear()
    return True


def set_my_commands(s: BotState, p: dict, ev: list) -> bool:
    commands = p.get("commands")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad("too many commands specified")
    clean = []
    for cmd in commands:
        if not isinstance(cmd, dict):
            raise bad("can't parse BotCommand")
        name, desc = cmd.get("command"), cmd.get("description")
        if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
            raise bad("BOT_COMMAND_INVALID")
        if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
            raise bad(
                "command description must be non-empty"
                if not (desc or "").strip()
                else "BOT_COMMAND_DESCRIPTION_INVALID"
            )
        clean.append({"command": name, "description": desc})
    s.command_sets[(scope_key(p.get("scope")), p.get("language_code") or "")] = clean
    return True


def _link_preview(p: dict) -> dict | None:
    lpo = p.get("link_preview_options")
    if lpo is not None and not isinstance(lpo, dict):
        raise bad("can't parse link preview options JSON object")
    if p.get("disable_web_page_preview"):
        if lpo is not None:
            raise bad("can't use disable_web_page_preview together with link_preview_options")
        lpo = {"is_disabled": True}
    return lpo


def send_message(s: BotState, p: dict, ev: list) -> dict:
    chat = s.resolve_chat(p)
    plain, entities = check_text(
        p.get("text"), p.get("parse_mode") or None, p.get("entities"), strict_entities=s.strict_html_entities
    )
    markup = check_markup(p.get("reply_markup"))
    lpo = _link_preview(p)
    s.check_can_send(chat)
    reply_to = _reply_target(s, chat, p)
    chat_id = chat["id"]
    message: dict[str, Any] = {
        "message_id": s.take_message_id(chat_id),
        "from": s.bot_user(),
        "chat": dict(chat),
        "date": int(time.time()),
        "text": plain,
    }
    if chat.get("type") == "channel":
        message["sender_chat"] = dict(chat)  # as Telegram does: a channel post is sent by the channel
    if entities:
        message["entities"] = entities
    if lpo:
        message["link_preview_options"] = lpo
    if markup and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    if reply_to is not None:
        message["reply_to_message"] = without_reply(reply_to)
    thread = p.get("message_thread_id")
    if thread not in (None, ""):
        if not isinstance(thread, int) or not chat.get("is_forum"):
            raise bad("message thread not found")
        message["message_thread_id"] = thread
        message["is_topic_message"] = True
    record = {
        "chat_id": chat_id,
        "message_id": message["message_id"],
        "date": message["date"],
        "text": p["text"],
        "plain_text": plain,
        "parse_mode": p.get("parse_mode") or None,
        "entities": entities,
        "reply_markup": markup,
        "link_preview_options": lpo,
        "reply_to_message_id": reply_to["message_id"] if reply_to else None,
        "message_thread_id": message.get("message_thread_id"),
        "edit_date": None,
        "edits": [],
        "message": copy.deepcopy(message) if s.keep_history else message,
    }
    return s.keep_sent(chat_id, message, record, ev)


def _to_int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise bad("invalid integer parameter")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"invalid integer parameter {value!r}") from None


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _reply_target(s: BotState, chat: dict, p: dict) -> dict | None:
    params = p.get("reply_parameters")
    if isinstance(params, str):
        raise bad("can't parse reply parameters JSON object")
    if params is None and p.get("reply_to_message_id") not in (None, "", 0):
        params = {
            "message_id": p["reply_to_message_id"],
            "allow_sending_without_reply": p.get("allow_sending_without_reply", False),
        }
    if params is None:
        return None
    if not isinstance(params, dict) or "message_id" not in params:
        raise bad("can't parse reply parameters JSON object")
    target_chat = chat["id"]
    if params.get("chat_id") not in (None, ""):
        target_chat = s.chat_id_param(params)
    target = s.messages.get((target_chat, _to_int(params["message_id"])))
    if target is None:
        if _to_bool(params.get("allow_sending_without_reply")):
            return None
        raise bad("message to be replied not found")
    return target


def edit_message_text(s: BotState, p: dict, ev: list) -> dict:
    chat = s.resolve_chat(p)
    if p.get("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")
    mid = p.get("message_id")
    if mid is None or mid == "":
        raise bad("message identifier is not specified")
    message = s.messages.get((chat["id"], mid)) if isinstance(mid, int) else None
    if message is None:
        raise bad("message to edit not found")
    if message["from"]["id"] != s.bot_id:
        raise bad("message can't be edited")
    plain, entities = check_text(
        p.get("text"), p.get("parse_mode") or None, p.get("entities"), strict_entities=s.strict_html_entities
    )
    markup = check_markup(p.get("reply_markup"))
    inline = markup if markup and "inline_keyboard" in markup else None
    if plain == message["text"] and entities == message.get("entities", []) and inline == message.get("reply_markup"):
        raise bad(_NOT_MODIFIED)
    message["text"] = plain
    _set_or_drop(message, "entities", entities)
    _set_or_drop(message, "reply_markup", inline)  # no reply_markup = keyboard removed, like Telegram
    lpo = p.get("link_preview_options")
    if isinstance(lpo, dict):
        message["link_preview_options"] = lpo
    message["edit_date"] = int(time.time())
    record = s.sent_index.get((chat["id"], message["message_id"]))
    if record is not None:
        changes = {
            "text": p["text"],
            "plain_text": plain,
            "parse_mode": p.get("parse_mode") or None,
            "entities": entities,
            "reply_markup": inline,
        }
        record.update(changes)
        record["edit_date"] = message["edit_date"]
        record["edits"].append({**copy.deepcopy(changes), "date": message["edit_date"]})
        record["message"] = copy.deepcopy(message)
        ev.append(("edited", record))
    return message


def _set_or_drop(d: dict, key: str, value: Any) -> None:
    if value:
        d[key] = value
    else:
        d.pop(key, None)


def answer_callback_query(s: BotState, p: dict, ev: list) -> bool:
    query_id = p.get("callback_query_id")
    if query_id in (None, ""):
        raise bad("callback_query_id is empty")
    entry = s.queries.get(str(query_id))
    if entry is None or entry["answered"]:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    text = p.get("text")
    if text is not None and len(str(text)) > 200:
        raise bad("MESSAGE_TOO_LONG")
    entry["answered"] = True
    answer = {
        "callback_query_id": str(query_id),
        "text": text,
        "show_alert": _to_bool(p.get("show_alert")),
        "url": p.get("url"),
        "cache_time": p.get("cache_time"),
    }
    s.answers.append(answer)
    ev.append(("callback_answer", answer))
    return True


def get_chat_member(s: BotState, p: dict, ev: list) -> dict:
    chat = s.resolve_chat(p)
    user_id = p.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise bad("invalid user_id specified")
    status = s.members.get((chat["id"], user_id))
    if status is None:
        if chat["type"] == "private" and user_id not in (chat["id"], s.bot_id):
            raise bad("user not found")
        status = "member"
    user = (
        s.bot_user()
        if user_id == s.bot_id
        else dict(s.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"})
    )
    return member_object(status, user)


def get_chat(s: BotState, p: dict, ev: list) -> dict:
    """A chat by id or @username (a channel's), as getChat gives it."""
    chat = dict(s.resolve_chat(p))
    if chat["type"] == "private":
        chat.setdefault("first_name", "User")
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


METHODS: dict[str, Callable[[BotState, dict, list], Any]] = {
    "getchat": get_chat,
    "getme": get_me,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "setmycommands": set_my_commands,
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "answercallbackquery": answer_callback_query,
    "getchatmember": get_chat_member,
    "getfile": get_file,
    "senddocument": send_document,
}
KNOWN_METHODS = frozenset(METHODS) | {"getupdates"}


# --------------------------------------------------------------------------- getUpdates
class Poller:
    """Long polling: getUpdates waits on the server's event loop until an update arrives.

    ``wake`` must run on that loop; the state calls it through ``call_soon_threadsafe``.
    A newer getUpdates terminates an older one that is still waiting, like Telegram.
    """

    def __init__(self, max_timeout: float) -> None:
        self.max_timeout = max_timeout
        self.stopping = False
        self._event = asyncio.Event()
        self._current: dict | None = None

    @property
    def waiting(self) -> bool:
        """Whether a getUpdates call is being held open."""
        return self._current is not None

    def wake(self) -> None:
        old, self._event = self._event, asyncio.Event()
        old.set()

    async def get_updates(self, s: BotState, p: dict, gone: Callable[[], bool]) -> Any:
        with s.lock:
            if s.webhook_info:
                raise APIError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            offset = _to_int(p.get("offset"), 0)
            limit = min(max(_to_int(p.get("limit"), 100) or 100, 1), 100)
            timeout = min(max(_to_int(p.get("timeout"), 0), 0), self.max_timeout)
            allowed = p.get("allowed_updates")
            if isinstance(allowed, list):
                s.allowed_updates = [str(a) for a in allowed] or None
            if offset > 0:
                while s.updates and s.updates[0]["update_id"] < offset:
                    s.updates.popleft()
            elif offset < 0:
                while len(s.updates) > -offset:
                    s.updates.popleft()
        me = {"conflict": False}
        if self._current is not None:
            self._current["conflict"] = True
            self.wake()
        self._current = me
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                event = self._event
                if me["conflict"]:
                    # a client that cancelled its poll (PTB does on shutdown) is not a second
                    # bot instance: give its connection close a moment to arrive
                    await asyncio.sleep(0.05)
                    if gone():
                        return GONE
                    raise APIError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if gone():
                    return GONE
                with s.lock:
                    batch = copy.deepcopy(list(s.updates)[:limit])
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self.stopping:
                    return batch
                try:
                    await asyncio.wait_for(event.wait(), min(remaining, 0.5))
                except TimeoutError:
                    pass
        finally:
            if self._current is me:
                self._current = None


# --------------------------------------------------------------------------- dispatch
async def dispatch(
    s: BotState,
    faults: FaultPlan,
    poller: Poller,
    token: str,
    path_token: str,
    method_name: str,
    params: dict,
    gone: Callable[[], bool] = lambda: False,
) -> Reply:
    """Answer one call of ``method_name`` with the bot token ``path_token`` from the URL.

    Returns (HTTP status, JSON body), ``DROP`` (close the connection unanswered) or
    ``GONE`` (the client left while its getUpdates waited). Runs on the server's loop.
    """
    if path_token != token:
        err = APIError(401, "Unauthorized") if TOKEN_RE.fullmatch(path_token) else APIError(404, "Not Found")
        s.record(method_name, params, err.error_code)
        return err.error_code, err.payload()
    key = method_name.lower()
    if key not in KNOWN_METHODS:
        s.record(method_name, params, 404)
        return 404, APIError(404, "Not Found").payload()
    try:
        fault = faults.take(key, params)
        if fault is not None:
            kind, opts = fault
            if kind == "drop":
                s.record(method_name, params, 0)
                return DROP
            if kind == "slow":
                await asyncio.sleep(float(opts.get("delay", 1.0)))
            else:
                raise fault_error(s, kind, opts, params)
        if key == "getupdates":
            result = await poller.get_updates(s, params, gone)
            if result is GONE:
                s.record(method_name, params, 499)
                return GONE
        else:
            events: list[tuple[str, dict]] = []
            with s.changed:
                result = METHODS[key](s, params, events)
                s.changed.notify_all()
            s.emit(events)
    except APIError as exc:
        s.record(method_name, params, exc.error_code)
        return exc.error_code, exc.payload()
    s.record(method_name, params, 200)
    return 200, {"ok": True, "result": result}

"""A small, real Telegram Bot API server for local use and for tests.

``LocalBotAPI`` speaks the HTTP Bot API (``/bot<TOKEN>/<method>``, parameters as
query string, form-urlencoded, multipart or JSON; answers ``{"ok": true, ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``) for the methods the
newsbrief bot uses, so the real python-telegram-bot ``Application`` can run
against it via ``base_url``::

    with LocalBotAPI() as api:
        app = (ApplicationBuilder().token(api.token)
               .base_url(api.base_url).base_file_url(api.base_file_url).build())
        api.send_text(42, "/start")          # a user writes to the bot
        api.wait_for_sent(42)                # what the bot answered

It validates requests the way Telegram does (HTML/MarkdownV2 entity parsing,
message length in UTF-16 units after parsing, inline keyboards, "message is not
modified", unknown chats, ...) and can inject faults (429, 403, chat migration,
500, dropped connections, slow answers) to exercise the bot's error handling.

This is NOT a production server: a single process keeps everything in memory,
there is no persistence, no files/media, no webhook delivery, no privacy mode,
no rate limiting. The server runs its own asyncio event loop in a background
thread, so it can be used from synchronous code and from inside a running
event loop alike.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import http
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "APIError",
    "LocalBotAPI",
    "RequestRecord",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:local-test-token"
DEFAULT_GROUP_USER_ID = 1001
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
FAULT_KINDS = ("429", "403", "migrate", "500", "drop", "slow")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHAT_TYPES = ("private", "group", "supergroup", "channel")
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note".split()
)
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
)
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
    "can_delete_stories", "can_pin_messages",
)
_RESTRICTED_RIGHTS = (
    "can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_manage_topics", "can_send_audios",
    "can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes",
    "can_send_voice_notes",
)

# Parameter types, used to normalise form/query values (which are all strings; PTB
# JSON-encodes every non-string value).
_INT_PARAMS = frozenset({
    "chat_id", "message_id", "user_id", "offset", "limit", "timeout", "reply_to_message_id",
    "message_thread_id", "cache_time", "max_connections", "from_chat_id", "until_date",
})
_BOOL_PARAMS = frozenset({
    "disable_web_page_preview", "disable_notification", "protect_content", "show_alert",
    "drop_pending_updates", "allow_sending_without_reply", "revoke_messages", "allow_paid_broadcast",
})
_JSON_PARAMS = frozenset({
    "reply_markup", "link_preview_options", "reply_parameters", "allowed_updates", "commands",
    "scope", "entities",
})


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram counts offsets and lengths)."""
    return len(text.encode("utf-16-le")) // 2


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


class APIError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, error_code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        out: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad(description: str, parameters: dict | None = None) -> APIError:
    return APIError(400, "Bad Request: " + description, parameters)


class _EntityParseError(ValueError):
    """Raised by the entity parsers; the message is Telegram's wording."""


def _parse_error(message: str) -> APIError:
    return _bad("can't parse entities: " + message)


# --------------------------------------------------------------------------- HTML
_HTML_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "code", "pre", "blockquote", "tg-emoji",
})
_HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str | None, int]:
    """Decode the entity at ``text[pos] == '&'`` like Telegram (tdlib): returns (char, end) or (None, pos)."""
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            start = end
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None, pos
        else:
            start = end
            while end < n and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
                if value >= 0x10FFFF:
                    return None, pos
        if end == start or value == 0 or 0xD800 <= value <= 0xDFFF:
            return None, pos
        ch = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        ch = _NAMED_ENTITIES.get(text[pos + 1:end])
        if ch is None:
            return None, pos
    if end < n and text[end] == ";":
        end += 1
    return ch, end


def parse_html(text: str, *, strict_entities: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram-HTML ``text`` into (plain text, entities) like the Bot API does.

    Follows tdlib's parser (same error wording). With ``strict_entities`` (the
    default) a ``&`` that does not start ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;``
    or a numeric reference is an error; real Telegram keeps it literally, but it
    almost always means the text was not escaped. Raises ``_EntityParseError``.
    """
    out: list[str] = []
    u16 = 0
    stack: list[dict] = []
    entities: list[dict] = []
    n = len(text)
    i = 0

    def fail(msg: str) -> _EntityParseError:
        return _EntityParseError(msg)

    while i < n:
        c = text[i]
        if c == "&":
            ch, end = _decode_html_entity(text, i)
            if ch is not None:
                out.append(ch)
                u16 += _units(ch)
                i = end
                continue
            if strict_entities:
                m = re.match(r"&[#\w]*;?", text[i:])
                raise fail(
                    f'Unsupported HTML entity "{m.group(0) if m else "&"}" at byte offset '
                    f'{_byte_offset(text, i)}: only &lt; &gt; &amp; &quot; and numeric entities '
                    '(escape a literal "&" as "&amp;")'
                )
        if c != "<":
            out.append(c)
            u16 += _units(c)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            # end tag
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            start = i
            while i < n and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[start:i].lower()
            while i < n and text[i].isspace():
                i += 1
            if i >= n or text[i] != ">":
                raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            open_tag = stack.pop()
            tag = open_tag["tag"]
            if end_name and end_name != tag:
                raise fail(
                    f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, '
                    f'expected "</{tag}>", found "</{end_name}>"'
                )
            _close_html_entity(open_tag, u16, out, stack, entities)
            continue
        # start tag
        start = i
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[start:i].lower()
        if tag not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise fail(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[i] == ">":
                break
            name_start = i
            while i < n and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr = text[name_start:i].lower()
            if not attr:
                raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise fail(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[i] != "=":
                attrs.setdefault(attr, "")
                continue
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] not in "'\"":
                token_start = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[token_start:i].lower()
                if i >= n or (not text[i].isspace() and text[i] != ">"):
                    raise fail(f"Unexpected end of name token at byte offset {_byte_offset(text, token_start)}")
            else:
                quote = text[i]
                i += 1
                chars: list[str] = []
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        ch, end = _decode_html_entity(text, i)
                        if ch is not None:
                            chars.append(ch)
                            i = end
                            continue
                    chars.append(text[i])
                    i += 1
                if i < n:
                    i += 1
                value = "".join(chars)
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            attrs.setdefault(attr, value)
        i += 1  # '>'
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
        stack.append({"tag": tag, "attrs": attrs, "offset": u16, "out_pos": len(out)})
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return "".join(out), _sort_entities(entities)


def _close_html_entity(open_tag: dict, u16: int, out: list[str], stack: list[dict], entities: list[dict]) -> None:
    tag, attrs, offset = open_tag["tag"], open_tag["attrs"], open_tag["offset"]
    length = u16 - offset
    if tag == "code" and stack and stack[-1]["tag"] == "pre" and attrs.get("class", "").startswith("language-"):
        stack[-1]["language"] = attrs["class"][len("language-"):]
        return
    if length <= 0:
        return
    entity: dict[str, Any]
    if tag == "a":
        url = attrs.get("href") or "".join(out[open_tag["out_pos"]:])
        if url.startswith("tg://user?id="):
            entity = {"type": "text_mention", "user": {"id": int(url.split("=", 1)[1] or 0), "is_bot": False, "first_name": ""}}
        else:
            entity = {"type": "text_link", "url": url}
    elif tag == "blockquote":
        entity = {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    elif tag == "tg-emoji":
        if "emoji-id" not in attrs:
            return
        entity = {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    else:
        entity = {"type": _HTML_ENTITY_TYPES[tag]}
        if tag == "pre" and open_tag.get("language"):
            entity["language"] = open_tag["language"]
    entity.update(offset=offset, length=length)
    entities.append(entity)


def _sort_entities(entities: list[dict]) -> list[dict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --------------------------------------------------------------------------- Markdown
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Parse MarkdownV2 ``text`` into (plain text, entities) like tdlib (same error wording)."""
    n = len(text)
    out: list[str] = []
    u16 = 0
    stack: list[dict] = []
    entities: list[dict] = []
    quote: dict | None = None
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else ""

    def close_quote() -> None:
        nonlocal quote
        end = u16 - 1 if out and out[-1] == "\n" else u16  # the line break is not quoted
        if quote is not None and end > quote["offset"]:
            entities.append({
                "type": "expandable_blockquote" if quote["expandable"] else "blockquote",
                "offset": quote["offset"], "length": end - quote["offset"],
            })
        quote = None

    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1]["type"] in ("code", "pre")
        if not in_code and (i == 0 or text[i - 1] == "\n"):
            if text.startswith("**>", i) and quote is None and not stack:
                quote = {"offset": u16, "expandable": True}
                i += 3
                continue
            if c == ">":
                if quote is None:
                    quote = {"offset": u16, "expandable": False}
                i += 1
                continue
            if quote is not None:
                close_quote()
        if (quote is not None and not in_code and text.startswith("||", i)
                and (i + 2 == n or text[i + 2] == "\n")
                and not (stack and stack[-1]["type"] == "spoiler")):
            quote["expandable"] = True
            i += 2
            close_quote()
            continue
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            u16 += _units(c)
            i += 1
            continue
        is_end = False
        if stack:
            t = stack[-1]["type"]
            is_end = (
                (t == "bold" and c == "*")
                or (t == "italic" and c == "_" and at(i + 1) != "_")
                or (t == "code" and c == "`")
                or (t == "pre" and text.startswith("```", i))
                or (t in ("text_link", "custom_emoji") and c == "]")
                or (t == "underline" and text.startswith("__", i))
                or (t == "strikethrough" and c == "~")
                or (t == "spoiler" and text.startswith("||", i))
            )
        if not is_end:
            begin = i
            language = None
            if c == "_":
                if at(i + 1) == "_":
                    etype = "underline"
                    i += 1
                else:
                    etype = "italic"
            elif c == "*":
                etype = "bold"
            elif c == "~":
                etype = "strikethrough"
            elif c == "|" and at(i + 1) == "|":
                etype = "spoiler"
                i += 1
            elif c == "[":
                etype = "text_link"
            elif c == "`":
                if text.startswith("```", i):
                    i += 3
                    etype = "pre"
                    j = i
                    while j < n and not text[j].isspace() and text[j] != "`":
                        j += 1
                    if i != j and j < n and text[j] != "`":
                        language = text[i:j]
                        i = j
                    if at(i) in ("\n", "\r"):
                        i += 2 if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1) else 1
                    i -= 1
                else:
                    etype = "code"
            elif c == "!" and at(i + 1) == "[":
                etype = "custom_emoji"
                i += 1
            else:
                raise _EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
            stack.append({"type": etype, "offset": u16, "begin": begin, "out_pos": len(out), "language": language})
            i += 1
            continue
        top = stack.pop()
        etype = top["type"]
        entity: dict[str, Any] = {"type": etype}
        if etype in ("underline", "spoiler"):
            i += 1
        elif etype == "pre":
            i += 2
            if top["language"]:
                entity["language"] = top["language"]
        elif etype in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                url = "".join(out[top["out_pos"]:])
            else:
                i += 2
                url_begin = i
                chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        chars.append(text[i + 1])
                        i += 2
                        continue
                    chars.append(text[i])
                    i += 1
                if i >= n:
                    raise _EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}")
                url = "".join(chars)
            if etype == "custom_emoji":
                m = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not m:
                    raise _EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                entity["custom_emoji_id"] = m.group(1)
            else:
                entity["url"] = url
        if u16 > top["offset"]:
            entity.update(offset=top["offset"], length=u16 - top["offset"])
            entities.append(entity)
        i += 1
    if stack:
        top = stack[-1]
        name = "PreCode" if top["type"] == "pre" and top["language"] else _MDV2_NAMES[top["type"]]
        raise _EntityParseError(f"Can't find end of {name} entity at byte offset {_byte_offset(text, top['begin'])}")
    close_quote()
    return "".join(out), _sort_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Parse legacy ``Markdown`` ``text`` into (plain text, entities) like tdlib."""
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[dict] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += _units(c)
            i += 1
            continue
        begin = i
        end_ch = "]" if c == "[" else c
        i += 1
        is_pre = False
        language = None
        if c == "`" and text.startswith("``", i):
            i += 2
            is_pre = True
            j = i
            while j < n and not text[j].isspace() and text[j] != "`":
                j += 1
            if i != j and j < n and text[j] != "`":
                language = text[i:j]
                i = j
            if i < n and text[i] in "\r\n":
                i += 2 if i + 1 < n and text[i + 1] in "\r\n" and text[i] != text[i + 1] else 1
        start_u16, start_out = u16, len(out)
        while i < n and (text[i] != end_ch or (is_pre and not text.startswith("```", i))):
            out.append(text[i])
            u16 += _units(text[i])
            i += 1
        if i >= n:
            raise _EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        i += 3 if is_pre else 1
        entity: dict[str, Any]
        if c == "[":
            url = "".join(out[start_out:])
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close != -1:
                    url = text[i + 1:close]
                    i = close + 1
            entity = {"type": "text_link", "url": url}
        elif c == "`":
            entity = {"type": "pre" if is_pre else "code"}
            if language:
                entity["language"] = language
        else:
            entity = {"type": "bold" if c == "*" else "italic"}
        if u16 > start_u16:
            entity.update(offset=start_u16, length=u16 - start_u16)
            entities.append(entity)
    return "".join(out), _sort_entities(entities)


def _strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    fixed = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed


# --------------------------------------------------------------------------- records
class RequestRecord(NamedTuple):
    """One Bot API call: method name as sent, normalised parameters, HTTP status
    (0 = dropped by a fault, 499 = getUpdates abandoned by its client)."""

    method: str
    params: dict
    status: int


@dataclass
class _Fault:
    method: str  # lower-case
    kind: str
    chat_id: int | str | None
    times: int | None
    opts: dict = field(default_factory=dict)


_DROP = object()  # close the connection without answering
_GONE = object()  # the client went away while its getUpdates was waiting


class _Request(NamedTuple):
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class _BadHTTP(Exception):
    pass


# --------------------------------------------------------------------------- server
class LocalBotAPI:
    """In-memory Telegram Bot API server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "newsbrief_bot",
        *,
        bot_first_name: str = "NewsBrief",
        strict_html_entities: bool = True,
        max_poll_timeout: float = 50.0,
        keep_history: bool = True,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"malformed bot token {token!r} (expected '<digits>:<letters>')")
        self.token = token
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_html_entities = strict_html_entities
        self.max_poll_timeout = max_poll_timeout
        # False for load tests: sent messages and requests are announced to listeners and
        # counted in status_counts, but not kept (so the server's memory stays flat)
        self.keep_history = keep_history
        self.status_counts: collections.Counter[tuple[str, int]] = collections.Counter()

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._sent: list[dict] = []
        self._sent_index: dict[tuple[int, int], dict] = {}
        self._updates: collections.deque[dict] = collections.deque()
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._webhook: dict | None = None
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._queries: dict[str, dict] = {}
        self._next_query_id = 1
        self._callback_answers: list[dict] = []
        self._chat_actions: list[dict] = []
        self._requests: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._random_faults: dict | None = None
        self._migrated: dict[int, int] = {}
        self._listeners: list[Callable[[str, dict], None]] = []

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._conn_tasks: set[asyncio.Task] = set()
        self._busy: set[asyncio.Task] = set()
        self._wake: asyncio.Event | None = None
        self._poller: dict | None = None
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)`` (PTB appends the token)."""
        return f"http://{self.host}:{self._port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._port()}/file/bot"

    def method_url(self, method: str) -> str:
        """Full URL of a Bot API method, for raw HTTP calls."""
        return f"{self.base_url}{self.token}/{method}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _port(self) -> int:
        if self.port is None:
            raise RuntimeError("LocalBotAPI is not started")
        return self.port

    def start(self) -> "LocalBotAPI":
        """Bind and serve in a background thread; returns self. Idempotent."""
        if self.running:
            return self
        self._stopping = False
        ready = threading.Event()
        errors: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve_start())
            except BaseException as exc:  # bind failure
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                try:
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    loop.close()

        self._thread = threading.Thread(target=run, name=f"LocalBotAPI-{id(self):x}", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            self._thread.join()
            self._thread = None
            self._loop = None
            raise errors[0]
        log.debug("LocalBotAPI listening on %s", self.base_url)
        return self

    async def _serve_start(self) -> None:
        self._wake = asyncio.Event()
        self._server = await asyncio.start_server(
            self._handle_connection, self.host, self._requested_port, limit=1 << 20, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: waiting getUpdates calls answer at once, connections are closed,
        the thread is joined. Safe to call twice and from inside a running event loop."""
        if not self.running or self._loop is None:
            return
        self._stopping = True
        loop = self._loop
        fut = asyncio.run_coroutine_threadsafe(self._serve_stop(), loop)
        try:
            fut.result(timeout)
        except Exception:  # pragma: no cover - best effort
            log.exception("LocalBotAPI shutdown")
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(timeout)
        self._thread = None
        self._loop = None
        with self._cond:
            self._cond.notify_all()

    async def _serve_stop(self) -> None:
        assert self._server is not None
        self._server.close()
        self._wake_pollers()
        deadline = time.monotonic() + 1.0
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        tasks = list(self._conn_tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    def __enter__(self) -> "LocalBotAPI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> "LocalBotAPI":
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------ HTTP layer
    async def _handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conn_tasks.add(task)
        try:
            while not self._stopping:
                try:
                    request = await self._read_request(reader)
                except _BadHTTP as exc:
                    body = json.dumps({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}).encode()
                    writer.write(self._http_response(400, body, keep_alive=False))
                    await writer.drain()
                    break
                if request is None:
                    break
                self._busy.add(task)
                try:
                    result = await self._dispatch(request, reader.at_eof)
                finally:
                    self._busy.discard(task)
                if result is _GONE:
                    break
                if result is _DROP:
                    transport = writer.transport
                    transport.abort()
                    break
                status, body = result
                keep_alive = request.headers.get("connection", "").lower() != "close" and not self._stopping
                writer.write(self._http_response(status, body, keep_alive=keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:  # pragma: no cover - never kill the server on a bug
            log.exception("LocalBotAPI connection handler failed")
        finally:
            self._conn_tasks.discard(task)
            self._busy.discard(task)
            try:
                writer.close()
            except Exception:  # pragma: no cover
                pass

    async def _read_request(self, reader: asyncio.StreamReader) -> _Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _BadHTTP("incomplete request head") from exc
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise _BadHTTP("malformed request line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadHTTP("malformed header")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await reader.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b""):
                        pass
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError as exc:
                raise _BadHTTP("bad Content-Length") from exc
            if length > 64 << 20:
                raise _BadHTTP("request body too large")
            body = await reader.readexactly(length) if length else b""
        return _Request(parts[0].upper(), parts[1], headers, body)

    @staticmethod
    def _http_response(status: int, body: bytes, *, keep_alive: bool) -> bytes:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "Server: newsbrief-LocalBotAPI\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        return head.encode("latin-1") + body

    @staticmethod
    def _json(payload: dict) -> bytes:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    async def _dispatch(self, request: _Request, gone: Callable[[], bool] = lambda: False) -> Any:
        split = urlsplit(request.target)
        path = split.path
        match = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if not match:
            return 404, self._json(APIError(404, "Not Found").payload())
        token, method_name = match.group(1), match.group(2)
        try:
            params = self._parse_params(split.query, request)
        except APIError as exc:
            self._record(method_name, {}, exc.error_code)
            return exc.error_code, self._json(exc.payload())
        if token != self.token:
            err = APIError(401, "Unauthorized") if _TOKEN_RE.fullmatch(token) else APIError(404, "Not Found")
            self._record(method_name, params, err.error_code)
            return err.error_code, self._json(err.payload())
        key = method_name.lower()
        handler = _HANDLERS.get(key)
        if handler is None:
            self._record(method_name, params, 404)
            return 404, self._json(APIError(404, "Not Found").payload())
        try:
            fault = self._take_fault(key, params)
            if fault is not None:
                kind, opts = fault
                if kind == "drop":
                    self._record(method_name, params, 0)
                    return _DROP
                if kind == "slow":
                    await asyncio.sleep(float(opts.get("delay", 1.0)))
                else:
                    raise self._fault_error(kind, opts, params)
            if key == "getupdates":
                result = await self._get_updates(params, gone)
                if result is _GONE:
                    self._record(method_name, params, 499)
                    return _GONE
            else:
                events: list[tuple[str, dict]] = []
                with self._cond:
                    result = handler(self, params, events)
                    self._cond.notify_all()
                self._emit(events)
        except APIError as exc:
            self._record(method_name, params, exc.error_code)
            return exc.error_code, self._json(exc.payload())
        self._record(method_name, params, 200)
        return 200, self._json({"ok": True, "result": result})

    def _record(self, method: str, params: dict, status: int) -> None:
        with self._lock:
            self.status_counts[(method.lower(), status)] += 1
            if self.keep_history:
                self._requests.append(RequestRecord(method, params, status))

    def _parse_params(self, query: str, request: _Request) -> dict:
        raw: dict[str, Any] = {}
        if query:
            raw.update(parse_qsl(query, keep_blank_values=True))
        ctype = request.headers.get("content-type", "")
        body = request.body
        if body:
            mime = ctype.split(";")[0].strip().lower()
            if mime == "application/json":
                try:
                    data = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as exc:
                    raise _bad("can't parse JSON object") from exc
                if not isinstance(data, dict):
                    raise _bad("can't parse JSON object")
                raw.update(data)
            elif mime == "multipart/form-data":
                m = re.search(r'boundary="?([^";]+)"?', ctype)
                if not m:
                    raise _bad("can't parse multipart request")
                raw.update(_parse_multipart(body, m.group(1).encode("latin-1")))
            else:  # form-urlencoded (also the default, like Telegram)
                raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return {k: _normalise(k, v) for k, v in raw.items()}

    # ------------------------------------------------------------------ faults
    def inject(
        self,
        method: str = "sendMessage",
        kind: str = "429",
        chat_id: int | str | None = None,
        times: int | None = 1,
        **opts: Any,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        kind: "429" (opts ``retry_after``, default 1), "403" (opt ``description``),
        "migrate" (opt ``new_chat_id``; the old id keeps failing afterwards),
        "500", "drop" (close the connection unanswered), "slow" (opt ``delay``
        seconds, default 1.0, then handled normally). ``times=None``: forever.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if method.lower() not in _HANDLERS:
            raise ValueError(f"unknown Bot API method {method!r}")
        unknown = set(opts) - {"retry_after", "description", "new_chat_id", "delay"}
        if unknown:
            raise ValueError(f"unknown fault options {sorted(unknown)}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._lock:
            self._faults.append(_Fault(method.lower(), kind, chat_id, times, dict(opts)))

    def set_fault_rate(
        self,
        rate: float = 0.1,
        kinds: Iterable[str] = ("429", "500", "drop", "slow"),
        seed: int | None = 1,
        *,
        methods: Iterable[str] = ("sendMessage",),
        retry_after: int = 1,
        delay: float = 0.2,
    ) -> None:
        """Random faults: each call of ``methods`` fails with probability ``rate`` with a
        kind drawn from ``kinds`` (seeded, so reproducible). ``rate=0`` turns it off."""
        kinds = tuple(kinds)
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if not 0 <= rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        with self._lock:
            if rate == 0 or not kinds:
                self._random_faults = None
                return
            self._random_faults = {
                "rate": rate, "kinds": kinds, "rng": random.Random(seed),
                "methods": {m.lower() for m in methods},
                "opts": {"retry_after": retry_after, "delay": delay},
            }

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random_faults = None

    def _take_fault(self, method: str, params: dict) -> tuple[str, dict] | None:
        chat_id = params.get("chat_id")
        with self._lock:
            for fault in self._faults:
                if fault.method != method:
                    continue
                if fault.chat_id is not None and not _same_chat(fault.chat_id, chat_id):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault.kind, fault.opts
            rf = self._random_faults
            if rf and method in rf["methods"] and rf["rng"].random() < rf["rate"]:
                return rf["rng"].choice(rf["kinds"]), rf["opts"]
        return None

    def _fault_error(self, kind: str, opts: dict, params: dict) -> APIError:
        if kind == "429":
            retry_after = int(opts.get("retry_after", 1))
            return APIError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        if kind == "403":
            return APIError(403, opts.get("description", "Forbidden: bot was blocked by the user"))
        if kind == "500":
            return APIError(500, "Internal Server Error")
        assert kind == "migrate"
        with self._lock:
            old = self._chat_id_param(params)
            if old in self._migrated:
                new = self._migrated[old]
            else:
                chat = self._chats.get(old)  # type: ignore[arg-type]
                if chat is None:
                    return _bad("chat not found")
                new = opts.get("new_chat_id") or (-(10**12) - abs(old) if abs(old) < 10**12 else old - 1)
                self._migrate(old, int(new))
        self._wake_pollers()  # runs on the server loop
        return _bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new})

    def _migrate(self, old: int, new: int) -> None:
        chat = self._chats[old]
        self._migrated[old] = new
        self._chats[new] = {"id": new, "type": "supergroup", "title": chat.get("title") or f"Group {new}"}
        for (cid, uid), status in list(self._members.items()):
            if cid == old:
                self._members[(new, uid)] = status
        user = self._ensure_user(DEFAULT_GROUP_USER_ID, None, None)
        now = int(time.time())
        old_msg = {"message_id": self._take_message_id(old), "from": user, "chat": dict(chat),
                   "date": now, "migrate_to_chat_id": new}
        new_msg = {"message_id": self._take_message_id(new), "from": user, "chat": dict(self._chats[new]),
                   "date": now, "migrate_from_chat_id": old}
        self._enqueue("message", old_msg)
        self._enqueue("message", new_msg)

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
        with self._lock:
            return dict(self._ensure_chat(chat_id, chat_type, title, first_name, username))

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
        with self._lock:
            chat = self._ensure_chat(chat_id, chat_type, chat_title, first_name, username)
            if chat["type"] == "private":
                if user_id is not None and user_id != chat_id:
                    raise ValueError("in a private chat the sender is the chat's user (user_id == chat_id)")
                user_id = chat_id
            elif user_id is None:
                user_id = DEFAULT_GROUP_USER_ID
            user = self._ensure_user(user_id, first_name, username)
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
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
            if reply_to_message_id is not None:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
                message["reply_to_message"] = _without_reply(replied)
            self._messages[(chat_id, message["message_id"])] = message
            self._enqueue("message", message)
            result = copy.deepcopy(message)
        self._wake_pollers_threadsafe()
        return result

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None, check: bool = True
    ) -> str:
        """A user presses the inline button with ``callback_data == data`` on a bot message.

        Queues a ``callback_query`` Update and returns its id. With ``check`` the
        message must currently show such a button (as in a real client).
        """
        with self._lock:
            message = self._messages.get((chat_id, message_id))
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
                    raise ValueError(f"message {message_id} has no button with callback_data {data!r}; buttons: {available}")
            chat = self._chats[chat_id]
            if user_id is None:
                user_id = chat_id if chat["type"] == "private" else DEFAULT_GROUP_USER_ID
            user = self._ensure_user(user_id, None, None)
            query_id = str(8_000_000_000_000_000 + self._next_query_id)
            self._next_query_id += 1
            query = {
                "id": query_id,
                "from": dict(user),
                "message": copy.deepcopy(message),
                "chat_instance": str((chat_id * 7_919 + 1_000_003) % 10**18),
                "data": data,
            }
            self._queries[query_id] = {"query": query, "answered": False}
            self._enqueue("callback_query", query)
        self._wake_pollers_threadsafe()
        return query_id

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set ``user_id``'s status in ``chat_id`` for getChatMember/getChatAdministrators.

        Defaults: in a private chat its user and the bot are "member"; in groups
        unknown users are "member". Setting the bot "left"/"kicked" makes sends fail with 403.
        """
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self._lock:
            self._ensure_chat(chat_id, None, None, None, None)
            self._members[(chat_id, user_id)] = status

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Messages the bot sent (oldest first), with edits applied.

        Keys: chat_id, message_id, date, text (as the bot sent it, markup included),
        plain_text (visible text after entity parsing), parse_mode, entities,
        reply_markup, link_preview_options, reply_to_message_id, edit_date, edits
        (one dict per applied edit), deleted, message (the Message object now).
        """
        with self._lock:
            records = [r for r in self._sent if chat_id is None or r["chat_id"] == chat_id]
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
            raise RuntimeError("wait_for_sent() would block the running event loop; use await api.async_wait_for_sent()")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._count_sent(chat_id) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(chat_id, count, timeout))
                self._cond.wait(min(remaining, 0.1))
        return self.sent(chat_id)

    async def async_wait_for_sent(self, chat_id: int | None = None, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Like ``wait_for_sent`` but polls without blocking the running event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._count_sent(chat_id) >= count:
                    break
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(chat_id, count, timeout))
            await asyncio.sleep(0.01)
        return self.sent(chat_id)

    def _count_sent(self, chat_id: int | None) -> int:
        if chat_id is None:
            return len(self._sent)
        return sum(1 for r in self._sent if r["chat_id"] == chat_id)

    def _timeout_message(self, chat_id: int | None, count: int, timeout: float) -> str:
        with self._lock:
            got = self._count_sent(chat_id)
            recent = [(r.method, r.status) for r in self._requests[-8:]]
        where = "" if chat_id is None else f" to chat {chat_id}"
        return f"bot sent {got} of {count} expected message(s){where} within {timeout}s; last requests: {recent}"

    @property
    def requests(self) -> list[RequestRecord]:
        """Every Bot API call so far: (method, params, http status); status 0 = dropped
        by an injected fault, 499 = a getUpdates whose client hung up while it waited."""
        with self._lock:
            return list(self._requests)

    @property
    def callback_answers(self) -> list[dict]:
        """answerCallbackQuery calls: callback_query_id, text, show_alert, url, cache_time."""
        with self._lock:
            return copy.deepcopy(self._callback_answers)

    @property
    def chat_actions(self) -> list[dict]:
        """sendChatAction calls: chat_id, action, date."""
        with self._lock:
            return copy.deepcopy(self._chat_actions)

    @property
    def webhook(self) -> dict | None:
        with self._lock:
            return copy.deepcopy(self._webhook)

    def pending_updates(self) -> list[dict]:
        """Updates queued and not yet confirmed by getUpdates(offset=...)."""
        with self._lock:
            return copy.deepcopy(list(self._updates))

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands set by setMyCommands for this scope/language."""
        with self._lock:
            return copy.deepcopy(self._commands.get((_scope_key(scope), language_code or ""), []))

    def history(self, chat_id: int) -> list[dict]:
        """All live messages of a chat (user and bot), by message_id."""
        with self._lock:
            msgs = [m for (cid, _), m in self._messages.items() if cid == chat_id]
            return copy.deepcopy(sorted(msgs, key=lambda m: m["message_id"]))

    def add_listener(self, callback: Callable[[str, dict], None]) -> None:
        """``callback(event, record)`` for "sent", "edited", "deleted", "callback_answer",
        "chat_action"; called from the server thread, must not block."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[str, dict], None]) -> None:
        with self._lock:
            self._listeners.remove(callback)

    def clear(self) -> None:
        """Forget sent messages, requests, callback answers, chat actions and faults.
        Chats, message history and queued updates stay."""
        with self._lock:
            self._sent.clear()
            self._sent_index.clear()
            self._requests.clear()
            self.status_counts.clear()
            self._callback_answers.clear()
            self._chat_actions.clear()
            self._faults.clear()
            self._random_faults = None

    # ------------------------------------------------------------------ state helpers
    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def _ensure_user(self, user_id: int, first_name: str | None, username: str | None) -> dict:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or "Ada", "language_code": "en"}
            self._users[user_id] = user
        elif first_name:
            user["first_name"] = first_name
        if username:
            user["username"] = username
        return user

    def _ensure_chat(
        self, chat_id: int, chat_type: str | None, title: str | None, first_name: str | None, username: str | None
    ) -> dict:
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise TypeError("chat_id must be an int")
        if chat_type is not None and chat_type not in CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {CHAT_TYPES}")
        chat = self._chats.get(chat_id)
        if chat is None:
            ctype = chat_type or ("private" if chat_id > 0 else "group")
            if ctype == "private":
                user = self._ensure_user(chat_id, first_name, username)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                if user.get("username"):
                    chat["username"] = user["username"]
            else:
                chat = {"id": chat_id, "type": ctype, "title": title or f"Group {chat_id}"}
            self._chats[chat_id] = chat
            return chat
        if chat_type is not None and chat_type != chat["type"]:
            raise ValueError(f"chat {chat_id} is a {chat['type']} chat, not {chat_type}")
        if title and chat["type"] != "private":
            chat["title"] = title
        if chat["type"] == "private" and (first_name or username):
            user = self._ensure_user(chat_id, first_name, username)
            chat["first_name"] = user["first_name"]
            if user.get("username"):
                chat["username"] = user["username"]
        return chat

    def _take_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _enqueue(self, kind: str, payload: dict) -> None:
        allowed = self._allowed_updates
        if allowed is None:
            if kind in _DEFAULT_EXCLUDED_UPDATES:
                return
        elif kind not in allowed:
            return
        self._updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._next_update_id += 1

    def _wake_pollers_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake_pollers)
            except RuntimeError:  # loop closed meanwhile
                pass

    def _wake_pollers(self) -> None:
        if self._wake is not None:
            old, self._wake = self._wake, asyncio.Event()
            old.set()

    def _emit(self, events: list[tuple[str, dict]]) -> None:
        if not events:
            return
        with self._lock:
            listeners = list(self._listeners)
        for event, record in events:
            for callback in listeners:
                try:
                    callback(event, copy.deepcopy(record))
                except Exception:  # pragma: no cover
                    log.exception("LocalBotAPI listener failed")

    def _chat_id_param(self, params: dict, name: str = "chat_id") -> int:
        value = params.get(name)
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, str):
            if value.startswith("@"):
                for chat in self._chats.values():
                    if chat.get("username", "").lower() == value[1:].lower() and chat["type"] != "private":
                        return chat["id"]
                raise _bad("chat not found")
            try:
                value = int(value)
            except ValueError:
                raise _bad("chat not found") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad("chat not found")
        return value

    def _resolve_chat(self, params: dict) -> dict:
        chat_id = self._chat_id_param(params)
        if chat_id in self._migrated:
            raise _bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self._migrated[chat_id]})
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_can_send(self, chat: dict) -> None:
        status = self._members.get((chat["id"], self.bot_id))
        if chat["type"] == "private":
            if status == "kicked":
                raise APIError(403, "Forbidden: bot was blocked by the user")
        elif status == "kicked":
            raise APIError(403, f"Forbidden: bot was kicked from the {'supergroup ' if chat['type'] == 'supergroup' else 'group '}chat")
        elif status == "left":
            raise APIError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")

    def _format(self, params: dict) -> tuple[str, list[dict], str | None]:
        text = params.get("text")
        if text is None or not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        parse_mode = params.get("parse_mode") or None
        if parse_mode is not None:
            if not isinstance(parse_mode, str) or parse_mode.lower() not in ("html", "markdown", "markdownv2"):
                raise _bad("unsupported parse_mode")
        try:
            mode = (parse_mode or "").lower()
            if mode == "html":
                plain, entities = parse_html(text, strict_entities=self.strict_html_entities)
            elif mode == "markdownv2":
                plain, entities = parse_markdown_v2(text)
            elif mode == "markdown":
                plain, entities = parse_markdown(text)
            else:
                plain, entities = text, _check_entities(params.get("entities"), text)
        except _EntityParseError as exc:
            raise _parse_error(str(exc)) from None
        plain, entities = _strip_text(plain, entities)
        if not plain:
            raise _bad("message text is empty")
        if utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return plain, entities, parse_mode

    def _get_message(self, params: dict, what: str) -> tuple[dict, dict]:
        chat = self._resolve_chat(params)
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        mid = params.get("message_id")
        if mid is None or mid == "":
            raise _bad("message identifier is not specified")
        if not isinstance(mid, int):
            raise _bad(f"message to {what} not found")
        message = self._messages.get((chat["id"], mid))
        if message is None:
            raise _bad(f"message to {what} not found")
        return chat, message

    def _record_edit(self, message: dict, changes: dict, events: list) -> None:
        record = self._sent_index.get((message["chat"]["id"], message["message_id"]))
        if record is None:
            return
        record.update(changes)
        record["edit_date"] = message["edit_date"]
        record["edits"].append({**copy.deepcopy(changes), "date": message["edit_date"]})
        record["message"] = copy.deepcopy(message)
        events.append(("edited", record))

    # ------------------------------------------------------------------ Bot API methods
    # Each handler runs on the server loop with the lock held; returns the "result".
    def _m_getme(self, p: dict, ev: list) -> dict:
        return {
            **self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }

    def _m_logout(self, p: dict, ev: list) -> bool:
        return True

    _m_close = _m_logout

    def _m_setwebhook(self, p: dict, ev: list) -> bool:
        url = p.get("url") or ""
        if not url:
            self._webhook = None
            return True
        if not isinstance(url, str) or not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {
            "url": url, "max_connections": p.get("max_connections") or 40,
            "allowed_updates": p.get("allowed_updates"), "secret_token": p.get("secret_token"),
        }
        if isinstance(p.get("allowed_updates"), list):
            self._allowed_updates = p["allowed_updates"] or None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_deletewebhook(self, p: dict, ev: list) -> bool:
        self._webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getwebhookinfo(self, p: dict, ev: list) -> dict:
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if self._webhook:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _m_setmycommands(self, p: dict, ev: list) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _bad("can't parse BotCommand")
            name, desc = cmd.get("command"), cmd.get("description")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
                raise _bad("command description must be non-empty" if not (desc or "").strip() else "BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        self._commands[(_scope_key(p.get("scope")), p.get("language_code") or "")] = clean
        return True

    def _m_getmycommands(self, p: dict, ev: list) -> list:
        return copy.deepcopy(self._commands.get((_scope_key(p.get("scope")), p.get("language_code") or ""), []))

    def _m_deletemycommands(self, p: dict, ev: list) -> bool:
        self._commands.pop((_scope_key(p.get("scope")), p.get("language_code") or ""), None)
        return True

    def _m_sendmessage(self, p: dict, ev: list) -> dict:
        chat = self._resolve_chat(p)
        plain, entities, parse_mode = self._format(p)
        markup = _check_markup(p.get("reply_markup"))
        lpo = p.get("link_preview_options")
        if lpo is not None and not isinstance(lpo, dict):
            raise _bad("can't parse link preview options JSON object")
        if p.get("disable_web_page_preview"):
            if lpo is not None:
                raise _bad("can't use disable_web_page_preview together with link_preview_options")
            lpo = {"is_disabled": True}
        self._check_can_send(chat)
        reply_to = self._reply_target(chat, p)
        chat_id = chat["id"]
        message: dict[str, Any] = {
            "message_id": self._take_message_id(chat_id),
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
            "text": plain,
        }
        if entities:
            message["entities"] = entities
        if lpo:
            message["link_preview_options"] = lpo
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
        if self.keep_history:
            self._messages[(chat_id, message["message_id"])] = message
        record = {
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "date": message["date"],
            "text": p["text"],
            "plain_text": plain,
            "parse_mode": parse_mode,
            "entities": entities,
            "reply_markup": markup,
            "link_preview_options": lpo,
            "reply_to_message_id": reply_to["message_id"] if reply_to else None,
            "edit_date": None,
            "edits": [],
            "deleted": False,
            "message": copy.deepcopy(message) if self.keep_history else message,
        }
        if self.keep_history:
            self._sent.append(record)
            self._sent_index[(chat_id, message["message_id"])] = record
        ev.append(("sent", record))
        return message

    def _reply_target(self, chat: dict, p: dict) -> dict | None:
        params = p.get("reply_parameters")
        if isinstance(params, str):
            raise _bad("can't parse reply parameters JSON object")
        if params is None and p.get("reply_to_message_id") not in (None, "", 0):
            params = {"message_id": p["reply_to_message_id"],
                      "allow_sending_without_reply": p.get("allow_sending_without_reply", False)}
        if params is None:
            return None
        if not isinstance(params, dict) or "message_id" not in params:
            raise _bad("can't parse reply parameters JSON object")
        target_chat = chat["id"]
        if params.get("chat_id") not in (None, ""):
            target_chat = self._chat_id_param(params)
        target = self._messages.get((target_chat, _to_int(params["message_id"])))
        if target is None:
            if _to_bool(params.get("allow_sending_without_reply")):
                return None
            raise _bad("message to be replied not found")
        return target

    def _m_editmessagetext(self, p: dict, ev: list) -> dict:
        chat, message = self._get_message(p, "edit")
        if message["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        plain, entities, parse_mode = self._format(p)
        markup = _check_markup(p.get("reply_markup"))
        inline = markup if markup and "inline_keyboard" in markup else None
        if plain == message["text"] and entities == message.get("entities", []) and inline == message.get("reply_markup"):
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message["text"] = plain
        _set_or_drop(message, "entities", entities)
        _set_or_drop(message, "reply_markup", inline)  # no reply_markup = keyboard removed, like Telegram
        lpo = p.get("link_preview_options")
        if isinstance(lpo, dict):
            message["link_preview_options"] = lpo
        message["edit_date"] = int(time.time())
        self._record_edit(message, {
            "text": p["text"], "plain_text": plain, "parse_mode": parse_mode, "entities": entities,
            "reply_markup": inline,
        }, ev)
        return message

    def _m_editmessagereplymarkup(self, p: dict, ev: list) -> dict:
        chat, message = self._get_message(p, "edit")
        if message["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        markup = _check_markup(p.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        if markup == message.get("reply_markup"):
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        self._record_edit(message, {"reply_markup": markup}, ev)
        return message

    def _m_deletemessage(self, p: dict, ev: list) -> bool:
        chat, message = self._get_message(p, "delete")
        del self._messages[(chat["id"], message["message_id"])]
        record = self._sent_index.get((chat["id"], message["message_id"]))
        if record is not None:
            record["deleted"] = True
            ev.append(("deleted", record))
        return True

    def _m_answercallbackquery(self, p: dict, ev: list) -> bool:
        query_id = p.get("callback_query_id")
        if query_id in (None, ""):
            raise _bad("callback_query_id is empty")
        entry = self._queries.get(str(query_id))
        if entry is None or entry["answered"]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        entry["answered"] = True
        answer = {
            "callback_query_id": str(query_id),
            "text": text,
            "show_alert": _to_bool(p.get("show_alert")),
            "url": p.get("url"),
            "cache_time": p.get("cache_time"),
        }
        self._callback_answers.append(answer)
        ev.append(("callback_answer", answer))
        return True

    def _m_sendchataction(self, p: dict, ev: list) -> bool:
        chat = self._resolve_chat(p)
        action = p.get("action")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_can_send(chat)
        record = {"chat_id": chat["id"], "action": action, "date": int(time.time())}
        self._chat_actions.append(record)
        ev.append(("chat_action", record))
        return True

    def _m_getchat(self, p: dict, ev: list) -> dict:
        chat = self._resolve_chat(p)
        return {
            **chat, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }

    def _member(self, chat: dict, user_id: int) -> dict:
        status = self._members.get((chat["id"], user_id))
        if status is None:
            if chat["type"] == "private" and user_id not in (chat["id"], self.bot_id):
                raise _bad("user not found")
            status = "member"
        user = self._bot_user() if user_id == self.bot_id else dict(
            self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
            member.update({right: True for right in _ADMIN_RIGHTS})
        elif status == "restricted":
            member.update(is_member=True, until_date=0)
            member.update({right: False for right in _RESTRICTED_RIGHTS})
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _m_getchatmember(self, p: dict, ev: list) -> dict:
        chat = self._resolve_chat(p)
        user_id = p.get("user_id")
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise _bad("invalid user_id specified")
        return self._member(chat, user_id)

    def _m_getchatadministrators(self, p: dict, ev: list) -> list:
        chat = self._resolve_chat(p)
        if chat["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        return [
            self._member(chat, uid)
            for (cid, uid), status in self._members.items()
            if cid == chat["id"] and status in ("creator", "administrator")
        ]

    async def _get_updates(self, p: dict, gone: Callable[[], bool] = lambda: False) -> Any:
        with self._lock:
            if self._webhook:
                raise APIError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            offset = _to_int(p.get("offset"), 0)
            limit = min(max(_to_int(p.get("limit"), 100) or 100, 1), 100)
            timeout = min(max(_to_int(p.get("timeout"), 0), 0), self.max_poll_timeout)
            allowed = p.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed] or None
            if offset > 0:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
            elif offset < 0:
                while len(self._updates) > -offset:
                    self._updates.popleft()
        # a newer getUpdates terminates an older one that is still waiting, like Telegram
        me = {"conflict": False}
        if self._poller is not None:
            self._poller["conflict"] = True
            self._wake_pollers()
        self._poller = me
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                assert self._wake is not None
                wake = self._wake
                if me["conflict"]:
                    # a client that cancelled its poll (PTB does on shutdown) is not a second
                    # bot instance: give its connection close a moment to arrive
                    await asyncio.sleep(0.05)
                    if gone():
                        return _GONE
                    raise APIError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                if gone():
                    return _GONE
                with self._lock:
                    batch = copy.deepcopy(list(self._updates)[:limit])
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._stopping:
                    return batch
                try:
                    await asyncio.wait_for(wake.wait(), min(remaining, 0.5))
                except asyncio.TimeoutError:
                    pass
        finally:
            if self._poller is me:
                self._poller = None


_HANDLERS: dict[str, Callable[..., Any]] = {
    name[3:]: fn for name, fn in vars(LocalBotAPI).items() if name.startswith("_m_")
}
_HANDLERS["getupdates"] = LocalBotAPI._get_updates  # dispatched specially (async)


# --------------------------------------------------------------------------- helpers
def _normalise(name: str, value: Any) -> Any:
    """Turn form values (strings; PTB JSON-encodes non-strings) into typed values."""
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


def _to_int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _bad("invalid integer parameter")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid integer parameter {value!r}") from None


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _same_chat(a: Any, b: Any) -> bool:
    try:
        return int(a) == int(b)
    except (TypeError, ValueError):
        return str(a).lower() == str(b).lower()


def _set_or_drop(d: dict, key: str, value: Any) -> None:
    if value:
        d[key] = value
    else:
        d.pop(key, None)


def _without_reply(message: dict) -> dict:
    out = copy.deepcopy(message)
    out.pop("reply_to_message", None)
    return out


def _scope_key(scope: Any) -> str:
    if scope in (None, ""):
        scope = {"type": "default"}
    if isinstance(scope, str):
        try:
            scope = json.loads(scope)
        except ValueError:
            raise _bad("can't parse BotCommandScope JSON object") from None
    if not isinstance(scope, dict) or "type" not in scope:
        raise _bad("can't parse BotCommandScope JSON object")
    scope = dict(scope)
    for key in ("chat_id", "user_id"):
        if key in scope:
            try:
                scope[key] = int(scope[key])
            except (TypeError, ValueError):
                pass
    return json.dumps(scope, sort_keys=True)


def _check_entities(raw: Any, text: str) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise _bad("can't parse entities JSON object")
    total = utf16_len(text)
    out = []
    for e in raw:
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            raise _bad("can't parse MessageEntity")
        try:
            offset, length = int(e["offset"]), int(e["length"])
        except (KeyError, TypeError, ValueError):
            raise _bad("can't parse MessageEntity") from None
        if offset < 0 or length <= 0 or offset + length > total:
            continue  # Telegram silently drops out-of-range entities
        out.append(dict(e))
    return _sort_entities(out)


def _check_url(url: Any) -> bool:
    if not isinstance(url, str) or not url or len(url) > 2048:
        return False
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https"):
        return bool(parts.hostname) and " " not in url
    return parts.scheme.lower() in ("tg", "ton") and bool(parts.netloc or parts.path)


def _check_markup(raw: Any) -> dict | None:
    """Validate a reply_markup like Telegram; returns the dict, or None when absent/empty keyboard."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        keyboard = raw["inline_keyboard"]
        if not isinstance(keyboard, list):
            raise _bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        total = 0
        for row in keyboard:
            if not isinstance(row, list):
                raise _bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for button in row:
                total += 1
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                text = button.get("text")
                if not isinstance(text, str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                if not text.strip():
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                actions = [a for a in _BUTTON_ACTIONS if a in button]
                if not actions:
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise _bad(f"can't parse inline keyboard button: exactly one of {', '.join(actions)} must be used")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button and not _check_url(button["url"]):
                    raise _bad(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        if total > 100:
            raise _bad("reply markup is too long")
        if total == 0:
            return None
        return raw
    if "keyboard" in raw:
        keyboard = raw["keyboard"]
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise _bad('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        return raw
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return raw
    raise _bad("can't parse reply keyboard markup JSON object")


def _parse_multipart(body: bytes, boundary: bytes) -> dict:
    out: dict[str, Any] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        head, _, data = part.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        disposition = ""
        content_type = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value
            elif name.strip().lower() == "content-type":
                content_type = value.strip()
        m = re.search(r'\bname="([^"]*)"', disposition)
        if not m:
            continue
        fm = re.search(r'filename="([^"]*)"', disposition)
        if fm:
            out[m.group(1)] = {"filename": fm.group(1), "content_type": content_type, "size": len(data)}
        else:
            out[m.group(1)] = data.decode("utf-8", "replace")
    return out

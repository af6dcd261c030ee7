"""What Telegram accepts in a message: its HTML, the length limit, entities and inline keyboards.

``check_text`` turns the ``text``/``parse_mode``/``entities`` of a sendMessage or
editMessageText into the visible text and its entities, or raises the ``APIError``
Telegram answers with. The HTML parser follows tdlib's (same error wording); lengths
are counted in UTF-16 code units after parsing, as Telegram does. Only HTML is
supported: the bot never sends Markdown, so a Markdown ``parse_mode`` is refused.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from newsbrief.bot.localapi.errors import bad

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_MESSAGE_LENGTH",
    "EntityParseError",
    "check_entities",
    "check_markup",
    "check_text",
    "parse_html",
    "strip_text",
    "utf16_len",
]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram counts offsets and lengths)."""
    return len(text.encode("utf-16-le")) // 2


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogatepass"))


class EntityParseError(ValueError):
    """Raised by the HTML parser; the message is Telegram's wording."""


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
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
        ch = _NAMED_ENTITIES.get(text[pos + 1 : end])
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
    almost always means the text was not escaped. Raises ``EntityParseError``.
    """
    out: list[str] = []
    u16 = 0
    stack: list[dict] = []
    entities: list[dict] = []
    n = len(text)
    i = 0
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
                raise EntityParseError(
                    f'Unsupported HTML entity "{m.group(0) if m else "&"}" at byte offset '
                    f"{_byte_offset(text, i)}: only &lt; &gt; &amp; &quot; and numeric entities "
                    '(escape a literal "&" as "&amp;")'
                )
        if c != "<":
            out.append(c)
            u16 += _units(c)
            i += 1
            continue
        if i + 1 < n and text[i + 1] == "/":
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            begin = i
            end_name, i = _read_end_tag(text, i)
            open_tag = stack.pop()
            if end_name and end_name != open_tag["tag"]:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{open_tag["tag"]}>", found "</{end_name}>"'
                )
            _close_html_entity(open_tag, u16, out, stack, entities)
            continue
        tag, attrs, i = _read_start_tag(text, i)
        stack.append({"tag": tag, "attrs": attrs, "offset": u16, "out_pos": len(out)})
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return "".join(out), _sort_entities(entities)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _read_name(text: str, i: int, stops: str = ">") -> int:
    while i < len(text) and not text[i].isspace() and text[i] not in stops:
        i += 1
    return i


def _read_end_tag(text: str, begin: int) -> tuple[str, int]:
    """``</name>`` at ``begin``: (lower-case name, position after ``>``)."""
    start = begin + 2
    i = _read_name(text, start)
    name = text[start:i].lower()
    i = _skip_space(text, i)
    if i >= len(text) or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    return name, i + 1


def _read_start_tag(text: str, begin: int) -> tuple[str, dict[str, str], int]:
    """``<name attr=value ...>`` at ``begin``: (tag, attributes, position after ``>``)."""
    n = len(text)
    i = _read_name(text, begin + 1)
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[begin + 1 : i].lower()
    if tag not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
    unclosed = f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
    attrs: dict[str, str] = {}
    while True:
        i = _skip_space(text, i)
        if i >= n:
            raise EntityParseError(unclosed)
        if text[i] == ">":
            break
        name_start = i
        i = _read_name(text, i, "=>")
        attr = text[name_start:i].lower()
        if not attr:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        i = _skip_space(text, i)
        if i >= n:
            raise EntityParseError(unclosed)
        if text[i] != "=":
            attrs.setdefault(attr, "")
            continue
        i = _skip_space(text, i + 1)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        value, i = _read_attr_value(text, i)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        attrs.setdefault(attr, value)
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
    return tag, attrs, i + 1


def _read_attr_value(text: str, i: int) -> tuple[str, int]:
    """An attribute value at ``i``: quoted (entities decoded) or a bare name token (lower-cased)."""
    n = len(text)
    if text[i] not in "'\"":
        start = i
        while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
            i += 1
        if i >= n or (not text[i].isspace() and text[i] != ">"):
            raise EntityParseError(f"Unexpected end of name token at byte offset {_byte_offset(text, start)}")
        return text[start:i].lower(), i
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
    return "".join(chars), i + 1 if i < n else i  # past the closing quote


def _close_html_entity(open_tag: dict, u16: int, out: list[str], stack: list[dict], entities: list[dict]) -> None:
    tag, attrs, offset = open_tag["tag"], open_tag["attrs"], open_tag["offset"]
    length = u16 - offset
    if tag == "code" and stack and stack[-1]["tag"] == "pre" and attrs.get("class", "").startswith("language-"):
        stack[-1]["language"] = attrs["class"][len("language-") :]
        return
    if length <= 0:
        return
    entity: dict[str, Any]
    if tag == "a":
        url = attrs.get("href") or "".join(out[open_tag["out_pos"] :])
        if url.startswith("tg://user?id="):
            entity = {
                "type": "text_mention",
                "user": {"id": int(url.split("=", 1)[1] or 0), "is_bot": False, "first_name": ""},
            }
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


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
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


def check_entities(raw: Any, text: str) -> list[dict]:
    """Validate explicit ``entities`` of a text without parse_mode; out-of-range ones are dropped."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise bad("can't parse entities JSON object")
    total = utf16_len(text)
    out = []
    for e in raw:
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            raise bad("can't parse MessageEntity")
        try:
            offset, length = int(e["offset"]), int(e["length"])
        except (KeyError, TypeError, ValueError):
            raise bad("can't parse MessageEntity") from None
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


def check_markup(raw: Any) -> dict | None:
    """Validate a reply_markup like Telegram; returns the dict, or None when absent/empty keyboard."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        keyboard = raw["inline_keyboard"]
        if not isinstance(keyboard, list):
            raise bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        total = 0
        for row in keyboard:
            if not isinstance(row, list):
                raise bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            for button in row:
                total += 1
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                text = button.get("text")
                if not isinstance(text, str):
                    raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                if not text.strip():
                    raise bad("can't parse inline keyboard button: Text must be non-empty")
                actions = [a for a in _BUTTON_ACTIONS if a in button]
                if not actions:
                    raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise bad(f"can't parse inline keyboard button: exactly one of {', '.join(actions)} must be used")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad("BUTTON_DATA_INVALID")
                if "url" in button and not _check_url(button["url"]):
                    raise bad(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        if total > 100:
            raise bad("reply markup is too long")
        if total == 0:
            return None
        return raw
    if "keyboard" in raw:
        keyboard = raw["keyboard"]
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise bad('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        return raw
    if raw.get("remove_keyboard") or raw.get("force_reply"):
        return raw
    raise bad("can't parse reply keyboard markup JSON object")


def check_text(text: Any, parse_mode: Any, entities: Any, *, strict_entities: bool = True) -> tuple[str, list[dict]]:
    """Validate a message text like Telegram: returns (visible text, entities) or raises ``APIError``."""
    if text is None or not isinstance(text, str) or not text.strip():
        raise bad("message text is empty")
    mode = parse_mode.lower() if isinstance(parse_mode, str) else parse_mode
    if mode not in (None, "", "html"):
        raise bad("unsupported parse_mode")
    try:
        if mode == "html":
            plain, found = parse_html(text, strict_entities=strict_entities)
        else:
            plain, found = text, check_entities(entities, text)
    except EntityParseError as exc:
        raise bad("can't parse entities: " + str(exc)) from None
    plain, found = strip_text(plain, found)
    if not plain:
        raise bad("message text is empty")
    if utf16_len(plain) > MAX_MESSAGE_LENGTH:
        raise bad("message is too long")
    return plain, found

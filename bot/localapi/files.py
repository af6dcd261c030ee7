"""Documents in and out: a user sends a file (``send_document``), the bot reads it with
getFile and a download from ``/file/bot<token>/<path>``, and sends files with
sendDocument. File contents are kept in the state's ``files`` (file id -> bytes)."""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

from newsbrief.bot.localapi.errors import bad
from newsbrief.bot.localapi.state import BotState

__all__ = ["user_document", "get_file", "send_document", "file_bytes", "MAX_DOWNLOAD_BYTES"]

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # Telegram's getFile limit


def _store(s: BotState, content: bytes) -> str:
    file_id = "f" + hashlib.sha256(content).hexdigest()[:24]
    s.files[file_id] = bytes(content)
    return file_id


def user_document(
    s: BotState,
    chat_id: int,
    file_name: str,
    content: bytes,
    *,
    mime_type: str = "",
    caption: str = "",
    user_id: int | None = None,
) -> dict:
    """A user sends a document to ``chat_id``: queues the Update, returns the Message."""
    with s.lock:
        chat = s.ensure_chat(chat_id, None, None, None, None)
        user_id = chat_id if chat["type"] == "private" else (user_id or 1001)
        user = s.ensure_user(user_id, None, None)
        file_id = _store(s, content)
        message: dict[str, Any] = {
            "message_id": s.take_message_id(chat_id),
            "from": dict(user),
            "chat": dict(chat),
            "date": int(time.time()),
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id[:16],
                "file_name": file_name,
                "mime_type": mime_type or "application/octet-stream",
                "file_size": len(content),
            },
        }
        if caption:
            message["caption"] = caption
        s.messages[(chat_id, message["message_id"])] = message
        s.enqueue("message", message)
        result = copy.deepcopy(message)
    s.wake_pollers()
    return result


def get_file(s: BotState, p: dict, ev: list) -> dict:
    file_id = p.get("file_id")
    if not isinstance(file_id, str) or file_id not in s.files:
        raise bad("invalid file_id")
    size = len(s.files[file_id])
    if size > MAX_DOWNLOAD_BYTES:
        raise bad("file is too big")
    return {"file_id": file_id, "file_unique_id": file_id[:16], "file_size": size, "file_path": f"documents/{file_id}"}


def file_bytes(s: BotState, path: str) -> bytes | None:
    """The content behind a getFile ``file_path``, or None."""
    with s.lock:
        return s.files.get(path.rpartition("/")[2])


def send_document(s: BotState, p: dict, ev: list) -> dict:
    """The bot sends a file (multipart upload, or a file_id it got before)."""
    chat = s.resolve_chat(p)
    s.check_can_send(chat)
    doc = p.get("document")
    if isinstance(doc, dict) and "data" in doc:
        content, name, mime = doc["data"], doc.get("filename") or "document", doc.get("content_type") or ""
    elif isinstance(doc, str) and doc in s.files:
        content, name, mime = s.files[doc], "document", ""
    else:
        raise bad("there is no document in the request")
    file_id = _store(s, content)
    chat_id = chat["id"]
    caption = p.get("caption") or ""
    message = {
        "message_id": s.take_message_id(chat_id),
        "from": s.bot_user(),
        "chat": dict(chat),
        "date": int(time.time()),
        "document": {
            "file_id": file_id,
            "file_unique_id": file_id[:16],
            "file_name": name,
            "mime_type": mime or "application/octet-stream",
            "file_size": len(content),
        },
    }
    if caption:
        message["caption"] = caption
    thread = p.get("message_thread_id")
    if isinstance(thread, int) and thread:
        message["message_thread_id"] = thread
    record = {
        "chat_id": chat_id,
        "message_id": message["message_id"],
        "date": message["date"],
        "text": caption,
        "plain_text": caption,
        "parse_mode": p.get("parse_mode") or None,
        "entities": [],
        "reply_markup": None,
        "link_preview_options": None,
        "reply_to_message_id": None,
        "edit_date": None,
        "edits": [],
        "message_thread_id": message.get("message_thread_id"),
        "document": {"file_name": name, "data": bytes(content)},
        "message": copy.deepcopy(message),
    }
    return s.keep_sent(chat_id, message, record, ev)

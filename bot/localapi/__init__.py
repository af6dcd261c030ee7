"""A small, real Telegram Bot API server for local use and for tests.

``LocalBotAPI`` speaks the HTTP Bot API (``/bot<TOKEN>/<method>``, parameters as
query string, form-urlencoded, multipart or JSON; answers ``{"ok": true, ...}`` or
``{"ok": false, "error_code": ..., "description": ...}``) for the methods the
newsbrief bot calls, so the real python-telegram-bot ``Application`` can run
against it via ``base_url``::

    with LocalBotAPI() as api:
        app = (ApplicationBuilder().token(api.token)
               .base_url(api.base_url).base_file_url(api.base_file_url).build())
        api.send_text(42, "/start")          # a user writes to the bot
        api.wait_for_sent(42)                # what the bot answered

It validates requests the way Telegram does (HTML entity parsing, message length in
UTF-16 units after parsing, inline keyboards, "message is not modified", unknown
chats, ...) and can inject faults (429, 403, chat migration, 500, dropped
connections, slow answers) to exercise the bot's error handling.

This is NOT a production server: one process keeps everything in memory; there
are no files/media, no webhook delivery, no Markdown, no rate limiting.

Modules, one job each:

* ``state``: chats, users, messages, queued updates, what the bot sent, counters;
* ``methods``: the Bot API methods the bot calls, and the dispatch of one call;
* ``rules``: Telegram's HTML, length, entity and inline-keyboard rules;
* ``faults``: planned and random fault injection;
* ``transport``: Tornado's HTTP server in a background thread, and an in-process
  ``httpx.MockTransport``;
* ``server``: ``LocalBotAPI``, which puts them together.
"""

from newsbrief.bot.localapi.errors import APIError
from newsbrief.bot.localapi.faults import FAULT_KINDS
from newsbrief.bot.localapi.rules import MAX_CALLBACK_DATA_BYTES, MAX_MESSAGE_LENGTH, parse_html, utf16_len
from newsbrief.bot.localapi.server import DEFAULT_TOKEN, LocalBotAPI
from newsbrief.bot.localapi.state import RequestRecord

__all__ = [
    "APIError",
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "LocalBotAPI",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_MESSAGE_LENGTH",
    "RequestRecord",
    "parse_html",
    "utf16_len",
]

"""``newsbrief chat``: talk to the real bot in the terminal, no Telegram token needed.

It starts the local Bot API server on 127.0.0.1, runs the real bot (handlers, digests,
scheduled summarization) against it on the configured database, and plays the user's
side: what you type is sent as a message from a private chat, the bot's messages are
printed, and inline buttons are numbered so that typing the number presses them.
``/file PATH`` sends a file as the user (an OPML file of feeds to import); a file the bot
sends (``/export``) is saved in the current folder, never over an existing file.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from newsbrief.bot.app import build_application, on_startup, redact_token_in_logs
from newsbrief.bot.localapi import LocalBotAPI
from newsbrief.summaries.config import Settings
from newsbrief.summaries.pipeline.worker import pipeline_job
from newsbrief.summaries.store import NewsStore, open_store

__all__ = ["run_console", "html_to_rich"]

CONSOLE_TOKEN = "1000001:local-console"
USER_ID = 1
REPLY_WAIT = 30.0

_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]+)([^>]*)>")
_STYLES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "code": "cyan",
    "pre": "cyan",
    "s": "strike",
    "strike": "strike",
    "del": "strike",
    "a": "underline blue",
    "blockquote": "italic",
}


def html_to_rich(text: str) -> str:
    """Telegram HTML as rich markup: bold, italics, code; everything else literal."""
    out: list[str] = []
    pos = 0
    for m in _TAG.finditer(text):
        out.append(escape(html.unescape(text[pos : m.start()])))
        style = _STYLES.get(m.group(2).lower())
        if style:
            out.append(f"[/{style}]" if m.group(1) else f"[{style}]")
        pos = m.end()
    out.append(escape(html.unescape(text[pos:])))
    return "".join(out)


class _Printer:
    """Prints the bot's messages as the local server records them, numbering buttons."""

    def __init__(self, console: Console, save_dir: Path | None = None) -> None:
        self.console = console
        self.save_dir = save_dir or Path.cwd()
        self.buttons: dict[str, tuple[int, str]] = {}  # number -> (message id, callback data)
        self.received = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, event: str, record: dict[str, Any]) -> None:
        if event not in ("sent", "edited") or record.get("chat_id") != USER_ID:
            return
        with self._lock:
            label = "bot" if event == "sent" else "bot (edited)"
            self.console.print(f"[bold green]{label}>[/bold green] " + html_to_rich(record.get("text", "")))
            doc = record.get("document")
            if doc:
                saved = self._save(doc.get("file_name") or "document", doc.get("data") or b"")
                self.console.print(
                    f"   [dim]a file: {escape(doc.get('file_name') or 'document')} "
                    f"({len(doc.get('data') or b'')} bytes), saved as {escape(str(saved))}[/dim]"
                )
            keyboard = (record.get("reply_markup") or {}).get("inline_keyboard", [])
            choices = []
            for row in keyboard:
                for button in row:
                    if "callback_data" in button:
                        number = str(len(self.buttons) + 1)
                        self.buttons[number] = (record["message_id"], button["callback_data"])
                        choices.append(f"[{number}] {escape(button['text'])}")
                    elif "url" in button:
                        choices.append(f"{escape(button['text'])}: {escape(button['url'])}")
            if choices:
                self.console.print("   [dim]" + "   ".join(choices) + "[/dim]")
            self.console.print()
            self.received.set()

    def _save(self, name: str, data: bytes) -> Path:
        """Write a file the bot sent into ``save_dir`` under a free name ("x.opml", "x-2.opml")."""
        base = Path(Path(name).name or "document")
        path, n = self.save_dir / base, 1
        while True:
            try:
                with open(path, "xb") as fh:  # never over an existing file
                    fh.write(data)
                return path
            except FileExistsError:
                n += 1
                path = self.save_dir / f"{base.stem}-{n}{base.suffix}"


def _send_file(api: LocalBotAPI, console: Console, arg: str) -> bool:
    """``/file PATH``: send the file at PATH as the user; False (and why) if it cannot be read."""
    path = Path(arg.strip()).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {escape(str(path))}: {escape(exc.strerror or str(exc))}[/red]")
        return False
    api.send_document(USER_ID, path.name, data)
    return True


async def _read_lines(stream: TextIO, prompt: str, console: Console) -> Any:
    loop = asyncio.get_running_loop()
    while True:
        if stream.isatty():
            console.print(prompt, end="")
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            return
        yield line.rstrip("\n")


async def chat_session(settings: Settings, store: NewsStore, stream: TextIO, console: Console) -> None:
    api = LocalBotAPI(token=CONSOLE_TOKEN, bot_username="newsbrief_bot")
    api.start()
    printer = _Printer(console)
    api.add_listener(printer)
    redact_token_in_logs(api.token)
    app = build_application(settings, store, token=api.token, base_url=api.base_url, base_file_url=api.base_file_url)
    await app.initialize()
    try:
        await on_startup(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        async for line in _read_lines(stream, "[bold cyan]you>[/bold cyan] ", console):
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit", "quit", "exit"):
                break
            printer.received.clear()
            if not stream.isatty():
                console.print(f"[bold cyan]you>[/bold cyan] {escape(text)}")
            if text in printer.buttons:
                message_id, data = printer.buttons[text]
                api.press_button(USER_ID, message_id, data, check=False)
            elif text == "/file" or text.startswith("/file "):
                if not _send_file(api, console, text[len("/file") :]):
                    continue
            else:
                api.send_text(USER_ID, text, first_name="You")
            await asyncio.to_thread(printer.received.wait, REPLY_WAIT)
            await asyncio.sleep(0.3)  # let a multi-message reply finish
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        app.bot_data.services.close()
        api.stop()


def run_console(settings: Settings, stream: TextIO = sys.stdin) -> int:
    """Open a console chat with the bot on the configured database."""
    console = Console(highlight=False, soft_wrap=True)
    for name in ("httpx", "telegram", "apscheduler", "newsbrief"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with open_store(settings) as store:
        with console.status("Loading the news (ingest, summaries, entity index)…"):
            report = pipeline_job(store, settings)()
        where = "PostgreSQL" if settings.storage.url else str(settings.storage.path)
        done = f" ({report.line()})" if report is not None and hasattr(report, "line") else ""
        console.print(f"[dim]Database: {escape(where)}: {store.article_count()} articles{escape(done)}.[/dim]")
        console.print(
            "[dim]You are chatting with the real newsbrief bot through a local Bot API server. "
            "Try /brief, /who Hegseth, /summary defence, /subscribe 07:30 Europe/Berlin, /help. "
            "Type a button's number to press it, /file PATH to send a file (an OPML file of feeds); "
            "/quit or Ctrl-D to leave.[/dim]\n"
        )
        asyncio.run(chat_session(settings, store, stream, console))
    return 0

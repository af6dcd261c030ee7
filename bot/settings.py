"""The bot's settings: the ``[telegram]`` section of the config file (the news core's
``summaries.config`` reads the rest of the same file and leaves this section to the bot).

Every key is optional; mistakes raise :class:`ConfigError` with one line naming the key,
as the core's sections do. ``NEWSBRIEF_TELEGRAM_TOKEN`` overrides the token.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from newsbrief.bot.i18n import LANGUAGES, supported
from newsbrief.summaries.config import ConfigError, Settings, load_settings, read_config, section_from_dict

__all__ = [
    "TelegramSettings",
    "BotSettings",
    "TOKEN_ENV",
    "telegram_from_dict",
    "load_telegram_settings",
    "load_bot_section",
    "load_bot_settings",
]

TOKEN_ENV = "NEWSBRIEF_TELEGRAM_TOKEN"
SECTION = "telegram"


@dataclasses.dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"  # or "webhook"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    admins_only_in_groups: bool = True
    allowed_chats: tuple[int, ...] = ()
    rate_limit_per_second: float = 30.0


@dataclasses.dataclass(frozen=True)
class BotSettings:
    """The ``[bot]`` section: how the bot speaks."""

    # the interface language of groups and channels that chose none, and of private chats
    # whose user's Telegram language the bot does not speak (bot.i18n.LANGUAGES)
    language: str = "en"


def load_bot_section(path: Path | None) -> BotSettings:
    """The ``[bot]`` section of the config file at ``path`` (defaults without a file)."""
    data = read_config(path).get("bot", {}) if path is not None else {}
    try:
        bot = section_from_dict("bot", BotSettings, data, path.parent.resolve() if path else Path.cwd())
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not supported(bot.language):
        raise ConfigError(f"[bot] language: {bot.language!r} is not one of {', '.join(LANGUAGES)}")
    return dataclasses.replace(bot, language=supported(bot.language))


def _check(tg: TelegramSettings) -> None:
    if tg.mode not in ("polling", "webhook"):
        raise ConfigError(f"[telegram] mode: expected 'polling' or 'webhook', got {tg.mode!r}")
    if tg.mode == "webhook" and not tg.webhook_url:
        raise ConfigError("[telegram] webhook_url: required when mode = 'webhook'")
    for key in ("api_base_url", "api_file_url"):
        url = getattr(tg, key)
        if not re.match(r"https?://[^\s/]+", url):
            raise ConfigError(f"[telegram] {key}: {url!r} is not an http(s) URL")


def telegram_from_dict(values: Any, *, base: Path | None = None) -> TelegramSettings:
    """The ``[telegram]`` table (parsed TOML) as settings, the token from the environment
    if set there, checked."""
    tg = section_from_dict(SECTION, TelegramSettings, values, base or Path.cwd())
    token = os.environ.get(TOKEN_ENV)
    if token:
        tg = dataclasses.replace(tg, token=token.strip())
    _check(tg)
    return tg


def load_telegram_settings(path: Path | None) -> TelegramSettings:
    """The ``[telegram]`` section of the config file at ``path`` (the one the core's
    settings came from, ``Settings.path``); with no file, the defaults (and the token
    from the environment)."""
    if path is None:
        return telegram_from_dict({})
    data = read_config(path)
    try:
        return telegram_from_dict(data.get(SECTION, {}), base=path.parent.resolve())
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_bot_settings(path: Path | str | None = None) -> tuple[Settings, TelegramSettings]:
    """Both halves of the config file: the core's settings and the bot's ``[telegram]``
    (``summaries.config.load_settings`` finds the file)."""
    settings = load_settings(path)
    return settings, load_telegram_settings(settings.path)

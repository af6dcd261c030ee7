"""Settings: defaults, partial files, clear one-line errors."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from newsbrief.bot.settings import TelegramSettings, load_bot_settings
from newsbrief.summaries.config import ConfigError, Settings, load_settings, parse_time_of_day, parse_timezone

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_documents_every_setting_with_its_default():
    data = tomllib.loads(EXAMPLE.read_text())
    defaults = Settings()
    sections = {name: getattr(defaults, name) for name in ("storage", "schedule", "summaries", "briefing")}
    sections["telegram"] = TelegramSettings()  # the bot's section of the same file
    for section, section_defaults in sections.items():
        fields = {f.name for f in dataclasses.fields(section_defaults)}
        text = EXAMPLE.read_text()
        for name in fields:
            assert f"\n{name} =" in text or f"\n# {name} =" in text, f"[{section}] {name} is not documented"
        for key, value in data.get(section, {}).items():
            default = getattr(section_defaults, key)
            assert value == (list(default) if isinstance(default, tuple) else default), f"[{section}] {key}"
    assert load_settings(EXAMPLE).summaries.sentences == 3
    settings, telegram = load_bot_settings(EXAMPLE)
    assert settings.summaries.sentences == 3 and telegram.mode == "polling"


def test_partial_file_takes_defaults_for_the_rest(tmp_path):
    settings = load_settings(write(tmp_path, '[schedule]\ntimezone = "Asia/Kolkata"\n'))
    assert settings.schedule.timezone == "Asia/Kolkata"
    assert settings.schedule.digest_time == "08:00"
    assert settings.summaries.sentences == 3


def test_relative_paths_are_relative_to_the_file(tmp_path):
    settings = load_settings(
        write(tmp_path, '[storage]\npath = "data/news.json"\n[[sources]]\nname="drop"\nfolder="in"\n')
    )
    assert settings.storage.path == tmp_path.resolve() / "data" / "news.json"
    assert settings.sources[0].location == str(tmp_path.resolve() / "in")


def test_environment_overrides_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSBRIEF_TELEGRAM_TOKEN", "123:from-env")
    _, telegram = load_bot_settings(write(tmp_path, '[telegram]\ntoken = "123:from-file"\n'))
    assert telegram.token == "123:from-env"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[schedule]\ntimezone = "Mars/Base"\n', "[schedule] timezone: 'Mars/Base' is not a known time zone"),
        ('[schedule]\ndigest_time = "25:00"\n', "[schedule] digest_time: '25:00' is not a time of day"),
        ("[storage]\nretention_day = 3\n", "[storage] retention_day: unknown key"),
        ('[storag]\npath = "x"\n', "[storag]: unknown section"),
        ('[summaries]\nsentences = "three"\n', "[summaries] sentences: expected a whole number"),
        ("[summaries]\nsentences = 0\n", "[summaries] sentences: expected 1 to 20"),
        ('[telegram]\nmode = "push"\n', "[telegram] mode: expected 'polling' or 'webhook'"),
        ('[telegram]\nallowed_chats = ["me"]\n', "[telegram] allowed_chats: expected a list of chat ids"),
        ('[[sources]]\nname = "x"\nfeed = "ftp://x"\n', "[[sources]] entry 1: feed 'ftp://x' is not an http(s) URL"),
        ("[schedule\n", "not valid TOML"),
    ],
)
def test_mistakes_are_one_clear_line(tmp_path, text, message):
    """The core's sections through the core's loader, [telegram] through the bot's (which
    reads the same file); the bot's loader reports the core's mistakes the same way."""
    load = load_bot_settings if text.startswith("[telegram]") else load_settings
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_bot_settings(write(tmp_path, text))
    assert message in str(info.value)


def test_the_core_leaves_the_telegram_section_to_the_bot(tmp_path):
    path = write(tmp_path, '[telegram]\nmode = "webhook"\nwebhook_url = "https://example.org/hook"\n')
    settings = load_settings(path)
    assert not hasattr(settings, "telegram")
    _, telegram = load_bot_settings(path)
    assert telegram.mode == "webhook" and telegram.webhook_url == "https://example.org/hook"


def test_missing_named_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_time_and_zone_parsers():
    assert parse_time_of_day("7:05").strftime("%H:%M") == "07:05"
    for bad in ("24:00", "12:60", "noon", ""):
        with pytest.raises(ValueError):
            parse_time_of_day(bad)
    assert parse_timezone("Europe/Berlin").key == "Europe/Berlin"
    for bad in ("Mars/Base", "../etc/passwd", "", "Europe/"):
        with pytest.raises(ValueError):
            parse_timezone(bad)

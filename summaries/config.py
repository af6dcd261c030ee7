"""Settings: loaded from a TOML file, every key optional, every value checked.

A file that sets a few keys is valid; the rest take their defaults (the defaults are
documented in ``config.example.toml``). Mistakes raise :class:`ConfigError` with one
line naming the key and what is wrong. The ``[telegram]`` section of the same file is
the bot's: it is read and checked by ``bot/settings.py``, and skipped here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from newsbrief.summaries.language import normalize_language
from newsbrief.summaries.text import normalise_host

__all__ = [
    "ConfigError",
    "Settings",
    "StorageSettings",
    "ChatSettings",
    "ScheduleSettings",
    "SummarySettings",
    "StorySettings",
    "BriefingSettings",
    "FetchSettings",
    "Source",
    "load_settings",
    "read_config",
    "section_from_dict",
    "default_config_path",
    "parse_time_of_day",
    "parse_timezone",
]

CONFIG_ENV = "NEWSBRIEF_CONFIG"
DATABASE_URL_ENV = "NEWSBRIEF_DATABASE_URL"


class ConfigError(ValueError):
    """An operator mistake in the configuration; the message is one line naming the key."""


def default_config_path() -> Path:
    """``$NEWSBRIEF_CONFIG``, else ``config.toml`` in the user's config folder."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("newsbrief")) / "config.toml"


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir("newsbrief")) / "newsbrief.json"


def parse_time_of_day(value: str) -> dt.time:
    """``"HH:MM"`` (24-hour clock) as a time; ValueError with a plain reason otherwise."""
    m = re.fullmatch(r"\s*(\d{1,2})[:.h](\d{2})\s*", str(value))
    if not m:
        raise ValueError(f"{value!r} is not a time of day (use HH:MM, e.g. 07:30)")
    hour, minute = int(m[1]), int(m[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a time of day (hours 00-23, minutes 00-59, e.g. 07:30)")
    return dt.time(hour, minute)


def parse_timezone(value: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Berlin``, ``UTC``); ValueError with a plain reason otherwise."""
    name = str(value).strip()
    if not name or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name) or ".." in name or name.startswith("/"):
        raise ValueError(f"{value!r} is not a time zone (use an IANA name such as Europe/Berlin)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{value!r} is not a known time zone (use an IANA name such as Europe/Berlin)") from None


@dataclasses.dataclass(frozen=True)
class StorageSettings:
    path: Path = dataclasses.field(default_factory=default_database_path)
    retention_days: int = 30
    max_article_bytes: int = 5 * 1024 * 1024
    url: str = ""  # postgresql://... : use PostgreSQL instead of the TinyDB file


@dataclasses.dataclass(frozen=True)
class ScheduleSettings:
    timezone: str = "UTC"
    digest_time: str = "08:00"
    summarize_every_minutes: float = 15.0
    grace_minutes: int = 180


@dataclasses.dataclass(frozen=True)
class SummarySettings:
    sentences: int = 3
    ratio: float = 0.0
    max_chars: int = 900
    max_text_chars: int = 50_000  # the most characters of one article the summarizer and the extractor read


@dataclasses.dataclass(frozen=True)
class BriefingSettings:
    stories: int = 5


@dataclasses.dataclass(frozen=True)
class StorySettings:
    """How reports of one event are grouped into a story (see summaries.stories.clustering)."""

    window_hours: float = 72.0  # only stories seen this recently take new reports
    threshold: float = 0.11  # headline+lead evidence for joining a story, after the time decay
    decay_hours: float = 24.0  # the similarity halves over this many hours between report and story
    copy_threshold: float = 0.5  # body similarity at which a report is a copy of one in the story
    body_threshold: float = 0.36  # two full texts of this similarity join (summaries.stories.fulltext)
    lead_weight: float = 0.5
    slug_weight: float = 0.5  # the words of the URL's slug, as a second lead
    clause_weight: float = 0.4  # the words of a headline's subordinate turn ("... as X launches")
    query_terms: int = 8
    query_stories: int = 4  # the stories closest by centroid that are weighed in full
    max_bodies: int = 8
    store_idf_share: float = (
        0.8  # a term's weight: this share from the store's own document frequencies, the rest English rarity
    )
    novelty_penalty: float = 0.1  # taken from the similarity per unit of the article's weight on words the story lacks
    support_k: int = 3  # a join is backed by the article's k most similar members too, not only the centroid
    outlet_penalty: float = 0.2  # a second, different report from an outlet already in the story weighs less
    split_seeds: int = 8  # the new report's heaviest terms tried as the seed of a second event
    split_min_group: int = 3  # a story splits into two groups of at least this many members ...
    split_tight: float = 0.45  # ... the split-off group this tight (mean similarity within) ...
    split_ratio: float = 0.55  # ... and the two groups this far apart (similarity across / within) ...
    split_inside: float = 0.5  # ... and the group has a second term of its own: in this share of it ...
    split_outside: float = 0.1  # ... and in at most this share of the rest
    split_terms: int = 1  # ... (this many terms of its own besides the seed)
    # a loose rest does not keep a group in when this share of the group comes from outlets
    # that also report the rest (one outlet rarely reports one happening twice)
    split_outlet_share: float = 0.5


@dataclasses.dataclass(frozen=True)
class FetchSettings:
    """Outbound requests (feeds, pages, feed item links, pages sent by chat users)."""

    # host names (or IP addresses) that may be on loopback or private networks; every
    # other host must resolve to public addresses only
    allow_private_hosts: tuple[str, ...] = ()
    # decoded bytes one run of the job may download in all; sources past it wait for the next run
    run_max_bytes: int = 256 * 1024 * 1024
    # seconds the fetches of one run may take in all; sources not done by then wait for the next run
    run_seconds: float = 120.0


@dataclasses.dataclass(frozen=True)
class ChatSettings:
    """What chats may choose for themselves: own sources, keyword filters, followed names."""

    user_sources: bool = True  # false: chats cannot add their own sources (existing ones stop)
    sources_per_chat: int = 20
    # if not empty, chats may only add sources on these hosts (or their subdomains)
    allowed_hosts: tuple[str, ...] = ()
    filters_per_chat: int = 30
    follows_per_chat: int = 30
    alerts_per_day: int = 10  # alerts one chat gets per local day; the rest go into its next digest
    quiet_start: str = "22:00"  # no alerts from this local time ...
    quiet_end: str = "07:00"  # ... until this one (equal times: no quiet hours)
    # pages and feeds chats ask for (/add, /summary URL, OPML imports): their own threads,
    # at most this many at once per chat and per user, at most this many started an hour
    fetch_threads: int = 8
    fetches_in_flight: int = 2
    fetches_per_hour: int = 60
    # commands and button presses of one user: this many at once, refilled at this rate a
    # minute; more are dropped (the first told to slow down)
    commands_burst: int = 20
    commands_per_minute: float = 60.0


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "folder", "file", "feed" or "page"
    location: str  # a path for folders and files, a URL for feeds and pages
    every_minutes: float = 0.0  # 0: every run of the scheduled job
    # the language its articles are in (ISO 639-1), a hint used only for a text too short to
    # tell (articles' languages are detected); "": none declared (a feed's own is used)
    language: str = ""


@dataclasses.dataclass(frozen=True)
class Settings:
    storage: StorageSettings = dataclasses.field(default_factory=StorageSettings)
    schedule: ScheduleSettings = dataclasses.field(default_factory=ScheduleSettings)
    summaries: SummarySettings = dataclasses.field(default_factory=SummarySettings)
    briefing: BriefingSettings = dataclasses.field(default_factory=BriefingSettings)
    stories: StorySettings = dataclasses.field(default_factory=StorySettings)
    fetch: FetchSettings = dataclasses.field(default_factory=FetchSettings)
    chats: ChatSettings = dataclasses.field(default_factory=ChatSettings)
    sources: tuple[Source, ...] = ()
    path: Path | None = None  # the file these settings came from, if any

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone)

    @property
    def digest_time(self) -> dt.time:
        return parse_time_of_day(self.schedule.digest_time)


_SECTIONS: dict[str, type] = {
    "storage": StorageSettings,
    "schedule": ScheduleSettings,
    "summaries": SummarySettings,
    "stories": StorySettings,
    "briefing": BriefingSettings,
    "fetch": FetchSettings,
    "chats": ChatSettings,
}

# sections of the same file that another part reads and checks: [telegram] is the bot's (bot/settings.py)
READ_ELSEWHERE = ("telegram", "bot")


def _known_sections() -> str:
    names = list(_SECTIONS)
    names[1:1] = READ_ELSEWHERE  # listed where [telegram] always was, after [storage]
    return ", ".join([*names, "sources"])


_STRING_LISTS = {("fetch", "allow_private_hosts"), ("chats", "allowed_hosts")}


def _coerce(section: str, key: str, value: Any, default: Any, base: Path) -> Any:
    where = f"[{section}] {key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{where}: must not be negative, got {value}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{where}: must not be negative, got {value}")
        return float(value)
    if isinstance(default, Path):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a file path, got {value!r}")
        path = Path(os.path.expandvars(value)).expanduser()
        return path if path.is_absolute() else base / path
    if isinstance(default, tuple) and (section, key) in _STRING_LISTS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: expected a list of host names (strings), got {value!r}")
        return tuple(v.strip() for v in value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"{where}: expected a list of chat ids (whole numbers), got {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _check(settings: Settings) -> None:
    s = settings
    try:
        parse_timezone(s.schedule.timezone)
    except ValueError as exc:
        raise ConfigError(f"[schedule] timezone: {exc}") from None
    try:
        parse_time_of_day(s.schedule.digest_time)
    except ValueError as exc:
        raise ConfigError(f"[schedule] digest_time: {exc}") from None
    if s.schedule.summarize_every_minutes <= 0:
        raise ConfigError("[schedule] summarize_every_minutes: must be more than 0")
    if not 1 <= s.summaries.sentences <= 20:
        raise ConfigError(f"[summaries] sentences: expected 1 to 20, got {s.summaries.sentences}")
    if not 0 <= s.summaries.ratio < 1:
        raise ConfigError(f"[summaries] ratio: expected a share from 0 (off) to below 1, got {s.summaries.ratio}")
    if not 200 <= s.summaries.max_chars <= 4000:
        raise ConfigError(f"[summaries] max_chars: expected 200 to 4000, got {s.summaries.max_chars}")
    if not 1_000 <= s.summaries.max_text_chars <= 1_000_000:
        raise ConfigError(f"[summaries] max_text_chars: expected 1000 to 1000000, got {s.summaries.max_text_chars}")
    if not 1 <= s.briefing.stories <= 20:
        raise ConfigError(f"[briefing] stories: expected 1 to 20, got {s.briefing.stories}")
    if not 0 < s.stories.threshold < 1:
        raise ConfigError(f"[stories] threshold: expected a similarity between 0 and 1, got {s.stories.threshold}")
    if not 0 < s.stories.copy_threshold <= 1:
        raise ConfigError(
            f"[stories] copy_threshold: expected a similarity above 0 and at most 1, got {s.stories.copy_threshold}"
        )
    if s.stories.window_hours < 1 or s.stories.decay_hours <= 0:
        raise ConfigError("[stories] window_hours must be at least 1 and decay_hours more than 0")
    if s.stories.query_terms < 1 or s.stories.max_bodies < 1:
        raise ConfigError("[stories] query_terms and max_bodies must be at least 1")
    for host in s.fetch.allow_private_hosts:
        try:
            normalise_host(host)
        except ValueError:
            raise ConfigError(
                f"[fetch] allow_private_hosts: {host!r} is not a host name "
                '(give the name or address only, e.g. "intranet.example" or "10.0.0.5")'
            ) from None
    for host in s.chats.allowed_hosts:
        try:
            normalise_host(host)
        except ValueError:
            raise ConfigError(f"[chats] allowed_hosts: {host!r} is not a host name") from None
    for key in ("quiet_start", "quiet_end"):
        try:
            parse_time_of_day(getattr(s.chats, key))
        except ValueError as exc:
            raise ConfigError(f"[chats] {key}: {exc}") from None
    if s.fetch.run_max_bytes < 1024 * 1024:
        raise ConfigError("[fetch] run_max_bytes: must be at least 1048576 (1 MB)")
    if s.storage.retention_days < 1:
        raise ConfigError("[storage] retention_days: must be at least 1")
    if s.storage.url and not re.match(r"postgres(ql)?://", s.storage.url):
        shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", s.storage.url)  # never print a password
        raise ConfigError(
            f"[storage] url: expected a postgresql:// URL (or leave it empty for the TinyDB file), got {shown!r}"
        )
    parent = s.storage.path.parent
    if parent.exists() and not parent.is_dir():
        raise ConfigError(f"[storage] path: {parent} is not a folder")
    if s.storage.path.is_dir():
        raise ConfigError(f"[storage] path: {s.storage.path} is a folder, expected a file path")


def _parse_sources(raw: Any, base: Path) -> tuple[Source, ...]:
    if not isinstance(raw, list):
        raise ConfigError("[[sources]]: expected a list of tables ([[sources]] entries)")
    sources = []
    names = set()
    for i, entry in enumerate(raw, 1):
        where = f"[[sources]] entry {i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a table")
        unknown = set(entry) - {"name", "feed", "folder", "file", "page", "every_minutes", "language"}
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {sorted(unknown)[0]!r} "
                "(known: name, feed, folder, file, page, every_minutes, language)"
            )
        kinds = [k for k in ("feed", "folder", "file", "page") if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{where}: set exactly one of feed, folder, file or page")
        kind = kinds[0]
        location = entry[kind]
        if not isinstance(location, str) or not location.strip():
            raise ConfigError(f"{where}: {kind} must be a non-empty string")
        if kind in ("feed", "page"):
            if not re.match(r"https?://[^\s/]+", location):
                raise ConfigError(f"{where}: {kind} {location!r} is not an http(s) URL")
        else:
            path = Path(os.path.expandvars(location)).expanduser()
            location = str(path if path.is_absolute() else base / path)
        name = entry.get("name", location)
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: name must be a non-empty string")
        if name in names:
            raise ConfigError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        every = entry.get("every_minutes", 0)
        if isinstance(every, bool) or not isinstance(every, (int, float)) or every < 0:
            raise ConfigError(f"{where}: every_minutes must be a number of minutes >= 0")
        language = entry.get("language", "")
        if not isinstance(language, str) or (language.strip() and not normalize_language(language)):
            raise ConfigError(f'{where}: language must be an ISO 639-1 code such as "fr" or "pt-BR"')
        sources.append(
            Source(
                name=name,
                kind=kind,
                location=location,
                every_minutes=float(every),
                language=normalize_language(language),
            )
        )
    return tuple(sources)


_Section = TypeVar("_Section")


def section_from_dict(name: str, cls: type[_Section], values: Any, base: Path) -> _Section:
    """One ``[name]`` table as ``cls`` (a frozen dataclass whose defaults say each key's
    type): unknown keys and values of the wrong type are errors."""
    if not isinstance(values, dict):
        raise ConfigError(f"{name}: expected a [{name}] table")
    defaults = cls()
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(f"[{name}] {key}: unknown key (known: {', '.join(sorted(fields))})")
        kwargs[key] = _coerce(name, key, value, getattr(defaults, key), base)
    return cls(**kwargs)


def settings_from_dict(data: dict[str, Any], *, base: Path | None = None, path: Path | None = None) -> Settings:
    """Settings from parsed TOML; unknown sections and keys are errors (the sections
    other parts read, :data:`READ_ELSEWHERE`, are theirs to check)."""
    base = base or Path.cwd()
    sections: dict[str, Any] = {}
    sources: tuple[Source, ...] = ()
    for name, values in data.items():
        if name == "sources":
            sources = _parse_sources(values, base)
            continue
        if name in READ_ELSEWHERE:
            continue
        if name not in _SECTIONS:
            raise ConfigError(f"[{name}]: unknown section (known: {_known_sections()})")
        sections[name] = section_from_dict(name, _SECTIONS[name], values, base)
    settings = Settings(**sections, sources=sources, path=path)
    database_url = os.environ.get(DATABASE_URL_ENV)
    if database_url:
        settings = dataclasses.replace(
            settings, storage=dataclasses.replace(settings.storage, url=database_url.strip())
        )
    _check(settings)
    return settings


def read_config(path: Path) -> dict[str, Any]:
    """The parsed TOML of a settings file (every part of newsbrief reads its own sections
    from it); ConfigError naming the file if it cannot be read or parsed."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def load_settings(path: Path | str | None = None) -> Settings:
    """Settings from ``path``; with no path, from the default path if that file exists,
    else the defaults. A named file that does not exist is an error."""
    explicit = path is not None
    path = Path(path) if explicit else default_config_path()
    if not path.exists():
        if explicit or os.environ.get(CONFIG_ENV):
            raise ConfigError(f"{path}: config file not found")
        return settings_from_dict({})
    data = read_config(path)
    try:
        return settings_from_dict(data, base=path.parent.resolve(), path=path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None

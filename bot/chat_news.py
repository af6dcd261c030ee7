"""What one chat may see: its own sources (and the operator's, if it chose them), its
keyword filters, and the titles its own sources go by. Every briefing, digest, alert and
button answer of a chat goes through :func:`compose_for` or :func:`visible_for`, so that
one chat's sources never show in another chat's news."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from newsbrief.bot.chats import ALL_LANGUAGES, ChatPrefs, news_languages
from newsbrief.summaries.config import Settings
from newsbrief.summaries.ingest.chat_sources import catalog, is_chat_source
from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.stories.briefing import Briefing, Report, Story, compose_briefing
from newsbrief.summaries.stories.filters import Filters

__all__ = ["visible_for", "filters_of", "keep_for", "labelled", "compose_for", "story_text"]


def visible_for(prefs: ChatPrefs, settings: Settings) -> Callable[[str], bool]:
    """Which source names this chat may see: the chat sources it added (while chats'
    sources are on), and every other source if it takes the operator's."""
    own = frozenset(prefs.sources) if settings.chats.user_sources else frozenset()
    operator = prefs.operator_sources

    def visible(name: str) -> bool:
        return name in own if is_chat_source(name) else operator

    return visible


def filters_of(prefs: ChatPrefs) -> Filters:
    return Filters(prefs.include, prefs.exclude)


def story_text(story: Story) -> str:
    return "\n".join([story.headline, *story.summary])


def keep_for(prefs: ChatPrefs, default_language: str) -> Callable[[Story], bool] | None:
    """The chat's keyword filters (over headline and summary) and the languages it reads
    as one story test (None: it keeps everything). A story of unknown language is kept."""
    filters = filters_of(prefs)
    languages = news_languages(prefs, default_language)
    every = ALL_LANGUAGES in languages
    if not filters and every:
        return None

    def keep(story: Story) -> bool:
        if not every and story.language and story.language not in languages:
            return False
        return not filters or filters.passes(story_text(story))

    return keep


def labelled(story: Story, titles: dict[str, str]) -> Story:
    """The story with chat sources named by their titles instead of their internal names."""

    def label(name: str) -> str:
        return titles.get(name, name) if is_chat_source(name) else name

    if not any(is_chat_source(n) for n in (story.source, *story.outlets, *(r.source for r in story.reports))):
        return story
    return dataclasses.replace(
        story,
        source=label(story.source),
        outlets=tuple(dict.fromkeys(label(o) for o in story.outlets)),
        reports=tuple(Report(r.article_id, r.headline, label(r.source), r.url, r.date) for r in story.reports),
    )


def titles(store: NewsStore) -> dict[str, str]:
    """Chat source name -> its title (or host)."""
    out = {}
    for name, doc in catalog(store).items():
        out[name] = doc.get("title") or _host(doc.get("location", "")) or "your source"
    return out


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def compose_for(
    store: NewsStore, prefs: ChatPrefs, config: Settings, *, default_language: str = "en", **kwargs: Any
) -> Briefing:
    """``compose_briefing`` for one chat: its sources, its filters and languages, its titles
    (``default_language``: the operator's ``[bot] language``)."""
    keep = keep_for(prefs, default_language)
    briefing = compose_briefing(store, visible=visible_for(prefs, config), keep=keep, **kwargs)
    names = titles(store)
    briefing.stories = [labelled(s, names) for s in briefing.stories]
    return briefing

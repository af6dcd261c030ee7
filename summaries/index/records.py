"""The records ``/who`` answers with: a mention, an entity's card, a lookup's result."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Mention", "EntityCard", "WhoResult"]


@dataclass(frozen=True, slots=True)
class Mention:
    date: str
    headline: str
    sentence: str
    article_id: str


@dataclass(slots=True)
class EntityCard:
    name: str
    type: str
    roles: list[str]
    article_count: int
    first_seen: str
    last_seen: str
    mentions: list[Mention]
    co_mentions: list[tuple[str, int]]
    aliases: list[str]
    story_count: int | None = None  # distinct stories among the articles, when known
    article_ids: tuple[str, ...] = ()
    key: str = ""


@dataclass(slots=True)
class WhoResult:
    query: str
    card: EntityCard | None = None
    others: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    fuzzy: bool = False  # the card's name is only close to the query: show it as "did you mean"


# -- in-memory structures --------------------------------------------------------------

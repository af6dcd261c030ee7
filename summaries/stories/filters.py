"""Keyword filters: include and exclude words or phrases, matched on whole words.

Matching folds case and accents (``Café`` matches ``cafe``, ``STRASSE`` matches
``straße``) and holds on whole words in any script: ``rain`` does not match ``Ukraine``,
a phrase such as ``"world cup"`` matches those words in that order with any spacing.

A text passes a filter set when it matches no exclude term and, if there are include
terms, at least one of them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from newsbrief.summaries.text import fold_accents

__all__ = ["Filters", "parse_filters", "FilterError", "MAX_TERM_CHARS", "phrase_pattern"]

MAX_TERM_CHARS = 60


class FilterError(ValueError):
    """A filter command that cannot be read; the message says why, in plain words."""


def phrase_pattern(term: str) -> re.Pattern[str] | None:
    """A regular expression finding ``term`` (folded) as whole words in folded text; None
    for a term without word characters."""
    words = re.findall(r"\w+", fold_accents(term))
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")


@dataclass(frozen=True)
class Filters:
    """Include and exclude terms, as the chat typed them."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def passes(self, *texts: str) -> bool:
        """Whether text (headline, summary ...) matches no exclude term and, with include
        terms, at least one of them."""
        folded = fold_accents("\n".join(texts))
        if any(_finds(term, folded) for term in self.exclude):
            return False
        return not self.include or any(_finds(term, folded) for term in self.include)


def _finds(term: str, folded: str) -> bool:
    pattern = phrase_pattern(term)
    return bool(pattern and pattern.search(folded))


def parse_filters(text: str) -> list[tuple[str, str]]:
    """``+climate -football "world cup"`` as (sign, term) pairs: ``+`` (or no sign) includes,
    ``-`` excludes; quotes keep a phrase together (``-"transfer news"``). Raises
    :class:`FilterError`."""
    try:
        parts = shlex.split(text)
    except ValueError:
        raise FilterError('a quote is not closed; put phrases in straight double quotes, e.g. "world cup"') from None
    out = []
    for part in parts:
        sign = "+"
        if part[:1] in "+-":
            sign, part = part[0], part[1:]
        part = " ".join(part.split())
        if not part:
            continue
        if phrase_pattern(part) is None:
            raise FilterError(f"“{part[:MAX_TERM_CHARS]}” has no letters or digits to match")
        if len(part) > MAX_TERM_CHARS:
            raise FilterError(f"a filter word or phrase has at most {MAX_TERM_CHARS} characters")
        out.append((sign, part))
    return out


def merge(filters: Filters, changes: Iterable[tuple[str, str]]) -> Filters:
    """Filters with the changes applied: a term moves to the side of its sign; duplicates
    (same folded words) are dropped."""
    include = list(filters.include)
    exclude = list(filters.exclude)
    for sign, term in changes:
        key = _key(term)
        include = [t for t in include if _key(t) != key]
        exclude = [t for t in exclude if _key(t) != key]
        (include if sign == "+" else exclude).append(term)
    return Filters(tuple(include), tuple(exclude))


def without(filters: Filters, terms: Sequence[str]) -> Filters:
    keys = {_key(t) for t in terms}
    return Filters(
        tuple(t for t in filters.include if _key(t) not in keys),
        tuple(t for t in filters.exclude if _key(t) not in keys),
    )


def _key(term: str) -> str:
    return " ".join(re.findall(r"\w+", fold_accents(term)))


__all__ += ["merge", "without"]

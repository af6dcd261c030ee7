"""Which followed names a text mentions, for many names at once.

Names are matched as :mod:`summaries.filters` matches words: whole words, case and
accents folded, a multi-word name as a phrase. The index looks only at the names whose
first word occurs in the text, so the cost of a text grows with its length, not with how
many names are followed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from summaries.filters import fold, phrase_pattern

__all__ = ["NameIndex"]

_WORD = re.compile(r"\w+")


class NameIndex:
    """Followed names, ready to be found in texts."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_first: dict[str, list[tuple[str, re.Pattern[str], int]]] = defaultdict(list)
        self._names: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        if name in self._names:
            return
        words = _WORD.findall(fold(name))
        pattern = phrase_pattern(name)
        if not words or pattern is None:
            return
        self._names.add(name)
        self._by_first[words[0]].append((name, pattern, len(words)))

    def __len__(self) -> int:
        return len(self._names)

    def mentioned(self, text: str) -> set[str]:
        """The names (as added) that ``text`` mentions."""
        folded = fold(text)
        found: set[str] = set()
        for word in set(_WORD.findall(folded)):
            for name, pattern, size in self._by_first.get(word, ()):
                if name not in found and (size == 1 or pattern.search(folded)):
                    found.add(name)
        return found

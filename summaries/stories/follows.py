"""Which followed names a text mentions, for many names at once.

Names are matched as :mod:`summaries.stories.filters` matches words: whole words, case and
accents folded, a multi-word name as a phrase. The index looks only at the names whose
words all occur in the text (looked up by the first), so the cost of a text grows with
its length, not with how many names are followed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from newsbrief.summaries.stories.filters import phrase_pattern
from newsbrief.summaries.text import fold_accents

__all__ = ["NameIndex"]

_WORD = re.compile(r"\w+")


class NameIndex:
    """Followed names, ready to be found in texts."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_first: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        self._patterns: dict[str, re.Pattern[str] | None] = {}  # compiled when first needed
        self._names: set[str] = set()
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        if name in self._names:
            return
        words = _WORD.findall(fold_accents(name))
        if not words:
            return
        self._names.add(name)
        self._by_first[words[0]].append((name, frozenset(words[1:])))

    def __len__(self) -> int:
        return len(self._names)

    def mentioned(self, text: str) -> set[str]:
        """The names (as added) that ``text`` mentions."""
        folded = fold_accents(text)
        words = set(_WORD.findall(folded))
        found: set[str] = set()
        for word in words:
            for name, rest in self._by_first.get(word, ()):
                # every word present before the phrase is looked for in order
                if name not in found and (not rest or (rest <= words and self._search(name, folded))):
                    found.add(name)
        return found

    def _search(self, name: str, folded: str) -> bool:
        if name not in self._patterns:
            self._patterns[name] = phrase_pattern(name)
        pattern = self._patterns[name]
        return bool(pattern and pattern.search(folded))

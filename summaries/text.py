"""Text helpers shared by the news core: folding, normalising."""

from __future__ import annotations

import re

__all__ = ["fold_words"]

_NON_WORD = re.compile(r"\W+")


def fold_words(text: str) -> str:
    """Case-folded words joined by single spaces, punctuation dropped: the key two texts
    share when they differ only in case, spacing or punctuation."""
    return _NON_WORD.sub(" ", text.casefold()).strip()

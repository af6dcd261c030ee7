"""newsbrief's news core: articles, the store, summaries, entities, briefings.

No Telegram code lives here; everything can be used from a plain Python shell::

    from newsbrief.summaries import summarize
    summarize(text, sentences=3)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["summarize", "lookup"]

# The two re-exports load on first use (PEP 562 module ``__getattr__``), so that importing a
# light part of the core, such as ``newsbrief.summaries.store``, does not load sumy, numpy
# and spaCy. They are named here, not imported inside a function.
_LAZY = {
    "summarize": "newsbrief.summaries.nlp.summarizer",
    "lookup": "newsbrief.summaries.index.entity_index",
}


def __getattr__(name: str) -> Callable[..., object]:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: Callable[..., object] = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # found once, then a plain attribute
    return value

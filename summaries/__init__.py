"""newsbrief's news core: articles, the store, summaries, entities, briefings.

No Telegram code lives here; everything can be used from a plain Python shell::

    from newsbrief.summaries import summarize
    summarize(text, sentences=3)
"""

from __future__ import annotations

from typing import Any

__all__ = ["summarize", "lookup"]


def __getattr__(name: str) -> Any:  # heavy modules load on first use
    if name == "summarize":
        from newsbrief.summaries.nlp.summarizer import summarize

        return summarize
    if name == "lookup":
        from newsbrief.summaries.index.entity_index import lookup

        return lookup
    raise AttributeError(name)

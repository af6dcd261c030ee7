"""The news core of one store: what is derived from it and kept in memory.

A :class:`NewsCore` holds, for one store and its settings, the in-memory story index
(rebuilt from the store when the store reloads its data, or when the story settings
change). The bot keeps one for as long as it runs; :func:`summaries.pipeline.run_pipeline`
makes one for a single run when it is given none. Nothing here is global: two stores in
one process have two cores.
"""

from __future__ import annotations

import threading

from summaries.config import Settings
from summaries.stories import StoryIndex
from summaries.store import NewsStore

__all__ = ["NewsCore"]


class NewsCore:
    """The store, the settings, and the indexes derived from the store."""

    def __init__(self, store: NewsStore, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self._lock = threading.Lock()
        self._stories: StoryIndex | None = None

    def story_index(self) -> StoryIndex:
        """The story index, current with the store."""
        with self._lock:
            idx = self._stories
            if idx is None or idx.generation != self.store.generation or idx.params != self.settings.stories:
                idx = StoryIndex.load(self.store, self.settings.stories)
                self._stories = idx
            return idx

"""The news core of one store: what is derived from it and kept in memory.

A :class:`NewsCore` gives, for one store and its settings, the in-memory story and
entity indexes (rebuilt from the store when it reloads its data, or when the story
settings change). The indexes are held by the store (``NewsStore.cached``), not by a
module: two stores in one process never share one. The bot keeps a core for as long as
it runs; :func:`summaries.pipeline.run.run_pipeline` makes one when it is given none.

Both indexes are built on first use, and only the pipeline's work uses them (clustering,
indexing entities, pruning). Reading never does: briefings list a day through
``NewsStore.story_listing`` and, on a server store, ``/who`` is answered by
:mod:`summaries.index.lookup`'s queries. So a bot process on PostgreSQL holds neither
index while workers do the work; when no worker runs, the bot's own pipeline job builds
them (the story index reads every stored article: that process then grows with the
database, as a worker does).
"""

from __future__ import annotations

from newsbrief.summaries.config import Settings
from newsbrief.summaries.index.entity_index import EntityIndex, get_index
from newsbrief.summaries.store import NewsStore
from newsbrief.summaries.stories.clustering import StoryIndex

__all__ = ["NewsCore"]


class NewsCore:
    """The store, the settings, and the indexes derived from the store (held by the
    store itself, so every core of one store shares them)."""

    def __init__(self, store: NewsStore, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()

    def story_index(self) -> StoryIndex:
        """The story index, current with the store and these story settings."""
        params = self.settings.stories
        with self.store.lock:
            return self.store.cached(f"story-index:{params!r}", lambda: StoryIndex.load(self.store, params))

    def entity_index(self) -> EntityIndex:
        """The entity index, current with the store."""
        return get_index(self.store)

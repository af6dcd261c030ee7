"""Work a process did not finish is picked up by the next run: an article summarized but
not indexed when the process died (or ran out of memory) still reaches /who."""

from __future__ import annotations

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings
from newsbrief.summaries.index import entity_index as ei
from newsbrief.summaries.pipeline.run import run_pipeline, summarize_pending
from newsbrief.summaries.store import Store


def test_an_article_summarized_but_never_indexed_is_indexed_by_the_next_run(tmp_path):
    article = parse_record(
        {
            "title": "Harbour master retires",
            "text": "Harbour master Ingrid Solberg retired on Friday after thirty years in Port Elms. "
            "Ingrid Solberg said the new ferry terminal was the work she was proudest of.",
            "published": "2025-07-27T09:00:00Z",
        }
    )
    path = tmp_path / "db.json"
    with Store(path) as store:
        store.upsert_articles([article])
        done, failed = summarize_pending(store, Settings().summaries)  # then the process dies
        assert [a["id"] for a in done] == [article.id] and not failed
    with Store(path) as store:  # a new process: nothing is left to summarize
        assert ei.lookup(store, "Ingrid Solberg").card is None
        assert article.id in ei.unindexed_articles(store)
        run_pipeline(store, Settings(), ingest=False)
        assert ei.lookup(store, "Ingrid Solberg").card is not None
        assert ei.unindexed_articles(store) == []

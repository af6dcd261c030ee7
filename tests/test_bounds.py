"""What a stranger's text can cost is bounded: the summarizer and the entity extractor
read at most ``[summaries] max_text_chars`` characters of an article."""

from __future__ import annotations

import subprocess
import sys

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings, SummarySettings
from newsbrief.summaries.index.entity_index import lookup, unindexed_articles
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.summarizer import summarize_article
from newsbrief.summaries.pipeline.run import run_pipeline
from newsbrief.summaries.store import Store
from newsbrief.summaries.text import bounded_text

PARAGRAPH = (
    "The harbour authority in Port Elms said on Tuesday that the new ferry terminal would open in May. "
    "Engineers finished the pier after two years of work and a long dispute over its cost. "
)


def test_a_text_is_cut_at_a_space_before_the_bound():
    text = "alpha beta gamma " * 10
    cut = bounded_text(text, 40)
    assert len(cut) <= 40 and text.startswith(cut) and not cut.endswith((" ", "gam", "gamm"))
    assert bounded_text("short", 40) == "short"


def test_the_summary_of_a_huge_body_reads_only_its_beginning():
    tail = "A completely different matter about volcanic ash closed every airport in the region. "
    body = PARAGRAPH * 40 + tail * 20_000  # about 1.8 MB
    sentences = summarize_article(body, SummarySettings(max_text_chars=5_000))
    assert sentences and not any("volcanic" in s for s in sentences)


def test_one_huge_feed_item_costs_bounded_memory_in_entity_extraction():
    """A 300 KB item used to take about a gigabyte in the model (and a 1 MB one three);
    the extractor reads its first 50,000 characters, whose names it still finds."""
    code = (
        "import resource\n"
        "from newsbrief.summaries.nlp import entities as ner\n"
        "ner.extract('Warm up: Pete Hegseth spoke in Washington.')\n"
        f"text = 'Mayor Anna Kowalski of Port Elms opened the terminal. ' + {PARAGRAPH!r} * 1700\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "(found,) = ner.extract_many([(text, ())])\n"
        "grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024\n"
        "print(len(text), grown, sorted({f.name for f in found if f.type == 'person'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=170, check=True).stdout
    size, grown, people = out.strip().split(" ", 2)
    assert int(size) > 300_000 and "Anna Kowalski" in people
    assert int(grown) < 400, out


def test_an_article_whose_extraction_fails_is_skipped_and_its_batch_kept(tmp_path, monkeypatch):
    """The model running out of memory on one article (forced here: it cannot be caused
    safely on a shared machine) loses neither the other articles of its batch nor the run."""
    real = ner.extract_many

    def extract_many(items, **kwargs):
        if any("POISON" in text for text, _ in items):
            raise MemoryError
        return real(items, **kwargs)

    monkeypatch.setattr(ner, "extract_many", extract_many)
    bodies = {
        "good-1": "Mayor Anna Kowalski of Port Elms opened the terminal on Tuesday. " + PARAGRAPH,
        "bad": "POISON " + PARAGRAPH,
        "good-2": "Engineer Tomas Brandt of Hallam Steel inspected the pier on Wednesday. " + PARAGRAPH,
    }
    with Store(tmp_path / "db.json") as store:
        store.upsert_articles(
            [
                parse_record({"title": f"Terminal news {k}", "text": v, "url": f"https://example.org/{k}"})
                for k, v in bodies.items()
            ]
        )
        run_pipeline(store, Settings(), ingest=False)
        assert lookup(store, "Anna Kowalski").card is not None
        assert lookup(store, "Tomas Brandt").card is not None
        assert not unindexed_articles(store)  # the bad one is recorded as done, not tried every run

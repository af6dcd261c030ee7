"""What a stranger's text can cost is bounded: the summarizer and the entity extractor
read at most ``[summaries] max_text_chars`` characters of an article."""

from __future__ import annotations

import subprocess
import sys

from newsbrief.summaries.config import SummarySettings
from newsbrief.summaries.nlp.summarizer import summarize_article
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

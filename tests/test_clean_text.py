"""Invisible controls in fetched text never reach what a reader is shown: a right-to-left
override in a feed's title would make "…lmth.exe" read as "…exe.html"."""

from __future__ import annotations

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.ingest.pages import html_to_text
from newsbrief.summaries.text import strip_controls

RLO, ZWSP, LRI, PDI, BOM = "\u202e", "\u200b", "\u2066", "\u2069", "\ufeff"


def test_an_article_keeps_no_bidi_or_zero_width_control_in_any_field():
    article = parse_record(
        {
            "title": f"Invoice{RLO}lmth.exe attached",
            "text": f"The council{ZWSP} approved the bridge on Monday. {LRI}Work starts{PDI} in May.{BOM}",
            "source": f"Daily{RLO} News",
            "url": f"https://example.org/a{ZWSP}b",
        }
    )
    for value in (article.headline, article.body, article.source, article.url):
        assert strip_controls(value) == value, repr(value)
    assert article.headline == "Invoicelmth.exe attached" and article.source == "Daily News"


def test_feed_html_loses_controls_written_as_characters_or_entities():
    assert html_to_text(f"<p>Bridge{RLO} opens</p><p>&#x202E;gnp.exe</p>") == "Bridge opens\n\ngnp.exe"
    assert html_to_text(f"Plain{ZWSP} title") == "Plain title"


def test_joiners_that_scripts_and_emoji_need_are_kept():
    persian = "می\u200cخواهم"  # the zero-width non-joiner is part of the word
    family = "👩\u200d👧"
    assert strip_controls(persian) == persian and strip_controls(family) == family

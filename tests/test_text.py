"""The text module: each fold's meaning, host names, and the junk patterns that cleaning
and the summarizer share."""

from __future__ import annotations

import pytest

from newsbrief.summaries.articles.cleaning import clean_body
from newsbrief.summaries.nlp.summarizer import is_junk_sentence
from newsbrief.summaries.text import (
    TEASER_LINE,
    TEASER_SENTENCE,
    fold_accents,
    fold_words,
    normalise_host,
    split_camel,
    wire_credit,
)


def test_fold_words_ignores_case_spacing_and_punctuation():
    assert fold_words("  Storm hits the  COAST!  ") == "storm hits the coast"
    assert fold_words("Storm -- hits, the coast.") == fold_words("storm hits the coast")
    assert fold_words("Café") == "café"  # accents are kept


def test_fold_accents_folds_case_and_accents_and_keeps_punctuation():
    assert fold_accents("Café") == "cafe"
    assert fold_accents("STRASSE") == fold_accents("straße") == "strasse"
    assert fold_accents("World-Cup, 2026!") == "world-cup, 2026!"


def test_split_camel():
    assert split_camel("RegionalSecurity") == "Regional Security"
    assert split_camel("BBCNews") == "BBC News"
    assert split_camel("India") == "India"


def test_normalise_host():
    assert normalise_host(" Bücher.Example ") == "xn--bcher-kva.example"
    for bad in ("", "a/b", "host:80", "user@host"):
        with pytest.raises(ValueError):
            normalise_host(bad)


def test_every_teaser_line_is_a_junk_sentence_too():
    lines = [
        "Also Read | Storm hits the coast",
        "Watch video: the flood",
        "Related stories - Monsoon",
        "Don't miss: the budget",
        "Subscribe > newsletter",
    ]
    for line in lines:
        assert TEASER_LINE.match(line), line
        assert TEASER_SENTENCE.match(line), line
        assert is_junk_sentence(line), line


def test_the_sentence_filter_also_drops_promotions_that_cleaning_keeps():
    for line in ("Follow us: on every platform", "Related articles | more", "Sign up - for alerts"):
        assert not TEASER_LINE.match(line), line
        assert is_junk_sentence(line), line


def test_wire_credit_covers_the_known_agencies_and_the_articles_own():
    assert wire_credit().search("The talks ended. (ANI/WAM)")
    assert not wire_credit().search("The talks ended. (Gazette)")
    assert wire_credit("Gazette").search("The talks ended. (Gazette)")


def test_cleaning_drops_the_shared_junk():
    body = (
        "date 2025-07-27 New Delhi [India], July 27 (ANI): The talks ended on Sunday.\n\n"
        "Also Read | Storm hits the coast\n\n"
        "By Jane Smith, BBC News\n\n"
        "Both sides agreed to meet again next month. (ANI)"
    )
    assert clean_body(body) == "The talks ended on Sunday.\n\nBoth sides agreed to meet again next month."

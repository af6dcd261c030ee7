"""Parsing and cleaning of the article formats we ingest."""

from __future__ import annotations

import json

import pytest

from newsbrief.summaries.articles.cleaning import clean_body
from newsbrief.summaries.articles.formats import derive_headline, parse_record, parse_text, parse_wire, read_articles
from newsbrief.summaries.articles.model import Article, ArticleError


def test_seed_article_header_fields(seed_text):
    article = parse_wire(seed_text)
    assert article.date == "2025-07-27"
    assert article.place == "New Delhi"
    assert article.agency == "ANI"


def test_seed_body_is_clean(seed_text):
    body = parse_wire(seed_text).body
    assert body.startswith("The top defence officials from India and the United States")
    assert "Also Read" not in body and "Saurabh Anand" not in body and "Divorced Man" not in body
    assert "verified and authored by ANI staff" not in body and "LatestLY" not in body
    assert not body.startswith("date") and "(ANI)" not in body and "July 27 (ANI):" not in body
    assert "#" not in body
    assert body.rstrip().endswith("to deepen interoperability and coordination.")
    # paragraphs are kept
    assert len(body.split("\n\n")) == 14  # 17 paragraphs less two teasers and the disclaimer


def test_seed_hashtags_become_words_and_are_listed(seed_text):
    article = parse_wire(seed_text)
    assert "discussed. India - USA Defence engagements" in article.body
    assert "DefenceCooperation" in article.hashtags and "IndoPacific" in article.hashtags


def test_derived_headline_is_short_and_cut_at_a_clause(seed_text):
    article = parse_wire(seed_text)
    assert article.headline_derived
    assert article.headline == "The top defence officials from India and the United States held key bilateral talks"
    assert len(article.headline) <= 90


@pytest.mark.parametrize("limit", [30, 50, 70])
def test_derived_headline_never_cuts_mid_word(limit):
    lead = (
        "Supercalifragilistic negotiators representing thirty-seven municipalities "
        "unexpectedly reached agreement yesterday evening."
    )
    headline = derive_headline(lead, limit=limit)
    assert len(headline) <= limit + 1
    words = headline.rstrip("…").split()
    assert all(w in lead.split() for w in words)


def test_cleaning_keeps_parenthesised_acronyms_that_are_not_credits():
    body = clean_body("The Chairman Chiefs of Staff Committee (CISC) met on Sunday.\n\nIt ended late. (PTI)")
    assert "(CISC)" in body
    assert "(PTI)" not in body


def test_same_article_same_id_changed_article_same_id_new_hash(seed_text):
    a = parse_wire(seed_text)
    b = parse_wire(seed_text.replace("rapid expansion", "very rapid expansion"))
    assert a.id == b.id
    assert a.content_hash != b.content_hash
    assert parse_wire("  " + seed_text).content_hash == a.content_hash


def test_plain_text_with_title_line():
    article = parse_text(
        "Floods close schools\n\nHeavy rain closed schools across the region on Tuesday. More rain is due."
    )
    assert article.headline == "Floods close schools"
    assert article.body.startswith("Heavy rain")


def test_json_record_fields():
    article = parse_record(
        {
            "title": "Bank raises rates",
            "text": "The central bank raised rates on Thursday.",
            "url": "https://example.org/a?utm_source=x",
            "published": "2025-07-20T09:00:00Z",
            "source": "Example",
        }
    )
    assert (article.headline, article.date, article.source) == ("Bank raises rates", "2025-07-20", "Example")
    same = parse_record({"title": "Other", "text": "Different text here.", "url": "https://www.example.org/a"})
    assert same.id == article.id  # canonical URL identifies the story


def test_read_articles_reports_bad_entries_and_keeps_good(tmp_path):
    path = tmp_path / "dump.jsonl"
    lines = [
        json.dumps({"title": "One", "text": "First story text.", "published": "2025-07-01"}),
        "{not json",
        json.dumps({"url": "https://example.org/empty", "text": "  "}),
        json.dumps({"title": "Two", "text": "Second story text.", "published": "yesterday-ish"}),
        json.dumps({"title": "Three", "text": "Third story text.", "published": "2025-07-03"}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    entries = read_articles(path)
    good = [e for e in entries if isinstance(e, Article)]
    bad = [str(e) for e in entries if isinstance(e, ArticleError)]
    assert [a.headline for a in good] == ["One", "Three"]
    assert bad[0].startswith("line 2: invalid JSON")
    assert bad[1] == "line 3: no 'text' (and no 'title')"
    assert bad[2].startswith("line 4: published")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        (b"caf\xe9 au lait is served daily", "not UTF-8"),
    ],
)
def test_unreadable_files_say_why(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        read_articles(path)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(ArticleError, match="too large"):
        read_articles(path, max_bytes=1000)


def test_wire_header_with_bad_date_is_an_error():
    with pytest.raises(ArticleError, match="not a date"):
        parse_wire("date 2025-13-45 Paris [France], July 1 (AFP): Something happened today.")


def test_headline_only_item_is_an_article_of_its_headline():
    from newsbrief.summaries.articles.formats import parse_record

    item = parse_record(
        {"title": "VIDEO: Storm closes main road", "published": "2014-03-10T16:55:01+00:00", "source": "Example"}
    )
    assert item.headline == "VIDEO: Storm closes main road" and item.body == item.headline
    assert item.date == "2014-03-10" and item.published == "2014-03-10T16:55:01+00:00"

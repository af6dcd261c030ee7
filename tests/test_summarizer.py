"""Tests for the offline tokenizer and the news summarizer (no network, no NLTK data)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsbrief.summaries.nlp.summarizer import (
    ELLIPSIS,
    NewsSummarizer,
    build_document,
    clean_sentence,
    is_fragment,
    is_junk_sentence,
    summarize,
    truncate_at_word,
)
from newsbrief.summaries.nlp.tokenizer import OfflineTokenizer, get_tokenizer, split_sentences

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_eeb52cb6227b42a1.txt"
LEAD = "The top defence officials from India and the United States held key bilateral talks"

JUNK = re.compile(r"Also Read|\(ANI\)|\bANI\b|\[India\]|^date \d|#\w|LatestLY|above story", re.I)


@pytest.fixture(scope="module")
def raw() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cleaned_body(raw: str) -> str:
    articles = pytest.importorskip("newsbrief.summaries.articles.formats")
    return articles.parse_text(raw).body


def _normalise(s: str) -> str:
    return " ".join(s.split())


def _assert_clean_summary(summary: list[str], source: str) -> None:
    assert len(summary) == 3
    assert summary[0].startswith(LEAD)
    flat = _normalise(source)
    positions = []
    for sentence in summary:
        assert not JUNK.search(sentence), sentence
        assert not is_fragment(sentence), sentence
        assert sentence[0].isupper() or sentence[0] in '"“', sentence
        assert sentence.count('"') % 2 == 0
        pos = flat.find(_normalise(sentence))
        assert pos >= 0, f"not taken from the body: {sentence!r}"
        positions.append(pos)
    assert positions == sorted(positions), "sentences must be in article order"


# -- tokenizer -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Lt. Gen. Joshua Rudd met the U.S. Army chief. Dr. Smith said so.",
            ["Lt. Gen. Joshua Rudd met the U.S. Army chief.", "Dr. Smith said so."],
        ),
        (
            "Mr. Modi left No. 10 Downing St. on Jan. 5. External Affairs Minister S. Jaishankar met him.",
            ["Mr. Modi left No. 10 Downing St. on Jan. 5.", "External Affairs Minister S. Jaishankar met him."],
        ),
        ("He lives in the U.S. He is happy.", ["He lives in the U.S.", "He is happy."]),
        ("Maj. Gen. Smith and Prof. Jones met Sen. Brown at 10 a.m. today.", None),
        (
            "Apple Inc. said it would buy Beats. The deal is worth $3bn.",
            ["Apple Inc. said it would buy Beats.", "The deal is worth $3bn."],
        ),
        (
            "Headline without a stop\nFirst line. Second line.\n\nNew paragraph.",
            ["Headline without a stop", "First line.", "Second line.", "New paragraph."],
        ),
    ],
)
def test_split_sentences_abbreviations(text: str, expected: list[str] | None) -> None:
    got = split_sentences(text)
    assert got == (expected if expected is not None else [text])


def test_split_sentences_empty() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n ") == []


def test_tokenizer_is_sumy_compatible_and_cached() -> None:
    tok = get_tokenizer("english")
    assert tok is get_tokenizer("english")
    assert isinstance(tok, OfflineTokenizer) and tok.language == "english"
    words = tok.to_words("The U.S. Army's well-known unit, 3.5% of 2025!")
    assert words == ("The", "U.S.", "Army's", "well-known", "unit", "of")


def test_sumy_parser_and_summarizer_class(raw: str) -> None:
    from sumy.parsers.plaintext import PlaintextParser

    document = PlaintextParser.from_string(raw, get_tokenizer()).document
    chosen = NewsSummarizer()(document, 3)
    assert len(chosen) == 3
    assert str(chosen[0]).startswith(LEAD)
    assert not any(JUNK.search(str(s)) for s in chosen)
    assert len(NewsSummarizer()(build_document(raw), "10%")) == 2


# -- seed article ----------------------------------------------------------


def test_seed_raw_text_summary(raw: str) -> None:
    _assert_clean_summary(summarize(raw), raw)


def test_seed_cleaned_body_summary(cleaned_body: str) -> None:
    _assert_clean_summary(summarize(cleaned_body), cleaned_body)


def test_plain_sumy_pitfalls_are_filtered(raw: str) -> None:
    assert (
        clean_sentence("date 2025-07-27 New Delhi [India], July 27 (ANI): The top brass met.") == "The top brass met."
    )
    assert clean_sentence("WASHINGTON (Reuters) - Stocks rose on Monday.") == "Stocks rose on Monday."
    assert clean_sentence("NEW DELHI: Stocks rose on Monday.") == "Stocks rose on Monday."
    assert clean_sentence("The drills ended on Sunday. (ANI)") == "The drills ended on Sunday."
    for junk in [
        "Also Read | Thailand: Divorced Man Refuses Food, Drinks Only Beer for a Month.",
        "(ANI)",
        "By Jane Smith",
        "(With inputs from PTI)",
        "The views appearing in the above post do not reflect the opinions of LatestLY)",
        "Talks were held.#India - #USA Defence engagements underscore mutual resolve.",
    ]:
        assert is_junk_sentence(junk) or is_fragment(junk), junk
    for fragment in [
        "Oldham v Bolton",
        "and then the talks ended on a high note.",
        '"The talks went well, said the minister.',
        "Short one.",
    ]:
        assert is_fragment(fragment), fragment
    assert not is_fragment("By 2007, Japan's population is expected to peak at 127 million.")
    assert not is_junk_sentence("By 2007, Japan's population is expected to peak at 127 million.")


# -- options ---------------------------------------------------------------


def test_sentence_count_and_ratio(raw: str) -> None:
    n_body = 17  # story sentences of the seed (teasers, credits and disclaimer excluded)
    assert len(summarize(raw, 1)) == 1
    assert len(summarize(raw, 5)) == 5
    assert len(summarize(raw, 10, ratio=0.3)) == round(0.3 * n_body)
    assert len(summarize(raw, 3, ratio=0.5)) == 3  # `sentences` caps the ratio
    assert len(summarize(raw, 3, ratio=0.01)) == 1  # at least one
    with pytest.raises(ValueError):
        summarize(raw, ratio=1.5)


@pytest.mark.parametrize("limit", [1000, 600, 400])
def test_max_chars_drops_whole_sentences(raw: str, limit: int) -> None:
    full = summarize(raw, 3)
    got = summarize(raw, 3, max_chars=limit)
    assert got and len(" ".join(got)) <= limit
    assert all(s in full for s in got)  # whole sentences, never cut
    assert not any(s.endswith(ELLIPSIS) for s in got)


def test_max_chars_cuts_single_sentence_at_word(raw: str) -> None:
    got = summarize(raw, 3, max_chars=100)
    assert len(got) == 1 and len(got[0]) <= 100
    assert got[0].endswith(ELLIPSIS)
    assert LEAD.startswith(got[0][:-1].rstrip()) or got[0][:-1] in summarize(raw, 1)[0]
    words = got[0][:-1].split()
    assert all(w in summarize(raw, 1)[0].split() for w in words)  # no half words
    assert truncate_at_word("alpha beta gamma", 12) == "alpha beta…"


def test_edge_inputs() -> None:
    assert summarize("") == []
    assert summarize("   \n ") == []
    assert summarize("Hello") == []  # a lone fragment is no summary
    one = "The central bank raised interest rates by half a point on Tuesday."
    assert summarize(one) == [one]
    assert summarize("Markets closed higher.") == ["Markets closed higher."]


def test_very_long_input_is_fast(raw: str) -> None:
    import time

    long_text = "\n\n".join([raw] * 60)  # ~1,400 sentences, 260 kB
    start = time.perf_counter()
    got = summarize(long_text)
    assert time.perf_counter() - start < 5
    assert 1 <= len(got) <= 3
    assert len(set(got)) == len(got)  # the duplicates are not picked twice


def test_no_near_duplicates() -> None:
    text = (
        "The government announced a new tax on sugary drinks on Monday.\n"
        "The government announced a new tax on sugary drinks on Monday, officials said.\n"
        "Manufacturers warned that prices would rise sharply for consumers.\n"
        "Health groups welcomed the measure as overdue and called for more action.\n"
    )
    got = summarize(text, 3)
    assert sum("announced a new tax" in s for s in got) == 1


# -- offline guarantee -------------------------------------------------------


def test_runs_offline_without_nltk_data(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import socket, sys
        def _blocked(*a, **k):
            raise OSError("network disabled in test")
        socket.socket.connect = _blocked
        socket.socket.connect_ex = _blocked
        socket.create_connection = _blocked
        sys.path.insert(0, {str(REPO)!r})
        from newsbrief.summaries.nlp.summarizer import summarize
        text = open({str(SEED)!r}, encoding="utf-8").read()
        out = summarize(text)
        assert len(out) == 3, out
        assert out[0].startswith({LEAD!r}), out
        print("OK", len(out))
        """
    )
    empty_data = tmp_path / "nltk_data"
    home = tmp_path / "home"
    empty_data.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NLTK", "HTTP", "HTTPS"))}
    env.update(NLTK_DATA=str(empty_data), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "OK 3" in proc.stdout
    assert not any(empty_data.iterdir())


def test_sentence_spans_are_the_sentences_at_their_offsets():
    from newsbrief.summaries.nlp.tokenizer import sentence_spans, split_sentences

    text = "It rose. It rose.  Shares rose 3.5 p.c. in Oct. and fell.\n\n  Mr. Smith said so. It rose.\nA last line"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == list(split_sentences(text))
    # repeated sentences keep their own offsets, in order
    assert [a for a, b in spans if text[a:b] == "It rose."] == [0, 9, text.index("It rose.\nA")]

"""Shared fixtures: the seed article, small generated articles, and a local web site."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # python-telegram-bot 22: durations as timedelta, as the entry points set

from pathlib import Path

import pytest
from sitesrv import Site

from newsbrief import seeds
from newsbrief.summaries.articles.model import Article

SEED_FILE = next(seeds.folder().glob("*.txt"))


@pytest.fixture
def site():
    """A tiny web site on 127.0.0.1 serving fixed documents (tests/sitesrv.py)."""
    s = Site()
    yield s
    s.close()


@pytest.fixture
def seed_text() -> str:
    return SEED_FILE.read_text(encoding="utf-8")


@pytest.fixture
def seed_path() -> Path:
    return SEED_FILE


def make_articles(n: int, *, date: str = "2025-07-01", start: int = 0) -> list[Article]:
    """``n`` distinct small articles."""
    return [
        Article(
            headline=f"Council approves plan number {i}",
            body=f"The city council approved plan number {i} on Monday. The vote was {i % 7 + 3} to 2.",
            date=date,
            agency="TEST",
            source="test",
        )
        for i in range(start, start + n)
    ]


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once for the whole session (model tests skip without it)."""
    from newsbrief.summaries.nlp import entities as ner

    ner.set_backend(None)
    model = ner.load_model()
    if model is None:
        pytest.skip("no spaCy English model installed")
    return model

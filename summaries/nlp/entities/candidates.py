"""Stage 1, candidates: the spans that may be names (the model's, a title before a name,
"Operation X" events, capitalised runs without a model), split and trimmed to the name,
with the roles written right around a person."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsbrief.summaries.nlp.entities.common import (
    DESIGNATION,
    EVENT,
    EVENT_PATTERN,
    HONORIFICS,
    LABELS,
    LC_HEADS,
    NAME_TOKEN,
    NOT_NAME,
    ORG,
    ORG_AGENTS,
    ORG_NOUNS,
    ORG_NOUNS_ALSO_PEOPLE,
    ORG_WORDS,
    PARTICLES,
    PERSON,
    PLACE,
    PLACES,
    POSSESSIVE,
    ROLE_ABBREVIATIONS,
    TITLE_HEADS,
    WEAPON_WORDS,
    bare_word,
    cue,
    is_title,
    known_place,
    person_noun,
    strip_suffix,
    word_tokens,
)
from newsbrief.summaries.nlp.entities.lexicon import english_words

# -- raw candidates ------------------------------------------------------------------


@dataclass(slots=True)
class Span:
    start: int
    end: int
    type: str
    source: str  # "model", "title", "event", "caps"
    title: str = ""  # title words stripped off the front
    name: str = ""  # canonical name when it differs from the text (events, aliases)


def spans_of_doc(doc) -> list[Span]:
    out = []
    for ent in doc.ents:
        kind = LABELS.get(ent.label_)
        if kind == ORG and re.search(r"[A-Z]\S*\s+(?:Act|Bill)$", ent.text):
            continue  # "the Foreign Corrupt Practices Act", "the Terrorism Bill": a law, not an organisation
        if kind:
            out.append(Span(ent.start_char, ent.end_char, kind, "model"))
    return out


def split_span(text: str, sp: Span, starts: set[int], sporty: bool = False) -> list[Span]:
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
        sp = Span(sp.start, sp.end, ORG, "model")  # "by Labour MPs": the party's members, not a person
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
            parts.append(Span(at, at + len(part), sp.type, "model"))
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
        and (org_noun(toks[0][0]) or toks[0][0].casefold().endswith("s") and person_noun(toks[0][0]))
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
        return [Span(toks[0][1], toks[0][2], ORG, "model"), Span(toks[1][1], toks[-1][2], PLACE, "model")]
    for i, w in enumerate(words[1:-1], 1):
        suffixed = strip_suffix(" ".join(words[:i])) != " ".join(words[:i])  # "Daniels Pharmaceuticals Inc of Tampa"
        if (w == "in" or w == "of" and suffixed) and words[i + 1][:1].isupper():
            return [
                Span(toks[0][1], toks[i - 1][2], sp.type, "model"),
                Span(toks[i + 1][1], toks[-1][2], PLACE, "model"),
            ]
        if w == "and" and words[i + 1][:1].isupper():
            left, right = text[toks[0][1] : toks[i - 1][2]], text[toks[i + 1][1] : toks[-1][2]]
            bare = re.sub(r"^[Tt]he\s+", "", left)
            if " " not in bare and bare.casefold() in english_words() and not known_place(bare):
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
                    Span(toks[0][1], toks[i - 1][2], sp.type, "model"),
                    Span(toks[i + 1][1], toks[-1][2], sp.type, "model"),
                ]
    return [Span(toks[0][1], toks[-1][2], sp.type, "model")]


def title_person_spans(text: str) -> list[Span]:
    """A title followed by a name: "Air Marshal Ashutosh Dixit", "PM Modi", "Secretary Hegseth"."""
    toks = word_tokens(text)
    out: list[Span] = []
    i = 0
    n = len(toks)
    while i < n:
        word = toks[i][0]
        lower = word in LC_HEADS
        if lower:
            j = i + 1
        else:
            if (
                not is_title(word)
                or bare_word(word) not in TITLE_HEADS
                and not (i + 1 < n and is_title(toks[i + 1][0]))
            ):
                i += 1
                continue
            j = i
            while j < n and is_title(toks[j][0]):
                j += 1
            # the title must end on a head word ("Air Marshal", not "Air")
            if bare_word(toks[j - 1][0]) not in TITLE_HEADS:
                i = j
                continue
        k = j
        name_toks: list[tuple[str, int, int]] = []
        while k < n and len(name_toks) < 4:
            raw = toks[k][0]
            if raw.endswith(".") and len(raw) > 2:
                raw = raw.rstrip(".")  # "... Eknath Shinde." ends the sentence
            w = POSSESSIVE.sub("", raw)
            if (
                NAME_TOKEN.match(w)
                and w not in NOT_NAME
                and w not in ORG_WORDS
                and not is_title(w)
                and w.casefold() not in PLACES
            ):
                name_toks.append((w, toks[k][1], toks[k][1] + len(w)))
                k += 1
                if toks[k - 1][0] != w:  # a possessive or a full stop ends the name
                    break
            elif name_toks and is_title(w) and NAME_TOKEN.match(w) and (k + 1 >= n or not toks[k + 1][0][:1].isupper()):
                # a surname that is also a title word: "Admiral Yash King met ..."
                name_toks.append((w, toks[k][1], toks[k][1] + len(w)))
                k += 1
                break
            elif w in PARTICLES and name_toks and k + 1 < n and NAME_TOKEN.match(toks[k + 1][0]):
                name_toks.append((w, toks[k][1], toks[k][2]))
                k += 1
            else:
                break
        while name_toks and (len(name_toks[-1][0].rstrip(".")) == 1 or name_toks[-1][0] in PARTICLES):
            name_toks.pop()  # a name ends on a word, not an initial
        if lower and len(name_toks) < 2:
            name_toks = []
        if (
            name_toks
            and (k >= n or toks[k][0] not in ORG_WORDS)
            and not (len(name_toks) == 1 and name_toks[0][0].casefold() in PLACES)
        ):
            title = " ".join(bare_word(t[0]) for t in toks[i:j])
            out.append(Span(name_toks[0][1], name_toks[-1][2], PERSON, "title", title=title))
        i = max(k, i + 1)
    return out


def event_spans(text: str) -> list[Span]:
    out = []
    for m in EVENT_PATTERN.finditer(text):
        kind = m.group(1).rstrip(".")
        kind = "Operation" if kind == "Op" else kind
        words = m.group(2).split()
        while words and (words[-1] in NOT_NAME or words[-1] in ORG_WORDS):
            words.pop()
        if not words:
            continue
        out.append(Span(m.start(), m.end(), EVENT, "event", name=f"{kind} {' '.join(words)}"))
    return out


# -- clean-up and roles --------------------------------------------------------------


def span_index(spans: Sequence[tuple[int, int]], pos: int) -> int:
    for idx, (a, b) in enumerate(spans):
        if a <= pos < b:
            return idx
    return -1


def good_name(words: list[str], kind: str) -> bool:
    if not words:
        return False
    if any(DESIGNATION.match(w.strip(",.")) for w in words):
        return False
    if kind in (PERSON, ORG) and (
        any(w.strip(",.") in WEAPON_WORDS for w in words)
        or (words[-1].casefold().strip(",.") in WEAPON_WORDS and words[-1].strip(",.") not in ORG_WORDS)
    ):
        return False  # "Javelin Anti-Tank Guided Missiles", not "Jet Airways" or "Cisco Systems"
    if kind == PERSON:
        if len(words) > 5 or any(w in ORG_WORDS for w in words):
            return False
        if not all(NAME_TOKEN.match(w) or w in PARTICLES or re.match(r"^[A-Z][\w'’.-]+$", w) for w in words):
            return False
        if len(words) == 1 and (words[0].casefold() in PLACES or words[0] in NOT_NAME):
            return False
    return any(ch.isupper() for ch in "".join(words))


def pre_role(text: str, start: int, floor: int) -> tuple[str, int]:
    """The title or office written just before a name (``floor``: do not look before it).

    "External Affairs Minister S Jaishankar" -> "External Affairs Minister";
    "US Secretary of Defence, Pete Hegseth" -> "US Secretary of Defence";
    "then-US President Donald Trump" -> "then-US President". Returns the role and where it starts.
    """
    toks = word_tokens(text[floor:start], floor)
    if not toks:
        return "", start
    comma = toks[-1][0] == ","
    if comma:
        toks = toks[:-1]
    picked: list[tuple[str, int, int]] = []
    for tok in reversed(toks):
        w = tok[0]
        bare = bare_word(w)
        if (
            (w[:1].isupper() or re.match(r"^(?:then|former|ex|acting|interim)-[A-Z]", w))
            and bare not in NOT_NAME - {"Mr", "Mrs", "Ms", "Dr"}
            or w in ("of", "for", "&", "the", "on")
            and picked
        ):
            picked.append(tok)
        elif w.casefold() in ("former", "acting", "interim", "then", "outgoing"):
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
    heads = [i for i, w in enumerate(words) if bare_word(w) in TITLE_HEADS]
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


_AGE_FRONT = cue("age_front")


def clean_role(role: str) -> str:
    role = (
        " ".join(role.replace(".", " ").split())
        if re.fullmatch(r"(?:[A-Z][a-z]{0,3}\.?\s*)+", role)
        else " ".join(role.split())
    )
    role = role.strip(" ,;:-")
    role = _AGE_FRONT.sub("", role)  # "51-year-old premier": an age is not the role
    role = ROLE_ABBREVIATIONS.get(role, role)
    words = [w for w in role.split() if w not in HONORIFICS]
    if not words:
        return ""
    return " ".join(words)


def org_noun(word: str) -> bool:
    """An organisation noun, singular or plural, that is not also said of people
    ("airline", "auditors", "bookmakers"; not "maker", "head")."""
    w = word.casefold()
    stem = w[:-1] if w.endswith("s") and w[:-1] in ORG_NOUNS | ORG_AGENTS else w
    return (stem in ORG_NOUNS or stem in ORG_AGENTS) and stem not in ORG_NOUNS_ALSO_PEOPLE

"""Stage 5, typing: each name's type as a vote over its mentions, the model's label against
the words around it (titles, roles, organisation and event words, club and place
contexts, product nouns)."""

from __future__ import annotations

import functools
import re
from collections import Counter

from newsbrief.summaries.nlp.entities.candidates import org_noun
from newsbrief.summaries.nlp.entities.common import (
    COMPASS,
    MODEL_VOTE,
    ORG,
    ORG_NOUNS_ALSO_PEOPLE,
    ORG_WORDS,
    PERSON,
    PLACE,
    PLACES,
    PRODUCT,
    PRODUCT_NOUNS,
    RELATIONS,
    WORK_AFTER,
    WORK_BEFORE,
    Extracted,
    club_context,
    countries,
    cue,
    cues_data,
    entities_data,
    fold,
    known_place,
    place_name,
    strip_suffix,
    words,
)
from newsbrief.summaries.nlp.entities.mentions import Art, sporty_text
from newsbrief.summaries.nlp.entities.model import (
    given_name,
    group_name,
    known_given_name,
    name_shaped,
    surname_again,
    word_named,
)
from newsbrief.summaries.nlp.entities.roles import org_role

_FACILITY_HEADS = frozenset(entities_data()["facility_heads"])
WORK_ROLE = cue("work_role")
MAKER_ROLE = cue("maker_role")
SCREEN_SENTENCE = cue("screen_sentence")
_RECORD_NOUNS = words("record_nouns")


_BUSINESS_WORDS = cue("business_words")


@functools.lru_cache(maxsize=64)  # asked several times per text
def businessy(text: str) -> bool:
    """A report on business: words of firms, markets and money at least once in 150 words."""
    return len(_BUSINESS_WORDS.findall(text)) * 150 >= max(1, len(text.split()))


_NOUN_BEFORE = cue("noun_before")
# where a name is an electoral seat ("MP for Finchley", "the Finchley constituency")
SEAT_BEFORE = cue("seat_before")
_PLACE_BEFORE = cue("place_before")
_PLACE_AFTER = cue("place_after")


VOTE_CUES = [(spec, cue(name)) for name, spec in cues_data().items() if "votes" in spec]


def cue_votes(text: str, f: Extracted, marks: dict[str, bool]) -> Counter:
    """The votes of the cue table for one mention: each cue with ``votes`` whose pattern is
    found on its side of the mention, for a mention of one of its ``types`` that has none of
    its ``unless`` marks (see data/cues.json)."""
    out: Counter = Counter()
    for spec, pattern in VOTE_CUES:
        if f.type not in spec.get("types", (f.type,)) or any(marks[m] for m in spec.get("unless", ())):
            continue
        if spec["side"] == "before":
            found = pattern.search(text[max(0, f.start - spec["window"]) : f.start])
        else:
            found = pattern.match(text[f.end : f.end + spec["window"]])
        if found:
            out.update(spec["votes"])
    return out


def type_votes(
    art: Art,
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
    sporty = sporty_text(text)
    people_at = {f.start for f, name, forced in named if (forced or f.type) == PERSON and len(name.split()) > 1}
    for f, name, forced in named:
        key = fold(name)
        v = cues.setdefault(key, Counter())
        model.setdefault(key, Counter())[f.type] += 1
        if f.start in work_titles and not forced and not sporty and key not in PLACES and key not in countries():
            v[PRODUCT] += 5  # "Sideways star Thomas Hayden Church": a film's star, not an employer
            works.add(key)
        elif f.start in employers and not forced:
            # "Sophos consultant Graham Cluley": an employer; "a New York official": a place's
            v[PLACE if not sporty and known_place(name) and not club_context(text, f.start, f.end) else ORG] += 3
        if f.type == PERSON and not forced and f.start not in art.titled and group_name(name, text, f.start):
            v[ORG] += 3  # "Scissor Sisters", "the Beatles": a band or group, not a person
        elif f.type == PERSON and not forced and f.start not in art.titled and not f.roles and word_named(name):
            v[ORG] += 2  # "Led Zeppelin", "Snow Patrol", "Team GB": words, not a given name and a surname
        if forced:
            v[forced] += 5
        if " " in f.surface and strip_suffix(f.surface) != f.surface:
            v[ORG] += 5  # "Magna International Inc": a corporate suffix is never a person's or a place's
        person_roles = [
            r
            for r in f.roles
            if not org_role(r, f)
            and not known_place(r)  # not "Barcelona," before a list
            and name not in r
        ]  # nor "the Alfa Romeo plant" said of "Alfa Romeo"
        if f.type == PERSON and (person_roles or f.start in art.titled) or f.type == ORG and person_roles:
            v[PERSON] += 3  # a role says a person ("Linus Torvalds, the Linux founder")
            titled_names.add(key)
        elif f.roles and len(person_roles) < len(f.roles):
            v[ORG] += 3  # "Virgin Blue, the budget airline": an organisation
        if (
            f.type in (ORG, PERSON)
            and len(name.split()) > 1
            and name.split()[-1] in _FACILITY_HEADS
            and not known_given_name(name.split()[0])
        ):
            v[PLACE] += 3  # "Kodak Theatre", "Three Gorges Dam": a building or venue is a place
        elif (
            f.type == PLACE
            and len(name.split()) > 1
            and name.split()[-1] in ORG_WORDS
            and not known_place(name)  # "the West Bank", "Mexico City"
            and (name.split()[-1] not in ("City", "Centre", "Center") or sporty and name.split()[-1] == "City")
        ):
            v[ORG] += 2  # "Manchester United" is a club, not a place; "Stoke City" in a match report
        if (
            f.type == ORG
            and not forced
            and key not in shaped
            and name_shaped(name)
            and (given_name(name.split()[0]) or known_given_name(name.split()[0]) and surname_again(text, name, f.end))
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
        if f.type == ORG and not forced and key in countries():
            v[PLACE] += 2  # "for Turkey to recognise Cyprus": a country the model took for an organisation
        elif (
            f.type in (ORG, PERSON)
            and not forced
            and not sporty
            and key not in long_names
            and (f.type == ORG or len(name.split()) == 1 and f.start not in art.titled and not f.roles)
            and place_name(name)
            and (
                COMPASS.search(name)
                or _PLACE_BEFORE.search(text, max(0, f.start - 9), f.start)
                or _PLACE_AFTER.match(text, f.end, f.end + 14)
            )
        ):
            v[PLACE] += 2  # "the Finchley constituency", "a man from Leicester", "Bristol East": a town, not a firm
        elif (
            f.type == ORG
            and not forced
            and not sporty
            and key not in long_names
            and not f.surface.isupper()
            and known_place(name)
            and not businessy(text)
        ):
            v[PLACE] += 1.5  # a town outside reports on sport and business ("Labour held Oxford"): the town
        marks = {
            "forced": bool(forced),
            "titled": f.start in art.titled,
            "roles": bool(f.roles),
            "sporty": sporty,
            "long": len(name.split()) > 3,
            "upper": f.surface.isupper(),
            "country": key in countries(),
        }
        v.update(cue_votes(text, f, marks))  # the cue table (data/cues.json: "votes")
        # "the film Sideways", "TV show Brass Eye", "The Aviator, a film biography": a work
        if (
            f.type != PERSON
            or len(name.split()) == 1
            and key not in titled_names
            or f.start not in art.titled
            and not f.roles
            and not known_given_name(name.split()[0])
        ) and (WORK_BEFORE.search(text[max(0, f.start - 24) : f.start]) or WORK_AFTER.match(text, f.end, f.end + 48)):
            v[PRODUCT] += 5  # as strong as the variants table
            works.add(key)
        if (
            (f.type in (PLACE, ORG) or f.type == PERSON and " " not in name and known_place(name))
            and not forced
            and len(name.split()) <= 3
            and key not in countries()
            and not (name_shaped(name) and known_given_name(name.split()[0]))
            and club_context(text, f.start, f.end)
        ):
            v[ORG] += 2  # a town's club: "Leicester lock Ben Kay", "joined Sunderland"
        nxt = re.match(r"\s+([a-z]+)", text[f.end : f.end + 24])
        if nxt and nxt.group(1) in PRODUCT_NOUNS and f.type != PERSON:
            v[PRODUCT] += 2  # "the Xbox console": a product
        elif nxt and nxt.group(1) in _RECORD_NOUNS and not f.surface.isupper() and f.start not in art.titled:
            v[PRODUCT] += 3  # "Eminem's Encore album", "their Please Please Me album cover": a record
            works.add(key)
        if not forced and f.start not in art.titled:
            before = text[max(0, f.start - 40) : f.start]
            noun = _NOUN_BEFORE.search(before)
            if noun and (
                org_noun(noun.group(1))
                or noun.group(1) in ORG_NOUNS_ALSO_PEOPLE
                and re.search(r"\bits\s+[a-z-]+,?\s+$", before)
            ):  # "its maker, Eli Lilly"
                v[ORG] += 3  # "auditors Grant Thornton", "its maker, Eli Lilly", "budget airline Virgin Blue"
            if noun and noun.group(1) in RELATIONS and len(name.split()) <= 3:
                titled_names.add(key)  # "with wife Ffion", "daughter Natalie": a relative is a person
            if (
                sporty
                and key not in countries()
                and text.startswith(("'s ", "’s "), f.end)
                and (f.end + 3) in people_at
            ):
                v[ORG] += 3  # "Parma's Sebastien Frey": a player's club, in a report on sport
            after = re.match(r"\s+([a-z][a-z-]+)\b", text[f.end : f.end + 24])
            if (
                f.type in (PERSON, ORG)
                and after
                and org_noun(after.group(1))
                and not after.group(1).endswith("s")
                and after.group(1) not in ("side", "team", "club")
            ):
                v[ORG] += 3  # "its Alfa Romeo subsidiary", "the Kestrel group": the name of a business
        if (
            f.type == PLACE
            and not forced
            and name_shaped(name)
            and not known_place(name)
            and name.split()[-1] not in _FACILITY_HEADS
            and (given_name(name.split()[0]) or known_given_name(name.split()[0]) and surname_again(text, name, f.end))
        ):
            v[PERSON] += 1.5  # "Andy Crawford": a given name and a surname the model called a place
    totals = {}
    for key, m in model.items():
        totals[key] = Counter({k: n * MODEL_VOTE for k, n in m.items()})
        totals[key].update(cues[key])
    titled_names |= _list_votes(text, named, totals, sporty)
    kinds = {key: max(total.items(), key=lambda kv: (kv[1], kv[0] == PERSON))[0] for key, total in totals.items()}
    return kinds, titled_names, {k for k in works if kinds[k] == PRODUCT}


LIST_GAP = re.compile(r"(?:,\s+|,?\s+and\s+|,?\s+or\s+)(?:the\s+)?")
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
        if last is not None and LIST_GAP.fullmatch(text, last[1], item[0]):
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
                b in (ORG, PLACE) or b == PERSON and " " in names[k] and not known_given_name(names[k].split()[0])
                for k, b in best.items()
            )
            and not any(b == PLACE and k in countries() for k, b in best.items())
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

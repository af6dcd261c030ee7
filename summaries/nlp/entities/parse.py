"""Stage 3a, roles from the dependency parse: the phrase around a person's name that says
what the person is ("Sophos consultant Graham Cluley", "Graham Cluley, senior
consultant at Sophos")."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence

from newsbrief.summaries.nlp.entities.candidates import clean_role, span_index
from newsbrief.summaries.nlp.entities.common import (
    HONORIFICS,
    NOT_NAME,
    ORG,
    PERSON,
    PERSON_NOUNS,
    RELATIONS,
    TITLE_HEADS,
    TITLE_WORDS,
    bare_word,
    name_words,
    person_noun,
    words,
)
from newsbrief.summaries.nlp.entities.lexicon import (
    english_nouns,
    english_words,
)
from newsbrief.summaries.nlp.entities.mentions import (
    Art,
    demonym,
)
from newsbrief.summaries.nlp.entities.model import model_lock, name_shaped, title_only


def processes(n_items: int) -> int:
    """Worker processes for a batch of ``n_items`` texts: ``NEWSBRIEF_NER_PROCESSES``
    (default 1; more only help with more free cores and big batches, as each worker loads
    the model), never more than the cores, and 1 for small batches."""
    try:
        wanted = int(os.environ.get("NEWSBRIEF_NER_PROCESSES", "1"))
    except ValueError:
        wanted = 1
    return max(1, min(wanted, os.cpu_count() or 1)) if n_items >= 64 else 1


# -- roles from the dependency parse ---------------------------------------------------

_PRE_DEPS = words("role_pre_deps")
_CUT_DEPS = words("role_cut_deps")
_NOUN_TAGS = words("noun_tags")
_ROLE_MAX_WORDS = 12


def _role_head_ok(tok) -> bool:
    """A role is headed by a common noun ("economist") or a title ("Chancellor", "MP")."""
    word = tok.text
    if tok.tag_ in _NOUN_TAGS:
        # a common noun by its tag; a capitalised one must also be an English word ("Iain" is not)
        return not word[:1].isupper() or word.casefold() in english_words() or bare_word(word) in TITLE_WORDS
    if tok.tag_ not in ("NNP", "NNPS"):
        # "to sculptor Henry Moore": a lower-case word compounded with a name is a noun whatever its tag
        return tok.dep_ == "compound" and word.isalpha() and word.islower() and word in english_words()
    if bare_word(word) in TITLE_WORDS:
        return True
    lexicon = english_words()
    if word.isalpha() and word.islower():
        return word in lexicon  # "actress Doris Day": tagged as part of the name, a noun all the same
    # a job capitalised at the start of a sentence ("Comedian Chris Morris") or an
    # abbreviation that is a word ("former DJ Mike Read")
    at_start = tok.i == 0 or tok.doc[tok.i - 1].is_punct and tok.doc[tok.i - 1].text in "\"“‘'("
    return word.casefold() in english_nouns() and (at_start or word.isupper() and len(word) <= 4)


def _phrase(tokens) -> str:
    """The text of a run of tokens, trimmed of punctuation, articles and honorifics at its edges."""
    toks = list(tokens)
    while toks and (toks[0].is_punct or toks[0].text in HONORIFICS or toks[0].lower_ in ("the", "a", "an")):
        toks.pop(0)
    while toks and (
        toks[-1].is_punct
        or bare_word(toks[-1].text) in HONORIFICS
        or toks[-1].tag_ == "POS"
        or bare_word(toks[-1].text) in ("Lord", "Lady", "Sir", "Dame")
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
    if k > 0 and sd[k].text[:1].isupper() and demonym(sd[k].text, mid_sentence=not sd[k].is_sent_start):
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
            and word.casefold() not in english_words()
            and t.ent_type_ == "PERSON"
        ):
            break
        run.append(t)
        k -= 1
    if bracket and (k < 0 or sd[k].text != "("):
        return []
    run.reverse()
    while run and (run[0].text == "-" or run[0].tag_ == "CD" or run[0].text in NOT_NAME):
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
    if not person_noun(head) or last.lower_ in RELATIONS:
        return []
    if head[:1].isupper() and low not in PERSON_NOUNS and bare_word(head) not in TITLE_WORDS:
        return []  # "Australian Lynton Crosby": where from, not what he does
    if low.endswith("s") and low[:-1] in english_nouns() and low not in PERSON_NOUNS:
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
    while left and (left[0].tag_ == "CD" or left[0].text in NOT_NAME):
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
    if not (person_noun(word) or bare_word(word) in TITLE_HEADS) or word.casefold() in RELATIONS:
        return False
    return not (word[:1].isupper() and word.casefold() not in PERSON_NOUNS and bare_word(word) not in TITLE_WORDS)


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
    if heads and not any(t.lower_ in RELATIONS for t in heads):
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
        while run and (run[0].tag_ == "CD" or run[0].text in NOT_NAME - {"The", "A", "An"} or run[0].is_punct):
            run.pop(0)  # "on 26 November singer Brian Harvey"
        while run and (
            run[-1].text in HONORIFICS
            or bare_word(run[-1].text) in ("Lord", "Lady", "Sir", "Dame")
            or run[-1].tag_ == "POS"
        ):
            run.pop()
        ok = bool(run) and len(run) <= _ROLE_MAX_WORDS and not any(t.text in ',;:()"“”' for t in run)
        if (
            ok
            and run[-1].text[:1].isupper()
            and bare_word(run[-1].text) not in TITLE_WORDS
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
            and not person_noun(run[-1].text)
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
        if not _role_head_ok(target) or target.lower_ in RELATIONS:
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
            or run[0].text in NOT_NAME - {"The", "A", "An"}
            or run[0].is_punct
            or run[0].tag_ in ("IN", "TO")
        ):
            run.pop(0)
        if (
            run
            and len(run) <= _ROLE_MAX_WORDS
            and _role_head_ok(role_tok)
            and role_tok.lower_ not in RELATIONS
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
            and person_noun(run[-1].text)
        ):
            roles.append(_phrase(run))
    # the name as the apposition of a role before it: "Argentina's economy minister, Roberto
    # Lavagna"; the parser sometimes joins the two as a conjunction ("US Secretary of Defence, Pete Hegseth")
    before = sd[span.start - 1] if span.start else None
    role = head.head
    related = role.lower_ in RELATIONS  # "the Blairs' fourth child, Leo": a relation all the way up
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
        and role.lower_ not in RELATIONS
        and not related
    ):
        toks = [t for t in _subtree_without(role, name | {t.i for t in head.subtree}) if t.i < span.start]
        if toks and len(toks) <= _ROLE_MAX_WORDS:
            roles.append(_phrase(toks))
    out = []
    for r in roles:
        r = clean_role(r)
        if r and r not in out and re.search(r"[A-Za-z]{2}", r):
            out.append(r)
    return out


def parse_roles(arts: list[Art], parser, batch_size: int) -> None:
    """Replace the roles of people with those of the dependency parse, parsing only the
    sentences that name a person (the other sentences are never parsed)."""
    wanted: dict[tuple[int, int], list[int]] = {}
    for ai, art in enumerate(arts):
        # a lone surname of a person the article names in full becomes that person later,
        # whatever the model called it ("French Open champion Myskina", a place to it)
        surnames = {name_words(f.name)[-1] for f in art.found if f.type == PERSON and len(f.name.split()) > 1}
        for mi, f in enumerate(art.found):
            if f.type != PERSON and not (f.type == ORG and name_shaped(f.name)) and f.surface not in surnames:
                continue
            sidx = span_index(art.sentences, f.start)
            if sidx >= 0:
                wanted.setdefault((ai, sidx), []).append(mi)
    if not wanted:
        return
    keys = list(wanted)
    texts = [arts[ai].text[arts[ai].sentences[si][0] : arts[ai].sentences[si][1]] for ai, si in keys]
    with model_lock:
        parsed = list(parser.pipe(texts, batch_size=batch_size * 4, n_process=processes(len(texts) // 8)))
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

"""Stage 3a, the words of a role in the parse: which tokens head a role, the phrase a token
spans, and the run of words right before a name that ends on a job ("drummer Dave Grohl",
"world number three")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsbrief.summaries.nlp.entities.common import (
    HONORIFICS,
    NOT_NAME,
    PERSON_NOUNS,
    RELATIONS,
    TITLE_HEADS,
    TITLE_WORDS,
    bare_word,
    person_noun,
    words,
)
from newsbrief.summaries.nlp.entities.lexicon import english_nouns, english_words
from newsbrief.summaries.nlp.entities.mentions import demonym

_CUT_DEPS = words("role_cut_deps")


NOUN_TAGS = words("noun_tags")


ROLE_MAX_WORDS = 12


def role_head_ok(tok) -> bool:
    """A role is headed by a common noun ("economist") or a title ("Chancellor", "MP")."""
    word = tok.text
    if tok.tag_ in NOUN_TAGS:
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


def phrase_of(tokens) -> str:
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


def subtree_without(tok, stop: set[int]) -> list:
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


def delimited(sd, start: int) -> list:
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
    return out if 0 < len(out) <= ROLE_MAX_WORDS else []


def after_others(run: list, others: Sequence[tuple[int, int]]) -> list:
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


def adjacent_role(sd, start: int, others: Sequence[tuple[int, int]] = ()) -> list[str]:
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
        return [phrase_of(run)] if len(run) >= 2 and run[-2].lower_ == "number" else []
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
    return [phrase_of(_joined_role(sd, run, others))]


def _joined_role(sd, run: list, others: Sequence[tuple[int, int]]) -> list:
    """The run with another role joined to it by "and" before it: "Veteran Labour MP and
    former Cabinet minister Jack Cunningham" (at most four words, ending on a job noun)."""
    j = run[0].i - 1
    if j < 1 or sd[j].lower_ != "and":
        return run
    k, left = j - 1, list[Any]()
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
    if not job_word(left[-1].text):
        return run
    return [*left, sd[j], *run]


def job_word(word: str) -> bool:
    """Whether a role can end on this word: a job noun ("minister", "MP"), not a name
    ("Brent") or a relation ("wife")."""
    if not (person_noun(word) or bare_word(word) in TITLE_HEADS) or word.casefold() in RELATIONS:
        return False
    return not (word[:1].isupper() and word.casefold() not in PERSON_NOUNS and bare_word(word) not in TITLE_WORDS)

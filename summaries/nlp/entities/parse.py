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
    RELATIONS,
    TITLE_WORDS,
    bare_word,
    name_words,
    person_noun,
    words,
)
from newsbrief.summaries.nlp.entities.mentions import Art
from newsbrief.summaries.nlp.entities.model import model_lock, name_shaped
from newsbrief.summaries.nlp.entities.phrases import (
    NOUN_TAGS,
    ROLE_MAX_WORDS,
    adjacent_role,
    after_others,
    delimited,
    job_word,
    phrase_of,
    role_head_ok,
    subtree_without,
)


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
    heads = [t for t in pre if role_head_ok(t) and t.dep_ != "poss"]
    if heads and not any(t.lower_ in RELATIONS for t in heads):
        first = min(t.left_edge.i for t in pre)
        run = list(sd[first : span.start])
        run = after_others(run, others)
        joins = [k for k, t in enumerate(run) if t.tag_ == "CC"]
        if joins and (
            joins[-1] == 0 or run[joins[-1] - 1].text[:1].isupper() and not job_word(run[joins[-1] - 1].text)
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
        ok = bool(run) and len(run) <= ROLE_MAX_WORDS and not any(t.text in ',;:()"“”' for t in run)
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
        if ok and any(role_head_ok(t) for t in run):
            roles.append(phrase_of(run))
    near = adjacent_role(sd, span.start, others)
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
        if not role_head_ok(target) or target.lower_ in RELATIONS:
            continue
        edge = target.left_edge.i
        if edge == 0 or sd[edge - 1].text != "," or sd[edge].tag_ == "CC":
            continue  # "the next Bond a world of good", "Barry Bonds, and other stars": no apposition
        toks = delimited(sd, edge) or subtree_without(target, name)
        if toks and len(toks) <= ROLE_MAX_WORDS and not any(t.ent_type_ == "PERSON" for t in toks):
            roles.append(phrase_of(toks))
    # the parser made the role the head and the name its apposition: "Motley Crue guitarist Mick Mars"
    if head.dep_ == "appos" and head.head.i == span.start - 1 and not roles:
        role_tok = head.head
        run = after_others(list(sd[role_tok.left_edge.i : span.start]), others)
        while run and (
            run[0].tag_ == "CD"
            or run[0].text in NOT_NAME - {"The", "A", "An"}
            or run[0].is_punct
            or run[0].tag_ in ("IN", "TO")
        ):
            run.pop(0)
        if (
            run
            and len(run) <= ROLE_MAX_WORDS
            and role_head_ok(role_tok)
            and role_tok.lower_ not in RELATIONS
            and run[0].tag_ != "PRP$"
            and not any(t.text in ',;:()"“”' for t in run)
        ):
            roles.append(phrase_of(run))
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
            and len(run) <= ROLE_MAX_WORDS
            and follows is not None
            and (follows.tag_.startswith("VB") or follows.text == ",")
            and run[-1].tag_ in NOUN_TAGS
            and role_head_ok(run[-1])
            and person_noun(run[-1].text)
        ):
            roles.append(phrase_of(run))
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
        and role.head.head.tag_ in NOUN_TAGS | {"NNP", "NNPS"}
    ):
        role = role.head.head
    if (
        (head.dep_ == "appos" or head.dep_ == "conj" and before is not None and before.text == ",")
        and before is not None
        and before.text == ","
        and role.i < span.start
        and role_head_ok(role)
        and role.lower_ not in RELATIONS
        and not related
    ):
        toks = [t for t in subtree_without(role, name | {t.i for t in head.subtree}) if t.i < span.start]
        if toks and len(toks) <= ROLE_MAX_WORDS:
            roles.append(phrase_of(toks))
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
            art.found[mi] = dataclasses.replace(f, roles=tuple(roles))

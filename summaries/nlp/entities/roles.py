"""Stage 3b, roles from the discourse: a sentence whose subject is a role next to the one
person it is about, "X as director", copulas ("X, who is chief executive of Y")."""

from __future__ import annotations

import dataclasses
import re

from newsbrief.summaries.nlp.entities.candidates import clean_role, org_noun, span_index
from newsbrief.summaries.nlp.entities.common import (
    ORG_NOUNS,
    ORG_NOUNS_ALSO_PEOPLE,
    PERSON,
    PERSON_NOUNS,
    POSSESSIVE,
    Extracted,
    cue,
    person_noun,
    words,
)
from newsbrief.summaries.nlp.entities.lexicon import english_nouns
from newsbrief.summaries.nlp.entities.mentions import Art
from newsbrief.summaries.nlp.entities.model import known_given_name

_ROLE_SUBJECT = cue("role_subject")
_SUBJECT_WORD = re.compile(r"[\w’'-]+|[^\w\s]")


_SUBJECT_VERB = cue("subject_verb")
_SUBJECT_ADVERB = cue("subject_adverb")
_CLAUSE_SUBJECT = cue("clause_subject")


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
        if not person_noun(w.group()) or w.group()[:1].isupper() and w.group().casefold() not in PERSON_NOUNS:
            continue
        nxt = words[j + 1].group() if j + 1 < len(words) else ""
        if person_noun(nxt) and not nxt[:1].isupper():
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


_AS_ROLE = cue("as_role")
_PREPOSITIONS = words("prepositions")
_ROLE_LEAD = cue("role_lead")
_ROLE_OF = cue("role_of")


# verbs of taking, keeping or leaving a post, before "as" and the post
_JOB_MOVE_AS = cue("job_move_as")


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
        if not person_noun(word) or word[:1].isupper() and word.casefold() not in PERSON_NOUNS:
            continue
        nxt = words[j + 1].group() if j + 1 < len(words) else ""
        if person_noun(nxt) and not nxt[:1].isupper():
            continue  # "chief executive"
        low = word.casefold()
        if not _role_run([x.group() for x in words[: j + 1]]) or low.endswith("s") and low[:-1] in english_nouns():
            return ""  # a plural is what several people are
        of = _ROLE_OF.match(text, w.end(), end)
        if of and re.match(r"\s*[a-z]", text[of.end() : of.end() + 3]):
            of = None  # "advocate of Turkish membership": the phrase goes on in lower case
        stop = of.end() if of else w.end()
        if not of and nxt == "and":  # "as a judge and mentor": two roles joined
            more = [x.group() for x in words[j + 2 : j + 5]]
            for q in range(len(more)):
                if _role_run(more[: q + 1]) and not (
                    q + 1 < len(more) and person_noun(more[q + 1]) and not more[q + 1][:1].isupper()
                ):
                    stop = words[j + 2 + q].end()
                    break
        return text[pos:stop].rstrip(" .,;:")
    return ""


def _role_run(words: list[str]) -> bool:
    """Words that make a role ending on a job noun: no pronoun, article or verb inside."""
    if not words or not person_noun(words[-1]) or words[-1][:1].isupper() and words[-1].casefold() not in PERSON_NOUNS:
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


def discourse_roles(art: Art) -> list[Extracted]:
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
        s_end = (
            art.sentences[span_index(art.sentences, f.start)][1]
            if span_index(art.sentences, f.start) >= 0
            else len(text)
        )
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
            people_in.setdefault(span_index(art.sentences, f.start), []).append(i)
    for si, (a, b) in enumerate(art.sentences):
        for at in _subject_roles(text, a, b):
            if any(at[0] - 2 <= found[i].start < at[1] + 2 for i in people_in.get(si, ())):
                continue  # "The United boss Sir Alex Ferguson": a role before the name, found already
            target = _role_target(art, found, people_in, si, at[0])
            if target is not None and not found[target].roles and len(found[target].name.split()) > 1:
                found[target] = dataclasses.replace(found[target], roles=(clean_role(text[at[0] : at[1]]),))
    return found


def _subject_roles(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The roles that are the subject of sentence ``text[a:b]`` or of a clause in it."""
    out = []
    for at in (a, *(m.end() for m in _CLAUSE_SUBJECT.finditer(text, a, b))):
        span = _subject_role(text, at, b)
        if span is not None:
            out.append(span)
    return out


def _role_target(art: Art, found: list[Extracted], people_in: dict[int, list[int]], si: int, at: int) -> int | None:
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


def org_role(role: str, f: Extracted) -> bool:
    """Whether ``role`` says ``f`` is an organisation ("Virgin Blue, the budget airline"):
    its head is an organisation noun, unless the model read a full name as a person and
    the noun also names a job ("record producer Terry Melcher")."""
    head = role_head_word(role)
    if org_noun(head):
        return True
    if head not in ORG_NOUNS:
        return False
    words = f.name.split()
    if (
        head in ORG_NOUNS_ALSO_PEOPLE
        and len(words) > 1
        and words[-1].endswith("s")
        and words[-1][:-1].casefold() in english_nouns()
        and not known_given_name(words[0])
    ):
        return True  # "flamboyant US act Scissor Sisters": a group, by its plural name
    return not (head in ORG_NOUNS_ALSO_PEOPLE and f.type == PERSON and len(words) > 1)


_ROLE_PREP = cue("role_prep")


def role_head_word(role: str) -> str:
    """The noun a role phrase is about: "senior technology consultant for Sophos" ->
    consultant; "Royal Bank of Scotland chief executive" -> executive (a role written
    before a name ends on its head)."""
    words = role.split()
    if words and person_noun(words[-1]) and not words[-1][:1].isupper():
        return POSSESSIVE.sub("", words[-1]).casefold()
    words = _ROLE_PREP.split(role, maxsplit=1)[0].split()
    return POSSESSIVE.sub("", words[-1]).casefold() if words else ""

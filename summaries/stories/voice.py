"""What a briefing slot says: its headline, its outlets' names, its summary, in one voice.

* **Headline**: the most informative complete member headline. Among the members, those
  cut short ("..."), asking a question or too short to say what happened ("Snowden Inc.")
  are used only when no other is left; wire furniture ("UPDATE 2-") is taken off. Of the
  rest, the one closest to the story's main event (its members' centroid) wins.
* **Outlets**: names as plain text ("Holy Moly\\!" -> "Holy Moly!", "\\(blog\\)" -> "(blog)").
* **Summary**: drawn only from the members of the story's main event (those close to the
  chosen headline); it does not repeat the headline, and no sentence opens with a
  reference ("He", "The company", "Mr Walsh") whose antecedent the summary does not hold.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz import fuzz

from newsbrief.summaries.config import SummarySettings
from newsbrief.summaries.stories.signals import content_words, dot, event_words, prior_rarity, strip_wire_prefix, unit
from newsbrief.summaries.text import fold_words

__all__ = [
    "member_vectors",
    "clean_outlet",
    "clean_headline",
    "headline_choice",
    "main_event",
    "opens_with_reference",
    "story_summary",
]

_ESCAPED = re.compile(r"\\([^\w\s])")
_CUT = ("...", "…")
MIN_HEADLINE_WORDS = 4  # fewer content words than this say too little ("Snowden Inc.")
MAIN_EVENT_SIMILARITY = 0.15  # a member this similar to the chosen headline is of its event

# "He said", "The company", "Mr Walsh": a sentence opening like this needs its antecedent
_PRONOUN = re.compile(r"^[\"'“‘(]*(?:he|she|they|it|his|her|their|its|this|these|those|him|them)\b", re.I)
_DEFINITE = re.compile(
    r"^[\"'“‘(]*the\s+(?:company|firm|group|bank|carrier|retailer|chain|maker|giant|man|woman|boy|girl|couple"
    r"|star|singer|actor|actress|rapper|player|president|minister|premier|leader|chief|executive|official"
    r"|spokesman|spokeswoman|government|ministry|agency|team|club|court|judge|police|network|show|band)\b",
    re.I,
)
_TITLE = re.compile(r"^[\"'“‘(]*(?:mr|mrs|ms|dr|sir)\.?\s+([A-Z][\w'’-]+)")


def clean_outlet(name: str) -> str:
    """An outlet's name as plain text: feed escapes ("\\!", "\\(") removed, spaces folded."""
    return " ".join(_ESCAPED.sub(r"\1", name or "").split())


def clean_headline(headline: str) -> str:
    """A headline without wire furniture in front ("UPDATE 2-")."""
    return strip_wire_prefix(" ".join((headline or "").split())) or (headline or "").strip()


def _vector(text: str) -> dict[str, float]:
    return unit({t: c * prior_rarity(t) for t, c in collections.Counter(event_words(text)).items()})


def _flaws(headline: str) -> int:
    """How many of the faults of a slot headline it has: cut, a question, too short."""
    text = headline.strip()
    cut = text.endswith((*_CUT, ":", "-", "–", ","))
    question = text.rstrip("\"'”’)").endswith("?")
    short = len(content_words(text)) < MIN_HEADLINE_WORDS
    return int(cut) * 4 + int(question) * 2 + int(short)


def headline_choice(articles: Sequence[dict[str, Any]]) -> int:
    """The position of the member whose headline a slot shows: the fewest faults (cut,
    question, too short), then the one that says most of what the members share (the sum
    of its distinct words' weights in the members' centroid: a bare topic such as "Fannie
    Mae and Freddie Mac" says less than the happening), then the earliest."""
    if not articles:
        return 0
    vectors = [_vector(clean_headline(a.get("headline") or "")) for a in articles]
    centroid: dict[str, float] = collections.defaultdict(float)
    for vec in vectors:
        for t, w in vec.items():
            centroid[t] += w
    scores = [sum(centroid[t] for t in vec) for vec in vectors]
    flaws = [_flaws(clean_headline(a.get("headline") or "")) for a in articles]
    return min(range(len(articles)), key=lambda i: (flaws[i], -round(scores[i], 9), i))


def main_event(articles: Sequence[dict[str, Any]], chosen: int) -> list[int]:
    """Positions of the members that report the same happening as member ``chosen``:
    similar to it by headline and lead, with words weighed by English rarity and by how
    few members hold them (what every member says, the story's topic, tells no happening
    from another); ``chosen`` first."""

    def text(a: dict[str, Any]) -> str:
        return f"{a.get('headline') or ''} {(a.get('body') or a.get('lead') or '')[:300]}"

    vectors = member_vectors([collections.Counter(event_words(text(a))) for a in articles])
    anchor = vectors[chosen]
    out = [chosen]
    for i, vec in enumerate(vectors):
        if i != chosen and dot(anchor, vec) >= MAIN_EVENT_SIMILARITY:
            out.append(i)
    return out


def member_vectors(counts: Sequence[Mapping[str, int]]) -> list[dict[str, float]]:
    """Unit vectors of a story's members from their word counts: each word weighed by its
    English rarity and by how few members hold it (what every member says, the story's
    topic, tells no happening from another)."""
    df: collections.Counter[str] = collections.Counter()
    for c in counts:
        df.update(c.keys())
    n = len(counts)
    return [unit({t: k * prior_rarity(t) * math.log(1.0 + n / df[t]) for t, k in c.items()}) for c in counts]


def opens_with_reference(sentence: str, context: str = "") -> bool:
    """Whether ``sentence`` opens with a reference ("He", "The company", "Mr Walsh") that
    ``context`` (the text a reader has already seen) does not resolve. A title and a
    surname are resolved when the surname is in the context; a pronoun or "the company"
    never is by context alone (only by the sentence before it)."""
    if _PRONOUN.match(sentence) or _DEFINITE.match(sentence):
        return True
    title = _TITLE.match(sentence)
    if title:
        return title.group(1).casefold() not in context.casefold()
    return False


def _words(text: str) -> set[str]:
    return set(content_words(text))


def story_summary(summaries: Sequence[Sequence[str]], settings: SummarySettings, headline: str = "") -> list[str]:
    """One summary for a story from its reports' summaries, best report first: that
    report's lead, then sentences (its own, then the other reports') that add facts the
    chosen ones lack. No two sentences say the same thing, none repeats the story's
    ``headline``, a cut-off fragment ("...") is used only when nothing else is left, and a
    sentence that opens with a reference ("He", "The company", "Mr X") is used only right
    after the sentence before it in the same report (its antecedent) or when the summary
    already names its Mr X; at most ``settings.sentences`` sentences and
    ``settings.max_chars`` characters."""
    if not summaries:
        return []
    chosen: list[str] = []
    seen_words: set[str] = set(_words(headline))
    budget = settings.max_chars
    pool = [(si, i, s) for si, summary in enumerate(summaries) for i, s in enumerate(summary) if s and s.strip()]
    whole = [x for x in pool if not x[2].rstrip().endswith(_CUT) and fold_words(x[2]) != fold_words(headline)]
    last: tuple[int, int] | None = None  # (report, position) of the sentence chosen last
    for si, i, sentence in whole or pool[:1]:
        if len(chosen) >= settings.sentences:
            break
        words = _words(sentence)
        if not words:
            continue
        novelty = len(words - seen_words) / len(words)
        if (chosen or headline) and novelty < 0.5 and whole:
            continue
        if any(fuzz.token_set_ratio(sentence, c) >= 80 for c in chosen):
            continue
        if last != (si, i - 1) and opens_with_reference(sentence, " ".join([headline, *chosen])):
            continue
        used = sum(len(c) + 1 for c in chosen)
        if chosen and used + len(sentence) > budget:
            continue
        chosen.append(sentence)
        seen_words |= words
        last = (si, i)
    return chosen

"""Text helpers shared by the news core: folding, normalising, and what is junk in news copy.

Folding, one function per meaning:

* :func:`fold_words`: case folded, punctuation to single spaces. Two texts that differ only
  in case, spacing or punctuation (a headline and a body that only repeats it; content ids).
* :func:`fold_accents`: case and accents folded, punctuation kept (keyword filters, follows).
* :func:`split_camel`: ``"RegionalSecurity"`` to ``"Regional Security"`` (hashtags).
* :func:`normalise_host`: a host name as the fetcher resolves and connects to it.

(Entity names fold with ``nlp.entities.fold``, which also drops possessives and a leading
"the": it stays with the entity rules.)

Junk patterns: lines of wire copy that are not the story (teasers, bylines, credits,
disclaimers, copyright, the wire header, agency credits). Two readers use them:
``articles.cleaning`` on the lines and paragraphs of a body, and ``nlp.summarizer`` on single
sentences, as a second line of defence for text that was not cleaned. Where the two read
differently, both patterns are here, named for what they match (``..._LINE`` for a whole
line of a body, ``..._SENTENCE`` or ``..._LEAD`` for one sentence).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "strip_controls",
    "bounded_text",
    "fold_words",
    "fold_accents",
    "split_camel",
    "normalise_host",
    "WIRE_AGENCIES",
    "CREDITED_OUTLETS",
    "alternation",
    "wire_credit",
    "TEASER_LINE",
    "TEASER_SENTENCE",
    "TEASER_INSIDE",
    "CREDIT_LINE",
    "CREDIT_LEAD",
    "CREDIT_ONLY",
    "TRAILING_CREDIT",
    "PHOTO_CREDIT",
    "BYLINE_LINE",
    "BYLINE_SENTENCE",
    "COPYRIGHT_LINE",
    "COPYRIGHT_TAIL",
    "DISCLAIMER_LEAD",
    "DISCLAIMER_WORDS",
    "DISCLAIMER_PHRASE",
    "WIRE_HEADER_LINE",
    "WIRE_HEADER_SENTENCE",
]

# -- folding -------------------------------------------------------------------------------

_NON_WORD = re.compile(r"\W+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def fold_words(text: str) -> str:
    """Case-folded words joined by single spaces, punctuation dropped: the key two texts
    share when they differ only in case, spacing or punctuation."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


def fold_accents(text: str) -> str:
    """Text with case and accents folded (NFKD, combining marks dropped, casefolded);
    spacing and punctuation are kept. ``Café`` folds to ``cafe``, ``STRASSE`` and ``straße``
    to ``strasse``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c))).casefold()


def split_camel(word: str) -> str:
    """Words run together in camel case split by spaces: ``RegionalSecurity`` becomes
    ``Regional Security``, ``BBCNews`` becomes ``BBC News``."""
    return _CAMEL.sub(" ", word)


def normalise_host(name: str) -> str:
    """A host name as the fetcher resolves and connects to it: lower case, IDNA-encoded
    (the same single encoding ``httpx.URL`` applies). Raises ValueError if it is not one."""
    import httpx  # third-party and slow to load; text.py is imported by the light modules (the store)

    name = name.strip()
    if not name or any(c in name for c in "/?#@ \t") or name.count(":") == 1:
        raise ValueError(f"{name!r} is not a host name")
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"  # a bare IPv6 address
    try:
        host = httpx.URL(f"http://{name}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ValueError(f"{name!r} is not a host name ({exc})") from None
    if not host:
        raise ValueError(f"{name!r} is not a host name")
    return host.lower()


# -- agencies ------------------------------------------------------------------------------

# News agencies whose credit closes wire copy: "(ANI)", "(PTI)", "(Reuters)", "(ANI/WAM)".
WIRE_AGENCIES = (
    "ANI",
    "PTI",
    "IANS",
    "UNI",
    "Reuters",
    "AP",
    "AFP",
    "WAM",
    "Xinhua",
    "dpa",
    "EFE",
    "ANSA",
    "Kyodo",
    "Yonhap",
    "TASS",
    "Bernama",
    "Antara",
    "APP",
    "SPA",
    "KUNA",
    "QNA",
    "BSS",
    "RSS",
    "NNN",
)
# What a single sentence may be credited to: the wire agencies, some outlets and a photo desk.
CREDITED_OUTLETS = WIRE_AGENCIES + ("Bloomberg", "CNN", "BBC", "AP Photo")


def alternation(names: Iterable[str]) -> str:
    """A regular-expression alternation of ``names``, escaped, longest first (so ``AP Photo``
    is tried before ``AP``)."""
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


_OUTLET_ALT = alternation(CREDITED_OUTLETS)


def wire_credit(agency: str | None = None) -> re.Pattern[str]:
    """The agency credit closing a paragraph of wire copy: ``(ANI)``, ``(ANI/WAM)``; the
    well-known agencies and ``agency``, any case."""
    names = set(WIRE_AGENCIES) | ({agency} if agency else set())
    return re.compile(rf"\s*\((?:{alternation(names)})(?:\s*/\s*[A-Z][A-Za-z]{{1,9}})*\)\s*$", re.IGNORECASE)


# A sentence ending in an outlet's credit: "... (ANI)", "... (ANI/WAM)", "... - Reuters".
TRAILING_CREDIT = re.compile(
    rf"\s*(?:\((?:{_OUTLET_ALT})(?:\s*/\s*[A-Za-z]+)*\)|[-–—]\s*(?:{_OUTLET_ALT}))\s*$",
    re.IGNORECASE,
)
# A sentence that is only a credit: "(ANI)", "Reuters.", "[AFP/WAM]".
CREDIT_ONLY = re.compile(rf"^\s*[(\[]?\s*(?:{_OUTLET_ALT})(?:\s*/\s*[A-Za-z]+)*\s*[)\]]?\s*\.?\s*$", re.IGNORECASE)

# -- the wire header -----------------------------------------------------------------------

# "date 2025-07-27 New Delhi [India], July 27 (ANI): " opening a body (a colon only).
WIRE_HEADER_LINE = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+[^\n]{0,200}?\([A-Za-z][\w/ .-]{0,30}\)\s*:\s*")
# The same header opening a sentence: any case, "&" in the credit, a colon or a dash after it.
WIRE_HEADER_SENTENCE = re.compile(
    r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+[^\n]{0,200}?\([A-Za-z][\w/ .&-]{0,30}\)\s*[:\-–—]\s*",
    re.IGNORECASE,
)

# -- teasers -------------------------------------------------------------------------------

# Words that open a pointer to another story: "Also Read | ...", "Watch: ...".
_TEASER_LEADS = (
    r"also\s+read|read\s+also|read\s+more|also\s+see|also\s+watch|watch(?:\s+video)?|"
    r"related(?:\s+stories?|\s+news)?|recommended|trending(?:\s+now)?|must\s+read|don'?t\s+miss|"
    r"click\s+here|subscribe"
)
# Promotions a sentence filter also drops: "Related articles: ...", "Follow us | ...".
_PROMO_LEADS = r"related\s+articles?|follow\s+us|sign\s+up|advertisement"
# A line of a body that points the reader at another story.
TEASER_LINE = re.compile(rf"^\s*(?:{_TEASER_LEADS})\s*[|:>\-–—]", re.IGNORECASE)
# A sentence that points at another story or promotes something.
TEASER_SENTENCE = re.compile(rf"^\s*(?:{_TEASER_LEADS}|{_PROMO_LEADS})\b\s*[|:>\-–—]", re.IGNORECASE)
# A teaser inside a sentence ("... Also Read: ..."), a sentence opening with one, or an
# "Advertisement" label.
TEASER_INSIDE = re.compile(
    r"\b(?:also\s+read|read\s+more|click\s+here)\s*[|:]|^\s*(?:also\s+read|read\s+more|click\s+here)\b|"
    r"^\s*advertisement\s*$",
    re.IGNORECASE,
)

# -- bylines and credits -------------------------------------------------------------------

# A whole line that is a credit: "(With inputs from PTI)", "Photo: Reuters", "Edited by Jane
# Smith", "By Jane Smith".
CREDIT_LINE = re.compile(
    r"^\s*(?:\(?\s*with\s+(?:inputs?|agency\s+inputs?)\s+from\b.*\)?|"
    r"(?:photo|image|picture|video)\s*(?:credit)?s?\s*[:|].*|"
    r"(?:edited|written|reported|compiled)\s+by\s*[:|]?\s*[A-Z].{0,80}|"
    r"by\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*)$",
    re.IGNORECASE,
)
# A sentence that opens with a credit, whatever follows: "Written by ...", "Inputs from ...",
# "Source: ...", "(With agency inputs from ...".
CREDIT_LEAD = re.compile(
    r"^\s*\(?\s*(?:written\s+by|reported\s+by|edited\s+by|compiled\s+by|posted\s+by|"
    r"with\s+(?:inputs?|agency\s+inputs?)\s+from|inputs\s+from|"
    r"(?:photo|image|picture|video|source)\s*(?:credits?)?\s*[:|])",
    re.IGNORECASE,
)
# A photo credit inside a paragraph: "(Photo: AFP)", "(Picture credit: Jane Smith/Reuters)".
PHOTO_CREDIT = re.compile(
    r"\s*[(\[]\s*(?:photo|picture|image|pic|video)s?(?:\s+credits?)?\s*[:|]\s*[^)\]]{1,80}[)\]]", re.IGNORECASE
)
# A byline on a line of its own, maybe with the writer's post or outlet: "By Jane Smith",
# "By Jane Smith and Tom Jones, BBC News", "By JANE SMITH | Reuters". Checked per line,
# before lines are joined into paragraphs, so the byline never merges with the story.
_NAME_WORD = r"(?:[A-Z][\w'’.-]+|[A-Z]\.)"
BYLINE_LINE = re.compile(
    rf"^\s*(?:By|BY|by)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
    rf"(?:\s+(?:and|&)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})?"
    r"(?:\s*(?:,|\||-|–|—|in)\s*[^.!?\n]{0,60})?\s*$",
)
# A byline as one sentence: "By Jane Smith", "By Jane Smith, Reuters", "By JANE SMITH | New
# Delhi", "By Ana de Souza and Tom Jones." (name particles and a final stop allowed).
BYLINE_SENTENCE = re.compile(
    r"^\s*(?:[Bb]y|BY)\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|al)){0,5}"
    r"\s*(?:(?:[,|/\-–—]|\bin\b)\s*[A-Z][\w .,'’&-]{0,40})?\.?\s*$",
)

# -- copyright and disclaimers -------------------------------------------------------------

# Copyright notices: a line of their own, or closing a paragraph.
COPYRIGHT_LINE = re.compile(r"^\s*(?:copyright\b|©|\(c\)\s+\d{4})", re.IGNORECASE)
COPYRIGHT_TAIL = re.compile(
    r"\s*(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"(?:[A-Z][\w&.'’-]*\s*){1,6}(?:\.\s*)?(?:all rights reserved\.?)?\s*$",
    re.IGNORECASE,
)
# A paragraph that opens as a disclaimer: "Disclaimer: ...", "Editor's note - ...".
DISCLAIMER_LEAD = re.compile(r"^\s*(?:disclaimer|note to readers|editor'?s note)\s*[:|-]", re.IGNORECASE)
# Words of a closing paragraph in parentheses that speaks about the story, not in it (two
# of them make it a disclaimer).
DISCLAIMER_WORDS = re.compile(
    r"\b(?:story|article|post|content|views|opinions?|disclaimer|syndicated|auto-generated|"
    r"verified|authored|feed|edited|staff|news\s+agency)\b",
    re.IGNORECASE,
)
# Phrases that make a sentence a disclaimer or a rights notice: "This story has been
# auto-generated", "Views expressed are those of the author", "All rights reserved".
DISCLAIMER_PHRASE = re.compile(
    r"\b(?:above\s+(?:story|article|post)|this\s+(?:story|article)\s+(?:has|was|is)\s+"
    r"(?:been\s+)?(?:auto|published|generated|verified|edited)|"
    r"views\s+(?:appearing|expressed)\s+(?:in|here|above|on\s+this|are\s+(?:those|the\s+author))|"
    r"do(?:es)?\s+not\s+(?:necessarily\s+)?reflect|auto-generated|syndicated\s+feed|"
    r"(?:all\s+)?rights\s+reserved|copyright\s+©?\s*\d{4})",
    re.IGNORECASE,
)


def bounded_text(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters, at the last space before the cut
    (the part of a huge feed item the language work reads: memory and time grow with it)."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars // 2, max_chars)
    return text[: cut if cut > 0 else max_chars]


# Characters that change how text around them is shown without being seen: the bidi
# embeddings, overrides, isolates and marks (an override makes "lmth.exe" read as
# "exe.html"), zero-width space, word joiner, invisible operators and the byte-order
# mark. The zero-width (non-)joiners stay: scripts and emoji need them, and they reorder
# nothing.
_CONTROLS = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_controls(text: str) -> str:
    """``text`` without invisible bidi and zero-width controls (see :data:`_CONTROLS`)."""
    return _CONTROLS.sub("", text)

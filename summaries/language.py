"""The language a text is written in, offline: an ISO 639-1 code ("fr", "es", "ar").

Detection uses lingua (``lingua-language-detector``), whose n-gram models ship inside the
wheel: nothing is downloaded, ever. It runs in lingua's low-accuracy mode (trigrams only)
over :data:`LANGUAGES`, a set of news languages: built in about a second, some 50 MB in
memory, and a few milliseconds per article. On the development sets (1,500 French, 982
Spanish and 484 Arabic news texts, headline and body) it is right on every one; on the
headlines alone (70 characters on average) on 97% (see ``bench/eval_summaries.py``).

A *hint* (a feed's declared language, ``[[sources]] language``) is used only where the text
is too short to tell (fewer than :data:`MIN_LETTERS` letters) or lingua cannot decide: a
feed that declares "en" for a French story does not make it English.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from wordfreq import zipf_frequency

__all__ = [
    "LANGUAGES",
    "MIN_LETTERS",
    "SAMPLE_CHARS",
    "detect_language",
    "normalize_language",
    "language_name",
]

# The languages detection chooses among (ISO 639-1): the widely read news languages. Fewer
# languages make lingua faster and less often wrong between close ones; a text in a language
# not listed gets the nearest listed one (the summarizer then falls back to plain rules).
LANGUAGES: tuple[str, ...] = tuple(
    """en fr es de it pt nl ru uk pl ar hi zh ja ko tr fa he el sv da fi nb cs ro hu id bn ur ta vi th""".split()
)
# fewer letters than this (headline and body together): a hint, if any, decides
MIN_LETTERS = 40
# fewer letters than this (a headline, a teaser): word frequencies check lingua's guess
SHORT_LETTERS = 160
UNSPACED = frozenset({"zh", "ja", "ko", "th"})  # written without spaces between words
# the characters of a text that detection reads: a news text's language shows in its start
SAMPLE_CHARS = 1500

# English names (sumy's and NLTK's language names) of the ISO 639-1 codes
_NAMES = {
    "ar": "arabic",
    "bn": "bengali",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "he": "hebrew",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nb": "norwegian",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sk": "slovak",
    "sl": "slovene",
    "sv": "swedish",
    "ta": "tamil",
    "th": "thai",
    "tr": "turkish",
    "uk": "ukrainian",
    "ur": "urdu",
    "vi": "vietnamese",
    "zh": "chinese",
}
_CODES = {name: code for code, name in _NAMES.items() if code != "no"} | {"slovenian": "sl", "farsi": "fa"}
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")

_lock = threading.Lock()
_detector: Any = None


def normalize_language(value: str | None) -> str:
    """An ISO 639-1 code from what people and feeds write: "fr", "fr-FR", "fr_CA", "FR",
    "french", "French"; "" for nothing or what is not a language."""
    v = (value or "").strip().lower().replace("_", "-")
    if not v:
        return ""
    if v in _CODES:
        return _CODES[v]
    code = v.split("-", 1)[0]
    if code == "no":
        return "nb"
    if len(code) == 2 and code.isascii() and code.isalpha():
        return code
    return ""


def language_name(code: str) -> str:
    """sumy's and NLTK's name of a language ("fr" -> "french"); "" if unknown."""
    return _NAMES.get(normalize_language(code), "")


def _build() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
            _detector = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
    return _detector


def detect_language(text: str, hint: str | None = "") -> str:
    """The ISO 639-1 code of the language ``text`` is written in.

    ``hint`` (a feed's or source's declared language) decides only when the text has fewer
    than :data:`MIN_LETTERS` letters or lingua cannot tell; "" when nothing can be said."""
    hint = normalize_language(hint)
    sample = (text or "")[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS and hint:
        return hint
    if not _LETTER.search(sample):
        return hint
    detector = _detector if _detector is not None else _build()
    if len(_LETTER.findall(sample)) < SHORT_LETTERS:
        return _short_text_language(detector, sample) or hint
    found = detector.detect_language_of(sample)
    if found is None:
        return hint
    return str(found.iso_code_639_1.name.lower())


def _short_text_language(detector: Any, sample: str) -> str:
    """A headline's language: lingua's letter statistics alone misread short texts ("Storm
    Ellen closes motorways across the west" as Norwegian), so its six likeliest languages
    are weighed by how common the text's words are in each (wordfreq's Zipf frequencies)."""
    candidates = [v.language.iso_code_639_1.name.lower() for v in detector.compute_language_confidence_values(sample)]
    words = [w.lower() for w in _WORD.findall(sample)]
    if not candidates or not words:
        return ""
    best, best_score = "", -1.0
    if candidates[0] in UNSPACED:
        return str(candidates[0])  # a script of its own: lingua's letters tell it apart, and no spaces make words
    for code in candidates[:6]:
        if code in UNSPACED:
            continue
        try:
            score = sum(zipf_frequency(w, code) for w in words) / len(words)
        except Exception:  # a language wordfreq cannot read without more packages: lingua's order decides
            score = 0.0
        if score > best_score:
            best, best_score = code, score
    return best

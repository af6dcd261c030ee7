"""Entities of Russian texts: Natasha's news NER (slovnet over navec embeddings, both shipped
inside the ``natasha`` package, so nothing is downloaded), each name in its dictionary form.

Russian inflects names ("в Москве", "с Путиным"), so a mention's name is its lemma from
Natasha's morphology (pymorphy): "Москве" is the place "Москва". Where the morphology cannot
load, the name is the words as written. Within one text a lone surname takes the full name
of a person already named ("Путин" after "Владимир Путин"). Natasha is in the ``langs``
extra; without it Russian texts get no entities, as any language without a model."""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from newsbrief.summaries.nlp.entities.common import ORG, PERSON, PLACE, Extracted
from newsbrief.summaries.nlp.entities.lexicon import sentences_of

log = logging.getLogger(__name__)

LABEL_TYPES = {"PER": PERSON, "ORG": ORG, "LOC": PLACE}
# a text longer than this is cut before tagging (the caller bounds texts too)
MAX_CHARS = 100_000

_lock = threading.Lock()


@functools.cache
def _tools() -> tuple[Any, Any, Any, Any] | None:
    """(segmenter, NER tagger, morphology tagger, morphology vocabulary), or None when
    Natasha is not installed; the morphology parts are None when they cannot load."""
    try:
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter
    except ImportError:
        return None
    emb = NewsEmbedding()
    try:
        with warnings.catch_warnings():  # pymorphy2 imports the deprecated pkg_resources
            warnings.simplefilter("ignore")
            morph, vocab = NewsMorphTagger(emb), MorphVocab()
    except Exception:  # noqa: BLE001 - pymorphy needs pkg_resources; names stay as written without it
        log.warning("entities: Russian morphology unavailable; names are kept as written", exc_info=True)
        morph = vocab = None
    log.info("entities: loaded Natasha's Russian news NER")
    return Segmenter(), NewsNERTagger(emb), morph, vocab


def available() -> bool:
    """Whether Russian entities can be extracted here (Natasha installed)."""
    return _tools() is not None


def extract_russian(texts: Sequence[str]) -> list[list[Extracted]]:
    """The people, organisations and places of each Russian text; a text the tagger fails on
    gets none (logged), the others keep theirs."""
    tools = _tools()
    if tools is None:
        return [[] for _ in texts]
    out: list[list[Extracted]] = []
    for text in texts:
        try:
            with _lock:
                out.append(_mentions(text[:MAX_CHARS], *tools))
        except Exception:  # noqa: BLE001 - one bad text must not lose the others
            log.warning("entities: Natasha failed on a Russian text of %d characters", len(text), exc_info=True)
            out.append([])
    return out


def _mentions(text: str, segmenter: Any, ner: Any, morph: Any, vocab: Any) -> list[Extracted]:
    from natasha import Doc

    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(ner)
    if morph is not None:
        doc.tag_morph(morph)
    sentences = sentences_of(text)
    found: list[Extracted] = []
    for span in doc.spans:
        kind = LABEL_TYPES.get(span.type)
        surface = text[span.start : span.stop].strip(" \t\n\r,.;:!?«»\"'()[]")
        if kind is None or not surface or not any(c.isalpha() for c in surface):
            continue
        name = surface
        if vocab is not None:
            try:
                span.normalize(vocab)
                name = span.normal or surface
            except Exception:  # noqa: BLE001 - the lemma is a nicety; the surface will do
                name = surface
        start = span.start + text[span.start : span.stop].find(surface)
        end = start + len(surface)
        sentence = next((text[a:b].strip() for a, b in sentences if a <= start < b), surface)
        found.append(Extracted(" ".join(name.split()), kind, surface, start, end, sentence))
    return _link_surnames(found)


def _link_surnames(found: list[Extracted]) -> list[Extracted]:
    """A one-word person who is the last word of exactly one longer person's name in the
    same text is that person."""
    full: dict[str, set[str]] = {}
    for m in found:
        words = m.name.split()
        if m.type == PERSON and len(words) > 1:
            full.setdefault(words[-1].casefold(), set()).add(m.name)
    out = []
    for m in found:
        names = full.get(m.name.casefold()) if m.type == PERSON and " " not in m.name else None
        if names and len(names) == 1:
            m = Extracted(next(iter(names)), m.type, m.surface, m.start, m.end, m.sentence, m.roles)
        out.append(m)
    return out

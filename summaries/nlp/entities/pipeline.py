"""The stages run in order over many texts, the model in bounded batches: :func:`extract`
and :func:`extract_many`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from newsbrief.summaries.nlp.entities.candidates import Span, spans_of_doc
from newsbrief.summaries.nlp.entities.common import BATCH_CHARS, MAX_TEXT_CHARS, Extracted, log
from newsbrief.summaries.nlp.entities.consolidation import consolidate
from newsbrief.summaries.nlp.entities.languages import extract_other, is_english
from newsbrief.summaries.nlp.entities.layout import layout
from newsbrief.summaries.nlp.entities.lexicon import english_words
from newsbrief.summaries.nlp.entities.mentions import Art, finish
from newsbrief.summaries.nlp.entities.model import model_lock, ner_model, role_parser
from newsbrief.summaries.nlp.entities.parse import parse_roles, processes
from newsbrief.summaries.text import bounded_text

# -- the extractor -------------------------------------------------------------------


def extract(text: str, *, hashtags: Iterable[str] = (), language: str | None = None) -> list[Extracted]:
    """The entities named in ``text``, in order of appearance (see the module docstring).
    ``language`` is the text's ISO 639-1 code: English (or none) goes through the English
    rules, another language through its own model if installed (:mod:`.languages`)."""
    return extract_many([(text, tuple(hashtags))], languages=[language])[0]


def extract_many(
    items: Iterable[tuple[str, Sequence[str]]],
    *,
    batch_size: int = 32,
    max_chars: int = MAX_TEXT_CHARS,
    languages: Sequence[str | None] | None = None,
) -> list[list[Extracted]]:
    """:func:`extract` over many ``(text, hashtags)`` pairs, running the model in batches.
    ``languages``, parallel to ``items``, gives each text's language (``None``: English).

    Each text is cut to ``max_chars`` (:func:`bounded_text`); the model reads the texts in
    groups of at most :data:`BATCH_CHARS` characters and keeps no parsed document longer
    than its group, so memory is bounded by those two numbers, not by the batch. A group
    the model fails on is read again text by text, and a text that still fails gets no
    entities (logged); the rest of the batch is kept."""
    bounded = [(bounded_text(t or "", max_chars), tuple(h or ())) for t, h in items]
    if languages is not None and len(languages) != len(bounded):
        raise ValueError(f"{len(languages)} languages for {len(bounded)} texts")
    if languages is not None and not all(is_english(x) for x in languages):
        return _by_language(bounded, languages, batch_size)
    return _english(bounded, batch_size)


def _by_language(
    items: list[tuple[str, tuple[str, ...]]], languages: Sequence[str | None], batch_size: int
) -> list[list[Extracted]]:
    """English texts through the English rules, the others through their language's model."""
    out: list[list[Extracted]] = [[] for _ in items]
    groups: dict[str, list[int]] = {}
    for i, language in enumerate(languages):
        groups.setdefault("en" if is_english(language) else str(language).strip().lower(), []).append(i)
    for language, where in groups.items():
        texts = [items[i] for i in where]
        if language == "en":
            found = _english(texts, batch_size)
        else:
            found = extract_other([t for t, _ in texts], language, batch_size)
        for i, mentions in zip(where, found):
            out[i] = mentions
    return out


def _english(items: list[tuple[str, tuple[str, ...]]], batch_size: int) -> list[list[Extracted]]:
    """The English rules (and model) over already bounded ``(text, hashtags)`` items."""
    nlp = ner_model()
    if nlp is not None:
        spans: list[list[Span] | None] = []
        for group in _char_groups(items, BATCH_CHARS):
            spans.extend(_model_spans_of(nlp, [t for t, _ in group], batch_size))
        arts = [finish(t, h, s, model=True) if s is not None else Art(t, [], []) for (t, h), s in zip(items, spans)]
        parser = role_parser()
        if parser is not None:
            parse_roles(arts, parser, batch_size)
        lexicon = english_words()
        return [layout(a.text, consolidate(a, lexicon)) for a in arts]
    return [layout(t, consolidate(finish(t, h, [], model=False), frozenset())) for t, h in items]


def _char_groups(items: Sequence[tuple[str, Sequence[str]]], budget: int) -> Iterator[list[tuple[str, Sequence[str]]]]:
    """Consecutive groups of items holding at most ``budget`` characters (a longer item alone)."""
    group: list[tuple[str, Sequence[str]]] = []
    size = 0
    for item in items:
        if group and size + len(item[0]) > budget:
            yield group
            group, size = [], 0
        group.append(item)
        size += len(item[0])
    if group:
        yield group


def _model_spans_of(nlp: Any, texts: list[str], batch_size: int) -> list[list[Span] | None]:
    """The model's spans of each text (``None`` for a text the model failed on)."""
    try:
        with model_lock:
            return [spans_of_doc(d) for d in nlp.pipe(texts, batch_size=batch_size, n_process=processes(len(texts)))]
    except Exception:  # noqa: BLE001 - one bad text must not lose the others
        if len(texts) == 1:
            log.warning(
                "entities: the model failed on a text of %d characters; it gets no entities",
                len(texts[0]),
                exc_info=True,
            )
            return [None]
        return [s for text in texts for s in _model_spans_of(nlp, [text], batch_size)]

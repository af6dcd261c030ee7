"""The rules' data (summaries/nlp/entities/data): every cue pattern matches the texts it
gives and none of the texts it must not match; every list says what it is for; every case
of the cases file comes out of :func:`extract` as written there (#23)."""

from __future__ import annotations

import dataclasses
import json
import re
from importlib.resources import files
from pathlib import Path

import pytest

from newsbrief.summaries.nlp import entities as ner

DATA = files("newsbrief.summaries.nlp.entities").joinpath("data")
CASES = Path(__file__).resolve().parent / "fixtures" / "entities-cases.jsonl"


def _cues() -> dict[str, dict]:
    return {k: v for k, v in json.loads(DATA.joinpath("cues.json").read_text("utf-8")).items() if k[0] != "_"}


@pytest.mark.parametrize("name", sorted(_cues()))
def test_every_cue_matches_its_examples_and_none_of_its_counter_examples(name):
    spec = _cues()[name]
    assert spec["about"] and spec["match"] and spec["no_match"]
    pattern = ner.cue(name)
    assert pattern.flags & re.IGNORECASE == (re.IGNORECASE if spec.get("ignorecase") else 0)
    for text in spec["match"]:
        assert pattern.search(text), (name, text)
    for text in spec["no_match"]:
        assert not pattern.search(text), (name, text)


def test_every_word_list_says_what_it_is_for():
    lists = json.loads(DATA.joinpath("words.json").read_text("utf-8"))
    for name, spec in lists.items():
        if name.startswith("_"):
            continue
        assert spec.get("about") and (spec.get("words") or spec.get("table")), name
        assert ner.words(name) if "words" in spec else ner.word_table(name), name


def _cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["why"][:40])
def test_the_cases_file(case):
    if ner.backend_name() == "rules":
        pytest.skip("needs the spaCy model")
    got = {(m.type, m.surface) for m in ner.extract(case["text"])}
    for kind, surface in case.get("has", []):
        assert (kind, surface) in got, (case["why"], got)
    for surface in case.get("not", []):
        assert surface not in {s for _, s in got}, (case["why"], got)
    for kind, surface in case.get("not_typed", []):  # found, but not as this type
        assert (kind, surface) not in got, (case["why"], got)


_MARKS = {"forced", "titled", "roles", "sporty", "long", "upper", "country"}
_TYPES = {ner.PERSON, ner.ORG, ner.PLACE, ner.EVENT, ner.PRODUCT}


def _around(example: str, side: str) -> tuple[str, ner.Extracted]:
    """A text with a name ("Kestrel") and the example on the cue's side of it."""
    text = example + "Kestrel" if side == "before" else "Kestrel" + example
    start = len(example) if side == "before" else 0
    return text, ner.Extracted("Kestrel", ner.ORG, "Kestrel", start, start + 7, text)


@pytest.mark.parametrize("name", sorted(k for k, v in _cues().items() if "votes" in v))
def test_every_vote_cue_votes_on_its_side_of_a_name_and_not_on_its_counter_examples(name):
    spec = _cues()[name]
    assert spec["side"] in ("before", "after") and spec["window"] > 0, name
    assert set(spec["votes"]) <= _TYPES and set(spec.get("types", ())) <= _TYPES, name
    assert set(spec.get("unless", ())) <= _MARKS, name
    pattern = ner.cue(name)
    marks = dict.fromkeys(_MARKS, False)
    for example in spec["match"]:
        text, f = _around(example, spec["side"])
        f = dataclasses.replace(f, type=spec.get("types", [ner.ORG])[0])
        votes = ner.cue_votes(text, f, marks)
        assert all(votes[k] >= n for k, n in spec["votes"].items()), (name, example, votes)
    for example in spec["no_match"]:
        if spec["side"] == "before":
            assert not pattern.search(example[-spec["window"] :]), (name, example)
        else:
            assert not pattern.match(example[: spec["window"]]), (name, example)

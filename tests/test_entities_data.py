"""The rules' data (summaries/nlp/entities/data): every cue pattern matches the texts it
gives and none of the texts it must not match; every list says what it is for; every case
of the cases file comes out of :func:`extract` as written there (#23)."""

from __future__ import annotations

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

"""An article's contribution to an entity (what its mentions say of it: type votes,
names, forms, roles, a sentence), as the entity index merges it and as ``a:`` documents
hold it; and how a card ranks an entity's roles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz

from newsbrief.summaries.nlp import entities as ner
from newsbrief.summaries.nlp.entities import Extracted

__all__ = [
    "SENTENCE_MAX",
    "WORK",
    "UNSURE",
    "contribution",
    "decode_ents",
    "role_rank",
    "recent_rank",
    "card_roles",
    "distinct_roles",
]

SENTENCE_MAX = 400
WORK = "work"  # a type vote: an article whose words say the name is a work (counted once per article)
UNSURE = "?"  # the type vote of a lone word the model called a person with nothing to back it


def role_rank(role: dict[str, Any]) -> tuple[int, str, int, int]:
    """How a card ranks an entity's roles: by the articles that give it, then the latest
    of them, the articles that give it before any other, its length."""
    return role["n"], max(role["dates"]), role.get("lead", 0), len(role["text"])


def recent_rank(role: dict[str, Any]) -> tuple[str, int, int, int]:
    """The role a card shows first: the latest one (the rest as :func:`role_rank`)."""
    return max(role["dates"]), role["n"], role.get("lead", 0), len(role["text"])


def card_roles(roles: Iterable[dict[str, Any]]) -> list[str]:
    """The roles a card shows: the latest first, then by :func:`role_rank`, rewordings left out, five at most."""
    ranked = sorted(roles, key=role_rank, reverse=True)
    if ranked:
        recent = max(ranked, key=recent_rank)
        ranked = [recent] + [r for r in ranked if r is not recent]
    return distinct_roles(r["text"] for r in ranked)[:5]


def contribution(found: list[Extracted]) -> dict[str, Any]:
    c: dict[str, Any] = {"t": Counter(), "n": 0, "names": Counter(), "surf": Counter(), "roles": [], "s": ""}
    given: dict[str, int] = {}  # role -> mentions that give it
    for f in found:
        c["t"][UNSURE if f.weak else f.type] += 1
        if f.work:
            c["t"][WORK] = 1  # one vote per article
        c["n"] += 1
        c["names"][f.name] += 1
        c["surf"][f.surface] += 1
        for r in f.roles:
            if r not in c["roles"]:
                c["roles"].append(r)
            given[r] = given.get(r, 0) + 1
        if not c["s"]:
            c["s"] = f.sentence[:SENTENCE_MAX]
    # the article's roles, the one it gives most first (a form of address, "Lord", last)
    c["roles"].sort(key=lambda r: (ner.form_of_address(r), -given[r]))
    c["t"], c["names"], c["surf"] = dict(c["t"]), dict(c["names"]), dict(c["surf"])
    return c


def decode_ents(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sents = doc.get("sents", [])
    out = {}
    for key, enc in doc.get("ents", {}).items():
        t = enc.get("t", {})
        names = enc.get("names", {})
        s = enc.get("s", "")
        out[key] = {
            "t": {t: enc.get("n", 1)} if isinstance(t, str) else t,
            "n": enc.get("n", 1),
            "names": names,
            "surf": enc.get("surf", names),
            "roles": enc.get("roles", []),
            "s": sents[s] if isinstance(s, int) and s < len(sents) else str(s),
        }
    return out


def distinct_roles(roles: Iterable[str]) -> list[str]:
    """Roles in order, leaving out rewordings or parts of one already listed ("US Defence
    Secretary" after "US Secretary of Defence")."""
    kept: list[str] = []
    for role in roles:
        if not any(fuzz.token_set_ratio(role.casefold(), k.casefold()) >= 95 for k in kept):
            kept.append(role)
    return kept

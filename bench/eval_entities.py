"""Entity extraction on hand-labelled BBC articles: types, top entities, roles, aliases.

The labels are in tests/fixtures/entities-bbc.jsonl (152 articles of
../shared/eval/bbc-dev-large.jsonl, ids only; see tests/fixtures/entities_bbc.py); the
texts are read from ../shared when it is there, else this says so and stops.

Three systems, in one run on the same articles:

* ``spacy``: spaCy's small English pipeline alone (its PERSON, ORG, GPE/LOC/FAC spans;
  one entity per distinct text in an article, the same text across articles is one
  entity of its most frequent label);
* ``before``: the extraction and index as they were before this work: at the commit
  where this branch left ``main`` (loaded from git into temporary modules), or
  ``--before REF`` for another revision;
* ``now``: the extraction and index of this checkout.

Figures, per type (person, organisation, place):

* precision and recall of the entities of each article (an entity found is right when one
  of its forms in that article, or its card name, is a labelled name or alias of that type);
* top-100 precision: of the 100 entities of that type in the most articles, how many are
  right in at least half of their articles;
* roles: of the labelled people with a stated role, how many get it (the best role their
  article gave them matches a labelled one), and how many people without a stated role
  get one anyway;
* aliases: of the other forms the labels list (acronym, expansion, corporate suffix,
  surname, other), how many reach the same card as the entity's name in that article.

Then the same systems on news nobody tuned on: CoNLL-2003 English development documents
(Reuters, 1996; ../shared/eval/conll03-dev.jsonl), document-level distinct names (one
``(type, surface)`` per document), strict match (the surface exactly as the gold span),
precision / recall / F1 for people (PER), organisations (ORG), places (LOC) and all three
(MISC is not scored), for all documents, sport and non-sport, and the two halves by
document (A: even positions, the half rules may be developed on; B: odd positions, only
reported); and the extraction time against spaCy's shipped NER pipeline (tok2vec + ner).

The BBC labelled set is split the same way, by position in the labels file: the tuning half
(even positions, the half rules may be developed on) and the test half (odd positions, only
reported); the labels file is ordered by category, so each half holds half of each category.
Both halves get the CoNLL table's form (F1 with P/R per type and all three) for every system.

    python bench/eval_entities.py [--before REF] [--errors [N]] [--only conll|bbc]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import entities_bbc  # noqa: E402

CONLL = ROOT.parent / "shared" / "eval" / "conll03-dev.jsonl"
_CONLL_TYPES = {"PER": "person", "ORG": "organisation", "LOC": "place"}

TYPES = ("person", "organisation", "place")
_SPACY_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_ROLE_DROP = re.compile(r"^(?:the|a|an)\s+", re.I)


def fold(text: str) -> str:
    text = re.sub(r"[^\w]+", " ", re.sub(r"[’']s\b", "", text.casefold())).strip()
    return text[4:] if text.startswith("the ") else text


# -- systems ---------------------------------------------------------------------------


def _records(items: list[dict]) -> list[dict]:
    from newsbrief.summaries.articles.formats import parse_record

    out = []
    for i, item in enumerate(items):
        art = parse_record(
            {"title": item["title"], "text": item["text"], "published": f"2005-01-{1 + i % 28:02d}", "source": "BBC"}
        )
        rec = art.to_record()
        rec["id"] = item["id"]
        out.append(rec)
    return out


def run_spacy(items: list[dict]) -> dict:
    """Per article: {entity id: {"type", "name", "forms", "roles"}}; entity ids shared across articles."""
    import spacy

    nlp = spacy.load(_model_name(), exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    recs = _records(items)
    per_article: dict[str, dict] = {}
    labels: dict[str, Counter] = defaultdict(Counter)
    for rec, doc in zip(recs, nlp.pipe([r["body"] for r in recs], batch_size=32)):
        found: dict[str, dict] = {}
        for ent in doc.ents:
            kind = _SPACY_TYPES.get(ent.label_)
            if not kind:
                continue
            text = re.sub(r"^(?:the|The)\s+", "", ent.text.strip())
            text = re.sub(r"(?:'s|’s)$", "", text)
            key = fold(text)
            if not key:
                continue
            labels[key][kind] += 1
            slot = found.setdefault(key, {"name": text, "forms": {text}, "roles": []})
            slot["forms"].add(text)
        per_article[rec["id"]] = found
    for found in per_article.values():
        for key, slot in found.items():
            slot["type"] = labels[key].most_common(1)[0][0]
    return per_article


def _model_name() -> str:
    from newsbrief.summaries.nlp import entities as ner

    for name in ner.MODEL_NAMES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise SystemExit("no spaCy English model installed")


def _merge_base() -> str:
    return subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


_RUNNER = r"""
import importlib.abc, importlib.util, json, sys, time
from pathlib import Path

TREE = Path(sys.argv[1])


class TreeFinder(importlib.abc.MetaPathFinder):  # newsbrief.summaries from the revision's tree
    def find_spec(self, name, path=None, target=None):
        if name != "newsbrief.summaries" and not name.startswith("newsbrief.summaries."):
            return None
        base = TREE.joinpath(*name.split(".")[2:])
        if base.is_dir():
            init, where = base / "__init__.py", [str(base)]
            return importlib.util.spec_from_file_location(name, init, submodule_search_locations=where)
        if base.with_suffix(".py").exists():
            return importlib.util.spec_from_file_location(name, base.with_suffix(".py"))
        return None


sys.meta_path.insert(0, TreeFinder())
sys.path.insert(0, sys.argv[2])  # this checkout's bench, for run_index
job = json.load(sys.stdin)
if job["task"] == "extract":
    from newsbrief.summaries.nlp import entities as ner

    ner.extract_many([(t, ()) for t in job["texts"][:5]])  # warm up
    start = time.perf_counter()
    found = ner.extract_many([(t, ()) for t in job["texts"]])
    took = time.perf_counter() - start
    print(json.dumps({"time": took, "found": [[[m.type, m.surface] for m in ms] for ms in found]}))
else:
    import eval_entities
    from newsbrief.summaries.index import entity_index

    per_article = eval_entities.run_index(job["items"], entity_index)[0]
    for found in per_article.values():
        for slot in found.values():
            slot["forms"] = sorted(slot["forms"])
    print(json.dumps(per_article))
"""


class _Mention:
    def __init__(self, kind: str, surface: str) -> None:
        self.type, self.surface = kind, surface


class TreeExtraction:
    """The extraction and index of a revision laid out as a package (``summaries/nlp/entities/``),
    run in a child process that imports ``newsbrief.summaries`` from the revision's tree."""

    def __init__(self, ref: str) -> None:
        self.tree = Path(tempfile.mkdtemp(prefix="entities-before-"))
        archive = subprocess.run(["git", "archive", ref, "summaries"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(self.tree)], input=archive.stdout, check=True)
        self.last_time = 0.0

    def _run(self, job: dict) -> object:
        import json

        out = subprocess.run(
            [sys.executable, "-c", _RUNNER, str(self.tree / "summaries"), str(ROOT / "bench")],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def extract_many(self, items: list[tuple[str, tuple]]) -> list[list[_Mention]]:
        out = self._run({"task": "extract", "texts": [t for t, _ in items]})
        assert isinstance(out, dict)
        self.last_time = out["time"]
        return [[_Mention(k, s) for k, s in ms] for ms in out["found"]]

    def run_index(self, items: list[dict]) -> dict:
        per_article = self._run({"task": "index", "items": items})
        assert isinstance(per_article, dict)
        for found in per_article.values():
            for slot in found.values():
                slot["forms"] = set(slot["forms"])
        return per_article


def _load_before(ref: str):
    """The extraction of revision ``ref``: for a package layout, a :class:`TreeExtraction`;
    for the single module of before #23, its entities and entity_index modules as fresh modules."""
    probe = subprocess.run(
        ["git", "cat-file", "-e", f"{ref}:summaries/nlp/entities/__init__.py"], cwd=ROOT, capture_output=True
    )
    if probe.returncode == 0:
        tree = TreeExtraction(ref)
        return {"entities": tree, "run_index": tree.run_index}
    tmp = Path(tempfile.mkdtemp(prefix="entities-before-"))
    mods = {}

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    def show_either(new: str, old: str) -> str:  # the layout since #24, or the flat one before it
        try:
            return show(new)
        except subprocess.CalledProcessError:
            return show(old)

    data = tmp / "entities.json"  # that revision's data too, not this checkout's
    data.write_text(show_either("summaries/nlp/data/entities.json", "summaries/data/entities.json"), encoding="utf-8")
    paths = {
        "entities": ("summaries/nlp/entities.py", "summaries/entities.py"),
        "entity_index": ("summaries/index/entity_index.py", "summaries/entity_index.py"),
    }
    for name in ("entities", "entity_index"):
        src = show_either(*paths[name])
        for old in (
            "from summaries import entities as ner",
            "from newsbrief.summaries import entities as ner",
            "from newsbrief.summaries.nlp import entities as ner",
        ):
            src = src.replace(old, "import before_entities as ner")
        for old in ("from newsbrief.summaries.entities import", "from newsbrief.summaries.nlp.entities import"):
            src = src.replace(old, "from before_entities import")
        for package in ("newsbrief.summaries", "newsbrief.summaries.nlp"):
            src = src.replace(
                f'importlib.resources.files("{package}").joinpath("data/entities.json").read_text(',
                f"pathlib.Path({str(data)!r}).read_text(",
            )
        src = src.replace("import json\n", "import json\nimport pathlib\n", 1)
        (tmp / f"before_{name}.py").write_text(src, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    import before_entities  # noqa: F401
    import before_entity_index

    mods["index"] = before_entity_index
    mods["entities"] = before_entities
    mods["run_index"] = lambda items: run_index(items, before_entity_index)[0]
    return mods


def run_index(items: list[dict], index_module) -> tuple[dict, object]:
    """Index the articles with ``index_module`` in a fresh store; per article entities as run_spacy."""
    from newsbrief.summaries.store import Store

    recs = _records(items)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "db.json")
        try:
            index_module.index_articles(store, recs)
            idx = index_module.get_index(store)
            idx.sync_names()
            per_article: dict[str, dict] = {}
            for rec in recs:
                art = idx.articles.get(rec["id"])
                found: dict[str, dict] = {}
                if art is not None:
                    for key, c in art.ents.items():
                        ent = idx.entities[key]
                        found[key] = {
                            "type": ent.type,
                            "name": ent.name,
                            "forms": set(c["surf"]) | set(c["names"]),
                            "roles": list(c["roles"]),
                            "best_role": _best_role(idx, key, c),
                        }
                per_article[rec["id"]] = found
        finally:
            store.close()
    return per_article, idx


def _best_role(idx, key: str, contribution: dict) -> str:
    """The role this article gives the entity, as the card would rank it (first listed)."""
    roles = contribution.get("roles") or []
    return roles[0] if roles else ""


# -- scoring ---------------------------------------------------------------------------


def _gold_forms(ent: dict) -> set[str]:
    return {fold(ent["name"]), *(fold(a) for a in ent.get("aliases", ()))} - {""}


def _matches(pred: dict, gold: dict) -> bool:
    forms = {fold(f) for f in pred["forms"]} | {fold(pred["name"])}
    return bool(forms & _gold_forms(gold))


def score(items: list[dict], per_article: dict) -> dict:
    out: dict = {t: {"tp": 0, "pred": 0, "hit": 0, "gold": 0} for t in TYPES}
    errors: dict = {t: {"fp": Counter(), "fn": Counter()} for t in TYPES}
    right_in: dict[str, list[bool]] = defaultdict(list)  # entity id -> right per article
    ent_type: dict[str, str] = {}
    ent_name: dict[str, str] = {}
    for item in items:
        found = per_article.get(item["id"], {})
        for t in TYPES:
            gold = [g for g in item["entities"] if g["type"] == t]
            preds = {k: p for k, p in found.items() if p["type"] == t}
            for k, p in preds.items():
                ok = any(_matches(p, g) for g in gold)
                out[t]["tp"] += ok
                out[t]["pred"] += 1
                right_in[k].append(ok)
                ent_type[k], ent_name[k] = t, p["name"]
                if not ok:
                    errors[t]["fp"][p["name"]] += 1
            for g in gold:
                hit = any(_matches(p, g) for p in preds.values())
                out[t]["hit"] += hit
                out[t]["gold"] += 1
                if not hit:
                    errors[t]["fn"][g["name"]] += 1
    for t in TYPES:
        ranked = sorted((k for k in right_in if ent_type[k] == t), key=lambda k: (-len(right_in[k]), ent_name[k]))
        top = ranked[:100]
        good = [k for k in top if sum(right_in[k]) * 2 >= len(right_in[k])]
        out[t]["top"] = (len(good), len(top))
        errors[t]["top_bad"] = [f"{ent_name[k]} ({len(right_in[k])})" for k in top if k not in set(good)]
    return {"figures": out, "errors": errors}


def _role_match(pred: str, gold: str) -> bool:
    from rapidfuzz import fuzz

    p, g = fold(_ROLE_DROP.sub("", pred)), fold(_ROLE_DROP.sub("", gold))
    if not p or not g:
        return False
    if p == g or fuzz.token_sort_ratio(p, g) >= 85:
        return True
    pw, gw = p.split(), g.split()
    small, big = (pw, gw) if len(pw) <= len(gw) else (gw, pw)
    joined = " " + " ".join(big) + " "
    return f" {' '.join(small)} " in joined and len(small) * 2 >= len(big)


def score_roles(items: list[dict], per_article: dict) -> dict:
    stated = right = unstated = given = 0
    misses: list[str] = []
    for item in items:
        found = per_article.get(item["id"], {})
        people = [p for p in found.values() if p["type"] == "person"]
        for g in item["entities"]:
            if g["type"] != "person":
                continue
            pred = next((p for p in people if _matches(p, g)), None)
            best = pred.get("best_role", "") if pred else ""
            if g.get("roles"):
                stated += 1
                ok = bool(best) and any(_role_match(best, r) for r in g["roles"])
                right += ok
                if not ok:
                    misses.append(
                        f"{g['name']}: {best or '-'!s} | want {g['roles'][0]}"
                        + ("" if pred else "  (person not found)")
                    )
            else:
                unstated += 1
                if best:
                    given += 1
                    misses.append(f"{g['name']}: {best} | want none")
    return {"stated": stated, "right": right, "unstated": unstated, "given": given, "misses": misses}


_SUFFIX = re.compile(r"\b(?:corp|corporation|inc|plc|ltd|limited|llc|co|com)\b", re.I)


def alias_kind(name: str, form: str, kind: str) -> str:
    letters = re.sub(r"[^A-Za-z]", "", form)
    if kind == "person":
        words, fwords = fold(name).split(), fold(form).split()
        if fwords and words[-len(fwords) :] == fwords:
            return "surname"
        return "other"
    if form.isupper() and 2 <= len(letters) <= 6 and not name.isupper():
        return "acronym"
    if name.isupper() and not form.isupper():
        return "expansion"
    if fold(_SUFFIX.sub("", name)) == fold(_SUFFIX.sub("", form)):
        return "suffix"
    return "other"


def score_aliases(items: list[dict], per_article: dict) -> dict:
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for item in items:
        found = per_article.get(item["id"], {})
        text = item["text"].casefold()
        for g in item["entities"]:
            for form in g.get("aliases", ()):
                if form.casefold() not in text and fold(form) not in fold(item["text"]):
                    continue  # a spelling the label lists but this text does not use
                kind = alias_kind(g["name"], form, g["type"])
                by_form = [k for k, p in found.items() if fold(form) in {fold(f) for f in p["forms"]}]
                by_name = [k for k, p in found.items() if fold(g["name"]) in {fold(f) for f in p["forms"]}]
                if by_name:
                    ok = bool(by_form) and by_form[0] in by_name
                else:  # the full name is not written out: the form's card must carry it
                    ok = bool(by_form) and fold(found[by_form[0]]["name"]) in _gold_forms(g)
                kinds[kind][0] += ok
                kinds[kind][1] += 1
                if not ok:
                    card = found[by_form[0]]["name"] if by_form else "-"
                    misses.append(f"{form} -> {card} | want {g['name']}")
    return {"kinds": dict(kinds), "misses": misses}


def measure_cutoff(items: list[dict], idx) -> list[tuple[int, float, float]]:
    """For fuzzy cut-offs 80..96: the share of one-letter typos of indexed names that
    reach their entity, and the share of names the index does not hold (spaCy's names in
    other articles of the corpus) that some entry would wrongly answer."""
    import json

    import spacy
    from rapidfuzz import fuzz, process

    idx.sync_names()
    choices = list(idx.names)
    positives = []
    for item in items:
        for g in item["entities"]:
            name = fold(g["name"])
            if len(name) >= 6 and name in idx.names:
                mid = len(name) // 2
                positives.append((name[:mid] + name[mid + 1 :], idx.names[name]))
    labelled = {i["id"] for i in items}
    others = []
    with entities_bbc.SHARED.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] not in labelled:
                others.append(row["text"])
            if len(others) >= 150:
                break
    nlp = spacy.load(_model_name(), exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    negatives = set()
    for doc in nlp.pipe(others):
        for ent in doc.ents:
            if ent.label_ in _SPACY_TYPES and len(fold(ent.text)) >= 4 and fold(ent.text) not in idx.names:
                negatives.add(fold(ent.text))
    pos_best = [(process.extractOne(q, choices, scorer=fuzz.ratio), keys) for q, keys in positives]
    neg_best = [process.extractOne(q, choices, scorer=fuzz.ratio)[1] for q in negatives]
    out = []
    for cut in range(80, 97, 2):
        ok = sum(1 for (alias, score, _), keys in pos_best if score >= cut and idx.names[alias] & keys)
        bad = sum(1 for score in neg_best if score >= cut)
        out.append((cut, ok / max(1, len(pos_best)), bad / max(1, len(neg_best))))
    return out


# -- CoNLL-2003 (held out) ---------------------------------------------------------------


def load_conll(path: Path = CONLL) -> list[dict] | None:
    """The CoNLL documents with ``half`` ("A" even positions, "B" odd); ``None`` when absent."""
    import json

    if not path.exists():
        return None
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, doc in enumerate(docs):
        doc["half"] = "AB"[i % 2]
    return docs


def conll_gold(doc: dict) -> set[tuple[str, str]]:
    return {(_CONLL_TYPES[e["type"]], e["surface"]) for e in doc["entities"] if e["type"] in _CONLL_TYPES}


def conll_spacy(docs: list[dict], nlp) -> tuple[list[set[tuple[str, str]]], float]:
    start = time.perf_counter()
    out = []
    for doc in nlp.pipe([d["text"] for d in docs], batch_size=32):
        out.append({(_SPACY_TYPES[e.label_], e.text) for e in doc.ents if e.label_ in _SPACY_TYPES})
    return out, time.perf_counter() - start


def conll_ours(docs: list[dict], ner) -> tuple[list[set[tuple[str, str]]], float]:
    start = time.perf_counter()
    found = ner.extract_many([(d["text"], ()) for d in docs])
    took = time.perf_counter() - start
    return [{(m.type, m.surface) for m in ms if m.type in TYPES} for ms in found], took


def prf(docs: list[dict], preds: list[set], kinds: Sequence[str]) -> tuple[float, float, float, int, int, int]:
    tp = npred = ngold = 0
    for doc, pred in zip(docs, preds):
        gold = {g for g in conll_gold(doc) if g[0] in kinds}
        mine = {p for p in pred if p[0] in kinds}
        tp += len(gold & mine)
        npred += len(mine)
        ngold += len(gold)
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0), tp, npred, ngold


CONLL_SUBSETS: dict[str, Callable[[dict], bool]] = {
    "all": lambda d: True,
    "sport": lambda d: bool(d["sports"]),
    "non-sport": lambda d: not d["sports"],
    "half A": lambda d: d["half"] == "A",
    "half B": lambda d: d["half"] == "B",
    "A non-sport": lambda d: d["half"] == "A" and not d["sports"],
    "B non-sport": lambda d: d["half"] == "B" and not d["sports"],
}


def conll_table(docs: list[dict], results: dict[str, list[set]]) -> None:
    kinds = {"person": ("person",), "org": ("organisation",), "place": ("place",), "all three": TYPES}
    print("F1 (P/R), document-level distinct names, strict")
    print(f"{'subset':12} {'docs':>4} {'system':8} " + " ".join(f"{k:>18}" for k in kinds))
    for subset, keep in CONLL_SUBSETS.items():
        idx = [i for i, d in enumerate(docs) if keep(d)]
        sub = [docs[i] for i in idx]
        for name, preds in results.items():
            cells = []
            for ks in kinds.values():
                p, r, f, *_ = prf(sub, [preds[i] for i in idx], ks)
                cells.append(f"{f:.3f} ({p:.2f}/{r:.2f})")
            print(f"{subset:12} {len(sub):4} {name:8} " + " ".join(f"{c:>18}" for c in cells))


def conll_errors(docs: list[dict], preds: list[set], n: int, half: str = "A") -> None:
    fp: Counter = Counter()
    fn: Counter = Counter()
    for doc, pred in zip(docs, preds):
        if doc["half"] != half:
            continue
        gold = conll_gold(doc)
        fp.update(f"{t}:{s}" for t, s in pred - gold)
        fn.update(f"{t}:{s}" for t, s in gold - pred)
    print(f"[now, half {half}] false positives {fp.most_common(n)}")
    print(f"[now, half {half}] missed {fn.most_common(n)}")


def run_conll(ref_entities, show_errors: int) -> None:
    docs = load_conll()
    if docs is None:
        print(f"{CONLL} is not there: CoNLL figures skipped")
        return
    import spacy

    from newsbrief.summaries.nlp import entities as ner

    sport = sum(1 for d in docs if d["sports"])
    print(f"{len(docs)} CoNLL-2003 dev documents ({sport} sport) from {CONLL}\n")
    base = spacy.load(
        _model_name(), exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
    )
    list(base.pipe([d["text"] for d in docs[:5]]))  # warm up
    ner.extract_many([(d["text"], ()) for d in docs[:5]])
    results: dict[str, list[set]] = {}
    times: dict[str, float] = {}
    results["spacy"], times["spacy"] = conll_spacy(docs, base)
    if isinstance(ref_entities, TreeExtraction):  # a child process: its own time, without loading
        results["before"] = conll_ours(docs, ref_entities)[0]
        times["before"] = ref_entities.last_time
    elif ref_entities is not None:
        ref_entities.extract_many([(d["text"], ()) for d in docs[:5]])
        results["before"], times["before"] = conll_ours(docs, ref_entities)
    results["now"], times["now"] = conll_ours(docs, ner)
    spacy_again = conll_spacy(docs, base)[1]  # twice, so a busy machine slows both alike
    times["spacy"] = min(times["spacy"], spacy_again)
    conll_table(docs, results)
    print()
    print(f"time on {len(docs)} documents: spaCy {'+'.join(base.pipe_names)} {times['spacy']:.2f}s", end="")
    for name in ("before", "now"):
        if name in times:
            print(f";  {name} {times[name]:.2f}s (x{times[name] / times['spacy']:.2f})", end="")
    print("\n")
    if show_errors:
        conll_errors(docs, results["now"], show_errors)
        print()


# -- BBC tuning / test halves -------------------------------------------------------------

BBC_HALVES = ("tuning", "test")


def split_bbc(items: list[dict]) -> None:
    """Mark each labelled article's ``half``: "tuning" at even positions, "test" at odd ones."""
    for i, item in enumerate(items):
        item["half"] = BBC_HALVES[i % 2]


def _f1_cell(tp: int, npred: int, hit: int, ngold: int) -> str:
    p = tp / npred if npred else 0.0
    r = hit / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{f:.3f} ({p:.2f}/{r:.2f})"


def bbc_halves_table(items: list[dict], results: dict[str, dict]) -> None:
    """Per half and system, F1 (P/R) per type and for all three, as :func:`conll_table` prints
    them (the entities of each article, matched by their forms as :func:`score` does)."""
    kinds = {"person": ("person",), "org": ("organisation",), "place": ("place",), "all three": TYPES}
    print("BBC halves: F1 (P/R), entities of each article (tuning: even positions; test: odd, only reported)")
    print(f"{'half':12} {'docs':>4} {'system':8} " + " ".join(f"{k:>18}" for k in kinds))
    for half in BBC_HALVES:
        sub = [i for i in items if i["half"] == half]
        for name, res in results.items():
            figures = score(sub, res)["figures"]
            cells = []
            for ks in kinds.values():
                tp, npred, hit, ngold = (sum(figures[t][k] for t in ks) for k in ("tp", "pred", "hit", "gold"))
                cells.append(_f1_cell(tp, npred, hit, ngold))
            print(f"{half:12} {len(sub):4} {name:8} " + " ".join(f"{c:>18}" for c in cells))


# -- output ----------------------------------------------------------------------------


def _pct(a: int, b: int) -> str:
    return f"{a / b:5.2f}" if b else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before", default="", help="git revision of the 'before' extraction (default: where this branch left main)"
    )
    parser.add_argument(
        "--show-errors",
        "--errors",
        type=int,
        default=0,
        metavar="N",
        nargs="?",
        const=400,
        help="print N errors of each kind for 'now' (false positives, misses, wrong top-100 "
        "entries per type, role and alias misses; all of them without N)",
    )
    parser.add_argument("--only", choices=("conll", "bbc"), default="", help="one evaluation set only")
    args = parser.parse_args(argv)

    ref = args.before or _merge_base()
    try:
        before = _load_before(ref)
    except subprocess.CalledProcessError as exc:
        print(f"(no 'before' row: git show {ref} failed: {exc.stderr.strip()})")
        before = {}
    if args.only != "bbc":
        run_conll(before.get("entities"), args.show_errors)
    if args.only == "conll":
        return 0

    items = entities_bbc.load()
    if items is None:
        print(f"{entities_bbc.SHARED} is not there: nothing to evaluate (the labels need the texts)")
        return 0
    split_bbc(items)
    cats = Counter(i["category"] for i in items)
    print(
        f"{len(items)} labelled BBC articles ({', '.join(f'{v} {k}' for k, v in sorted(cats.items()))}) "
        f"from {entities_bbc.SHARED}\n"
    )

    from newsbrief.summaries.index import entity_index

    results = {"spacy": run_spacy(items)}
    if before:
        results["before"] = before["run_index"](items)
    results["now"], now_index = run_index(items, entity_index)

    scored = {name: score(items, res) for name, res in results.items()}
    print("precision / recall per type (entities of each article), top-100 precision by article count")
    print(f"{'system':8} {'type':13} {'prec':>5} {'rec':>5}  {'top-100':>12}")
    for name, s in scored.items():
        for t in TYPES:
            f = s["figures"][t]
            good, n = f["top"]
            print(
                f"{name:8} {t:13} {_pct(f['tp'], f['pred'])} {_pct(f['hit'], f['gold'])}  {_pct(good, n)} ({good}/{n})"
            )
    print()
    bbc_halves_table(items, results)
    print()
    print("roles: people with a stated role who get it; people without one who get a role anyway")
    for name, res in results.items():
        if name == "spacy":
            print(f"{name:8} (no roles)")
            continue
        r = score_roles(items, res)
        print(
            f"{name:8} right {_pct(r['right'], r['stated'])} ({r['right']}/{r['stated']})   "
            f"role where none stated {r['given']}/{r['unstated']}"
        )
    print()
    print("aliases: other forms of a name that reach the same card as the name (per article)")
    for name, res in results.items():
        a = score_aliases(items, res)
        total = [sum(v[0] for v in a["kinds"].values()), sum(v[1] for v in a["kinds"].values())]
        parts = "  ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(a["kinds"].items()))
        four = [
            sum(a["kinds"].get(k, [0, 0])[i] for k in ("acronym", "expansion", "suffix", "surname")) for i in (0, 1)
        ]
        print(
            f"{name:8} {_pct(*four)} ({four[0]}/{four[1]}) of acronyms, expansions, suffixes, surnames;  "
            f"all forms {_pct(*total)} ({total[0]}/{total[1]}):  {parts}"
        )

    print()
    print(
        f"fuzzy lookup cut-off (now: {entity_index.MATCH_CUTOFF}): typos of indexed names answered right / "
        "names the index does not hold answered anyway"
    )
    print("  " + "   ".join(f"{cut}: {ok:.2f}/{bad:.2f}" for cut, ok, bad in measure_cutoff(items, now_index)))

    if args.show_errors:
        n = args.show_errors
        s = scored["now"]["errors"]
        print()
        for t in TYPES:
            print(f"[now] {t}: false positives {s[t]['fp'].most_common(n)}")
            print(f"[now] {t}: missed {s[t]['fn'].most_common(n)}")
            print(f"[now] {t}: wrong in top-100 {s[t]['top_bad'][:n]}")
        r = score_roles(items, results["now"])
        print("[now] roles:", *r["misses"][:n], sep="\n  ")
        a = score_aliases(items, results["now"])
        print("[now] aliases:", *a["misses"][:n], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())

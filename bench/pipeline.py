"""Summarize-and-extract benchmark: articles per second on one core, and the pipeline's
overhead over the plain libraries on the same articles.

Rows: our news summarizer next to plain sumy LexRank (same offline tokenizer); our
whole entity extraction (spaCy NER, clean-up rules, roles from the dependency parse of
the sentences that name people, and indexing into a fresh store) next to spaCy's
``nlp.pipe`` with tok2vec+ner alone on the same articles (the goal: at most 1.5 times its
time); and the whole scheduled job (summaries, entities, batched store writes) on a
fresh store.

The articles are the BBC texts in ../shared/eval/bbc-dev.jsonl when that file is there
(it says so), else generated ones.

    python bench/pipeline.py [--articles 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "bbc-dev.jsonl"


def corpus(n: int) -> tuple[list[dict], str]:
    if EVAL.exists():
        rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
        items = [{"title": r["title"], "text": r["text"], "published": "2025-07-27", "source": "BBC"} for r in rows]
        base = list(items)
        while len(items) < n:  # repeat with a marker so the copies are distinct stories
            k = len(items)
            items += [
                dict(r, title=f"{r['title']} ({k + i})", text=f"{r['text']}\n\nThis is copy {k + i}.")
                for i, r in enumerate(base[: n - k])
            ]
        return items[:n], f"BBC articles from {EVAL}"
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest import generate  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), n)
        items = [{"title": "", "text": p.read_text(), "published": "2025-07-27"} for p in sorted(Path(tmp).iterdir())]
    return items, f"generated articles ({EVAL} is not there)"


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.1f} articles/s  ({seconds:6.2f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of the entity rows (best counts)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core

    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from newsbrief.summaries.articles.formats import parse_record
    from newsbrief.summaries.config import Settings
    from newsbrief.summaries.nlp import entities
    from newsbrief.summaries.nlp.summarizer import summarize_article
    from newsbrief.summaries.nlp.tokenizer import get_tokenizer
    from newsbrief.summaries.pipeline.run import run_pipeline
    from newsbrief.summaries.store import Store

    items, what = corpus(args.articles)
    articles = [parse_record(item) for item in items]
    bodies = [a.body for a in articles]
    n = len(bodies)
    print(f"{n} {what}; one process, one core\n")
    settings = Settings()

    tokenizer = get_tokenizer("english")
    lexrank = LexRankSummarizer(Stemmer("english"))
    lexrank.stop_words = get_stop_words("english")
    start = time.perf_counter()
    for body in bodies:
        lexrank(PlaintextParser.from_string(body, tokenizer).document, 3)
    base_sum = time.perf_counter() - start
    start = time.perf_counter()
    for body in bodies:
        summarize_article(body, settings.summaries)
    ours_sum = time.perf_counter() - start
    print(f"summarize  plain sumy LexRank      {rate(n, base_sum)}")
    print(f"summarize  newsbrief summarizer    {rate(n, ours_sum)}   x{ours_sum / base_sum:.2f} the time of LexRank")

    nlp = entities.ner_model()
    if nlp is None:
        print("no spaCy model installed: entity rows skipped")
        return 0
    import spacy

    from newsbrief.summaries.index import entity_index

    # the baseline: spaCy's own pipeline with tok2vec and ner, nothing else, on the same bodies
    name = next(n for n in entities.MODEL_NAMES if _installed(n))
    base = spacy.load(name, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"])
    list(base.pipe(bodies[:5]))  # warm up
    entities.extract_many([(b, ()) for b in bodies[:5]])
    records = [a.to_record() for a in articles]
    runs = {"base": [], "ours": []}
    for _ in range(args.rounds):  # alternate, so a busy machine slows both alike
        start = time.perf_counter()
        for _ in base.pipe(bodies, batch_size=32):
            pass
        runs["base"].append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "db.json") as store:
            start = time.perf_counter()
            entity_index.index_articles(store, records)  # NER, rules, roles, index and its writes
            runs["ours"].append(time.perf_counter() - start)
    base_ner, ours_ner = min(runs["base"]), min(runs["ours"])
    print(f"entities   spaCy nlp.pipe alone    {rate(n, base_ner)}   ({'+'.join(base.pipe_names)})")
    print(
        f"entities   newsbrief extraction    {rate(n, ours_ner)}   x{ours_ner / base_ner:.2f} the time of spaCy alone "
        f"(NER, rules, roles from the parse, indexing; best of {args.rounds})"
    )

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "db.json") as store:
        store.upsert_articles(articles)
        start = time.perf_counter()
        report = run_pipeline(store, settings, ingest=False)
        job = time.perf_counter() - start
    print(
        f"whole job  summaries+entities+store {rate(len(report.summarized), job)}   "
        f"(summarized {len(report.summarized)}, entities for {report.indexed})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

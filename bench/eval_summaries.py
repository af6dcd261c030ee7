"""Score extractive summaries against reference summaries with ROUGE.

Usage::

    python bench/eval_summaries.py            # ../shared/eval/bbc-dev.jsonl
    python bench/eval_summaries.py --large    # ../shared/eval/bbc-dev-large.jsonl
    python bench/eval_summaries.py --data PATH [--data PATH ...]
    python bench/eval_summaries.py --lang fr [FILE]   # ../shared/eval/orangesum-fr-dev.jsonl
    python bench/eval_summaries.py --detect [FILE ...] # language detection accuracy and time

Each data file is JSON Lines with ``id``, ``category``, ``title``, ``text`` and
``summary``.  The BBC references are *extractive and long* (about 40% of the
article's sentences, machine-picked), so ROUGE recall rewards long summaries and
methods that resemble the picker (it overlaps TextRank closely).  Every system is
therefore scored twice: at 3 sentences (what a Telegram brief uses) and at the
reference's own sentence count.  We report ROUGE-1/2/L F1 (``rouge-score``,
``use_stemmer=True``), the mean summary length in characters and the throughput
in articles per second (summarization only, one core, ROUGE excluded).

Systems: ours (:func:`summaries.nlp.summarizer.summarize`), Lead-N (the first N
sentences), and sumy's LexRank, TextRank, LSA and Luhn, all on the same offline
tokenizer (:mod:`summaries.nlp.tokenizer`), English stemmer and stop words.

``--lang xx`` scores one-sentence summaries of news in another language against human
abstracts (OrangeSum for French): ROUGE-1/2/L F1 with a tokenizer that keeps accented
letters (lower case, the language's Snowball stemmer), beside the same run's baselines:
the first sentence (Lead-1), sumy's LexRank with the language's stemmer and stop words,
and newsbrief as it was before languages (the English rules, ``language="en"``). Ours is
given the article's title, as the pipeline gives a stored article's headline. The set is
scored in two halves (the first was used for tuning, the second is held out) and whole.

``--detect`` measures :func:`summaries.language.detect_language` on the texts of the
evaluation files that carry a ``lang`` (OrangeSum, the news pairs): accuracy on headline
and body, on the headline alone, and the time per article.

The data files are read in place and never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "eval"
DEV = EVAL_DIR / "bbc-dev.jsonl"
ORANGESUM = EVAL_DIR / "orangesum-fr-dev.jsonl"
PAIRS = EVAL_DIR / "news-pairs-dev.jsonl"
LARGE = EVAL_DIR / "bbc-dev-large.jsonl"

NOTE = (
    "Note: the BBC references are extractive and long (~40% of each article's sentences,\n"
    "machine-picked; they overlap TextRank closely), so ROUGE favours long summaries.\n"
    "'@3' = 3 sentences per summary; '@ref' = the reference's sentence count."
)

Summarize = Callable[[str, int], list[str]]


def load(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def systems(language: str = "english") -> dict[str, Summarize]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    from newsbrief.summaries.nlp.summarizer import summarize
    from newsbrief.summaries.nlp.tokenizer import get_tokenizer, split_sentences

    tokenizer = get_tokenizer(language)
    stemmer = Stemmer(language)
    stop_words = get_stop_words(language)

    def sumy_system(cls) -> Summarize:
        engine = cls(stemmer)
        engine.stop_words = stop_words

        def run(text: str, k: int) -> list[str]:
            document = PlaintextParser.from_string(text, tokenizer).document
            return [str(s) for s in engine(document, k)]

        return run

    def lead(text: str, k: int) -> list[str]:
        return split_sentences(text, language)[:k]

    return {
        "ours": lambda text, k: summarize(text, k, language=language),
        "Lead": lead,
        "LexRank": sumy_system(LexRankSummarizer),
        "TextRank": sumy_system(TextRankSummarizer),
        "LSA": sumy_system(LsaSummarizer),
        "Luhn": sumy_system(LuhnSummarizer),
    }


def reference_count(summary: str) -> int:
    from newsbrief.summaries.nlp.tokenizer import split_sentences

    return max(1, len(split_sentences(summary)))


def evaluate(
    rows: list[dict], system: Callable[..., list[str]], counts: Iterable[int], scorer, *, titles: bool = False
) -> dict[str, float]:
    """ROUGE of ``system``'s summaries; with ``titles``, each system is given the row's title too."""
    counts = list(counts)
    outputs = []
    start = time.perf_counter()
    for row, k in zip(rows, counts):
        outputs.append(system(row["text"], k, row.get("title") or "") if titles else system(row["text"], k))
    elapsed = time.perf_counter() - start
    r1 = r2 = rl = 0.0
    chars = []
    for row, out in zip(rows, outputs):
        joined = "\n".join(out)
        s = scorer.score(row["summary"], joined)
        r1 += s["rouge1"].fmeasure
        r2 += s["rouge2"].fmeasure
        rl += s["rougeL"].fmeasure
        chars.append(len(" ".join(out)))
    n = max(1, len(rows))
    return {
        "R1": 100 * r1 / n,
        "R2": 100 * r2 / n,
        "RL": 100 * rl / n,
        "chars": statistics.mean(chars) if chars else 0.0,
        "aps": len(rows) / elapsed if elapsed > 0 else float("inf"),
    }


def run(path: Path, only: list[str] | None = None, limit: int | None = None) -> dict:
    from rouge_score import rouge_scorer

    rows = load(path)
    if limit:
        rows = rows[:limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ref_counts = [reference_count(r["summary"]) for r in rows]
    table = {}
    all_systems = systems()
    # warm up (builds the tokenizer, stemmer caches are per-run anyway)
    all_systems["ours"]("Warm up the tokenizer. It is built once per process.", 1)
    for name, system in all_systems.items():
        if only and name not in only:
            continue
        table[(name, "@3")] = evaluate(rows, system, [3] * len(rows), scorer)
        table[(name, "@ref")] = evaluate(rows, system, ref_counts, scorer)
    print(
        f"\n== {path.name}: {len(rows)} articles, reference mean "
        f"{statistics.mean(len(r['summary']) for r in rows):.0f} chars, "
        f"{statistics.mean(ref_counts):.1f} sentences =="
    )
    print(NOTE)
    header = f"{'system':<10} {'at':<5} {'R1':>6} {'R2':>6} {'RL':>6} {'chars':>7} {'art/s':>8}"
    print(header)
    print("-" * len(header))
    for at in ("@3", "@ref"):
        for name in all_systems:
            if (name, at) not in table:
                continue
            m = table[(name, at)]
            label = "Lead-3" if name == "Lead" and at == "@3" else ("Lead-N" if name == "Lead" else name)
            print(f"{label:<10} {at:<5} {m['R1']:6.1f} {m['R2']:6.1f} {m['RL']:6.1f} {m['chars']:7.0f} {m['aps']:8.0f}")
    if all(("ours", "@3") in table and (b, "@3") in table for b in ("Lead", "LexRank")):
        ours, lead, lex = table[("ours", "@3")], table[("Lead", "@3")], table[("LexRank", "@3")]
        checks = {
            "R2 >= Lead-3 + 3": ours["R2"] >= lead["R2"] + 3,
            "RL >= Lead-3 + 3": ours["RL"] >= lead["RL"] + 3,
            "R2 >= LexRank + 3": ours["R2"] >= lex["R2"] + 3,
            "RL >= LexRank + 3": ours["RL"] >= lex["RL"] + 3,
            "chars <= 1.25 x Lead-3": ours["chars"] <= 1.25 * lead["chars"],
            "articles/s >= 100": ours["aps"] >= 100,
        }
        print(
            f"goal @3 (length ratio ours/Lead-3 = {ours['chars'] / lead['chars']:.2f}): "
            + ", ".join(f"{k}: {'ok' if v else 'FAIL'}" for k, v in checks.items())
        )
    return table


class LetterTokenizer:
    """ROUGE tokens for any language: lower-cased runs of letters and digits (accents
    kept), each stemmed with the language's Snowball stemmer where NLTK has one."""

    def __init__(self, language: str) -> None:
        import re

        from sumy.nlp.stemmers import Stemmer

        from newsbrief.summaries.language import language_name

        self._words = re.compile(r"[^\W_]+")
        try:
            self._stem = Stemmer(language_name(language))
        except LookupError:
            self._stem = str.lower

    def tokenize(self, text: str) -> list[str]:
        return [self._stem(w) for w in self._words.findall(text.lower())]


def language_systems(language: str) -> dict[str, Callable[[str, int, str], list[str]]]:
    """One-sentence systems for a non-English set, each given the text, the count and the
    headline: ours (which reads the headline, as the pipeline does), Lead-1, LexRank with the
    language's stemmer and stop words, and ours with the English rules (newsbrief before
    languages, which read no headline)."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from newsbrief.summaries.language import language_name
    from newsbrief.summaries.nlp.summarizer import summarize
    from newsbrief.summaries.nlp.tokenizer import get_tokenizer, split_sentences

    name = language_name(language)
    tokenizer = get_tokenizer(language)
    lexrank = LexRankSummarizer(Stemmer(name))
    lexrank.stop_words = get_stop_words(name)

    def lex(text: str, k: int, _title: str = "") -> list[str]:
        return [str(s) for s in lexrank(PlaintextParser.from_string(text, tokenizer).document, k)]

    return {
        "ours": lambda text, k, title: summarize(text, k, language=language, title=title),
        "ours-auto": lambda text, k, title: summarize(text, k, title=title),  # the language detected
        "Lead-1": lambda text, k, _title: split_sentences(text, language)[:k],
        f"LexRank-{language}": lex,
        "before (en)": lambda text, k, _title: summarize(text, k, language="en"),
    }


def run_language(path: Path, language: str, only: list[str] | None = None, limit: int | None = None) -> dict:
    """ROUGE of one-sentence summaries on a set with human abstracts, in two halves."""
    from rouge_score import rouge_scorer

    rows = load(path)
    if limit:
        rows = rows[:limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=LetterTokenizer(language))
    half = len(rows) // 2
    parts = {"half 1 (tune)": rows[:half], "half 2 (held)": rows[half:], "all": rows}
    table: dict = {}
    print(
        f"\n== {path.name} ({language}): {len(rows)} articles, abstract mean "
        f"{statistics.mean(len(r['summary']) for r in rows):.0f} chars; one sentence per summary =="
    )
    header = f"{'part':<14} {'system':<12} {'R1':>6} {'R2':>6} {'RL':>6} {'chars':>7} {'art/s':>8}"
    print(header)
    print("-" * len(header))
    for part, subset in parts.items():
        for name, system in language_systems(language).items():
            if only and name not in only:
                continue
            m = table[(part, name)] = evaluate(subset, system, [1] * len(subset), scorer, titles=True)
            print(
                f"{part:<14} {name:<12} {m['R1']:6.1f} {m['R2']:6.1f} {m['RL']:6.1f} {m['chars']:7.0f} {m['aps']:8.0f}"
            )
        lead, lex = table.get((part, "Lead-1")), table.get((part, f"LexRank-{language}"))
        ours = table.get((part, "ours"))
        if ours and lead and lex:
            goals = {f"{k} >= both + 1": ours[k] >= max(lead[k], lex[k]) + 1 for k in ("R1", "R2", "RL")} | {
                "chars <= 1.2 x Lead-1": ours["chars"] <= 1.2 * lead["chars"]
            }
            print(
                f"{'':<14} goal (ours/Lead-1 length {ours['chars'] / lead['chars']:.2f}): "
                + ", ".join(f"{k}: {'ok' if v else 'FAIL'}" for k, v in goals.items())
            )
    return table


def run_detection(paths: list[Path]) -> dict:
    """Accuracy and time of language detection on every text of the files with a ``lang``."""
    from collections import Counter

    from newsbrief.summaries.language import detect_language

    texts: list[tuple[str, str, str]] = []  # (language, headline, body)
    for path in paths:
        for row in load(path):
            if "text" in row:
                texts.append((row["lang"], row.get("title") or "", row["text"]))
            for k in ("1", "2"):
                if f"text_{k}" in row and (row[f"text_{k}"] or "").strip():
                    texts.append((row["lang"], row.get(f"title_{k}") or "", row[f"text_{k}"]))
    detect_language("Warm up: the detector is built once per process.")
    out: dict = {}
    for what, pick in (("headline + body", lambda h, b: f"{h}\n{b}"), ("headline alone", lambda h, b: h)):
        rows = [(lang, pick(h, b)) for lang, h, b in texts if pick(h, b).strip()]
        wrong: Counter = Counter()
        start = time.perf_counter()
        found = [detect_language(text) for _, text in rows]
        elapsed = time.perf_counter() - start
        by_lang: Counter = Counter()
        right: Counter = Counter()
        for (lang, _), got in zip(rows, found):
            by_lang[lang] += 1
            right[lang] += got == lang
            if got != lang:
                wrong[(lang, got)] += 1
        out[what] = {"right": sum(right.values()), "n": len(rows), "ms": 1000 * elapsed / max(1, len(rows))}
        print(
            f"detection, {what}: {sum(right.values())}/{len(rows)} = {100 * sum(right.values()) / len(rows):.2f}% "
            f"({', '.join(f'{k} {right[k]}/{v}' for k, v in sorted(by_lang.items()))}); "
            f"{out[what]['ms']:.2f} ms per article; mistakes {dict(wrong.most_common(5))}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append", help="JSONL file(s) to score")
    parser.add_argument("--large", action="store_true", help=f"also score {LARGE.name}")
    parser.add_argument("--only", nargs="*", help="systems to run (ours Lead LexRank TextRank LSA Luhn)")
    parser.add_argument("--limit", type=int, help="score only the first N articles")
    parser.add_argument("--lang", help="score one-sentence summaries of a set in this language (ISO 639-1)")
    parser.add_argument("--detect", action="store_true", help="measure language detection")
    parser.add_argument("files", nargs="*", type=Path, help="data for --lang or --detect")
    args = parser.parse_args(argv)
    if args.detect:
        found = [p for p in (args.files or [ORANGESUM, PAIRS]) if p.is_file()]
        if not found:
            print("evaluation data not found (it lives outside the repo in ../shared/eval/); skipping")
            return 0
        run_detection(found)
        if not args.lang:
            return 0
    if args.lang:
        path = (args.files or [ORANGESUM])[0]
        if not path.is_file():
            print(f"evaluation data not found: {path} (it lives outside the repo in ../shared/eval/); skipping")
            return 0
        run_language(path, args.lang, args.only, args.limit)
        return 0

    paths = list(args.data or [DEV])
    if args.large and LARGE not in paths:
        paths.append(LARGE)
    try:
        import rouge_score  # noqa: F401
    except ImportError:
        print("rouge-score is not installed: pip install 'newsbrief[bench]'", file=sys.stderr)
        return 2
    missing = [p for p in paths if not p.is_file()]
    for p in missing:
        print(f"evaluation data not found: {p} (it lives outside the repo in ../shared/eval/); skipping")
    paths = [p for p in paths if p.is_file()]
    if not paths:
        return 0
    for path in paths:
        run(path, args.only, args.limit)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())

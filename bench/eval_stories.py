"""Story clustering and briefings against labelled headlines.

    python bench/eval_stories.py [FILE.jsonl] [--db PATH]

FILE is in the format of ``../shared/eval/uci-stories-dev.jsonl`` (the default when it
is there): one JSON object a line with ``id, title, publisher, url, published, category,
story``, where ``story`` is the Google News cluster the headline was shown in.

The headlines go through newsbrief's real path, in time order: parsed as JSON records
(headline-only items), stored in a fresh TinyDB file in batches, summarized and
clustered by the pipeline's own functions. Printed:

* B-cubed precision, recall and F1 of our stories against ``story``; next to it the
  baseline of the same run, online TF-IDF centroid clustering of the headlines at
  cosine >= 0.15, 0.25 and 0.35;
* for each day, how many distinct labelled stories the top 5 and top 10 of that day's
  briefing hold, and how many of the top 5 are among the day's 10 most covered
  labelled stories (by distinct outlets);
* the cost of clustering per article.

With the hand-made event labels (``--events``, by default ``uci-events-dev.jsonl`` beside
FILE: ``id, url, event``; ``unclear`` headlines are left out of that scoring), it also
prints B-cubed against the events for newsbrief, the baselines and Google's own clusters,
and per day how many distinct events the top 10 holds and how many of the day's 10 most
covered events (by distinct outlets) are in it, and how long composing that briefing took.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbrief.summaries.articles.formats import parse_record
from newsbrief.summaries.config import Settings  # noqa: E402
from newsbrief.summaries.pipeline.core import NewsCore  # noqa: E402
from newsbrief.summaries.pipeline.run import summarize_pending  # noqa: E402
from newsbrief.summaries.store import Store  # noqa: E402
from newsbrief.summaries.stories.briefing import compose_briefing, outlets_line  # noqa: E402
from newsbrief.summaries.stories.clustering import SIGNALS, StoryIndex, cluster_pending  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "uci-stories-dev.jsonl"
BATCH = 200


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    by_pred: dict[str, set[int]] = collections.defaultdict(set)
    by_gold: dict[str, set[int]] = collections.defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    precision = recall = 0.0
    for _i, (p, g) in enumerate(zip(pred, gold)):
        both = len(by_pred[p] & by_gold[g])
        precision += both / len(by_pred[p])
        recall += both / len(by_gold[g])
    n = len(pred) or 1
    precision, recall = precision / n, recall / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def tfidf_baseline(titles: list[str], threshold: float) -> list[int]:
    """Online TF-IDF centroid clustering: each headline joins the most similar cluster
    centroid if the cosine reaches ``threshold`` (IDF from the headlines seen so far)."""
    df: collections.Counter[str] = collections.Counter()
    clusters: list[dict[str, float]] = []
    out = []
    for n, title in enumerate(titles, 1):
        words = re.findall(r"\w+", title.lower())
        df.update(set(words))
        tf = collections.Counter(words)
        vec = {w: c * math.log((n + 1) / (df[w] + 0.5)) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vec = {w: v / norm for w, v in vec.items()}
        best, best_sim = -1, 0.0
        for ci, centroid in enumerate(clusters):
            cn = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
            sim = sum(v * centroid.get(w, 0.0) for w, v in vec.items()) / cn
            if sim > best_sim:
                best, best_sim = ci, sim
        if best >= 0 and best_sim >= threshold:
            for w, v in vec.items():
                clusters[best][w] = clusters[best].get(w, 0.0) + v
            out.append(best)
        else:
            clusters.append(dict(vec))
            out.append(len(clusters) - 1)
    return out


def split_days(rows: list[dict]) -> tuple[set[str], set[str]]:
    """The tuning days (the first half of the days, rounded up) and the held-out rest."""
    days = sorted({r["published"][:10] for r in rows})
    cut = (len(days) + 1) // 2
    return set(days[:cut]), set(days[cut:])


def direct_scores(rows: list[dict], event_of_row: dict[str, str], disabled: tuple[str, ...] = ()) -> list[tuple]:
    """B-cubed against the event labels (all, tuning days, held-out days) and Google-label
    precision of the story index alone (no store), fed the rows in time order."""
    idx = StoryIndex(disabled=disabled)
    article_of: dict[str, str] = {}
    for r in rows:
        article = parse_record(
            {"title": r["title"], "url": r["url"], "published": r["published"], "source": r["publisher"]}
        )
        idx.assign(article.to_record())
        article_of[r["id"]] = article.id
    final = {rid: idx.story_of[aid] for rid, aid in article_of.items()}  # after any later split
    tune, held = split_days(rows)
    out = []
    for days in (tune | held, tune, held):
        scored = [r for r in rows if r["published"][:10] in days and event_of_row.get(r["id"], "unclear") != "unclear"]
        pred = [final[r["id"]] for r in scored]
        p, rc, f = bcubed(pred, [event_of_row[r["id"]] for r in scored])
        gp, _gr, _gf = bcubed(pred, [r["story"] for r in scored])
        out.append((p, rc, f, gp))
    return out


def ablation(rows: list[dict], event_of_row: dict[str, str]) -> None:
    """Each signal of the story index left out in turn, scored against the event labels."""
    tune, held = split_days(rows)
    print(
        f"\nablation against the event labels (story index alone, all {len(rows)} headlines; "
        f"tuning days {', '.join(sorted(tune))}; held-out days {', '.join(sorted(held)) or '-'})"
    )
    print(
        f"{'signals':<22} {'all P':>6} {'R':>6} {'F1':>6} {'gP':>6} | {'tune P':>6} {'R':>6} | {'held P':>6} {'R':>6}"
    )
    for name in ("(all)", *SIGNALS):
        disabled = () if name == "(all)" else (name,)
        (p, r, f, gp), (tp, tr, _tf, _tg), (hp, hr, _hf, _hg) = direct_scores(rows, event_of_row, disabled)
        label = name if name == "(all)" else f"without {name}"
        print(f"{label:<22} {p:6.3f} {r:6.3f} {f:6.3f} {gp:6.3f} | {tp:6.3f} {tr:6.3f} | {hp:6.3f} {hr:6.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--db", type=Path, help="database file to build (default: a temporary one)")
    ap.add_argument("--events", type=Path, help="event labels (default: uci-events-dev.jsonl beside FILE)")
    ap.add_argument("--show-day", help="print that day's briefing as a reader sees it (YYYY-MM-DD)")
    ap.add_argument("--ablation", action="store_true", help="also score the story index with each signal left out")
    args = ap.parse_args(argv)
    if not args.file.exists():
        print(
            f"{args.file} is not there (the shared evaluation data is read from ../shared/eval/); nothing to evaluate"
        )
        return 0
    rows = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: (r["published"], r["id"]))
    events_file = args.events or args.file.with_name("uci-events-dev.jsonl")
    event_of_row: dict[str, str] = {}
    if events_file.exists():
        for line in events_file.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                event_of_row[rec["id"]] = rec["event"]
        print(f"event labels: {len(set(event_of_row.values()))} events, from {events_file}")
    else:
        print(f"{events_file} is not there: no scoring against event labels")
    print(f"{len(rows)} headlines, {len({r['story'] for r in rows})} labelled stories, from {args.file}")
    settings = Settings()
    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "stories.json"
    gold_of_article: dict[str, str] = {}
    event_of_article: dict[str, str] = {}
    outlet_of_article: dict[str, str] = {}
    day_of_article: dict[str, str] = {}
    cluster_seconds = 0.0
    with Store(db) as store:
        core = NewsCore(store, settings)
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            articles = []
            for r in batch:
                article = parse_record(
                    {"title": r["title"], "url": r["url"], "published": r["published"], "source": r["publisher"]}
                )
                articles.append(article)
                gold_of_article[article.id] = r["story"]
                if event_of_row.get(r["id"], "unclear") != "unclear":
                    event_of_article[article.id] = event_of_row[r["id"]]
                outlet_of_article[article.id] = r["publisher"]
                day_of_article[article.id] = article.date
            result = store.upsert_articles(articles)
            # the same text from another outlet is that outlet's report (as ingest does)
            source_of = {a.id: a.source for a in articles}
            store.add_also_in([(owner, source_of[aid]) for aid, owner in result.duplicates if owner != aid])
            summarize_pending(store, settings.summaries)
            t0 = time.perf_counter()
            cluster_pending(store, core.story_index())
            cluster_seconds += time.perf_counter() - t0
        ids = [a for a in gold_of_article if store.get_article(a) is not None]
        pred = [store.story_id_of(a) or a for a in ids]
        gold = [gold_of_article[a] for a in ids]
        p, r, f = bcubed(pred, gold)
        print(f"\n{'system':<34} {'P':>6} {'R':>6} {'F1':>6} {'stories':>8}")
        print(f"{'newsbrief stories':<34} {p:6.3f} {r:6.3f} {f:6.3f} {len(set(pred)):8d}")
        titles = [store.get_article(a)["headline"] for a in ids]
        for th in (0.15, 0.25, 0.35):
            base = tfidf_baseline(titles, th)
            bp, br, bf = bcubed([str(x) for x in base], gold)
            print(
                f"{'baseline TF-IDF centroid >= ' + format(th, '.2f'):<34} "
                f"{bp:6.3f} {br:6.3f} {bf:6.3f} {len(set(base)):8d}"
            )
        if event_of_article:
            scored = [i for i, a in enumerate(ids) if a in event_of_article]
            events = [event_of_article[ids[i]] for i in scored]
            print(f"\nagainst the event labels ({len(scored)} headlines, unclear ones left out)")
            print(f"{'system':<34} {'P':>6} {'R':>6} {'F1':>6} {'stories':>8}")
            sub = [pred[i] for i in scored]
            ep, er, ef = bcubed(sub, events)
            print(f"{'newsbrief stories':<34} {ep:6.3f} {er:6.3f} {ef:6.3f} {len(set(sub)):8d}")
            google = [gold[i] for i in scored]
            gp, gr, gf = bcubed(google, events)
            print(f"{'Google News clusters':<34} {gp:6.3f} {gr:6.3f} {gf:6.3f} {len(set(google)):8d}")
            for th in (0.15, 0.25, 0.35):
                base = tfidf_baseline(titles, th)
                sub = [str(base[i]) for i in scored]
                bp, br, bf = bcubed(sub, events)
                print(
                    f"{'baseline TF-IDF centroid >= ' + format(th, '.2f'):<34} "
                    f"{bp:6.3f} {br:6.3f} {bf:6.3f} {len(set(sub)):8d}"
                )
        print(
            f"\nclustering: {cluster_seconds / max(1, len(ids)) * 1000:.3f} ms an article "
            f"({len(ids)} articles in {cluster_seconds:.2f} s, batches of {BATCH})"
        )

        print(
            f"\n{'day':<12} {'stories':>7} {'top5 distinct':>14} {'top10 distinct':>15} {'top5 in 10 most covered':>24}"
        )
        days = sorted(set(day_of_article.values()))
        day_rows: list[tuple[str, int, int, int, int, int, float]] = []
        for day in days:
            on_day = [a for a in ids if day_of_article[a] == day]
            coverage: dict[str, set[str]] = collections.defaultdict(set)
            for a in on_day:
                coverage[gold_of_article[a]].add(outlet_of_article[a].casefold())
            most = {g for g, _ in sorted(coverage.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]}
            compose_briefing(store, day=day, limit=10, settings=settings.summaries, fallback=False)  # warm
            t0 = time.perf_counter()
            briefing = compose_briefing(store, day=day, limit=10, settings=settings.summaries, fallback=False)
            compose_ms = (time.perf_counter() - t0) * 1000

            def label(story) -> str:
                votes = collections.Counter(gold_of_article.get(x, "?") for x in story.article_ids)
                return votes.most_common(1)[0][0]

            labels = [label(s) for s in briefing.stories]
            top5, top10 = labels[:5], labels[:10]
            print(
                f"{day:<12} {len(coverage):>7} {len(set(top5)):>10} of {len(top5):<2} "
                f"{len(set(top10)):>11} of {len(top10):<2}"
                f" {sum(1 for g in top5 if g in most):>20} of {len(top5)}"
            )
            if event_of_article:
                event_cover: dict[str, set[str]] = collections.defaultdict(set)
                for a in on_day:
                    if a in event_of_article:
                        event_cover[event_of_article[a]].add(outlet_of_article[a].casefold())
                busiest = {e for e, _ in sorted(event_cover.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]}
                ev = []
                for story in briefing.stories[:10]:
                    votes = collections.Counter(event_of_article[x] for x in story.article_ids if x in event_of_article)
                    ev.append(votes.most_common(1)[0][0] if votes else "?")
                day_rows.append(
                    (
                        day,
                        len(event_cover),
                        len(set(ev)),
                        len(ev),
                        sum(1 for e in set(ev) if e in busiest),
                        min(10, len(busiest)),
                        compose_ms,
                    )
                )
        if day_rows:
            print(
                f"\n{'day':<12} {'events':>7} {'top10 distinct events':>22} {'10 most covered events in top 10':>33}"
                f" {'compose':>9}"
            )
            for day, n_events, distinct, shown, hits, most_n, ms in day_rows:
                print(f"{day:<12} {n_events:>7} {distinct:>15} of {shown:<4} {hits:>26} of {most_n} {ms:>6.0f} ms")
        if args.ablation and event_of_row:
            ablation(rows, event_of_row)
        if args.show_day:
            briefing = compose_briefing(store, day=args.show_day, limit=10, settings=settings.summaries, fallback=False)
            print(f"\nBriefing for {args.show_day}:")

            for i, story in enumerate(briefing.stories, 1):
                print(f"{i}. {story.headline}\n   {outlets_line(story.outlets)} · {len(story.reports)} reports")
                for sentence in story.summary:
                    print(f"   {sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ingestion of article files and folders into the store, in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.summaries.articles.formats import MAX_FILE_BYTES, read_articles
from newsbrief.summaries.articles.model import Article, ArticleError
from newsbrief.summaries.store import NewsStore

__all__ = ["IngestReport", "ingest_paths", "article_files", "SUFFIXES"]

SUFFIXES = (".txt", ".text", ".md", ".json", ".jsonl")
BATCH_SIZE = 2000


@dataclass
class IngestReport:
    """What an ingest did: ids added, updated, unchanged; what was skipped and why."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped

    def line(self) -> str:
        """One summary line, as the CLI prints it."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


def article_files(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Files to read under ``paths`` (folders recursively, sorted); a path that cannot be
    used comes back as ``(path, reason)``."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.suffix.lower() in SUFFIXES:
                    yield child
        elif path.is_file():
            yield path
        elif path.exists():
            yield (path, "not a regular file")
        else:
            yield (path, "no such file or folder")


def ingest_paths(
    store: NewsStore,
    paths: Iterable[Path],
    *,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    language: str = "",
) -> IngestReport:
    """Read every article under ``paths`` and store them, one database write per batch.

    A file or entry that cannot be parsed is reported in ``skipped`` with its reason; the
    rest go in. ``progress`` is called with the number of files done after each file.
    ``language``: the language the source declares, a hint for texts too short to tell.
    """
    report = IngestReport()
    pending: list[Article] = []

    def flush() -> None:
        if pending:
            result = store.upsert_articles(pending)
            report.added += result.added
            report.updated += result.updated
            report.unchanged += result.unchanged
            names = {a.id: a.source or a.agency for a in pending}
            also = []
            for aid, owner in result.duplicates:
                owner_article = store.get_article(owner) if owner != aid else None
                own = ""
                if owner_article is not None:
                    own = str(owner_article.get("source") or owner_article.get("agency") or "")
                if owner_article is not None and names.get(aid) and names[aid].casefold() != own.casefold():
                    # the same text from another outlet: that outlet's report of the story, noted on it
                    also.append((owner, names[aid]))
                    report.unchanged.append(owner)
                else:
                    report.skipped.append((aid, f"duplicate of stored article {owner}"))
            if also:
                store.add_also_in(also)
            pending.clear()

    for item in article_files(paths):
        if isinstance(item, tuple):
            report.skipped.append((str(item[0]), item[1]))
        else:
            try:
                for entry in read_articles(item, max_bytes=max_bytes, language=language):
                    if isinstance(entry, ArticleError):
                        report.skipped.append((str(item), str(entry)))
                    else:
                        pending.append(entry)
            except ArticleError as exc:
                report.skipped.append((str(item), str(exc)))
            if len(pending) >= batch_size:
                flush()
        if progress is not None:
            progress(1)
    flush()
    return report

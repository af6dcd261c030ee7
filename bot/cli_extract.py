"""``newsbrief extract``: the entities of documents, for operators debugging the extractor and
for evaluations.

A document is a file of text (its id is the file's name), or a line of a ``.jsonl`` file: an
object with a string ``text`` and an ``id`` (a line without an id is ``FILE:LINE``). Files are
read as UTF-8 with their line endings kept, so the offsets printed are character offsets into
exactly the text read (``text[start:end] == surface``). Each text is cut to ``max_chars``
(:func:`bounded_text`, as the pipeline cuts an article body), and the offsets are into the kept
part. A file or line that cannot be read is one line on stderr naming it; the other documents
are still printed, and :func:`run_extract` returns 1."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from newsbrief.summaries.nlp.entities import EVENT, ORG, PERSON, PLACE, PRODUCT, Extracted, extract_many
from newsbrief.summaries.text import bounded_text

__all__ = ["Document", "Failure", "documents", "entity_records", "run_extract"]

# The extractor's types, as the command prints them (the words the entity index uses).
TYPE_WORDS = {PERSON: "person", ORG: "organisation", PLACE: "place", EVENT: "event", PRODUCT: "product"}

# Documents given to the extractor at a time: the model batches them, and no more than this
# many texts are held at once however long a JSON Lines file is.
CHUNK = 32


@dataclasses.dataclass(frozen=True)
class Document:
    id: str
    text: str


@dataclasses.dataclass(frozen=True)
class Failure:
    where: str  # "FILE" or "FILE:LINE"
    reason: str


def documents(path: Path) -> Iterator[Document | Failure]:
    """The documents of one file, in order, with a :class:`Failure` for what cannot be read."""
    try:
        if path.suffix.lower() != ".jsonl":
            with path.open(encoding="utf-8", newline="") as f:
                yield Document(path.name, f.read())
            return
        with path.open(encoding="utf-8", newline="") as f:
            for number, line in enumerate(f, 1):
                line = line.removeprefix("\ufeff") if number == 1 else line  # a byte-order mark
                if line.strip():
                    yield _line_document(f"{path}:{number}", line)
    except FileNotFoundError:
        yield Failure(str(path), "no such file")
    except IsADirectoryError:
        yield Failure(str(path), "is a folder, not a file")
    except UnicodeDecodeError as exc:
        yield Failure(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        yield Failure(str(path), exc.strerror or str(exc))


def _line_document(where: str, line: str) -> Document | Failure:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return Failure(where, f"not JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(value, dict):
        return Failure(where, f"expected an object with a string 'text', got {type(value).__name__}")
    text = value.get("text")
    if not isinstance(text, str):
        got = "none" if "text" not in value else type(text).__name__
        return Failure(where, f"'text' must be a string, got {got}")
    doc_id = value.get("id", where)
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        return Failure(where, f"'id' must be a string or a number, got {type(doc_id).__name__}")
    return Document(str(doc_id), text)


def entity_records(text: str, found: Sequence[Extracted]) -> list[dict[str, Any]]:
    """The printed form of each mention: type word, surface, name, character offsets into
    ``text`` and roles. Offsets that do not hold the surface are found again in the text,
    searching from the end of the mention before; a mention whose surface is not in the text
    at all, or of a type the command does not print, is left out."""
    records: list[dict[str, Any]] = []
    cursor = 0
    for e in found:
        kind = TYPE_WORDS.get(e.type)
        if kind is None or not e.surface:
            continue
        start, end = e.start, e.end
        if not (0 <= start <= end <= len(text)) or text[start:end] != e.surface:
            start = text.find(e.surface, cursor)
            if start < 0:
                start = text.find(e.surface)
            if start < 0:
                continue
            end = start + len(e.surface)
        cursor = end
        records.append(
            {"type": kind, "surface": e.surface, "name": e.name, "start": start, "end": end, "roles": list(e.roles)}
        )
    return records


def _print_document(doc_id: str, records: list[dict[str, Any]], as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps({"id": doc_id, "entities": records}, ensure_ascii=False), file=out)
        return
    print(f"{doc_id}: {len(records)} {'entity' if len(records) == 1 else 'entities'}", file=out)
    for r in records:
        line = f"  {r['type']:<12} {r['name']}  ({r['surface']!r} at {r['start']}-{r['end']})"
        if r["roles"]:
            line += "  roles: " + "; ".join(r["roles"])
        print(line, file=out)


def _flush(chunk: list[Document], as_json: bool, max_chars: int, out: TextIO) -> None:
    if not chunk:
        return
    found = extract_many([(d.text, ()) for d in chunk], max_chars=max_chars)
    for doc, mentions in zip(chunk, found):
        _print_document(doc.id, entity_records(doc.text, mentions), as_json, out)
    out.flush()
    chunk.clear()


def run_extract(
    paths: Sequence[str],
    *,
    as_json: bool,
    max_chars: int,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the entities of every document of ``paths`` (a listing, or one JSON object per
    line with ``as_json``); 1 if any file or line could not be read, else 0."""
    out = out or sys.stdout
    err = err or sys.stderr
    failed = False
    chunk: list[Document] = []
    for name in paths:
        for item in documents(Path(name)):
            if isinstance(item, Failure):
                _flush(chunk, as_json, max_chars, out)
                print(f"newsbrief: extract: {item.where}: {item.reason}", file=err, flush=True)
                failed = True
                continue
            chunk.append(Document(item.id, bounded_text(item.text, max_chars)))
            if len(chunk) >= CHUNK:
                _flush(chunk, as_json, max_chars, out)
    _flush(chunk, as_json, max_chars, out)
    return 1 if failed else 0

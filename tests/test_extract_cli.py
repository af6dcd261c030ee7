"""``newsbrief extract``, run as a user would: the entities of text files and JSON Lines."""

from __future__ import annotations

import json
import subprocess
import sys

TEXT = (
    "Angela Merkel met the chief executive of Siemens in Berlin on Tuesday.\r\n"
    "Merkel said the company would build a plant near Munich."
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsbrief.bot.cli", *args], capture_output=True, text=True, timeout=180
    )


def test_a_text_file_lists_people_organisations_and_places_at_their_offsets(tmp_path):
    doc = tmp_path / "merkel.txt"
    doc.write_bytes(TEXT.encode("utf-8"))  # the CRLF is kept: offsets count it
    proc = run("--db", str(tmp_path / "db.json"), "extract", "--json", str(doc))
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    record = json.loads(line)
    assert record["id"] == "merkel.txt"
    found = {(e["type"], e["name"]) for e in record["entities"]}
    assert {("person", "Angela Merkel"), ("organisation", "Siemens"), ("place", "Berlin")} <= found
    for e in record["entities"]:
        assert TEXT[e["start"] : e["end"]] == e["surface"], e
        assert e["type"] in {"person", "organisation", "place", "event", "product"}
        assert set(e) == {"type", "surface", "name", "start", "end", "roles"}
    later = [e for e in record["entities"] if e["surface"] == "Merkel"]
    assert later and later[0]["name"] == "Angela Merkel" and later[0]["start"] == TEXT.index("Merkel said")


def test_json_lines_two_documents_a_bad_line_and_a_missing_file(tmp_path):
    docs = tmp_path / "docs.jsonl"
    lines = [
        {"id": "a", "text": "Pete Hegseth, the US Defence Secretary, met Rajnath Singh in Washington."},
        {"id": "b", "text": 42},
        {"id": 7, "text": "Microsoft opened an office in Nairobi."},
    ]
    docs.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    proc = run("--db", str(tmp_path / "db.json"), "extract", str(docs), str(missing))
    assert proc.returncode == 1
    errors = proc.stderr.strip().splitlines()
    assert errors == [
        f"newsbrief: extract: {docs}:2: 'text' must be a string, got int",
        f"newsbrief: extract: {docs}:4: not JSON (Expecting value, column 1)",
        f"newsbrief: extract: {missing}: no such file",
    ]
    out = proc.stdout
    assert out.startswith("a: ") and "\n7: " in out
    assert "person       Pete Hegseth  ('Pete Hegseth' at 0-12)" in out
    assert "place        Washington" in out and "place        Nairobi" in out

    proc = run("--db", str(tmp_path / "db.json"), "extract", "--json", str(docs))
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 2
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "7"]
    texts = {"a": lines[0]["text"], "7": lines[2]["text"]}
    for r in records:
        assert r["entities"]
        for e in r["entities"]:
            assert texts[r["id"]][e["start"] : e["end"]] == e["surface"]

"""OPML files are hostile input: nesting and size are bounded while reading, not after."""

from __future__ import annotations

import subprocess
import sys

import pytest

from newsbrief.summaries.ingest.opml import MAX_DEPTH, MAX_FEEDS, MAX_OUTLINES, OPMLError, read_opml, write_opml


def nested(levels: int, feed: str = "https://example.org/feed.xml") -> bytes:
    """A list whose one feed sits under ``levels`` folders."""
    return (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        + b'<outline text="f">' * levels
        + f'<outline type="rss" text="x" xmlUrl="{feed}"/>'.encode()
        + b"</outline>" * levels
        + b"</body></opml>"
    )


def test_folders_a_few_deep_are_read():
    assert read_opml(nested(3)) == [("https://example.org/feed.xml", "x")]
    feeds = [(f"https://example.org/{i}.xml", f"Feed {i}") for i in range(MAX_FEEDS)]
    assert read_opml(write_opml(feeds)) == feeds


def test_deep_nesting_is_refused_before_parsing():
    with pytest.raises(OPMLError, match=f"nested more than {MAX_DEPTH} deep"):
        read_opml(nested(2000))
    unclosed = b"<opml><body>" + b"<outline text='f'>" * 2000 + b"<outline xmlUrl='https://example.org/a'/>"
    with pytest.raises(OPMLError, match="nested"):
        read_opml(unclosed)


def test_too_many_outlines_are_refused_before_parsing():
    folders = b"<opml><body>" + b"<outline text='empty folder'/>" * (MAX_OUTLINES + 1) + b"</body></opml>"
    with pytest.raises(OPMLError, match="outlines"):
        read_opml(folders)


def test_a_hostile_file_of_16000_nested_outlines_costs_little_memory():
    """16,000 nested outlines in 640 KB took about 1 GB to parse; refused, the reader's peak
    memory stays near what the interpreter needs anyway."""
    code = (
        "import resource, sys\n"
        "from newsbrief.summaries.ingest.opml import read_opml, OPMLError\n"
        "data = b'<opml><body>' + b'<outline text=\"folder\" xmlUrl=\"https://example.org/f\">' * 16000\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    read_opml(data)\nexcept OPMLError as exc:\n    print('refused:', exc)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    refused, grown_mb = out.splitlines()
    assert refused.startswith("refused: ") and int(grown_mb) < 50, out

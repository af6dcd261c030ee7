"""The gate: ruff (lint and format) over the code, and mypy over the packages with a baseline
that only shrinks. CI runs the test command, so the gate runs as tests.

mypy: modules listed in pyproject's strict override must have no error at all; every other
module may have at most the errors ``tests/mypy-baseline.json`` gives it, and a module with
fewer must lower its entry. Rewrite the baseline with::

    .venv/bin/python tests/test_gate.py --update-baseline

The installed names (``newsbrief.summaries``, ``newsbrief.bot``) map to the checkout's folders
through setuptools' ``package-dir``, which mypy cannot read (an editable install is an import
hook). So mypy checks a tree of links, ``newsbrief/{summaries,bot,seeds}`` pointing at the
checkout, on ``MYPYPATH``; its cache lives in the temp folder (a cold run takes about 25 s on
one core, a warm one a few seconds).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF_PATHS = ("summaries", "bot", "tests", "bench")
MYPY_PACKAGES = ("summaries", "bot")
LINKED = ("summaries", "bot", "seeds")  # what mypy needs to resolve newsbrief.* imports
BASELINE = ROOT / "tests" / "mypy-baseline.json"
UPDATE = ".venv/bin/python tests/test_gate.py --update-baseline"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True)


# -- ruff -----------------------------------------------------------------------------------


def test_ruff_check():
    done = _run("ruff", "check", "--no-cache", "--output-format", "concise", *RUFF_PATHS)
    assert done.returncode == 0, (
        f"ruff check found problems (`ruff check --fix` fixes some):\n{done.stdout}{done.stderr}"
    )


def test_ruff_format():
    done = _run("ruff", "format", "--no-cache", "--check", *RUFF_PATHS)
    assert done.returncode == 0, f"not formatted (run `ruff format`):\n{done.stdout}{done.stderr}"


# -- mypy -----------------------------------------------------------------------------------

_ERROR = re.compile(r"^(?P<path>[^:\n]+\.pyi?):(?P<line>\d+): error: (?P<message>.*)$")


def strict_modules() -> list[str]:
    """The modules pyproject holds to mypy's strict flags (none may have an error)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    modules: list[str] = []
    for override in config.get("overrides", []):
        if override.get("disallow_untyped_defs") and override.get("check_untyped_defs"):
            names = override["module"]
            modules += [names] if isinstance(names, str) else names
    return modules


def _work_dir() -> Path:
    """A temp folder of this checkout's own (links and cache), kept between runs."""
    key = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    work = Path(tempfile.gettempdir()) / f"newsbrief-mypy-{key}"
    links = work / "src" / "newsbrief"
    links.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = links / name
        if not (link.is_symlink() and link.resolve() == (ROOT / name).resolve()):
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(ROOT / name, target_is_directory=True)
    return work


def _module_of(path: str, src: Path) -> str:
    relative = Path(path).relative_to(src) if Path(path).is_absolute() else Path(path)
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def run_mypy() -> tuple[Counter[str], dict[str, list[str]]]:
    """mypy over newsbrief.summaries and newsbrief.bot: the number of errors per module, and
    each module's error lines (with the checkout's paths)."""
    work = _work_dir()
    src = work / "src"
    env = {**os.environ, "MYPYPATH": str(src)}
    args = [
        "mypy",
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "--cache-dir",
        str(work / "cache"),
        "--no-error-summary",
        "--show-error-codes",
        "--no-pretty",
        "--no-color-output",
    ]
    for package in MYPY_PACKAGES:
        args += ["-p", f"newsbrief.{package}"]
    done = subprocess.run([sys.executable, "-m", *args], cwd=src, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"mypy could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    counts: Counter[str] = Counter()
    lines: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        found = _ERROR.match(line)
        if found:
            module = _module_of(found["path"], src)
            counts[module] += 1
            lines.setdefault(module, []).append(line.removeprefix("newsbrief/"))
    if done.returncode == 1 and not counts:
        raise RuntimeError(f"mypy failed without an error line:\n{done.stdout}{done.stderr}")
    return counts, lines


def read_baseline() -> dict[str, int]:
    return json.loads(BASELINE.read_text())["errors"]


def write_baseline(counts: Counter[str]) -> None:
    data = {
        "about": (
            "mypy errors per module outside pyproject's strict list; tests/test_gate.py fails when a "
            "module has more, or fewer (then lower its entry). Only shrinks: rewrite with "
            "`python tests/test_gate.py --update-baseline` after fixing errors, never to let new ones in."
        ),
        "errors": {module: counts[module] for module in sorted(counts) if counts[module]},
    }
    BASELINE.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="module")
def mypy_result() -> tuple[Counter[str], dict[str, list[str]]]:
    return run_mypy()


@pytest.mark.timeout(600)
def test_strict_modules_have_no_type_errors(mypy_result):
    counts, lines = mypy_result
    strict = strict_modules()
    assert strict, "pyproject lists no strict module"
    bad = [m for m in strict if counts.get(m)]
    assert not bad, "strict modules with type errors:\n" + "\n".join(line for m in bad for line in lines[m])
    listed = sorted(set(strict) & set(read_baseline()))
    assert not listed, f"strict modules take no baseline entry: {listed}"


@pytest.mark.timeout(600)
def test_type_errors_do_not_grow_past_the_baseline(mypy_result):
    counts, lines = mypy_result
    baseline = read_baseline()
    over = {m: (n, baseline.get(m, 0)) for m, n in counts.items() if n > baseline.get(m, 0)}
    shown = [line for m in sorted(over) for line in lines[m]]
    assert not over, (
        "more mypy errors than tests/mypy-baseline.json allows (module: now, baseline) "
        f"{dict(sorted(over.items()))}:\n" + "\n".join(shown)
    )


@pytest.mark.timeout(600)
def test_the_baseline_shrinks_when_errors_are_fixed(mypy_result):
    counts, _lines = mypy_result
    under = {m: (counts.get(m, 0), n) for m, n in read_baseline().items() if counts.get(m, 0) < n}
    assert not under, (
        f"fewer mypy errors than the baseline (module: now, baseline) {dict(sorted(under.items()))}: "
        f"lower it with `{UPDATE}`"
    )


def test_the_gate_reads_mypy_errors_per_module(tmp_path):
    """The parser behind the ratchet: an error line counts for the module its path names."""
    src = tmp_path / "src"
    assert _module_of(str(src / "newsbrief/summaries/store/base.py"), src) == "newsbrief.summaries.store.base"
    assert _module_of("newsbrief/bot/__init__.py", src) == "newsbrief.bot"
    line = 'newsbrief/bot/cli.py:156: error: Argument 1 has incompatible type "int"; expected "str"  [arg-type]'
    assert _ERROR.match(line)["path"] == "newsbrief/bot/cli.py"
    assert not _ERROR.match("newsbrief/bot/cli.py:156: note: See https://mypy.rtfd.io")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update-baseline"]:
        sys.exit(f"usage: {UPDATE}")
    found, _ = run_mypy()
    before = read_baseline() if BASELINE.exists() else {}
    write_baseline(found)
    total = sum(found.values())
    rose = {m: (before.get(m, 0), n) for m, n in found.items() if n > before.get(m, 0)}
    print(f"wrote {BASELINE.relative_to(ROOT)}: {total} errors in {len(found)} modules (was {sum(before.values())})")
    if rose and before:
        print(f"grew (module: was, now), fix these rather than keep them: {dict(sorted(rose.items()))}")

"""The layout holds: no import cycles, the news core free of Telegram, one store package,
no private names of other packages."""

from __future__ import annotations

from pathlib import Path

from layering import build, foreign_private_attributes, real_cycles

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "summaries", "seeds")


def graph():
    return build(ROOT, PACKAGES, namespace="newsbrief")


def test_no_import_cycles():
    assert real_cycles(graph()) == []


def test_the_news_core_imports_no_telegram_and_no_bot():
    g = graph()
    for module, deps in g.edges.items():
        if module.startswith("summaries"):
            assert not [d for d in deps if d.startswith("bot")], module
            assert not g.external[module] & {"telegram", "bot"}, module


def test_only_the_store_package_imports_tinydb():
    g = graph()
    users = sorted(m for m, ext in g.external.items() if "tinydb" in ext)
    assert users and all(m.startswith("summaries.store") for m in users), users


def test_no_private_names_of_other_packages():
    assert graph().private == []


def test_no_private_attributes_of_other_packages_objects():
    assert foreign_private_attributes(ROOT, PACKAGES) == []


def test_the_checker_finds_a_cycle_and_a_private_import(tmp_path):
    pkg = tmp_path / "demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from demo.b import thing\n")
    (pkg / "b.py").write_text("def thing():\n    from demo import c\n")
    (pkg / "c.py").write_text("import demo.a\nfrom sumy.summarizers._summarizer import AbstractSummarizer\n")
    g = build(tmp_path, ["demo"])
    assert real_cycles(g) == [["demo.a", "demo.b", "demo.c"]]
    assert ("demo.c", "sumy.summarizers._summarizer") in g.private
    (pkg / "c.py").write_text("from sumy.summarizers import AbstractSummarizer\n")
    g = build(tmp_path, ["demo"])
    assert real_cycles(g) == [] and g.private == []
    (pkg / "d.py").write_text("import httpx\n\ndef f(exc):\n    return exc._retry_after, httpx._config\n")
    assert [(m, a) for m, _line, a in foreign_private_attributes(tmp_path, ["demo"])] == [
        ("demo.d", "_retry_after"), ("demo.d", "_config")]


def test_no_undefined_names_or_unused_imports():
    """pyflakes over the packages: an undefined name is a crash waiting for its path."""
    from pyflakes.api import checkPath
    from pyflakes.reporter import Reporter
    import io

    out = io.StringIO()
    reporter = Reporter(out, out)
    problems = sum(checkPath(str(path), reporter) for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py")))
    assert problems == 0, out.getvalue()


def test_every_imported_package_is_declared():
    """What the code imports is installed by pyproject's dependencies (or an extra, for
    optional parts such as PostgreSQL), not by luck."""
    import importlib.metadata as md
    import re
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    declared = {re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in requirements}
    owners = md.packages_distributions()
    imported = set().union(*graph().external.values()) - set(sys.stdlib_module_names)
    missing = {}
    for name in sorted(imported):
        dists = {d.lower().replace("_", "-") for d in owners.get(name, [])}
        if not dists & declared:
            missing[name] = sorted(dists)
    assert missing == {}

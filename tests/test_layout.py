"""The layout holds: no import cycles, the news core free of Telegram, one store package,
no private names of other packages; and the seams of #24: nothing probes a store with
``hasattr``/``getattr``, no SQL outside the store package, no function-level imports of the
project's own modules, no module over 600 lines."""

from __future__ import annotations

from pathlib import Path

from layering import (
    build,
    foreign_private_attributes,
    function_level_imports,
    long_modules,
    real_cycles,
    sql_strings,
    store_probes,
)

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
        ("demo.d", "_retry_after"),
        ("demo.d", "_config"),
    ]


def test_no_undefined_names_or_unused_imports():
    """pyflakes over the packages: an undefined name is a crash waiting for its path."""
    import io

    from pyflakes.api import checkPath
    from pyflakes.reporter import Reporter

    out = io.StringIO()
    reporter = Reporter(out, out)
    paths = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    problems = sum(checkPath(str(path), reporter) for path in paths)
    assert problems == 0, out.getvalue()


def test_every_imported_package_is_declared():
    """What the code imports is installed by pyproject's dependencies (or an extra, for
    optional parts such as PostgreSQL), not by luck."""
    import importlib.metadata as md
    import re
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    requirements = [*project["dependencies"], *(d for extra in extras for d in extra)]
    declared = {re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in requirements}
    owners = md.packages_distributions()
    imported = set().union(*graph().external.values()) - set(sys.stdlib_module_names)
    missing = {}
    for name in sorted(imported):
        dists = {d.lower().replace("_", "-") for d in owners.get(name, [])}
        if not dists & declared:
            missing[name] = sorted(dists)
    assert missing == {}


# -- the seams of #24 -----------------------------------------------------------------------
#
# Each rule below has a planted-code test (the checker finds a violation written into a tmp
# package) and a test over the real tree, which breaks none of them.

LINE_LIMIT = 600
LONG_MODULES_ALLOWED: set[str] = set()  # none: the entities module became a package of stages (#23)

FUNCTION_IMPORTS_ALLOWED = {
    # (module, imported module): the optional PostgreSQL backend is imported only when a
    # postgresql:// store is opened, so that psycopg (the `postgres` extra) is not needed otherwise
    ("summaries.store", "summaries.store.postgres"),
}


def _none(found: list[tuple[str, int, str]], rule: str) -> None:
    assert not found, f"{rule}:\n" + "\n".join(f"  {m}:{line}: {what}" for m, line, what in sorted(found))


def test_nothing_probes_a_store_with_hasattr_or_getattr():
    _none(store_probes(ROOT, PACKAGES), "hasattr/getattr on a store (declare it in NewsStore)")


def test_no_sql_outside_the_store_package():
    _none(
        [f for f in sql_strings(ROOT, PACKAGES) if not f[0].startswith("summaries.store")],
        "SQL outside summaries/store/",
    )


def test_no_function_level_imports_of_the_projects_own_modules():
    found = [
        (m, line, t)
        for m, line, t in function_level_imports(ROOT, PACKAGES, namespace="newsbrief")
        if (m, t) not in FUNCTION_IMPORTS_ALLOWED
    ]
    _none(found, "function-level import of a newsbrief module (import at module top)")


def test_the_function_level_import_allowlist_is_still_needed():
    found = {(m, t) for m, _line, t in function_level_imports(ROOT, PACKAGES, namespace="newsbrief")}
    assert found >= FUNCTION_IMPORTS_ALLOWED, FUNCTION_IMPORTS_ALLOWED - found


def test_no_module_over_600_lines():
    long = {m: n for m, n in long_modules(ROOT, PACKAGES, LINE_LIMIT) if m not in LONG_MODULES_ALLOWED}
    assert long == {}, f"modules over {LINE_LIMIT} lines: {long}"


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_checker_finds_hasattr_or_getattr_on_a_store(tmp_path):
    root = _plant(
        tmp_path,
        {
            "demo/__init__.py": "",
            "demo/probe.py": (
                "def deliver(store, chat):\n"
                "    if hasattr(store, 'claim_delivery'):\n"
                "        return store.claim_delivery(chat)\n"
                "\n"
                "class Index:\n"
                "    def who(self, news_store):\n"
                "        return getattr(self._store, 'who', None) or getattr(news_store, 'who_token')\n"
            ),
            "demo/fine.py": "def f(article, store):\n    return hasattr(article, 'body') and getattr(article, 'id')\n",
        },
    )
    found = store_probes(root, ["demo"])
    assert sorted((m, line) for m, line, _what in found) == [("demo.probe", 2), ("demo.probe", 7), ("demo.probe", 7)]
    assert "hasattr(store, 'claim_delivery')" in {what for _m, _line, what in found}


def test_the_checker_finds_sql_outside_the_store(tmp_path):
    root = _plant(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/deliveries.py": (
                '"""Deliveries. Prose may say select the chats from the store, or update a row."""\n'
                "def claim(conn, chat):\n"
                "    conn.execute('INSERT INTO deliveries (chat_id) VALUES (%s) ON CONFLICT DO NOTHING', (chat,))\n"
                "    table = 'deliveries'\n"
                '    return conn.execute(f"SELECT state FROM {table} WHERE chat_id = %s", (chat,))\n'
            ),
            "bot/words.py": "NOTE = 'select the stories from today and update the digest'\n",
            "summaries/__init__.py": "",
            "summaries/store/__init__.py": "",
            "summaries/store/pg.py": "SCHEMA = 'CREATE TABLE deliveries (chat_id bigint PRIMARY KEY)'\n",
        },
    )
    found = sql_strings(root, ["bot", "summaries"])
    assert sorted((m, line) for m, line, _what in found) == [
        ("bot.deliveries", 3),
        ("bot.deliveries", 5),
        ("summaries.store.pg", 1),
    ]
    outside = [f for f in found if not f[0].startswith("summaries.store")]
    assert [m for m, *_ in outside] == ["bot.deliveries", "bot.deliveries"]


def test_the_checker_finds_a_function_level_import(tmp_path):
    root = _plant(
        tmp_path,
        {
            "demo/__init__.py": "",
            "demo/a.py": (
                "import json\n"
                "from newsbrief.demo import b\n"
                "\n"
                "def f():\n"
                "    import csv\n"
                "    from newsbrief.demo.b import thing\n"
                "    return thing, csv, json, b\n"
                "\n"
                "class C:\n"
                "    async def g(self):\n"
                "        from . import b as again\n"
                "        def h():\n"
                "            import demo.b\n"
                "        return again, h\n"
            ),
            "demo/b.py": "def thing():\n    pass\n",
        },
    )
    found = function_level_imports(root, ["demo"], namespace="newsbrief")
    assert found == [("demo.a", 6, "demo.b"), ("demo.a", 11, "demo"), ("demo.a", 13, "demo.b")]


def test_the_checker_finds_a_module_over_600_lines(tmp_path):
    root = _plant(
        tmp_path,
        {
            "demo/__init__.py": "",
            "demo/short.py": "x = 1\n" * 600,
            "demo/long.py": "x = 1\n" * 601,
        },
    )
    assert long_modules(root, ["demo"], 600) == [("demo.long", 601)]

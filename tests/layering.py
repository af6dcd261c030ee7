"""A small checker of the module graph: import cycles, layers, private names.

It reads source files with :mod:`ast` (nothing is imported or run) and counts every
import, at module level or inside a function: an import hidden in a function is still
an edge of the graph.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Graph:
    """Modules of the given packages and the imports between them."""

    edges: dict[str, set[str]] = field(default_factory=dict)  # module -> project modules it imports
    external: dict[str, set[str]] = field(default_factory=dict)  # module -> top-level outside packages
    private: list[tuple[str, str]] = field(default_factory=list)  # (module, what private it imports)


GETTEXT = "_"  # the one underscore name that is public: gettext's "translate this"


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def build(root: Path, packages: Iterable[str], namespace: str = "") -> Graph:
    """The graph of these packages under ``root``; imports spelt ``namespace.package``
    (an installed namespace such as ``newsbrief``) count as the package itself."""
    packages = tuple(packages)
    prefix = namespace + "." if namespace else ""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            modules[_module_name(root, path)] = path
    graph = Graph()

    def resolve(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        own: set[str] = set()
        ext: set[str] = set()
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            names: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name if is_package else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}".strip(".")
                names = [a.name for a in node.names]
                targets = [f"{base}.{n}" for n in names] + [base]
            targets = [t[len(prefix) :] if prefix and t.startswith(prefix) else t for t in targets]
            for target in targets:
                top = target.split(".")[0]
                found = resolve(target) if top in packages else None
                if found and found != name:
                    own.add(found)
                    break
                if top not in packages and top:
                    ext.add(top)
                    break
            for part in (targets[-1] if targets else "").split("."):
                if part.startswith("_") and not part.startswith("__"):
                    graph.private.append((name, targets[-1]))
            for n in names:
                if n == GETTEXT:
                    continue  # gettext's conventional alias, public by convention (bot/i18n.py)
                if n.startswith("_") and not n.startswith("__"):
                    base = targets[-1]
                    if not (base.split(".")[0] in packages and resolve(base) == name):
                        graph.private.append((name, f"{base}.{n}"))
        graph.edges[name] = own
        graph.external[name] = ext
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Every strongly connected group of more than one module (each is an import cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph.edges):
        if v not in index:
            visit(v)
    return found


def _is_package_parent(a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def real_cycles(graph: Graph) -> list[list[str]]:
    """Cycles, leaving out a package's ``__init__`` re-exporting its own modules."""
    pruned = Graph(edges={m: {d for d in deps if not _is_package_parent(m, d)} for m, deps in graph.edges.items()})
    return cycles(pruned)


def foreign_private_attributes(root: Path, packages: Iterable[str]) -> list[tuple[str, int, str]]:
    """Uses of ``obj._name`` where no module of these packages defines ``_name``: a private
    attribute of another package's object. (module, line, name)"""
    trees = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            trees[_module_name(root, path)] = ast.parse(path.read_text(encoding="utf-8"))
    defined: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
                if not isinstance(node, ast.ClassDef):
                    defined.update(a.arg for a in node.args.args + node.args.kwonlyargs)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.alias):
                defined.add((node.asname or node.name).split(".")[0])
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "getattr")
            ):
                named = node.args[1] if len(node.args) > 1 else None
                if isinstance(named, ast.Constant) and isinstance(named.value, str):
                    defined.add(named.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("_"):
                defined.add(node.value)  # names given as strings (__slots__, __dict__ keys)
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in defined
            ):
                found.append((name, node.lineno, node.attr))
    return found


# -- the seams of #24: what only the store may do ------------------------------------------


def _trees(root: Path, packages: Iterable[str]) -> dict[str, tuple[Path, ast.Module]]:
    trees = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            trees[_module_name(root, path)] = (path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return trees


def _names_a_store(node: ast.expr) -> bool:
    """``store``, ``news_store``, ``self.store``, ``self._store``, ``app.store``: a store, by its name."""
    if isinstance(node, ast.Name):
        return node.id.lower().endswith("store")
    if isinstance(node, ast.Attribute):
        return node.attr.lower().endswith("store")
    return False


def store_probes(root: Path, packages: Iterable[str]) -> list[tuple[str, int, str]]:
    """Calls of ``hasattr``/``getattr`` on a store: a capability the interface should declare.
    (module, line, the call)"""
    found = []
    for name, (_path, tree) in _trees(root, packages).items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("hasattr", "getattr")
                and node.args
                and _names_a_store(node.args[0])
            ):
                found.append((name, node.lineno, ast.unparse(node)))
    return found


# SQL as it is written in a string: keywords in capitals (prose says "select" and "update" too),
# the multi-word statements in any case
_SQL = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bINSERT\s+INTO\b"
    r"|(?i:\bcreate\s+(?:unique\s+)?(?:table|index)\b|\balter\s+table\b|\bdrop\s+(?:table|index)\b"
    r"|\bon\s+conflict\b|\btruncate\s+table\b|\bfor\s+update\s+skip\s+locked\b)"
)


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def sql_strings(root: Path, packages: Iterable[str]) -> list[tuple[str, int, str]]:
    """String constants (and f-strings) that read as SQL; docstrings are prose and left out.
    (module, line, the first line of the string)"""
    found = []
    for name, (_path, tree) in _trees(root, packages).items():
        prose = _docstrings(tree)
        parts_of_fstrings: set[int] = set()
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.JoinedStr):
                parts_of_fstrings.update(id(v) for v in node.values)
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in prose
                and id(node) not in parts_of_fstrings
            ):
                text = node.value
            if text and _SQL.search(text):
                found.append((name, node.lineno, text.strip().splitlines()[0][:80]))
    return found


def function_level_imports(root: Path, packages: Iterable[str], namespace: str = "") -> list[tuple[str, int, str]]:
    """Imports of the packages' own modules inside a function (or a method): each hides an
    edge of the graph until the function runs. (module, line, the imported module)"""
    packages = tuple(packages)
    prefix = namespace + "." if namespace else ""
    found = []
    for name, (path, tree) in _trees(root, packages).items():
        is_package = path.name == "__init__.py"
        stack: list[tuple[ast.AST, bool]] = [(tree, False)]  # (node, inside a function)
        while stack:
            node, in_function = stack.pop()
            for child in ast.iter_child_nodes(node):
                if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _own_targets(child, name, is_package, packages, prefix):
                        found.append((name, child.lineno, target))
                function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                stack.append((child, in_function or function))
    return sorted(found)


def _own_targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, packages: tuple[str, ...], prefix: str
) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif node.level:
        anchor = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            anchor = anchor.rpartition(".")[0]
        names = [f"{anchor}.{node.module or ''}".strip(".")]
    else:
        names = [node.module or ""]
    names = [n[len(prefix) :] if prefix and n.startswith(prefix) else n for n in names]
    return [n for n in names if n.split(".")[0] in packages]


def long_modules(root: Path, packages: Iterable[str], limit: int = 600) -> list[tuple[str, int]]:
    """Modules of more than ``limit`` lines. (module, lines)"""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > limit:
                found.append((_module_name(root, path), lines))
    return found

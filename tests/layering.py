"""A small checker of the module graph: import cycles, layers, private names.

It reads source files with :mod:`ast` (nothing is imported or run) and counts every
import, at module level or inside a function: an import hidden in a function is still
an edge of the graph.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


@dataclass
class Graph:
    """Modules of the given packages and the imports between them."""

    edges: dict[str, set[str]] = field(default_factory=dict)  # module -> project modules it imports
    external: dict[str, set[str]] = field(default_factory=dict)  # module -> top-level outside packages
    private: list[tuple[str, str]] = field(default_factory=list)  # (module, what private it imports)


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
            targets = [t[len(prefix):] if prefix and t.startswith(prefix) else t for t in targets]
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
                defined.update(a.arg for a in node.args.args + node.args.kwonlyargs) if not isinstance(node, ast.ClassDef) else None
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                defined.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.alias):
                defined.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "getattr"):
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                    defined.add(node.args[1].value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("_"):
                defined.add(node.value)  # names given as strings (__slots__, __dict__ keys)
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if node.attr not in defined:
                    found.append((name, node.lineno, node.attr))
    return found

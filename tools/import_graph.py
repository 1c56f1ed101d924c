"""The import graph of the ``mdports`` package: modules, their sizes and the circles between them.

Every import counts: at the top of a module, inside a function (imported late to keep start-up
fast) and under ``if TYPE_CHECKING:``. Python tolerates a circle hidden in a function, but the
layering it breaks is the same, so this tool reports those too.

    python tools/import_graph.py            # a summary: modules, lines, circles
    python tools/import_graph.py --cycles   # every circle, module by module

A package is the first folder under ``mdports/`` (``mdports.rules``, ``mdports.edits``); a module
at the top (``mdports/api.py``) is a package of its own.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mdports"


# The floors of the package, top first. A package may import the packages of the floors below its
# own, never one above; packages on one floor are independent of each other. Text flows up:
# text -> document (syntax) -> model -> rules -> ... -> output -> the CLI.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("mdports", "mdports.__main__"),  # the package root: the model's types, the API on first use
    ("mdports.cli",),  # one thin module per command group
    ("mdports.servers",),  # the language server and the MCP server
    ("mdports.api", "mdports.adopt", "mdports.map"),  # the public API; init's plan; the port map
    ("mdports.output",),  # every renderer: reports, listings, diffs, drift, SARIF, JSON
    ("mdports.live",),  # what listens on this machine, against the document and the deployment
    ("mdports.deploy", "mdports.merge"),  # deployments and drift; the merge driver
    ("mdports.diff", "mdports.fixes"),  # the change detector; the remedies of findings
    ("mdports.edits",),  # the edit operations, verified by the rules
    ("mdports.files",),  # reading, atomic writing, locks, git, the configuration, the baseline
    ("mdports.rules",),  # the catalogue, the checks, findings and accepted exceptions
    ("mdports.model",),  # the read-only registry model, and its queries
    ("mdports.syntax",),  # the lossless document, lines and rows, escaping
    ("mdports.records", "mdports.errors", "mdports.version", "mdports._gc"),  # the ground floor
    ("mdports.location",),  # under it: a place in a file and how it is written (errors use it too)
    ("mdports.readonly",),  # under everything: the decorator of every record
)


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules of the package that ``name`` imports anywhere in its text."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from . import x`` and ``from .pkg import module`` import modules, not names.
            targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            targets = targets or [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def package_of(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2])


def strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of nodes that reach each other (circles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(sorted(group))
    return groups


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module and the modules of the package it imports (its own package's ``__init__`` left out)."""
    found = modules(root)
    graph = {name: imports(name, path, found) for name, path in found.items()}
    # A package imports its own __init__ implicitly; that is not a layering edge.
    return {name: {t for t in targets if t != package_of(name) or t == "mdports"} for name, targets in graph.items()}


def package_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for name, targets in graph.items():
        packages.setdefault(package_of(name), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(name)
        )
    return packages


def breaches(graph: Mapping[str, set[str]], layers: Sequence[Sequence[str]] = LAYERS) -> list[str]:
    """Every import against the layer order (``a -> b``, why), and every package no floor names."""
    floor = {package: level for level, names in enumerate(layers) for package in names}
    found = [f"{package}: on no floor of LAYERS" for package in sorted({package_of(n) for n in graph} - set(floor))]
    for name, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = package_of(name), package_of(target)
            if a == b or a not in floor or b not in floor:
                continue
            if floor[b] < floor[a]:
                found.append(f"{name} -> {target}: {b} is on a floor above {a}")
            elif floor[b] == floor[a]:
                found.append(f"{name} -> {target}: {a} and {b} share a floor and must not import each other")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", action="store_true", help="list every circle, module by module")
    args = parser.parse_args(argv)
    found = modules()
    graph = import_graph()
    packages = package_graph(graph)
    against = breaches(graph)
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in found.items()}
    largest = max(sizes, key=sizes.__getitem__)
    module_cycles = strongly_connected(graph)
    package_cycles = strongly_connected(packages)
    print(f"modules: {len(found)} ({sum(sizes.values()):,} lines); largest: {largest} ({sizes[largest]} lines)")
    print(f"modules over 400 lines: {sum(size > 400 for size in sizes.values())}")
    print(f"circles between modules: {len(module_cycles)} ({sum(map(len, module_cycles))} modules in them)")
    print(f"circles between packages: {len(package_cycles)} ({', '.join(' '.join(c) for c in package_cycles)})")
    print(f"imports against the layer order (LAYERS): {len(against)}")
    if args.cycles:
        for group in module_cycles:
            print("  " + " ".join(group))
        for line in against:
            print("  " + line)
    return 1 if module_cycles or package_cycles or against else 0


if __name__ == "__main__":
    sys.exit(main())

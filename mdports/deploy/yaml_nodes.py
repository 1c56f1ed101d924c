"""Reading deployment YAML as a node graph, with bounded alias expansion.

Every deployment reader (compose, Prometheus, cloudflared, Kubernetes) walks the graph of
``yaml.compose``, never Python objects: a scalar keeps its text as written (``22:22`` stays a
port mapping, not the YAML 1.1 number 1342) and its mark (line and column).

An alias is the *same* node object as its anchor, so the graph is small even when its
expansion is not: 26 levels of ``<<: [*a, *a]`` expand to 2**26 mappings, and a 23 KB
Prometheus file can alias its way to 10**9 targets. A :class:`YamlFile` therefore merges each
mapping once (cached by node identity) and counts the items its readers visit; past
:data:`MAX_NODES` it stops with an :class:`~mdports.errors.InputError` (exit 2) instead of
running for minutes or exhausting memory.

>>> compose = YamlFile("base: &b {port: 1}\\nweb: {<<: *b, name: w}\\n", "compose.yml")
>>> web = compose.mapping(compose.mapping(compose.root, "the top level")["web"][1], "web")
>>> {key: scalar(value) for key, (_, value) in web.items()}
{'name': 'w', 'port': '1'}
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from ..errors import InputError
from ..syntax.row import split_eol, split_lines

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
# Real files stay far below this (the 1,800-line compose file of the fleet fixture visits 1,530
# items); a file above it is an alias bomb or generated beyond what a port check can usefully read.
# At the cap, drift takes about 1.5 s, which bounds any YAML input.
MAX_NODES = 100_000

Pairs = dict[str, tuple[yaml.Node, yaml.Node]]


def scalar(node: yaml.Node | None) -> str | None:
    """The text of a scalar node as written; None for a null, a missing node or a collection."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
        return str(node.value)
    return None


def column(node: yaml.Node) -> int:
    """1-based column of a scalar's text (past the opening quote of a quoted scalar)."""
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    return node.start_mark.column + 1 + (1 if quoted else 0)


def line(node: yaml.Node) -> int:
    """1-based line of a node."""
    return int(node.start_mark.line) + 1


def is_empty(node: yaml.Node) -> bool:
    """A key written with nothing after it (``ports:``): a null scalar."""
    return isinstance(node, yaml.ScalarNode) and scalar(node) is None


class YamlFile:
    """One YAML file (or one document of a multi-document file) and the budget for reading it."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines: Sequence[str] = split_lines(text)
        self.root = self._compose(text)
        self._merged: dict[int, Pairs] = {}
        self._budget = _Budget()

    @classmethod
    def documents(cls, text: str, path: str) -> Iterator[YamlFile]:
        """Every document of a multi-document file (``---`` separated), Kubernetes style."""
        lines = split_lines(text)
        try:
            roots = list(yaml.compose_all(text, Loader=_LOADER))
        except yaml.YAMLError as exc:
            raise cls._yaml_error(exc, path, lines) from None
        budget = _Budget()  # one budget for the whole file: many small documents add up too
        for root in roots:
            if root is not None:
                document = cls.__new__(cls)
                document.path, document.lines, document.root = path, lines, root
                document._merged, document._budget = {}, budget
                yield document

    def _compose(self, text: str) -> yaml.Node | None:
        try:
            return yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise self._yaml_error(exc, self.path, self.lines) from None

    @staticmethod
    def _yaml_error(exc: yaml.YAMLError, path: str, lines: Sequence[str]) -> InputError:
        if not isinstance(exc, yaml.MarkedYAMLError):
            return InputError(f"is not valid YAML: {exc}", path=path)
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be parsed"
        if mark is None:
            return InputError(f"is not valid YAML: {problem}", path=path)
        number = mark.line + 1
        source = split_eol(lines[number - 1])[0] if 0 < number <= len(lines) else None
        return InputError(
            f"is not valid YAML: {problem}", path=path, line=number, column=mark.column + 1, source_line=source
        )

    def error(self, message: str, node: yaml.Node) -> InputError:
        """An InputError at ``node``, quoting its line."""
        number = line(node)
        source = split_eol(self.lines[number - 1])[0] if 0 < number <= len(self.lines) else None
        return InputError(message, path=self.path, line=number, column=node.start_mark.column + 1, source_line=source)

    def _visit(self, count: int, node: yaml.Node) -> None:
        self._budget.visited += count
        if self._budget.visited > MAX_NODES:
            raise InputError(
                f"expands to more than {MAX_NODES:,} YAML nodes through aliases (an alias bomb?)",
                path=self.path,
                line=line(node),
                column=node.start_mark.column + 1,
                hint="write the values out instead of nesting anchors and aliases this deep",
            )

    def mapping(self, node: yaml.Node, what: str) -> Pairs:
        """A mapping node's string keys -> (key node, value node), with ``<<`` merge keys applied.

        Keys written in the mapping win over merged ones, as in YAML's merge-key convention. A
        key written twice is an error (docker compose refuses such files too). Each node is
        merged once: an alias reached again returns the cached result.
        """
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"{what} must be a mapping", node)
        cached = self._merged.get(id(node))
        if cached is not None:
            self._visit(1, node)
            return cached
        self._merged[id(node)] = {}  # a mapping that merges itself through an alias adds nothing
        own: Pairs = {}
        merged: list[yaml.Node] = []
        for key, value in node.value:
            if key.tag == _MERGE_TAG:
                merged.extend(value.value if isinstance(value, yaml.SequenceNode) else [value])
                continue
            name = scalar(key)
            if name is None:
                continue
            if name in own:
                first = line(own[name][0])
                raise self.error(f"key {name!r} appears twice in {what} (first at line {first})", key)
            own[name] = (key, value)
        for source in merged:
            for name, pair in self.mapping(source, f"{what} (merged with <<)").items():
                own.setdefault(name, pair)
        self._visit(len(own) + 1, node)
        self._merged[id(node)] = own
        return own

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        """A sequence node's items (none for an empty value); anything else is an InputError."""
        if is_empty(node):
            return []  # "ports:" with nothing after it
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(f"{what} must be a list", node)
        self._visit(len(node.value) + 1, node)
        return list(node.value)


@dataclass
class _Budget:
    """The items visited so far, shared by the documents of one file."""

    visited: int = 0

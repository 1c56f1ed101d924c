"""Reading deployment YAML as a node graph, with bounded alias expansion.

Every deployment reader (compose, Prometheus, cloudflared, Kubernetes) walks the graph of
``yaml.compose``, never Python objects: a scalar keeps its text as written (``22:22`` stays a
port mapping, not the YAML 1.1 number 1342) and its mark.

Positions come from the mark's ``index`` (a character offset), never from its line and column:
YAML also ends a line at U+0085, U+2028 and U+2029, which an editor, ``git`` and the rest of
mdports do not (and ``str.splitlines`` splits at still others, such as form feed). A
:class:`YamlFile` turns an index into the line and column of :func:`~mdports.syntax.row.split_lines`,
the one line numbering of findings, quoted source lines and text edits.

An alias is the *same* node object as its anchor, so the graph is small even when its
expansion is not: 26 levels of ``<<: [*a, *a]`` expand to 2**26 mappings, and a 23 KB
Prometheus file can alias its way to 10**9 targets. A :class:`YamlFile` therefore merges each
mapping once (cached by node identity) and counts the items its readers read *again*, through an
alias or a merge key; past :data:`MAX_NODES` it stops with an :class:`~mdports.errors.InputError`
(exit 2) instead of running for minutes or exhausting memory. What is read once is not counted:
it is bounded by the size of the file, so a large honest file (thousands of manifests, no alias)
is read in full.

>>> compose = YamlFile("base: &b {port: 1}\\nweb: {<<: *b, name: w}\\n", "compose.yml")
>>> web = compose.mapping(compose.mapping(compose.root, "the top level")["web"][1], "web")
>>> {key: scalar(value) for key, (_, value) in web.items()}
{'name': 'w', 'port': '1'}

How deployment files write ports and addresses: a port or range, ``host:port`` or a URL.

Every reader (:mod:`~mdports.deploy.compose`, :mod:`~mdports.deploy.targets`,
:mod:`~mdports.deploy.envfile`) reads its port values
here, so that a port means the same in every file and the document; a value that cannot be
read raises :class:`PortSpecError`, which the readers turn into a record with an ``error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

from ..errors import InputError
from ..location import Location
from ..model.ports import PortRange, PortSyntaxError, parse_span
from ..syntax.row import LineIndex, split_eol

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
# Items read again through aliases and merge keys. Real files stay far below this (anchors share a
# few keys); a file above it is an alias bomb. At the cap, drift takes about 1.5 s.
MAX_NODES = 100_000

Pairs = dict[str, tuple[yaml.Node, yaml.Node]]
# libyaml leaves a leading byte order mark out of its indexes; the pure-Python reader counts it.
_BOM_COUNTED = _LOADER is yaml.SafeLoader
_SPACE = " \t\r\n\x85\u2028\u2029\ufeff"


def scalar(node: yaml.Node | None) -> str | None:
    """The text of a scalar node as written; None for a null, a missing node or a collection."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
        return str(node.value)
    return None


def is_empty(node: yaml.Node) -> bool:
    """A key written with nothing after it (``ports:``): a null scalar."""
    return isinstance(node, yaml.ScalarNode) and scalar(node) is None


class Positions(LineIndex):
    """Where the parser's marks are: their ``index`` (a character offset) as line and column."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
        self._shift = 1 if text.startswith("\ufeff") and not _BOM_COUNTED else 0

    def of_mark(self, mark: yaml.Mark) -> int:
        """The character offset of a parser mark."""
        return int(mark.index) + self._shift

    def offset(self, node: yaml.Node) -> int:
        """Where a node's text starts: a scalar's past its anchor, tag and opening quote.

        The parser's mark of a node with properties (``&port "3101:3001"``, ``!!str 22``) is
        that of its first property; the value is what a finding points at and a fix changes.
        """
        index, text = self.of_mark(node.start_mark), self.text
        if not isinstance(node, yaml.ScalarNode):
            return index
        while index < len(text) and text[index] in "&!":
            while index < len(text) and text[index] not in _SPACE:
                index += 1  # an anchor name or a tag ends at white space
            while index < len(text) and (text[index] in _SPACE or text[index] == "#"):
                if text[index] == "#":  # a comment after the properties runs to the end of its line
                    while index < len(text) and text[index] not in "\r\n":
                        index += 1
                else:
                    index += 1
        return index + (1 if node.style in ("'", '"') else 0)


class YamlFile:
    """One YAML file (or one document of a multi-document file) and the budget for reading it."""

    def __init__(self, text: str, path: str, *, document: tuple[yaml.Node, Positions, _Budget] | None = None) -> None:
        self.path = path
        if document is None:
            self.positions = Positions(text)
            self.root = self._compose(text)
            self._budget = _Budget()
        else:
            self.root, self.positions, self._budget = document
        self.lines = self.positions.lines
        self._merged: dict[int, Pairs] = {}
        self._seen: set[int] = set()

    @classmethod
    def documents(cls, text: str, path: str) -> Iterator[YamlFile]:
        """Every document of a multi-document file (``---`` separated), Kubernetes style."""
        positions = Positions(text)
        try:
            roots = list(yaml.compose_all(text, Loader=_LOADER))
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, path, positions) from None
        budget = _Budget()  # one budget for the whole file: many small documents add up too
        for root in roots:
            if root is not None:
                yield cls(text, path, document=(root, positions, budget))

    def _compose(self, text: str) -> yaml.Node | None:
        try:
            return yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, self.path, self.positions) from None

    def error(self, message: str, node: yaml.Node) -> InputError:
        """An InputError at ``node``, quoting its line."""
        return _located_error(message, self.path, self.positions, self.positions.offset(node))

    def location(self, node: yaml.Node) -> Location:
        """Where a node's text starts (past the opening quote of a quoted scalar)."""
        return Location(self.path, *self.positions.position(self.positions.offset(node)))

    def _expand(self, count: int, node: yaml.Node) -> None:
        """Count items read again through aliases and merge keys; refuse an alias bomb."""
        self._budget.expanded += count
        if self._budget.expanded > MAX_NODES:
            raise InputError(
                f"expands to more than {MAX_NODES:,} YAML nodes through aliases (an alias bomb?)",
                path=self.path,
                line=self.location(node).line,
                column=self.location(node).column,
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
        if cached is not None:  # reached again through an alias: its items are read again
            self._expand(len(cached) + 1, node)
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
                first = self.location(own[name][0]).line
                raise self.error(f"key {name!r} appears twice in {what} (first at line {first})", key)
            own[name] = (key, value)
        for source in merged:
            pairs = self.mapping(source, f"{what} (merged with <<)")
            self._expand(len(pairs), source)  # the merged items are copies
            for name, pair in pairs.items():
                own.setdefault(name, pair)
        self._merged[id(node)] = own
        return own

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        """A sequence node's items (none for an empty value); anything else is an InputError."""
        if is_empty(node):
            return []  # "ports:" with nothing after it
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(f"{what} must be a list", node)
        if id(node) in self._seen:  # reached again through an alias
            self._expand(len(node.value) + 1, node)
        self._seen.add(id(node))
        return list(node.value)


def _yaml_error(exc: yaml.YAMLError, path: str, positions: Positions) -> InputError:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return InputError(f"is not valid YAML: {exc}", path=path)
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "cannot be parsed"
    if mark is None:
        return InputError(f"is not valid YAML: {problem}", path=path)
    return _located_error(f"is not valid YAML: {problem}", path, positions, positions.of_mark(mark))


def _located_error(message: str, path: str, positions: Positions, offset: int) -> InputError:
    number, col = positions.position(offset)
    lines = positions.lines
    source = split_eol(lines[number - 1])[0] if 0 < number <= len(lines) else None
    return InputError(message, path=path, line=number, column=col, source_line=source)


@dataclass
class _Budget:
    """The items read again through aliases so far, shared by the documents of one file."""

    expanded: int = 0


class PortSpecError(ValueError):
    """A port specification in a deployment file that cannot be read; the message says why."""


def port_span(text: str, what: str) -> PortRange:
    """A port or a range (``3000-3005``) of a deployment file, read as the document's are."""
    if not text.strip()[:1].isdigit():  # parse_span would strip Markdown markup, which YAML has not
        raise PortSpecError(f"{what} {text.strip()!r} is not a port or a port range")
    try:
        return parse_span(text.strip())
    except PortSyntaxError as exc:
        raise PortSpecError(f"{what} {exc}") from None


def parse_target(text: str) -> tuple[str, int | None]:
    """Split a target into host and port: ``host:port``, ``[::1]:9090`` or a URL.

    A URL (a target with a scheme, as blackbox probes list them) has a port only when it
    writes one: the scheme's default is not a port the document lists.

    >>> parse_target("node-exporter:9100"), parse_target("[::1]:9090"), parse_target("example.org")
    (('node-exporter', 9100), ('::1', 9090), ('example.org', None))
    >>> parse_target("http://svc:3066/health"), parse_target("https://app.example.com/chat")
    (('svc', 3066), ('app.example.com', None))
    """
    text = text.strip()
    if "://" in text:
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
            raise PortSpecError(f"cannot read the URL {text!r}: {exc}") from None
        if not parts.hostname:
            raise PortSpecError(f"the URL {text!r} names no host")
        return parts.hostname, port
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise PortSpecError(f"cannot read the IPv6 address in {text!r}")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, None
    if not host or "/" in host:
        raise PortSpecError(f"{text!r} is not host:port")
    if port_text is None:
        return host, None
    span = port_span(port_text, "port")
    if len(span) != 1:
        raise PortSpecError(f"port {port_text!r} is a range; a target has one port")
    return host, span.lo

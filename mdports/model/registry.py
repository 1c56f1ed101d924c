"""The registry model's records: entries, cross-references, directives, and how each table and list was read.

The model is read-only (its records are :func:`~mdports.readonly.readonly`);
:func:`mdports.model.reading.build` derives it in one linear pass over the document's blocks.
Edits change the document and the model is derived again.
The :class:`~mdports.model.lookup.Registry` that holds them, with its look-ups, is in :mod:`.lookup`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Literal

from ..readonly import readonly
from . import vocabulary
from .ports import MAX_PORT, PortRange, format_ports, strip_markup

Status = Literal["assigned", "reserved"]
Layer = Literal["planned", "running"]
PLACEHOLDER_MARKERS = ("reserved", "available", "free", "unassigned", "unused", "spare", "vacant")
_ANY_MARKER = re.compile("|".join(PLACEHOLDER_MARKERS))
_LINK = re.compile(r"^\[([^\]]+)\]\([^)]*\)$")


def service_name(text: str) -> str:
    """The service name a cell holds: markup and a wrapping link removed."""
    text = strip_markup(text)
    if not text.startswith("["):
        return text
    link = _LINK.match(text)
    return strip_markup(link.group(1)) if link else text


def placeholder_marker(text: str) -> str | None:
    """The placeholder marker a service cell holds (``*(reserved)*`` -> ``reserved``), or None.

    A dash (``-``, ``—``) is a placeholder too: it says "nobody", not a service named ``-``.
    """
    if text in vocabulary.PLACEHOLDER_CELLS:
        return text
    if not _ANY_MARKER.search(text.lower()):
        return None  # the usual case, found without normalizing the text
    words = strip_markup(text).replace("(", " ").replace(")", " ").replace("*", " ").replace("_", " ")
    normalized = " ".join(words.lower().split())
    for marker in PLACEHOLDER_MARKERS:
        if normalized == marker or normalized.startswith((marker + " ", marker + ":")):
            return marker
    return None


@readonly
class RegistryTable:
    """A top-level table with a port column, and the roles of its columns."""

    block: int
    section: int
    line: int
    headers: tuple[str, ...]
    port_column: int
    service_column: int | None
    protocol_column: int | None
    host_column: int | None = None
    group_column: int | None = None  # a project column: identity is (project, service)
    port_kind: str = "current"  # host, current, default, dev or container (see vocabulary)
    repeats: bool = False  # a column says what each port is for: one service on several rows is normal
    layer: Layer = "planned"  # running when a column says where each service runs (Host, Current beside Default)
    record: bool = False  # a key/value table of one service (model.key_value): one entry, no rows to add to
    transports: tuple[tuple[int, tuple[str, ...]], ...] = ()  # `| TCP | UDP |` columns of marks (tables)
    unpublished: tuple[int, ...] = ()  # container port columns beside the registry's: a row's port when its own is `-`
    addresses: bool = False  # its port column holds addresses (`<eth0>:53`, `svc.local:9090`): model.addresses
    joined: tuple[int, ...] = ()  # more port columns of each row's entry, known by content (content_columns)
    views: tuple[int, ...] = ()  # its port in other places, a row's port where it has none of its own
    block_column: int | None = None  # the column of each entry's block of ports (content_columns)
    port_by_content: bool = False  # the port column is known by its cells: a cell of words is a note


@readonly
class TableReading:
    """How a top-level table was read: its role, why, and what each column is."""

    block: int
    section: int
    line: int
    role: str  # a key of vocabulary.ROLES, or "other" for a table without a port header
    reason: str
    columns: tuple[tuple[str, str], ...]  # (header, what mdports reads it as)
    mentions_port: bool  # a header names a port: never skipped without a finding
    ranges: tuple[tuple[PortRange, str, int], ...] = ()  # a range table's (range, title, line)


@readonly
class ListReading:
    """How one list with port-looking numbers was read (``explain``): read or not, and why."""

    block: int
    section: int
    line: int
    end: int  # the last line of the list
    heading: str  # the heading the list is under (in a quote or a section heading), "" for none
    items: int
    assignments: int  # items that look like `service port`
    read: bool
    reason: str
    hosts: tuple[str, ...] = ()
    entries: tuple[int, ...] = ()  # indexes into Registry.listed
    items_at: tuple[int, ...] = ()  # the first line of each item, host labels included (the merge's units)


@readonly
class Entry:
    """One registry entry: an assigned service or a placeholder (reserved ports).

    A table row (in :attr:`Registry.entries`: ``table`` indexes :attr:`Registry.tables`, ``row``
    the table's rows) or an assignment in a list of running ports (in :attr:`Registry.listed`:
    ``table`` indexes :attr:`Registry.lists`, ``row`` counts the list's assignments).
    """

    index: int
    table: int
    row: int  # index into the table block's rows (0 is the header)
    section: int
    line: int
    port_text: str
    port_column: int  # 1-based column of the port cell's text
    spans: tuple[PortRange, ...]  # empty when the port cell is malformed
    port_error: str | None
    service: str | None  # None for a placeholder
    service_text: str
    service_column: int
    marker: str | None  # placeholder marker, or None for an assigned entry
    protocols: tuple[str, ...]
    protocol_error: str | None
    cells: Mapping[str, str] = field(hash=False)
    cell_count: int = 0
    open_ended: bool = False  # the row has no closing pipe, so it may omit empty trailing cells
    host: str | None = None  # from a Host/Server/Node column or the section's heading
    group: str | None = None  # the project qualifying the service name, when the table has one
    layer: Layer = "planned"  # planned (the range tables) or running (what a host runs)
    address: str | None = None  # the host's address, when its label gives one
    source: Literal["table", "list"] = "table"  # the kind of block it was read from
    roles: tuple[str, ...] = ()  # what the port cell says of each span ("HTTP", "via Caddy"); () for none
    place: str | None = None  # where an address takes the port (`<eth0>`, `kite.svc.cluster.local`): model.addresses
    _ports: tuple[int, ...] | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def status(self) -> Status:
        return "assigned" if self.service is not None else "reserved"

    @property
    def ports(self) -> tuple[int, ...]:
        """Every port of the entry, expanded and sorted (worked out once, on first use)."""
        ports = self._ports
        if ports is None:
            if len(self.spans) == 1:
                ports = tuple(range(self.spans[0].lo, self.spans[0].hi + 1))
            else:
                ports = tuple(sorted({port for span in self.spans for port in span}))
            object.__setattr__(self, "_ports", ports)
        return ports

    def own_ports(self) -> tuple[int, ...]:
        """The ports the service itself listens on, on its host: not those its cell or its name says
        are internal (``8080 (internal)``, ``Backend (internal only)``) or a proxy's (``8002 (via
        Caddy)``, ``Panel (behind NPM)``). A port a proxy shares with many services is no clash."""
        name = self.service or ""
        whole = vocabulary.port_side(name[name.rfind("(") :]) if name.endswith(")") else "own"
        if whole != "own":
            return ()
        if not self.roles:
            return self.ports
        own = (s for s, role in zip(self.spans, self.roles, strict=True) if vocabulary.port_side(role) == "own")
        return tuple(sorted({port for span in own for port in span}))

    @property
    def first_port(self) -> int | None:
        if len(self.spans) == 1:
            return self.spans[0].lo
        return min(span.lo for span in self.spans) if self.spans else None

    @property
    def label(self) -> str:
        ports = format_ports(self.ports) if self.spans else self.port_text
        return f"{self.service} ({ports})" if self.service else f"placeholder {ports}"


@readonly
class Reference:
    """A cell such as ``3030 chat-backend`` that points at another entry."""

    port: int
    service: str
    entry: int  # the entry whose row holds the reference
    header: str
    line: int
    column: int


# Directives: HTML comments for mdports in a document (``<!-- mdports: accept MP101 -->``).


@readonly
class Directive:
    """An HTML comment for mdports, ``<!-- mdports: VERB RULE [PORT ...] -->``, in a section.

    The one verb is ``accept`` (an inline exception); any other is kept so that validation can
    say it is unknown instead of ignoring it.
    """

    section: int
    line: int
    rules: tuple[str, ...]
    ports: tuple[int, ...]
    verb: str = "accept"


def directive_comments(text: str) -> Iterator[tuple[int, str, str]]:
    """Each ``<!-- mdports: VERB BODY -->`` in ``text`` as ``(offset, VERB, BODY)``.

    Read with ``str.find``: a regular expression for it (``\\s+(.*?)\\s*-->``) backtracks
    quadratically on a comment with a long run of spaces and no end. Case is ignored in
    ``mdports:`` and the verb (given lower-cased), whitespace around them is free, BODY loses
    its outer spaces. A comment that does not start with ``mdports:`` is not ours.
    """
    start = text.find("<!--")
    while start != -1:
        index = _skip_space(text, start + 4)
        body_end = -1
        if text[index : index + 8].lower() == "mdports:":
            index = _skip_space(text, index + 8)
            body_end = text.find("-->", index)
            if body_end == -1:
                return  # no comment after this one is closed either
            verb, _, body = text[index:body_end].partition(" ")
            verb, tab, rest = verb.partition("\t")  # `accept\tMP101` too
            yield start, verb.strip().lower(), (rest + tab + body if tab else body).strip()
        start = text.find("<!--", body_end + 3 if body_end != -1 else start + 4)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def read_directive(section: int, line: int, verb: str, body: str) -> Directive:
    body = body.split("--", 1)[0]  # "-- reason" is for people
    rules: list[str] = []
    ports: list[int] = []
    for word in re.split(r"[\s,]+", body.strip()):
        if word.isdigit() and word.isascii():
            ports.append(int(word) if len(word) <= 9 else MAX_PORT + 1)  # too long to be a port: matches none
        elif word:
            rules.append(word)
    return Directive(section, line, tuple(rules), tuple(ports), verb)

"""How a table is read: what each column is (the table's role, registry rows or why not: :mod:`.table_roles`).

The words come from :mod:`.vocabulary`; this module applies them to one table's header and,
where the header alone cannot tell (a port column of marks, a description column), to its cells.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..readonly import readonly
from ..syntax.document import Table
from . import vocabulary
from .ports import TRANSPORTS, strip_markup
from .vocabulary import Vocabulary, normalize_header


@readonly
class Columns:
    """What each column of a table header is, by the vocabulary."""

    names: tuple[str, ...]
    port: int | None
    port_kind: str
    ports: tuple[tuple[int, str], ...]  # every port column and its kind
    service: int | None
    service_rank: int | None
    group: int | None
    protocol: int | None
    host: int | None
    repeats: bool
    noted_protocol: int | None = None  # a protocol header whose cells are notes ("uvicorn (native)")
    # Read by their content (.content_columns): more port columns of the entry, its block, and why.
    joined: tuple[int, ...] = ()
    views: tuple[int, ...] = ()
    block_column: int | None = None
    content: tuple[str, ...] = ()
    port_by_content: bool = False  # no header names the registry port column: its cells did
    transports: tuple[tuple[int, tuple[str, ...]], ...] = ()  # `| TCP | UDP |` of marks (transport_columns)


def read_columns(headers: tuple[str, ...], vocab: Vocabulary) -> Columns:
    names = tuple(normalize_header(header) for header in headers)
    ports: list[tuple[int, str]] = []
    service: tuple[int, int] | None = None  # (rank, index)
    protocol = host = None
    for index, name in enumerate(names):
        kind = vocab.port_kind(name)
        if kind is not None:
            ports.append((index, kind))
            continue
        rank = vocab.service_rank(name)
        if rank is not None and (service is None or rank < service[0]):
            service = (rank, index)
        elif protocol is None and name in vocabulary.PROTOCOL_HEADERS:
            protocol = index
        elif host is None and name in vocabulary.HOST_HEADERS:
            host = index
    registry_ports = [(index, kind) for index, kind in ports if kind in vocabulary.PORT_PRECEDENCE]
    best = min(registry_ports, key=lambda item: (vocabulary.PORT_PRECEDENCE.index(item[1]), item[0]), default=None)
    group = None
    if service is not None and service[0] < vocabulary.GROUP_RANK:
        group = next(
            (
                i
                for i, name in enumerate(names)
                if vocab.service_rank(name) == vocabulary.GROUP_RANK and i != service[1]
            ),
            None,
        )
    repeats = any(name in vocabulary.PURPOSE_HEADERS for i, name in enumerate(names) if not service or i != service[1])
    return Columns(
        names,
        best[0] if best else None,
        best[1] if best else "current",
        tuple(ports),
        service[1] if service else None,
        service[0] if service else None,
        group,
        protocol,
        host,
        repeats,
    )


def protocols_named(block: Table, columns: Columns) -> Columns:
    """The columns, with a protocol column whose cells mostly name no protocol read as notes.

    ``| Transport |`` holding ``uvicorn (native)`` and ``docker (internal)`` says how a service
    runs, not its transport: every row an unknown protocol would be a wall of false errors. A
    column of protocols with a typo or an unknown one (``tpc``, ``sctp``) stays a protocol column,
    and the cell a finding: only phrases are notes.
    """
    column = columns.protocol
    if column is None:
        return columns
    cells = [normalize_header(row.texts[column]) for row in block.body if column < len(row.texts)]
    notes = sum(1 for cell in cells if " " in cell and vocabulary.read_protocol(cell) is None)
    if 2 * notes <= len(cells):
        return columns
    return replace(columns, protocol=None, noted_protocol=column)


def settled(block: Table, columns: Columns) -> Columns:
    """The columns, with what the header leaves open read off the cells.

    A port column none of whose cells holds a number (``${rest.listen_port}``, ``TBD``) yields to
    the next port column that has them (a ``Default Port`` beside it). A table of a port column and
    one description column (but protocols and hosts) has its service column: ``| Port | Description |``.
    The columns of transport marks are found here, once for the table (:func:`transport_columns`).
    """
    transports = transport_columns(block, columns.names)
    if transports:
        columns = replace(columns, transports=transports)
    if columns.port is not None and not _holds_numbers(block, columns.port):
        numbered = [(i, kind) for i, kind in columns.ports if i != columns.port and _holds_numbers(block, i)]
        registry_ports = [(i, kind) for i, kind in numbered if kind in vocabulary.PORT_PRECEDENCE]
        if registry_ports:
            columns = replace(columns, port=registry_ports[0][0], port_kind=registry_ports[0][1])
    if columns.port is None or columns.service is not None:
        return columns
    kinds = dict(columns.ports)
    others = [
        i
        for i in range(len(columns.names))
        if i not in kinds and i not in (columns.protocol, columns.host, columns.noted_protocol)
    ]
    if len(others) != 1 or columns.names[others[0]] not in vocabulary.DESCRIPTION_HEADERS:
        return columns
    if not _mostly(block, columns.port, _PORT_LIKE().fullmatch):
        return columns
    if not _mostly(block, others[0], _words):
        return columns
    return replace(columns, service=others[0], service_rank=vocabulary.SOLE_TEXT_RANK)


def _mostly(block: Table, column: int, test: Callable[[str], object]) -> bool:
    """Whether most body cells of the column pass ``test`` (their text without markup)."""
    cells = [strip_markup(row.texts[column]) for row in block.body if column < len(row.texts)]
    return 2 * sum(1 for cell in cells if test(cell)) > len(cells) > 0


def header_says_it_all(block: Table, columns: Columns) -> bool:
    """Whether the header named a port column that holds numbers and a service column: the usual
    registry, which no reader of columns known by their content needs to look at."""
    return columns.port is not None and columns.service is not None and _holds_numbers(block, columns.port)


def _holds_numbers(block: Table, column: int) -> bool:
    """Whether a cell of the column holds a digit outside a variable (``${port}``, ``<PORT>``)."""
    for row in block.body:
        text = row.texts[column] if column < len(row.texts) else ""
        if any(c.isdigit() for c in text) and not text.strip(" `").startswith(("${", "{{", "<")):
            return True
    return False


# A cell that looks like a port, in a table no header explains; compiled on first use (start-up: docs/benchmarks.md).
_PORT_LIKE = functools.cache(
    lambda: re.compile(r"(?:[\w.-]{1,64}:)?\d{2,5}(?:/(?:tcp|udp))?|\d{2,5}\s*/\s*\d{2,5}", re.I)
)


def _words(text: str) -> bool:
    return any(c.isalpha() for c in text)


# Transport columns of marks: ``| Port | Service | TCP | UDP |`` with ``✔`` under the transports a port uses.
#
# A summary table often says which transports each port uses by a mark in a column per
# transport. Those columns are the row's protocols, not a checklist: ``| 8000 | RTP | | ✔ |`` is
# RTP on 8000/udp. A column is one of them when its header is a transport (``TCP``, ``UDP``) and
# every filled cell of it is a mark.

# Cells that say "yes" (a check mark, a cross drawn as an x, a word) and those that say "no".
YES = frozenset({"\u2714", "\u2714\ufe0f", "\u2713", "\u2705", "\u2611", "[x]", "x", "yes", "y", "s\u00ed", "si"})
YES |= frozenset({"ja", "oui", "sim", "\u25cf", "\u2022", "\u662f"})
NO = frozenset({"", "-", "\u2013", "\u2014", "\u2717", "\u2718", "\u274c", "\u2610", "[ ]", "no", "n", "nein", "non"})


def _mark(text: str) -> str:
    return strip_markup(text).lower()


def transport_columns(block: Table, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The columns whose header (of ``names``, as :func:`read_columns` reads them) is a transport
    and whose cells are marks, with the transports they say."""
    found = []
    for index, name in enumerate(names):
        transports = TRANSPORTS.get(name)
        if transports is None:
            continue
        if marks_only(block, index):
            found.append((index, transports))
    return tuple(found)


def marked_transports(texts: Sequence[str], columns: tuple[tuple[int, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """The transports a row's marks say (``()`` when none is marked: the row says nothing)."""
    said = {t for index, transports in columns if index < len(texts) and _mark(texts[index]) in YES for t in transports}
    return tuple(sorted(said))


def marks_only(block: Table, index: int) -> bool:
    """Whether every cell of column ``index`` is a mark (a yes or a no), and one at least a yes."""
    # Called on every port column of every table: the first cell that is no mark ends it (a port).
    said = False
    for row in block.body:
        mark = _mark(row.texts[index]) if index < len(row.texts) else ""
        if mark in YES:
            said = True
        elif mark not in NO:
            return False
    return said


# A port header over cells of marks (``| Exposed |`` holding ``yes``/``no``) is a flag, not a port column.


def without_flag_ports(block: Table, columns: Columns, vocab: Vocabulary) -> Columns:
    """The columns, with a port header whose cells are marks only read as a flag: ``Exposed``
    (``yes``/``no``) says whether the row's port is published, it holds no port."""
    flags = [index for index, _ in columns.ports if marks_only(block, index)]
    if not flags:
        return columns  # the usual case
    headers = tuple("" if index in flags else header for index, header in enumerate(block.header.texts))
    return replace(read_columns(headers, vocab), names=columns.names)

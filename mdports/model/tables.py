"""How a table is read: what each column is, and the table's role (registry rows or why not).

The words come from :mod:`.vocabulary`; this module applies them to one table's header and,
where the header alone cannot tell (a changelog, a checklist, a range table), to its cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..syntax.document import Table
from . import vocabulary
from .ports import TRANSPORTS, PortRange, PortSyntaxError, parse_span, strip_markup
from .registry import TableReading, service_name
from .sections import Section
from .vocabulary import Vocabulary, normalize_header


@dataclass(frozen=True, slots=True)
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
    if not _mostly(block, columns.port, _PORT_LIKE.fullmatch):
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


def _quote(headers: tuple[str, ...]) -> str:
    return ", ".join(repr(header.strip()) for header in headers)


def _role(block: Table, columns: Columns, heading: str) -> tuple[str, str]:
    """The role of a table that has a port column (``registry`` or why not), and the reason."""
    names = columns.names
    headers = block.header.texts
    dates = [i for i, name in enumerate(names) if vocabulary.is_date_header(name)]
    if dates and (dates[0] == 0 or any(name in vocabulary.ACTION_HEADERS for name in names)):
        return "changelog", f"column {headers[dates[0]]!r} dates each row"
    olds = [i for i, kind in columns.ports if kind == "old"]
    if olds and columns.port is not None:
        return "migration", f"columns {headers[olds[0]]!r} and {headers[columns.port]!r} move ports"
    marked = {index for index, _ in columns.transports}  # `| TCP | UDP |` of marks: protocols
    for index in range(len(names)):
        if index in marked:
            continue
        cells = (row.texts[index] for row in block.body if index < len(row.texts) and row.texts[index])
        # Decided by the first filled cell in nearly every column of a registry: stays linear and cheap.
        if next(cells, None) in vocabulary.CHECKBOXES and all(cell in vocabulary.CHECKBOXES for cell in cells):
            return "checklist", f"column {headers[index]!r} holds checkboxes"
    conflict = next((h for h, n in zip(headers, names, strict=False) if _says_conflict(n)), None)
    if conflict is not None or _says_conflict(heading.lower()):
        where = f"column {conflict!r}" if conflict is not None else f"heading {heading!r}"
        return "conflicts", f"{where} lists conflicts"
    weak_service = columns.service_rank is None or columns.service_rank >= 6  # owner, purpose: a range's title
    if (
        columns.port is not None
        and weak_service
        and ("range" in names[columns.port] or names[columns.port] in vocabulary.RANGE_HEADERS)
        and _range_rows(block, columns.port)
    ):
        return "ranges", f"every {headers[columns.port]!r} cell is a range"
    if columns.port is None:
        kinds = ", ".join(f"{headers[i]!r} ({kind})" for i, kind in columns.ports)
        return "unread", f"no port column to register: {kinds} only"
    if columns.service is None:
        return "unread", f"no service column: headers are {_quote(headers)}"
    return "registry", "a port column and a service column"


def _says_conflict(text: str) -> bool:
    return any(word in text for word in vocabulary.CONFLICT_WORDS)


def _range_rows(block: Table, column: int) -> list[tuple[PortRange, int]]:
    """Every body row's (range, row index) when every port cell is a span of several ports, else []."""
    found = []
    for index, row in enumerate(block.body, start=2):
        text = row.texts[column] if column < len(row.texts) else ""
        try:
            span = parse_span(text)
        except PortSyntaxError:
            return []
        if span.lo == span.hi:
            return []
        found.append((span, index))
    return found


_PORT_LIKE = re.compile(r"(?:[\w.-]{1,64}:)?\d{2,5}(?:/(?:tcp|udp))?|\d{2,5}\s*/\s*\d{2,5}", re.I)


def _port_numbers(block: Table) -> int | None:
    """The first column (but the first) most of whose cells look like ports (``8080``, ``web:3000``,
    ``53/udp``, ``80/443``), in a table of at least two rows; None when there is none.

    Only a document from which nothing else is read is told about such a table (MP110): a
    column of years or counts looks the same.
    """
    rows = block.body
    if len(rows) < 2:
        return None
    width = len(block.header.texts)
    for column in range(1, width):
        cells = [strip_markup(row.texts[column]) for row in rows if column < len(row.texts)]
        ports = [cell for cell in cells if len(cell) <= 80 and _PORT_LIKE.fullmatch(cell)]
        if 2 * len(ports) > len(rows) and all(int(re.split(r"\D+", p.rpartition(":")[2])[0]) <= 65535 for p in ports):
            return column
    return None


def _words(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _configuration(block: Table, headers: tuple[str, ...], port: int, columns: Columns) -> str:
    """The configuration that reads a table whose ports are under ``headers[port]``:
    ``port-columns = ["mac"]``, and ``service-columns`` when no header names the service either."""
    import json  # only for a table no header of which names a port column (start-up: most registries have none)

    said = [f"`port-columns = [{json.dumps(headers[port].strip(), ensure_ascii=False)}]`"]
    if columns.service is None:  # the column with the most cells of words names the services
        name = max(
            (i for i in range(len(headers)) if i != port),
            key=lambda i: (sum(1 for row in block.body if i < len(row.texts) and _words(row.texts[i])), -i),
            default=None,
        )
        if name is not None:
            said.append(f"`service-columns = [{json.dumps(headers[name].strip(), ensure_ascii=False)}]`")
    return f"{' and '.join(said)} in .mdports.toml"


def _describe(headers: tuple[str, ...], columns: Columns, role: str) -> tuple[tuple[str, str], ...]:
    described = []
    kinds = dict(columns.ports)
    for index, header in enumerate(headers):
        if role == "allocations" and index == columns.service:
            what = "name of the block: the project of the entries inside"
        elif role in ("ranges", "allocations"):
            what = "range" if index in kinds or index == 0 else "title of the range"
        elif index == columns.port and role == "registry":
            what = f"port ({columns.port_kind}): the registry port"
        elif index in kinds:
            what = f"port ({kinds[index]}): kept as a cell"
        elif index == columns.service:
            what = "service"
        elif index == columns.group:
            what = "project: part of the service's identity"
        elif index == columns.protocol:
            what = "protocol"
        elif index == columns.host:
            what = "host: ports are unique per host"
        elif index == columns.noted_protocol:
            what = "cell: most of its cells name no protocol (notes)"
        else:
            what = "cell"
        described.append((header.strip(), what))
    return tuple(described)


def summary_candidate(columns: Columns, heading: str) -> bool:
    """A domain map or quick-reference table: read only if its rows are not all repeats."""
    return any(name in vocabulary.DOMAIN_HEADERS for name in columns.names) or any(
        word in heading.lower() for word in vocabulary.SUMMARY_HEADINGS
    )


def read_table(
    block_index: int,
    block: Table,
    section: Section,
    columns: Columns,
    vocab: Vocabulary,
    summaries: frozenset[int],
    allocations: frozenset[int] = frozenset(),
) -> TableReading:
    """How a table is read: its role (registry rows or why not), and the ranges a range table declares."""
    headers = block.header.texts
    mentions = True
    range_column: int | None = None
    if not columns.ports:
        mentions = any(vocab.mentions_port(name) for name in columns.names)
        if not mentions and columns.names and columns.names[0] in vocabulary.RANGE_HEADERS and _range_rows(block, 0):
            role, reason, range_column = "ranges", f"every {headers[0]!r} cell is a range", 0
        elif mentions:
            role, reason = "unread", f"no header is a port column mdports knows: {_quote(headers)}"
            if (numbers := _port_numbers(block)) is not None:
                reason += f"; set {_configuration(block, headers, numbers, columns)} to read it"
        elif (numbers := _port_numbers(block)) is not None:
            role = "unnamed"
            reason = (
                f"column {headers[numbers].strip()!r} holds port numbers, but no header names a port column; "
                f"set {_configuration(block, headers, numbers, columns)} to read it"
            )
        else:
            role, reason = "other", "no port column"
    else:
        role, reason = _role(block, columns, section.heading)
        if role == "registry" and block_index in summaries:
            role, reason = "summary", "every row repeats an entry of another table"
        elif role == "registry" and block_index in allocations:
            role, reason = "allocations", "every row is a block of ports, and the blocks hold other tables' rows"
            range_column = columns.port
        elif role == "ranges":
            range_column = columns.port
    ranges: tuple[tuple[PortRange, str, int], ...] = ()
    if range_column is not None:
        named = columns.service if role == "allocations" else None  # a block's name: its group
        ranges = tuple(
            (
                span,
                service_name(block.rows[row].texts[named])
                if named is not None and named < len(block.rows[row].texts)
                else " ".join(t for i, t in enumerate(block.rows[row].texts) if i != range_column and t),
                block.start + row + 1,
            )
            for span, row in _range_rows(block, range_column)
        )
    describe = _describe(headers, columns, role)
    return TableReading(block_index, section.index, block.start + 1, role, reason, describe, mentions, ranges)


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

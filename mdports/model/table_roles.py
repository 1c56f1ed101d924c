"""A table's role: registry rows, or why not (a changelog, a checklist, conflicts, ranges, unread).

Decided from the columns :mod:`.tables` read (its header, and its cells where the header alone
cannot tell), and the reading ``explain`` shows: the role, the reason, what each column is.
"""

from __future__ import annotations

import re

from ..syntax.document import Table
from . import vocabulary
from .ports import PortRange, PortSyntaxError, parse_span, strip_markup
from .registry import TableReading, service_name
from .sections import Section
from .tables import _PORT_LIKE, Columns, _words
from .vocabulary import Vocabulary


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
    port_like = _PORT_LIKE().fullmatch
    for column in range(1, width):
        cells = [strip_markup(row.texts[column]) for row in rows if column < len(row.texts)]
        ports = [cell for cell in cells if len(cell) <= 80 and port_like(cell)]
        if 2 * len(ports) > len(rows) and all(int(re.split(r"\D+", p.rpartition(":")[2])[0]) <= 65535 for p in ports):
            return column
    return None


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

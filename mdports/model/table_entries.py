"""The entry a registry table's row holds: its port and name cells read once, and the references in its other cells.

Run once per row of every registry table (:func:`.reading.build` calls them per row): written for speed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..syntax.document import Table
from ..syntax.row import Row
from . import vocabulary
from .ports import TRANSPORTS, PortCell, PortSyntaxError, parse_port_cell, parse_ports, strip_markup
from .registry import Entry, Reference, RegistryTable, placeholder_marker, service_name
from .tables import marked_transports
from .vocabulary import PROTOCOLS
from .well_known import is_divider

_TCP = ("tcp",)
_NO_PORT = PortCell(())
_REFERENCE = re.compile(r"(\d{1,5})\s+(\S.*)")
_IDENTIFIER_HINT = re.compile(r"[-_.\d]")


def read_row(
    texts: Sequence[str], port_column: int, service_column: int
) -> tuple[str, PortCell, str | None, str, str | None]:
    """How a row's port and service cells read: ``(port_text, cell, port_error, service_text, marker)``.

    A missing cell reads as ''. The ``cell``'s spans, the ``protocols`` it names (``3478/udp``)
    and its ports' roles are empty when the cell says "no port" (``-``, ``TBD``) or cannot be read (``port_error`` says
    why). ``marker`` is the placeholder marker, ``"empty"`` for an empty service cell, None for a
    service. The one reading of a row: edits read the rows they plan with it too.
    """
    width = len(texts)
    port_text = texts[port_column] if port_column < width else ""
    try:
        if port_text.isdigit() and port_text.isascii():  # the usual single port, by its fast path
            cell = PortCell(parse_ports(port_text))
        else:
            cell = parse_port_cell(port_text)  # no spans for "no port"
        port_error = None
    except PortSyntaxError as exc:
        cell, port_error = _NO_PORT, str(exc)
    service_text = texts[service_column] if service_column < width else ""
    marker = placeholder_marker(service_text) if service_text else "empty"
    return port_text, cell, port_error, service_text, marker


def _entry(
    index: int, table_index: int, table: RegistryTable, block: Table, row_index: int, host: str | None, shaped: bool
) -> Entry | None:
    """The entry a registry row holds; None for a divider row (a bold name alone, :mod:`.well_known`).

    ``shaped``: the table's rows may need more than their port cell (:func:`_shaped_port`).

    A port cell that says "no port" (``-``, ``N/A``, ``TBD``) gives an entry without ports and
    without a port error: the service is registered, its port is not chosen yet. It stays in
    the model so that diff and merge see the row (a port changed to ``TBD`` is a change, not a
    removal), and no rule asks it for a port.
    """
    # Run once per row of every registry table: written for speed (see benchmarks/).
    row = block.rows[row_index]
    texts = row.texts
    width = len(texts)
    port_column = table.port_column
    service_column = table.service_column
    assert service_column is not None
    port_text, cell, port_error, service_text, marker = read_row(texts, port_column, service_column)
    place = None
    # The usual row (digits in a table of the usual shape) is read: no divider, no address, no more columns.
    if shaped or not port_text.isdigit():
        shaped_port = _shaped_port(table, texts, port_text, cell, port_error)
        if shaped_port is None:
            return None
        cell, port_error, place = shaped_port
    spans, cell_protocols, roles = cell
    if (
        port_error is not None
        and not port_text.strip()
        and not any(text.strip() for i, text in enumerate(texts) if i != service_column)
    ):
        port_error = None  # only a name: a divider (`| **Main Services** | | |`) or ports not listed
    service = None if marker else service_name(service_text)
    if place is not None and service_column == port_column:  # `field-service:3000`: the upstream names it
        service = place
    protocols: tuple[str, ...] = cell_protocols or _named_transport(service) or _TCP
    protocol_error = None
    protocol_column = table.protocol_column
    if protocol_column is not None and protocol_column < width:
        protocol_text = strip_markup(texts[protocol_column]).lower()
        named = vocabulary.read_protocol(protocol_text)
        if named is None:
            protocol_error = f"unknown protocol {protocol_text!r} (use tcp, udp or tcp/udp)"
        else:  # a transport column's word wins; an application protocol yields to the port cell's
            protocols = named if protocol_text in PROTOCOLS else cell_protocols or named
    if table.transports:  # `| TCP | UDP |` of marks say the row's transports
        protocols = marked_transports(texts, table.transports) or protocols
    headers = table.headers
    padded = texts + ("",) * (len(headers) - width) if width < len(headers) else texts[: len(headers)]
    cells = dict(zip(headers, padded, strict=True))
    end = len(row.render().rstrip("\r\n")) + 1 if max(port_column, service_column) >= width else 0
    if table.host_column is not None and table.host_column < width:
        host = strip_markup(texts[table.host_column]) or host
    group = None
    if table.group_column is not None and table.group_column < width:
        group = service_name(texts[table.group_column]) or None
    return Entry(
        index,
        table_index,
        row_index,
        table.section,
        block.start + row_index + 1,
        port_text,
        row.column(port_column) if port_column < width else end,
        spans,
        port_error,
        service,
        service_text,
        row.column(service_column) if service_column < width else end,
        marker,
        protocols,
        protocol_error,
        cells,
        width,
        not row.trail,
        host,
        group,
        table.layer,
        roles=roles,
        place=place,
    )


def _shaped_port(
    table: RegistryTable, texts: tuple[str, ...], port_text: str, cell: PortCell, port_error: str | None
) -> tuple[PortCell, str | None, str | None] | None:
    """A row's port cell, port error and place where more than its port cell says them; None for a divider."""
    # A row whose port cell is digits is no divider (a filled cell, not bold).
    port_column, service_column = table.port_column, table.service_column
    assert service_column is not None
    if not port_text.isdigit() and is_divider(texts, service_column):
        return None
    place = None
    if table.addresses:  # `<eth0>:53`: the port, its place as its role (.addresses)
        from .addresses import addressed

        cell, place = addressed(port_text, cell, port_error)
        port_error = None
    elif not cell.spans and port_error is None and len(texts) > 2:  # `| Docs | - | http://localhost:9080/docs |`
        from .addresses import address_elsewhere, unpublished_port

        found = unpublished_port(texts, table.unpublished) or address_elsewhere(
            texts, (port_column, service_column), port_text
        )
        cell, place = found if found is not None else (cell, None)
    if table.joined or table.views or table.block_column is not None:  # more port columns, known by content
        from .content_columns import joined_ports

        spans, roles = joined_ports(texts, table, cell)
        cell = cell._replace(spans=spans, roles=roles)
        port_error = None if spans and not port_text.strip() else port_error
    if port_error is not None and table.port_by_content:
        port_error = None  # no header promised a port: a cell of words among port numbers is a note
    return cell, port_error, place


def _named_transport(service: str | None) -> tuple[str, ...]:
    """The transport a name ends with: ``Plex (UDP)`` is Plex's udp ports (beside a ``Plex (TCP)`` row)."""
    if service is None or not service.endswith(")"):
        return ()
    return TRANSPORTS.get(service[service.rfind("(") + 1 : -1].strip().lower(), ())


def _collect_references(
    entry: Entry, table: RegistryTable, row: Row, free: tuple[int, ...], out: list[tuple[Reference, bool]]
) -> None:
    """The ``<port> <name>`` cells of a row (in its ``free`` columns, ascending: those of no port, name or protocol)."""
    texts = row.texts
    width = len(texts)
    for column in free:
        if column >= width:
            break
        text = texts[column]
        # "<port> <name>" starts with a digit, unless code or emphasis wraps it.
        if not text or (not text[0].isdigit() and text[0] not in "`*_"):
            continue
        match = _REFERENCE.fullmatch(strip_markup(text))
        if not match or not 1 <= int(match.group(1)) <= 65535:
            continue
        name = service_name(match.group(2))
        if placeholder_marker(name) or not name[0].isalnum():
            continue
        header = table.headers[column]
        reference = Reference(int(match.group(1)), name, entry.index, header, entry.line, row.column(column))
        # Only a name shaped like an identifier is a reference by itself ("3 replicas" is prose).
        out.append((reference, bool(_IDENTIFIER_HINT.search(name.split(" (")[0]))))

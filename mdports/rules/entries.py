"""The rules about rows' cells: port and protocol cells, references, row order, cell counts, empty names
(the clashes between rows are in :mod:`.clashes`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..location import Location
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.ports import format_ports
from ..model.registry import Entry
from ..syntax.document import Table
from .entry_rules import BROKEN_REFERENCE, MALFORMED_PORT, MALFORMED_PROTOCOL
from .findings import Finding, Rule
from .structure_rules import CELL_COUNT, EMPTY_SERVICE, UNSORTED_ROWS


def entry_finding(
    rule: Rule, path: str, entry: Entry, column: int, message: str, hint: str, ports: Iterable[int] = ()
) -> Finding:
    return Finding(rule, Location(path, entry.line, column), message, hint, tuple(ports), entry.section)


def check_port_cells(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        if entry.port_error is not None:
            yield entry_finding(
                MALFORMED_PORT,
                path,
                entry,
                entry.port_column,
                f"port cell {entry.port_text!r} cannot be read: {entry.port_error}",
                "write a port (3001), a span (3006-3009) or a list (3017, 3019)",
            )


def check_references(registry: Registry, path: str) -> Iterator[Finding]:
    for ref in registry.references:
        holders = [e for e in registry.by_port.get(ref.port, ()) if e.service is not None]
        if any(e.service and fold_name(e.service) == fold_name(ref.service) for e in holders):
            continue
        named = registry.by_name.get(fold_name(ref.service), ())
        if holders:
            message = f"reference '{ref.port} {ref.service}': port {ref.port} belongs to {holders[0].service}"
        else:
            message = f"reference '{ref.port} {ref.service}': port {ref.port} is not assigned"
        if named:
            message += f", and {ref.service} is on {format_ports(named[0].ports)}"
            hint = f"write '{format_ports(named[0].ports)} {ref.service}'"
        else:
            hint = f"there is no entry named {ref.service}; fix the reference or add the service"
        yield Finding(
            BROKEN_REFERENCE,
            Location(path, ref.line, ref.column),
            message,
            hint,
            (ref.port,),
            registry.entries[ref.entry].section,
        )


def check_protocols(registry: Registry, path: str) -> Iterator[Finding]:
    """An unreadable word in a column of transports; a column of application words labels rows."""
    labels: dict[int, bool] = {}  # table index -> its protocol column labels application protocols
    for entry in registry.entries:
        if entry.protocol_error is not None:
            table = registry.tables[entry.table]
            block = registry.document.blocks[table.block]
            assert isinstance(block, Table) and table.protocol_column is not None
            if entry.table not in labels:
                from ..model.protocol_columns import labels_applications  # a malformed protocol cell: rare

                labels[entry.table] = labels_applications(block, table.protocol_column)
            if labels[entry.table]:
                continue  # `| Protocol | HTTP REST | DIS |`: labels (model.protocol_columns)
            column = block.rows[entry.row].column(table.protocol_column)
            yield entry_finding(
                MALFORMED_PROTOCOL, path, entry, column, entry.protocol_error, "write tcp, udp or tcp/udp", entry.ports
            )


def check_row_order(registry: Registry, path: str) -> Iterator[Finding]:
    """Rows out of port order, within each run of one host and project (a table grouped by host is fine).

    A table ordered by something else (names, purpose) is one finding, not one per row: when
    most of its rows come after a higher port, port order is not what its authors chose.
    """
    descents: list[tuple[Entry, Entry]] = []
    pairs = 0
    previous: Entry | None = None  # the last row with a readable port
    for entry in registry.entries:
        if previous is not None and previous.table != entry.table:
            yield from _unsorted(path, descents, pairs)
            descents, pairs, previous = [], 0, None
        if previous is not None and (previous.host, previous.group) != (entry.host, entry.group):
            previous = None  # a new group of rows starts its own order
        if entry.first_port is None or registry.tables[entry.table].addresses:
            continue  # a table of addresses is ordered by where its services listen (model.addresses)
        if previous is not None and previous.first_port is not None:
            pairs += 1
            if entry.first_port < previous.first_port:
                descents.append((previous, entry))
        previous = entry
    yield from _unsorted(path, descents, pairs)


def _unsorted(path: str, descents: list[tuple[Entry, Entry]], pairs: int) -> Iterator[Finding]:
    if 2 * len(descents) > pairs:
        previous, entry = descents[0]
        yield entry_finding(
            UNSORTED_ROWS,
            path,
            entry,
            entry.port_column,
            f"rows are not in port order ({len(descents)} of {pairs + 1} rows come after a higher port; "
            f"the first: port {entry.first_port} after {previous.first_port} on line {previous.line})",
            "order rows by port (`mdports fmt` does it), or ignore unsorted-rows in the configuration",
            (entry.first_port or 0,),
        )
        return
    for previous, entry in descents:
        yield entry_finding(
            UNSORTED_ROWS,
            path,
            entry,
            entry.port_column,
            f"port {entry.first_port} comes after {previous.first_port} (line {previous.line})",
            "order rows by port (`mdports fmt` does it)",
            (entry.first_port or 0,),
        )


def check_cell_counts(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        expected = len(registry.tables[entry.table].headers)
        # GFM fills omitted trailing cells with empty ones; without a closing pipe that is
        # the only way to write them, so only a row that closes with a pipe must be complete.
        if entry.cell_count > expected or (entry.cell_count < expected and not entry.open_ended):
            yield entry_finding(
                CELL_COUNT,
                path,
                entry,
                1,
                f"row has {entry.cell_count} cells, the header has {expected}",
                "add or remove cells (an escaped pipe is written \\|)",
                entry.ports,
            )


def check_empty_services(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        if entry.marker == "empty" and entry.spans:
            yield entry_finding(
                EMPTY_SERVICE,
                path,
                entry,
                entry.service_column,
                f"port {entry.port_text} has an empty service cell; it is treated as reserved",
                "name the service, or write *(reserved)* to mark the ports free",
                entry.ports,
            )

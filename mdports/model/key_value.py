"""One key/value table per service (a record): ``| Property | Value |`` with a ``Port`` row.

Documents that describe one service per heading often give its facts as a two-column table::

    ### DUMB API

    | Property | Value |
    |----------|-------|
    | **Port** | 8000  |
    | **Type** | REST API |

Such a table is one entry of that service, not a table of rows: its port is the value of the
row whose key is the word port (``Port``, ``Ports``, ``Port(s)``, ``Puerto``, bold or not), its
name the value of a name row (``Service``, ``Name``, ``Container``: the keys are read as a header
row is, by :func:`.tables.read_columns`) or else the heading above it, its protocol the
value of a ``Protocol`` row. The entry sits at the port row's line, so ``list``, ``validate``
and ``explain`` see it; edits refuse it (a record has no row to rewrite as a registry row).
"""

from __future__ import annotations

from ..syntax.document import Table
from . import vocabulary
from .lookup import Registry
from .names import fold_name
from .ports import PortSyntaxError, parse_port_cell, strip_markup
from .registry import Entry, RegistryTable, TableReading, service_name
from .sections import Section
from .tables import read_columns
from .vocabulary import Vocabulary, normalize_header

ROLE = "record"
_TCP = ("tcp",)
# Words of a table or heading of settings, not of a service (`| Variable | Value |`, `## Health check configuration`).
_CONFIGURATION = frozenset(
    {"variable", "variables", "env", "var", "environment", "flag", "argument", "option", "options"}
    | {"configuration", "config", "settings", "example", "examples"}
)


def _key(text: str) -> str:
    """The key a cell holds, or '' for a key written as code (`` `PORT` ``): a variable."""
    stripped = text.strip()
    return "" if stripped.startswith("`") else normalize_header(stripped)


def read_record(
    block_index: int, block: Table, section: Section, vocab: Vocabulary, entry_index: int, table_index: int
) -> tuple[TableReading, RegistryTable, Entry] | None:
    """The reading, table and entry of a key/value table of one service; None when ``block`` is not one.

    ``entry_index`` and ``table_index`` are where the caller puts the entry and the table.
    """
    headers = block.header.texts
    if len(headers) != 2 or read_columns(headers, vocab).ports:
        return None  # `| Port | Service |` is a table of rows
    if any(word in _CONFIGURATION for word in normalize_header(headers[0]).replace("/", " ").split()):
        return None  # `| Variable | Value |` with `PORT | 3000`: configuration, not a record
    rows = [row for row in block.body if len(row.texts) >= 2]
    if not rows:
        return None
    keys = read_columns(tuple(_key(row.texts[0]) for row in rows), vocab)
    # The port row says just "port" (in a language): `Backend service port` of a load balancer's
    # settings is not the port of the service the heading names.
    at = next((i for i, name in enumerate(keys.names) if name in vocabulary.PORT_WORDS), None)
    if at is None:
        return None
    port_row = rows[at]
    port_text = port_row.texts[1]
    try:
        cell = parse_port_cell(port_text)
    except PortSyntaxError:
        return None  # a key that says port, a value that is no port: not read as a record
    if not cell.spans:
        return None
    named = service_name(rows[keys.service].texts[1]) if keys.service is not None else ""
    heading_name = strip_markup(section.title) if section.heading else ""  # the preamble has no heading
    if not named and any(word in _CONFIGURATION for word in heading_name.lower().split()):
        return None  # `## Health check configuration`: settings of something, not a service's name
    name = named or heading_name
    if not name:
        return None  # a record before any heading names no service
    protocols = cell.protocols
    if not protocols and keys.protocol is not None:
        protocols = vocabulary.read_protocol(normalize_header(rows[keys.protocol].texts[1])) or ()
    row_index = block.rows.index(port_row)
    line = block.start + row_index + 1
    table = RegistryTable(
        block_index,
        section.index,
        block.start + 1,
        headers,
        1,
        None,
        None,
        record=True,
    )
    where = f"the {keys.names[at]!r} row"
    whose = f"the {keys.names[keys.service]!r} row" if named and keys.service is not None else f"the heading {name!r}"
    reading = TableReading(
        block_index,
        section.index,
        block.start + 1,
        ROLE,
        f"a key/value table: its port is {where} (line {line}), its service named by {whose}",
        tuple((h.strip(), "key" if i == 0 else "value") for i, h in enumerate(headers)),
        True,
    )
    entry = Entry(
        entry_index,
        table_index,
        row_index,
        section.index,
        line,
        port_text,
        port_row.column(1),
        cell.spans,
        None,
        name,
        name,
        port_row.column(1),
        None,
        protocols or _TCP,
        None,
        {strip_markup(row.texts[0]): row.texts[1] for row in rows},  # the record's facts, by key
        len(port_row.texts),
        not port_row.trail,
        section.host,
    )
    return reading, table, entry


def repeated_records(registry: Registry) -> frozenset[int]:
    """The entries that repeat an earlier entry of another table, one of the two a record (same
    name, a port in common): the service seen again, whose clashes were reported where it was
    first seen.

    ``| 8096 | Emby |`` in a quick-reference table, then `### Emby` with its record on 8096 (or the
    record first, then a summary row): the clash of Emby with Jellyfin on 8096 is reported once.
    """
    tables = registry.tables  # the caller asks only when a table is a record (rules.clashes)
    first: dict[tuple[str, int], Entry] = {}
    found = set()
    for entry in registry.entries:
        if entry.service is None:
            continue
        name = fold_name(entry.service)
        for port in entry.ports:
            seen = first.setdefault((name, port), entry)
            if seen.table != entry.table and (tables[seen.table].record or tables[entry.table].record):
                found.add(entry.index)
    return frozenset(found)

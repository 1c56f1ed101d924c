"""Reading the registry off a document: one linear pass over its blocks (two with a summary table).

Each kind of block has its reader (:data:`_READERS`): headings open sections, HTML comments
hold directives, tables give registry rows (:mod:`.tables`, :mod:`.table_entries`), lists in prose give the ports
that run (:mod:`.lists`). Every reader adds what it finds to the pass's :class:`_Pass`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..syntax.document import Document, Heading, Html, Prose, Table
from . import vocabulary
from .cross_tables import allocating, grouped_by_block, repeating
from .lists import Host, heading_host, read_lists
from .lookup import Registry
from .names import fold_name
from .port_sharing import kubernetes_services
from .registry import (
    Directive,
    Entry,
    Layer,
    ListReading,
    Reference,
    RegistryTable,
    TableReading,
    directive_comments,
    read_directive,
)
from .sections import Section, read_section, slugify
from .table_entries import _collect_references, _entry
from .table_roles import read_table, summary_candidate
from .tables import (
    Columns,
    header_says_it_all,
    protocols_named,
    read_columns,
    settled,
    without_flag_ports,
)
from .vocabulary import Vocabulary
from .well_known import firewall_reason, not_assigned, reference_reason


def build(document: Document, vocab: Vocabulary = vocabulary.DEFAULT) -> Registry:
    """Derive the registry model from a parsed document (one linear pass; two with a summary table).

    A table whose rows might all repeat entries of other tables (a domain map, a quick
    reference) is decided after the first pass; only then is the document read again.
    """
    first, candidates = _build(document, vocab, frozenset())
    summaries = repeating(first, candidates) if candidates else frozenset()
    allocations = allocating(first)
    registry = _build(document, vocab, summaries, allocations)[0] if summaries or allocations else first
    if not registry.listed:
        return registry
    from .cross_tables import with_list_views  # lists that repeat the tables: only documents with lists

    return with_list_views(registry)


@dataclass
class _Pass:
    """What one pass over the blocks has read so far; each block reader adds to it."""

    vocab: Vocabulary
    summaries: frozenset[int]
    allocations: frozenset[int]
    sections: list[Section] = field(default_factory=list)
    parents: list[Section] = field(default_factory=list)
    tables: list[RegistryTable] = field(default_factory=list)
    readings: list[TableReading] = field(default_factory=list)
    summary_candidates: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    candidates: list[tuple[Reference, bool]] = field(default_factory=list)
    lists: list[ListReading] = field(default_factory=list)
    listed: list[Entry] = field(default_factory=list)

    def current_section(self) -> int:
        if not self.sections:  # tables before the first heading live in a preamble section
            self.sections.append(Section(0, "", "(preamble)", 0, 1, None, None, None, None, None))
        return len(self.sections) - 1


def _read_heading(state: _Pass, index: int, block: Heading) -> None:
    section = read_section(len(state.sections), block, state.parents)
    state.sections.append(section)
    state.parents.append(section)


def _read_html(state: _Pass, index: int, block: Html) -> None:
    text = "".join(block.lines)
    for start, verb, body in directive_comments(text):
        line = block.start + 1 + text.count("\n", 0, start)
        state.directives.append(read_directive(state.current_section(), line, verb, body))


def _read_table(state: _Pass, block_index: int, block: Table) -> None:
    """The table reader: a registry table's rows are entries (planned, or running with a host column)."""
    headers = block.header.texts
    found = without_flag_ports(block, read_columns(headers, state.vocab), state.vocab)
    columns = settled(block, protocols_named(block, found))
    section_index = state.current_section()
    section = state.sections[section_index]
    # `| Path | Internal Service | Internal Port |`: gateway routes, each to a service on its port (.addresses).
    # The readers of rarer shapes load when a table has that shape (start-up: most registries have none).
    routed = None
    if columns.service is None and len(block.rows) > 2:
        from .addresses import route_column, upstream_service

        routed = route_column(block)
    if routed is not None and columns.port is not None:
        upstream = upstream_service(block, routed, {i for i, _ in columns.ports}, state.vocab)
        columns = dataclasses.replace(columns, service=upstream, service_rank=0) if upstream is not None else columns
    # No port header, but a column of addresses with their port (`<eth0>:53`): the port column (.addresses).
    addresses = None
    if not columns.ports:
        from .addresses import address_column

        addresses = address_column(block, columns.service, routed is not None)
    noted = None  # `| Service | Notes |` with `Port 5432, default network`: the notes say the ports (.addresses)
    if addresses is None and not columns.ports and columns.service is not None:
        from .addresses import noted_column

        addresses = noted = noted_column(block, columns.service)
    if addresses is not None:
        columns = dataclasses.replace(columns, port=addresses, ports=((addresses, "current"),))
        if columns.service is None:  # `/api/v1/x | field-service:3000`: the upstream's name is the service's
            columns = dataclasses.replace(columns, service=addresses, service_rank=0)
    if not columns.ports and len(headers) == 2:  # `| Property | Value |` with a Port row: one entry (.key_value)
        from .key_value import read_record

        record = read_record(block_index, block, section, state.vocab, len(state.entries), len(state.tables))
        if record is not None:
            state.readings.append(record[0])
            state.tables.append(record[1])
            state.entries.append(record[2])
            return
    if not header_says_it_all(block, columns):
        from .content_columns import by_content

        columns = by_content(block, columns)  # port and name columns no header names (.content_columns)
    reading = read_table(block_index, block, section, columns, state.vocab, state.summaries, state.allocations)
    if columns.content and reading.role == "registry":
        from .content_columns import explained

        reading = explained(reading, columns)
    if reading.role in ("registry", "unread") and columns.port is not None:
        # Other software's well-known ports (`| 22 | SSH |` under "Common ports"): a reference (.well_known).
        why = reference_reason(block, columns, state.sections, section_index)
        role = "reference"
        if why is None:  # `| Action | Port | From |`: who may connect, not who listens (.well_known)
            why, role = firewall_reason(block, columns.names), "firewall"
        if why is None and (held := not_assigned(block, columns, state.sections, section_index)):
            role, why = held  # ports to avoid, or to open in a firewall: held by no row (.well_known)
        if why is not None:
            state.readings.append(dataclasses.replace(reading, role=role, reason=why))
            return
    if addresses is not None and reading.role == "registry":
        said = f"column {headers[addresses].strip()!r} holds addresses with a port: each port, where its address says"
        if noted is not None:
            said = f"column {headers[noted].strip()!r} holds notes that open with their port: each row's port"
        said_here = "addresses: the registry port, taken on the place each names"
        if columns.service == addresses:
            said_here = "addresses: the service (the upstream each names) and its port"
        elif noted is not None:
            said_here = "notes: the port each opens with"
        described = tuple(
            (header, said_here if i == addresses else what) for i, (header, what) in enumerate(reading.columns)
        )
        reading = dataclasses.replace(reading, reason=f"a service column and {said}", columns=described)
    if routed is not None and reading.role == "registry":
        said = f"gateway routes (column {headers[routed].strip()!r} holds paths): each row is the service it reaches"
        reading = dataclasses.replace(reading, reason=f"{said}, on that service's own port")
    state.readings.append(reading)
    if reading.role == "registry" and summary_candidate(columns, section.heading):
        state.summary_candidates.append(block_index)
    if reading.role not in ("registry", "unread") or columns.port is None:
        return
    table = RegistryTable(
        block_index,
        section_index,
        block.start + 1,
        headers,
        columns.port,
        columns.service,
        columns.protocol,
        columns.host,
        columns.group,
        _port_kind(columns, section),
        columns.repeats,
        _layer(columns),
        transports=columns.transports,
        unpublished=tuple(i for i, kind in columns.ports if kind == "container" and i != columns.port),
        addresses=addresses is not None,
        joined=columns.joined,
        views=columns.views,
        block_column=columns.block_column,
        port_by_content=columns.port_by_content,
    )
    state.tables.append(table)
    if columns.service is None:
        return
    host = section.host
    entries = state.entries
    dividers = 0
    # Worked out once for the table, not per row: whether its rows need more than their port and
    # name cells (addresses, more port columns known by content), and the columns a reference may be in.
    shaped = table.addresses or table.port_by_content or bool(table.joined or table.views)
    shaped = shaped or table.block_column is not None
    taken = {table.port_column, table.service_column, table.protocol_column, *table.joined, *table.views}
    free = tuple(column for column in range(len(headers)) if column not in taken)
    table_index = len(state.tables) - 1
    for row_index in range(2, len(block.rows)):
        entry = _entry(len(entries), table_index, table, block, row_index, host, shaped)
        if entry is None:  # `| **Database** | | |` (.well_known)
            dividers += 1
            continue
        entries.append(entry)
        if free:
            _collect_references(entry, table, block.rows[row_index], free, state.candidates)
    if dividers:
        state.readings[-1] = dataclasses.replace(
            reading, reason=f"{reading.reason}; {dividers} divider row(s): a name alone"
        )


def _port_kind(columns: Columns, section: Section) -> str:
    """The kind of the registry port; ``container`` also where every row has a network of its own:
    a table of Kubernetes Services (a Namespace column, or under a heading naming their type,
    `(LoadBalancer)`: .port_sharing), or under a heading saying "not published"."""
    if columns.port_kind in ("current", "host") and kubernetes_services(section.heading):
        return "container"
    if columns.port_kind != "current":  # the port an image declares (`EXPOSE`) is its container's
        return "container" if columns.port_kind == "declared" else columns.port_kind
    heading = section.heading.lower()
    if any(name in vocabulary.OWN_NAMESPACE_HEADERS for name in columns.names) or any(
        words in heading for words in vocabulary.UNPUBLISHED_HEADINGS
    ):
        return "container"
    return columns.port_kind


def _layer(columns: Columns) -> Layer:
    """A table that says where each service runs is the running layer: a Host column, or a port
    column read beside a Default one (``Current Port`` next to ``Default Port``)."""
    defaults = [index for index, kind in columns.ports if kind == "default"]
    if columns.host is not None or (defaults and columns.port not in defaults):
        return "running"
    return "planned"


def _read_prose(state: _Pass, block_index: int, block: Prose) -> None:
    """The list reader: lists of ``service port`` items are running entries (see :mod:`.lists`)."""
    # Before the first heading, the preamble section is made only for a list that is found.
    section_index = len(state.sections) - 1 if state.sections else 0
    section = state.sections[section_index] if state.sections else None
    headings: list[str] = []
    enclosing = section
    while enclosing is not None:
        if enclosing.heading:
            headings.append(enclosing.title)
        enclosing = state.sections[enclosing.parent] if enclosing.parent is not None else None
    # A heading that labels a host ("### stage-1 (10.40.1.11):") names it, with its address; the
    # section's own host ("## Server: web-01", or just an address) is the fallback.
    host = None if section is None else heading_host(section.heading) or (Host(section.host) if section.host else None)
    readings, entries = read_lists(
        block_index,
        block,
        section_index,
        headings,
        host,
        state.vocab.lists,
        len(state.listed),
        len(state.lists),
    )
    if readings:
        state.current_section()
    state.lists.extend(readings)
    state.listed.extend(entries)


# One reader per kind of block (front matter says nothing about ports).
_READERS: Mapping[type, Callable[[_Pass, int, Any], None]] = MappingProxyType(
    {Heading: _read_heading, Html: _read_html, Table: _read_table, Prose: _read_prose}
)


def _build(
    document: Document, vocab: Vocabulary, summaries: frozenset[int], allocations: frozenset[int] = frozenset()
) -> tuple[Registry, list[int]]:
    """The registry, reading the tables at the ``summaries`` blocks as summaries and those at
    ``allocations`` as allocation blocks; and the summary candidates."""
    state = _Pass(vocab, summaries, allocations)
    for block_index, block in enumerate(document.blocks):
        reader = _READERS.get(type(block))
        if reader is not None:
            reader(state, block_index, block)
    entries = grouped_by_block(state.entries, state.readings) if allocations else state.entries
    bound = _bind_ranges(state.sections, state.readings)
    known_names = {fold_name(e.service) for e in entries if e.service}
    known_ports = {span.lo for e in entries for span in e.spans}
    references = tuple(
        ref
        for ref, strong in state.candidates
        if strong or fold_name(ref.service) in known_names or ref.port in known_ports
    )
    model = Registry(
        document,
        tuple(bound),
        tuple(state.tables),
        tuple(entries),
        references,
        tuple(state.directives),
        tuple(state.readings),
        vocab,
        tuple(state.lists),
        tuple(state.listed),
    )
    return model, state.summary_candidates


def _bind_ranges(sections: list[Section], readings: list[TableReading]) -> list[Section]:
    """Give a section without a range in its heading the range a range table declares for its title."""
    declared = {slugify(title): span for reading in readings for span, title, _ in reading.ranges if title}
    if not declared:
        return sections
    bound: list[Section] = []
    for section in sections:
        span = declared.get(section.slug) if section.range_text is None else None
        parent = bound[section.parent] if section.parent is not None else None
        if span is not None:
            section = dataclasses.replace(section, declared=span, range=span, range_text=str(span))
        elif section.range_text is None and parent is not None and parent.range != section.range:
            section = dataclasses.replace(section, range=parent.range)
        bound.append(section)
    return bound

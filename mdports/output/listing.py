"""``list``, ``show``, ``ranges`` and ``explain``: the registry as text, CSV or JSON records.

The JSON shapes are the typed records of :mod:`.records`; every output names a section the
same way (:func:`section_fields`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from ..errors import NotFoundError
from ..model.lookup import Registry
from ..model.ports import format_ports
from ..model.registry import Entry, ListReading, TableReading
from ..model.sections import Section
from ..model.vocabulary import ROLES, port_side
from ..records import (
    JSON_VERSION,
    EntryRecord,
    ExplainOutput,
    ListOutput,
    ListReadingRecord,
    RangeRecord,
    RangesOutput,
    ReadingRecord,
    ReferenceRecord,
    SectionFields,
    ShowOutput,
)
from ..syntax.document import Table
from ..syntax.escaping import csv_text, dump, printable


def section_fields(section: Section) -> SectionFields:
    """``section`` (slug), ``heading`` and ``range``: how every JSON output names a section."""
    return {"section": section.slug, "heading": section.heading, "range": range_field(section)}


def range_field(section: Section) -> list[int] | None:
    """A section's range as JSON: ``[lo, hi]``, or null."""
    return [section.range.lo, section.range.hi] if section.range else None


def entry_record(registry: Registry, entry: Entry) -> EntryRecord:
    """One entry as a JSON-ready record (the ``list --format json`` schema).

    ``host`` and ``project`` are there only when the document names them (a Host or Project
    column, a ``Server: x`` heading, a host label), ``layer`` (``planned`` or ``running``) only
    when the document has a running layer, so that records of other documents keep their shape.
    """
    section = registry.sections[entry.section]
    record: EntryRecord = {
        "ports": list(entry.ports),
        "port_text": entry.port_text,
        "service": entry.service,
        "status": entry.status,
        "protocols": list(entry.protocols),
        # section_fields(section), spelled out: mypy cannot see NotRequired keys past a ** item
        "section": section.slug,
        "heading": section.heading,
        "range": range_field(section),
        "line": entry.line,
        "cells": dict(entry.cells),
    }
    if entry.host is not None:
        record["host"] = entry.host
    if entry.group is not None:
        record["project"] = entry.group
    if registry.has_running:
        record["layer"] = entry.layer
        if entry.address is not None:
            record["address"] = entry.address
    if entry.roles:
        record["roles"] = [
            {"range": [span.lo, span.hi], "role": role, "side": port_side(role)}
            for span, role in zip(entry.spans, entry.roles, strict=True)
        ]
    if entry.source == "table":
        views = registry.views.get(entry.index)
        if views:
            record["views"] = [{"line": view.line, "cells": registry.view_cells(view)} for view in views]
        first = registry.first_views.get(entry.index)
        if first is not None:
            record["view_of"] = first.line
    elif (shown := registry.listed_views.get(entry.index)) is not None:
        record["view_of"] = shown.line  # a list item repeating a table's entry (model.list_views)
    return record


def reading_record(registry: Registry, reading: TableReading) -> ReadingRecord:
    """How one table was read (``explain``): role, why, and what each column is."""
    return {
        "line": reading.line,
        **section_fields(registry.sections[reading.section]),
        "role": reading.role,
        "reason": reading.reason,
        "columns": [{"header": header, "read_as": what} for header, what in reading.columns],
        "entries": _entries_read(registry, reading),
        "ranges": [{"range": [span.lo, span.hi], "title": title, "line": line} for span, title, line in reading.ranges],
    }


def _entries_read(registry: Registry, reading: TableReading) -> int:
    table = next((i for i, t in enumerate(registry.tables) if t.block == reading.block), None)
    return sum(1 for e in registry.entries if e.table == table) if table is not None else 0


def list_reading_record(registry: Registry, reading: ListReading) -> ListReadingRecord:
    """How one list was read (``explain``): running ports or not, and why."""
    return {
        "line": reading.line,
        "end_line": reading.end,
        **section_fields(registry.sections[reading.section]),
        "under": reading.heading,
        "read": reading.read,
        "reason": reading.reason,
        "items": reading.items,
        "assignments": reading.assignments,
        "hosts": list(reading.hosts),
        "entries": len(reading.entries),
    }


def readings_at(registry: Registry, line: int | None) -> tuple[list[TableReading], list[ListReading]]:
    """Every table's and list's reading, or the one holding ``line`` (NotFoundError if none)."""
    if line is None:
        return list(registry.readings), list(registry.lists)
    for reading in registry.readings:
        block = registry.document.blocks[reading.block]
        assert isinstance(block, Table)
        if reading.line <= line < reading.line + len(block.rows):
            return [reading], []
    for listed in registry.lists:
        if listed.line <= line <= listed.end:
            return [], [listed]
    lines = ", ".join(str(r.line) for r in registry.readings) or "none"
    hint = f"tables start at lines: {lines}"
    if registry.lists:
        hint += "; lists with port numbers at lines: " + ", ".join(str(r.line) for r in registry.lists)
    raise NotFoundError(f"no table or list at line {line}", path=registry.path, hint=hint)


def format_readings(
    registry: Registry, readings: Sequence[TableReading], fmt: str, lists: Sequence[ListReading] = ()
) -> str:
    """``explain``: each table's role and columns, and each list's reading, as text or JSON."""
    if fmt == "json":
        records = [reading_record(registry, reading) for reading in readings]
        output: ExplainOutput = {"version": JSON_VERSION, "path": registry.path, "tables": records}
        if lists:
            output["lists"] = [list_reading_record(registry, reading) for reading in lists]
        return dump(output)
    blocks = []
    for reading in readings:
        what = ROLES.get(reading.role, "not about ports")
        lines = [f"line {reading.line}: {what} ({reading.reason})"]
        heading = registry.sections[reading.section].heading
        if heading:
            lines.append(f"  section {heading}")
        if reading.role == "registry":
            lines.append(f"  {_entries_read(registry, reading)} entries")
        rows = [(f"  {header or '(empty)'}", read_as) for header, read_as in reading.columns]
        rows += [(f"  {span.lo}-{span.hi}", f"declares the range of {title!r}") for span, title, _ in reading.ranges]
        lines.append(_align(rows))
        blocks.append("\n".join(lines))
    for listed in lists:
        what = "a list of running ports" if listed.read else "a list with port numbers, not read"
        lines = [f"line {listed.line}: {what} ({listed.reason})"]
        if listed.heading:
            lines.append(f"  under {listed.heading}")
        if listed.hosts:
            lines.append(f"  hosts {', '.join(listed.hosts)}")
        if listed.read:
            lines.append(f"  {len(listed.entries)} entries")
        else:
            lines.append("  to read it anyway, name its heading in running-lists (configuration)")
        blocks.append("\n".join(lines))
    return printable("\n\n".join(blocks)) if blocks else "no tables"


def entries_in(registry: Registry, section: Section | None, *, running: bool = False) -> list[Entry]:
    """The table rows of ``section`` (every section: None); with ``running``, the list items too."""
    entries = registry.every_entry if running else registry.entries
    if section is None:
        return list(entries)
    return [e for e in entries if e.section == section.index]


def format_entries(registry: Registry, entries: Sequence[Entry], fmt: str) -> str:
    """``list`` output as an aligned ``table``, ``json`` or ``csv``."""
    if fmt == "json":
        output: ListOutput = {
            "version": JSON_VERSION,
            "path": registry.path,
            "entries": [entry_record(registry, e) for e in entries],
        }
        return dump(output)
    if fmt == "csv":
        headers: dict[str, None] = {}
        for entry in entries:
            headers.update(dict.fromkeys(entry.cells))
        extra = [h for h in headers if h not in ("Port", "Service")]
        layered = ["layer", "host"] if registry.has_running else []
        rows: list[Sequence[object]] = [["ports", "service", "status", *layered, "section", "range", "line", *extra]]
        for entry in entries:
            section = registry.sections[entry.section]
            where = [entry.layer, entry.host or ""] if layered else []
            rows.append(
                [
                    format_ports(entry.ports) if entry.spans else entry.port_text,
                    entry.service or "",
                    entry.status,
                    *where,
                    section.heading,
                    str(section.range or ""),
                    entry.line,
                    *(entry.cells.get(h, "") for h in extra),
                ]
            )
        return csv_text(rows)
    if registry.has_running:  # a layer and a host column: what runs where beside the plan
        rows_by_layer: list[tuple[str, ...]] = [("PORTS", "SERVICE", "STATUS", "LAYER", "HOST", "SECTION", "LINE")]
        for entry in entries:
            rows_by_layer.append(
                (
                    format_ports(entry.ports) if entry.spans else entry.port_text,
                    _label(entry, host=False),
                    entry.status,
                    entry.layer,
                    entry.host or "-",
                    registry.sections[entry.section].title,
                    str(entry.line),
                )
            )
        return _align(rows_by_layer)
    table = [("PORTS", "SERVICE", "STATUS", "SECTION", "LINE")]
    for entry in entries:
        table.append(
            (
                format_ports(entry.ports) if entry.spans else entry.port_text,
                _label(entry),
                entry.status,
                registry.sections[entry.section].title,
                str(entry.line),
            )
        )
    return _align(table)


def _label(entry: Entry, *, host: bool = True) -> str:
    """The service as ``list`` shows it: with its project and host when the document names them."""
    name = entry.service or f"({entry.marker})"
    if entry.group is not None:
        name = f"{entry.group} / {name}"
    return f"{name} @{entry.host}" if entry.host is not None and host else name


def _align(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    return printable("\n".join(lines))


def show_record(registry: Registry, entry: Entry) -> ShowOutput:
    """``show``: the entry, where it is, its entries in the other layer, and every cross-reference to it."""
    references: list[ReferenceRecord] = [
        {
            "line": ref.line,
            "column": ref.column,
            "from": registry.entries[ref.entry].service,
            "column_header": ref.header,
            "text": f"{ref.port} {ref.service}",
        }
        for ref in registry.references_to(entry)
    ]
    # cast: mypy wants every optional key of a literal with a ** item spelled out, "layers" too
    record = cast(
        "ShowOutput",
        {"version": JSON_VERSION, **entry_record(registry, entry), "path": registry.path, "references": references},
    )
    if registry.has_running and entry.service:
        others = registry.named(entry.service)
        record["layers"] = [entry_record(registry, other) for other in others if other is not entry]
    return record


def format_show(registry: Registry, entry: Entry, fmt: str) -> str:
    if fmt == "json":
        return dump(show_record(registry, entry))
    section = registry.sections[entry.section]
    name = entry.service or f"({entry.marker})"
    lines = [
        f"{name}: {format_ports(entry.ports) or entry.port_text} ({entry.status})",
        f"  at      {registry.path or '<input>'}:{entry.line}",
        f"  section {section.heading or section.title}" + (f" (range {section.range})" if section.range else ""),
    ]
    if registry.has_running:
        where = f" on {entry.host}" if entry.host else ""
        lines.append(f"  layer   {entry.layer}{where}" + (f" ({entry.address})" if entry.address else ""))
    lines += [f"  {header}: {text}" for header, text in entry.cells.items() if text]
    if entry.roles:
        sides = {"internal": " (in its container)", "proxy": " (the proxy's port)", "own": ""}
        said = zip(entry.spans, entry.roles, strict=True)
        roles = (f"{span} {role}{sides[port_side(role)]}" for span, role in said if role)
        lines.append("  roles   " + ", ".join(roles))
    for view in registry.views.get(entry.index, ()) if entry.source == "table" else ():
        added = ", ".join(f"{header}: {text}" for header, text in registry.view_cells(view).items())
        lines.append(f"  seen again at line {view.line}" + (f" with {added}" if added else ""))
    if entry.source == "table" and registry.listed_views:  # list items repeating it (model.list_views)
        for index, shown in registry.listed_views.items():
            if shown is entry:
                lines.append(f"  seen again at line {registry.listed[index].line} (a list item)")
    first = registry.first_views.get(entry.index) if entry.source == "table" else registry.listed_views.get(entry.index)
    if first is not None:
        lines.append(f"  shows again the entry at line {first.line}")
    others = [other for other in registry.named(entry.service or "") if other is not entry] if entry.service else []
    for other in others:
        where = f" on {other.host}" if other.host else ""
        lines.append(f"  {other.layer}{where}: {format_ports(other.ports) or other.port_text} (line {other.line})")
    refs = registry.references_to(entry)
    lines.append(f"  referenced by {len(refs)}:" if refs else "  not referenced elsewhere")
    for ref in refs:
        holder = registry.entries[ref.entry].service
        lines.append(f"    line {ref.line}: {holder} ({ref.header}: {ref.port} {ref.service})")
    return printable("\n".join(lines))


def range_record(registry: Registry, section: Section) -> RangeRecord:
    """``ranges``: a section's range, its assigned/reserved/free counts and next free port."""
    entries = entries_in(registry, section)
    if section.range is None:
        return {
            **section_fields(section),
            "line": section.line,
            "assigned": sum(len(e.ports) for e in entries if e.service),
            "reserved": sum(len(e.ports) for e in entries if not e.service),
            "free": None,
            "next_free": None,
        }
    from ..model.lookup import free_ports  # the one definition of "free", so ranges and next-free agree

    free = free_ports(registry, section, len(section.range))
    reserved = sum(1 for port in free if registry.by_port.get(port))  # free, but held by a placeholder
    return {
        **section_fields(section),
        "line": section.line,
        "assigned": len(section.range) - len(free),
        "reserved": reserved,
        "free": len(free),
        "next_free": free[0] if free else None,
    }


def format_ranges(registry: Registry, fmt: str) -> str:
    sections = [s for s in registry.sections if s.range is not None or entries_in(registry, s)]
    records = [range_record(registry, s) for s in sections]
    if fmt == "json":
        output: RangesOutput = {"version": JSON_VERSION, "path": registry.path, "sections": records}
        return dump(output)
    rows = [("RANGE", "SECTION", "ASSIGNED", "RESERVED", "FREE", "NEXT")]
    for section, record in zip(sections, records, strict=True):
        rows.append(
            (
                str(section.range or "-"),
                section.title,
                str(record["assigned"]),
                str(record["reserved"]),
                "-" if record["free"] is None else str(record["free"]),
                "-" if record["next_free"] is None else str(record["next_free"]),
            )
        )
    return _align(rows)

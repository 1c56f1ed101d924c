"""Plain records derived from the registry, for ``list``, ``show`` and ``ranges`` output."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .escaping import csv_text, printable
from .ports import format_ports
from .registry import Entry, Registry, Section


def entry_record(registry: Registry, entry: Entry) -> dict[str, object]:
    """One entry as a JSON-ready record (the ``list --format json`` schema)."""
    section = registry.sections[entry.section]
    return {
        "ports": list(entry.ports),
        "port_text": entry.port_text,
        "service": entry.service,
        "status": entry.status,
        "protocols": list(entry.protocols),
        "section": section.heading,
        "range": [section.range.lo, section.range.hi] if section.range else None,
        "line": entry.line,
        "cells": dict(entry.cells),
    }


def entries_in(registry: Registry, section: Section | None) -> list[Entry]:
    if section is None:
        return list(registry.entries)
    return [e for e in registry.entries if e.section == section.index]


def format_entries(registry: Registry, entries: Sequence[Entry], fmt: str) -> str:
    """``list`` output as an aligned ``table``, ``json`` or ``csv``."""
    if fmt == "json":
        return json.dumps([entry_record(registry, e) for e in entries], indent=2, ensure_ascii=False)
    if fmt == "csv":
        headers: dict[str, None] = {}
        for entry in entries:
            headers.update(dict.fromkeys(entry.cells))
        extra = [h for h in headers if h not in ("Port", "Service")]
        rows: list[Sequence[object]] = [["ports", "service", "status", "section", "range", "line", *extra]]
        for entry in entries:
            section = registry.sections[entry.section]
            rows.append(
                [
                    format_ports(entry.ports) if entry.spans else entry.port_text,
                    entry.service or "",
                    entry.status,
                    section.heading,
                    str(section.range or ""),
                    entry.line,
                    *(entry.cells.get(h, "") for h in extra),
                ]
            )
        return csv_text(rows)
    table = [("PORTS", "SERVICE", "STATUS", "SECTION", "LINE")]
    for entry in entries:
        table.append(
            (
                format_ports(entry.ports) if entry.spans else entry.port_text,
                entry.service or f"({entry.marker})",
                entry.status,
                registry.sections[entry.section].title,
                str(entry.line),
            )
        )
    return _align(table)


def _align(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    return printable("\n".join(lines))


def show_record(registry: Registry, entry: Entry) -> dict[str, object]:
    """``show``: the entry, where it is, and every cross-reference to it."""
    record = entry_record(registry, entry)
    record["path"] = registry.path
    record["references"] = [
        {
            "line": ref.line,
            "column": ref.column,
            "from": registry.entries[ref.entry].service,
            "column_header": ref.header,
            "text": f"{ref.port} {ref.service}",
        }
        for ref in registry.references_to(entry)
    ]
    return record


def format_show(registry: Registry, entry: Entry, fmt: str) -> str:
    record = show_record(registry, entry)
    if fmt == "json":
        return json.dumps(record, indent=2, ensure_ascii=False)
    section = registry.sections[entry.section]
    name = entry.service or f"({entry.marker})"
    lines = [
        f"{name}: {format_ports(entry.ports) or entry.port_text} ({entry.status})",
        f"  at      {registry.path or '<input>'}:{entry.line}",
        f"  section {section.heading}" + (f" (range {section.range})" if section.range else ""),
    ]
    lines += [f"  {header}: {text}" for header, text in entry.cells.items() if text]
    refs = record["references"]
    assert isinstance(refs, list)
    lines.append(f"  referenced by {len(refs)}:" if refs else "  not referenced elsewhere")
    for ref in refs:
        lines.append(f"    line {ref['line']}: {ref['from']} ({ref['column_header']}: {ref['text']})")
    return printable("\n".join(lines))


def range_record(registry: Registry, section: Section) -> dict[str, object]:
    """``ranges``: a section's range, its assigned/reserved/free counts and next free port."""
    entries = entries_in(registry, section)
    record: dict[str, object] = {
        "section": section.heading,
        "slug": section.slug,
        "line": section.line,
        "range": [section.range.lo, section.range.hi] if section.range else None,
    }
    if section.range is None:
        record.update(
            assigned=sum(len(e.ports) for e in entries if e.service),
            reserved=sum(len(e.ports) for e in entries if not e.service),
            free=None,
            next_free=None,
        )
        return record
    assigned = reserved = 0
    next_free = None
    for port in section.range:
        holders = registry.by_port.get(port, ())
        if any(e.service for e in holders):
            assigned += 1
            continue
        if holders:
            reserved += 1
        if next_free is None:
            next_free = port
    record.update(
        assigned=assigned, reserved=reserved, free=len(section.range) - assigned - reserved, next_free=next_free
    )
    return record


def format_ranges(registry: Registry, fmt: str) -> str:
    sections = [s for s in registry.sections if s.range is not None or entries_in(registry, s)]
    records = [range_record(registry, s) for s in sections]
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False)
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

"""The rules about ranges: declared ranges, ports outside or in another section's range, placeholders."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from ..model.ports import PortRange, format_ports
from ..model.registry import Registry
from ..model.sections import Section
from .entries import entry_finding
from .entry_rules import MALFORMED_RANGE
from .findings import Finding
from .structure_rules import FOREIGN_RANGE, OUT_OF_RANGE, OVERLAPPING_RANGES, PLACEHOLDER_OVERLAP


def check_range_headings(registry: Registry, path: str) -> Iterator[Finding]:
    for section in registry.sections:
        if section.range_error is not None:
            yield Finding(
                MALFORMED_RANGE,
                path,
                section.line,
                1,
                f"heading {section.heading!r} declares range {section.range_text!r}: {section.range_error}",
                "write the range as LOW-HIGH with ports 1-65535, e.g. '## 3000-3009: Core Platform'",
                (),
                section.index,
            )


def _outside(spans: Iterable[PortRange], allowed: PortRange | None) -> list[PortRange]:
    """Parts of ``spans`` outside ``allowed`` (all of them when there is no range)."""
    parts: list[PortRange] = []
    for span in spans:
        if allowed is None:
            parts.append(span)
            continue
        if span.lo < allowed.lo:
            parts.append(PortRange(span.lo, min(span.hi, allowed.lo - 1)))
        if span.hi > allowed.hi:
            parts.append(PortRange(max(span.lo, allowed.hi + 1), span.hi))
    return parts


def check_ranges(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        section = registry.sections[entry.section]
        if section.range is None and registry.tables[entry.table].port_kind == "container":
            continue  # container ports in a section without a range: no range is theirs to be in
        outside = _outside(entry.spans, section.range)
        if not outside:
            continue
        foreign: dict[int, int] = {}
        for part in outside:
            holding = _foreign_holder(registry, section, part.lo)
            if holding is not None:
                foreign[part.lo] = holding.index
        what = entry.service or "placeholder"
        if foreign:
            port, holder = next(iter(foreign.items()))
            other = registry.sections[holder]
            yield entry_finding(
                FOREIGN_RANGE,
                path,
                entry,
                entry.port_column,
                f"port {port} ({what}) is in the range {other.declared} of section {other.heading!r} "
                f"(line {other.line})",
                f"move the row to that section, or accept it with <!-- mdports: accept {FOREIGN_RANGE.id} {port} -->",
                [part.lo for part in outside],
            )
        elif section.range is not None:
            spans = ", ".join(str(part) for part in outside)
            yield entry_finding(
                OUT_OF_RANGE,
                path,
                entry,
                entry.port_column,
                f"port {spans} ({what}) is outside the section's range {section.range}",
                f"use a port in {section.range}, move the row, or accept it with "
                f"<!-- mdports: accept {OUT_OF_RANGE.id} {outside[0].lo} -->",
                [part.lo for part in outside],
            )


def _host(section: Section) -> str:
    return (section.host or "").casefold()


def _foreign_holder(registry: Registry, section: Section, port: int) -> Section | None:
    """The other section of the same host whose declared range holds ``port`` (the narrowest), or None.

    Ports are unique per host, so another host's range says nothing about this host's rows.
    """
    holding = registry.section_holding(port)
    if holding is None or holding.index == section.index or _host(holding) == _host(section):
        return None if holding is None or holding.index == section.index else holding
    same = [
        other
        for other in registry.sections
        if other.declared is not None
        and port in other.declared
        and other.index != section.index
        and _host(other) == _host(section)
    ]
    return min(same, key=lambda other: len(other.declared or ())) if same else None


def _is_ancestor(registry: Registry, older: Section, younger: Section) -> bool:
    parent = younger.parent
    while parent is not None:
        if parent == older.index:
            return True
        parent = registry.sections[parent].parent
    return False


def check_overlapping_ranges(registry: Registry, path: str) -> Iterator[Finding]:
    """MP102, per host: ports are unique per host, so two hosts' sections may declare one range."""
    by_host: dict[str, list[Section]] = {}
    for section in registry.sections:
        if section.declared:
            by_host.setdefault((section.host or "").casefold(), []).append(section)
    for sections in by_host.values():
        yield from _overlaps(registry, path, sections)


def _overlaps(registry: Registry, path: str, sections: list[Section]) -> Iterator[Finding]:
    declared = sorted(sections, key=lambda s: s.declared or PortRange(0, 0))
    widest: Section | None = None
    for section in declared:
        assert section.declared is not None
        if (
            widest is not None
            and widest.declared is not None
            and section.declared.lo <= widest.declared.hi
            and not _is_ancestor(registry, widest, section)
        ):
            yield Finding(
                OVERLAPPING_RANGES,
                path,
                section.line,
                1,
                f"range {section.declared} of {section.heading!r} overlaps {widest.declared} of "
                f"{widest.heading!r} (line {widest.line})",
                "narrow one of the ranges so that each port belongs to one section",
                (section.declared.lo,),
                section.index,
            )
        if widest is None or widest.declared is None or section.declared.hi > widest.declared.hi:
            widest = section


def check_placeholders(registry: Registry, path: str) -> Iterator[Finding]:
    assigned = sorted(registry.assigned_ports())
    for entry in registry.entries:
        if entry.service is not None or entry.marker == "empty":
            continue
        taken: list[int] = []
        for span in entry.spans:
            start = bisect.bisect_left(assigned, span.lo)
            end = bisect.bisect_right(assigned, span.hi)
            taken.extend(assigned[start:end])
        if taken:
            holders = sorted({e.service or "" for p in taken[:5] for e in registry.by_port[p] if e.service})
            yield entry_finding(
                PLACEHOLDER_OVERLAP,
                path,
                entry,
                entry.port_column,
                f"placeholder {entry.port_text} covers assigned port {format_ports(taken)} ({', '.join(holders)})",
                "shrink the placeholder span so it covers only free ports",
                taken,
            )

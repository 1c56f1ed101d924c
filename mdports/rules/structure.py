"""The checks of the document's structure (the rules of :mod:`.structure_rules`): ranges, tables, layers.

- Ranges: declared ranges, ports outside their section's range or in another's, placeholders
  over assigned ports, overlapping ranges.
- How the document is read: tables, their columns and roles, and mdports comments (directives).
- Between the two layers: a running port that differs from the plan, or is not planned. A
  document that says what runs beside its plan carries known debt (a service that moved, a plan
  not rewritten): not a conflict (MP001 is per layer and host), but one finding per running
  entry, info by default, ``ignore``-able like every rule.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from ..errors import did_you_mean
from ..location import Location
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.ports import PortRange, format_ports
from ..model.registry import Directive, Entry
from ..model.sections import Section
from ..model.vocabulary import ROLES
from .catalog import RULE_WORDS, find_rule
from .entries import entry_finding
from .entry_rules import MALFORMED_RANGE, NO_SERVICE_COLUMN
from .findings import Finding
from .structure_rules import (
    BAD_DIRECTIVE,
    FOREIGN_RANGE,
    NOTHING_READ,
    OUT_OF_RANGE,
    OVERLAPPING_RANGES,
    PLACEHOLDER_OVERLAP,
    RUNNING_DIFFERS,
    TABLE_NOT_READ,
    TABLE_ROLE,
)


def check_range_headings(registry: Registry, path: str) -> Iterator[Finding]:
    for section in registry.sections:
        if section.range_error is not None:
            yield Finding(
                MALFORMED_RANGE,
                Location(path, section.line, 1),
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
                Location(path, section.line, 1),
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


_CONFIGURE = (
    "or name the column with port-columns / service-columns in the configuration; `mdports explain` shows the reading"
)


def check_service_columns(registry: Registry, path: str) -> Iterator[Finding]:
    for table in registry.tables:
        if table.service_column is None and not table.record:  # a record's name is a row or its heading
            yield Finding(
                NO_SERVICE_COLUMN,
                Location(path, table.line, 1),
                f"table has a port column ({table.headers[table.port_column]!r}) but no service column; "
                f"its rows are not read (headers are {', '.join(repr(h) for h in table.headers)})",
                f"name a column 'Service' (or 'Name'), {_CONFIGURE}",
                (),
                table.section,
            )


def check_table_roles(registry: Registry, path: str) -> Iterator[Finding]:
    """Never pass silently: every table whose header names a port is read, or says why not."""
    no_service = {table.block for table in registry.tables if table.service_column is None}
    for reading in registry.readings:
        if reading.role in ("registry", "other", "unnamed", "reference", "firewall") or reading.block in no_service:
            # Read, not about ports, reported by MP006 (a port column but no service column), or
            # numbers that may be ports (said by MP110 when nothing else is read, and by explain).
            continue
        if reading.role == "unread":
            yield Finding(
                TABLE_NOT_READ,
                Location(path, reading.line, 1),
                f"table is not read: {reading.reason}",
                f"name the port column 'Port' (or 'Host Port', 'Default Port', ...) {_CONFIGURE}",
                (),
                reading.section,
            )
            continue
        yield Finding(
            TABLE_ROLE,
            Location(path, reading.line, 1),
            f"table is read as {ROLES[reading.role]} ({reading.reason}); its rows are not registry entries",
            "nothing to do if that is right; `mdports explain` shows how each table is read",
            (),
            reading.section,
        )


def check_something_read(registry: Registry, path: str) -> Iterator[Finding]:
    """A document with port tables of which not one row is read fails, saying why per table."""
    if registry.tables:
        # A registry table is read (an empty one too: a registry with no entries yet), or
        # MP006 (an error) already says why one is not.
        return
    # A reference of well-known ports is read (as what it is): a document of them is not empty.
    unread = [
        r
        for r in registry.readings
        if (r.mentions_port and r.role not in ("other", "reference", "firewall")) or r.role == "unnamed"
    ]
    if not unread:
        return
    why = "; ".join(f"line {r.line}: {ROLES[r.role]} ({r.reason})" for r in unread[:3])
    more = f" (and {len(unread) - 3} more)" if len(unread) > 3 else ""
    yield Finding(
        NOTHING_READ,
        Location(path, unread[0].line, 1),
        f"no registry row is read from this document: {why}{more}",
        f"give each port table a port column and a service column ('Port', 'Service'), {_CONFIGURE}",
        (),
        unread[0].section,
    )


def check_directives(registry: Registry, path: str) -> Iterator[Finding]:
    """MP111: a mdports comment that would be silently ignored (a typo in the verb or a rule)."""

    def finding(directive: Directive, message: str, hint: str) -> Finding:
        return Finding(
            BAD_DIRECTIVE, Location(path, directive.line, 1), message, hint, directive.ports, directive.section
        )

    for directive in registry.directives:
        if directive.verb != "accept":
            yield finding(
                directive,
                f"unknown mdports directive {directive.verb!r}{did_you_mean(directive.verb, ['accept'])}",
                "the one directive is <!-- mdports: accept RULE [PORT ...] -- reason -->",
            )
        elif not directive.rules:
            yield finding(directive, "this accept names no rule", "name the rule: <!-- mdports: accept MP101 4400 -->")
        for word in directive.rules if directive.verb == "accept" else ():
            if find_rule(word) is None:
                yield finding(
                    directive,
                    f"accept names unknown rule {word!r}{did_you_mean(word, RULE_WORDS)}",
                    "`mdports rules` lists every rule id and name",
                )


def check_running_against_plan(registry: Registry, path: str) -> Iterator[Finding]:
    """One finding for each running entry whose port the plan does not give its service.

    Only where the document has both layers: a document that is all plan, or all running
    ports, has nothing to compare.
    """
    if not registry.has_running:
        return
    planned: dict[str, list[Entry]] = {}
    for entry in registry.entries:
        if entry.layer == "planned" and entry.service is not None:
            planned.setdefault(fold_name(entry.service), []).append(entry)
    if not planned:
        return
    for entry in registry.every_entry:
        if entry.layer != "running" or entry.service is None or not entry.spans:
            continue
        if entry.source == "list" and entry.index in registry.listed_views:
            continue  # the item shows a table's entry again (model.list_views): "keycloak.service (port 8080)"
        where = f" on {entry.host}" if entry.host else ""
        plan = planned.get(fold_name(entry.service))
        if plan is None:
            yield Finding(
                RUNNING_DIFFERS,
                Location(path, entry.line, entry.port_column),
                f"{entry.service} runs on port {format_ports(entry.ports)}{where}, but the plan has no entry for it",
                f"add it to the plan (`mdports add {entry.service} --port {entry.ports[0]}`), or ignore "
                f"{RUNNING_DIFFERS.name} in the configuration",
                entry.ports,
                entry.section,
            )
            continue
        planned_ports = {port for other in plan for port in other.ports}
        if planned_ports.isdisjoint(entry.ports):
            first = plan[0]
            planned_where = f" on {first.host}" if first.host else ""
            yield Finding(
                RUNNING_DIFFERS,
                Location(path, entry.line, entry.port_column),
                f"{entry.service} runs on port {format_ports(entry.ports)}{where}, the plan gives it "
                f"{format_ports(planned_ports)}{planned_where} (line {first.line})",
                f"move the plan to the running port (`mdports move {entry.service} --port {entry.ports[0]}`), or the "
                "service to its planned port",
                entry.ports,
                entry.section,
            )

"""The validation rules: each a function from the registry to findings.

``CHECKS`` maps every rule to the function that checks it (a read-only table, not an
``isinstance`` chain). Every check is linear in the size of the registry (plus a sort).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterable, Iterator
from types import MappingProxyType
from typing import Any

from ..files.config import Config
from ..model.directives import Directive
from ..model.ports import PortRange, format_ports
from ..model.registry import Entry, Registry
from ..model.sections import Section
from ..model.vocabulary import ROLES
from ..syntax.document import Table
from .findings import Finding, Report, Rule

DUPLICATE_PORT = Rule("MP001", "duplicate-port", "error", "A port (per protocol) is assigned to two entries.")
DUPLICATE_SERVICE = Rule("MP002", "duplicate-service", "error", "The same service name appears twice.")
MALFORMED_PORT = Rule(
    "MP003", "malformed-port", "error", "A port cell is empty, not a number, 0, above 65535 or a reversed span."
)
BROKEN_REFERENCE = Rule(
    "MP004",
    "broken-reference",
    "error",
    "A cross-reference names a port that is unassigned or belongs to another service.",
)
MALFORMED_RANGE = Rule(
    "MP005", "malformed-range", "error", "A heading declares a range that cannot be read or is reversed."
)
NO_SERVICE_COLUMN = Rule("MP006", "no-service-column", "error", "A table has a port column but no service column.")
MALFORMED_PROTOCOL = Rule("MP007", "malformed-protocol", "error", "A protocol cell is not tcp, udp or tcp/udp.")
OUT_OF_RANGE = Rule("MP101", "port-out-of-range", "warning", "A port lies outside its section's declared range.")
OVERLAPPING_RANGES = Rule("MP102", "overlapping-ranges", "warning", "Two sections declare overlapping ranges.")
PLACEHOLDER_OVERLAP = Rule(
    "MP103", "placeholder-overlap", "warning", "A placeholder span covers a port that is assigned."
)
UNSORTED_ROWS = Rule("MP104", "unsorted-rows", "warning", "A row's port is lower than the row before it.")
CELL_COUNT = Rule(
    "MP105", "cell-count", "warning", "A row has more cells than its header, or fewer and ends with a pipe."
)
FOREIGN_RANGE = Rule("MP106", "foreign-range", "warning", "A port lies in the declared range of another section.")
EMPTY_SERVICE = Rule("MP107", "empty-service", "warning", "A row has ports but an empty service cell.")
TABLE_ROLE = Rule(
    "MP108", "not-registry-table", "info", "A table with a port column is read as something else (a change log, ...)."
)
TABLE_NOT_READ = Rule(
    "MP109", "unread-table", "warning", "A table's header names a port, but no column is a port column mdports knows."
)
NOTHING_READ = Rule(
    "MP110", "nothing-read", "error", "The document has port tables, but not one registry row is read from them."
)
BAD_DIRECTIVE = Rule(
    "MP111", "bad-directive", "warning", "An mdports comment has an unknown verb, names no rule or an unknown one."
)
UNUSED_ACCEPT = Rule("MP112", "unused-accept", "warning", "An accept comment matches no finding (like ruff's RUF100).")
_CONFIGURE = (
    "or name the column with port-columns / service-columns in the configuration; `mdports explain` shows the reading"
)

Check = Callable[[Registry, str], Iterable[Finding]]


def _finding(
    rule: Rule, path: str, entry: Entry, column: int, message: str, hint: str, ports: Iterable[int] = ()
) -> Finding:
    return Finding(rule, path, entry.line, column, message, hint, tuple(ports), entry.section)


def _assigned(registry: Registry) -> Iterator[Entry]:
    return (entry for entry in registry.entries if entry.service is not None)


def check_duplicate_ports(registry: Registry, path: str) -> Iterator[Finding]:
    """Ports are unique per host and protocol; a container's own port is unique only in its container."""
    first_holder: dict[tuple[int, str, str | None], Entry] = {}
    container = {index for index, table in enumerate(registry.tables) if table.port_kind == "container"}
    for entry in _assigned(registry):
        if container and entry.table in container:
            continue  # every container has its own network namespace
        clashes: dict[int, list[int]] = {}
        holders: dict[int, Entry] = {}
        host = entry.host
        for span in entry.spans:
            for port in span:
                for protocol in entry.protocols:
                    holder = first_holder.setdefault((port, protocol, host), entry)
                    if holder is not entry:
                        clashes.setdefault(holder.index, []).append(port)
                        holders[holder.index] = holder
        for index, ports in clashes.items():
            holder = holders[index]
            yield _finding(
                DUPLICATE_PORT,
                path,
                entry,
                entry.port_column,
                f"port {format_ports(ports)} of {entry.service} is already assigned to {holder.service} "
                f"(line {holder.line})",
                "give one of them a free port (`mdports next-free --range ...`)",
                sorted(set(ports)),
            )


def check_duplicate_services(registry: Registry, path: str) -> Iterator[Finding]:
    """A name twice is a duplicate, unless it is one service on several rows of one table.

    Several rows are one service when they hold other ports and are neighbours in the table's
    port order, or when the table has a column saying what each port is for. Port order, not
    row order: sorting a table (``fmt``, a fix) must not make or unmake a duplicate. Identity
    is per host, and per project where the table has a project column.
    """
    rank: dict[int, int] | None = None  # entry index -> place in its table's port order
    for named in registry.by_name.values():
        if len(named) == 1:
            continue  # the usual case: one row per name
        if rank is None:
            rank = _port_order(registry)
        groups: dict[tuple[str | None, str | None], list[Entry]] = {}
        for entry in named:
            groups.setdefault((entry.host, (entry.group or "").casefold() or None), []).append(entry)
        for entries in groups.values():
            yield from _duplicates(registry, path, sorted(entries, key=lambda e: (e.table, rank[e.index])), rank)


def _port_order(registry: Registry) -> dict[int, int]:
    by_table: dict[int, list[Entry]] = {}
    for entry in registry.entries:
        by_table.setdefault(entry.table, []).append(entry)
    rank: dict[int, int] = {}
    for entries in by_table.values():
        entries.sort(key=lambda e: (e.first_port is None, e.first_port or 0, e.row))
        rank.update((entry.index, place) for place, entry in enumerate(entries))
    return rank


def _duplicates(registry: Registry, path: str, entries: list[Entry], rank: dict[int, int]) -> Iterator[Finding]:
    previous = entries[0]
    seen_ports = set(previous.ports)
    for entry in entries[1:]:
        same_table = entry.table == previous.table
        one_service = (
            same_table
            and not seen_ports & set(entry.ports)
            and (rank[entry.index] == rank[previous.index] + 1 or registry.tables[entry.table].repeats)
        )
        previous = entry
        seen_ports.update(entry.ports)
        if not one_service:
            yield _finding(
                DUPLICATE_SERVICE,
                path,
                entry,
                entry.service_column,
                f"service {entry.service} is already listed at line {entries[0].line}",
                "remove the duplicate row or give the service a distinct name",
                entry.ports,
            )


def check_port_cells(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        if entry.port_error is not None:
            yield _finding(
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
        if any(e.service and e.service.casefold() == ref.service.casefold() for e in holders):
            continue
        named = registry.by_name.get(ref.service.casefold(), ())
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
            path,
            ref.line,
            ref.column,
            message,
            hint,
            (ref.port,),
            registry.entries[ref.entry].section,
        )


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


def check_service_columns(registry: Registry, path: str) -> Iterator[Finding]:
    for table in registry.tables:
        if table.service_column is None:
            yield Finding(
                NO_SERVICE_COLUMN,
                path,
                table.line,
                1,
                f"table has a port column ({table.headers[table.port_column]!r}) but no service column; "
                f"its rows are not read (headers are {', '.join(repr(h) for h in table.headers)})",
                f"name a column 'Service' (or 'Name'), {_CONFIGURE}",
                (),
                table.section,
            )


def check_protocols(registry: Registry, path: str) -> Iterator[Finding]:
    for entry in registry.entries:
        if entry.protocol_error is not None:
            table = registry.tables[entry.table]
            block = registry.document.blocks[table.block]
            assert isinstance(block, Table) and table.protocol_column is not None
            column = block.rows[entry.row].column(table.protocol_column)
            yield _finding(
                MALFORMED_PROTOCOL, path, entry, column, entry.protocol_error, "write tcp, udp or tcp/udp", entry.ports
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
        outside = _outside(entry.spans, section.range)
        if not outside:
            continue
        foreign: dict[int, int] = {}
        for part in outside:
            holding = registry.section_holding(part.lo)
            if holding is not None and holding.index != section.index:
                foreign[part.lo] = holding.index
        what = entry.service or "placeholder"
        if foreign:
            port, holder = next(iter(foreign.items()))
            other = registry.sections[holder]
            yield _finding(
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
            yield _finding(
                OUT_OF_RANGE,
                path,
                entry,
                entry.port_column,
                f"port {spans} ({what}) is outside the section's range {section.range}",
                f"use a port in {section.range}, move the row, or accept it with "
                f"<!-- mdports: accept {OUT_OF_RANGE.id} {outside[0].lo} -->",
                [part.lo for part in outside],
            )


def _is_ancestor(registry: Registry, older: Section, younger: Section) -> bool:
    parent = younger.parent
    while parent is not None:
        if parent == older.index:
            return True
        parent = registry.sections[parent].parent
    return False


def check_overlapping_ranges(registry: Registry, path: str) -> Iterator[Finding]:
    declared = sorted((s for s in registry.sections if s.declared), key=lambda s: s.declared or PortRange(0, 0))
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
            yield _finding(
                PLACEHOLDER_OVERLAP,
                path,
                entry,
                entry.port_column,
                f"placeholder {entry.port_text} covers assigned port {format_ports(taken)} ({', '.join(holders)})",
                "shrink the placeholder span so it covers only free ports",
                taken,
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
        if entry.first_port is None:
            continue
        if previous is not None and previous.first_port is not None:
            pairs += 1
            if entry.first_port < previous.first_port:
                descents.append((previous, entry))
        previous = entry
    yield from _unsorted(path, descents, pairs)


def _unsorted(path: str, descents: list[tuple[Entry, Entry]], pairs: int) -> Iterator[Finding]:
    if 2 * len(descents) > pairs:
        previous, entry = descents[0]
        yield _finding(
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
        yield _finding(
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
            yield _finding(
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
            yield _finding(
                EMPTY_SERVICE,
                path,
                entry,
                entry.service_column,
                f"port {entry.port_text} has an empty service cell; it is treated as reserved",
                "name the service, or write *(reserved)* to mark the ports free",
                entry.ports,
            )


def check_table_roles(registry: Registry, path: str) -> Iterator[Finding]:
    """Never pass silently: every table whose header names a port is read, or says why not."""
    no_service = {table.block for table in registry.tables if table.service_column is None}
    for reading in registry.readings:
        if reading.role in ("registry", "other") or reading.block in no_service:
            continue  # read, not about ports, or reported by MP006 (a port column but no service column)
        if reading.role == "unread":
            yield Finding(
                TABLE_NOT_READ,
                path,
                reading.line,
                1,
                f"table is not read: {reading.reason}",
                f"name the port column 'Port' (or 'Host Port', 'Default Port', ...) {_CONFIGURE}",
                (),
                reading.section,
            )
            continue
        yield Finding(
            TABLE_ROLE,
            path,
            reading.line,
            1,
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
    unread = [r for r in registry.readings if r.mentions_port and r.role != "other"]
    if not unread:
        return
    why = "; ".join(f"line {r.line}: {ROLES[r.role]} ({r.reason})" for r in unread[:3])
    more = f" (and {len(unread) - 3} more)" if len(unread) > 3 else ""
    yield Finding(
        NOTHING_READ,
        path,
        unread[0].line,
        1,
        f"no registry row is read from this document: {why}{more}",
        f"give each port table a port column and a service column ('Port', 'Service'), {_CONFIGURE}",
        (),
        unread[0].section,
    )


def check_directives(registry: Registry, path: str) -> Iterator[Finding]:
    """MP111: a mdports comment that would be silently ignored (a typo in the verb or a rule)."""
    from ..files.config import did_you_mean
    from .catalog import all_rules, find_rule

    def finding(directive: Directive, message: str, hint: str) -> Finding:
        return Finding(BAD_DIRECTIVE, path, directive.line, 1, message, hint, directive.ports, directive.section)

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
                names = [name for rule in all_rules() for name in (rule.id, rule.name)]
                yield finding(
                    directive,
                    f"accept names unknown rule {word!r}{did_you_mean(word, names)}",
                    "`mdports rules` lists every rule id and name",
                )


CHECKS: MappingProxyType[Rule, Check] = MappingProxyType(
    {
        DUPLICATE_PORT: check_duplicate_ports,
        DUPLICATE_SERVICE: check_duplicate_services,
        MALFORMED_PORT: check_port_cells,
        BROKEN_REFERENCE: check_references,
        MALFORMED_RANGE: check_range_headings,
        NO_SERVICE_COLUMN: check_service_columns,
        MALFORMED_PROTOCOL: check_protocols,
        OUT_OF_RANGE: check_ranges,  # also reports FOREIGN_RANGE: both come from one pass
        OVERLAPPING_RANGES: check_overlapping_ranges,
        PLACEHOLDER_OVERLAP: check_placeholders,
        UNSORTED_ROWS: check_row_order,
        CELL_COUNT: check_cell_counts,
        EMPTY_SERVICE: check_empty_services,
        TABLE_ROLE: check_table_roles,  # also reports TABLE_NOT_READ
        NOTHING_READ: check_something_read,
        BAD_DIRECTIVE: check_directives,
    }
)
RULES: tuple[Rule, ...] = tuple(
    sorted([*CHECKS, FOREIGN_RANGE, TABLE_NOT_READ, UNUSED_ACCEPT], key=lambda rule: rule.id)
)


def _matches(rule: Rule, names: Iterable[str]) -> bool:
    return any(name in (rule.id, rule.name) for name in names)


def validate(
    registry: Registry, config: Config | None = None, path: str | None = None, *, errors_only: bool = False
) -> Report:
    """Run every rule and split the findings into reported and accepted ones.

    Findings of rules in ``config.ignore`` are dropped; those matching a ``config.accept``
    pair or an inline ``<!-- mdports: accept RULE [PORT ...] -->`` in their section are
    counted as accepted. ``errors_only`` runs only the rules whose findings are errors (what
    an edit's verification asks).
    """
    config = config or Config()
    name = path or registry.path or "<input>"
    ran = [rule for rule in RULES if rule.severity == "error" or not errors_only]
    checks = [check for rule, check in CHECKS.items() if rule in ran]
    findings = [f for check in checks for f in check(registry, name)]
    return apply_exceptions(name, findings, registry, config, ran)


def _by_place(finding: Finding) -> tuple[int, int, str]:
    return (finding.line, finding.column, finding.rule.id)


def apply_exceptions(
    path: str,
    findings: Iterable[Finding],
    registry: Registry,
    config: Config,
    ran: Collection[Rule] = (),
    order: Callable[[Finding], Any] = _by_place,
) -> Report:
    """Drop findings of ignored rules, set apart those accepted as known, sort the rest.

    Known: a ``config.accept`` (rule, port) pair, or an inline ``<!-- mdports: accept RULE
    [PORT ...] -->`` in the finding's section. An inline accept that names a rule of ``ran``
    (the rules this run checked) and matches no finding is reported as MP112, like ruff's
    unused ``noqa``. The findings shown are sorted by ``order`` (line and column by default).
    Shared by ``validate`` and ``drift``.
    """
    shown: list[Finding] = []
    accepted: list[Finding] = []
    used: set[int] = set()  # indexes of the accepts that matched
    by_section: dict[int | None, list[tuple[int, Directive]]] = {}  # many findings and comments stay linear
    for index, accept in enumerate(registry.accepts):
        by_section.setdefault(accept.section, []).append((index, accept))
    for finding in findings:
        if _matches(finding.rule, config.ignore):
            continue
        known = any(_matches(finding.rule, [rule]) and port in finding.ports for rule, port in config.accept)
        for index, accept in by_section.get(finding.section, ()):
            if _matches(finding.rule, accept.rules) and (not accept.ports or set(accept.ports) & set(finding.ports)):
                used.add(index)
                known = True
        (accepted if known else shown).append(finding)
    if not _matches(UNUSED_ACCEPT, config.ignore):
        shown += _unused_accepts(path, registry, used, ran)
    shown.sort(key=order)
    return Report(path, tuple(shown), tuple(accepted))


def _unused_accepts(path: str, registry: Registry, used: set[int], ran: Collection[Rule]) -> Iterator[Finding]:
    for index, accept in enumerate(registry.accepts):
        # Only an accept for a rule this run checked can be judged: validate cannot tell
        # whether an accept for a drift rule (MP2xx) is needed, nor an errors-only run one for MP101.
        if index in used or not any(_matches(rule, accept.rules) for rule in ran):
            continue
        what = " ".join((*accept.rules, *map(str, accept.ports)))
        yield Finding(
            UNUSED_ACCEPT,
            path,
            accept.line,
            1,
            f"<!-- mdports: accept {what} --> matches no finding",
            "remove the comment, or correct its rule or ports",
            accept.ports,
            accept.section,
        )

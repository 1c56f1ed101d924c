"""The port space of a registry: one band per section with a range, as runs of ports of one kind.

A *run* is a stretch of consecutive ports that look the same on the map (same status, same
holders, same drift): a ten-port placeholder is one run, and so is the free tail of a range,
so a band of 55,000 ports costs as many runs as it has entries, not as many ports.
The counts are those of ``mdports ranges`` (free counts a port only a placeholder holds, as it
is free to take) and the next free port is ``next-free``'s
(:func:`~mdports.model.lookup.free_ports`). One difference: a port that a row with a Host
column assigns is assigned here, on whichever host; ``ranges`` counts it for that host only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Literal

from ..errors import UsageError
from ..model.lookup import Registry
from ..model.registry import Entry
from ..model.sections import Section
from ..readonly import readonly
from ..rules.deployment_rules import UNDEPLOYED_SERVICE
from ..rules.entry_rules import DUPLICATE_PORT
from ..rules.findings import SEVERITY_RANK, Finding, Report

CellStatus = Literal["assigned", "reserved", "free", "conflict", "outside"]
STATUSES: tuple[CellStatus, ...] = ("assigned", "reserved", "free", "conflict", "outside")
# What each status means, in words: the legend of every format and the text beside colour.
MEANING: Mapping[CellStatus, str] = {
    "assigned": "assigned to a service",
    "reserved": "held by a placeholder (reserved)",
    "free": "free: no entry holds it",
    "conflict": "conflict: two services claim it (MP001)",
    "outside": "an entry of the section outside its range",
}
DRIFT_MEANING: Mapping[str, str] = {
    "error": "drift error: the deployment disagrees",
    "warning": "drift warning",
    "info": "drift note",
    "deployed": "deployed as documented",
}


@readonly
class Run:
    """Consecutive ports ``lo``..``hi`` of one status, held by the same services, with the same drift."""

    lo: int
    hi: int
    status: CellStatus
    holders: tuple[str, ...] = ()  # service names (``name@host`` when a host is named), or placeholder markers
    drift: str | None = None  # "error", "warning", "info" or "deployed"
    drift_note: str = ""  # the rule and message of the worst drift finding

    @property
    def count(self) -> int:
        return self.hi - self.lo + 1

    @property
    def ports(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"

    @property
    def label(self) -> str:
        """The run in words, for a tooltip and a screen reader: ``3001 mana-auth (assigned)``."""
        who = ", ".join(self.holders)
        text = f"{self.ports} {who} ({self.status})" if who else f"{self.ports} ({self.status})"
        if self.drift is not None:
            text += f"; {DRIFT_MEANING[self.drift]}" + (f": {self.drift_note}" if self.drift_note else "")
        return text


@readonly
class Lane:
    """What one host of the running layer runs inside a band (or outside every band)."""

    host: str
    runs: tuple[Run, ...]


@readonly
class Band:
    """A section with a range: its runs over the range, entries outside it, lanes and counts."""

    section: Section
    runs: tuple[Run, ...]
    outside: tuple[Run, ...]
    lanes: tuple[Lane, ...]
    assigned: int
    reserved: int
    free: int
    next_free: int | None

    @property
    def size(self) -> int:
        assert self.section.range is not None
        return len(self.section.range)

    @property
    def counts(self) -> str:
        """The counts in words, as ``mdports ranges`` counts them (a reserved port is free to take)."""
        text = f"{self.assigned} assigned, {self.free} free to take"
        if self.reserved:
            text += f" ({self.reserved} of them reserved)"
        return text + (f", next free {self.next_free}" if self.next_free is not None else "")

    @property
    def free_blocks(self) -> tuple[Run, ...]:
        """The runs nobody holds, longest first (the labels the map shows)."""
        return tuple(sorted((r for r in self.runs if r.status == "free"), key=lambda r: (-r.count, r.lo)))


@readonly
class PortMap:
    """Everything a map shows: the bands, running ports outside every band, and whether drift was read."""

    path: str
    bands: tuple[Band, ...]
    elsewhere: tuple[Lane, ...] = ()  # running ports that no band's range holds, by host
    hosts: tuple[str, ...] = ()
    with_drift: bool = False
    unranged: tuple[Section, ...] = field(default=())  # sections with entries but no range


def build_map(registry: Registry, report: Report, drift: Report | None = None, deployed: Iterable[int] = ()) -> PortMap:
    """The map of ``registry``: ``report`` is its validation (conflicts), ``drift`` the drift check.

    ``deployed`` are the ports the deployment publishes: shown as "deployed as documented"
    when no drift finding names them. Raises :class:`UsageError` when no section has a range.
    """
    from ..model.lookup import free_ports

    ranged = [s for s in registry.sections if s.declared is not None]
    if not ranged:
        raise UsageError(
            "the document declares no port ranges, so there is nothing to draw",
            path=registry.path,
            hint="give a section a range in its heading, such as '## 3000-3099: Backends'; `mdports list` "
            "shows the entries without one",
        )
    conflicts = {port for f in report.findings if f.rule is DUPLICATE_PORT for port in f.ports}
    drifting = _drift_by_port(drift.findings if drift else (), deployed)
    running = [e for e in registry.every_entry if e.layer == "running" and e.spans and e.service is not None]
    hosts = tuple(dict.fromkeys(_host(e) for e in running))
    lanes_of: dict[int, list[Entry]] = {}
    elsewhere: list[Entry] = []
    for entry in running:
        holder = registry.section_holding(entry.ports[0])
        if holder is not None and holder.declared is not None:
            lanes_of.setdefault(holder.index, []).append(entry)
        else:
            elsewhere.append(entry)
    by_section: dict[int, list[Entry]] = {}  # the table rows of each section, grouped once (not per section)
    for entry in registry.entries:
        by_section.setdefault(entry.section, []).append(entry)
    bands = []
    for section in ranged:
        assert section.range is not None
        runs = _runs(registry, section.range.lo, section.range.hi, conflicts, drifting)
        outside = _outside(by_section.get(section.index, ()), section, conflicts, drifting)
        assigned = sum(run.count for run in runs if run.status in ("assigned", "conflict"))
        reserved = sum(run.count for run in runs if run.status == "reserved")
        free = free_ports(registry, section)
        lanes = _lanes(lanes_of.get(section.index, ()), drifting)
        bands.append(
            Band(
                section,
                runs,
                outside,
                lanes,
                assigned,
                reserved,
                len(section.range) - assigned,
                free[0] if free else None,
            )
        )
    unranged = tuple(s for s in registry.sections if s.range is None and s.index in by_section)
    name = registry.path or "<input>"
    return PortMap(name, tuple(bands), _lanes(elsewhere, drifting), hosts, drift is not None, unranged)


def _host(entry: Entry) -> str:
    return entry.host or "(no host named)"


def _holder_name(entry: Entry) -> str:
    name = entry.service if entry.service is not None else f"({entry.marker})"
    return f"{name}@{entry.host}" if entry.host else name


def _drift_by_port(findings: Sequence[Finding], deployed: Iterable[int]) -> dict[int, tuple[str, str]]:
    """The worst drift finding on each port (severity, ``RULE name: message``); ``deployed`` for the rest."""
    worst: dict[int, tuple[str, str]] = dict.fromkeys(deployed, ("deployed", ""))
    for finding in findings:
        if finding.rule is UNDEPLOYED_SERVICE:
            continue  # "deployed nowhere" is what the map's grey says already, for every such port
        note = f"{finding.rule.id} {finding.rule.name}: {finding.message}"
        for port in finding.ports:
            known = worst.get(port)
            if known is None or known[0] == "deployed" or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[known[0]]:
                worst[port] = (finding.severity, note)
    return worst


def _cell(
    registry: Registry, port: int, conflicts: set[int], drifting: Mapping[int, tuple[str, str]]
) -> tuple[CellStatus, tuple[str, ...], str | None, str]:
    entries = [e for e in registry.by_port.get(port, ()) if registry.tables[e.table].port_kind != "container"]
    assigned = tuple(dict.fromkeys(_holder_name(e) for e in entries if e.service is not None))
    status: CellStatus
    if assigned:
        status = "conflict" if port in conflicts else "assigned"
        holders = assigned
    elif entries:
        status, holders = "reserved", tuple(dict.fromkeys(f"({e.marker})" for e in entries))
    else:
        status, holders = "free", ()
    drift, note = drifting.get(port, (None, ""))
    return status, holders, drift, note


def _runs(
    registry: Registry, lo: int, hi: int, conflicts: set[int], drifting: Mapping[int, tuple[str, str]]
) -> tuple[Run, ...]:
    runs: list[Run] = []
    start, key = lo, _cell(registry, lo, conflicts, drifting)
    for port in range(lo + 1, hi + 2):
        next_key = _cell(registry, port, conflicts, drifting) if port <= hi else None
        if next_key != key:
            runs.append(Run(start, port - 1, key[0], key[1], key[2], key[3]))
            if next_key is not None:
                start, key = port, next_key
    return tuple(runs)


def _outside(
    entries: Sequence[Entry], section: Section, conflicts: set[int], drifting: Mapping[int, tuple[str, str]]
) -> tuple[Run, ...]:
    """The ports of the section's entries that its range does not hold, one run per entry and span."""
    assert section.range is not None
    runs = []
    for entry in entries:
        for span in entry.spans:
            ports = [p for p in span if p not in section.range]
            if ports:
                drift, note = drifting.get(ports[0], (None, ""))
                runs.append(Run(ports[0], ports[-1], "outside", (_holder_name(entry),), drift, note))
    return tuple(runs)


def _lanes(entries: Iterable[Entry], drifting: Mapping[int, tuple[str, str]]) -> tuple[Lane, ...]:
    """Running entries grouped by host, each host's runs sorted by port."""
    by_host: dict[str, list[Run]] = {}
    for entry in entries:  # assigned ones: a placeholder in a running table says nothing runs there
        for span in entry.spans:
            drift, note = drifting.get(span.lo, (None, ""))
            run = Run(span.lo, span.hi, "assigned", (entry.service or f"({entry.marker})",), drift, note)
            by_host.setdefault(_host(entry), []).append(run)
    # A service both in a list of running ports and in a table with a Host column is one run.
    return tuple(
        Lane(host, tuple(sorted(set(runs), key=lambda r: (r.lo, r.holders)))) for host, runs in by_host.items()
    )

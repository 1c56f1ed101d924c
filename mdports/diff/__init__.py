"""Changes between two versions by meaning: the change records, which :mod:`~mdports.diff.compare` makes.

The change records of a semantic diff: what :func:`mdports.diff.compare.compare` reports.

A :class:`SemanticDiff` holds section, column and entry changes (read-only records), the
findings a change introduces and resolves, and the identity maps (old index -> new index)
the merge driver matches rows and tables by. The renderers and the merge driver read these
records only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import field
from typing import Literal

from ..model.ports import format_ports
from ..model.registry import Layer, Status
from ..readonly import readonly
from ..rules.findings import Finding

EntryKind = Literal["added", "removed", "renamed", "moved", "changed"]
SectionKind = Literal["added", "removed", "renamed", "re-ranged"]
ColumnKind = Literal["renamed"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("added", "removed", "renamed", "moved", "changed")
SECTION_KINDS: tuple[SectionKind, ...] = ("added", "removed", "renamed", "re-ranged")


@readonly
class SectionRef:
    """Which section a change belongs to: its slug (identity), heading and declared range."""

    slug: str
    heading: str
    range: str | None  # as written (also when malformed), for people
    index: int  # position in its document, for ordering
    side: Literal["old", "new"] = "new"  # "old": the section exists only in the old document
    span: tuple[int, int] | None = None  # the declared range read, for machines

    @property
    def order(self) -> tuple[bool, int]:
        """Sections of the new document in their order, then those that were removed."""
        return self.side == "old", self.index

    @property
    def label(self) -> str:
        return self.heading or "(preamble)"


@readonly
class CellChange:
    """One cell of an entry, old -> new (None where the column did not exist)."""

    column: str
    old: str | None
    new: str | None


@readonly
class FollowedReference:
    """A cross-reference that was updated along with the entry it points at."""

    referrer: str  # the entry whose row holds the reference
    column: str
    old: str
    new: str
    line: int
    entry: int | None = None  # index of the referrer in the new registry


@readonly
class EntryChange:
    """What happened to one entry (assigned or placeholder).

    For ``added`` only the new fields are set, for ``removed`` only the ``old_`` ones; for the
    other kinds both, so a reader can compare them.
    """

    kind: EntryKind
    status: Status
    service: str | None = None
    old_service: str | None = None
    ports: tuple[int, ...] = ()
    old_ports: tuple[int, ...] = ()
    port_text: str = ""
    old_port_text: str = ""
    protocols: tuple[str, ...] = ()
    old_protocols: tuple[str, ...] = ()
    marker: str | None = None
    old_marker: str | None = None
    section: SectionRef | None = None
    old_section: SectionRef | None = None
    line: int | None = None
    old_line: int | None = None
    cells: tuple[CellChange, ...] = ()
    references: tuple[FollowedReference, ...] = ()
    breaking: bool = False
    group: SectionRef | None = None  # where a report lists it: the new section (a removed entry's, if kept)
    index: int | None = None  # the entry's index in the new registry (None for ``removed``)
    old_index: int | None = None  # ... and in the old one (None for ``added``)
    layer: Layer = "planned"  # running: a list item of what runs (index and old_index are then None)
    host: str | None = None  # the running entry's host, as written
    old_host: str | None = None

    @property
    def name(self) -> str:
        """The service name (the new one when it changed), or ``reserved`` for a placeholder."""
        return self.service or self.old_service or "reserved"


@readonly
class SectionChange:
    """A section added, removed, renamed (its range may have changed too) or re-ranged."""

    kind: SectionKind
    section: SectionRef | None = None
    old_section: SectionRef | None = None
    line: int | None = None
    old_line: int | None = None

    @property
    def group(self) -> SectionRef:
        found = self.section or self.old_section
        assert found is not None
        return found


@readonly
class ColumnChange:
    """A column of one table renamed (``Corresponds to Backend`` -> ``Corresponds to Server``).

    One per table, not one per rename across tables: a column belongs to its table, a report
    lists it under the table's section, and the merge driver replays it table by table.
    """

    kind: ColumnKind
    old: str  # the header in the old table
    new: str  # ... and in the new one
    position: int  # 0-based column in the new table
    section: SectionRef
    old_section: SectionRef
    line: int  # the new table's header line
    old_line: int
    table: int  # index in the new registry's tables
    old_table: int

    @property
    def group(self) -> SectionRef:
        return self.section


@readonly
class SemanticDiff:
    """Every registry change between two documents, and the findings it introduces and resolves."""

    old_name: str
    new_name: str
    sections: tuple[SectionChange, ...] = ()
    entries: tuple[EntryChange, ...] = ()
    introduced: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    columns: tuple[ColumnChange, ...] = ()
    # Identity across the two registries (old index -> new index): every entry, section and table
    # that is on both sides, renamed ones included. The merge driver matches rows and tables by them.
    entry_map: Mapping[int, int] = field(default_factory=dict, compare=False, repr=False)
    section_map: Mapping[int, int] = field(default_factory=dict, compare=False, repr=False)
    table_map: Mapping[int, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def changed(self) -> bool:
        """True when the registry (or what validation says about it) changed."""
        return bool(self.sections or self.columns or self.entries or self.introduced or self.resolved)

    @property
    def breaking(self) -> tuple[EntryChange, ...]:
        return tuple(change for change in self.entries if change.breaking)

    def counts(self) -> dict[str, dict[str, int]]:
        """How many changes of each kind: sections, columns, entries (assigned), placeholders, findings."""
        assigned = Counter(c.kind for c in self.entries if c.status == "assigned")
        reserved = Counter(c.kind for c in self.entries if c.status == "reserved")
        sections = Counter(c.kind for c in self.sections)
        return {
            "sections": {kind: sections[kind] for kind in SECTION_KINDS},
            "columns": {"renamed": len(self.columns)},
            "entries": {kind: assigned[kind] for kind in ENTRY_KINDS},
            "placeholders": {kind: reserved[kind] for kind in ("added", "removed", "changed")},
            "findings": {"introduced": len(self.introduced), "resolved": len(self.resolved)},
        }


def describe_ports(ports: tuple[int, ...], text: str) -> str:
    """Ports for people: ``3017-3019``, or the cell text when it could not be read."""
    return format_ports(ports) if ports else text

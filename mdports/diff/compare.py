r"""The semantic diff: what a change does to the registry, by meaning rather than by line.

Both registries are reduced to typed records keyed by stable identity: an assigned entry by
its case-folded service name, a placeholder by its ports, a section by its slug. deepdiff
compares the records (only the records that differ are handed to it, so the cost follows
the size of the change); the keys and fields it reports are then classified:

- an entry that disappeared and one that appeared on the same ports in the same section is a
  **rename**, with the cross-references that followed it;
- an entry whose ports, protocols or section changed is a **move**, flagged as breaking;
- other changed cells are a **change** (old -> new per column); placeholders that shrank,
  grew or changed marker are paired by overlapping ports;
- sections are matched by identity — their declared range, then their title, then the entries
  they hold — and are added, removed, renamed or re-ranged;
- tables are paired through their sections and the entries they hold; a column whose header
  changed name in a paired table is **one column rename** of that table (its cells are compared
  under the new name, so only a real cell change in the same commit shows as a change);
- the validation findings the change introduces and resolves are compared by rule, subject
  and ports, never by line number, since lines shift.

deepdiff is imported only here, and only by :func:`compare`.

>>> from mdports.syntax.document import parse
>>> from mdports.model.registry import build
>>> old = build(parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n"))
>>> new = build(parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | login |\n"))
>>> [(c.kind, c.old_service, c.service) for c in compare(old, new).entries]
[('renamed', 'auth', 'login')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from ..check.findings import Finding
from ..check.rules import validate
from ..files.config import Config
from ..model.ports import format_ports, merge_spans
from ..model.registry import Entry, Reference, Registry, RegistryTable, Section, Status

EntryKind = Literal["added", "removed", "renamed", "moved", "changed"]
SectionKind = Literal["added", "removed", "renamed", "re-ranged"]
ColumnKind = Literal["renamed"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("added", "removed", "renamed", "moved", "changed")
SECTION_KINDS: tuple[SectionKind, ...] = ("added", "removed", "renamed", "re-ranged")


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class CellChange:
    """One cell of an entry, old -> new (None where the column did not exist)."""

    column: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class FollowedReference:
    """A cross-reference that was updated along with the entry it points at."""

    referrer: str  # the entry whose row holds the reference
    column: str
    old: str
    new: str
    line: int
    entry: int | None = None  # index of the referrer in the new registry


@dataclass(frozen=True, slots=True)
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

    @property
    def name(self) -> str:
        """The service name (the new one when it changed), or ``reserved`` for a placeholder."""
        return self.service or self.old_service or "reserved"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True)
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


# --- snapshots --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """What the diff compares of an entry: two entries with equal records did not change."""

    service: str | None
    ports: str  # written canonically (see :func:`_canonical_ports`)
    protocols: tuple[str, ...]
    marker: str | None
    section: str  # the section's key
    cells: Mapping[str, str]  # the other columns (not port, service, protocol), by header


_RECORD_FIELDS = tuple(f.name for f in fields(EntryRecord))


@dataclass(frozen=True, slots=True)
class SectionRecord:
    """What the diff compares of a section."""

    title: str
    range: str | None  # as written (see :func:`_range_text`)


class _Records(Mapping[str, EntryRecord]):
    """Each entry's record, made on first use: most records of two versions are never looked at."""

    def __init__(self, side: _Side) -> None:
        self.side = side
        self.made: dict[str, EntryRecord] = {}

    def __getitem__(self, key: str) -> EntryRecord:
        record = self.made.get(key)
        if record is None:
            entry = self.side.entry_by_key[key]
            cells = entry.cells
            record = self.made[key] = EntryRecord(
                entry.service,
                _canonical_ports(entry),
                entry.protocols,
                entry.marker,
                self.side.section_keys[entry.section],
                {h: cells[h] for h in self.side.other_columns[entry.table] if h in cells},
            )
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.side.entry_by_key)

    def __len__(self) -> int:
        return len(self.side.entry_by_key)

    def __contains__(self, key: object) -> bool:
        return key in self.side.entry_by_key


@dataclass
class _Side:
    """One registry reduced to typed records keyed by identity, for deepdiff and for reports."""

    registry: Registry
    side: Literal["old", "new"]
    section_keys: list[str] = field(default_factory=list)
    entry_keys: list[str] = field(default_factory=list)
    sections: dict[str, SectionRecord] = field(default_factory=dict)
    entries: _Records = field(init=False)
    entry_by_key: dict[str, Entry] = field(default_factory=dict)
    section_by_key: dict[str, Section] = field(default_factory=dict)
    references: dict[tuple[int, str], Reference] = field(default_factory=dict)
    # What a record is made of (section key, headers, cell texts): equal sources, equal records.
    sources: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    # The port, service and protocol cells are compared as ports, name/marker and protocols: the
    # other columns of each table.
    other_columns: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entries = _Records(self)

    def section_ref(self, index: int) -> SectionRef:
        section = self.registry.sections[index]
        span = (section.declared.lo, section.declared.hi) if section.declared else None
        return SectionRef(self.section_keys[index], section.heading, _range_text(section), index, self.side, span)


def _unique(key: str, seen: Counter[str]) -> str:
    seen[key] += 1
    return key if seen[key] == 1 else f"{key}#{seen[key]}"


def _range_text(section: Section) -> str | None:
    return str(section.declared) if section.declared else section.range_text


def _canonical_ports(entry: Entry) -> str:
    """The entry's ports written canonically (``3017-3019, 3021``), or its cell text if unreadable."""
    if len(entry.spans) == 1:  # most rows: no need to expand and merge the ports
        return str(entry.spans[0])
    return ", ".join(str(span) for span in merge_spans(entry.ports)) if entry.spans else entry.port_text


def entry_key(entry: Entry) -> str:
    """Identity of an entry: its case-folded name, or ``reserved:PORTS`` for a placeholder."""
    if entry.service is not None:
        return "service:" + entry.service.casefold()
    return "reserved:" + _canonical_ports(entry)


def _side(registry: Registry, which: Literal["old", "new"]) -> _Side:
    side = _Side(registry, which)
    seen: Counter[str] = Counter()
    for section in registry.sections:
        key = _unique(section.slug or "section", seen)
        side.section_keys.append(key)
        side.section_by_key[key] = section
        side.sections[key] = SectionRecord(section.title, _range_text(section))
    seen.clear()
    side.other_columns = [
        tuple(h for i, h in enumerate(t.headers) if i not in {t.port_column, t.service_column, t.protocol_column})
        for t in registry.tables
    ]
    section_keys, tables, blocks = side.section_keys, registry.tables, registry.document.blocks
    for entry in registry.entries:  # runs for every row: only keys and sources, records on demand
        key = entry_key(entry)
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        side.entry_keys.append(key)
        side.entry_by_key[key] = entry
        table = tables[entry.table]
        row = blocks[table.block].rows[entry.row]  # type: ignore[union-attr]
        side.sources[key] = (section_keys[entry.section], table.headers, row.texts)
    for ref in registry.references:
        side.references[(ref.entry, ref.header)] = ref
    return side


def _deep_compare(
    old: Mapping[str, Mapping[str, EntryRecord]], new: Mapping[str, Mapping[str, EntryRecord]]
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, dict[str, set[str]]]]:
    """deepdiff over the records that differ: (added keys, removed keys, changed fields) per group.

    Equal records are dropped first (a linear pass of ``==``), so deepdiff sees only what changed,
    as plain dicts (its paths then name the fields).
    """

    def plain(record: EntryRecord) -> dict[str, object]:  # not asdict(): it deep-copies every value
        return {name: getattr(record, name) for name in _RECORD_FIELDS}

    import inspect

    from deepdiff import DeepDiff

    reduced_old = {
        group: {k: plain(v) for k, v in records.items() if new[group].get(k) != v} for group, records in old.items()
    }
    reduced_new = {
        group: {k: plain(v) for k, v in records.items() if old[group].get(k) != v} for group, records in new.items()
    }
    added: dict[str, set[str]] = {group: set() for group in old}
    removed: dict[str, set[str]] = {group: set() for group in old}
    changed: dict[str, dict[str, set[str]]] = {group: {} for group in old}
    # deepdiff 8 reports a dict whose keys mostly differ as one changed value; we want every key.
    deeper = "threshold_to_diff_deeper" in inspect.signature(DeepDiff.__init__).parameters
    options: dict[str, Any] = {"threshold_to_diff_deeper": 0} if deeper else {}
    tree = DeepDiff(reduced_old, reduced_new, view="tree", **options)
    for report_type, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            group, key = str(path[0]), str(path[1])
            if len(path) == 2:
                (added if report_type == "dictionary_item_added" else removed)[group].add(key)
            else:
                changed[group].setdefault(key, set()).add(str(path[2]))
    return added, removed, changed


# --- classification ---------------------------------------------------------------------------


def compare(
    old: Registry,
    new: Registry,
    *,
    config: Config | None = None,
    old_name: str | None = None,
    new_name: str | None = None,
    findings: bool = True,
) -> SemanticDiff:
    """Classify every registry change from ``old`` to ``new`` (see the module docstring).

    ``findings=False`` skips validating both registries (the merge driver needs only the changes).
    """
    return _compare(_side(old, "old"), new, config, old_name, new_name, findings)


def compare_both(old: Registry, ours: Registry, theirs: Registry) -> tuple[SemanticDiff, SemanticDiff]:
    """``old`` -> ``ours`` and ``old`` -> ``theirs`` without findings, ``old`` reduced once (for merge)."""
    a = _side(old, "old")
    return _compare(a, ours, None, None, None, False), _compare(a, theirs, None, None, None, False)


def _compare(
    a: _Side, new: Registry, config: Config | None, old_name: str | None, new_name: str | None, findings: bool
) -> SemanticDiff:
    old_name = old_name or a.registry.path or "<old>"
    new_name = new_name or new.path or "<new>"
    b = _side(new, "new")
    # Only entries whose sources differ can have different records: deepdiff sees just those.
    theirs = b.sources
    old_keys = [k for k in a.entry_keys if theirs.get(k) != a.sources[k]]
    new_keys = [k for k in b.entry_keys if a.sources.get(k) != theirs[k]]
    added, removed, changed = _deep_compare(
        {"entries": {k: a.entries[k] for k in old_keys}}, {"entries": {k: b.entries[k] for k in new_keys}}
    )
    section_changes, section_map = _sections(a, b)
    entry_map, pairs, resized = _pairs(a, b, added["entries"], removed["entries"], section_map)
    entries = {a.entry_by_key[old].index: b.entry_by_key[new].index for old, new in [*entry_map.items(), *resized]}
    sections = {a.section_by_key[old].index: b.section_by_key[new].index for old, new in section_map.items()}
    tables = table_map(a.registry, new, entries, sections)
    columns, renames = _columns(a, b, tables, entries)
    pending = _entries(
        a, b, pairs, resized, added["entries"], removed["entries"], changed["entries"], section_map, renames
    )
    entry_changes = _follow_references(a, b, pending, renames)
    introduced, resolved = _findings(a, b, config, old_name, new_name, entry_map, section_map) if findings else ((), ())
    return SemanticDiff(
        old_name,
        new_name,
        section_changes,
        entry_changes,
        introduced,
        resolved,
        columns,
        entry_map=entries,
        section_map=sections,
        table_map=tables,
    )


def _order(side: _Side, key: str) -> int:
    return side.section_by_key[key].index


def _sections(a: _Side, b: _Side) -> tuple[tuple[SectionChange, ...], dict[str, str]]:
    """Section changes, and the map from each old section key to its new key.

    A section is matched by identity, not by its heading text alone: first by its declared range
    (when that range names one section on each side), then by its title (slug), then by the
    entries it holds (at least half of them). What is left was added or removed.
    """
    mapping: dict[str, str] = {}
    ranges_a: dict[str | None, list[str]] = {}
    ranges_b: dict[str | None, list[str]] = {}
    for side, ranges in ((a, ranges_a), (b, ranges_b)):
        for key in side.section_keys:
            if side.section_by_key[key].declared is not None:
                ranges.setdefault(side.sections[key].range, []).append(key)
    for declared, keys in ranges_a.items():
        if len(keys) == 1 and len(ranges_b.get(declared, ())) == 1:
            mapping[keys[0]] = ranges_b[declared][0]
    taken = set(mapping.values())
    for key in a.section_keys:
        if key not in mapping and key in b.sections and key not in taken:
            mapping[key] = key
            taken.add(key)
    members_a = _members(a)
    members_b = _members(b)
    fresh = [key for key in b.section_keys if key not in taken]
    for old_key in a.section_keys:
        if old_key in mapping:
            continue
        members = members_a.get(old_key, set())
        match = next((k for k in fresh if members and 2 * len(members & members_b.get(k, set())) >= len(members)), None)
        if match is not None:
            fresh.remove(match)
            mapping[old_key] = match
    changes: list[SectionChange] = []
    for key in fresh:
        changes.append(SectionChange("added", section=b.section_ref(_order(b, key)), line=b.section_by_key[key].line))
    for key in a.section_keys:
        if key not in mapping:
            old_section = a.section_by_key[key]
            changes.append(
                SectionChange(
                    "removed", old_section=a.section_ref(old_section.index), line=None, old_line=old_section.line
                )
            )
    for old_key, new_key in mapping.items():
        before, after = a.sections[old_key], b.sections[new_key]
        if before.title != after.title:
            kind: SectionKind = "renamed"
        elif before.range != after.range:
            kind = "re-ranged"
        else:
            continue
        changes.append(
            SectionChange(
                kind,
                section=b.section_ref(_order(b, new_key)),
                old_section=a.section_ref(_order(a, old_key)),
                line=b.section_by_key[new_key].line,
                old_line=a.section_by_key[old_key].line,
            )
        )
    changes.sort(key=lambda c: c.group.order)
    return tuple(changes), mapping


def _members(side: _Side) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for key in side.entry_keys:
        members.setdefault(side.sources[key][0], set()).add(key)
    return members


def _cells(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[CellChange, ...]:
    columns = list(before) + [column for column in after if column not in before]
    return tuple(
        CellChange(column, before.get(column), after.get(column))
        for column in columns
        if before.get(column) != after.get(column)
    )


@dataclass(frozen=True, slots=True)
class _Pending:
    """A change while it is being classified: the identity keys it came from."""

    change: EntryChange
    old_key: str | None
    new_key: str | None
    only_cells: bool = False  # nothing but cells changed (so followed references may absorb it)


def _pair_change(
    a: _Side,
    b: _Side,
    old_key: str,
    new_key: str,
    section_map: Mapping[str, str],
    renames: Renames,
    *,
    renamed: bool = False,
) -> _Pending | None:
    """The change from one entry to its counterpart, or None when nothing the registry holds changed.

    Cells of a renamed column are compared under the new name: the rename is not a cell change.
    """
    before, after = a.entries[old_key], b.entries[new_key]
    old_entry, new_entry = a.entry_by_key[old_key], b.entry_by_key[new_key]
    names = renames.get((old_entry.table, new_entry.table))
    old_cells = {names.get(h, h): text for h, text in before.cells.items()} if names else before.cells
    moved_section = section_map.get(before.section) != after.section
    endpoint = before.ports != after.ports or before.protocols != after.protocols
    assigned = new_entry.service is not None
    cells = _cells(old_cells, after.cells)
    other = endpoint or moved_section or before.marker != after.marker
    if assigned and (endpoint or moved_section):
        kind: EntryKind = "moved"
    elif assigned and (renamed or before.service != after.service):
        kind = "renamed"
    elif cells or other:
        kind = "changed"
    else:
        return None
    change = EntryChange(
        kind,
        new_entry.status,
        service=new_entry.service,
        old_service=old_entry.service,
        ports=new_entry.ports,
        old_ports=old_entry.ports,
        port_text=after.ports,
        old_port_text=before.ports,
        protocols=new_entry.protocols,
        old_protocols=old_entry.protocols,
        marker=new_entry.marker,
        old_marker=old_entry.marker,
        section=b.section_ref(new_entry.section),
        old_section=a.section_ref(old_entry.section),
        line=new_entry.line,
        old_line=old_entry.line,
        cells=cells,
        breaking=kind == "moved",
        group=b.section_ref(new_entry.section),
        index=new_entry.index,
        old_index=old_entry.index,
    )
    return _Pending(change, old_key, new_key, only_cells=kind == "changed" and not other)


def _added(b: _Side, key: str) -> _Pending:
    entry, record = b.entry_by_key[key], b.entries[key]
    cells = tuple(CellChange(column, None, text) for column, text in record.cells.items() if text)
    change = EntryChange(
        "added",
        entry.status,
        service=entry.service,
        ports=entry.ports,
        port_text=record.ports,
        protocols=entry.protocols,
        marker=entry.marker,
        section=b.section_ref(entry.section),
        line=entry.line,
        cells=cells,
        group=b.section_ref(entry.section),
        index=entry.index,
    )
    return _Pending(change, None, key)


def _removed(a: _Side, b: _Side, key: str, section_map: Mapping[str, str]) -> _Pending:
    entry, record = a.entry_by_key[key], a.entries[key]
    kept = section_map.get(record.section)
    group = b.section_ref(b.section_by_key[kept].index) if kept is not None else a.section_ref(entry.section)
    change = EntryChange(
        "removed",
        entry.status,
        old_service=entry.service,
        old_ports=entry.ports,
        old_port_text=record.ports,
        old_protocols=entry.protocols,
        old_marker=entry.marker,
        old_section=a.section_ref(entry.section),
        old_line=entry.line,
        group=group,
        old_index=entry.index,
    )
    return _Pending(change, key, None)


def _by_index(side: _Side, keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda key: side.entry_by_key[key].index)


def _pairs(
    a: _Side, b: _Side, added: set[str], removed: set[str], section_map: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The old -> new key map (renames included), the renamed pairs and the resized placeholder pairs.

    A resized placeholder is not the same subject for findings (the key map), but it is the same
    row for the merge driver.
    """
    mapping = {key: key for key in a.entries if key in b.entries}
    # A rename: an assigned entry gone and another one on the same ports in the same section.
    by_place: dict[tuple[str, str], list[str]] = {}
    for key in _by_index(b, added):
        record = b.entries[key]
        if record.service is not None and b.entry_by_key[key].spans:
            by_place.setdefault((record.ports, record.section), []).append(key)
    pairs: list[tuple[str, str]] = []
    for key in _by_index(a, removed):
        record = a.entries[key]
        if record.service is None or not a.entry_by_key[key].spans:
            continue
        candidates = by_place.get((record.ports, section_map.get(record.section, "")), [])
        if candidates:
            pairs.append((key, candidates.pop(0)))
    # A placeholder that shrank or grew: the same section, overlapping ports.
    free_new: dict[str, list[str]] = {}
    for key in _by_index(b, added):
        if b.entry_by_key[key].service is None:
            free_new.setdefault(b.entries[key].section, []).append(key)
    placeholder_pairs: list[tuple[str, str]] = []
    for key in _by_index(a, removed):
        entry = a.entry_by_key[key]
        if entry.service is not None:
            continue
        candidates = free_new.get(section_map.get(a.entries[key].section, ""), [])
        ports = set(entry.ports)
        match = next((k for k in candidates if not ports.isdisjoint(b.entry_by_key[k].ports)), None)
        if match is not None:
            candidates.remove(match)
            placeholder_pairs.append((key, match))
    mapping.update(pairs)
    return mapping, pairs, placeholder_pairs


def _entries(
    a: _Side,
    b: _Side,
    pairs: list[tuple[str, str]],
    placeholder_pairs: list[tuple[str, str]],
    added: set[str],
    removed: set[str],
    changed: Mapping[str, set[str]],
    section_map: Mapping[str, str],
    renames: Renames,
) -> list[_Pending]:
    """Entry changes: renames and resized placeholders paired, the rest added, removed or changed."""
    paired_old = {old for old, _ in [*pairs, *placeholder_pairs]}
    paired_new = {new for _, new in [*pairs, *placeholder_pairs]}
    pending: list[_Pending] = []
    for old_key, new_key in pairs:
        found = _pair_change(a, b, old_key, new_key, section_map, renames, renamed=True)
        assert found is not None
        pending.append(found)
    for old_key, new_key in [*placeholder_pairs, *((k, k) for k in changed)]:
        found = _pair_change(a, b, old_key, new_key, section_map, renames)
        if found is not None:
            pending.append(found)
    pending.extend(_added(b, key) for key in _by_index(b, added - paired_new))
    pending.extend(_removed(a, b, key, section_map) for key in _by_index(a, removed - paired_old))
    return pending


# --- tables and their columns -----------------------------------------------------------------

# Per pair of tables (old index, new index): old header -> new header of each renamed column.
Renames = Mapping[tuple[int, int], Mapping[str, str]]


def table_map(old: Registry, new: Registry, entries: Mapping[int, int], sections: Mapping[int, int]) -> dict[int, int]:
    """Old table index -> new table index, given the entry and section maps (old -> new index).

    A table belongs to its section, matched by identity (declared range, then the entries it
    holds, then slug): the section's only table is the counterpart's only table; of several,
    the one that holds most of its entries, else the one at its place. A table whose section
    has no counterpart follows most of its entries.
    """
    old_tables: dict[int, list[int]] = {}
    new_tables: dict[int, list[int]] = {}
    for index, table in enumerate(old.tables):
        old_tables.setdefault(table.section, []).append(index)
    for index, table in enumerate(new.tables):
        new_tables.setdefault(table.section, []).append(index)
    votes: dict[int, dict[int, int]] = {}

    def count_votes() -> dict[int, dict[int, int]]:
        """Where each old table's entries went (counted only when needed: most sections have one table)."""
        if not votes:
            for old_index, new_index in entries.items():
                table_votes = votes.setdefault(old.entries[old_index].table, {})
                new_table = new.entries[new_index].table
                table_votes[new_table] = table_votes.get(new_table, 0) + 1
        return votes

    taken: dict[int, int] = {}  # new table -> old table
    orphans: list[int] = []
    for section, tables in old_tables.items():
        counterpart = sections.get(section)
        candidates = new_tables.get(counterpart, []) if counterpart is not None else []
        for position, index in enumerate(tables):
            if len(tables) == 1 and len(candidates) == 1:
                taken.setdefault(candidates[0], index)
                continue
            held = [table for table in _ranked(count_votes().get(index, {})) if table in candidates]
            if held:
                taken.setdefault(held[0], index)
            elif position < len(candidates):
                taken.setdefault(candidates[position], index)
            else:
                orphans.append(index)
    for index in orphans:  # a section without counterpart: its table follows most of its entries
        found = next((table for table in _ranked(count_votes().get(index, {})) if table not in taken), None)
        if found is not None:
            taken[found] = index
    return {old_index: new_index for new_index, old_index in taken.items()}


def _ranked(votes: Mapping[int, int]) -> list[int]:
    return sorted(votes, key=lambda table: -votes[table])


def _role(table: RegistryTable, column: int) -> str:
    """What a column is read as: a port, service, protocol, host or project column, or another one."""
    roles = {
        table.port_column: "port",
        table.service_column: "service",
        table.protocol_column: "protocol",
        table.host_column: "host",
        table.group_column: "group",
    }
    return roles.get(column, "other")


def _agree(rows: Iterable[tuple[Entry, Entry]], old_header: str, new_header: str) -> bool:
    """True when most rows that have text in either column hold the same text in both."""
    considered = same = 0
    for before, after in rows:
        old_text, new_text = before.cells.get(old_header, ""), after.cells.get(new_header, "")
        if old_text or new_text:
            considered += 1
            same += old_text == new_text
    return considered > 0 and 2 * same > considered


def _columns(
    a: _Side, b: _Side, tables: Mapping[int, int], entries: Mapping[int, int]
) -> tuple[tuple[ColumnChange, ...], dict[tuple[int, int], dict[str, str]]]:
    """Column renames in paired tables, and the renamed headers per pair of tables.

    A header that only the old table has is renamed to the header at the same position that
    only the new table has (when both columns are read the same way: a port column stays a
    port column); failing that, to the one such header that holds the same text in most rows
    (and that no other old header matches). Other headers were removed or added.
    """
    old_tables, new_tables = a.registry.tables, b.registry.tables
    candidates: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for old_index, new_index in tables.items():
        before, after = old_tables[old_index].headers, new_tables[new_index].headers
        if before == after:  # nearly always: no need to look at rows
            continue
        gone = [i for i, header in enumerate(before) if header not in after]
        fresh = [j for j, header in enumerate(after) if header not in before]
        if gone and fresh:
            candidates[(old_index, new_index)] = gone, fresh
    if not candidates:
        return (), {}
    rows: dict[tuple[int, int], list[tuple[Entry, Entry]]] = {}
    old_entries, new_entries = a.registry.entries, b.registry.entries
    for old_index, new_index in entries.items():
        before_entry, after_entry = old_entries[old_index], new_entries[new_index]
        pair = (before_entry.table, after_entry.table)
        if pair in candidates:
            rows.setdefault(pair, []).append((before_entry, after_entry))
    changes: list[ColumnChange] = []
    renames: dict[tuple[int, int], dict[str, str]] = {}
    for pair, (gone, fresh) in candidates.items():
        old_table, new_table = old_tables[pair[0]], new_tables[pair[1]]
        found = {i: i for i in gone if i in fresh and _role(old_table, i) == _role(new_table, i)}
        rest_old = [i for i in gone if i not in found and _role(old_table, i) == "other"]
        rest_new = [j for j in fresh if j not in found.values() and _role(new_table, j) == "other"]
        same = [
            (i, j)
            for i in rest_old
            for j in rest_new
            if _agree(rows.get(pair, ()), old_table.headers[i], new_table.headers[j])
        ]
        for i, j in same:
            if sum(1 for x, _ in same if x == i) == 1 and sum(1 for _, y in same if y == j) == 1:
                found[i] = j
        for i, j in sorted(found.items(), key=lambda item: item[1]):
            old_header, new_header = old_table.headers[i], new_table.headers[j]
            renames.setdefault(pair, {})[old_header] = new_header
            changes.append(
                ColumnChange(
                    "renamed",
                    old_header,
                    new_header,
                    j,
                    b.section_ref(new_table.section),
                    a.section_ref(old_table.section),
                    new_table.line,
                    old_table.line,
                    pair[1],
                    pair[0],
                )
            )
    changes.sort(key=lambda change: (change.group.order, change.line, change.position))
    return tuple(changes), renames


def _follow_references(a: _Side, b: _Side, pending: list[_Pending], renames: Renames) -> tuple[EntryChange, ...]:
    """Attach updated cross-references to the rename or move they follow.

    A referrer's cell change ``3030 chat-backend`` -> ``3030 chat-server`` is the rename's
    doing: it is listed with the rename, not as a change of the referrer.
    """
    targets = {
        "service:" + item.change.service.casefold(): position
        for position, item in enumerate(pending)
        if item.change.kind in ("renamed", "moved") and item.change.service is not None
    }
    followed: dict[int, list[FollowedReference]] = {}
    changes: list[EntryChange | None] = []
    for item in pending:
        change = item.change
        if not (targets and change.cells and item.old_key and item.new_key):
            changes.append(change)
            continue
        old_entry, new_entry = a.entry_by_key[item.old_key], b.entry_by_key[item.new_key]
        names = renames.get((old_entry.table, new_entry.table), {})
        old_header = {new: old for old, new in names.items()}  # a cell is named by its new column
        kept: list[CellChange] = []
        for cell in change.cells:
            old_ref = a.references.get((old_entry.index, old_header.get(cell.column, cell.column)))
            new_ref = b.references.get((new_entry.index, cell.column))
            target = targets.get("service:" + new_ref.service.casefold()) if new_ref else None
            if (
                target is not None
                and old_ref is not None
                and new_ref is not None
                and _points_at(old_ref, pending[target].change, old=True)
                and _points_at(new_ref, pending[target].change, old=False)
            ):
                referrer = new_entry.service or f"reserved {new_entry.port_text}"
                followed.setdefault(target, []).append(
                    FollowedReference(
                        referrer, cell.column, cell.old or "", cell.new or "", new_entry.line, new_entry.index
                    )
                )
            else:
                kept.append(cell)
        if len(kept) == len(change.cells):
            changes.append(change)
        elif kept or not item.only_cells:
            changes.append(replace(change, cells=tuple(kept)))
        else:
            changes.append(None)  # only followed references changed in this row
    for position, references in followed.items():
        target_change = changes[position]
        if target_change is not None:
            changes[position] = replace(target_change, references=tuple(references))
    return tuple(_sorted(change for change in changes if change is not None))


def _points_at(ref: Reference, change: EntryChange, *, old: bool) -> bool:
    name = change.old_service if old else change.service
    ports = change.old_ports if old else change.ports
    return name is not None and ref.service.casefold() == name.casefold() and ref.port in ports


def _sorted(changes: Iterable[EntryChange]) -> list[EntryChange]:
    kinds = {kind: rank for rank, kind in enumerate(ENTRY_KINDS)}

    def key(change: EntryChange) -> tuple[tuple[bool, int], int, int]:
        order = change.group.order if change.group else (False, 0)
        line = change.line if change.line is not None else change.old_line or 0
        return order, line, kinds[change.kind]

    return sorted(changes, key=key)


# --- findings ---------------------------------------------------------------------------------


def _subjects(side: _Side, entry_map: Mapping[str, str], section_map: Mapping[str, str]) -> dict[int, str]:
    """What each line of a side is about, in the new side's terms (so a rename is not a new finding)."""
    subjects: dict[int, str] = {}
    for index, section in enumerate(side.registry.sections):
        subjects[section.line] = "section:" + section_map.get(side.section_keys[index], side.section_keys[index])
    for number, table in enumerate(side.registry.tables):
        key = side.section_keys[table.section]
        subjects[table.line] = f"table:{section_map.get(key, key)}:{number}"
    for index, entry in enumerate(side.registry.entries):
        key = side.entry_keys[index]
        subjects[entry.line] = "entry:" + entry_map.get(key, key)
    return subjects


def _identity(finding: Finding, subjects: Mapping[int, str]) -> tuple[str, str, tuple[int, ...]]:
    return finding.rule.id, subjects.get(finding.line, ""), finding.ports


def _findings(
    a: _Side,
    b: _Side,
    config: Config | None,
    old_name: str,
    new_name: str,
    entry_map: Mapping[str, str],
    section_map: Mapping[str, str],
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings in ``new`` but not ``old`` (introduced) and the other way round (resolved)."""
    before = validate(a.registry, config, old_name).findings
    after = validate(b.registry, config, new_name).findings
    old_subjects = _subjects(a, entry_map, section_map)
    new_subjects = _subjects(b, {}, {})
    old_ids = Counter(_identity(f, old_subjects) for f in before)
    new_ids = Counter(_identity(f, new_subjects) for f in after)
    introduced = _unmatched(after, new_subjects, old_ids)
    resolved = _unmatched(before, old_subjects, new_ids)
    return introduced, resolved


def _unmatched(
    findings: Iterable[Finding], subjects: Mapping[int, str], other: Counter[tuple[str, str, tuple[int, ...]]]
) -> tuple[Finding, ...]:
    remaining = Counter(other)
    out: list[Finding] = []
    for finding in findings:
        identity = _identity(finding, subjects)
        if remaining[identity] > 0:
            remaining[identity] -= 1
        else:
            out.append(finding)
    return tuple(out)


def describe_ports(ports: tuple[int, ...], text: str) -> str:
    """Ports for people: ``3017-3019``, or the cell text when it could not be read."""
    return format_ports(ports) if ports else text

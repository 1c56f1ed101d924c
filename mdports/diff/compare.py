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

The records compared are in :mod:`mdports.diff.snapshot`, the pairing of sections, entries,
tables and columns in :mod:`mdports.diff.pairing`, the change records in :mod:`mdports.diff`.

>>> from mdports.syntax.document import parse
>>> from mdports.model.reading import build
>>> old = build(parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n"))
>>> new = build(parse("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | login |\n"))
>>> [(c.kind, c.old_service, c.service) for c in compare(old, new).entries]
[('renamed', 'auth', 'login')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from ..files.config import Config
from ..model.lookup import Registry
from ..model.names import fold_name, same_spelling
from ..model.registry import Reference
from ..readonly import readonly
from . import ENTRY_KINDS, CellChange, EntryChange, EntryKind, FollowedReference, SemanticDiff
from .pairing import Renames, by_index, column_renames, match_sections, pair_entries, running_changes, table_map
from .snapshot import Side, compare_findings, deep_compare, side_of


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
    return _compare(side_of(old, "old"), new, config, old_name, new_name, findings, running=True)


def compare_both(old: Registry, ours: Registry, theirs: Registry) -> tuple[SemanticDiff, SemanticDiff]:
    """``old`` -> ``ours`` and ``old`` -> ``theirs`` without findings, ``old`` reduced once (for merge)."""
    a = side_of(old, "old")
    return _compare(a, ours, None, None, None, False), _compare(a, theirs, None, None, None, False)


def _compare(
    a: Side,
    new: Registry,
    config: Config | None,
    old_name: str | None,
    new_name: str | None,
    findings: bool,
    *,
    running: bool = False,
) -> SemanticDiff:
    """The diff of ``a`` and ``new``; with ``running``, the changes to list items of the running layer too.

    The merge driver asks without them: it replays table rows only.
    """
    old_name = old_name or a.registry.path or "<old>"
    new_name = new_name or new.path or "<new>"
    b = side_of(new, "new")
    # Only entries whose sources differ can have different records: deepdiff sees just those.
    theirs = b.sources
    old_keys = [k for k in a.entry_keys if theirs.get(k) != a.sources[k]]
    new_keys = [k for k in b.entry_keys if a.sources.get(k) != theirs[k]]
    added, removed, changed = deep_compare(
        {"entries": {k: a.entries[k] for k in old_keys}}, {"entries": {k: b.entries[k] for k in new_keys}}
    )
    section_changes, section_map = match_sections(a, b)
    entry_map, pairs, resized = pair_entries(a, b, added["entries"], removed["entries"], section_map)
    entries = {a.entry_by_key[old].index: b.entry_by_key[new].index for old, new in [*entry_map.items(), *resized]}
    sections = {a.section_by_key[old].index: b.section_by_key[new].index for old, new in section_map.items()}
    tables = table_map(a.registry, new, entries, sections)
    columns, renames = column_renames(a, b, tables, entries)
    pending = _entries(
        a, b, pairs, resized, added["entries"], removed["entries"], changed["entries"], section_map, renames
    )
    entry_changes = _follow_references(a, b, pending, renames)
    if running:
        entry_changes += running_changes(a, b, section_map)
    introduced, resolved = (
        compare_findings(a, b, config, old_name, new_name, entry_map, section_map) if findings else ((), ())
    )
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


def _cells(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[CellChange, ...]:
    columns = list(before) + [column for column in after if column not in before]
    return tuple(
        CellChange(column, before.get(column), after.get(column))
        for column in columns
        if before.get(column) != after.get(column)
    )


@readonly
class _Pending:
    """A change while it is being classified: the identity keys it came from."""

    change: EntryChange
    old_key: str | None
    new_key: str | None
    only_cells: bool = False  # nothing but cells changed (so followed references may absorb it)


def _pair_change(
    a: Side,
    b: Side,
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
    elif assigned and (renamed or not same_spelling(before.service or "", after.service or "")):
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


def _added(b: Side, key: str) -> _Pending:
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


def _removed(a: Side, b: Side, key: str, section_map: Mapping[str, str]) -> _Pending:
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


def _entries(
    a: Side,
    b: Side,
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
    pending.extend(_added(b, key) for key in by_index(b, added - paired_new))
    pending.extend(_removed(a, b, key, section_map) for key in by_index(a, removed - paired_old))
    return pending


def _follow_references(a: Side, b: Side, pending: list[_Pending], renames: Renames) -> tuple[EntryChange, ...]:
    """Attach updated cross-references to the rename or move they follow.

    A referrer's cell change ``3030 chat-backend`` -> ``3030 chat-server`` is the rename's
    doing: it is listed with the rename, not as a change of the referrer.
    """
    targets = {
        "service:" + fold_name(item.change.service): position
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
            target = targets.get("service:" + fold_name(new_ref.service)) if new_ref else None
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
    return name is not None and fold_name(ref.service) == fold_name(name) and ref.port in ports


def _sorted(changes: Iterable[EntryChange]) -> list[EntryChange]:
    kinds = {kind: rank for rank, kind in enumerate(ENTRY_KINDS)}

    def key(change: EntryChange) -> tuple[tuple[bool, int], int, int]:
        order = change.group.order if change.group else (False, 0)
        line = change.line if change.line is not None else change.old_line or 0
        return order, line, kinds[change.kind]

    return sorted(changes, key=key)

"""Three-way merge of port schemas by meaning, for use as a git merge driver.

The merge runs in two layers. Prose — everything but registry tables — is merged as text,
like ``git merge-file`` does (it is what runs it), with each registry table standing in as one
opaque line whose name is the table's identity (the same table in all three versions, found by
the semantic diff: its section's declared range, then the entries it holds, then its place in
its section), so a heading renamed on one side merges with row edits on the other.

Registry rows are merged by meaning. What *theirs* did to the registry since *base* is exactly
what :func:`mdports.diff.compare.compare` reports (the same comparison ``mdports diff`` shows);
each of those changes is replayed onto *our* rows, matched to ours by the identity the same
comparison of *base* and *ours* gives. Replay is faithful: their row is written as they wrote it
(ports, cells, place after the row it follows), in our table's style, even where our rules
would warn; the findings it brings are reported after the merge. A row both sides changed is
merged cell by cell. A column they renamed is renamed in our matching table (its header cell
only), and cells are matched by column across the three versions, whatever each side calls it.
All replayed rows go into our document as one batch, verified once.

The invariant: every change of either side is in the result, or between conflict markers, or
named as not applied (and the merge is not clean). Both sides changing one cell differently,
claiming one port or one name for different things, renaming one column differently, or one
side removing an entry (or a column) the other changed, are conflicts; ``renumber`` gives their
new entry the next free port of its range instead of a port clash.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import edits
from ..check.findings import Finding
from ..errors import UsageError
from ..model.registry import Entry, Reference, Registry, build
from ..syntax.document import Document, Table, parse, shared_rows
from .compare import compare_both
from .model import EntryChange

# A private-use character marks the token lines: it never occurs in a real schema, and
# unlike NUL it keeps git merge-file treating the text as text.
_TOKEN = "\ue000mdports-table {}\ue000\n"
_TOKEN_LINE = re.compile("\ue000mdports-table ([^\ue000\n]*)\ue000\n")

Identity = tuple[str, int]  # ("ours", our entry index) or ("theirs", their entry index)


@dataclass(frozen=True)
class Conflict:
    """A change of theirs that could not be combined with ours (between markers, or only named)."""

    message: str


@dataclass(frozen=True)
class Labels:
    """What the conflict markers say (git's branch names) and how long they are (git's ``%L``)."""

    ours: str = "ours"
    base: str = "base"
    theirs: str = "theirs"
    size: int = 7

    def marker(self, char: str, label: str | None, eol: str) -> str:
        return char * self.size + (f" {label}" if label else "") + eol


@dataclass(frozen=True)
class MergeResult:
    """The merged text, the changes of theirs replayed, conflicts left, and findings their rows bring."""

    text: str
    merged: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    prose_conflicts: int = 0
    findings: tuple[Finding, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.prose_conflicts


# --- rows -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Slot:
    """A place in one of our tables: a row (or none, once removed) and the rows put after it."""

    table: int  # index in our registry's tables
    position: int  # index of the original row slot it hangs off (-1: the top of the table)
    item: edits._Item | None
    entry: int | None = None  # our entry whose original row this is
    port: int | None = None
    ours_only: bool = False  # a row only our side has: their positions do not know it
    after: list[_Slot] = field(default_factory=list)
    conflict: bool = False
    theirs: tuple[str, ...] | None = None  # their side between the markers (None: empty)


class _Table:
    """One of our registry tables while their changes are replayed into it."""

    def __init__(self, index: int, plan: edits._TablePlan, entries: Sequence[Entry], ours_only: set[int]) -> None:
        self.index = index
        self.plan = plan
        self.info = plan.info
        self.head = _Slot(index, -1, None)
        self.slots = [_Slot(index, position, item) for position, item in enumerate(plan.items[2:])]
        for entry in entries:
            slot = self.slots[entry.row - 2]
            slot.entry, slot.port, slot.ours_only = entry.index, entry.first_port, entry.index in ours_only

    def flatten(self) -> list[tuple[_Slot, bool]]:
        """Every slot in order (its row, then the rows put after it); iterative, chains can be long."""
        out: list[tuple[_Slot, bool]] = []
        stack = [*reversed(self.slots), self.head]
        while stack:
            slot = stack.pop()
            out.append((slot, slot.item is not None))
            stack.extend(reversed(slot.after))
        return out


def _describe(change: EntryChange) -> str:
    """One replayed change, for people: ``rename auth -> login``, ``set db Description``..."""
    name = change.name
    if change.kind == "added":
        return f"add {name} on {change.port_text}" if change.service else f"reserve {change.port_text}"
    if change.kind == "removed":
        return f"remove {name}" if change.old_service else f"drop placeholder {change.old_port_text}"
    if change.kind == "renamed":
        return f"rename {change.old_service} -> {change.service}"
    if change.kind == "moved":
        return f"move {name} -> {change.port_text}"
    if change.service is None:
        return f"placeholder {change.old_port_text} -> {change.port_text}"
    return f"set {name} {', '.join(cell.column for cell in change.cells)}".rstrip()


class _Replay:
    """Their registry changes replayed onto our document as one batch of row edits."""

    def __init__(self, base: Registry, ours: Registry, theirs: Registry, renumber: bool) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.renumber = renumber
        ours_diff, self.diff = compare_both(base, ours, theirs)
        self.ours_of = ours_diff.entry_map
        self.base_of_theirs = {new: old for old, new in self.diff.entry_map.items()}
        self.ours_only = set(range(len(ours.entries))) - set(self.ours_of.values())
        self.our_tables = ours_diff.table_map  # base table -> our table
        self.their_tables = self.diff.table_map  # base table -> their table
        self.base_table_of_theirs = {new: old for old, new in self.their_tables.items()}
        # A column each side renamed: our header -> the base's, per our table; the base's -> theirs, per theirs.
        self.base_names: dict[int, dict[str, str]] = {}
        for column in ours_diff.columns:
            self.base_names.setdefault(column.table, {})[column.new] = column.old
        self.their_names: dict[int, dict[str, str]] = {}
        for column in self.diff.columns:
            self.their_names.setdefault(column.table, {})[column.old] = column.new
        self.renamed: dict[int, dict[str, str]] = {}  # our table -> the headers their renames changed
        self.their_refs: dict[int, list[Reference]] = {}
        for ref in theirs.references:
            self.their_refs.setdefault(ref.entry, []).append(ref)
        self.builder = edits._Builder(ours.document, ours)
        self.tables: dict[int, _Table] = {}
        self.placed: dict[int, _Slot] = {}  # their entry -> the slot their row went to
        self.moved: dict[int, _Slot] = {}  # our entry -> the slot its row moved to (their move)
        self.done: set[int] = set()  # their entries replayed
        self.merged: list[str] = []
        self.conflicts: list[Conflict] = []
        self.renumbered: dict[str, tuple[int, int]] = {}
        self.holders: dict[int, dict[Identity, tuple[str, tuple[str, ...]]]] = {}
        self.names: dict[str, Identity] = {}
        self.first_entry: dict[int, int] = {}  # our table -> its first entry (a table's entries are its rows)
        for entry in ours.entries:
            self.first_entry.setdefault(entry.table, entry.index)
            if entry.service is not None:
                self._claim(("ours", entry.index), entry.service, entry.ports, entry.protocols)

    # -- state ---------------------------------------------------------------------------------

    def _claim(self, identity: Identity, service: str, ports: Sequence[int], protocols: tuple[str, ...]) -> None:
        for port in ports:
            self.holders.setdefault(port, {})[identity] = (service, protocols)
        self.names.setdefault(service.casefold(), identity)

    def _release(self, identity: Identity, service: str | None, ports: Sequence[int]) -> None:
        for port in ports:
            self.holders.get(port, {}).pop(identity, None)
        if service is not None and self.names.get(service.casefold()) == identity:
            del self.names[service.casefold()]

    def _holder(
        self, ports: Sequence[int], protocols: Sequence[str], skip: Identity | None = None
    ) -> tuple[str, Identity] | None:
        """The service (and who it is) that already has one of ``ports`` for one of ``protocols``, if any."""
        for port in ports:
            for identity, (service, theirs) in self.holders.get(port, {}).items():
                if identity != skip and set(theirs) & set(protocols):
                    return service, identity
        return None

    def _table(self, index: int) -> _Table:
        if index not in self.tables:
            plan = self.builder.plan(index)
            first = self.first_entry.get(index, 0)
            entries = self.ours.entries[first : first + len(plan.items) - 2] if index in self.first_entry else ()
            self.tables[index] = _Table(index, plan, entries, self.ours_only)
        return self.tables[index]

    def _slot(self, identity: Identity) -> _Slot:
        if identity[0] == "theirs":
            return self.placed[identity[1]]
        if identity[1] in self.moved:
            return self.moved[identity[1]]
        entry = self.ours.entries[identity[1]]
        return self._table(entry.table).slots[entry.row - 2]

    def _target(self, their: Entry) -> _Table | None:
        """Our table for their row's table (None: a table we do not have)."""
        base_table = self.base_table_of_theirs.get(their.table)
        ours = self.our_tables.get(base_table) if base_table is not None else None
        if ours is None or self.ours.tables[ours].service_column is None:
            return None
        return self._table(ours)

    def _texts(self, slot: _Slot, width: int) -> list[str]:
        assert slot.item is not None
        texts = list(slot.item.row.texts[:width])
        return texts + [""] * (width - len(texts))

    def _their_texts(self, table: _Table, their: Entry) -> list[str]:
        info = table.info
        roles = {info.port_column, info.service_column, info.protocol_column}
        return [
            _renumber(self._their_cell(their, table.index, header), self.renumbered)
            if column not in roles
            else self._their_cell(their, table.index, header)
            for column, header in enumerate(info.headers)
        ]

    # -- columns: each side may call one column differently ------------------------------------

    def _in_base(self, table: int, header: str) -> str:
        """What the base calls the column ``header`` of our table ``table``."""
        return self.base_names.get(table, {}).get(header, header)

    def _in_theirs(self, their_table: int, base_header: str) -> str:
        return self.their_names.get(their_table, {}).get(base_header, base_header)

    def _their_cell(self, their: Entry, table: int, header: str, default: str = "") -> str:
        """Their cell in the column that our table ``table`` calls ``header``."""
        return their.cells.get(self._in_theirs(their.table, self._in_base(table, header)), default)

    def _base_cell(self, base: Entry, table: int, header: str) -> str:
        return base.cells.get(self._in_base(table, header), "")

    def _only_theirs(self, their: Entry, table: _Table, base: Entry | None) -> list[str]:
        """Their columns that our table lacks, where their row has text of its own (not the base's)."""
        known = {self._in_theirs(their.table, self._in_base(table.index, h)) for h in table.info.headers}
        back = {new: old for old, new in self.their_names.get(their.table, {}).items()}
        return [
            header
            for header, text in their.cells.items()
            if header not in known and text and (base is None or text != base.cells.get(back.get(header, header), ""))
        ]

    def _our_column(self, table: _Table, their_table: int, their_header: str) -> int | None:
        """The index of our column that their table calls ``their_header`` (None: we lack it)."""
        for column, header in enumerate(table.info.headers):
            if self._in_theirs(their_table, self._in_base(table.index, header)) == their_header:
                return column
        return None

    # -- writing rows --------------------------------------------------------------------------

    def _write(self, slot: _Slot, texts: Sequence[str], service: str | None, ports: Sequence[int]) -> None:
        """Rewrite the row of ``slot`` in place (its trivia and untouched cells kept)."""
        table = self.tables[slot.table]
        assert slot.item is not None
        key = edits.row_key(self.ours, slot.table, texts, service, ports)
        texts = list(texts)
        while len(texts) > len(slot.item.row.cells) and not texts[-1]:
            texts.pop()  # the row had fewer cells: empty ones are not written in
        origin = slot.item.origin
        slot.item = table.plan.new(texts, key, origin=origin, like=slot.item.row)
        if slot.entry is not None:
            self.builder.replaced.add(slot.entry)
        slot.port = min(ports) if ports else None

    def _delete(self, slot: _Slot) -> None:
        slot.item = None
        if slot.entry is not None:
            self.builder.replaced.add(slot.entry)

    def _anchor(self, table: _Table, their: Entry, port: int | None) -> _Slot:
        """The slot their row goes after: the nearest row above it in their table that we have."""
        for row in range(their.row - 1, 1, -1):
            index = their.index - (their.row - row)  # a table's entries are its rows, in order
            placed = self.placed.get(index)
            if placed is not None and placed.table == table.index:
                anchor = placed
                break
            base = self.base_of_theirs.get(index)
            ours = self.ours_of.get(base) if base is not None else None
            if ours is not None and self.ours.entries[ours].table == table.index:
                anchor = table.slots[self.ours.entries[ours].row - 2]
                break
        else:
            anchor = table.head
        # Rows only we added are unknown to their side: keep port order among them.
        position = anchor.position
        while (
            port is not None
            and position + 1 < len(table.slots)
            and table.slots[position + 1].ours_only
            and (table.slots[position + 1].port or port) < port
        ):
            position += 1
            anchor = table.slots[position]
        return anchor

    def _insert(
        self, table: _Table, their: Entry, texts: Sequence[str], service: str | None, ports: Sequence[int]
    ) -> _Slot:
        key = edits.row_key(self.ours, table.index, texts, service, ports)
        anchor = self._anchor(table, their, min(ports) if ports else None)
        slot = _Slot(table.index, anchor.position, table.plan.new(texts, key), port=min(ports) if ports else None)
        anchor.after.append(slot)
        self.placed[their.index] = slot
        return slot

    def _conflict(self, message: str, slot: _Slot | None = None, theirs: Sequence[str] | None = None) -> None:
        """A conflict: named always, and between markers at ``slot`` (our row vs ``theirs``) when given."""
        self.conflicts.append(Conflict(message))
        if slot is not None and not slot.conflict:
            slot.conflict = True
            slot.theirs = tuple(theirs) if theirs is not None else None

    # -- the replay ----------------------------------------------------------------------------

    def run(self) -> None:
        """Removals first, then changes, then additions (a port or name they freed may be taken again)."""
        self._rename_columns()
        changes = self.diff.entries
        for change in changes:
            if change.kind == "removed" and change.old_index is not None:
                self._remove(change.old_index, _describe(change))
        for change in changes:
            if change.kind in ("added", "removed") or change.old_index is None or change.index is None:
                continue
            self._modify(change.old_index, change.index, _describe(change))
            for reference in change.references:  # the cells that followed a rename or a move
                base = self.base_of_theirs.get(reference.entry) if reference.entry is not None else None
                if base is not None and reference.entry is not None:
                    self._modify(base, reference.entry, f"update {reference.referrer} {reference.column}")
        for change in changes:  # in their document's order, so a row can follow one added just before
            if change.kind == "added" and change.index is not None:
                self._add(change.index, _describe(change))
        self._follow_in_our_rows()

    def _rename_columns(self) -> None:
        """Their column renames, each in our table for the same base table: its header cell only.

        A table without a service column is merged as a whole text instead (see ``_text_merge``).
        """
        for change in self.diff.columns:
            what = f"they renamed column {change.old!r} to {change.new!r}"
            ours = self.our_tables.get(change.old_table)
            if ours is None:
                self._conflict(f"{what} in a table we removed")
                continue
            if self.ours.tables[ours].service_column is None:
                continue
            table = self._table(ours)
            headers = table.info.headers
            mine = next((our for our, base in self.base_names.get(ours, {}).items() if base == change.old), None)
            if mine == change.new:
                continue  # we renamed it alike
            if mine is not None:
                self._conflict(f"{what}, we renamed it to {mine!r}")
                continue
            if change.old not in headers:
                self._conflict(f"{what}, a column our table (line {table.info.line}) does not have")
                continue
            if change.new in headers:
                self._conflict(f"{what}, but our table (line {table.info.line}) has a {change.new!r} column")
                continue
            header = table.plan.items[0]
            texts = list(header.row.texts)
            texts[headers.index(change.old)] = change.new
            table.plan.items[0] = table.plan.new(texts, None, origin=header.origin, like=header.row)
            self.renamed.setdefault(ours, {})[change.old] = change.new
            self.merged.append(f"rename column {change.old} -> {change.new}")

    def _follow_in_our_rows(self) -> None:
        """A reference in a row only we wrote follows their rename or move of what it points at."""
        ours_refs: dict[str, list[Reference]] = {}
        for ref in self.ours.references:
            if ref.entry in self.ours_only:
                ours_refs.setdefault(ref.service.casefold(), []).append(ref)
        if not ours_refs:
            return
        for change in self.diff.entries:
            if change.kind not in ("renamed", "moved") or change.old_service is None or change.service is None:
                continue
            for ref in ours_refs.get(change.old_service.casefold(), ()):
                if ref.port not in change.old_ports:
                    continue
                slot = self._slot(("ours", ref.entry))
                entry = self.ours.entries[ref.entry]
                table = self.tables.get(slot.table) or self._table(slot.table)
                if slot.item is None:
                    continue
                texts = self._texts(slot, len(table.info.headers))
                column = table.info.headers.index(ref.header)
                texts[column] = _followed(texts[column], change.old_service, change.service, ref.port, change.ports)
                self._write(slot, texts, entry.service, entry.ports)
                self.merged.append(f"update {entry.service} {ref.header} ({_describe(change)})")

    def _follow_in_their_row(self, their: Entry, table: _Table, texts: list[str]) -> None:
        """A reference in a row they added follows our rename or move of what it points at."""
        for ref in self.their_refs.get(their.index, ()):
            base = self.base.by_name.get(ref.service.casefold())
            found = self.ours_of.get(base[0].index) if base else None
            column = self._our_column(table, their.table, ref.header)
            if not base or found is None or column is None:
                continue
            ours, old = self.ours.entries[found], base[0]
            if ours.service is None or old.service is None or ref.port not in old.ports:
                continue
            if ours.service != old.service or ours.ports != old.ports:
                texts[column] = _followed(texts[column], old.service, ours.service, ref.port, ours.ports)

    def _changed_by_us(self, base: Entry, ours: Entry) -> bool:
        cells = {self._in_base(ours.table, header): text for header, text in ours.cells.items()}
        return dict(base.cells) != cells or self.our_tables.get(base.table) != ours.table

    def _remove(self, index: int, describe: str) -> None:
        base = self.base.entries[index]
        found = self.ours_of.get(index)
        if found is None:
            return  # removed on both sides
        ours = self.ours.entries[found]
        slot = self._table(ours.table).slots[ours.row - 2]
        if base.service is None:  # a placeholder they used up; ports we freed into it stay free
            extra = sorted(set(ours.ports) - set(base.ports))
            if extra:
                texts = self._texts(slot, len(self.tables[ours.table].info.headers))
                texts[self.tables[ours.table].info.port_column] = edits._port_text(ours.port_text, extra)
                self._write(slot, texts, None, extra)
            else:
                self._delete(slot)
            self.merged.append(describe)
            return
        if self._changed_by_us(base, ours):
            self._conflict(f"they removed {base.service}, but we changed it", slot)
            return
        self._delete(slot)
        self._release(("ours", ours.index), ours.service, ours.ports)
        self.merged.append(describe)

    def _modify(self, index: int, their_index: int, describe: str) -> None:
        if their_index in self.done:
            return
        self.done.add(their_index)
        base, their = self.base.entries[index], self.theirs.entries[their_index]
        target = self._target(their)
        found = self.ours_of.get(index)
        if found is None:
            if base.service is not None:
                theirs = self._their_texts(target, their) if target is not None else None
                marker = None
                if target is not None and theirs is not None:
                    anchor = self._anchor(target, their, their.first_port)
                    marker = _Slot(target.index, anchor.position, None)
                    anchor.after.append(marker)
                self._conflict(
                    f"they changed {base.service}, but we removed it (line {their.line} of their version)",
                    marker,
                    theirs,
                )
            return
        ours = self.ours.entries[found]
        table = self._table(ours.table)
        slot = table.slots[ours.row - 2]
        info = table.info
        mine = self._texts(slot, len(info.headers))
        texts = list(mine)
        clashes: list[str] = []
        placeholder_ports: list[int] | None = None
        for column, header in enumerate(info.headers):
            old = self._base_cell(base, table.index, header)
            new = self._their_cell(their, table.index, header, old)
            if column not in (info.port_column, info.service_column, info.protocol_column):
                new = _renumber(new, self.renumbered)
            if new in (old, mine[column]):
                continue
            if column == info.port_column and ours.service is None and their.service is None and ours.spans:
                # Both sides may take ports from one placeholder: keep what is free on both.
                kept = set(base.ports) & set(ours.ports) & set(their.ports)
                merged = kept | (set(ours.ports) - set(base.ports)) | (set(their.ports) - set(base.ports))
                placeholder_ports = sorted(merged)
                texts[column] = edits._port_text(ours.port_text, merged) if merged else ""
                continue
            if mine[column] != old:
                clashes.append(header)
                continue
            texts[column] = new
        lost = self._only_theirs(their, table, base)
        name = ours.service or their.service or f"placeholder {ours.port_text}"
        if clashes:
            values = "; ".join(
                f"{h} changed on both sides "
                f"({mine[info.headers.index(h)]!r} / {self._their_cell(their, table.index, h)!r})"
                for h in clashes
            )
            self._conflict(f"{name}: {values}", slot, self._their_texts(table, their))
            return
        if lost:
            self._conflict(f"they changed {', '.join(lost)} of {name}, a column our table does not have")
        if placeholder_ports is not None and not placeholder_ports:
            self._delete(slot)
            self.merged.append(describe)
            return
        port_theirs = texts[info.port_column] != mine[info.port_column]
        service = their.service if texts[info.service_column or 0] != mine[info.service_column or 0] else ours.service
        ports: Sequence[int] = ours.ports
        if placeholder_ports is not None:
            ports = placeholder_ports
        elif port_theirs:
            ports = their.ports
        identity: Identity = ("ours", ours.index)
        if service is not None:
            if port_theirs:
                holder = self._holder(ports, their.protocols, skip=identity)
                if holder is not None:  # markers around the row that has the port, their row facing it
                    other = self._slot(holder[1])
                    self._conflict(
                        f"port {their.port_text}: we gave it to {holder[0]}, they moved {their.service} there",
                        other,
                        self._their_texts(self._table(other.table), their),
                    )
                    return
            known = self.names.get(service.casefold())
            if known is not None and known != identity:
                self._conflict(
                    f"they renamed {base.service} to {service}, but we already have a {service}",
                    slot,
                    self._their_texts(table, their),
                )
                return
        moved_by_us = self.our_tables.get(base.table) != ours.table
        moved_by_them = self.their_tables.get(base.table) != their.table
        if moved_by_them and target is None:
            self._conflict(f"they moved {name} to {self.theirs.sections[their.section].heading!r}, a table we lack")
            return
        if moved_by_them and moved_by_us and target is not table:
            self._conflict(f"{name}: we moved it to another section, they moved it to another one")
            return
        if texts == mine and not moved_by_them:
            return  # we made the same change
        self._release(identity, ours.service, ours.ports)
        if service is not None:
            self._claim(identity, service, ports, their.protocols if port_theirs else ours.protocols)
        destination = target if moved_by_them and target is not None else table
        if destination is not table or (port_theirs and placeholder_ports is None):
            # A move: their row goes where they put it, after the row it follows in their table,
            # its cells laid out by the headers of that table.
            if destination is not table:
                cells = dict(zip(info.headers, texts, strict=True))
                dropped = [
                    h
                    for h, t in cells.items()
                    if t and h not in destination.info.headers and t != self._base_cell(base, table.index, h)
                ]
                if dropped:
                    self._conflict(
                        f"we changed {', '.join(dropped)} of {name}, a column the table they moved it to lacks"
                    )
                texts = [cells.get(h, self._their_cell(their, destination.index, h)) for h in destination.info.headers]
            self._delete(slot)
            self.moved[ours.index] = self._insert(destination, their, texts, service, ports)
        else:
            self._write(slot, texts, service, ports)
        self.merged.append(describe)

    def _add(self, their_index: int, describe: str) -> None:
        their = self.theirs.entries[their_index]
        target = self._target(their)
        if target is None:
            if self.base_table_of_theirs.get(their.table) is not None:
                self._conflict(f"they added {their.label} to a table we removed")
            return  # a table only they have arrives whole, with the prose
        texts = self._their_texts(target, their)
        self._follow_in_their_row(their, target, texts)
        lost = self._only_theirs(their, target, None)
        if lost:
            self._conflict(f"they set {', '.join(lost)} of {their.label}, a column our table does not have")
        if their.service is None:
            self._insert(target, their, texts, None, their.ports)
            self.merged.append(describe)
            return
        known = self.names.get(their.service.casefold())
        if known is not None:
            slot = self._slot(known)
            info = target.info
            if slot.item is not None and self._texts(slot, len(info.headers)) == texts:
                return  # both sides added it
            ours_ports = slot.item.row.texts[info.port_column] if slot.item is not None else "?"
            self._conflict(
                f"both sides added {their.service}: we on {ours_ports}, they on {their.port_text}", slot, texts
            )
            return
        ports: Sequence[int] = their.ports
        holder = self._holder(ports, their.protocols)
        if holder is not None:
            free = self._free(target, their) if self.renumber and len(ports) == 1 else None
            if free is None:
                other = self._slot(holder[1])
                shown = texts if other.table == target.index else self._their_texts(self._table(other.table), their)
                self._conflict(
                    f"port {their.port_text}: we gave it to {holder[0]}, they gave it to {their.service}", other, shown
                )
                return
            self.renumbered[their.service] = (ports[0], free)
            texts[target.info.port_column] = edits._port_text(their.port_text, [free])
            ports = [free]
            self._consume(target, free)
            describe = f"add {their.service} on {free} (renumbered from {their.port_text}, which {holder[0]} has)"
        self._insert(target, their, texts, their.service, ports)
        self._claim(("theirs", their.index), their.service, ports, their.protocols)
        self.merged.append(describe)

    def _free(self, table: _Table, their: Entry) -> int | None:
        """The lowest port of our table's range that no service holds (for ``renumber``)."""
        section = self.ours.sections[table.info.section]
        if section.range is None:
            return None
        return next((port for port in section.range if self._holder([port], their.protocols) is None), None)

    def _consume(self, table: _Table, port: int) -> None:
        """Take ``port`` out of the placeholder of ``table`` that holds it (a renumbered row goes there)."""
        info = table.info
        for slot, has_row in table.flatten():
            if not has_row or slot.item is None or not slot.item.placeholder or port not in slot.item.ports:
                continue
            rest = sorted(slot.item.ports - {port})
            if not rest:
                self._delete(slot)
                return
            texts = self._texts(slot, len(info.headers))
            texts[info.port_column] = edits._port_text(texts[info.port_column], rest)
            self._write(slot, texts, None, rest)
            return

    # -- the batch -----------------------------------------------------------------------------

    def _rename_keys(self, table: _Table, names: Mapping[str, str]) -> None:
        """Every row of a table whose header we renamed reads back under the new column names."""
        for slot, has_row in table.flatten():
            if not has_row or slot.item is None:
                continue
            if slot.item.key is None:  # a row left as it was: its entry, under the new names
                if slot.entry is None:
                    continue
                slot.item.key = edits.entry_key(self.ours, self.ours.entries[slot.entry])
                self.builder.replaced.add(slot.entry)
            slot.item.key = _renamed_key(slot.item.key, names)

    def finish(self) -> tuple[edits.Edit, dict[int, list[tuple[int, _Slot]]]]:
        """One edit with every replayed row, and where the conflict markers go in each table."""
        marks: dict[int, list[tuple[int, _Slot]]] = {}
        for index, names in self.renamed.items():
            self._rename_keys(self.tables[index], names)
        for table in self.tables.values():
            items = table.plan.items[:2]
            for slot, has_row in table.flatten():
                if slot.conflict:
                    marks.setdefault(table.plan.block, []).append((len(items), slot))
                if has_row and slot.item is not None:
                    items.append(slot.item)
            table.plan.items = items
        return self.builder.finish(()), marks


def _renamed_key(key: edits.EntryKey, names: Mapping[str, str]) -> edits.EntryKey:
    section, service, ports, headers, texts = key
    return section, service, ports, tuple(names.get(header, header) for header in headers), texts


def _followed(text: str, old: str, new: str, port: int, ports: Sequence[int]) -> str:
    """A reference cell ``3030 chat-backend`` pointing at ``new`` on ``ports`` instead."""
    text = edits._replace_name(text, old, new) if old != new else text
    return text.replace(str(port), str(ports[0]), 1) if ports and port not in ports else text


def _renumber(text: str, renumbered: Mapping[str, tuple[int, int]]) -> str:
    """A reference to an entry we renumbered follows it (``3017 mail-worker`` -> ``3018 ...``)."""
    for name, (old, new) in renumbered.items():
        text = re.sub(rf"\b{old}(\s+){re.escape(name)}\b", rf"{new}\g<1>{name}", text)
    return text


def _marked(table: Table, style_of: Table, marks: Sequence[tuple[int, _Slot]], labels: Labels) -> str:
    """The table's text with conflict markers around the rows in conflict (their row in our style)."""
    from ..syntax.table_style import TableStyle

    style = TableStyle.of(style_of)
    eol = style.eol or "\n"
    by_index: dict[int, list[_Slot]] = {}
    for index, slot in marks:
        by_index.setdefault(index, []).append(slot)
    lines = [row.render() for row in table.rows]
    out: list[str] = []
    for index in range(len(lines) + 1):
        line = lines[index] if index < len(lines) else None
        for slot in by_index.get(index, ()):
            theirs = style.row(slot.theirs, eol).render() if slot.theirs is not None else ""
            ours = ""
            if slot.item is not None and line is not None:
                ours = line if line.endswith(("\n", "\r")) else line + eol
                line = None
            out += [labels.marker("<", labels.ours, eol), ours, labels.marker("=", None, eol), theirs]
            out.append(labels.marker(">", labels.theirs, eol))
        if line is not None:
            out.append(line)
    return "".join(out)


# --- prose ------------------------------------------------------------------------------------


def _skeleton(document: Document, registry: Registry, keys: Mapping[int, str]) -> tuple[str, dict[str, Table]]:
    """The document with each registry table replaced by one token line, and those tables by token."""
    lines: list[str] = []
    tables: dict[str, Table] = {}
    blocks = {table.block: keys[index] for index, table in enumerate(registry.tables)}
    for index, block in enumerate(document.blocks):
        if index in blocks and isinstance(block, Table):
            lines.append(_TOKEN.format(blocks[index]))
            tables[blocks[index]] = block  # rendered only where the merged text needs it
        else:
            lines.append(block.render())
    return document.bom + "".join(lines), tables


def _new_key(document: Document, block: int) -> str:
    """The token of a table the base does not have: its text, so one added alike on both sides merges."""
    import hashlib

    return "new " + hashlib.sha256(document.blocks[block].render().encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _rendered(table: Table | str) -> str:
    return table if isinstance(table, str) else table.render()


def _merge_text(base: str, ours: str, theirs: str, labels: Labels) -> tuple[str, int]:
    """``git merge-file`` on three texts: the result and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="mdports-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        command = ["git", "merge-file", "-p", f"--marker-size={labels.size}"]
        for label in (labels.ours, labels.base, labels.theirs):
            command += ["-L", label]
        try:
            process = subprocess.run([*command, *paths], capture_output=True, check=False)
        except FileNotFoundError:
            raise UsageError("mdports merge needs git on PATH for the prose") from None
    if process.returncode < 0 or process.returncode > 127:
        raise UsageError(f"git merge-file failed: {process.stderr.decode(errors='replace').strip()}")
    return process.stdout.decode("utf-8"), process.returncode


def _date_aligned(texts: Sequence[str]) -> list[str]:
    """Every "Last updated" date set to the latest of the three, so the line never conflicts."""
    spans = [edits.date_span(text) for text in texts]
    dates = [text[span[0] : span[1]] for text, span in zip(texts, spans, strict=True) if span]
    if not dates:
        return list(texts)
    latest = max(dates)
    return [
        text[: span[0]] + latest + text[span[1] :] if span else text for text, span in zip(texts, spans, strict=True)
    ]


def _text_merge(base: str | None, ours: str, theirs: str | None, labels: Labels) -> tuple[str, int]:
    """A table without a service column, merged as a whole: one side's change, or both between markers."""
    if theirs is None or theirs in (base, ours):
        return ours, 0
    if ours == base:
        return theirs, 0
    eol = "\r\n" if ours.endswith("\r\n") else "\n"
    ending = ours if ours.endswith(("\n", "\r")) else ours + eol
    tail = theirs if theirs.endswith(("\n", "\r")) else theirs + eol
    parts = [labels.marker("<", labels.ours, eol), ending, labels.marker("=", None, eol), tail]
    return "".join([*parts, labels.marker(">", labels.theirs, eol)]), 1


def merge(
    base: Document, ours: Document, theirs: Document, *, renumber: bool = False, labels: Labels | None = None
) -> MergeResult:
    """Merge ``theirs`` into ``ours`` relative to ``base``; see the module docstring.

    >>> head = "## 3010-3019: Infra\\n\\n| Port | Service |\\n|---|---|\\n| 3010 | a |\\n"
    >>> base = parse(head + "| 3011-3019 | *(reserved)* |\\n")
    >>> ours = parse(head + "| 3011 | b |\\n| 3012-3019 | *(reserved)* |\\n")
    >>> theirs = parse(head + "| 3011 | c |\\n| 3012-3019 | *(reserved)* |\\n")
    >>> merge(base, ours, theirs).clean
    False
    >>> print(merge(base, ours, theirs, renumber=True).text[len(head):], end="")
    | 3011 | b |
    | 3012 | c |
    | 3013-3019 | *(reserved)* |
    """
    with shared_rows():  # verify parses a fourth version of the same rows
        return _merge(base, ours, theirs, renumber, labels or Labels())


def _merge(base: Document, ours: Document, theirs: Document, renumber: bool, labels: Labels) -> MergeResult:
    base_text, ours_text, theirs_text = (d.render() for d in (base, ours, theirs))
    if ours_text == theirs_text or theirs_text == base_text:
        return MergeResult(ours_text)
    if ours_text == base_text:
        return MergeResult(theirs_text, ("took theirs (ours unchanged)",))

    registries = build(base), build(ours), build(theirs)
    replay = _Replay(*registries, renumber)
    replay.run()
    edit, marks = replay.finish()
    replayed = edits.verify(edit, errors=False)  # once, for the whole batch
    findings = _findings(replayed, edit)

    base_registry, ours_registry, theirs_registry = registries
    base_keys = {index: f"table {index}" for index in range(len(base_registry.tables))}
    ours_base = {new: old for old, new in replay.our_tables.items()}
    ours_keys = {
        i: base_keys.get(ours_base.get(i, -1)) or _new_key(ours, info.block)
        for i, info in enumerate(ours_registry.tables)
    }
    theirs_keys = {
        i: base_keys.get(replay.base_table_of_theirs.get(i, -1)) or _new_key(theirs, info.block)
        for i, info in enumerate(theirs_registry.tables)
    }
    (base_skeleton, base_tables), (ours_skeleton, _), (theirs_skeleton, theirs_tables) = (
        _skeleton(d, r, k)
        for d, r, k in zip((base, ours, theirs), registries, (base_keys, ours_keys, theirs_keys), strict=True)
    )
    skeletons = _date_aligned([base_skeleton, ours_skeleton, theirs_skeleton])
    merged_skeleton, prose_conflicts = _merge_text(skeletons[0], skeletons[1], skeletons[2], labels)

    tables: dict[str, Table | str] = dict(theirs_tables)  # tables only they have arrive as they wrote them
    for index, info in enumerate(ours_registry.tables):
        key = ours_keys[index]
        block = edit.after.blocks[info.block]
        assert isinstance(block, Table)
        if info.service_column is None:
            before, after = base_tables.get(key), theirs_tables.get(key)
            text, conflicts = _text_merge(
                before.render() if before is not None else None,
                block.render(),
                after.render() if after is not None else None,
                labels,
            )
            tables[key] = text
            if conflicts:
                replay.conflicts.append(Conflict(f"the table at line {info.line} changed on both sides"))
            continue
        original = ours.blocks[info.block]
        assert isinstance(original, Table)
        tables[key] = _marked(block, original, marks[info.block], labels) if info.block in marks else block
    kept = set(_TOKEN_LINE.findall(merged_skeleton))
    theirs_have = set(theirs_keys.values())
    for index, info in enumerate(ours_registry.tables):
        key = ours_keys[index]
        if key not in kept and key in theirs_have:
            # Both sides still have the table, yet the prose merge left it out: never silently.
            replay.conflicts.append(Conflict(f"the table at line {info.line} was lost merging the prose around it"))
    text = _TOKEN_LINE.sub(lambda m: _rendered(tables.get(m.group(1), "")), merged_skeleton)
    return MergeResult(text, tuple(replay.merged), tuple(replay.conflicts), prose_conflicts, findings)


def _findings(registry: Registry, edit: edits.Edit) -> tuple[Finding, ...]:
    """The validation findings on the rows the merge wrote (their rows may break our rules)."""
    if not edit.added_lines:
        return ()
    from ..check.rules import validate

    return tuple(f for f in validate(registry).findings if f.line - 1 in edit.added_lines)


def merge_files(
    base: Path,
    ours: Path,
    theirs: Path,
    *,
    renumber: bool = False,
    path: str | None = None,
    labels: Labels | None = None,
) -> MergeResult:
    """Merge three files (git's ``%O %A %B``); ``path`` (git's ``%P``) names the document in messages."""
    from ..files.disk import read_text

    with shared_rows():  # three versions of one document share nearly every row
        documents = [parse(read_text(file), path=path or str(file)) for file in (base, ours, theirs)]
        return merge(*documents, renumber=renumber, labels=labels)

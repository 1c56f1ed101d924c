"""Our tables while their changes are replayed: slots for rows, and the replay's state.

A :class:`Slot` is a place in one of our tables (a row, or none once removed, and the rows put
after it); :class:`ReplayState` holds both sides' identities (entries, tables, the names each
side gives a column), who holds which port and name, and writes rows into slots.
:class:`~mdports.merge.replay.Replay` adds the operations that replay each kind of change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import edits
from ..diff import EntryChange
from ..diff.compare import compare_both
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.registry import Entry, Reference
from ..readonly import readonly
from ..syntax.row import Row

Identity = tuple[str, int]  # ("ours", our entry index) or ("theirs", their entry index)


@readonly
class Conflict:
    """A change of theirs that could not be combined with ours, named for people.

    ``placed``: the conflict is between markers where it happened. One that is not goes between
    markers at the end of the document (see :func:`~mdports.merge.prose.unplaced`): their side
    a note naming it, our side ``ours`` (what of ours the merge could not place, if anything), so
    a file that lost a side never looks clean.
    """

    message: str
    placed: bool = False
    ours: str = ""


@dataclass(eq=False)
class Slot:
    """A place in one of our tables: a row (or none, once removed) and the rows put after it."""

    table: int  # index in our registry's tables
    position: int  # index of the original row slot it hangs off (-1: the top of the table)
    item: edits.Item | None
    entry: int | None = None  # our entry whose original row this is
    port: int | None = None
    ours_only: bool = False  # a row only our side has: their positions do not know it
    after: list[Slot] = field(default_factory=list)
    conflict: bool = False
    theirs: tuple[str, ...] | None = None  # their side between the markers (None: empty)


class ReplayTable:
    """One of our registry tables while their changes are replayed into it."""

    def __init__(self, index: int, plan: edits.TablePlan, entries: Sequence[Entry], ours_only: set[int]) -> None:
        self.index = index
        self.plan = plan
        self.info = plan.info
        self.head = Slot(index, -1, None)
        self.slots = [Slot(index, position, item) for position, item in enumerate(plan.items[2:])]
        for entry in entries:
            slot = self.slots[entry.row - 2]
            slot.entry, slot.port, slot.ours_only = entry.index, entry.first_port, entry.index in ours_only

    def flatten(self) -> list[tuple[Slot, bool]]:
        """Every slot in order (its row, then the rows put after it); iterative, chains can be long."""
        out: list[tuple[Slot, bool]] = []
        stack = [*reversed(self.slots), self.head]
        while stack:
            slot = stack.pop()
            out.append((slot, slot.item is not None))
            stack.extend(reversed(slot.after))
        return out


def describe_change(change: EntryChange) -> str:
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


class ReplayState:
    """Both sides' identities, our tables being rewritten, and who holds which port and name."""

    def __init__(self, base: Registry, ours: Registry, theirs: Registry, renumber: bool) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.renumber = renumber
        ours_diff, self.diff = compare_both(base, ours, theirs)
        self.ours_of = ours_diff.entry_map
        # Our entries our diff reports changed. It may see a change our rows do not show: an entry
        # whose section it no longer recognises (heading renamed and most rows gone) moved there.
        self.ours_changed = {c.index for c in ours_diff.entries if c.kind != "added" and c.index is not None}
        self.base_of_theirs = {new: old for old, new in self.diff.entry_map.items()}
        self.ours_only = set(range(len(ours.entries))) - set(self.ours_of.values())
        self.our_tables = ours_diff.table_map  # base table -> our table
        self.paired = set(self.our_tables.values())  # our tables the base has too
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
        # Our table -> their table and its columns in their order (some removed): our column index,
        # or their new column's header.
        self.layouts: dict[int, tuple[int, list[int | str]]] = {}
        self.adding: dict[int, set[str]] = {}  # our table -> the headers of the columns their layout adds
        self.their_refs: dict[int, list[Reference]] = {}
        for ref in theirs.references:
            self.their_refs.setdefault(ref.entry, []).append(ref)
        self.builder = edits.Builder(ours.document, ours)
        self.tables: dict[int, ReplayTable] = {}
        self.placed: dict[int, Slot] = {}  # their entry -> the slot their row went to
        self.moved: dict[int, Slot] = {}  # our entry -> the slot its row moved to (their move)
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
        self.names.setdefault(fold_name(service), identity)

    def _release(self, identity: Identity, service: str | None, ports: Sequence[int]) -> None:
        for port in ports:
            self.holders.get(port, {}).pop(identity, None)
        if service is not None and self.names.get(fold_name(service)) == identity:
            del self.names[fold_name(service)]

    def _holder(
        self, ports: Sequence[int], protocols: Sequence[str], skip: Identity | None = None
    ) -> tuple[str, Identity] | None:
        """The service (and who it is) that already has one of ``ports`` for one of ``protocols``, if any."""
        for port in ports:
            for identity, (service, theirs) in self.holders.get(port, {}).items():
                if identity != skip and set(theirs) & set(protocols):
                    return service, identity
        return None

    def _table(self, index: int) -> ReplayTable:
        if index not in self.tables:
            plan = self.builder.plan(index)
            first = self.first_entry.get(index, 0)
            entries = self.ours.entries[first : first + len(plan.items) - 2] if index in self.first_entry else ()
            self.tables[index] = ReplayTable(index, plan, entries, self.ours_only)
        return self.tables[index]

    def _slot(self, identity: Identity) -> Slot:
        if identity[0] == "theirs":
            return self.placed[identity[1]]
        if identity[1] in self.moved:
            return self.moved[identity[1]]
        entry = self.ours.entries[identity[1]]
        return self._table(entry.table).slots[entry.row - 2]

    def _target(self, their: Entry) -> ReplayTable | None:
        """Our table for their row's table (None: a table we do not have)."""
        base_table = self.base_table_of_theirs.get(their.table)
        ours = self.our_tables.get(base_table) if base_table is not None else None
        if ours is None or self.ours.tables[ours].service_column is None:
            return None
        return self._table(ours)

    def _texts(self, slot: Slot, width: int) -> list[str]:
        assert slot.item is not None
        texts = list(slot.item.row.texts[:width])
        return texts + [""] * (width - len(texts))

    def _their_texts(self, table: ReplayTable, their: Entry) -> list[str]:
        info = table.info
        roles = {info.port_column, info.service_column, info.protocol_column}
        return [
            follow_renumbered(self._their_cell(their, table.index, header), self.renumbered)
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

    def _only_theirs(self, their: Entry, table: ReplayTable, base: Entry | None) -> list[str]:
        """Their columns that our table lacks, where their row has text of its own (not the base's)."""
        known = {self._in_theirs(their.table, self._in_base(table.index, h)) for h in table.info.headers}
        known |= self.adding.get(table.index, set())
        back = {new: old for old, new in self.their_names.get(their.table, {}).items()}
        return [
            header
            for header, text in their.cells.items()
            if header not in known and text and (base is None or text != base.cells.get(back.get(header, header), ""))
        ]

    def _our_column(self, table: ReplayTable, their_table: int, their_header: str) -> int | None:
        """The index of our column that their table calls ``their_header`` (None: we lack it)."""
        for column, header in enumerate(table.info.headers):
            if self._in_theirs(their_table, self._in_base(table.index, header)) == their_header:
                return column
        return None

    # -- writing rows --------------------------------------------------------------------------

    def _write(
        self, slot: Slot, texts: Sequence[str], service: str | None, ports: Sequence[int], like: Row | None = None
    ) -> None:
        """Rewrite the row of ``slot`` in place (its trivia and untouched cells kept, or those of ``like``)."""
        table = self.tables[slot.table]
        assert slot.item is not None
        key = edits.row_key(self.ours, slot.table, texts, service, ports)
        texts = list(texts)
        while len(texts) > len(slot.item.row.cells) and not texts[-1]:
            texts.pop()  # the row had fewer cells: empty ones are not written in
        origin = slot.item.origin
        slot.item = table.plan.new(texts, key, origin=origin, like=like or slot.item.row)
        if slot.entry is not None:
            self.builder.replaced.add(slot.entry)
        slot.port = min(ports) if ports else None

    def _delete(self, slot: Slot) -> None:
        slot.item = None
        if slot.entry is not None:
            self.builder.replaced.add(slot.entry)

    def _anchor(self, table: ReplayTable, their: Entry, port: int | None) -> Slot:
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
        self, table: ReplayTable, their: Entry, texts: Sequence[str], service: str | None, ports: Sequence[int]
    ) -> Slot:
        key = edits.row_key(self.ours, table.index, texts, service, ports)
        anchor = self._anchor(table, their, min(ports) if ports else None)
        slot = Slot(table.index, anchor.position, table.plan.new(texts, key), port=min(ports) if ports else None)
        anchor.after.append(slot)
        self.placed[their.index] = slot
        return slot

    def _marker(self, table: ReplayTable, their: Entry) -> Slot:
        """An empty place for their row in ``table``, where they put it (our side of its markers is empty)."""
        anchor = self._anchor(table, their, their.first_port)
        marker = Slot(table.index, anchor.position, None)
        anchor.after.append(marker)
        return marker

    def _facing(self, slot: Slot, their: Entry | None) -> tuple[Slot | None, list[str] | None]:
        """Where a conflict of our row at ``slot`` with ``their`` row goes, and their row as written there.

        Around our row, their row in its table's layout. But a table only we have (one we split
        off) may land between the prose merge's own markers, and markers must not nest: their row
        then goes to its own place in the table they wrote it in, and ours is left as it is.
        """
        table = self._table(slot.table)
        if slot.table in self.paired:
            return slot, self._their_texts(table, their) if their is not None else None
        target = self._target(their) if their is not None else None
        if target is None or their is None:
            return None, None
        return self._marker(target, their), self._their_texts(target, their)

    def _conflict(self, message: str, slot: Slot | None = None, theirs: Sequence[str] | None = None) -> None:
        """A conflict: named always, and between markers at ``slot`` (our row vs ``theirs``) when given."""
        self.conflicts.append(Conflict(message, placed=slot is not None))
        if slot is None:
            return
        if not slot.conflict:
            slot.conflict = True
            slot.theirs = tuple(theirs) if theirs is not None else None
        elif theirs is not None:  # a second conflict at one row: their row between markers of its own
            slot.after.append(Slot(slot.table, slot.position, None, conflict=True, theirs=tuple(theirs)))


def renamed_key(key: edits.EntryKey, names: Mapping[str, str]) -> edits.EntryKey:
    section, service, ports, headers, texts = key
    return section, service, ports, tuple(names.get(header, header) for header in headers), texts


def followed(text: str, old: str, new: str, port: int, ports: Sequence[int]) -> str:
    """A reference cell ``3030 chat-backend`` pointing at ``new`` on ``ports`` instead."""
    text = edits.replace_name(text, old, new) if old != new else text
    return text.replace(str(port), str(ports[0]), 1) if ports and port not in ports else text


def follow_renumbered(text: str, renumbered: Mapping[str, tuple[int, int]]) -> str:
    """A reference to an entry we renumbered follows it (``3017 mail-worker`` -> ``3018 ...``)."""
    for name, (old, new) in renumbered.items():
        text = re.sub(rf"\b{old}(\s+){re.escape(name)}\b", rf"{new}\g<1>{name}", text)
    return text

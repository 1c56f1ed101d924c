"""Their registry changes replayed onto our document as one batch of row edits.

Removals first, then changes (column renames, then entries, with the references that followed
them), then additions; see :mod:`mdports.merge.driver` for the rules and the invariant.

One class whose methods are the replay rules of each kind of change to rows; they share the
checks for ports, names and columns, so each rule reads whole in one place. The rules for
columns (renames, layouts, a restyled head) are its base class, :class:`~mdports.merge.columns.ColumnReplay`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .. import edits
from ..model.names import fold_name
from ..model.registry import Entry, Reference
from ..syntax.row import Row
from .columns import ColumnReplay, table_rows, trivia
from .rows import (
    Identity,
    ReplayTable,
    Slot,
    describe_change,
    follow_renumbered,
    followed,
)


class Replay(ColumnReplay):
    """Their registry changes replayed onto our document as one batch of row edits."""

    # -- the replay ----------------------------------------------------------------------------

    def run(self) -> None:
        """Removals first, then changes, then additions (a port or name they freed may be taken again)."""
        self._rename_columns()
        self._plan_layouts()
        changes = self.diff.entries
        for change in changes:
            if change.kind == "removed" and change.old_index is not None:
                self._remove(change.old_index, describe_change(change))
        for change in changes:
            if change.kind in ("added", "removed") or change.old_index is None or change.index is None:
                continue
            self._modify(change.old_index, change.index, describe_change(change))
            for reference in change.references:  # the cells that followed a rename or a move
                base = self.base_of_theirs.get(reference.entry) if reference.entry is not None else None
                if base is not None and reference.entry is not None:
                    self._modify(base, reference.entry, f"update {reference.referrer} {reference.column}")
        self._unreported()
        for change in changes:  # in their document's order, so a row can follow one added just before
            if change.kind == "added" and change.index is not None:
                self._add(change.index, describe_change(change))
        self._follow_in_our_rows()
        self._check_layouts()

    def _unreported(self) -> None:
        """Their row changes that ``diff`` does not count as registry changes, replayed all the same.

        A row moved to another table of its section (a table split), a cell changed only in markup
        (a name made a link or bold, a port in backticks) and a row re-padded are changes of
        theirs: a row we left as it was takes them; a row we changed too is merged cell by cell.
        """
        for index, their_index in self.diff.entry_map.items():
            if their_index in self.done:
                continue
            base, their = self.base.entries[index], self.theirs.entries[their_index]
            base_row = table_rows(self.base, base.table)[base.row]
            their_row = table_rows(self.theirs, their.table)[their.row]
            base_table = self.base_table_of_theirs.get(their.table)
            if base_table is None:
                self._moved_to_new_table(index, their)
            elif base_table != base.table:
                self._modify(index, their_index, f"move {their.label} to another table of its section")
            elif base_row.texts != their_row.texts:
                self._modify(index, their_index, f"restyle {their.label}")
            elif trivia(base_row) != trivia(their_row):
                self._repad(index, base_row, their, their_row)

    def _moved_to_new_table(self, index: int, their: Entry) -> None:
        """They moved the row into a table of their own (it arrives whole, with the prose): ours goes."""
        base = self.base.entries[index]
        found = self.ours_of.get(index)
        where = f"a new table (line {their.line} of their version)"
        if found is None:
            self._conflict(f"they moved {base.label} to {where}, but we removed it")
            return
        ours = self.ours.entries[found]
        slot = self._table(ours.table).slots[ours.row - 2]
        if ours.table not in self.our_tables.values():  # we moved it to a table of our own too
            mine = self.ours.document.blocks[self.ours.tables[ours.table].block].render()
            if mine == self.theirs.document.blocks[self.theirs.tables[their.table].block].render():
                return  # the same split on both sides: the prose merge keeps one table
        if self._changed_by_us(base, ours):
            self._conflict(f"they moved {base.label} to {where}, but we changed it", *self._facing(slot, None))
            return
        self._delete(slot)
        self.merged.append(f"move {base.label} to {where}")

    def _repad(self, index: int, base_row: Row, their: Entry, row: Row) -> None:
        """Their row re-padded (cells realigned): it replaces ours when we left ours as it was."""
        found = self.ours_of.get(index)
        if found is None:
            return
        ours = self.ours.entries[found]
        slot = self._table(ours.table).slots[ours.row - 2]
        if slot.item is None or slot.item.fresh or trivia(slot.item.row) != trivia(base_row):
            return  # we changed or re-padded it too: ours stays
        self._write(slot, row.texts, ours.service, ours.ports, like=dataclasses.replace(row, eol=slot.item.row.eol))
        self.merged.append(f"restyle {their.label}")

    def _follow_in_our_rows(self) -> None:
        """A reference in a row only we wrote follows their rename or move of what it points at."""
        ours_refs: dict[str, list[Reference]] = {}
        for ref in self.ours.references:
            if ref.entry in self.ours_only:
                ours_refs.setdefault(fold_name(ref.service), []).append(ref)
        if not ours_refs:
            return
        for change in self.diff.entries:
            if change.kind not in ("renamed", "moved") or change.old_service is None or change.service is None:
                continue
            for ref in ours_refs.get(fold_name(change.old_service), ()):
                if ref.port not in change.old_ports:
                    continue
                slot = self._slot(("ours", ref.entry))
                entry = self.ours.entries[ref.entry]
                table = self.tables.get(slot.table) or self._table(slot.table)
                if slot.item is None:
                    continue
                texts = self._texts(slot, len(table.info.headers))
                column = table.info.headers.index(ref.header)
                texts[column] = followed(texts[column], change.old_service, change.service, ref.port, change.ports)
                self._write(slot, texts, entry.service, entry.ports)
                self.merged.append(f"update {entry.service} {ref.header} ({describe_change(change)})")

    def _follow_in_their_row(self, their: Entry, table: ReplayTable, texts: list[str]) -> None:
        """A reference in a row they added follows our rename or move of what it points at."""
        for ref in self.their_refs.get(their.index, ()):
            base = self.base.by_name.get(fold_name(ref.service))
            found = self.ours_of.get(base[0].index) if base else None
            column = self._our_column(table, their.table, ref.header)
            if not base or found is None or column is None:
                continue
            ours, old = self.ours.entries[found], base[0]
            if ours.service is None or old.service is None or ref.port not in old.ports:
                continue
            if ours.service != old.service or ours.ports != old.ports:
                texts[column] = followed(texts[column], old.service, ours.service, ref.port, ours.ports)

    def _changed_by_us(self, base: Entry, ours: Entry) -> bool:
        """Whether we changed ``ours``: its cells or its table, or anything our diff counts as a change.

        Our diff decides as ``mdports diff`` does, so a change it shows is never replayed away.
        """
        cells = {self._in_base(ours.table, header): text for header, text in ours.cells.items()}
        moved = self.our_tables.get(base.table) != ours.table
        return dict(base.cells) != cells or moved or ours.index in self.ours_changed

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
                texts[self.tables[ours.table].info.port_column] = edits.port_text(ours.port_text, extra)
                self._write(slot, texts, None, extra)
            else:
                self._delete(slot)
            self.merged.append(describe)
            return
        if self._changed_by_us(base, ours):
            self._conflict(f"they removed {base.service}, but we changed it", *self._facing(slot, None))
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
                marker = self._marker(target, their) if target is not None and theirs is not None else None
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
                new = follow_renumbered(new, self.renumbered)
            if new in (old, mine[column]):
                continue
            if column == info.port_column and ours.service is None and their.service is None and ours.spans:
                # Both sides may take ports from one placeholder: keep what is free on both.
                kept = set(base.ports) & set(ours.ports) & set(their.ports)
                merged = kept | (set(ours.ports) - set(base.ports)) | (set(their.ports) - set(base.ports))
                placeholder_ports = sorted(merged)
                texts[column] = edits.port_text(ours.port_text, merged) if merged else ""
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
            self._conflict(f"{name}: {values}", *self._facing(slot, their))
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
                        *self._facing(other, their),
                    )
                    return
            known = self.names.get(fold_name(service))
            if known is not None and known != identity:
                self._conflict(
                    f"they renamed {base.service} to {service}, but we already have a {service}",
                    *self._facing(slot, their),
                )
                return
        moved_by_us = self.our_tables.get(base.table) != ours.table
        moved_by_them = self.their_tables.get(base.table) != their.table
        if moved_by_them and target is None:
            heading = self.theirs.sections[their.section].heading
            self._conflict(f"they moved {name} to {heading!r}, a table we lack", *self._facing(slot, their))
            return
        if moved_by_them and moved_by_us and target is not table:
            self._conflict(
                f"{name}: we moved it to another section, they moved it to another one", *self._facing(slot, their)
            )
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
        known = self.names.get(fold_name(their.service))
        if known is not None:
            slot = self._slot(known)
            same_table = slot.table == target.index
            if same_table and slot.item is not None and self._texts(slot, len(target.info.headers)) == texts:
                return  # both sides added it
            port_column = self._table(slot.table).info.port_column
            ours_ports = slot.item.row.texts[port_column] if slot.item is not None else "?"
            self._conflict(
                f"both sides added {their.service}: we on {ours_ports}, they on {their.port_text}",
                slot if same_table else self._marker(target, their),
                texts,
            )
            return
        ports: Sequence[int] = their.ports
        holder = self._holder(ports, their.protocols)
        if holder is not None:
            free = self._free(target, their) if self.renumber and len(ports) == 1 else None
            if free is None:
                other = self._slot(holder[1])
                self._conflict(
                    f"port {their.port_text}: we gave it to {holder[0]}, they gave it to {their.service}",
                    other if other.table == target.index else self._marker(target, their),
                    texts,
                )
                return
            self.renumbered[their.service] = (ports[0], free)
            texts[target.info.port_column] = edits.port_text(their.port_text, [free])
            ports = [free]
            self._consume(target, free)
            describe = f"add {their.service} on {free} (renumbered from {their.port_text}, which {holder[0]} has)"
        self._insert(target, their, texts, their.service, ports)
        self._claim(("theirs", their.index), their.service, ports, their.protocols)
        self.merged.append(describe)

    def _free(self, table: ReplayTable, their: Entry) -> int | None:
        """The lowest port of our table's range that no service holds (for ``renumber``)."""
        section = self.ours.sections[table.info.section]
        if section.range is None:
            return None
        return next((port for port in section.range if self._holder([port], their.protocols) is None), None)

    def _consume(self, table: ReplayTable, port: int) -> None:
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
            texts[info.port_column] = edits.port_text(texts[info.port_column], rest)
            self._write(slot, texts, None, rest)
            return

    # -- the batch -----------------------------------------------------------------------------

    def finish(self) -> tuple[edits.Edit, dict[int, list[tuple[int, Slot]]]]:
        """One edit with every replayed row, and where the conflict markers go in each table."""
        marks: dict[int, list[tuple[int, Slot]]] = {}
        for index, names in self.renamed.items():
            self._rename_keys(self.tables[index], names)
        for index, (their_table, layout) in self.layouts.items():
            self._relay(self.tables[index], their_table, layout)
        for table in self.tables.values():
            items = table.plan.items[:2]
            for slot, has_row in table.flatten():
                if slot.conflict:
                    marks.setdefault(table.plan.block, []).append((len(items), slot))
                if has_row and slot.item is not None:
                    items.append(slot.item)
            table.plan.items = items
        return self.builder.finish(()), marks

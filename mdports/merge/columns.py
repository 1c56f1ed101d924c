"""Their table layouts replayed on our tables: columns renamed, reordered, removed or added, a head restyled.

The column rules of the replay (:class:`~mdports.merge.replay.Replay` adds the row rules): a
column they renamed is renamed in our header; a table they laid out anew (columns reordered,
removed or added) is laid out so in ours when we left its columns as they were, and a column they
removed where we wrote a cell is a conflict; their restyled header or alignment row replaces ours
when we left ours. The layouts are planned before the rows are replayed and applied to every row
of the table at the end (:meth:`ColumnReplay._relay`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .. import edits
from ..model.lookup import Registry
from ..syntax.document import Table
from ..syntax.row import Row
from .rows import ReplayState, ReplayTable, renamed_key


class ColumnReplay(ReplayState):
    """The replay's rules for tables' columns, header and alignment row."""

    def _rename_columns(self) -> None:
        """Their column renames, each in our table for the same base table: its header cell only.

        A table without a service column is merged as a whole text instead (see ``merge_table_text``).
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

    def _plan_layouts(self) -> None:
        """Their table laid out anew: columns reordered, removed or added (or only its head restyled).

        Our table takes their layout when we left its columns as they were (renames aside); their
        new column arrives with their cells in it, so their rows' cells in it are not named as lost.
        Planned before the rows are replayed; :meth:`_check_layouts` then finds our cells at risk.
        """
        for base_index, their_index in self.their_tables.items():
            ours_index = self.our_tables.get(base_index)
            if ours_index is None or self.ours.tables[ours_index].service_column is None:
                continue
            headers = list(self.base.tables[base_index].headers)
            their_table = self.theirs.tables[their_index]
            back = {new: old for old, new in self.their_names.get(their_index, {}).items()}
            theirs = [back.get(h, h) for h in their_table.headers]
            if theirs == headers:
                self._restyle_head(base_index, their_index, ours_index)
                continue
            table = self._table(ours_index)
            ours = [self._in_base(ours_index, h) for h in table.info.headers]
            if len(set(headers)) != len(headers) or len(set(theirs)) != len(theirs):
                continue  # a repeated header: columns cannot be told apart by name
            roles = {their_table.port_column, their_table.service_column, their_table.protocol_column}
            roles |= {their_table.host_column, their_table.group_column}
            if any(h not in headers and i in roles for i, h in enumerate(theirs)):
                continue  # a column they added that changes how rows read: named with the rows
            if ours != headers:
                self._conflict(f"they changed the columns of the table at line {table.info.line}, and so did we")
                continue
            layout: list[int | str] = [
                ours.index(h) if h in headers else their_table.headers[i] for i, h in enumerate(theirs)
            ]
            self.layouts[ours_index] = (their_index, layout)
            self.adding[ours_index] = {h for h in their_table.headers if back.get(h, h) not in headers}

    def _check_layouts(self) -> None:
        """A column they removed where we changed or added a cell: a modify/delete conflict, the column kept."""
        base_of_ours = {ours: base for base, ours in self.ours_of.items()}
        for ours_index, (_, layout) in self.layouts.items():
            table = self.tables[ours_index]
            ours = [self._in_base(ours_index, h) for h in table.info.headers]
            removed = [i for i in range(len(ours)) if i not in layout]
            kept = {i for i in removed if table.info.headers[i] != ours[i]}  # a column we renamed
            for i in sorted(kept):
                self._conflict(
                    f"they removed column {ours[i]} of the table at line {table.info.line}, "
                    f"we renamed it to {table.info.headers[i]!r}"
                )
            for slot, has_row in table.flatten():
                if not has_row or slot.item is None or (slot.item.origin is not None and slot.item.origin < 2):
                    continue
                texts = self._texts(slot, len(ours))
                base = base_of_ours.get(slot.entry) if slot.entry is not None and slot.item.origin else None
                cells = self.base.entries[base].cells if base is not None else {}
                lost = [i for i in removed if texts[i] and texts[i] != cells.get(ours[i], "")]
                if lost:
                    kept.update(lost)
                    theirs = [t if i not in lost else "" for i, t in enumerate(texts)]
                    names = ", ".join(table.info.headers[i] for i in lost)
                    self._conflict(
                        f"they removed column {names} of the table at line {table.info.line}, "
                        f"where we wrote {texts[lost[0]]!r}",
                        slot,
                        theirs,
                    )
            layout.extend(sorted(kept))  # the column stays (at the end) until the conflict is resolved
            shown = [table.info.headers[c] if isinstance(c, int) else c for c in layout]
            self.merged.append(f"lay out the table at line {table.info.line} as theirs: {', '.join(shown)}")

    def _restyle_head(self, base_index: int, their_index: int, ours_index: int) -> None:
        """Their header or alignment row restyled (re-padded, aligned otherwise): ours takes it if we left ours."""
        base_rows, their_rows = table_rows(self.base, base_index), table_rows(self.theirs, their_index)
        if base_rows[:2] == their_rows[:2]:
            return  # nearly always: no need to plan our table
        table = self._table(ours_index)
        for position in (0, 1):
            item = table.plan.items[position]
            base, theirs = base_rows[position], their_rows[position]
            if trivia(theirs) != trivia(base) and trivia(item.row) == trivia(base):
                table.plan.items[position] = table.plan.new(
                    theirs.texts, None, origin=item.origin, like=dataclasses.replace(theirs, eol=item.row.eol)
                )
                what = "header" if position == 0 else "alignment row"
                self.merged.append(f"restyle the {what} of the table at line {table.info.line}")

    def _rename_keys(self, table: ReplayTable, names: Mapping[str, str]) -> None:
        """Every row of a table whose header we renamed reads back under the new column names."""
        for slot, has_row in table.flatten():
            if not has_row or slot.item is None:
                continue
            if slot.item.key is None:  # a row left as it was: its entry, under the new names
                if slot.entry is None:
                    continue
                slot.item.key = edits.entry_key(self.ours, self.ours.entries[slot.entry])
                self.builder.replaced.add(slot.entry)
            slot.item.key = renamed_key(slot.item.key, names)

    def _relay(self, table: ReplayTable, their_table: int, layout: Sequence[int | str]) -> None:
        """Every row of ``table`` laid out as ``layout``: our columns by index, their new ones by name.

        Their side of a conflict in it too, so the rows between markers read alike.
        """
        their_rows = table_rows(self.theirs, their_table)
        their_headers = self.theirs.tables[their_table].headers
        placed = {id(slot): index for index, slot in self.placed.items()}
        base_of_ours = {ours: base for base, ours in self.ours_of.items()}
        width = len(table.info.headers)

        def laid_out(values: Sequence[str], new: Mapping[str, str], default: str = "") -> list[str]:
            """``values`` in the layout; a new column's value from ``new`` by its header."""
            values = [*values, *[default] * (width - len(values))]
            return [values[c] if isinstance(c, int) else new.get(c, default) for c in layout]

        for position, item in enumerate(table.plan.items[:2]):  # the header and alignment row: theirs for new columns
            theirs = dict(zip(their_headers, their_rows[position].cells, strict=False))
            item.row, item.fresh = dataclasses.replace(item.row, cells=tuple(laid_out(item.row.cells, theirs))), True
        style, headers = table.plan.style, {header: header for header in their_headers}
        for slot, _ in table.flatten():
            their = placed.get(id(slot))
            if their is None and slot.entry is not None and slot.entry in base_of_ours:
                their = self.diff.entry_map.get(base_of_ours[slot.entry])
            their_cells = self.theirs.entries[their].cells if their is not None else {}
            if slot.theirs is not None:
                slot.theirs = tuple(laid_out(slot.theirs, their_cells))
            if slot.item is None:
                continue
            if slot.item.key is None and slot.entry is not None:  # a row left as it was: its entry, laid out anew
                slot.item.key = edits.entry_key(self.ours, self.ours.entries[slot.entry])
                self.builder.replaced.add(slot.entry)
            raw = {header: style.cell(width, text) for header, text in their_cells.items()}
            cells = laid_out(slot.item.row.cells, raw, style.cell(width, ""))
            slot.item.row, slot.item.fresh = dataclasses.replace(slot.item.row, cells=tuple(cells)), True
            if slot.item.key is not None:
                section, service, ports, names, texts = slot.item.key
                new_key = (
                    section,
                    service,
                    ports,
                    tuple(laid_out(names, headers)),
                    tuple(laid_out(texts, their_cells)),
                )
                slot.item.key = new_key


def table_rows(registry: Registry, table: int) -> tuple[Row, ...]:
    """The rows of a registry table as written (the header and alignment row first)."""
    block = registry.document.blocks[registry.tables[table].block]
    assert isinstance(block, Table)
    return block.rows


def trivia(row: Row) -> tuple[object, ...]:
    """A row as written but for its line ending (one line ending for the whole result)."""
    return row.indent, row.lead, row.cells, row.trail, row.tail

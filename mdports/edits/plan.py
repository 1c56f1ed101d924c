"""Planning row changes: the rows each touched table will have, and the new document they make.

An operation asks the :class:`Builder` for a table's :class:`TablePlan`, replaces or inserts
:class:`Item` rows in it, and :meth:`Builder.finish` makes the :class:`~mdports.edits.result.Edit`
(new blocks, the lines removed and added, the entries the touched tables must read back as).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import RefusedError
from ..model.ports import PortRange
from ..model.reading import read_row
from ..model.registry import Registry, RegistryTable
from ..syntax.document import Document, Prose, Table
from ..syntax.row import Row, split_lines
from ..syntax.table_style import TableStyle, realign
from .last_updated import date_span
from .result import Change, Edit, EntryKey, RunningKey, entry_key, row_key


@dataclass
class Item:
    origin: int | None  # the original row this item stands for (None: a row that is new)
    row: Row
    spans: tuple[PortRange, ...] | None  # None when the port cell cannot be read
    placeholder: bool
    fresh: bool  # True when the row's text is new (added or rewritten)
    key: EntryKey | None = None  # the entry a new row must read back as

    @property
    def ports(self) -> set[int]:
        return {port for span in self.spans or () for port in span}

    @property
    def first(self) -> int | None:
        return min(span.lo for span in self.spans) if self.spans else None


class TablePlan:
    """The rows a table will have, with where each came from."""

    def __init__(self, block: int, table: Table, info: RegistryTable) -> None:
        self.block, self.table, self.info = block, table, info
        self.style = TableStyle.of(table)
        self.items = [self._item(index, row, fresh=False) for index, row in enumerate(table.rows)]
        self._positions: dict[int, int] = {}  # origin -> position, as last seen (see index_of)

    def _item(self, origin: int | None, row: Row, fresh: bool) -> Item:
        if not fresh and origin is not None and origin < 2:
            return Item(origin, row, None, False, fresh)
        # Read as the registry reads it: "3478/udp" and "127.0.0.1:2368" have ports.
        _, cell, _, _, marker = read_row(row.texts, self.info.port_column, self.info.service_column or 0)
        return Item(origin, row, cell.spans or None, marker is not None, fresh)

    def new(
        self, texts: Sequence[str], key: EntryKey | None, origin: int | None = None, like: Row | None = None
    ) -> Item:
        """A row in the table's style (or rewriting ``like``, keeping its trivia and untouched cells)."""
        row = self.style.rewrite(like, texts) if like is not None else self.style.row(texts)
        item = self._item(origin, row, fresh=True)
        item.key = key
        return item

    def index_of(self, origin: int) -> int:
        """Where the item of original row ``origin`` stands now.

        Positions are remembered, and a remembered one is used only when the item is still
        there: rewriting rows in place (``renumber_all`` rewrites hundreds) asks in O(1), and an
        insertion or deletion, which shifts rows, costs one new scan.
        """
        index = self._positions.get(origin)
        if index is None or index >= len(self.items) or self.items[index].origin != origin:
            self._positions = {}
            for position, item in enumerate(self.items):
                if item.origin is not None:
                    self._positions.setdefault(item.origin, position)
            index = self._positions.get(origin)
        if index is None:  # pragma: no cover - a bug guard
            raise RefusedError("internal error: a row was edited twice")
        return index

    def insert_sorted(self, item: Item) -> None:
        """Insert after the last row whose first port is not above the new one's."""
        self.insert_all_sorted([item])

    def insert_all_sorted(self, items: Sequence[Item]) -> None:
        """:meth:`insert_sorted` of each item, in port order, in one pass (O(n log n) for n rows).

        An item goes after the last row whose first port is not above its own, and after the
        items inserted before it there, as inserting them one by one in port order would put them.
        """
        pending = sorted(items, key=lambda item: item.first or 0)
        if not pending:
            return
        firsts = sorted(
            (first, index) for index, other in enumerate(self.items[2:], start=2) if (first := other.first) is not None
        )
        after: dict[int, list[Item]] = {}  # position (1: before the first body row) -> items to put there
        anchor, cursor = 1, 0
        for item in pending:
            port = item.first or 0
            while cursor < len(firsts) and firsts[cursor][0] <= port:
                anchor = max(anchor, firsts[cursor][1])
                cursor += 1
            after.setdefault(anchor, []).append(item)
        rows = self.items[:2] + after.get(1, [])
        for index, other in enumerate(self.items[2:], start=2):
            rows.append(other)
            rows += after.get(index, [])
        self.items = rows

    def finish(self) -> tuple[Table, set[int], set[int]]:
        """The new table, the original rows it dropped and the positions of its new rows."""
        rows = [item.row for item in self.items]
        fresh = [item.fresh for item in self.items]
        last_eol = self.table.rows[-1].eol
        newline = self.style.eol or "\n"
        # Keep the file's final-newline state: only the table's last row may lack an ending.
        for index, row in enumerate(rows):
            wanted = last_eol if index == len(rows) - 1 else (row.eol or newline)
            if row.eol != wanted:
                rows[index] = dataclasses.replace(row, eol=wanted)
                fresh[index] = True
        if self.style.widths is not None and not all(
            self.style.fits(row.texts) for row, new in zip(rows, fresh, strict=True) if new
        ):
            # The header as planned: the merge driver may have renamed a column.
            rows = list(realign(Table(self.table.start, tuple(rows)), [row.texts for row in rows[2:]], self.style))
            rows[-1] = dataclasses.replace(rows[-1], eol=last_eol)
            fresh = [True] * len(rows)
        kept_order = [item.origin for item, new in zip(self.items, fresh, strict=True) if not new]
        if kept_order != sorted(kept_order, key=lambda origin: origin or 0):
            # Rows changed places (fmt sorts): every body row counts as rewritten.
            fresh = [True if index >= 2 else new for index, new in enumerate(fresh)]
        kept = {item.origin for item, new in zip(self.items, fresh, strict=True) if not new}
        dropped = {index for index in range(len(self.table.rows)) if index not in kept}
        return Table(self.table.start, tuple(rows)), dropped, {i for i, new in enumerate(fresh) if new}


class Builder:
    """Collects row changes across tables, then makes the new document and the line sets."""

    def __init__(self, document: Document, registry: Registry) -> None:
        self.document = document
        self.registry = registry
        self.plans: dict[int, TablePlan] = {}
        # block -> line index in block -> its new text: one line, "" (the line goes) or several lines
        self.prose: dict[int, dict[int, str]] = {}
        self.running: list[RunningKey] | None = None  # the running entries an edit of lists must read back as
        self.replaced: set[int] = set()  # old entries whose rows were removed or rewritten

    def plan(self, table_index: int) -> TablePlan:
        info = self.registry.tables[table_index]
        if info.block not in self.plans:
            block = self.document.blocks[info.block]
            assert isinstance(block, Table)
            self.plans[info.block] = TablePlan(info.block, block, info)
        return self.plans[info.block]

    def key(self, table_index: int, texts: Sequence[str], service: str | None, ports: Iterable[int]) -> EntryKey:
        return row_key(self.registry, table_index, texts, service, ports)

    def finish(self, changes: Sequence[Change], ports: tuple[int, ...] = ()) -> Edit:
        """The edit: the touched tables and prose lines in a new document, and what it must read back as."""
        blocks: dict[int, Table | Prose] = {}
        removed: set[int] = set()
        added_in_block: dict[int, set[int]] = {}
        for index, plan in self.plans.items():
            table, dropped, fresh = plan.finish()
            blocks[index] = table
            removed |= {plan.table.start + row for row in dropped}
            added_in_block[index] = fresh
        for index, lines in self.prose.items():
            block = self.document.blocks[index]
            assert isinstance(block, Prose)
            kept: list[str] = []
            fresh_lines: set[int] = set()
            for offset, line in enumerate(block.lines):
                if offset not in lines:
                    kept.append(line)
                    continue
                for piece in split_lines(lines[offset]):  # none when the line goes, several when lines follow it
                    fresh_lines.add(len(kept))
                    kept.append(piece)
            blocks[index] = Prose(block.start, tuple(kept))
            removed |= {block.start + i for i in lines}
            added_in_block[index] = fresh_lines
        after = self.document.replace_blocks(dict(blocks))
        added = {after.blocks[index].start + offset for index, offsets in added_in_block.items() for offset in offsets}
        # The intended entries of the tables the edit touched: those it left, and the new rows.
        scope = frozenset(self.plans)
        tables = {index for index, table in enumerate(self.registry.tables) if table.block in scope}
        expected = [
            entry_key(self.registry, entry)
            for entry in self.registry.entries
            if entry.table in tables and entry.index not in self.replaced
        ]
        expected += [item.key for plan in self.plans.values() for item in plan.items if item.key is not None]
        return Edit(
            self.document,
            after,
            tuple(changes),
            tuple(expected),
            frozenset(removed),
            frozenset(added),
            ports=ports,
            registry=self.registry,
            scope=scope,
            expected_running=None if self.running is None else tuple(self.running),
        )

    def touch_date(self, today: datetime.date | None) -> None:
        """Set the document's "Last updated: YYYY-MM-DD" line (see :func:`date_span`) to ``today``."""
        if today is None:
            return
        for index, block in enumerate(self.document.blocks):
            if not isinstance(block, Prose):
                continue
            # A top-level prose block starts and ends with whole top-level blocks (headings,
            # tables and HTML blocks are blocks of their own), so it can be read on its own.
            text = block.render()
            span = date_span(text)
            if span is not None:
                start, end = span
                offset = 0
                while start >= len(block.lines[offset]):  # the line holding the date
                    start, end = start - len(block.lines[offset]), end - len(block.lines[offset])
                    offset += 1
                line = block.lines[offset]
                new = line[:start] + today.isoformat() + line[end:]
                if new != line:
                    self.prose.setdefault(index, {})[offset] = new
                return

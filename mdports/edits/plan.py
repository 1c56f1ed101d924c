"""Planning row changes: the rows each touched table will have, where rows go, and the new document.

An operation asks the :class:`Builder` for a table's :class:`TablePlan`, replaces or inserts
:class:`Item` rows in it, and :meth:`Builder.finish` makes the :class:`~mdports.edits.result.Edit`
(new blocks, the lines removed and added, the entries the touched tables must read back as).

Where rows go: the section's table, a new row placed in port order, a row vacated or rewritten
in place; placeholders are consumed, split or merged with their neighbours as a careful person
would.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import RefusedError
from ..model.lookup import Registry
from ..model.ports import PortRange
from ..model.registry import Entry, RegistryTable
from ..model.sections import Section
from ..model.table_entries import read_row
from ..syntax.document import Document, Prose, Table
from ..syntax.row import Row, split_lines
from ..syntax.table_style import TableStyle, realign
from .cells import port_text
from .result import Change, Edit, EntryKey, RunningKey, date_span, entry_key, row_key


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


DEFAULT_MARKER = "*(reserved)*"


def section_table(registry: Registry, section: Section) -> int:
    """Index (in ``registry.tables``) of the section's registry table that new rows go into."""
    for index, table in enumerate(registry.tables):
        if table.section == section.index and table.service_column is not None:
            return index
    for table in registry.tables:
        if table.section == section.index:
            raise RefusedError(
                f"the table at line {table.line} in section {section.heading!r} has no service column "
                f"(its header is {' | '.join(table.headers)}), so no row can be added to it",
                path=registry.path,
                hint="name a column 'Service' (or 'Name', 'App', 'Component', 'Container')",
            )
    raise RefusedError(
        f"section {section.heading!r} (line {section.line}) has no registry table to add a row to",
        path=registry.path,
        hint="add a table with a 'Port | Service' header under that heading",
    )


def carried_cells(registry: Registry, entry: Entry, texts: list[str], table_index: int, drop_cells: bool) -> list[str]:
    """The cells ``texts`` of ``entry``'s row laid out for the table ``table_index``, by header.

    A cell with text whose column the table lacks is refused unless ``drop_cells``.
    """
    source = registry.tables[entry.table]
    target = registry.tables[table_index]
    by_header = dict(zip(source.headers, texts, strict=False))
    lost = [h for h, t in by_header.items() if t and h not in target.headers]
    if lost and not drop_cells:
        raise RefusedError(
            f"the table at line {target.line} has no column for {', '.join(repr(h) for h in lost)} of {entry.service}",
            path=registry.path,
            hint="add the column to that table first, or pass --drop-cells",
        )
    return [by_header.get(header, "") for header in target.headers]


def place(builder: Builder, table_index: int, port: int, texts: list[str], key: EntryKey) -> None:
    """Put a new row for ``port`` into the table, consuming any placeholder that covers it."""
    registry = builder.registry
    target = builder.plan(table_index)
    new_item = target.new(texts, key)
    placed = False
    for entry in registry.by_port.get(port, ()):
        if entry.service is not None or entry.index in builder.replaced:
            continue
        plan = builder.plan(entry.table)
        position = plan.index_of(entry.row)
        old = plan.items[position]
        remainder = [p for p in entry.ports if p != port]
        below = [p for p in remainder if p < port]
        above = [p for p in remainder if p > port]
        replacement: list[Item] = []
        rest: Item | None = None
        for group in (below, above):
            if group:
                cells = list(old.row.texts)
                cells[plan.info.port_column] = port_text(entry.port_text, group)
                # The first remainder keeps the placeholder's own line; another one is new.
                remainder_key = builder.key(entry.table, cells, None, group)
                item = plan.new(cells, remainder_key, like=old.row if not replacement else None)
                if group is below or plan is not target:
                    replacement.append(item)
                else:
                    rest = item
        builder.replaced.add(entry.index)
        if plan is target and not placed:
            replacement.append(new_item)
            placed = True
        plan.items[position : position + 1] = replacement
        if rest is not None:
            # Ports above the new one go where port order puts them ("3017, 3019" around 3018).
            plan.insert_sorted(rest)
    if not placed:
        target.insert_sorted(new_item)


def vacate(builder: Builder, entry: Entry, reserve: bool) -> None:
    """Delete the entry's row; with ``reserve`` leave a placeholder merged with its neighbours."""
    plan = builder.plan(entry.table)
    position = plan.index_of(entry.row)
    builder.replaced.add(entry.index)
    if not reserve:
        del plan.items[position]
        return
    ports = set(entry.ports)
    start, end = position, position + 1
    template: Row | None = None
    for neighbour in (position - 1, position + 1):
        if 2 <= neighbour < len(plan.items):
            item = plan.items[neighbour]
            # Touching ports merge: `3017-3019` next to 3016, and `3004, 3006` around 3005.
            if item.placeholder and item.spans and any(p - 1 in ports or p + 1 in ports for p in item.ports):
                ports |= item.ports
                template = template or item.row
                start, end = min(start, neighbour), max(end, neighbour + 1)
                if item.origin is not None and not item.fresh:
                    builder.replaced.update(
                        other.index
                        for other in builder.registry.entries
                        if other.table == entry.table and other.row == item.origin
                    )
    if template is not None:
        cells = list(template.texts)
        cells[plan.info.port_column] = port_text(template.texts[plan.info.port_column], ports)
    else:
        # A placeholder the way this table writes them, on the entry's own line.
        column = plan.info.service_column or 0
        markers = [
            item.row.texts[column] for item in plan.items[2:] if item.placeholder and len(item.row.texts) > column
        ]
        marker = Counter(m for m in markers if m).most_common(1)[0][0] if any(markers) else DEFAULT_MARKER
        cells = [""] * len(plan.info.headers)
        cells[plan.info.port_column] = port_text(entry.port_text, ports)
        cells[plan.info.service_column or 0] = marker
        template = plan.items[position].row
    plan.items[start:end] = [plan.new(cells, builder.key(entry.table, cells, None, ports), like=template)]


def rewrite_cells(
    builder: Builder,
    entry: Entry,
    cells: Mapping[int, str],
    service: str | None = None,
    ports: Iterable[int] | None = None,
) -> None:
    """Change some cells of an entry's row where it stands (``ports``: its new ports, if they change)."""
    plan = builder.plan(entry.table)
    position = plan.index_of(entry.row)
    texts = list(plan.items[position].row.texts)
    texts += [""] * (len(plan.info.headers) - len(texts))
    for column, text in cells.items():
        texts[column] = text
    key = builder.key(entry.table, texts, service or entry.service, entry.ports if ports is None else ports)
    plan.items[position] = plan.new(texts, key, origin=entry.row, like=plan.items[position].row)
    builder.replaced.add(entry.index)

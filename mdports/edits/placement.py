"""Where rows go: the section's table, a new row placed in port order, a row vacated or rewritten in place.

These steps change a :class:`~mdports.edits.plan.TablePlan`; placeholders are consumed, split
or merged with their neighbours as a careful person would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from ..errors import RefusedError
from ..model.registry import Entry, Registry
from ..model.sections import Section
from ..syntax.row import Row
from .cells import port_text
from .plan import Builder, Item
from .result import EntryKey

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

"""The one-row edits that fix a finding (``validate --fix``, review suggestions): MP105, MP103, MP001/MP101."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..errors import NotFoundError, RefusedError
from ..model.free_ports import holders
from ..model.names import fold_name
from ..model.ports import format_ports
from ..model.reading import build
from ..model.registry import Entry, Registry
from ..syntax.document import Document
from .cells import port_text
from .inputs import check_port
from .placement import carried_cells, place, rewrite_cells, section_table, vacate
from .plan import Builder
from .references import cells_by_name
from .result import Change, Edit


def _entry_at(registry: Registry, line: int) -> Entry:
    for entry in registry.entries:
        if entry.line == line:
            return entry
    raise NotFoundError(f"no registry row at line {line}", path=registry.path)


def complete_row(document: Document, line: int) -> Edit:
    """Give the row at ``line`` the empty cells it lacks, in its table's style (MP105's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    builder = Builder(document, registry)
    rewrite_cells(builder, entry, {})  # rewriting a row pads it to the header's width
    section = registry.sections[entry.section].heading
    return builder.finish([Change("fill", entry.service, entry.ports, section, f"filled the cells of {entry.label}")])


def shrink_placeholder(document: Document, line: int) -> Edit:
    """Keep only the free ports of the placeholder at ``line``; drop it when none is free (MP103's fix)."""
    registry = build(document)
    entry = _entry_at(registry, line)
    if entry.service is not None or not entry.spans:
        raise RefusedError(f"the row at line {line} is not a placeholder", path=registry.path)
    free = [port for port in entry.ports if not holders(registry, port, entry.protocols)]
    builder = Builder(document, registry)
    if free:
        column = registry.tables[entry.table].port_column
        rewrite_cells(builder, entry, {column: port_text(entry.port_text, free)}, ports=free)
        message = f"shrank placeholder {entry.port_text} to {format_ports(free)}"
    else:
        vacate(builder, entry, reserve=False)
        message = f"removed placeholder {entry.port_text}: every port of it is assigned"
    section = registry.sections[entry.section].heading
    return builder.finish([Change("shrink", None, tuple(free), section, message, old_ports=entry.ports)])


def renumber(document: Document, line: int, port: int) -> Edit:
    """Give the single-port row at ``line`` another port where it stands, references following.

    Unlike ``move`` it neither re-sorts the table nor consumes a placeholder: it is the one-line
    change a pull request suggestion can hold (``validate --fix`` tidies up after it).
    """
    return renumber_all(document, {line: port})


def renumber_all(
    document: Document,
    ports: Mapping[int, int],
    registry: Registry | None = None,
    *,
    in_place: bool = True,
    sections: Mapping[int, int] | None = None,
) -> Edit:
    """:func:`renumber` for many rows at once (``ports``: row line -> new port), in one edit.

    The document is read once, the rows rewritten and the result verified once, so N rows cost
    about what one does: ``validate --unsafe-fixes`` moves every duplicated row of a round this
    way. With ``in_place=False`` the renumbered rows go where port order puts them in the table
    ``move`` puts their section's rows in (their own, or the section's first with a service
    column: cells carried by header) and a placeholder holding a new port is split, as ``move``
    does for one row (at most one new port per placeholder). The new ports must be distinct and free before the edit.
    ``registry`` is the document's, when the caller has read it already. ``sections`` (row line
    -> section index, with ``in_place=False``) sends rows to another section, as ``move --range``
    does: ``validate --unsafe-fixes`` moves every row that stands outside its range's section so.
    """
    sections = sections or {}
    registry = registry if registry is not None else build(document)
    taken_twice = [port for port, count in Counter(ports.values()).items() if count > 1]
    if taken_twice:
        raise RefusedError(f"port {taken_twice[0]} would be given to two rows", path=registry.path)
    by_line = {entry.line: entry for entry in registry.entries}
    referring = cells_by_name(registry)
    rewritten: dict[int, dict[int, str]] = {}  # entry index -> column -> new text
    moved: list[Entry] = []
    changes = []
    for line, port in ports.items():
        entry = by_line.get(line)
        if entry is None:
            raise NotFoundError(f"no registry row at line {line}", path=registry.path)
        if entry.service is None or len(entry.ports) != 1:
            raise RefusedError(f"the row at line {line} is not a single-port service", path=registry.path)
        taken = holders(registry, check_port(port), entry.protocols, skip=entry)
        if taken:
            raise RefusedError(f"port {port} is already assigned to {taken[0].service}", path=registry.path)
        old_port = entry.ports[0]
        column = registry.tables[entry.table].port_column
        rewritten.setdefault(entry.index, {})[column] = port_text(entry.port_text, [port])
        references = referring.get(fold_name(entry.service or ""), [])
        for holder, column, text in references:
            cells = rewritten.setdefault(holder.index, {})
            cells[column] = cells.get(column, text).replace(str(old_port), str(port), 1)
        moved.append(entry)
        verb = "renumbered" if in_place else "moved"
        message = f"{verb} {entry.service} from {old_port} to {port}; {len(references)} reference(s) updated"
        section = registry.sections[sections.get(line, entry.section)].heading
        if line in sections:
            message = f"moved {entry.service} ({port}) to section {section!r}; {len(references)} reference(s) updated"
        changes.append(Change("move", entry.service, (port,), section, message, len(references), old_ports=entry.ports))
    builder = Builder(document, registry)
    for index, cells in rewritten.items():
        entry = registry.entries[index]
        rewrite_cells(builder, entry, cells, ports=[ports[entry.line]] if entry.line in ports else None)
    if not in_place:
        _put_in_order(builder, moved, ports, sections)
    return builder.finish(changes, tuple(ports.values()))


def _put_in_order(builder: Builder, moved: list[Entry], ports: Mapping[int, int], sections: Mapping[int, int]) -> None:
    """Move the rewritten rows of ``moved`` to where port order puts them, splitting placeholders.

    A row whose new port no placeholder holds is taken out and inserted again with the others of
    its table in one pass; one whose port a placeholder holds is placed as ``move`` places it.
    """
    registry = builder.registry
    by_table: dict[int, list[Entry]] = {}
    placing: list[tuple[Entry, int]] = []  # rows placed as ``move`` places one, and the table they go into
    for entry in moved:
        held = [other for other in registry.by_port.get(ports[entry.line], ()) if other is not entry]
        if any(other.index in builder.replaced for other in held):
            raise RefusedError(f"port {ports[entry.line]} is in a row this edit changes already", path=registry.path)
        table = section_table(registry, registry.sections[sections.get(entry.line, entry.section)])
        if held or table != entry.table:  # a placeholder to split, or the table ``move`` puts the row in
            placing.append((entry, table))
        else:
            by_table.setdefault(entry.table, []).append(entry)
    for table, entries in by_table.items():
        plan = builder.plan(table)
        positions = {plan.index_of(entry.row) for entry in entries}
        rows = [plan.items[position] for position in sorted(positions)]
        plan.items = [item for position, item in enumerate(plan.items) if position not in positions]
        plan.insert_all_sorted(rows)
    for entry, table in placing:
        plan = builder.plan(entry.table)
        row = plan.items.pop(plan.index_of(entry.row)).row
        port = ports[entry.line]
        texts = (
            list(row.texts) if table == entry.table else carried_cells(registry, entry, list(row.texts), table, False)
        )
        place(builder, table, port, texts, builder.key(table, texts, entry.service, [port]))

"""The one-row edits that fix a finding (``validate --fix``, review suggestions): MP105, MP103, MP001/MP101."""

from __future__ import annotations

from ..errors import NotFoundError, RefusedError
from ..model.ports import format_ports
from ..model.reading import build
from ..model.registry import Entry, Registry
from ..syntax.document import Document
from .cells import port_text
from .inputs import check_port
from .placement import rewrite_cells, vacate
from .plan import Builder
from .port_choice import holders
from .references import referring_cells
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
    registry = build(document)
    entry = _entry_at(registry, line)
    if entry.service is None or len(entry.ports) != 1:
        raise RefusedError(f"the row at line {line} is not a single-port service", path=registry.path)
    taken = holders(registry, check_port(port), entry.protocols, skip=entry)
    if taken:
        raise RefusedError(f"port {port} is already assigned to {taken[0].service}", path=registry.path)
    info = registry.tables[entry.table]
    old_port = entry.ports[0]
    builder = Builder(document, registry)
    own = {info.port_column: port_text(entry.port_text, [port])}
    references = referring_cells(registry, entry)
    for holder, column, text in references:
        new_text = text.replace(str(old_port), str(port), 1)
        if holder is entry:
            own[column] = new_text
        else:
            rewrite_cells(builder, holder, {column: new_text})
    rewrite_cells(builder, entry, own, ports=[port])
    section = registry.sections[entry.section].heading
    message = f"renumbered {entry.service} from {old_port} to {port}; {len(references)} reference(s) updated"
    change = Change("move", entry.service, (port,), section, message, len(references), old_ports=entry.ports)
    return builder.finish([change], (port,))

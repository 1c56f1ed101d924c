"""The text a ``--host`` edit writes: list items of running ports, and rows of tables that say where services run.

The text of a ``--host`` edit on a list item of running ports, written into a :class:`Builder`.

A host's list (see :mod:`mdports.model.lists`)::

    > **Web box (production):**
    > - shop-api `3061`, shop-worker `3062`,
    >   shop-events `3115` (moved from 3065 on 2026-01-20)

A move changes the digits of one port and nothing else; an added item goes after the host's
last one, in the list's own style (quote prefix, marker, code span or not); a removal takes one
assignment out of its item (with its comma or semicolon), or the item away when the assignment
is alone in it; a rename rewrites the name where it is written. Notes stay as they are: "moved
from 3065" is the document's history, not mdports'. Each step also states the running entries
the new text must read back as (``Builder.running``), so that
:func:`~mdports.edits.result.verify` refuses an edit that would change what else is read.

The rows of a ``--host`` edit on a table that says where services run, written into a :class:`Builder`.

A table is part of the running layer when it says where each service runs
(:func:`mdports.model.reading` reads it so): a ``Host`` column, or a ``Current Port`` beside a
``Default Port`` (its host then comes from the section heading, ``### Server: gpu-box``)::

    | Host   | Service     | Port | Notes               |
    |--------|-------------|------|---------------------|
    | prod-1 | shop-api    | 3061 | moved off 3010      |
    | prod-1 | shop-events | 3115 | moved from 3065     |

Every change stays on the host's own rows, as the table writes them: a move rewrites the
digits of the port cell (the Current one beside a Default), keeping its markup; a new row goes
after the host's last row, with the host cell copied from it; a removal takes the row out; a
rename rewrites the name in the service cell. The other rows keep their bytes (the table's
own padding is kept by :class:`~mdports.syntax.table_style.TableStyle`), and the rows the edit
writes must read back as intended (:meth:`Builder.finish` states them, verify checks them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ..errors import RefusedError
from ..model.assignments import Assignment
from ..model.hosts import host_key
from ..model.lists import ListedItem, listed_items
from ..model.lookup import Registry
from ..model.registry import Entry
from ..syntax.document import Prose, Table
from ..syntax.row import split_eol
from .cells import replace_name, row_texts
from .plan import Builder, rewrite_cells, vacate
from .result import running_key


def item_of(
    registry: Registry, entry: Entry, read: dict[int, dict[int, ListedItem]] | None = None
) -> tuple[int, Prose, ListedItem, Assignment]:
    """The prose block, item and assignment a running entry was read from.

    ``read`` keeps the items of the blocks already read (by each line of each item), so that
    finding many entries reads each block once.
    """
    block_index = registry.lists[entry.table].block
    block = registry.document.blocks[block_index]
    assert isinstance(block, Prose)
    read = {} if read is None else read
    if block_index not in read:
        read[block_index] = {line: item for item in listed_items(block) for line, _, _ in item.pieces}
    item = read[block_index].get(entry.line)
    for assignment in item.assignments if item is not None else ():
        if (assignment.line, assignment.port_column) == (entry.line, entry.port_column):
            assert item is not None
            return block_index, block, item, assignment
    raise RefusedError(  # pragma: no cover - a bug guard: the reader found this entry in this block
        f"internal error: the item of {entry.service} (line {entry.line}) was not found", path=registry.path
    )


def move_item(builder: Builder, entry: Entry, port: int) -> None:
    """Change the digits of the entry's one port on its line."""
    registry = builder.registry
    block_index, block, _, _ = item_of(registry, entry)
    offset = entry.line - 1 - block.start
    line = block.lines[offset]
    at = entry.port_column - 1
    assert line[at : at + len(entry.port_text)] == entry.port_text
    builder.prose.setdefault(block_index, {})[offset] = line[:at] + str(port) + line[at + len(entry.port_text) :]
    builder.running = [running_key(e) if e is not entry else (e.host, e.service, (port,)) for e in registry.listed]


def add_item(builder: Builder, last: Entry, name: str, port: int) -> int:
    """Write one item for ``name`` after the item of ``last``, in its style; the new item's line."""
    registry = builder.registry
    block_index, block, item, assignment = item_of(registry, last)
    offset = item.end - 1 - block.start
    text, eol = split_eol(block.lines[offset])
    before, between, after = assignment.style
    written = f"{port}{between}{name}" if assignment.port_first else f"{name}{between}{port}"  # "9000: name"
    line = f"{_next_lead(item.lead)}{before}{written}{after}"
    if not eol:  # the item is the document's last line: the new one becomes the last
        eol, line_eol = _newline(block), ""
    else:
        line_eol = eol
    builder.prose.setdefault(block_index, {})[offset] = f"{text}{eol}{line}{line_eol}"
    builder.running = [running_key(e) for e in registry.listed] + [(last.host, name, (port,))]
    return item.end + 1


def remove_item(builder: Builder, entry: Entry) -> None:
    """Take the entry's assignment out of its item (with its separator), or the item away when alone."""
    registry = builder.registry
    block_index, block, item, assignment = item_of(registry, entry)
    lines = builder.prose.setdefault(block_index, {})
    if len(item.assignments) == 1:
        for number in range(item.line, item.end + 1):
            lines[number - 1 - block.start] = ""
    else:
        start, end = assignment.part
        joined = item.text
        if start > 0:  # from the separator before it: "a `1`, b `2`" -> "a `1`"
            start -= 1
        else:  # up to the next part: "a `1`, b `2`" -> "b `2`"
            end += 1
            while end < len(joined) and joined[end] in " \t":
                end += 1
        _replace(block, lines, item, start, end, "")
    builder.running = [running_key(e) for e in registry.listed if e is not entry]


def rename_items(builder: Builder, entries: Sequence[Entry], new: str) -> None:
    """Write ``new`` where each entry's name is written in its item (a link keeps its target)."""
    registry = builder.registry
    renamed = {entry.index for entry in entries}
    read: dict[int, dict[int, ListedItem]] = {}
    for entry in entries:
        block_index, block, item, assignment = item_of(registry, entry, read)
        start, end = assignment.name
        (line, at), (end_line, until) = item.position(start), item.position(end)
        if line != end_line:
            raise RefusedError(
                f"the name {entry.service} at line {line} wraps onto the next line; mdports does not rewrite it",
                path=registry.path,
                hint="join the name onto one line first",
            )
        lines = builder.prose.setdefault(block_index, {})
        offset = line - 1 - block.start
        text = lines.get(offset, block.lines[offset])
        lines[offset] = text[:at] + new + text[until:]
    builder.running = [(e.host, new, e.ports) if e.index in renamed else running_key(e) for e in registry.listed]


def set_item_note(builder: Builder, entry: Entry, note: str) -> str | None:
    """Write ``note`` in parentheses after the entry's port ('' removes it); the old note, None if it had none.

    Nothing is written when the note is already ``note``.
    """
    registry = builder.registry
    block_index, block, item, assignment = item_of(registry, entry)
    joined = item.text
    start = item.offset(entry.line, entry.port_column - 1) + len(entry.port_text) + len(assignment.style[2])
    if assignment.port_first:  # "9000: name (note)": the note follows the name
        start = assignment.name[1]
    end = start
    while end < assignment.part[1] and joined[end] in " \t":
        end += 1
    if end < assignment.part[1] and joined[end] == "(":
        close = _closing(joined, end, assignment.part[1])
        end = close + 1 if close is not None else start
    old = joined[start:end].strip() if end > start else None
    new = f" ({note})" if note else ""
    if (old or "") != new.strip():
        _replace(block, builder.prose.setdefault(block_index, {}), item, start, end, new)
        builder.running = [running_key(e) for e in registry.listed]
    return old


def _next_lead(lead: str) -> str:
    """The lead of the next item: the same quote prefix, indent and bullet; a number one higher."""
    stripped = lead.rstrip(" \t")
    digits = len(stripped) - 1
    while digits > 0 and stripped[digits - 1].isdigit():
        digits -= 1
    if stripped.endswith((".", ")")) and stripped[digits:-1].isdigit():
        number = str(int(stripped[digits:-1]) + 1)
        return stripped[:digits] + number + stripped[-1] + lead[len(stripped) :]
    return lead


def _newline(block: Prose) -> str:
    return next((split_eol(line)[1] for line in block.lines if split_eol(line)[1]), "\n")


def _replace(block: Prose, lines: dict[int, str], item: ListedItem, start: int, end: int, new: str) -> None:
    """Replace ``item.text[start:end]`` by ``new`` in the lines it spans (the lines between go, the ends join)."""
    first, at = item.position(start)
    last, until = item.position(end)
    head = block.lines[first - 1 - block.start]
    tail = block.lines[last - 1 - block.start]
    lines[first - 1 - block.start] = head[:at] + new + tail[until:]
    for number in range(first + 1, last + 1):
        lines[number - 1 - block.start] = ""


def _closing(text: str, start: int, end: int) -> int | None:
    """The index of the parenthesis closing the one at ``start`` (before ``end``), or None."""
    depth = 0
    for index in range(start, end):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def move_row(builder: Builder, entry: Entry, port: int) -> None:
    """Change the digits of the entry's one port in its port cell (``**8189**`` -> ``**8190**``)."""
    info = builder.registry.tables[entry.table]
    old = entry.ports[0]
    # The port's own digits, not a longer number holding them ("10.0.30.61:3061" keeps its address).
    digits = re.compile(rf"(?<![0-9]){old}(?![0-9])")
    matches = list(digits.finditer(entry.port_text))
    text = entry.port_text
    if matches:
        last = matches[-1]  # "127.0.0.1:3061": the port follows the address
        text = text[: last.start()] + str(port) + text[last.end() :]
    rewrite_cells(builder, entry, {info.port_column: text}, ports=[port])


def add_row(builder: Builder, last: Entry, name: str, port: int, cells: Mapping[str, str]) -> int:
    """A row for ``name`` on ``port`` right after ``last`` (the host's last row), in the table's style.

    The port and name are written as the table writes them (``row_texts``); the host cell is
    the one of ``last`` as written (``**gpu-box**`` stays bold); ``cells`` fill other columns,
    a Default Port among them when given. The new row's line is returned.
    """
    registry = builder.registry
    info = registry.tables[last.table]
    texts = row_texts(registry, last.table, cells, str(port), name)
    plan = builder.plan(last.table)
    position = plan.index_of(last.row)
    if info.host_column is not None:
        texts[info.host_column] = _host_cell(builder, last, info.host_column)
    plan.items.insert(position + 1, plan.new(texts, builder.key(last.table, texts, name, [port])))
    return last.line + 1


def _host_cell(builder: Builder, last: Entry, column: int) -> str:
    """The host cell as the host's rows of the table write it most often (``prod-1`` over one ``Prod-1``).

    A tie goes to the spelling of the row written last, the new row's neighbour.
    """
    registry = builder.registry
    block = registry.document.blocks[registry.tables[last.table].block]
    assert isinstance(block, Table)
    key = host_key(last.host or "")
    cells = [
        block.rows[e.row].texts[column]
        for e in registry.entries
        if e.table == last.table and e.host and host_key(e.host) == key and column < len(block.rows[e.row].texts)
    ]
    counts = Counter(cells)
    return max(reversed(cells), key=lambda cell: counts[cell]) if cells else ""


def remove_row(builder: Builder, entry: Entry) -> None:
    """Take the entry's row out of its table."""
    vacate(builder, entry, reserve=False)


def rename_row(builder: Builder, entry: Entry, new: str) -> None:
    """Write ``new`` in the entry's service cell (its markup and link kept)."""
    info = builder.registry.tables[entry.table]
    assert info.service_column is not None and entry.service is not None
    rewrite_cells(builder, entry, {info.service_column: replace_name(entry.service_text, entry.service, new)}, new)

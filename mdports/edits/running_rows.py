"""The rows of a ``--host`` edit on a table that says where services run, written into a :class:`Builder`.

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
from collections.abc import Mapping

from ..model.hosts import host_key
from ..model.registry import Entry
from ..syntax.document import Table
from .cells import replace_name, row_texts
from .plan import Builder, rewrite_cells, vacate


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

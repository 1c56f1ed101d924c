"""Edits of the running layer (``--host``): where a service runs on one host, in place.

The running layer of a host is what the document says runs there: the items of its list of
running ports (see :mod:`mdports.model.lists`) and the rows of tables that say where services
run (a Host column, a Current Port beside a Default Port). Each operation here finds the
host's entry (:mod:`.targets`), refuses what a careful person would not do, and
changes the entry where it is written: a list item (:mod:`.running_text`) or a table row
(:mod:`.running_text` too). The plan's tables are left alone (``rename`` also renames the plan's
row: :func:`mdports.edits.operations.rename`). Every edit is verified before it is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from ..errors import RefusedError, UsageError
from ..model.hosts import running_on
from ..model.lookup import Registry
from ..model.names import fold_name, same_spelling
from ..model.ports import format_ports
from ..model.registry import Entry
from ..syntax.document import Document
from .cells import check_name, check_port, check_value
from .plan import Builder
from .result import Change, Edit
from .running_text import (
    add_item,
    add_row,
    move_item,
    move_row,
    remove_item,
    remove_row,
    rename_items,
    rename_row,
    set_item_note,
)
from .targets import OnHost, check_free, check_name_free, free_port, heading_of, last_on, running_entry


def move(document: Document, name: str, on: OnHost, *, port: int | None = None, range_: str | None = None) -> Edit:
    r"""Move a service to another port on one host: only the digits of its port change.

    >>> import mdports
    >>> doc = mdports.parse("**Web box (production):**\n- shop-api `3061`, shop-events `3115` (moved from 3065)\n")
    >>> move(doc, "shop-events", OnHost("web box"), port=3116).text
    '**Web box (production):**\n- shop-api `3061`, shop-events `3116` (moved from 3065)\n'
    """
    registry, host = on.read(document)
    entry = running_entry(registry, host, name)
    if len(entry.ports) != 1:
        raise RefusedError(
            f"{entry.service} runs on {len(entry.ports)} ports on {host} (line {entry.line}); move works on one port",
            path=registry.path,
            hint=f"edit the {'row' if entry.source == 'table' else 'item'} by hand, or remove and add",
        )
    assert entry.service is not None
    if port is None:
        port = free_port(registry, host, entry.service, range_, besides=entry)
    check_port(port)
    if port in entry.ports:
        raise RefusedError(f"{entry.service} already runs on port {port} on {host}; nothing to do", path=registry.path)
    check_free(registry, host, port, besides=entry)
    builder = Builder(document, registry)
    (move_row if entry.source == "table" else move_item)(builder, entry, port)
    builder.touch_date(on.date)
    message = f"moved {entry.service} on {host} from {entry.ports[0]} to {port}"
    change = Change("move", entry.service, (port,), heading_of(registry, entry), message, old_ports=entry.ports)
    return builder.finish([change], (port,))


def add(
    document: Document,
    name: str,
    on: OnHost,
    *,
    port: int | None = None,
    range_: str | None = None,
    cells: Mapping[str, str] | None = None,
) -> Edit:
    r"""Add a running service to a host: after the host's last item or row, in its list's or table's style.

    Without ``port``: the next port of ``range_`` free on the host, else the plan's port of the
    service. ``cells`` fill the columns of a table row; a list item has none.

    >>> import mdports
    >>> doc = mdports.parse("> **Web box:**\n> - shop-api `3061`\n\nEnd.\n")
    >>> add(doc, "shop-mail", OnHost("Web box"), port=3071).text
    '> **Web box:**\n> - shop-api `3061`\n> - shop-mail `3071`\n\nEnd.\n'
    """
    registry, host = on.read(document)
    name = check_name(name)
    last = last_on(registry, host)
    if last.source == "list":
        only_where_it_runs("add", "a list item of running ports", runtime_description_set=cells)
    same = [e for e in running_on(registry, host) if e.service and fold_name(e.service) == fold_name(name)]
    if same:
        raise RefusedError(f"{name} already runs on {host} at line {same[0].line}", path=registry.path)
    port = free_port(registry, host, name, range_) if port is None else check_port(port)
    check_free(registry, host, port)
    builder = Builder(document, registry)
    if last.source == "table":
        line = add_row(builder, last, name, port, cells or {})
    else:
        line = add_item(builder, last, name, port)
    builder.touch_date(on.date)
    message = f"added {name} on port {port} on {host} (line {line})"
    return builder.finish([Change("add", name, (port,), heading_of(registry, last), message)], (port,))


def remove(document: Document, key: str, on: OnHost) -> Edit:
    r"""Take a running service off a host: its table row, or out of its list item (the item goes when alone).

    >>> import mdports
    >>> doc = mdports.parse("**Web box:**\n- shop-api `3061`, shop-worker `3062`; shop-search `3068`\n")
    >>> remove(doc, "shop-worker", OnHost("web box")).text
    '**Web box:**\n- shop-api `3061`; shop-search `3068`\n'
    """
    registry, host = on.read(document)
    entry = running_entry(registry, host, key)
    builder = Builder(document, registry)
    (remove_row if entry.source == "table" else remove_item)(builder, entry)
    builder.touch_date(on.date)
    message = f"removed {entry.service} ({format_ports(entry.ports)}) from {host}"
    return builder.finish([Change("remove", entry.service, entry.ports, heading_of(registry, entry), message)])


def rename_running(builder: Builder, entries: list[Entry], new: str) -> None:
    """Write ``new`` where each running entry's name is written: its table row or its list item."""
    for entry in entries:
        if entry.source == "table":
            rename_row(builder, entry, new)
    rename_items(builder, [entry for entry in entries if entry.source == "list"], new)


def rename(document: Document, old: str, new: str, on: OnHost) -> Edit:
    r"""Rename a service where it runs on one host, when the plan has no entry for it.

    >>> import mdports
    >>> doc = mdports.parse("**GPU box:**\n- [comfyui](docs/comfy.md) `8188`\n")
    >>> rename(doc, "comfyui", "comfy-ui", OnHost("gpu box")).text
    '**GPU box:**\n- [comfy-ui](docs/comfy.md) `8188`\n'
    """
    registry, host = on.read(document)
    entry = running_entry(registry, host, old)
    assert entry.service is not None
    new = check_name(new)
    if same_spelling(new, entry.service):
        raise RefusedError(f"{entry.service} already has that name; nothing to do", path=registry.path)
    check_name_free(registry, [entry], new)
    builder = Builder(document, registry)
    rename_running(builder, [entry], new)
    builder.touch_date(on.date)
    message = f"renamed {entry.service} to {new} on {host}"
    section = heading_of(registry, entry)
    return builder.finish([Change("rename", new, entry.ports, section, message, old_service=entry.service)])


# The columns a note stands for: ``set NAME --host H --description TEXT`` (or ``--set Note=TEXT``).
_NOTE_COLUMNS = frozenset({"description", "note", "notes", "comment", "comments"})


def set_note(
    document: Document, registry: Registry, entry: Entry, cells: Mapping[str, str], date: datetime.date | None
) -> Edit:
    r"""Set the note in parentheses after a running service's port in its list item ('' removes it).

    A list item has no columns; its note is what a Description cell is to a row. (A running
    table row's cells are set as any row's: :func:`mdports.edits.operations.set_cells`.)
    """
    host = entry.host
    if not cells:
        raise UsageError("nothing to set", hint="pass --description NOTE")
    unknown = [column for column in cells if column.strip().casefold() not in _NOTE_COLUMNS]
    if unknown or len(cells) > 1:
        raise UsageError(
            f"a list item of running ports has no column {', '.join(repr(c) for c in unknown or cells)}; "
            "its only cell is its note",
            hint="pass --description NOTE (the text in parentheses after the port)",
        )
    note = check_value(next(iter(cells.values())), "the note").strip()
    if "(" in note or ")" in note:
        raise UsageError("a note cannot hold parentheses: it is written in them", hint="leave them out")
    if len(entry.ports) != 1:
        raise RefusedError(
            f"{entry.service} runs on several ports on {host} (line {entry.line}); edit its note by hand",
            path=registry.path,
        )
    builder = Builder(document, registry)
    old = set_item_note(builder, entry, note)
    if old is None and not note:
        raise RefusedError(f"{entry.service} on {host} has no note to remove; nothing to do", path=registry.path)
    if (old or "") == (f"({note})" if note else ""):
        message = f"{entry.service} on {host} already has that note; nothing changed"
    else:
        builder.touch_date(date)
        message = (
            f"set the note of {entry.service} on {host} to {note!r}"
            if note
            else f"removed the note of {entry.service} on {host}"
        )
    return builder.finish([Change("set", entry.service, entry.ports, heading_of(registry, entry), message)])


def only_where_it_runs(command: str, what: str, **options: object) -> None:
    """Refuse options that mean nothing for ``what`` a ``--host`` edit writes (a list item has no columns)."""
    given = ["/".join("--" + part for part in name.split("_")) for name, value in options.items() if value]
    if given:
        raise UsageError(
            f"{command} --host edits {what}, which has no {', '.join(given)}",
            hint=f"leave out --host to {command} in the plan's tables",
        )

"""The edit commands: ``add``, ``remove``, ``rename``, ``move`` and ``set``.

Each reads the registry, refuses what a careful person would not do (with what to do instead)
and plans the rows with :mod:`~mdports.edits.plan`; the result is verified before any write.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from ..errors import RefusedError, UsageError
from ..model.hosts import HostAddresses
from ..model.names import fold_name, same_spelling
from ..model.reading import build
from ..model.registry import Entry, service_name
from ..model.sections import matching_sections
from ..model.vocabulary import DEFAULT, PROTOCOL_HEADERS, Vocabulary, normalize_header
from ..syntax.document import Document
from . import running
from .cells import (
    cased_like,
    check_name,
    check_port,
    check_protocol,
    check_title,
    port_text,
    protocol_style,
    referring_cells,
    replace_name,
    row_texts,
    same_service_rows,
)
from .plan import Builder, carried_cells, place, rewrite_cells, section_table, vacate
from .result import Change, Edit
from .targets import (
    OnHost,
    address_refused,
    check_name_free,
    choose_port,
    edit_of,
    entry_of,
    refuse_look_alike,
    running_entry,
    section_for_port,
    with_section,
)

# A --host edit of anything but a list item writes where the service runs: a list item or a running table's row.
_WHERE_IT_RUNS = "where the service runs (a list item or a table row of running ports)"


def add(
    document: Document,
    name: str,
    *,
    range: str | None = None,
    port: int | None = None,
    section: str | None = None,
    force: bool = False,
    cells: Mapping[str, str] | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
    host: str | None = None,
    hosts: HostAddresses | None = None,
) -> Edit:
    r"""Add a service: the lowest free port of the range (or ``port``), in port order.

    ``cells`` maps column headers (``Runtime``, ``Description``, anything) to values; other
    columns stay empty. Placeholder ports count as free and are consumed. ``section`` names a
    section by its title (one without a range holds any port); a new title makes a section of
    that name at the end of the document. ``force`` takes a ``port`` outside the section's range
    (validate then warns MP101). With ``host``, the service is added where it runs instead: after
    that host's last list item or running-table row (see :func:`mdports.edits.running.add`;
    ``hosts`` are the configured hosts and their addresses).

    >>> import mdports
    >>> doc = mdports.parse("## 3010-3019: Infra\n\n| Port | Service |\n|---|---|\n"
    ...                     "| 3010 | a |\n| 3011-3019 | *(reserved)* |\n")
    >>> edit = add(doc, "todo-worker", range="infra")
    >>> edit.ports, edit.text.splitlines()[-2:]
    ((3011,), ['| 3011 | todo-worker |', '| 3012-3019 | *(reserved)* |'])
    """
    if host is not None:
        running.only_where_it_runs("add", _WHERE_IT_RUNS, section=section, force=force)
        on = OnHost(host, hosts, date, vocab)
        return running.add(document, name, on, port=port, range_=range, cells=cells)
    registry = build(document, vocab)
    name = check_name(name)
    original = registry
    if range is not None and section is not None:
        raise UsageError("give --range or --section, not both")
    if section is not None:
        if matching_sections(registry.sections, section):
            chosen = registry.section(section, "--section")
        elif port is None:
            raise UsageError(f"there is no section {section!r} yet, so no next free port in it", hint="pass --port")
        else:
            check_port(port)
            registry = build(with_section(registry, check_title(section)), vocab)
            chosen = registry.sections[-1]  # the new one
    elif range is not None:
        chosen = registry.section(range)
    elif port is not None:
        chosen = section_for_port(registry, port)
    else:
        raise UsageError("give --range (or --port) to say where the service goes")
    table_index = section_table(registry, chosen)
    info = registry.tables[table_index]
    values = dict(cells or {})
    style = protocol_style(registry, table_index) if info.protocol_column is None else None
    transport = None
    if style is not None:  # a table that writes "3478/udp" takes --set Protocol=udp in the port cell
        transport = next((values.pop(c) for c in list(values) if normalize_header(c) in PROTOCOL_HEADERS), None)
    texts = row_texts(registry, table_index, values, "0", name)
    cell_protocols = check_protocol(transport or "tcp") if style else None
    if cell_protocols:
        written = "/".join(cell_protocols)
        texts[info.port_column] = texts[info.port_column].replace(
            "0", f"0/{written}" if style == "suffix" else f"{written}/0", 1
        )
    host = texts[info.host_column] if info.host_column is not None and texts[info.host_column] else None
    host = host or chosen.host
    group = service_name(texts[info.group_column]) or None if info.group_column is not None else None
    # A name is taken on its host and in its project: `shop / nginx` leaves `blog / nginx` free.
    existing = [
        e
        for e in registry.by_name.get(fold_name(name), ())
        if e.host == host and fold_name(e.group or "") == fold_name(group or "")
    ]
    if existing:
        raise RefusedError(f"{name} already exists at line {existing[0].line}", path=registry.path)
    refuse_look_alike(registry, name)
    protocols: Sequence[str] = cell_protocols or ("tcp",)
    if info.protocol_column is not None and texts[info.protocol_column]:
        protocols = check_protocol(texts[info.protocol_column])
    port = choose_port(registry, chosen, port, protocols, host=host, force=force)
    texts[info.port_column] = texts[info.port_column].replace("0", str(port), 1)
    builder = Builder(registry.document, registry)
    place(builder, table_index, port, texts, builder.key(table_index, texts, name, [port]))
    builder.touch_date(date)
    where = f"new section {chosen.heading!r} at the end" if registry is not original else repr(chosen.heading)
    message = f"added {name} on port {port} in {where}"
    if chosen.range is not None and port not in chosen.range:  # --force: say what validate will say
        message += f"; it is outside the range {chosen.range}, so validate warns MP101 port-out-of-range"
    edit = builder.finish([Change("add", name, (port,), chosen.heading, message)], (port,))
    return edit if registry is original else edit_of(edit, original)


def remove(
    document: Document,
    key: str,
    *,
    reserve: bool = False,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
    host: str | None = None,
    hosts: HostAddresses | None = None,
) -> Edit:
    """Delete an entry's row; with ``reserve`` its ports become a placeholder (merged with neighbours).

    With ``host``: take the service off that host instead (its running-table row, or out of its list item).
    """
    if host is not None:
        running.only_where_it_runs("remove", _WHERE_IT_RUNS, reserve=reserve)
        return running.remove(document, key, OnHost(host, hosts, date, vocab))
    registry = build(document, vocab)
    entry = entry_of(registry, key, assigned=False)
    if reserve and entry.service is None:
        raise RefusedError(f"port {key} is already a placeholder", path=registry.path)
    if reserve and not entry.spans:
        raise RefusedError(
            f"the port cell {entry.port_text!r} of {entry.service} (line {entry.line}) cannot be read, "
            "so there are no ports to reserve",
            path=registry.path,
            hint="fix the port cell first, or remove the row without --reserve",
        )
    references = referring_cells(registry, entry) if entry.service else []
    if references:
        where = ", ".join(f"line {holder.line} ({holder.service})" for holder, _, _ in references)
        raise RefusedError(
            f"{entry.service} is referenced at {where}; removing it would leave dangling references",
            path=registry.path,
            hint="update or remove those references first",
        )
    builder = Builder(document, registry)
    section = registry.sections[entry.section].heading
    port = int(key) if key.strip().isdigit() and key.strip().isascii() and len(key.strip()) <= 5 else None
    if entry.service is None and port is not None and set(entry.ports) - {port}:
        # One port of a placeholder such as `3017-3019`: the others stay reserved (`3017, 3019`).
        rest = sorted(set(entry.ports) - {port})
        text = port_text(entry.port_text, rest)
        rewrite_cells(builder, entry, {builder.registry.tables[entry.table].port_column: text}, ports=rest)
        builder.touch_date(date)
        message = f"removed port {port} from placeholder {entry.port_text} (now {text.strip()})"
        return builder.finish([Change("remove", None, (port,), section, message)])
    vacate(builder, entry, reserve)
    builder.touch_date(date)
    what = entry.service or f"placeholder {entry.port_text}"
    message = f"removed {what} ({entry.port_text})" + (", ports reserved" if reserve else "")
    return builder.finish([Change("remove", entry.service, entry.ports, section, message)])


def rename(
    document: Document,
    old: str,
    new: str,
    *,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
    host: str | None = None,
    hosts: HostAddresses | None = None,
) -> Edit:
    """Rename a service and every cross-reference to it (``3030 chat-backend`` -> ``3030 chat-server``).

    With ``host``, the name follows the service into both layers: its item or row where it runs
    on that host, and its plan row and references when the plan has it.
    """
    runs: list[Entry] = []
    if host is not None:
        on = OnHost(host, hosts, date, vocab)
        registry, on_host = on.read(document)
        runs = [running_entry(registry, on_host, old)]
        planned = [e for e in registry.by_name.get(fold_name(service_name(old)), ()) if e.layer == "planned"]
        if not planned:
            return running.rename(document, old, new, on)
        entry = planned[0]
    else:
        registry = build(document, vocab)
        entry = entry_of(registry, old)
    table = registry.tables[entry.table]
    if table.addresses and table.service_column == table.port_column:  # the name is an upstream's address
        raise address_refused(registry, entry)
    assert entry.service is not None
    new = check_name(new)
    # A name running on another host is no clash for the plan (its items there keep their name).
    clash = [e for e in registry.by_name.get(fold_name(new), ()) if e.layer == "planned" or not runs]
    if clash and clash[0] is not entry:
        raise RefusedError(f"{new} already exists at line {clash[0].line}", path=registry.path)
    refuse_look_alike(registry, new, besides=entry)
    if same_spelling(new, entry.service):
        raise RefusedError(f"{entry.service} already has that name; nothing to do", path=registry.path)
    check_name_free(registry, runs, new)
    builder = Builder(document, registry)
    # Every row of the plan that is this service takes the new name (its other ports, a cluster
    # table's row of it): renaming one of them would split the service in two.
    rows = [entry, *same_service_rows(registry, entry)]
    by_holder: dict[int, dict[int, str]] = {}
    names: dict[int, str] = {}  # each row's new name, in the case it writes the old one
    for row in rows:
        column = registry.tables[row.table].service_column
        assert column is not None and row.service is not None
        names[row.index] = new if row is entry else cased_like(new, row.service)
        by_holder[row.index] = {column: replace_name(row.service_text, row.service, names[row.index])}
    references = referring_cells(registry, entry)
    for holder, column, text in references:
        by_holder.setdefault(holder.index, {})[column] = replace_name(text, entry.service, new)
    for index, cells in by_holder.items():
        rewrite_cells(builder, registry.entries[index], cells, service=names.get(index))
    if runs:
        running.rename_running(builder, runs, new)
    builder.touch_date(date)
    count = len(references)
    section = registry.sections[entry.section].heading
    also = f" and {len(rows) - 1} more row(s) of it" if len(rows) > 1 else ""
    message = f"renamed {entry.service}{also} to {new}; {count} reference(s) updated"
    if runs:
        message += f"; {_items(runs)}"
    return builder.finish([Change("rename", new, entry.ports, section, message, count, old_service=entry.service)])


def move(
    document: Document,
    name: str,
    *,
    port: int | None = None,
    range: str | None = None,
    reserve: bool = False,
    drop_cells: bool = False,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
    keep_section: bool = False,
    host: str | None = None,
    hosts: HostAddresses | None = None,
) -> Edit:
    """Move a service to another port (and section when the range changes); references follow.

    Moving into a table that lacks a column the row fills is refused unless ``drop_cells``.
    With ``keep_section``, the row stays in its section even when ``port`` lies outside the
    section's range (``drift --fix document`` adopting a port no range holds; MP101 follows).
    With ``host``, the port changes where the service runs on that host (its list item or running-table row).
    """
    if host is not None:
        running.only_where_it_runs("move", _WHERE_IT_RUNS, reserve=reserve, **{"drop-cells": drop_cells})
        return running.move(document, name, OnHost(host, hosts, date, vocab), port=port, range_=range)
    registry = build(document, vocab)
    entry = entry_of(registry, name)
    if registry.tables[entry.table].addresses:  # `<eth0>:53`: a number would replace the address (model.addresses)
        raise address_refused(registry, entry)
    assert entry.service is not None
    if len(entry.ports) != 1:
        raise RefusedError(
            f"{entry.service} has {len(entry.ports)} ports; move works on single-port entries",
            path=registry.path,
            hint="edit the port cell by hand, or remove and add",
        )
    current = registry.sections[entry.section]
    if range is not None:
        section = registry.section(range)
    elif port is not None:
        check_port(port)
        in_place = keep_section or current.range is None or port in current.range
        section = current if in_place else section_for_port(registry, port)
    else:
        raise UsageError("give --port or --range")
    keeps_host = registry.tables[section_table(registry, section)].host_column is not None
    host = entry.host if keeps_host else None
    port = choose_port(registry, section, port, entry.protocols, moving=entry, host=host, force=keep_section)
    if port in entry.ports and section.index == current.index:
        raise RefusedError(f"{entry.service} is already on port {port}; nothing to do", path=registry.path)
    table_index = section_table(registry, section)
    source = registry.tables[entry.table]
    target = registry.tables[table_index]
    old_texts = list(registry.document.blocks[source.block].rows[entry.row].texts)  # type: ignore[union-attr]
    texts = carried_cells(registry, entry, old_texts, table_index, drop_cells)
    texts[target.port_column] = port_text(entry.port_text, [port])
    old_port = entry.ports[0]
    references = referring_cells(registry, entry)
    for holder, column, text in references:
        if holder is entry and source is target:
            texts[column] = text.replace(str(old_port), str(port), 1)
    builder = Builder(document, registry)
    # Place first: a placeholder the new port comes from is then split before the old
    # port, when reserved, merges with what is left of its neighbours.
    place(builder, table_index, port, texts, builder.key(table_index, texts, entry.service, [port]))
    vacate(builder, entry, reserve)
    by_holder: dict[int, dict[int, str]] = {}
    for holder, column, text in references:
        if holder is not entry:
            by_holder.setdefault(holder.index, {})[column] = text.replace(str(old_port), str(port), 1)
    for index, cells in by_holder.items():
        rewrite_cells(builder, registry.entries[index], cells)
    builder.touch_date(date)
    message = f"moved {entry.service} from {old_port} to {port}"
    if section.index != current.index:
        message += f" ({current.heading!r} -> {section.heading!r})"
    message += f"; {len(references)} reference(s) updated"
    change = Change("move", entry.service, (port,), section.heading, message, len(references), old_ports=entry.ports)
    return builder.finish([change], (port,))


def set_cells(
    document: Document,
    name: str,
    cells: Mapping[str, str],
    *,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
    host: str | None = None,
    hosts: HostAddresses | None = None,
) -> Edit:
    """Change cells of a service's row (any column but port and service).

    With ``host``: where it runs on that host, its row of a running table (any column), or the
    note of its list item (see :func:`mdports.edits.running.set_note`).
    """
    if host is not None:
        registry, on_host = OnHost(host, hosts, date, vocab).read(document)
        entry = running_entry(registry, on_host, name)
        if entry.source == "list":
            return running.set_note(document, registry, entry, cells, date)
    else:
        registry = build(document, vocab)
        entry = entry_of(registry, name, assigned=False, cells_only=True)
    if not cells:
        raise UsageError("nothing to set", hint="pass --runtime, --description or --set COLUMN=VALUE")
    info = registry.tables[entry.table]
    texts = row_texts(registry, entry.table, cells, entry.port_text, entry.service_text)
    by_header = {normalize_header(header): index for index, header in enumerate(info.headers)}
    changed = {by_header[normalize_header(column)]: texts[by_header[normalize_header(column)]] for column in cells}
    current = registry.document.blocks[info.block].rows[entry.row].texts  # type: ignore[union-attr]
    changed = {column: text for column, text in changed.items() if column >= len(current) or current[column] != text}
    builder = Builder(document, registry)
    section = registry.sections[entry.section].heading
    if not changed:
        # Setting what is already there is done: nothing to write, and no new date.
        message = f"{entry.label} already has those values; nothing changed"
        return builder.finish([Change("set", entry.service, entry.ports, section, message)])
    rewrite_cells(builder, entry, changed)
    builder.touch_date(date)
    listing = ", ".join(f"{info.headers[c]}={t!r}" for c, t in changed.items())
    message = f"set {listing} on {entry.label}" + (f" on {entry.host}" if host is not None else "")
    return builder.finish([Change("set", entry.service, entry.ports, section, message)])


def _items(runs: Sequence[Entry]) -> str:
    hosts = ", ".join(dict.fromkeys(e.host or "(no host)" for e in runs))
    return f"{len(runs)} running item(s) renamed ({hosts})"

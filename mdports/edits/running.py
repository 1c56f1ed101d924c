"""Edits of the running layer (``--host``): the items of a host's list of running ports, in place.

A document that says what runs keeps it in lists grouped by host (see :mod:`mdports.model.lists`)::

    > **Web box (production):**
    > - shop-api `3061`, shop-worker `3062`,
    >   shop-events `3115` (moved from 3065 on 2026-01-20)

``move`` changes the digits of one port and nothing else; ``add`` writes one item after the
host's last one, in the list's own style (quote prefix, marker, code span or not); ``remove``
takes one assignment out of its item (with its comma or semicolon), or the item away when the
assignment is alone in it; ``rename`` rewrites the name where it is written. Notes stay as
they are: "moved from 3065" is the document's history, not mdports'. Every edit states the
running entries the new text must read back as (:attr:`~mdports.edits.result.Edit.expected_running`),
so :func:`~mdports.edits.verification.verify` refuses one that would change what else is read.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from ..errors import NotFoundError, RefusedError, UsageError
from ..model.lists import Assignment, ListedItem, host_key, listed_items
from ..model.names import fold_name, same_spelling
from ..model.ports import format_ports
from ..model.reading import build
from ..model.registry import Entry, Registry
from ..model.vocabulary import DEFAULT, Vocabulary
from ..syntax.document import Document, Prose
from ..syntax.row import split_eol
from .cells import check_name, check_port, check_value
from .plan import Builder
from .result import Change, Edit, running_key

# Configured hosts: name -> the addresses it is reached at (``[hosts.NAME]`` of the configuration).
HostAddresses = Mapping[str, Sequence[str]]


def resolve_host(registry: Registry, name: str, configured: HostAddresses | None = None) -> str:
    """The host of the running lists that ``name`` means, as the document writes it.

    ``name`` matches a label as written, compared by :func:`~mdports.model.lists.host_key`
    (``web box`` = ``**Web box (production):**``), or a configured host whose name or address
    matches a label's name or address. Anything else is a :class:`UsageError` listing the hosts.
    """
    written = {host_key(e.host): e.host for e in registry.listed if e.host}
    key = host_key(name)
    if key in written:
        return written[key]
    for configured_name, addresses in (configured or {}).items():
        if host_key(configured_name) != key:
            continue
        for entry in registry.listed:
            if entry.host and (host_key(entry.host) == key or (entry.address and entry.address in addresses)):
                return entry.host
    known = ", ".join(repr(host) for host in dict.fromkeys(written.values())) or "none"
    raise UsageError(
        f"no host {name!r} in the document's lists of running ports; its hosts: {known}",
        path=registry.path,
        hint="pass --host as the document labels it (case, spaces and notes do not matter), "
        "or give the configured [hosts.NAME] the label's address",
    )


def _on_host(registry: Registry, host: str) -> list[Entry]:
    key = host_key(host)
    return [e for e in registry.listed if e.host is not None and host_key(e.host) == key]


def running_entry(registry: Registry, host: str, key: str) -> Entry:
    """The running entry of service (or port) ``key`` on ``host``; refused when there is none or several."""
    entries = _on_host(registry, host)
    named = [e for e in entries if e.service is not None and fold_name(e.service) == fold_name(key)]
    digits = key.strip()
    if not named and digits.isdigit() and digits.isascii() and len(digits) <= 5:
        named = [e for e in entries if int(digits) in e.ports]
    if not named:
        services = ", ".join(e.service or "" for e in entries[:8]) + (", ..." if len(entries) > 8 else "")
        raise NotFoundError(
            f"{key} does not run on {host} (its list names {services})",
            path=registry.path,
            hint="`mdports list` shows every running entry with its host",
        )
    if len(named) > 1:
        lines = ", ".join(str(e.line) for e in named)
        raise RefusedError(
            f"{key} is listed {len(named)} times on {host} (lines {lines}); mdports cannot tell which one you mean",
            path=registry.path,
            hint="edit the list by hand, or remove the item listed twice first",
        )
    return named[0]


def _item_of(
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


def _heading(registry: Registry, entry: Entry) -> str:
    """The heading a change is reported under: the list's own ("Running today"), else its section's."""
    return registry.lists[entry.table].heading or registry.sections[entry.section].heading


def _taken(registry: Registry, host: str, besides: Entry | None = None) -> dict[int, Entry]:
    return {port: e for e in _on_host(registry, host) if e is not besides for port in e.ports}


def _check_free(registry: Registry, host: str, port: int, besides: Entry | None = None) -> None:
    holder = _taken(registry, host, besides).get(port)
    if holder is not None:
        raise RefusedError(
            f"port {port} on {host} is already taken by {holder.service} (line {holder.line})",
            path=registry.path,
            hint="choose another --port, or --range for the next port free on that host",
        )


def _free_port(registry: Registry, host: str, service: str, range_: str | None, besides: Entry | None = None) -> int:
    """A port for ``service`` on ``host``: the next of ``range_`` free there, else the plan's port for it.

    Free on the host means no running entry of that host holds it and the plan gives it to no
    other service (taking another service's planned port would make new debt).
    """
    taken = _taken(registry, host, besides)
    if range_ is None:
        planned = [p for e in registry.by_name.get(fold_name(service), ()) if e.layer == "planned" for p in e.ports]
        if planned and planned[0] not in taken:
            return planned[0]
        raise UsageError(
            f"{service} has no planned port that is free on {host}",
            path=registry.path,
            hint="give --port, or --range for the next port free on that host",
        )
    section = registry.section(range_)
    if section.range is None:
        raise UsageError(f"section {section.heading!r} declares no range", path=registry.path, hint="give --port")
    others = {p for p, held in registry.by_port.items() if any(e.service and e.service != service for e in held)}
    for port in section.range:
        if port not in taken and port not in others:
            return port
    raise RefusedError(
        f"no port of {section.range} is free on {host}", path=registry.path, hint="choose another --range or --port"
    )


def move(
    document: Document,
    name: str,
    host: str,
    *,
    port: int | None = None,
    range_: str | None = None,
    configured: HostAddresses | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Move a service to another port on one host: only the digits of its port change.

    >>> import mdports
    >>> doc = mdports.parse("**Web box (production):**\n- shop-api `3061`, shop-events `3115` (moved from 3065)\n")
    >>> move(doc, "shop-events", "web box", port=3116).text
    '**Web box (production):**\n- shop-api `3061`, shop-events `3116` (moved from 3065)\n'
    """
    registry = build(document, vocab)
    host = resolve_host(registry, host, configured)
    entry = running_entry(registry, host, name)
    if len(entry.ports) != 1:
        raise RefusedError(
            f"{entry.service} runs on {len(entry.ports)} ports on {host} (line {entry.line}); move works on one port",
            path=registry.path,
            hint="edit the item by hand, or remove and add",
        )
    assert entry.service is not None
    if port is None:
        port = _free_port(registry, host, entry.service, range_, besides=entry)
    check_port(port)
    if port in entry.ports:
        raise RefusedError(f"{entry.service} already runs on port {port} on {host}; nothing to do", path=registry.path)
    _check_free(registry, host, port, besides=entry)
    block_index, block, _, _ = _item_of(registry, entry)
    offset = entry.line - 1 - block.start
    line = block.lines[offset]
    at = entry.port_column - 1
    assert line[at : at + len(entry.port_text)] == entry.port_text
    builder = Builder(document, registry)
    builder.prose.setdefault(block_index, {})[offset] = line[:at] + str(port) + line[at + len(entry.port_text) :]
    builder.running = [running_key(e) if e is not entry else (e.host, e.service, (port,)) for e in registry.listed]
    builder.touch_date(date)
    old = entry.ports[0]
    message = f"moved {entry.service} on {host} from {old} to {port}"
    section = _heading(registry, entry)
    change = Change("move", entry.service, (port,), section, message, old_ports=entry.ports)
    return builder.finish([change], (port,))


def add(
    document: Document,
    name: str,
    host: str,
    *,
    port: int | None = None,
    range_: str | None = None,
    configured: HostAddresses | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Add a running service to a host: one new item after the host's last, in the list's style.

    Without ``port``: the next port of ``range_`` free on the host, else the plan's port of the service.

    >>> import mdports
    >>> doc = mdports.parse("> **Web box:**\n> - shop-api `3061`\n\nEnd.\n")
    >>> add(doc, "shop-mail", "Web box", port=3071).text
    '> **Web box:**\n> - shop-api `3061`\n> - shop-mail `3071`\n\nEnd.\n'
    """
    registry = build(document, vocab)
    host = resolve_host(registry, host, configured)
    name = check_name(name)
    entries = _on_host(registry, host)
    same = [e for e in entries if e.service is not None and fold_name(e.service) == fold_name(name)]
    if same:
        raise RefusedError(f"{name} already runs on {host} at line {same[0].line}", path=registry.path)
    port = _free_port(registry, host, name, range_) if port is None else check_port(port)
    _check_free(registry, host, port)
    last = max(entries, key=lambda e: e.line)
    block_index, block, item, assignment = _item_of(registry, last)
    offset = item.end - 1 - block.start
    text, eol = split_eol(block.lines[offset])
    before, between, after = assignment.style
    line = f"{_next_lead(item.lead)}{before}{name}{between}{port}{after}"
    if not eol:  # the item is the document's last line: the new one becomes the last
        text, eol, line_eol = text, _newline(block), ""
    else:
        line_eol = eol
    builder = Builder(document, registry)
    builder.prose.setdefault(block_index, {})[offset] = f"{text}{eol}{line}{line_eol}"
    builder.running = [running_key(e) for e in registry.listed] + [(last.host, name, (port,))]
    builder.touch_date(date)
    section = _heading(registry, last)
    change = Change("add", name, (port,), section, f"added {name} on port {port} on {host} (line {item.end + 1})")
    return builder.finish([change], (port,))


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


def remove(
    document: Document,
    key: str,
    host: str,
    *,
    configured: HostAddresses | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Take a running service off a host: out of its item, or the item away when it is alone.

    >>> import mdports
    >>> doc = mdports.parse("**Web box:**\n- shop-api `3061`, shop-worker `3062`; shop-search `3068`\n")
    >>> remove(doc, "shop-worker", "web box").text
    '**Web box:**\n- shop-api `3061`; shop-search `3068`\n'
    """
    registry = build(document, vocab)
    host = resolve_host(registry, host, configured)
    entry = running_entry(registry, host, key)
    block_index, block, item, assignment = _item_of(registry, entry)
    builder = Builder(document, registry)
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
    builder.touch_date(date)
    section = _heading(registry, entry)
    message = f"removed {entry.service} ({format_ports(entry.ports)}) from {host}"
    return builder.finish([Change("remove", entry.service, entry.ports, section, message)])


def _replace(block: Prose, lines: dict[int, str], item: ListedItem, start: int, end: int, new: str) -> None:
    """Replace ``item.text[start:end]`` by ``new`` in the lines it spans (the lines between go, the ends join)."""
    first, at = item.position(start)
    last, until = item.position(end)
    head = block.lines[first - 1 - block.start]
    tail = block.lines[last - 1 - block.start]
    lines[first - 1 - block.start] = head[:at] + new + tail[until:]
    for number in range(first + 1, last + 1):
        lines[number - 1 - block.start] = ""


def rename_running(builder: Builder, entries: Sequence[Entry], new: str) -> None:
    """Write ``new`` where each running entry's name is written (a link keeps its target)."""
    registry = builder.registry
    renamed = {entry.index for entry in entries}
    read: dict[int, dict[int, ListedItem]] = {}
    for entry in entries:
        block_index, block, item, assignment = _item_of(registry, entry, read)
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


def rename(
    document: Document,
    old: str,
    new: str,
    host: str,
    *,
    configured: HostAddresses | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Rename a service where it runs on one host, when the plan has no entry for it.

    >>> import mdports
    >>> doc = mdports.parse("**GPU box:**\n- [comfyui](docs/comfy.md) `8188`\n")
    >>> rename(doc, "comfyui", "comfy-ui", "gpu box").text
    '**GPU box:**\n- [comfy-ui](docs/comfy.md) `8188`\n'
    """
    registry = build(document, vocab)
    host = resolve_host(registry, host, configured)
    entry = running_entry(registry, host, old)
    assert entry.service is not None
    new = check_name(new)
    if same_spelling(new, entry.service):
        raise RefusedError(f"{entry.service} already has that name; nothing to do", path=registry.path)
    check_name_free(registry, [entry], new)
    builder = Builder(document, registry)
    rename_running(builder, [entry], new)
    builder.touch_date(date)
    section = _heading(registry, entry)
    message = f"renamed {entry.service} to {new} on {host}"
    return builder.finish([Change("rename", new, entry.ports, section, message, old_service=entry.service)])


def check_name_free(registry: Registry, entries: Sequence[Entry], new: str) -> None:
    """Refuse ``new`` when another service of that name runs on a host one of ``entries`` runs on."""
    hosts = {host_key(e.host or "") for e in entries}
    for other in registry.listed:
        if other.service and fold_name(other.service) == fold_name(new) and host_key(other.host or "") in hosts:
            raise RefusedError(
                f"{new} already runs on {other.host} at line {other.line}",
                path=registry.path,
                hint="choose another name, or remove that item first",
            )


# The columns a note stands for: ``set NAME --host H --description TEXT`` (or ``--set Note=TEXT``).
_NOTE_COLUMNS = frozenset({"description", "note", "notes", "comment", "comments"})


def set_note(
    document: Document,
    name: str,
    cells: Mapping[str, str],
    host: str,
    *,
    configured: HostAddresses | None = None,
    date: datetime.date | None = None,
    vocab: Vocabulary = DEFAULT,
) -> Edit:
    r"""Set the note in parentheses after a running service's port (an empty value removes it).

    A list item has no columns; its note is what a Description cell is to a row.

    >>> import mdports
    >>> doc = mdports.parse("**Web box:**\n- shop-api `3061` (old), shop-search `3068`\n")
    >>> set_note(doc, "shop-api", {"Description": "public API"}, "web box").text
    '**Web box:**\n- shop-api `3061` (public API), shop-search `3068`\n'
    """
    registry = build(document, vocab)
    host = resolve_host(registry, host, configured)
    entry = running_entry(registry, host, name)
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
    block_index, block, item, assignment = _item_of(registry, entry)
    joined = item.text
    start = item.offset(entry.line, entry.port_column - 1) + len(entry.port_text) + len(assignment.style[2])
    end = start
    while end < assignment.part[1] and joined[end] in " \t":
        end += 1
    if end < assignment.part[1] and joined[end] == "(":
        close = _closing(joined, end, assignment.part[1])
        end = close + 1 if close is not None else start
    if end == start and not note:
        raise RefusedError(f"{entry.service} on {host} has no note to remove; nothing to do", path=registry.path)
    old = joined[start:end].strip()
    new = f" ({note})" if note else ""
    builder = Builder(document, registry)
    if old == new.strip():
        message = f"{entry.service} on {host} already has that note; nothing changed"
    else:
        _replace(block, builder.prose.setdefault(block_index, {}), item, start, end, new)
        builder.running = [running_key(e) for e in registry.listed]
        builder.touch_date(date)
        message = (
            f"set the note of {entry.service} on {host} to {note!r}"
            if note
            else f"removed the note of {entry.service} on {host}"
        )
    section = _heading(registry, entry)
    return builder.finish([Change("set", entry.service, entry.ports, section, message)])


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

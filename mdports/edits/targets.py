"""Where a new entry goes: the port it gets and, for ports outside every range, a section of its own.

The port: the next free one of a section (which ports are free is :mod:`mdports.model.lookup`),
or the one asked for, checked.

A new section (``add --section NAME`` when no section is called NAME): a heading and an empty
table at the end. The new blocks copy the document: the heading is written as the headings of the
registry's sections are (ATX or setext, their level), and the table's header and delimiter rows
are those of the first registry table, byte for byte, so the new section reads as if the
document's author had written it.

Which entry an edit means (planned, or running on a ``--host``), and which ports are free on that host.

The running layer of a host is every entry that says the service runs there: the items of its
list of running ports and the rows of tables that say where services run (a Host column, a
Current Port beside a Default Port). An edit names the host as the user wrote it
(:class:`OnHost`); :func:`~mdports.model.hosts.resolve_host` finds the document's host, and the
entries of both kinds on it are looked up, checked for a free port and for a free name here, so
that an edit of a list item and an edit of a table row refuse the same things the same way.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Sequence

from ..errors import NotFoundError, RefusedError, UsageError
from ..model.hosts import HostAddresses, host_key, resolve_host, running_on
from ..model.lookup import Registry, free_ports, holders
from ..model.names import fold_name
from ..model.reading import build
from ..model.registry import Entry
from ..model.sections import Section
from ..model.vocabulary import DEFAULT, Vocabulary
from ..readonly import readonly
from ..syntax.document import Block, Document, Heading, Prose, Table
from ..syntax.row import split_eol
from .cells import check_port
from .result import Edit

OTHER_PORTS = "Other ports"


def with_section(registry: Registry, title: str) -> Document:
    """The registry's document with ``## TITLE`` (in its own style) and an empty registry table at the end."""
    document = registry.document
    template = next((t for t in registry.tables if t.service_column is not None), None)
    if template is None:
        raise RefusedError(
            f"the document has no registry table with a service column to copy for a new section {title!r}",
            path=registry.path,
            hint="add the section by hand: a heading and a 'Port | Service' table",
        )
    table = document.blocks[template.block]
    assert isinstance(table, Table)
    newline = document.newline
    blocks: list[Block] = list(document.blocks)
    last = blocks[-1]  # there is one: the template table
    if not last.render().endswith(("\n", "\r")):
        last = _ended(last, newline)
    separator = () if _blank(last.lines[-1]) else (newline,)
    if isinstance(last, Prose):  # the parser reads a blank line into the prose before it
        blocks[-1] = dataclasses.replace(last, lines=last.lines + separator)
    else:
        blocks[-1:] = [last, Prose(0, separator)] if separator else [last]
    blocks.append(_heading(registry, template.section, title, newline))
    blocks.append(Prose(0, (newline,)))
    blocks.append(Table(0, (table.header, table.delimiter)))
    return dataclasses.replace(document, blocks=tuple(blocks)).replace_blocks({})


def _blank(line: str) -> bool:
    return not split_eol(line)[0].strip()


def _ended(block: Block, newline: str) -> Block:
    """The last block with a line ending after its last line (the document had none)."""
    if isinstance(block, Table):
        rows = block.rows
        return dataclasses.replace(block, rows=(*rows[:-1], dataclasses.replace(rows[-1], eol=newline)))
    return dataclasses.replace(block, lines=(*block.lines[:-1], block.lines[-1] + newline))


def _heading(registry: Registry, section: int, title: str, newline: str) -> Heading:
    """A heading for ``title`` written like the heading of section ``section`` (level, ATX or setext)."""
    model = registry.sections[section]
    like = next(
        (b for b in registry.document.blocks if isinstance(b, Heading) and b.start + 1 == model.line),
        None,
    )
    level = like.level if like is not None else 2
    if like is not None and len(like.lines) == 2 and level <= 2:  # setext: the title, then === or ---
        underline = ("=" if level == 1 else "-") * max(3, len(title))
        return Heading(0, (title + newline, underline + newline), level, title)
    return Heading(0, ("#" * level + " " + title + newline,), level, title)


def edit_of(edit: Edit, original: Registry) -> Edit:
    """An edit of the document :func:`with_section` extended, as an edit of the ``original`` document.

    The original's lines are the extended document's first lines (the last one gains a line
    ending when it had none); every line after them is new.
    """
    before = original.document
    count = sum(block.line_count for block in before.blocks)
    ended = not count or before.render().endswith(("\n", "\r"))
    first_new = count if ended else count - 1
    total = sum(block.line_count for block in edit.after.blocks)
    return dataclasses.replace(
        edit,
        before=before,
        removed_lines=frozenset(i for i in edit.removed_lines if i < first_new) | frozenset(range(first_new, count)),
        added_lines=edit.added_lines | frozenset(range(first_new, total)),
        registry=original,
    )


def _room_elsewhere(registry: Registry) -> str:
    rooms = [
        f"{s.slug} ({s.range}, next {free[0]})"
        for s in registry.sections
        if s.range and (free := free_ports(registry, s))
    ]
    return "sections with room: " + "; ".join(rooms) if rooms else "no section has a free port"


def section_for_port(registry: Registry, port: int) -> Section:
    """The section a port given without one goes into: the narrowest range holding it.

    A port outside every range has no such section: the refusal says so and names the ways out.
    """
    check_port(port)
    holder = registry.section_holding(port)
    if holder is not None:
        return holder
    tabled = {t.section for t in registry.tables if t.service_column is not None}
    unranged = [s.slug for s in registry.sections if s.range is None and s.index in tabled]
    named = f"a section without a range ({', '.join(unranged)}) or a new one" if unranged else "a new section"
    raise RefusedError(
        f"no section's range holds port {port}",
        path=registry.path,
        hint=f"record it in {named} with --section NAME (such as --section '{OTHER_PORTS}', made at the end "
        "of the document), or in a section with a range with --range NAME --force (validate then warns MP101)",
    )


def choose_port(
    registry: Registry,
    section: Section,
    port: int | None,
    protocols: Sequence[str],
    moving: Entry | None = None,
    host: str | None = None,
    force: bool = False,
) -> int:
    """The port a new (or ``moving``) entry gets in ``section`` on ``host``: ``port`` checked, or the next free one.

    ``force`` takes a ``port`` outside the section's range (validate then warns MP101).
    """
    host = host if host is not None else section.host
    if port is None:
        if section.range is None:
            raise UsageError(
                f"section {section.heading!r} declares no range, so there is no next free port",
                path=registry.path,
                hint="pass --port",
            )
        own = moving.ports if moving is not None else ()
        free = [p for p in free_ports(registry, section, 1 + len(own), protocols, host) if p not in own]
        if not free:
            raise RefusedError(
                f"range {section.range} of {section.heading!r} is full",
                path=registry.path,
                hint=_room_elsewhere(registry),
            )
        return free[0]
    check_port(port)
    if section.range is not None and port not in section.range and not force:
        raise RefusedError(
            f"port {port} is outside the range {section.range} of {section.heading!r}",
            path=registry.path,
            hint="pick a port in the range, or another --range; --force records it there all the same "
            "(validate then warns MP101)",
        )
    taken = holders(registry, port, protocols, skip=moving, host=host)
    if taken:
        raise RefusedError(
            f"port {port} is already assigned to {taken[0].service} (line {taken[0].line})",
            path=registry.path,
            hint=f"`mdports next-free --range {section.slug}` lists free ports",
        )
    return port


def next_free(
    registry: Registry, selector: str, count: int = 1, skip: Collection[int] = ()
) -> tuple[Section, list[int]]:
    """The ``count`` lowest free ports of the section ``selector`` names, not in ``skip``: all or a refusal.

    All or nothing: a script (or an agent) asking for N ports must not get fewer and carry on.
    """
    section = registry.section(selector)
    if section.range is None:
        raise UsageError(
            f"section {section.heading!r} declares no range, so there is no next free port",
            path=registry.path,
            hint="declare one in the heading (`## 7000-7099: Misc`)",
        )
    if skip:
        ports = [port for port in free_ports(registry, section, len(section.range)) if port not in skip][:count]
    else:
        ports = free_ports(registry, section, count)
    if len(ports) < count:
        raise RefusedError(
            f"only {len(ports)} free port(s) in {section.range} of {section.heading!r}, {count} asked for",
            path=registry.path,
            hint="free ports with `mdports remove`, or choose another --range",
        )
    return section, ports


@readonly
class OnHost:
    """Where a ``--host`` edit goes: the host as the user named it, the configured hosts, the date."""

    name: str
    configured: HostAddresses | None = None  # ``[hosts.NAME]`` of the configuration and their addresses
    date: datetime.date | None = None  # the "Last updated" date to write, None to keep it
    vocab: Vocabulary = DEFAULT

    def read(self, document: Document) -> tuple[Registry, str]:
        """The document's registry and the host (as the document writes it) this edit targets."""
        registry = build(document, self.vocab)
        return registry, resolve_host(registry, self.name, self.configured)


def running_entry(registry: Registry, host: str, key: str) -> Entry:
    """The running entry of service (or port) ``key`` on ``host``; refused when there is none or several."""
    entries = [e for e in running_on(registry, host) if e.service is not None]
    named = [e for e in entries if fold_name(e.service or "") == fold_name(key)]
    digits = key.strip()
    if not named and digits.isdigit() and digits.isascii() and len(digits) <= 5:
        named = [e for e in entries if int(digits) in e.ports]
    if not named:
        services = ", ".join(e.service or "" for e in entries[:8]) + (", ..." if len(entries) > 8 else "")
        where = "its list names" if all(e.source == "list" for e in entries) else "the document runs there"
        raise NotFoundError(
            f"{key} does not run on {host} ({where} {services or 'nothing'})",
            path=registry.path,
            hint="`mdports list` shows every running entry with its host",
        )
    if len(named) > 1:
        lines = ", ".join(str(e.line) for e in named)
        raise RefusedError(
            f"{key} is listed {len(named)} times on {host} (lines {lines}); mdports cannot tell which one you mean",
            path=registry.path,
            hint="edit the document by hand, or remove the entry listed twice first",
        )
    return named[0]


def last_on(registry: Registry, host: str) -> Entry:
    """The host's last running entry in the document: a new one goes after it, in its list or table."""
    entries = running_on(registry, host)
    if not entries:
        raise RefusedError(
            f"nothing runs on {host} by the document (it names the host, but no list or table of running ports does)",
            path=registry.path,
            hint="add the first entry by hand, under a label or in a table with a Host column",
        )
    return entries[-1]


def heading_of(registry: Registry, entry: Entry) -> str:
    """The heading a change is reported under: a list's own ("Running today"), else its section's."""
    if entry.source == "list":
        return registry.lists[entry.table].heading or registry.sections[entry.section].heading
    return registry.sections[entry.section].heading


def _taken(registry: Registry, host: str, besides: Entry | None = None) -> dict[int, Entry]:
    return {port: e for e in running_on(registry, host) if e is not besides for port in e.ports}


def check_free(registry: Registry, host: str, port: int, besides: Entry | None = None) -> None:
    """Refuse ``port`` when another running entry of ``host`` holds it."""
    holder = _taken(registry, host, besides).get(port)
    if holder is not None:
        raise RefusedError(
            f"port {port} on {host} is already taken by {holder.service or holder.label} (line {holder.line})",
            path=registry.path,
            hint="choose another --port, or --range for the next port free on that host",
        )


def free_port(registry: Registry, host: str, service: str, range_: str | None, besides: Entry | None = None) -> int:
    """A port for ``service`` on ``host``: the next of ``range_`` free there, else the plan's port for it.

    Free on the host means no running entry of that host holds it and the plan gives it to no
    other service (taking another service's planned port would make new debt).
    """
    taken = _taken(registry, host, besides)
    planned = [e for e in registry.entries if e.layer == "planned"]
    if range_ is None:
        own = [p for e in planned if e.service and fold_name(e.service) == fold_name(service) for p in e.ports]
        if own and own[0] not in taken:
            return own[0]
        raise UsageError(
            f"{service} has no planned port that is free on {host}",
            path=registry.path,
            hint="give --port, or --range for the next port free on that host",
        )
    section = registry.section(range_)
    if section.range is None:
        raise UsageError(f"section {section.heading!r} declares no range", path=registry.path, hint="give --port")
    others = {p for e in planned if e.service and e.service != service for p in e.ports}
    for port in section.range:
        if port not in taken and port not in others:
            return port
    raise RefusedError(
        f"no port of {section.range} is free on {host}", path=registry.path, hint="choose another --range or --port"
    )


def check_name_free(registry: Registry, entries: Sequence[Entry], new: str) -> None:
    """Refuse ``new`` when another service of that name runs on a host one of ``entries`` runs on."""
    hosts = {host_key(e.host or "") for e in entries}
    for other in registry.every_entry:
        if (
            other.layer == "running"
            and other.service
            and fold_name(other.service) == fold_name(new)
            and host_key(other.host or "") in hosts
        ):
            raise RefusedError(
                f"{new} already runs on {other.host} at line {other.line}",
                path=registry.path,
                hint="choose another name, or remove that entry first",
            )


def entry_of(registry: Registry, key: str, *, assigned: bool = True, cells_only: bool = False) -> Entry:
    """The entry to edit; refused when it is read from a record (:mod:`~mdports.model.key_value`).

    ``cells_only`` (an edit of its cells) takes the service's row in a table of rows instead,
    when there is one: a move or a rename there would leave the record saying the old thing.
    """
    entry = registry.entry(key)
    if assigned and entry.service is None:
        raise RefusedError(f"port {key} is a placeholder, not a service", path=registry.path, hint="name a service")
    if _in_record(registry, entry):
        rows = [e for e in registry.by_name.get(fold_name(entry.service or ""), ()) if not _in_record(registry, e)]
        if rows and cells_only:
            return rows[0]
        raise RefusedError(
            f"{entry.service} (line {entry.line}) is read from a key/value table of its own, which mdports "
            "does not edit: its name may be a heading and its other facts are rows",
            path=registry.path,
            hint="edit the table by hand, or move the service into a `| Port | Service |` table",
        )
    return entry


def _in_record(registry: Registry, entry: Entry) -> bool:
    return entry.source == "table" and registry.tables[entry.table].record


def address_refused(registry: Registry, entry: Entry) -> RefusedError:
    """The refusal of an edit that would rewrite the address an entry takes its port from (model.addresses)."""
    return RefusedError(
        f"{entry.service} (line {entry.line}) takes its port from an address ({entry.port_text.strip()}), "
        "which mdports does not rewrite",
        path=registry.path,
        hint="edit the address by hand",
    )


def refuse_look_alike(registry: Registry, name: str, besides: Entry | None = None) -> None:
    """Refuse a new name that looks like another service's but is written in other letters (MP113)."""
    similar = registry.look_alike(name, besides)
    if similar is not None:
        raise RefusedError(
            f"{name} looks like {similar.service} (line {similar.line}) but is written in other letters "
            "(confusable-service)",
            path=registry.path,
            hint="choose a name that looks like no other service's",
        )

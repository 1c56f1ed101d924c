"""Where a new entry goes: the port it gets and, for ports outside every range, a section of its own.

The port: the next free one of a section (which ports are free is :mod:`mdports.model.lookup`),
or the one asked for, checked.

A new section (``add --section NAME`` when no section is called NAME): a heading and an empty
table at the end. The new blocks copy the document: the heading is written as the headings of the
registry's sections are (ATX or setext, their level), and the table's header and delimiter rows
are those of the first registry table, byte for byte, so the new section reads as if the
document's author had written it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from ..errors import RefusedError, UsageError
from ..model.lookup import Registry, free_ports, holders
from ..model.registry import Entry
from ..model.sections import Section
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

"""Which port an entry gets: the next free one of a section (see :mod:`mdports.model.free_ports`), or one checked."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..errors import RefusedError, UsageError
from ..model.free_ports import free_ports, holders
from ..model.registry import Entry, Registry
from ..model.sections import Section
from .inputs import check_port
from .new_section import OTHER_PORTS


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

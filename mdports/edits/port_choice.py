"""Which port an entry gets: the free ports of a section (as validate counts them), or a chosen one, checked."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import RefusedError, UsageError
from ..model.registry import Entry, Registry
from ..model.sections import Section
from .inputs import check_port


def holders(
    registry: Registry, port: int, protocols: Sequence[str], skip: Entry | None = None, host: str | None = None
) -> list[Entry]:
    """Entries holding ``port`` on ``host``, as validate counts them (container ports hold nothing)."""
    return [
        entry
        for entry in registry.by_port.get(port, ())
        if entry.service is not None
        and entry is not skip
        and set(entry.protocols) & set(protocols)
        and entry.host == host
        and registry.tables[entry.table].port_kind != "container"
    ]


def free_ports(
    registry: Registry,
    section: Section,
    count: int = 1,
    protocols: Sequence[str] = ("tcp",),
    host: str | None = None,
) -> list[int]:
    """The lowest ``count`` ports of the section's range no assigned entry uses (on ``host``: default the section's)."""
    if section.range is None:
        return []
    host = host if host is not None else section.host
    found = []
    for port in section.range:
        if not holders(registry, port, protocols, host=host):
            found.append(port)
            if len(found) == count:
                break
    return found


def _room_elsewhere(registry: Registry) -> str:
    rooms = [
        f"{s.slug} ({s.range}, next {free[0]})"
        for s in registry.sections
        if s.range and (free := free_ports(registry, s))
    ]
    return "sections with room: " + "; ".join(rooms) if rooms else "no section has a free port"


def choose_port(
    registry: Registry,
    section: Section,
    port: int | None,
    protocols: Sequence[str],
    moving: Entry | None = None,
    host: str | None = None,
    outside_range: bool = False,
) -> int:
    """The port a new (or ``moving``) entry gets in ``section`` on ``host``: ``port`` checked, or the next free one.

    ``outside_range`` lets ``port`` lie outside the section's declared range (MP101 follows).
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
    if section.range is not None and port not in section.range and not outside_range:
        raise RefusedError(
            f"port {port} is outside the range {section.range} of {section.heading!r}",
            path=registry.path,
            hint="pick a port in the range, or another --range",
        )
    taken = holders(registry, port, protocols, skip=moving, host=host)
    if taken:
        raise RefusedError(
            f"port {port} is already assigned to {taken[0].service} (line {taken[0].line})",
            path=registry.path,
            hint=f"`mdports next-free --range {section.slug}` lists free ports",
        )
    return port

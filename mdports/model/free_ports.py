"""Free ports: the entries holding a port, and the lowest ports of a section nobody holds.

One definition of "free", as validate counts a port taken (an assigned entry on the same host
and protocol; a container port holds nothing), so that ``ranges``, ``next-free``, ``add``, the
port map and the editor's completion agree. A query on the read-only model: edits, output and
the servers all stand on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .registry import Entry, Registry
from .sections import Section


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

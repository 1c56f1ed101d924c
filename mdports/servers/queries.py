"""The questions both servers answer: who holds a port, a service or a range, and which ports are free.

They return the records of ``mdports show``, ``ranges`` and ``next-free --format json``
(:mod:`mdports.output.listing`), so an agent, an editor and a script read the same answer.
"""

from __future__ import annotations

from typing import Any

from ..edits import port_choice
from ..errors import NotFoundError, UsageError
from ..model.hosts import host_key, resolve_host
from ..model.lookup import Registry
from ..model.sections import Section
from ..output.listing import entry_record, range_record, section_fields, show_record


def lookup(registry: Registry, query: str) -> dict[str, Any]:
    """What ``query`` (a port, a service name, or a range/section) is: its holders, where, both layers."""
    text = query.strip()
    if text.isascii() and text.isdigit() and len(text) <= 5:
        port = int(text)
        holders = [entry_record(registry, entry) for entry in registry.every_entry if port in entry.ports]
        section = registry.section_holding(port)
        return {
            "kind": "port",
            "port": port,
            "free": not any(record["service"] for record in holders),
            "section": section_fields(section) if section is not None else None,
            "holders": holders,
        }
    try:
        entry = registry.entry(text)
    except NotFoundError as missing:
        running = registry.named(text)
        if running:
            entry = running[0]
        else:
            try:
                section = registry.section(text, option="query")
            except (NotFoundError, UsageError):
                raise missing from None
            entries = [entry_record(registry, e) for e in registry.every_entry if e.section == section.index]
            return {"kind": "range", **range_record(registry, section), "entries": entries}
    return {"kind": "service", **show_record(registry, entry)}


def next_free(registry: Registry, selector: str, count: int = 1, host: str | None = None) -> tuple[Section, list[int]]:
    """The ``count`` lowest free ports of a section (on ``host``), all or a refusal, as ``mdports next-free``."""
    if host is None:
        return port_choice.next_free(registry, selector, count)
    # Free on a host: no planned row holds it, and nothing the document lists as running there.
    key = host_key(resolve_host(registry, host))
    taken = {p for e in registry.every_entry if e.service and e.host and host_key(e.host) == key for p in e.ports}
    return port_choice.next_free(registry, selector, count, taken)

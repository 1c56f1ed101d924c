"""The running layer's changes: list items added, removed, moved or renamed, per host.

A running entry is known by its host and service (hosts compared as :func:`host_key` does):
the same service on another host is another entry. An entry on both sides whose ports changed
is **moved** (breaking, as a moved table row); an entry that disappeared and one that appeared
on the same host and ports is a **rename**. Table rows of the running layer (a Host column) are
diffed with the other rows; these are the entries of :attr:`Registry.listed`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from ..model.lists import host_key
from ..model.names import fold_name
from ..model.registry import Entry, Registry
from . import EntryChange, EntryKind, SectionRef
from .snapshot import Side


@functools.lru_cache(maxsize=1024)
def _host(text: str) -> str:
    return host_key(text)  # a document names a handful of hosts: once each, not once per entry


def running_key(entry: Entry) -> tuple[str, str]:
    """A running entry's identity: its host and service, compared as people write them."""
    return _host(entry.host or ""), fold_name(entry.service or "")


def running_changes(a: Side, b: Side, section_map: Mapping[str, str]) -> tuple[EntryChange, ...]:
    """Every change to the running entries read from lists, in the order of the new document.

    ``section_map`` pairs the old sections with the new ones (old key -> new key).
    """
    old, new = a.registry, b.registry
    if not old.listed and not new.listed:
        return ()
    before = _by_key(old)
    after = _by_key(new)
    removed = [entry for key, entry in before.items() if key not in after]
    added = [entry for key, entry in after.items() if key not in before]
    changes: list[tuple[int, EntryChange]] = []
    for key, entry in after.items():
        previous = before.get(key)
        if previous is not None and previous.ports != entry.ports:
            changes.append((entry.line, _change("moved", a, b, section_map, previous, entry)))
    # A rename keeps host and ports: pair each removed entry with the first such added one.
    waiting: dict[tuple[str, tuple[int, ...]], list[Entry]] = {}
    for entry in added:
        waiting.setdefault((host_key(entry.host or ""), entry.ports), []).append(entry)
    renamed: set[int] = set()
    for entry in removed:
        candidates = waiting.get((host_key(entry.host or ""), entry.ports))
        if candidates:
            partner = candidates.pop(0)
            renamed.add(id(partner))
            changes.append((partner.line, _change("renamed", a, b, section_map, entry, partner)))
        else:
            changes.append((1 << 30, _change("removed", a, b, section_map, entry, None)))
    for entry in added:
        if id(entry) not in renamed:
            changes.append((entry.line, _change("added", a, b, section_map, None, entry)))
    return tuple(change for _, change in sorted(changes, key=lambda pair: pair[0]))


def _paired(a: Side, b: Side, section_map: Mapping[str, str], index: int) -> SectionRef:
    """An old section as the new document has it (the same section, when it is still there)."""
    key = section_map.get(a.section_keys[index])
    return b.section_ref(b.section_by_key[key].index) if key is not None else a.section_ref(index)


def _by_key(registry: Registry) -> dict[tuple[str, str], Entry]:
    """The running list entries by (host, service); the first of a service listed twice on one host."""
    found: dict[tuple[str, str], Entry] = {}
    for entry in registry.listed:
        found.setdefault(running_key(entry), entry)
    return found


def _change(
    kind: EntryKind, a: Side, b: Side, section_map: Mapping[str, str], old: Entry | None, new: Entry | None
) -> EntryChange:
    section = b.section_ref(new.section) if new is not None else None
    old_section = _paired(a, b, section_map, old.section) if old is not None else None
    return EntryChange(
        kind,
        "assigned",
        service=new.service if new else None,
        old_service=old.service if old else None,
        ports=new.ports if new else (),
        old_ports=old.ports if old else (),
        port_text=new.port_text if new else "",
        old_port_text=old.port_text if old else "",
        protocols=new.protocols if new else (),
        old_protocols=old.protocols if old else (),
        section=section,
        old_section=old_section,
        line=new.line if new else None,
        old_line=old.line if old else None,
        breaking=kind == "moved",
        group=section or old_section,
        layer="running",
        host=new.host if new else None,
        old_host=old.host if old else None,
    )

"""What is the same thing on both sides: sections, entries, tables and the columns of tables.

Sections are matched by identity (declared range, then title, then the entries they hold);
an entry renamed in place, or a placeholder resized, is paired with its old self; tables are
paired through their sections and entries; a renamed column is found in each pair of tables.

The running layer's changes: list items added, removed, moved or renamed, per host.

A running entry is known by its host and service (hosts compared as :func:`host_key` does):
the same service on another host is another entry. An entry on both sides whose ports changed
is **moved** (breaking, as a moved table row); an entry that disappeared and one that appeared
on the same host and ports is a **rename**. Table rows of the running layer (a Host column) are
diffed with the other rows; these are the entries of :attr:`Registry.listed`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from ..model.lists import host_key
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.registry import Entry, RegistryTable
from . import ColumnChange, EntryChange, EntryKind, SectionChange, SectionKind, SectionRef
from .snapshot import Side


def _order(side: Side, key: str) -> int:
    return side.section_by_key[key].index


def match_sections(a: Side, b: Side) -> tuple[tuple[SectionChange, ...], dict[str, str]]:
    """Section changes, and the map from each old section key to its new key.

    A section is matched by identity, not by its heading text alone: first by its declared range
    (when that range names one section on each side), then by its title (slug), then by the
    entries it holds (at least half of them). What is left was added or removed.
    """
    mapping: dict[str, str] = {}
    ranges_a: dict[str | None, list[str]] = {}
    ranges_b: dict[str | None, list[str]] = {}
    for side, ranges in ((a, ranges_a), (b, ranges_b)):
        for key in side.section_keys:
            if side.section_by_key[key].declared is not None:
                ranges.setdefault(side.sections[key].range, []).append(key)
    for declared, keys in ranges_a.items():
        if len(keys) == 1 and len(ranges_b.get(declared, ())) == 1:
            mapping[keys[0]] = ranges_b[declared][0]
    taken = set(mapping.values())
    for key in a.section_keys:
        if key not in mapping and key in b.sections and key not in taken:
            mapping[key] = key
            taken.add(key)
    members_a = _members(a)
    members_b = _members(b)
    fresh = [key for key in b.section_keys if key not in taken]
    for old_key in a.section_keys:
        if old_key in mapping:
            continue
        members = members_a.get(old_key, set())
        match = next((k for k in fresh if members and 2 * len(members & members_b.get(k, set())) >= len(members)), None)
        if match is not None:
            fresh.remove(match)
            mapping[old_key] = match
    changes: list[SectionChange] = []
    for key in fresh:
        changes.append(SectionChange("added", section=b.section_ref(_order(b, key)), line=b.section_by_key[key].line))
    for key in a.section_keys:
        if key not in mapping:
            old_section = a.section_by_key[key]
            changes.append(
                SectionChange(
                    "removed", old_section=a.section_ref(old_section.index), line=None, old_line=old_section.line
                )
            )
    for old_key, new_key in mapping.items():
        before, after = a.sections[old_key], b.sections[new_key]
        if before.title != after.title:
            kind: SectionKind = "renamed"
        elif before.range != after.range:
            kind = "re-ranged"
        else:
            continue
        changes.append(
            SectionChange(
                kind,
                section=b.section_ref(_order(b, new_key)),
                old_section=a.section_ref(_order(a, old_key)),
                line=b.section_by_key[new_key].line,
                old_line=a.section_by_key[old_key].line,
            )
        )
    changes.sort(key=lambda c: c.group.order)
    return tuple(changes), mapping


def _members(side: Side) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for key in side.entry_keys:
        members.setdefault(side.sources[key][0], set()).add(key)
    return members


def by_index(side: Side, keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda key: side.entry_by_key[key].index)


def pair_entries(
    a: Side, b: Side, added: set[str], removed: set[str], section_map: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The old -> new key map (renames included), the renamed pairs and the resized placeholder pairs.

    A resized placeholder is not the same subject for findings (the key map), but it is the same
    row for the merge driver.
    """
    mapping = {key: key for key in a.entries if key in b.entries}
    # A rename: an assigned entry gone and another one on the same ports in the same section.
    by_place: dict[tuple[str, str], list[str]] = {}
    for key in by_index(b, added):
        record = b.entries[key]
        if record.service is not None and b.entry_by_key[key].spans:
            by_place.setdefault((record.ports, record.section), []).append(key)
    pairs: list[tuple[str, str]] = []
    for key in by_index(a, removed):
        record = a.entries[key]
        if record.service is None or not a.entry_by_key[key].spans:
            continue
        candidates = by_place.get((record.ports, section_map.get(record.section, "")), [])
        if candidates:
            pairs.append((key, candidates.pop(0)))
    # A placeholder that shrank or grew: the same section, overlapping ports.
    free_new: dict[str, list[str]] = {}
    for key in by_index(b, added):
        if b.entry_by_key[key].service is None:
            free_new.setdefault(b.entries[key].section, []).append(key)
    placeholder_pairs: list[tuple[str, str]] = []
    for key in by_index(a, removed):
        entry = a.entry_by_key[key]
        if entry.service is not None:
            continue
        candidates = free_new.get(section_map.get(a.entries[key].section, ""), [])
        ports = set(entry.ports)
        match = next((k for k in candidates if not ports.isdisjoint(b.entry_by_key[k].ports)), None)
        if match is not None:
            candidates.remove(match)
            placeholder_pairs.append((key, match))
    mapping.update(pairs)
    return mapping, pairs, placeholder_pairs


Renames = Mapping[tuple[int, int], Mapping[str, str]]


def table_map(old: Registry, new: Registry, entries: Mapping[int, int], sections: Mapping[int, int]) -> dict[int, int]:
    """Old table index -> new table index, given the entry and section maps (old -> new index).

    A table belongs to its section, matched by identity (declared range, then the entries it
    holds, then slug): the section's only table is the counterpart's only table; of several,
    the one that holds most of its entries, else the one at its place. A table whose section
    has no counterpart follows most of its entries.
    """
    old_tables: dict[int, list[int]] = {}
    new_tables: dict[int, list[int]] = {}
    for index, table in enumerate(old.tables):
        old_tables.setdefault(table.section, []).append(index)
    for index, table in enumerate(new.tables):
        new_tables.setdefault(table.section, []).append(index)
    votes: dict[int, dict[int, int]] = {}

    def count_votes() -> dict[int, dict[int, int]]:
        """Where each old table's entries went (counted only when needed: most sections have one table)."""
        if not votes:
            for old_index, new_index in entries.items():
                table_votes = votes.setdefault(old.entries[old_index].table, {})
                new_table = new.entries[new_index].table
                table_votes[new_table] = table_votes.get(new_table, 0) + 1
        return votes

    taken: dict[int, int] = {}  # new table -> old table
    orphans: list[int] = []
    for section, tables in old_tables.items():
        counterpart = sections.get(section)
        candidates = new_tables.get(counterpart, []) if counterpart is not None else []
        for position, index in enumerate(tables):
            if len(tables) == 1 and len(candidates) == 1:
                taken.setdefault(candidates[0], index)
                continue
            held = [table for table in _ranked(count_votes().get(index, {})) if table in candidates]
            if held:
                taken.setdefault(held[0], index)
            elif position < len(candidates):
                taken.setdefault(candidates[position], index)
            else:
                orphans.append(index)
    paired_sections = set(sections.values())
    for index in orphans:  # a section without counterpart: its table follows most of its entries
        table_votes = count_votes().get(index, {})
        found = next((table for table in _ranked(table_votes) if table not in taken), None)
        if found is None:
            continue
        # Into a section new on that side (the section renamed beyond recognition), or with most of
        # the entries still there: not after one name seen again in a section that has its own.
        if new.tables[found].section not in paired_sections or 2 * table_votes[found] > sum(table_votes.values()):
            taken[found] = index
    return {old_index: new_index for new_index, old_index in taken.items()}


def _ranked(votes: Mapping[int, int]) -> list[int]:
    return sorted(votes, key=lambda table: -votes[table])


def _role(table: RegistryTable, column: int) -> str:
    """What a column is read as: a port, service, protocol, host or project column, or another one."""
    roles = {
        table.port_column: "port",
        table.service_column: "service",
        table.protocol_column: "protocol",
        table.host_column: "host",
        table.group_column: "group",
    }
    return roles.get(column, "other")


def _agree(rows: Iterable[tuple[Entry, Entry]], old_header: str, new_header: str) -> bool:
    """True when most rows that have text in either column hold the same text in both."""
    considered = same = 0
    for before, after in rows:
        old_text, new_text = before.cells.get(old_header, ""), after.cells.get(new_header, "")
        if old_text or new_text:
            considered += 1
            same += old_text == new_text
    return considered > 0 and 2 * same > considered


def column_renames(
    a: Side, b: Side, tables: Mapping[int, int], entries: Mapping[int, int]
) -> tuple[tuple[ColumnChange, ...], dict[tuple[int, int], dict[str, str]]]:
    """Column renames in paired tables, and the renamed headers per pair of tables.

    A header that only the old table has is renamed to the header at the same position that
    only the new table has (when both columns are read the same way: a port column stays a
    port column); failing that, to the one such header that holds the same text in most rows
    (and that no other old header matches). Other headers were removed or added.
    """
    old_tables, new_tables = a.registry.tables, b.registry.tables
    candidates: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for old_index, new_index in tables.items():
        before, after = old_tables[old_index].headers, new_tables[new_index].headers
        if before == after:  # nearly always: no need to look at rows
            continue
        gone = [i for i, header in enumerate(before) if header not in after]
        fresh = [j for j, header in enumerate(after) if header not in before]
        if gone and fresh:
            candidates[(old_index, new_index)] = gone, fresh
    if not candidates:
        return (), {}
    rows: dict[tuple[int, int], list[tuple[Entry, Entry]]] = {}
    old_entries, new_entries = a.registry.entries, b.registry.entries
    for old_index, new_index in entries.items():
        before_entry, after_entry = old_entries[old_index], new_entries[new_index]
        pair = (before_entry.table, after_entry.table)
        if pair in candidates:
            rows.setdefault(pair, []).append((before_entry, after_entry))
    changes: list[ColumnChange] = []
    renames: dict[tuple[int, int], dict[str, str]] = {}
    for pair, (gone, fresh) in candidates.items():
        old_table, new_table = old_tables[pair[0]], new_tables[pair[1]]
        found = {i: i for i in gone if i in fresh and _role(old_table, i) == _role(new_table, i)}
        rest_old = [i for i in gone if i not in found and _role(old_table, i) == "other"]
        rest_new = [j for j in fresh if j not in found.values() and _role(new_table, j) == "other"]
        same = [
            (i, j)
            for i in rest_old
            for j in rest_new
            if _agree(rows.get(pair, ()), old_table.headers[i], new_table.headers[j])
        ]
        for i, j in same:
            if sum(1 for x, _ in same if x == i) == 1 and sum(1 for _, y in same if y == j) == 1:
                found[i] = j
        for i, j in sorted(found.items(), key=lambda item: item[1]):
            old_header, new_header = old_table.headers[i], new_table.headers[j]
            renames.setdefault(pair, {})[old_header] = new_header
            changes.append(
                ColumnChange(
                    "renamed",
                    old_header,
                    new_header,
                    j,
                    b.section_ref(new_table.section),
                    a.section_ref(old_table.section),
                    new_table.line,
                    old_table.line,
                    pair[1],
                    pair[0],
                )
            )
    changes.sort(key=lambda change: (change.group.order, change.line, change.position))
    return tuple(changes), renames


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

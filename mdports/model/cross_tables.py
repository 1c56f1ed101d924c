"""The decisions about a table that need the other tables: read after a first pass over the document.

A table of allocation blocks (spans holding other tables' rows) and a summary table (every row
repeats an entry of another table) are told apart only once every table has been read;
:func:`mdports.model.reading.build` reads the document again with them known.
"""

from __future__ import annotations

import bisect
import dataclasses
from types import MappingProxyType

from .hosts import host_key
from .lookup import Registry
from .names import fold_name, name_words
from .registry import Entry, TableReading


def allocating(registry: Registry) -> frozenset[int]:
    """The tables of allocation blocks: every row a span, and a span holds ports of another table's rows.

    ``| Project | Port range |`` with ``16000-16999 | NEURECTOMY`` above the tables of that
    project's services: the blocks own the ports inside them (read as a range table, their
    names the group of the entries inside), they do not clash with them.
    """
    rows: dict[int, list[Entry]] = {}
    for entry in registry.entries:
        rows.setdefault(entry.table, []).append(entry)
    wide = [t for t, entries in rows.items() if all(len(e.spans) == 1 and len(e.spans[0]) > 1 for e in entries)]
    if not wide:
        return frozenset()  # the usual case: no table of spans only
    blocks = sorted((e.spans[0].lo, e.spans[0].hi, e.table) for table in wide for e in rows[table])
    starts = [lo for lo, _, _ in blocks]
    reach: list[int] = []  # the highest port any block up to here reaches: where to stop looking back
    for _, hi, _ in blocks:
        reach.append(max(hi, reach[-1]) if reach else hi)
    found: set[int] = set()
    for entry in registry.entries:
        if not entry.spans:
            continue
        port = entry.spans[0].lo
        at = bisect.bisect_right(starts, port) - 1
        while at >= 0 and reach[at] >= port:
            _, hi, table = blocks[at]
            if hi >= port and table != entry.table:
                found.add(registry.tables[table].block)
                break
            at -= 1
    return frozenset(found)


def repeating(registry: Registry, candidates: list[int]) -> frozenset[int]:
    """The candidate tables every entry of which repeats (name and ports) an entry of another table."""
    holders: dict[tuple[str, int], set[int]] = {}  # (name, port) -> blocks of the tables listing it
    for entry in registry.entries:
        if entry.service is not None:
            block = registry.tables[entry.table].block
            for port in entry.ports:
                holders.setdefault((fold_name(entry.service), port), set()).add(block)
    own: dict[int, list[Entry]] = {block: [] for block in candidates}
    for entry in registry.entries:
        found = own.get(registry.tables[entry.table].block)
        if found is not None:
            found.append(entry)
    return frozenset(
        block
        for block, entries in own.items()
        if entries
        and all(
            e.service is not None and e.spans and all(len(holders[fold_name(e.service), p]) > 1 for p in e.ports)
            for e in entries
        )
    )


def grouped_by_block(entries: list[Entry], readings: list[TableReading]) -> list[Entry]:
    """Give an entry without a project the name of the allocation block holding its ports."""
    blocks = [(span, name) for r in readings if r.role == "allocations" for span, name, _ in r.ranges]
    grouped = []
    for entry in entries:
        if entry.group is None and entry.spans:
            lo, hi = min(span.lo for span in entry.spans), max(span.hi for span in entry.spans)
            name = next((name for span, name in blocks if span.lo <= lo and hi <= span.hi), None)
            entry = dataclasses.replace(entry, group=name) if name else entry
        grouped.append(entry)
    return grouped


# List items that show a table's entry again: a second view, not a new entry.
#
# Documents repeat their registry in lists: a start order, a stack summary, a to-do list of
# units to create, each naming services the tables already give on the same port::
#
#     | Service  | Port | URL                   |
#     |----------|------|-----------------------|
#     | Keycloak | 8080 | http://localhost:8080 |
#
#     ## Start order
#     1. **Keycloak** (8080) - start first
#
# The item is the table's entry seen again, the way a second table shows it (see
# :meth:`~mdports.model.registry.Registry.seen_twice`): it joins that entry. An item is such a
# view when every port it gives is held by a table row on the same host whose name matches the
# item's: one name's words hold the other's, with the row's heading (``GP5 (Geth): 8545, 8546``
# beside ``| RPC | 8545 |`` under ``### GP5 (Geth)``), leaving out words every unit has
# (``codexes-factory.service`` is ``Codexes Factory``). An item naming a service the tables do
# not have, or another port, stays an entry of its own.
# Words that say what kind of thing a name is, not which one: "codexes-factory.service", "Resume app".
_KIND_WORDS = frozenset({"service", "services", "server", "daemon", "unit", "app", "application", "container"})


def list_views(registry: Registry) -> dict[int, Entry]:
    """For each list item (by its index in :attr:`Registry.listed`) that shows a table's entry
    again, that entry. Only the first ports and holders are looked at: linear in the items."""
    if not registry.listed or not registry.entries:
        return {}
    by_port = registry.by_port
    titles: dict[int, frozenset[str]] = {}
    found: dict[int, Entry] = {}
    for item in registry.listed:
        if item.service is None or not item.spans:
            continue
        words = name_words(item.service)
        first: Entry | None = None
        for port in item.ports[:64]:
            holder = next((e for e in by_port.get(port, ())[:16] if _same(item, words, e, registry, titles)), None)
            if holder is None:
                first = None
                break
            first = first or holder
        if first is not None:
            found[item.index] = first
    return found


def _same(
    item: Entry, words: frozenset[str], entry: Entry, registry: Registry, titles: dict[int, frozenset[str]]
) -> bool:
    """Whether the table row ``entry`` is the service the list ``item`` names, on the same host."""
    if entry.service is None or entry.source != "table":
        return False
    if item.host and entry.host and host_key(item.host) != host_key(entry.host):
        return False
    own = name_words(entry.service)
    title = titles.get(entry.section)
    if title is None:
        title = titles[entry.section] = name_words(registry.sections[entry.section].title)
    return _within(words, own | title) or _within(own, words)


def _within(words: frozenset[str], other: frozenset[str]) -> bool:
    """Whether ``words`` (but words of a kind, unless they are all it has) are all in ``other``."""
    named = words - _KIND_WORDS or words
    return bool(named) and named <= other


def with_list_views(registry: Registry) -> Registry:
    """``registry`` with its list items that show table entries again known (:attr:`Registry.listed_views`),
    and each such list's reason saying how many (``explain``); the same registry when there are none."""
    views = list_views(registry)
    if not views:
        return registry
    lists = []
    for reading in registry.lists:
        count = sum(1 for index in reading.entries if index in views)
        if count:
            reading = dataclasses.replace(
                reading, reason=f"{reading.reason}; {count} of them show again entries of the tables (second views)"
            )
        lists.append(reading)
    return dataclasses.replace(registry, lists=tuple(lists), listed_views=MappingProxyType(views))

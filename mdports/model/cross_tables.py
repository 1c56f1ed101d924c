"""The decisions about a table that need the other tables: read after a first pass over the document.

A table of allocation blocks (spans holding other tables' rows) and a summary table (every row
repeats an entry of another table) are told apart only once every table has been read;
:func:`mdports.model.reading.build` reads the document again with them known.
"""

from __future__ import annotations

import bisect
import dataclasses

from .lookup import Registry
from .names import fold_name
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

"""List items that show a table's entry again: a second view, not a new entry.

Documents repeat their registry in lists: a start order, a stack summary, a to-do list of
units to create, each naming services the tables already give on the same port::

    | Service  | Port | URL                   |
    |----------|------|-----------------------|
    | Keycloak | 8080 | http://localhost:8080 |

    ## Start order
    1. **Keycloak** (8080) - start first

The item is the table's entry seen again, the way a second table shows it (see
:meth:`~mdports.model.registry.Registry.seen_twice`): it joins that entry. An item is such a
view when every port it gives is held by a table row on the same host whose name matches the
item's: one name's words hold the other's, with the row's heading (``GP5 (Geth): 8545, 8546``
beside ``| RPC | 8545 |`` under ``### GP5 (Geth)``), leaving out words every unit has
(``codexes-factory.service`` is ``Codexes Factory``). An item naming a service the tables do
not have, or another port, stays an entry of its own.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from .hosts import host_key
from .lookup import Registry
from .names import name_words
from .registry import Entry

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

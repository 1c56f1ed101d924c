"""When two rows on one port are no clash: one port legitimately shared, or no longer held.

Each reason is asked only of two rows that would otherwise clash (``rules.clashes``).

**The environment a row's own name gives it: ``Next.js Dev Server`` beside ``Next.js Prod Server``.**

A table of development ports is a namespace of its own (a developer's machine, see ``port_kind``
of :class:`mdports.model.registry.TableReading`); so is a row whose name says it is the
development or local instance of a service, against the rows of another table and against its
own service in another mode: ``Next.js Dev Server`` and ``Next.js Prod Server`` on 3000 are one
app in two modes, never run on one machine, and ``PostgreSQL (optional local)`` is the
developer's database, not the one a compose table publishes. Within one table a development row
and another service on its port share the developer's machine (``site dev | 3002`` beside
``worker | 3002``): a clash.

**Retired rows: a row whose cells say the service is deprecated or gone holds its port no more.**

```
| Unified News          | 11116 | ✅ Active         |
| Performance Dashboard | 11116 | ⚠️ **DEPRECATED** |
```

The document keeps the old row for history (its status or note says ``DEPRECATED``,
``retired``, ``decommissioned``, ``obsolete``); its port has been given to, or is free for,
another service: no clash with it. Two live rows on one port still clash.

**A summary row: one row naming several ports that a run of rows of another table lists one by one.**

```
| Service  | Host port |          | Service | Service ports        |
| POP3     | 110       |          | mda     | 110, 143, 993, 995   |
| IMAP     | 143       |   then   | mta     | 25, 587              |
| IMAPS    | 993       |
| POP3S    | 995       |
```

The compose table lists one row per port, the Kubernetes table one row per service: ``mda`` is
POP3, IMAP, IMAPS and POP3S named together, not a second service on their ports. Each of those
rows is whole inside the summary (all its ports are the summary's); the order of the rows does
not matter (sorting a table must not make a clash). A row of one port clashes still, and so does
one whose ports rows of two tables hold, or a row that holds ports outside it.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from . import vocabulary
from .names import fold_name, name_words
from .registry import Entry

# The words that qualify a port column as the development one (``Dev Port``, ``Local port``) or as
# the production one (``Prod port``) say the same of a service's name: one vocabulary for both.
DEV_WORDS = frozenset(word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "dev" and word.isascii())
_MODE_WORDS = DEV_WORDS | {word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "current"}


def dev_named(name: str) -> bool:
    """Whether a service's name says it is a development or local instance (``Next.js Dev``).

    >>> dev_named("Next.js Dev Server"), dev_named("PostgreSQL (optional local)"), dev_named("Device API")
    (True, True, False)
    """
    folded = fold_name(name)
    # Most names hold none of the words even as a substring: no regular expression for them.
    if not any(word in folded for word in DEV_WORDS):
        return False
    return not DEV_WORDS.isdisjoint(name_words(folded))


def other_environment(first: Entry, entry: Entry) -> bool:
    """Whether two table rows on one port are in two environments, by their names: no clash.

    One is named a development instance and the other not, and they are in two tables or are one
    service in two modes (their names the same without the mode: ``Next.js Dev Server``,
    ``Next.js Prod Server``).
    """
    if first.source != "table" or entry.source != "table" or not (first.service and entry.service):
        return False
    if dev_named(first.service) == dev_named(entry.service):
        return False
    if first.table != entry.table:
        return True
    return name_words(first.service) - _MODE_WORDS == name_words(entry.service) - _MODE_WORDS


# Not "removed" nor "legacy": a note says "TLS removed at the proxy", and legacy services run.
RETIRED_WORDS = frozenset({"deprecated", "retired", "decommissioned", "obsolete", "discontinued"})
_WORD = re.compile(r"[a-z]+")


def retired(entry: Entry) -> bool:
    """Whether a cell of ``entry`` other than its name says the service is deprecated or gone.

    Asked only of rows that clash: the usual row is never looked at.
    """
    for text in entry.cells.values():
        lowered = text.lower()
        if text == entry.service_text or not any(word in lowered for word in RETIRED_WORDS):
            continue
        if not RETIRED_WORDS.isdisjoint(_WORD.findall(lowered)):
            return True
    return False


def summarizes(entry: Entry, holders: Collection[Entry]) -> bool:
    """Whether ``entry`` names together the ports that ``holders`` (two or more) list by row.

    The holders are rows of one other table, each with all its ports among ``entry``'s.
    """
    if len(holders) < 2 or len(entry.ports) < 2 or entry.source != "table":
        return False
    tables = {holder.table for holder in holders}
    if len(tables) != 1 or entry.table in tables or any(holder.source != "table" for holder in holders):
        return False
    ports = set(entry.ports)
    return all(ports.issuperset(holder.ports) for holder in holders)

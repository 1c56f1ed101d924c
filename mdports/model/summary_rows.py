"""A summary row: one row naming several ports that a run of rows of another table lists one by one.

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

from collections.abc import Collection

from .registry import Entry


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

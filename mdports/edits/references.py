"""Cells that refer to a service by name (``3030 chat-backend``), and how a rename rewrites one."""

from __future__ import annotations

from ..model.names import find_name, fold_name
from ..model.registry import Entry, Registry


def referring_cells(registry: Registry, entry: Entry) -> list[tuple[Entry, int, str]]:
    """Cells that refer to ``entry`` by name: (entry holding the cell, column, cell text)."""
    return cells_by_name(registry).get(fold_name(entry.service or ""), [])


def cells_by_name(registry: Registry) -> dict[str, list[tuple[Entry, int, str]]]:
    """Every referring cell (see :func:`referring_cells`), by the folded name (fold_name) it refers to.

    One pass over the references: an edit of many entries looks each one up in O(1).
    """
    found: dict[str, list[tuple[Entry, int, str]]] = {}
    for ref in registry.references:
        holder = registry.entries[ref.entry]
        column = registry.tables[holder.table].headers.index(ref.header)
        found.setdefault(fold_name(ref.service), []).append((holder, column, holder.cells[ref.header]))
    return found


def replace_name(cell: str, old: str, new: str) -> str:
    """``cell`` with the service name ``old`` replaced by ``new``, markup and links kept."""
    if cell == old:
        return new
    # The first occurrence: in `[mana-auth](../services/mana-auth)` that is the link text; the
    # target names a folder or a page, which a rename does not move.
    # In any spelling (case, NFC or NFD), as the reference was matched: see fold_name.
    found = find_name(cell, old)
    return cell[: found[0]] + new + cell[found[1] :] if found else new

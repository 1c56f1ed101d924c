"""Gateway routes: a table of paths behind one gateway port, each naming the service it reaches.

``| Kong Route | Service:Port |`` holding ``/api/v1/fields | field-management-service:3000`` or
``| Path | Internal Service | Internal Port |`` holding ``/auth/v1/* | Auth (GoTrue) | 9999``:
every row is a route of the gateway, and what it reaches is a service on its own port. The
upstream is read: its service (the column that names it, or the name in the address) and its
port. The gateway's port, shared by every route, is not the routes' port: no clash between them.

Looked at only for tables whose header names no service column, once per table.
"""

from __future__ import annotations

from ..syntax.document import Table
from .ports import strip_markup
from .vocabulary import Vocabulary, normalize_header

# Headers whose last word names what a route reaches: `Internal Service`, `Upstream`, `Backend service`.
_UPSTREAM_WORDS = frozenset({"upstream", "backend", "target", "destination", "后端", "上游"})


def route_column(block: Table) -> int | None:
    """The first column more than half of whose filled cells are paths (``/api/v1/x``, ``/auth/v1/*``)."""
    rows = block.body
    for index in range(len(block.header.texts)):
        cells = [strip_markup(row.texts[index]) for row in rows if index < len(row.texts) and row.texts[index].strip()]
        if cells and 2 * sum(1 for cell in cells if cell.startswith("/") and " " not in cell) > len(cells):
            return index
    return None


def upstream_service(block: Table, route: int, taken: set[int], vocab: Vocabulary) -> int | None:
    """In a table of routes, the column naming the service each route reaches: a header whose last
    word is a service word or an upstream (``Internal Service``, ``Upstream``), but the route's."""
    for index, header in enumerate(block.header.texts):
        if index == route or index in taken:
            continue
        words = normalize_header(header).replace("/", " ").split()
        if words and (words[-1] in _UPSTREAM_WORDS or vocab.service_rank(words[-1]) is not None):
            return index
    return None

"""Transport columns of marks: ``| Port | Service | TCP | UDP |`` with ``✔`` under the transports a port uses.

A summary table often says which transports each port uses by a mark in a column per
transport. Those columns are the row's protocols, not a checklist: ``| 8000 | RTP | | ✔ |`` is
RTP on 8000/udp. A column is one of them when its header is a transport (``TCP``, ``UDP``) and
every filled cell of it is a mark.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..syntax.document import Table
from .ports import TRANSPORTS, strip_markup
from .vocabulary import normalize_header

# Cells that say "yes" (a check mark, a cross drawn as an x, a word) and those that say "no".
YES = frozenset({"\u2714", "\u2714\ufe0f", "\u2713", "\u2705", "\u2611", "[x]", "x", "yes", "y", "s\u00ed", "si"})
YES |= frozenset({"ja", "oui", "sim", "\u25cf", "\u2022", "\u662f"})
NO = frozenset({"", "-", "\u2013", "\u2014", "\u2717", "\u2718", "\u274c", "\u2610", "[ ]", "no", "n", "nein", "non"})


def _mark(text: str) -> str:
    return strip_markup(text).lower()


def transport_columns(block: Table) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The columns whose header is a transport and whose cells are marks, with the transports they say."""
    found = []
    for index, header in enumerate(block.header.texts):
        transports = TRANSPORTS.get(normalize_header(header))
        if transports is None:
            continue
        if marks_only(block, index):
            found.append((index, transports))
    return tuple(found)


def marked_transports(texts: Sequence[str], columns: tuple[tuple[int, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """The transports a row's marks say (``()`` when none is marked: the row says nothing)."""
    said = {t for index, transports in columns if index < len(texts) and _mark(texts[index]) in YES for t in transports}
    return tuple(sorted(said))


def marks_only(block: Table, index: int) -> bool:
    """Whether every cell of column ``index`` is a mark (a yes or a no), and one at least a yes."""
    # Called on every port column of every table: the first cell that is no mark ends it (a port).
    said = False
    for row in block.body:
        mark = _mark(row.texts[index]) if index < len(row.texts) else ""
        if mark in YES:
            said = True
        elif mark not in NO:
            return False
    return said

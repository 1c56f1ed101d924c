"""Divider rows: ``| **Main Services** | | |``, a bold name with every other cell empty.

A long table is often cut into groups by a row that only names the group. It is not an entry
(no port, no service): it is skipped, and ``explain`` counts it.
"""

from __future__ import annotations

from collections.abc import Sequence

_BOLD = ("**", "__")


def is_divider(texts: Sequence[str], name_column: int) -> bool:
    """Whether a row of three cells or more is a bold name (in its name column or first), every other cell empty."""
    if len(texts) < 3:
        return False  # `| | **svc** |`: in two columns, a name alone is a service without a port yet
    name = texts[name_column] if name_column < len(texts) else ""
    if not name.startswith(_BOLD) and not (texts and texts[0].startswith(_BOLD)):
        return False  # the usual row, told at its name cell (run once per row of every table)
    filled = [index for index, text in enumerate(texts) if text.strip()]
    if len(filled) != 1 or filled[0] not in (name_column, 0):
        return False
    text = texts[filled[0]].strip()
    return len(text) > 4 and any(text.startswith(mark) and text.endswith(mark) for mark in _BOLD)

"""Fixes: the remedies of findings, made by the edit operations (a layer above :mod:`mdports.edits`).

An :class:`~mdports.edits.Edit` as text edits (replacements of whole lines), and text edits applied.

A :class:`~mdports.rules.findings.TextEdit` replaces a line/column range of the old text; the fixes
of findings, review suggestions and drift fixes are written as such edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..errors import RefusedError
from ..rules.findings import TextEdit
from ..syntax.row import split_lines

if TYPE_CHECKING:
    from ..edits import Edit


def text_edits(edit: Edit) -> tuple[TextEdit, ...]:
    """The edit as replacements of whole lines of its old text, one per run of changed lines."""
    old = split_lines(edit.before.render())
    new = split_lines(edit.text)
    removed, added = edit.removed_lines, edit.added_lines
    found: list[TextEdit] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and i not in removed and j not in added:
            i, j = i + 1, j + 1
            continue
        i0, j0 = i, j
        while i < len(old) and i in removed:
            i += 1
        while j < len(new) and j in added:
            j += 1
        if (i, j) == (i0, j0):  # pragma: no cover - verify() guarantees the kept lines agree
            raise RefusedError("internal error: an edit's changed lines do not line up", path=edit.before.path)
        start, end = _position(old, i0), _position(old, i)
        found.append(TextEdit(start[0], start[1], end[0], end[1], "".join(new[j0:j])))
    return tuple(found)


def _position(lines: Sequence[str], index: int) -> tuple[int, int]:
    """The 1-based line and column where line ``index`` starts (the end of the text after the last)."""
    if index < len(lines):
        return index + 1, 1
    return (len(lines), len(lines[-1]) + 1) if lines else (1, 1)


def text_span(starts: Sequence[int], edit: TextEdit) -> tuple[int, int]:
    return starts[edit.line - 1] + edit.column - 1, starts[edit.end_line - 1] + edit.end_column - 1


def line_starts(text: str) -> list[int]:
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def apply_edits(text: str, changes: Iterable[TextEdit]) -> str:
    """``text`` with the (non-overlapping) edits made, last first so that offsets stay valid."""
    starts = line_starts(text)
    for edit in sorted(changes, key=lambda e: text_span(starts, e), reverse=True):
        begin, end = text_span(starts, edit)
        text = text[:begin] + edit.text + text[end:]
    return text

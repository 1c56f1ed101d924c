"""How a table writes itself, read off its rows, so that new rows look like the old ones.

A table is either *compact* (``| 3001 | auth |``: the same padding around every cell) or
*aligned* (every column padded to one width, as editors and mdformat write them). New and
changed rows copy the style; an aligned table is re-padded only when a new cell is wider
than its column.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from ..readonly import readonly
from .document import Table
from .row import Row

_WRAPPERS = ("`", "**", "*", "__", "_")


def escape_cell(text: str) -> str:
    """Make ``text`` safe inside a table cell: pipes escaped, outer whitespace removed."""
    return text.strip().replace("|", "\\|")


def wrapper_of(texts: Sequence[str]) -> str:
    """The markup every one of ``texts`` is wrapped in (`` ` ``, ``**``...), or ''."""
    texts = [text for text in texts if text]
    for wrapper in _WRAPPERS:
        if texts and all(
            len(text) > 2 * len(wrapper) and text.startswith(wrapper) and text.endswith(wrapper) for text in texts
        ):
            # "**x**" also starts with "*": only the longest wrapper that fits counts.
            inner = [text[len(wrapper) : -len(wrapper)] for text in texts]
            if not any(i.startswith(wrapper[0]) or i.endswith(wrapper[0]) for i in inner):
                return wrapper
    return ""


def _most_common(values: Sequence[int], default: int) -> int:
    return Counter(values).most_common(1)[0][0] if values else default


def _pads(cell: str) -> tuple[int, int]:
    stripped = cell.strip()
    if not stripped:
        return 0, 0
    left = len(cell) - len(cell.lstrip())
    return left, len(cell) - len(cell.rstrip()) if cell.rstrip() else 0


@readonly
class TableStyle:
    """The trivia a table's rows share: pipes, indent, padding, empty cells, widths, alignment."""

    indent: str
    lead: bool
    trail: bool
    pad_left: int
    pad_right: int
    empty: str
    eol: str
    widths: tuple[int, ...] | None  # content width of each column when the table is aligned
    aligns: tuple[str, ...]  # "left", "right", "center" or "" (default) per column

    @classmethod
    def of(cls, table: Table) -> TableStyle:
        body = table.body
        sample = list(body) or [table.header]
        columns = len(table.header.cells)
        lefts, rights, empties = _paddings(sample)
        pad_left = _most_common(lefts, 1)
        pad_right = _most_common(rights, pad_left)
        empty = Counter(empties).most_common(1)[0][0] if empties else " " * max(1, pad_left)
        widths = None
        aligns: tuple[str, ...] = ("",) * columns
        reference = [len(cell) for cell in table.header.cells]
        if body and all([len(cell) for cell in row.cells] == reference for row in table.rows):
            # In an aligned table most cells are padded out to their column: the padding the
            # table is written with is the least one a filled cell has, not the most common. A
            # padded delimiter (`| --- |`) counts, often being the widest; one written edge to
            # edge (`|-----|`) says nothing about the padding of the cells.
            delimiter = table.delimiter
            padded = any(_pads(cell)[0] for cell in delimiter.cells if cell.strip())
            measured = [row for row in table.rows if row is not delimiter or padded]
            least_lefts, least_rights, _ = _paddings(measured)
            pad_left, pad_right = min(least_lefts, default=pad_left), min(least_rights, default=pad_right)
            widths = tuple(max(0, width - pad_left - pad_right) for width in reference)
            aligns = tuple(
                _padding_align([row.cells[i] for row in body], pad_left)
                or _padding_align([table.header.cells[i]], pad_left)
                for i in range(columns)
            )
        leads = Counter(row.lead for row in sample).most_common(1)[0][0]
        trails = Counter(row.trail for row in sample).most_common(1)[0][0]
        last_row = body[-1] if body else table.header
        eol = last_row.eol or table.header.eol or "\n"
        return cls(table.header.indent, leads, trails, pad_left, pad_right, empty, eol, widths, aligns)

    def fits(self, texts: Sequence[str]) -> bool:
        """True when ``texts`` fit the aligned columns (always true for a compact table).

        A column's room is its width and its right padding less one space: a table padded wider
        than its cells (``| redis        |``) takes a longer name without being re-padded.
        """
        return self.widths is None or all(
            len(text) <= self._room(width) for text, width in zip(texts, self.widths, strict=False)
        )

    def _room(self, width: int) -> int:
        return width + self.pad_right - min(self.pad_right, 1)

    def cell(self, column: int, text: str, *, first: bool = False, last: bool = False) -> str:
        """One raw cell; ``first``/``last`` when it sits at an edge without an outer pipe."""
        if self.widths is not None and column < len(self.widths):
            width = self.widths[column]
            align = self.aligns[column] if column < len(self.aligns) else ""
            if align == "right":
                body = text.rjust(width)
            elif align == "center":
                body = text.center(width)
            else:
                body = text.ljust(width)
            # A text longer than the width takes some of the right padding: the column keeps its width.
            right = max(min(self.pad_right, 1), self.pad_right - (len(body) - width))
            return " " * self.pad_left + body + " " * right
        if not text:
            return "" if first or last else self.empty
        # A trailing backslash would escape the pipe after it: keep at least one space there.
        right = 0 if last else max(self.pad_right, 1) if text.endswith("\\") else self.pad_right
        return ("" if first else " " * self.pad_left) + text + " " * right

    def row(self, texts: Sequence[str], eol: str | None = None) -> Row:
        """A new row holding ``texts`` (already escaped) in this table's style."""
        texts = list(texts)
        if not self.trail:
            # Without outer pipes an empty last cell cannot be written: GFM fills omitted
            # trailing cells with empty ones, so they are left out.
            while len(texts) > 1 and not texts[-1]:
                texts.pop()
        cells = [
            self.cell(index, text, first=index == 0 and not self.lead, last=index == len(texts) - 1 and not self.trail)
            for index, text in enumerate(texts)
        ]
        # The row itself, not its text parsed again: the cells are escaped already, and verify()
        # parses the whole new document before anything is written.
        return Row(self.indent, self.lead, tuple(cells), self.trail, "", self.eol if eol is None else eol)

    def rewrite(self, row: Row, texts: Sequence[str]) -> Row:
        """``row`` holding ``texts``: unchanged cells and the row's own trivia kept byte for byte."""
        old = row.texts
        texts = list(texts)
        if not row.trail:
            while len(texts) > 1 and not texts[-1]:
                texts.pop()
        cells = []
        for index, text in enumerate(texts):
            if index < len(old) and old[index] == text:
                cells.append(row.cells[index])
            else:
                first = index == 0 and not row.lead
                last = index == len(texts) - 1 and not row.trail
                cells.append(self.cell(index, text, first=first, last=last))
        return dataclasses.replace(row, cells=tuple(cells))


def _paddings(rows: Sequence[Row]) -> tuple[list[int], list[int], list[str]]:
    """The left and right padding of every filled cell of ``rows``, and every empty cell."""
    lefts: list[int] = []
    rights: list[int] = []
    empties: list[str] = []
    for row in rows:
        last = len(row.cells) - 1
        for index, cell in enumerate(row.cells):
            # A cell at an edge without an outer pipe has no padding there to copy.
            outer_left = index == 0 and not row.lead
            outer_right = index == last and not row.trail
            if cell.strip():
                left, right = _pads(cell)
                if not outer_left:
                    lefts.append(left)
                if not outer_right:
                    rights.append(right)
            elif not outer_left and not outer_right:
                empties.append(cell)
    return lefts, rights, empties


def _padding_align(cells: Sequence[str], pad_left: int) -> str:
    """How a padded column places short text: "left", "right" or "center" (by majority).

    Read from the padding people wrote, not from the delimiter's colons: tables often say
    ``:---:`` and still pad to the left.
    """
    votes: Counter[str] = Counter()
    for cell in cells:
        text = cell.strip()
        if not text or len(cell) - len(text) <= 2 * pad_left:
            continue
        left = len(cell) - len(cell.lstrip())
        right = len(cell) - len(cell.rstrip())
        votes["left" if left == pad_left else "right" if right <= pad_left else "center"] += 1
    return votes.most_common(1)[0][0] if votes else ""


def _delimiter_text(original: str, width: int) -> str:
    text = original.strip()
    left, right = text.startswith(":"), text.endswith(":") and len(text) > 1
    return (":" if left else "") + "-" * max(3 - left - right, width - left - right) + (":" if right else "")


def realign(table: Table, rows: Sequence[Sequence[str]], style: TableStyle) -> tuple[Row, ...]:
    """Every row of an aligned table (header, delimiter, ``rows``) padded to the widest cell.

    Used only when a new cell is wider than its column, or by ``fmt``.
    """
    header = table.header.texts
    columns = len(header)
    # Never narrower than the table already is: a re-pad widens what must grow, nothing else.
    widths = [
        max(len(text), (style.widths or ())[i] if i < len(style.widths or ()) else 0) for i, text in enumerate(header)
    ]
    for texts in rows:
        for index, text in enumerate(texts[:columns]):
            widths[index] = max(widths[index], len(text))
    delimiter = [
        _delimiter_text(table.delimiter.cells[i] if i < len(table.delimiter.cells) else "---", widths[i])
        for i in range(columns)
    ]
    widths = [max(width, len(d)) for width, d in zip(widths, delimiter, strict=True)]
    padded = dataclasses.replace(style, widths=tuple(widths))
    if any(_pads(cell)[0] for cell in table.delimiter.cells if cell.strip()):
        plain = dataclasses.replace(style, widths=tuple(widths), aligns=("",) * columns)
        rule = plain.row([_delimiter_text(d, w) for d, w in zip(delimiter, widths, strict=True)], table.delimiter.eol)
    else:
        # Written edge to edge (`|-----|`): its dashes fill the padding too, as they did.
        full = [
            _delimiter_text(d, style.pad_left + w + style.pad_right) for d, w in zip(delimiter, widths, strict=True)
        ]
        rule = Row(style.indent, style.lead, tuple(full), style.trail, "", table.delimiter.eol)
    out = [padded.row(header, table.header.eol or style.eol), rule]
    out.extend(padded.row(texts) for texts in rows)
    return tuple(out)

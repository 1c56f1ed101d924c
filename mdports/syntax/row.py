"""Lines and table rows as mdports keeps them: every line with its own ending, every row with its trivia.

And the unified diff of two texts, split into lines the same way (:func:`unified_diff`).
"""

from __future__ import annotations

import bisect
import dataclasses
import re

from ..readonly import readonly

_EOL = re.compile(r"\r\n|\r|\n")
# markdown-it treats a pipe preceded by a backslash as escaped; so do we, to agree on cells.
_CELL_PIPE = re.compile(r"(?<!\\)\|")
# What markdown-it trims around a table line and each cell (its ``mdTrim``: JavaScript's trim
# minus U+FEFF): also NBSP, form feed and vertical tab, but not U+0085 or U+001C-U+001F as
# str.strip() would. Trimming the same set keeps pasted rows in their columns.
# tests/test_fuzz.py checks it against markdown_it.common.utils.MD_TRIM_CHARS.
MD_TRIM = "".join(
    map(chr, (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F))
) + "".join(map(chr, (0x205F, 0x3000)))


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines that keep their endings, as markdown-it counts them.

    markdown-it normalizes ``\\r\\n`` and a lone ``\\r`` to ``\\n`` before numbering lines,
    so those three (and only those) end a line here too.

    >>> split_lines("a\\r\\nb\\rc\\nd")
    ['a\\r\\n', 'b\\r', 'c\\n', 'd']
    """
    lines: list[str] = []
    pos = 0
    for match in _EOL.finditer(text):
        lines.append(text[pos : match.end()])
        pos = match.end()
    if pos < len(text):
        lines.append(text[pos:])
    return lines


class LineIndex:
    """A text's character offsets as 1-based (line, column), lines counted as :func:`split_lines` counts them.

    The one line numbering of findings, quoted source lines and text edits: the deployment
    readers turn the offsets their parsers report into positions here.

    >>> LineIndex("a\\r\\nb\\u2028c\\n").position(4), LineIndex("a\\n").position(2)
    ((2, 2), (2, 1))
    """

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        self._starts = [0]
        for raw in self.lines:
            self._starts.append(self._starts[-1] + len(raw))

    def position(self, offset: int) -> tuple[int, int]:
        """The line and column of ``offset``; the end of a text after its last line ending is the next line."""
        number = bisect.bisect_right(self._starts, offset)
        return number, offset - self._starts[number - 1] + 1

    def start(self, number: int) -> int:
        """The offset where line ``number`` (1-based) starts; the text's length past its last line."""
        return self._starts[min(max(number, 1), len(self._starts)) - 1]


def split_eol(line: str) -> tuple[str, str]:
    """Return ``(content, line_ending)`` of one raw line."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith(("\n", "\r")):
        return line[:-1], line[-1]
    return line, ""


@readonly
class Row:
    """One table line, cut into its cells with every byte of trivia kept.

    ``render()`` is ``indent + '|'? + '|'.join(cells) + '|'? + tail + eol``: the raw cells
    include their padding, so nothing is lost.
    """

    indent: str
    lead: bool
    cells: tuple[str, ...]
    trail: bool
    tail: str
    eol: str
    texts: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)
    """The cells' text without padding (derived from ``cells`` once, when the row is made)."""

    def __post_init__(self) -> None:
        # strip(MD_TRIM) costs about twice str.strip() (some 0.1 s on 65,535 rows); it is what keeps a
        # pasted row's cells in their columns, and U+0085 or U+001C in a cell as markdown-it keeps them.
        object.__setattr__(self, "texts", tuple(cell.strip(MD_TRIM) for cell in self.cells))

    @classmethod
    def parse(cls, line: str) -> Row:
        """Cut a raw table line (with its ending) into cells."""
        if line.endswith("\n"):
            content, eol = (line[:-2], "\r\n") if line.endswith("\r\n") else (line[:-1], "\n")
        else:
            content, eol = split_eol(line)
        body = content.rstrip(MD_TRIM)
        tail = content[len(body) :]
        stripped = body.lstrip(MD_TRIM)
        indent = body[: len(body) - len(stripped)]
        lead = stripped.startswith("|")
        trail = len(stripped) > int(lead) and stripped.endswith("|") and not stripped.endswith("\\|")
        inner = stripped[int(lead) : len(stripped) - int(trail)]
        if "\\" in inner:
            cells: list[str] = []
            pos = 0
            for match in _CELL_PIPE.finditer(inner):
                cells.append(inner[pos : match.start()])
                pos = match.end()
            cells.append(inner[pos:])
        else:  # no backslash, so no escaped pipe: a plain split finds the same cells
            cells = inner.split("|")
        return cls(indent, lead, tuple(cells), trail, tail, eol)

    def render(self) -> str:
        return "".join(
            (
                self.indent,
                "|" if self.lead else "",
                "|".join(self.cells),
                "|" if self.trail else "",
                self.tail,
                self.eol,
            )
        )

    @property
    def offsets(self) -> tuple[int, ...]:
        """0-based position of each raw cell in the line."""
        positions = []
        position = len(self.indent) + self.lead
        for cell in self.cells:
            positions.append(position)
            position += len(cell) + 1
        return tuple(positions)

    def column(self, index: int) -> int:
        """1-based column where the text of cell ``index`` starts."""
        cells = self.cells
        cell = cells[index]
        offset = len(self.indent) + self.lead + (sum(map(len, cells[:index])) + index if index else 0)
        return offset + len(cell) - len(cell.lstrip(MD_TRIM)) + 1


def unified_diff(old: str, new: str, path: str) -> str:
    r"""``--- a/PATH`` / ``+++ b/PATH`` and the changed hunks; '' when nothing changed: what ``--diff`` prints.

    Lines are split as everywhere in mdports (:func:`split_lines`: ``\n``, ``\r\n`` and ``\r``),
    not as ``str.splitlines`` splits them (also at form feed, U+2028, ...), so that a value
    holding such a character is one line of the diff, and ``patch`` and ``git apply`` take it.

    >>> print(unified_diff("a\n| x\u2028y |\n", "a\n| z |\n", "ports.md"), end="")
    --- a/ports.md
    +++ b/ports.md
    @@ -1,2 +1,2 @@
     a
    -| x\u2028y |
    +| z |
    """
    import difflib  # only --diff pays for it: the edit commands import this module on every run

    name = path.lstrip("/")
    lines = difflib.unified_diff(split_lines(old), split_lines(new), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)

"""Positions as a language client counts them: 0-based lines, columns in UTF-8, UTF-16 or UTF-32 code units.

mdports counts 1-based lines (ended by ``\\n``, ``\\r\\n`` or ``\\r``, as the LSP does) and
1-based columns in characters; a client counts UTF-16 code units unless it negotiated another
encoding. :class:`Positions` converts both ways over one text.

>>> p = Positions("a\\n🚀b|c\\n", "utf-16")
>>> p.client(2, 2), p.offset(1, 3), p.offset(9, 0)
((1, 2), 4, 7)
"""

from __future__ import annotations

from ..syntax.row import LineIndex, split_eol

_WIDTH = {"utf-8": 1, "utf-16": 2, "utf-32": 4}


class Positions:
    """One text's lines, and conversions between mdports' and a client's positions."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.index = LineIndex(text)
        self.lines = self.index.lines
        self.encoding = encoding if encoding in _WIDTH else "utf-16"

    def _units(self, text: str) -> int:
        if self.encoding == "utf-32":
            return len(text)
        # surrogatepass: a lone surrogate (JSON can carry one) counts as the one unit it is.
        return len(text.encode(self.encoding.replace("utf-16", "utf-16-le"), "surrogatepass")) // _WIDTH[self.encoding]

    def content(self, line: int) -> str:
        """Line ``line`` (0-based) without its ending; empty past the end."""
        return split_eol(self.lines[line])[0] if 0 <= line < len(self.lines) else ""

    def client(self, line: int, column: int) -> tuple[int, int]:
        """The client's (line, character) of mdports' 1-based ``line:column``."""
        text = self.content(line - 1)
        if column - 1 > len(text) and line <= len(self.lines):
            return line, 0  # past the line's ending (the end of a text edit): the start of the next line
        return line - 1, self._units(text[: max(column - 1, 0)])

    def line_end(self, line: int) -> tuple[int, int]:
        """The client's position of the end of 1-based ``line``'s content (before its ending)."""
        return self.client(line, len(self.content(line - 1)) + 1)

    def column(self, line: int, character: int) -> int:
        """The 0-based character index in line ``line`` (0-based) of the client's ``character``."""
        text = self.content(line)
        if self.encoding == "utf-32":
            return min(character, len(text))
        units = 0
        for index, char in enumerate(text):
            if units >= character:
                return index
            units += self._units(char)
        return len(text)

    def offset(self, line: int, character: int) -> int:
        """The offset in the text of the client's position (clamped to the text, as the LSP asks)."""
        return self.index.start(line + 1) + (self.column(line, character) if line < len(self.lines) else 0)

"""A place in a file (path, 1-based line and column), and the one way it is written: ``PATH:LINE:COL``.

Findings, errors and every deployment record carry a :class:`Location`; the wire records of
:mod:`mdports.records` keep flat ``path``, ``line`` and ``column`` fields.

>>> str(Location("compose.yml", 3, 14))
'compose.yml:3:14'
>>> Location("compose.yml", 3, 14).path_line
'compose.yml:3'
>>> format_location(None, 7)
'<input>:7'
"""

from __future__ import annotations

from .readonly import readonly


def format_location(path: str | None, line: int | None = None, column: int | None = None) -> str:
    """``PATH:LINE:COL`` as far as it is known: ``<input>`` for a text without a file, ``""`` for nothing."""
    parts = [path or "<input>"] if (path or line) else []
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


@readonly(order=True)
class Location:
    """Where something is written: a file and the 1-based line and column of its first character."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.column)

    @property
    def path_line(self) -> str:
        """``PATH:LINE``, as messages name another record (``published by web (compose.yml:3)``)."""
        return format_location(self.path, self.line)

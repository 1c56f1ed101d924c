"""ANSI colour for text output on a terminal: findings and unified diffs.

Whether to colour is the command line's decision (``--color``, ``NO_COLOR``, a TTY); the
formatters only take a flag, so their output without colour is byte-for-byte what it was.
"""

from __future__ import annotations

from ..syntax.row import split_lines

_CODES = {
    "error": "1;31",
    "warning": "1;33",
    "info": "1;36",
    "bold": "1",
    "added": "32",
    "removed": "31",
    "hunk": "36",
    # the port map (mdports.map.text): a status keeps its own character without colour too
    "assigned": "32",
    "reserved": "33",
    "free": "2",
    "conflict": "1;31",
    "outside": "35",
}


def paint(text: str, style: str, enabled: bool = True) -> str:
    """``text`` in the colour of ``style`` (a severity, ``bold``, ``added``...) when ``enabled``.

    >>> paint("error", "error")
    '\\x1b[1;31merror\\x1b[0m'
    >>> paint("error", "error", enabled=False)
    'error'
    """
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if enabled and text else text


def paint_diff(diff: str) -> str:
    """A unified diff with removed lines red, added lines green and hunk headers cyan."""
    out: list[str] = []
    for line in split_lines(diff):  # as the diff was made: a line holding U+2028 is one line
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if body.startswith(("+++", "---")):
            style = "bold"
        elif body.startswith("@@"):
            style = "hunk"
        elif body.startswith("+"):
            style = "added"
        elif body.startswith("-"):
            style = "removed"
        else:
            out.append(line)
            continue
        out.append(paint(body, style) + ending)
    return "".join(out)

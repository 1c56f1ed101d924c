r"""env files: the ``NAME_PORT=NNNN`` variables, and every variable for compose interpolation.

>>> [(v.variable, v.port, v.service) for v in read_env("MANA_AUTH_PORT=3001\nNODE_ENV=production\n", ".env")]
[('MANA_AUTH_PORT', 3001, 'mana-auth')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..location import Location
from ..readonly import readonly
from ..syntax.row import LineIndex
from .notation import PortSpecError, port_span

# The escapes python-dotenv decodes in a double-quoted value, and in a single-quoted one.
_ENV_ESCAPES = {
    "\\": "\\",
    '"': '"',
    "'": "'",
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_SINGLE_QUOTED_ESCAPES = {"\\": "\\", "'": "'"}
_LINE_BREAK = re.compile(r"[\r\n]")


@readonly
class EnvPort:
    """A ``NAME_PORT=NNNN`` variable of an env file."""

    location: Location  # where the value starts
    variable: str
    value: str
    port: int | None
    error: str | None = None
    machine: str = ""

    @property
    def service(self) -> str:
        """The service name the variable stands for: ``MANA_AUTH_PORT`` -> ``mana-auth``."""
        return self.variable[: -len("_PORT")].lower().replace("_", "-")


def read_variables(text: str) -> Iterator[tuple[str, str, int, int]]:
    """Every ``NAME=value`` of an env file as ``(name, value, line, column)``, read as python-dotenv reads it.

    This is python-dotenv's grammar (``dotenv.parser``), written with string methods so that no
    input can make it backtrack: ``export NAME=value`` is ``NAME``; a quoted value may run over
    several lines, and the lines inside it are part of the value, not variables; a
    single-quoted value decodes ``\\\\`` and ``\\'``, a double-quoted one the escapes of
    :data:`_ENV_ESCAPES`; an unquoted value ends at the line's end, loses a `` # comment`` and
    trailing white space; a line that does not parse (``A="x" junk``) sets nothing, and reading
    goes on after it. A leading byte order mark is not part of the first name (docker compose
    drops it too). ``column`` is where the value starts (inside its quotes), lines counted as
    :func:`~mdports.syntax.row.split_lines` counts them.
    """
    index = LineIndex(text)
    for name, value, offset in _bindings(text):
        yield (name, value, *index.position(offset))


def _is_blank(char: str) -> bool:
    """White space within a line (python-dotenv's ``[^\\S\\r\\n]``)."""
    return char.isspace() and char not in "\r\n"


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and _is_blank(text[pos]):
        pos += 1
    return pos


def _line_end(text: str, pos: int) -> int:
    """Where the line holding ``pos`` ends (before its ``\\r`` or ``\\n``).

    One search for both: ``find`` of each would scan to the end of a file without ``\\r``
    from every line, quadratic in the number of lines.
    """
    found = _LINE_BREAK.search(text, pos)
    return found.start() if found else len(text)


class _NoBinding(Exception):
    """The text at ``pos`` is not an assignment; python-dotenv skips the rest of the line."""

    def __init__(self, pos: int) -> None:
        self.pos = pos


def _bindings(text: str) -> Iterator[tuple[str, str, int]]:
    """``(name, value, offset of the value)`` of every assignment with a value."""
    pos = 1 if text.startswith("\ufeff") else 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1  # blank lines and indentation
        if pos == len(text):
            return
        try:
            name, value, offset, pos = _binding(text, pos)
        except _NoBinding as stop:
            end = _line_end(text, stop.pos)
            pos = end + 1 if end < len(text) else end
            continue
        if name is not None and value is not None:
            yield name, value, offset


def _binding(text: str, pos: int) -> tuple[str | None, str | None, int, int]:
    """One binding from ``pos``: (name, value, offset of the value, where the next one starts)."""
    if text.startswith("export", pos) and pos + 6 < len(text) and _is_blank(text[pos + 6]):
        pos = _skip_blanks(text, pos + 6)
    name: str | None = None
    if pos == len(text):  # "export " and nothing after it
        raise _NoBinding(pos)
    if text[pos] == "'":
        close = text.find("'", pos + 1)
        if close <= pos + 1:
            raise _NoBinding(pos)
        name, pos = text[pos + 1 : close], close + 1
    elif text[pos] != "#":
        end = pos
        while end < len(text) and text[end] not in "=#" and not text[end].isspace():
            end += 1
        if end == pos:
            raise _NoBinding(pos)
        name, pos = text[pos:end], end
    pos = _skip_blanks(text, pos)
    value: str | None = None
    offset = pos
    if pos < len(text) and text[pos] == "=":
        equals, pos = pos, _skip_blanks(text, pos + 1)
        offset = pos
        if pos > equals + 1 and text.startswith("#", pos):
            value = ""  # ``KEY= # note``: white space, then ``#``, is an empty value and a comment
        else:
            value, pos, offset = _value(text, pos)
    comment = _skip_blanks(text, pos)
    if comment < len(text) and text[comment] == "#":
        pos = _line_end(text, comment)
    end = _skip_blanks(text, pos)
    if end < len(text) and text[end] not in "\r\n":
        raise _NoBinding(pos)
    if text.startswith("\r\n", end):
        end += 1
    return name, value, offset, end + 1


def _value(text: str, pos: int) -> tuple[str, int, int]:
    """A value from ``pos``: (value, where it ends, offset of its first character)."""
    quote = text[pos : pos + 1]
    if quote in ("'", '"'):
        close = _closing_quote(text, pos, quote)
        raw = text[pos + 1 : close]
        escapes = _ENV_ESCAPES if quote == '"' else _SINGLE_QUOTED_ESCAPES
        return _decode(raw, escapes), close + 1, pos + 1
    if quote in ("", "\r", "\n"):
        return "", pos, pos
    end = _line_end(text, pos)
    part = text[pos:end]
    cut = _comment_start(part)
    return part[:cut].rstrip(), end, pos


def _closing_quote(text: str, pos: int, quote: str) -> int:
    """The quote that closes the value opened at ``pos``, as python-dotenv (1.2.4 and later) finds it.

    Its expression ``"((?:\\\\.|[^"\\\\])*)"`` (DOTALL) takes a backslash with the character after
    it, whatever that is, and stops at the first quote not so taken; with none, nothing is bound.
    """
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 == len(text):  # a backslash with nothing after it: neither branch matches
                break
            index += 2
        elif char == quote:
            return index
        else:
            index += 1
    raise _NoBinding(pos)


def _decode(raw: str, escapes: dict[str, str]) -> str:
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and raw[index + 1 : index + 2] in escapes:
            out.append(escapes[raw[index + 1]])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _comment_start(value: str) -> int:
    """Where a `` # comment`` starts in an unquoted value, white space included (its length when none)."""
    index = value.find("#", 1)  # a value may start with "#": only white space before it makes a comment
    while index != -1 and not value[index - 1].isspace():
        index = value.find("#", index + 1)
    if index == -1:
        return len(value)
    while index > 0 and value[index - 1].isspace():
        index -= 1
    return index


def read_env(text: str, path: str) -> tuple[EnvPort, ...]:
    """The ``NAME_PORT=NNNN`` variables of an env file (a bare ``PORT`` names no service)."""
    found: list[EnvPort] = []
    for name, value, line, column in read_variables(text):
        if not name.endswith("_PORT") or name == "_PORT":
            continue
        try:
            if not value:
                raise PortSpecError("the value is empty")
            span = port_span(value, "value")
            if len(span) != 1:
                raise PortSpecError(f"value {value!r} is a range, not one port")
            found.append(EnvPort(Location(path, line, column), name, value, span.lo))
        except PortSpecError as exc:
            found.append(EnvPort(Location(path, line, column), name, value, None, str(exc)))
    return tuple(found)

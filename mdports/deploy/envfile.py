r"""env files: the ``NAME_PORT=NNNN`` variables, and every variable for compose interpolation.

>>> [(v.variable, v.port, v.service) for v in read_env("MANA_AUTH_PORT=3001\nNODE_ENV=production\n", ".env")]
[('MANA_AUTH_PORT', 3001, 'mana-auth')]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..syntax.row import split_eol, split_lines
from .port_values import PortSpecError, port_span

# The escapes python-dotenv decodes in a double-quoted value.
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


@dataclass(frozen=True, slots=True)
class EnvPort:
    """A ``NAME_PORT=NNNN`` variable of an env file."""

    path: str
    line: int
    column: int  # where the value starts
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
    """Every ``NAME=value`` of an env file as ``(name, value, line, column)``, read as python-dotenv does.

    ``export NAME=value`` is ``NAME``; a single-quoted value is literal, a double-quoted one has
    its backslash escapes decoded (``A="x\\"y"`` is ``x"y``); an unquoted value ends at a
    ``#`` that follows whitespace (a comment) and loses its outer spaces. Comment lines and
    lines that are not an assignment are skipped. ``column`` is where the value starts (inside
    its quotes). Read with string methods only, so that no line can make it backtrack.
    """
    for number, raw in enumerate(split_lines(text.removeprefix("\ufeff")), start=1):
        line = split_eol(raw)[0]
        assignment = _env_assignment(line)
        if assignment is not None:
            name, value, column = assignment
            yield name, value, number, column


def _env_assignment(line: str) -> tuple[str, str, int] | None:
    """``(name, value, 1-based column of the value)`` of one env-file line, or None."""
    rest = line.lstrip()
    name, equals, value = rest.partition("=")
    name = name.rstrip()
    if name.startswith("export") and name[6:7].isspace():
        name = name[6:].lstrip()  # "export NAME=..."; a variable named export ("export = 1") stays
    if not equals or not name.isidentifier() or not name.isascii():
        return None
    stripped = value.lstrip()
    column = len(line) - len(stripped) + 1
    quote = stripped[:1]
    if quote == "'":
        end = stripped.find("'", 1)
        if end != -1:
            return name, stripped[1:end], column + 1
    elif quote == '"':
        decoded = _double_quoted(stripped)
        if decoded is not None:
            return name, decoded, column + 1
    comment = _comment_start(stripped)
    return name, stripped[:comment].rstrip(), column


def _double_quoted(text: str) -> str | None:
    """The value of ``"..."`` at the start of ``text`` with its escapes decoded; None when unclosed."""
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out)
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append(_ENV_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        out.append(char)
        index += 1
    return None


def _comment_start(value: str) -> int:
    """Where a `` # comment`` starts in an unquoted value (its length when there is none)."""
    index = value.find("#", 1)  # a value may start with "#": only whitespace before it makes a comment
    while index != -1 and not value[index - 1].isspace():
        index = value.find("#", index + 1)
    return len(value) if index == -1 else index


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
            found.append(EnvPort(path, line, column, name, value, span.lo))
        except PortSpecError as exc:
            found.append(EnvPort(path, line, column, name, value, None, str(exc)))
    return tuple(found)

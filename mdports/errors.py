"""The one exception tree of mdports.

Every error carries where it happened (``FILE:LINE:COL`` when known) and what to do
about it. The CLI maps :class:`InputError` and :class:`UsageError` to exit code 2 and
:class:`RefusedError` to exit code 1; nothing else escapes as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable

from .location import format_location


class MdportsError(Exception):
    """Root of every error mdports raises on purpose."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.hint = hint
        self.source_line = source_line

    @property
    def location(self) -> str:
        """``FILE:LINE:COL`` as far as it is known (empty when nothing is)."""
        return format_location(self.path, self.line, self.column)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.source_line is not None and self.line is not None:
            gutter = f"{self.line:>5} | "
            text += f"\n{gutter}{self.source_line}"
            if self.column is not None:
                text += "\n" + " " * (len(gutter) + self.column - 1) + "^"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(MdportsError):
    """A file could not be read or decoded, or its content cannot be used."""


class UsageError(MdportsError):
    """An argument or configuration value is invalid (unknown range, bad option)."""


class RefusedError(MdportsError):
    """An operation was refused to protect the document; nothing was written."""

    exit_code = 1


class NotFoundError(RefusedError):
    """The entry, port or section asked for does not exist."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'strict'?"`` when a choice is close to ``word``, else ``""``: the hint of a typo."""
    import difflib  # only on a typo: `import mdports` does not pay for it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""

"""What the user passes to an edit, checked: cell values, service names, ports and protocols."""

from __future__ import annotations

import unicodedata

from ..errors import UsageError
from ..model.names import describe
from ..model.ports import MAX_PORT, MIN_PORT, strip_markup
from ..model.registry import placeholder_marker, service_name
from ..syntax.escaping import is_hidden, visible
from ..syntax.table_style import escape_cell


def check_value(text: str, what: str) -> str:
    """A cell value made safe: refused when it has a line break, pipes escaped, outer spaces dropped."""
    if "\n" in text or "\r" in text:
        raise UsageError(f"{what} {text!r} contains a line break, which cannot live in a table cell")
    return escape_cell(text)


# Besides letters and digits, what real service names use; nothing that is Markdown or HTML
# syntax (a link, an image, a mention, a tag) or that changes how text is displayed.
_NAME_PUNCTUATION = frozenset(" -_./()+:")
NAME_CHARACTERS = "letters, digits, space and -_./()+:"
# UTS #39 (5.4): more than four combining marks on one letter is a pile no script needs.
_MAX_MARKS = 4


def _check_characters(text: str, what: str) -> None:
    """Refuse a character that is not plain (:data:`NAME_CHARACTERS`), naming it.

    Letters of every script count, with the combining marks they are written with (Devanagari's
    vowel signs and virama, an accent): a mark must follow a letter or digit, at most four
    together and none twice in a row.
    """
    marks = 0
    previous = ""
    # Marks are counted decomposed (NFD), as UTS #39 counts them: NFC would hide some in letters.
    for char in unicodedata.normalize("NFD", text):
        problem = _name_character(char, previous, marks)
        if problem is not None:
            raise UsageError(f"{what} {text!r} contains {problem}", hint=f"a {what} may use {NAME_CHARACTERS}")
        marks = marks + 1 if unicodedata.category(char).startswith("M") else 0
        previous = char


def check_name(name: str) -> str:
    """A new service name: plain characters only (:data:`NAME_CHARACTERS`), reading back as itself.

    The name is written in NFC, the form most text is in, so it compares and reads back as the
    same name whatever the keyboard produced.
    """
    _check_characters(name, "service name")
    name = unicodedata.normalize("NFC", name)
    cleaned = check_value(name, "service name")
    if not cleaned:
        raise UsageError("the service name is empty", hint="give a name such as todo-worker")
    if placeholder_marker(cleaned):
        raise UsageError(f"{name!r} would read as a placeholder marker, not a service name")
    if service_name(cleaned) != cleaned or (cleaned[0].isdigit() and cleaned.split()[0].isdigit()):
        raise UsageError(f"{name!r} would not read back as a service name", hint="use letters, digits and -_.")
    return cleaned


def _name_character(char: str, previous: str, marks: int) -> str | None:
    """What is wrong with ``char`` after ``previous`` (and ``marks`` combining marks) in a name, or None."""
    if is_hidden(char) or not char.isprintable():
        return f"{visible(char)}, a control or invisible character"
    category = unicodedata.category(char)
    if category in ("Mn", "Mc"):
        if not previous or not (previous.isalnum() or unicodedata.category(previous).startswith("M")):
            return f"{visible(char)} ({describe(char)}), a combining mark with no letter before it"
        if marks >= _MAX_MARKS or char == previous:
            return f"{visible(char)} ({describe(char)}), one combining mark too many on a letter"
        return None
    if char.isalnum() or char in _NAME_PUNCTUATION:
        return None
    if char.isascii():
        return f"{char!r}, which is Markdown or HTML syntax or other punctuation"
    return f"{char!r} ({describe(char)}), a symbol or punctuation, not a letter or digit"


def check_title(title: str) -> str:
    """A new section's title: plain characters only, as a service name, and not empty."""
    _check_characters(title, "section title")
    if not title.strip():
        raise UsageError("the section title is empty", hint="give a title such as 'Other ports'")
    return unicodedata.normalize("NFC", title.strip())


def check_port(port: int) -> int:
    if not MIN_PORT <= port <= MAX_PORT:
        raise UsageError(f"port {port} is outside 1-65535")
    return port


def check_protocol(text: str) -> tuple[str, ...]:
    from ..model.vocabulary import APPLICATION_PROTOCOLS, PROTOCOLS

    value = strip_markup(text).lower()
    if value in PROTOCOLS:
        return PROTOCOLS[value]
    if value in APPLICATION_PROTOCOLS:  # the table names application protocols: HTTP is tcp
        return APPLICATION_PROTOCOLS[value]
    raise UsageError(f"unknown protocol {text!r} (use tcp, udp or tcp/udp)")

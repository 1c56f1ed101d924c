"""What the user passes to an edit, checked: cell values, service names, ports and protocols."""

from __future__ import annotations

from ..errors import UsageError
from ..model.ports import MAX_PORT, MIN_PORT, strip_markup
from ..model.registry import placeholder_marker, service_name
from ..output.escaping import is_hidden, visible
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


def _check_characters(text: str, what: str) -> None:
    """Refuse a character that is not plain (:data:`NAME_CHARACTERS`), naming it."""
    for char in text:
        if (char.isalnum() or char in _NAME_PUNCTUATION) and not is_hidden(char):
            continue
        if is_hidden(char) or not char.isprintable():
            found = f"{visible(char)}, a control or invisible character"
        else:
            found = f"{char!r}, which is Markdown or HTML syntax or other punctuation"
        raise UsageError(f"{what} {text!r} contains {found}", hint=f"a {what} may use {NAME_CHARACTERS}")


def check_name(name: str) -> str:
    """A new service name: plain characters only (:data:`NAME_CHARACTERS`), reading back as itself."""
    _check_characters(name, "service name")
    cleaned = check_value(name, "service name")
    if not cleaned:
        raise UsageError("the service name is empty", hint="give a name such as todo-worker")
    if placeholder_marker(cleaned):
        raise UsageError(f"{name!r} would read as a placeholder marker, not a service name")
    if service_name(cleaned) != cleaned or (cleaned[0].isdigit() and cleaned.split()[0].isdigit()):
        raise UsageError(f"{name!r} would not read back as a service name", hint="use letters, digits and -_.")
    return cleaned


def check_title(title: str) -> str:
    """A new section's title: plain characters only, as a service name, and not empty."""
    _check_characters(title, "section title")
    if not title.strip():
        raise UsageError("the section title is empty", hint="give a title such as 'Other ports'")
    return title.strip()


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

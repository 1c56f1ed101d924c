"""Sections: the range a heading declares, and finding a section by what a person types.

A heading declares a range as ``3000-3009: Title``, ``Title (3000-3009)``, ``Title (10000+)``,
``Port Range: 2900-2909`` or ``3000-4050 Range``; a section without one inherits the range of
the heading that encloses it (or of a range table that names it, see :mod:`.reading`).
"""

from __future__ import annotations

import re

from ..errors import UsageError
from ..readonly import readonly
from ..syntax.document import Heading
from . import vocabulary
from .ports import MAX_PORT, PortRange, PortSyntaxError, parse_span, strip_markup
from .vocabulary import normalize_header

# A declared range: "3000-3009: Title" (leading, up to a colon) or "Title (3000-3009)".
_RANGE_TEXT = re.compile(r"[\d\s\-\u2013\u2014xX.]+")
_DIGIT = re.compile(r"\d")
_NON_SPACE = re.compile(r"\S")


def slugify(text: str) -> str:
    """GitHub-like heading slug with runs of separators collapsed: ``AI/ML Services`` -> ``ai-ml-services``."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))


@readonly
class Section:
    """A top-level heading and everything up to the next one."""

    index: int
    heading: str
    title: str
    level: int
    line: int
    declared: PortRange | None
    range_text: str | None  # the range as written, also when it is malformed
    range_error: str | None
    parent: int | None  # enclosing section (a heading of a lower level)
    range: PortRange | None  # declared, or inherited from the enclosing section
    host: str | None = None  # the host its tables describe ("## Server: web-01"), own or inherited

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def label(self) -> str:
        return f"{self.heading!r} (line {self.line})"


def resolve_section(
    sections: tuple[Section, ...], selector: str, path: str | None = None, option: str = "--range"
) -> Section:
    """A section chosen by a person (``--range``): a range, a port, a slug or an abbreviation.

    A port picks the narrowest range holding it, inherited ranges included, and two equally
    narrow ones are ambiguous (an error listing both); :meth:`Registry.section_holding` is the
    model's own answer, for rules. ``option`` is the option the messages name.
    """
    return _one(matching_sections(sections, selector), selector, sections, path, option)


def matching_sections(sections: tuple[Section, ...], selector: str) -> list[Section]:
    """The sections ``selector`` may mean (see :func:`resolve_section`): none, one, or several equals."""
    text = selector.strip()
    by_range = [s for s in sections if s.declared is not None and str(s.declared) == text.replace("\u2013", "-")]
    if by_range:
        return by_range[:1]
    if text.isdigit() and text.isascii():
        port = int(text) if len(text) <= 9 else MAX_PORT + 1
        holding = [s for s in sections if s.range is not None and port in s.range]
        if holding:
            narrowest = min(len(s.range) for s in holding if s.range is not None)
            holding = [s for s in holding if s.range is not None and len(s.range) == narrowest]
        return holding
    wanted = slugify(text)
    exact = [s for s in sections if wanted and wanted in (s.slug, slugify(s.heading))]
    if exact:
        return exact
    words = wanted.split("-") if wanted else []
    return [s for s in sections if words and _abbreviates(words, s.slug.split("-"))]


def _abbreviates(words: list[str], title_words: list[str]) -> bool:
    position = 0
    for word in title_words:
        if position < len(words) and word.startswith(words[position]):
            position += 1
    return position == len(words)


def _one(found: list[Section], selector: str, sections: tuple[Section, ...], path: str | None, option: str) -> Section:
    if len(found) == 1:
        return found[0]
    if found:
        listing = "; ".join(f"{s.slug} ({s.declared or 'no range'})" for s in found)
        raise UsageError(f"{option} {selector!r} is ambiguous: {listing}", path=path, hint="give more of the name")
    listing = "; ".join(f"{s.slug} ({s.declared})" for s in sections if s.declared)
    if listing:
        hint = f"sections with ranges: {listing}"
    else:
        broken = [s for s in sections if s.range_error]
        hint = "no heading declares a range, such as '## 3000-3099: Core Services'" + (
            f"; the range of {broken[0].heading!r} (line {broken[0].line}) cannot be read: {broken[0].range_error}"
            if broken
            else ""
        )
    raise UsageError(f"{option} {selector!r} matches no section", path=path, hint=hint)


def _read_range(heading: str) -> tuple[str, str | None]:
    """Split a heading into ``(title, range_text)``; range_text is None when none is declared.

    Besides ``3000-3009: Title`` and ``Title (3000-3009)``: ``Title (5170-5179 Range)``,
    ``Port Range: 2900-2909``, ``3000-4050 Range`` and ``Title (10000+)`` (up to 65535). A
    single port in parentheses (``Express App (2900)``) or a date (``(2025-12-29)``,
    ``2025-12-29: Release``) is not a range.
    """
    leading = _leading_range(heading)
    # "8080: Title" keeps declaring the one port it names: only a parenthesis is often a note.
    if leading and _RANGE_TEXT.fullmatch(leading[0]) and not _DATE.fullmatch(leading[0]):
        return leading[1].strip() or heading, leading[0]
    trailing = _trailing_range(heading)
    if trailing:
        text = _range_text(trailing[1])
        if text is not None:
            return trailing[0].strip() or heading, text
    label, colon, rest = heading.partition(":")
    if colon and normalize_header(label) in vocabulary.RANGE_HEADERS:  # "Port Range: 2900-2909"
        text = _range_text(rest.strip())
        if text is not None:
            return heading.strip(), text
    first, _, title = heading.strip().partition(" ")
    if title.lower().startswith("range") and _RANGE_TEXT.fullmatch(first) and _declares(first):  # "3000-4050 Range"
        return heading.strip(), first
    return heading.strip(), None


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _declares(text: str) -> bool:
    """A range, not a single port or a date: ``3000-3009`` and ``30xx-31xx`` (malformed) do."""
    return not _DATE.fullmatch(text.strip()) and any(dash in text for dash in "-\u2013\u2014")


def _range_text(text: str) -> str | None:
    """The range a parenthesis or label holds (``5170-5179 Range``, ``10000+``), or None."""
    text = text.strip()
    if text.lower().endswith(" range"):
        text = text[: -len(" range")].rstrip()
    if text.endswith("+") and text[:-1].isdigit() and text[:-1].isascii():
        return f"{text[:-1]}-{MAX_PORT}"
    return text if _RANGE_TEXT.fullmatch(text) and _declares(text) else None


# The two readers below find what the regular expressions ^\s*(\d[^:]*?)\s*:\s*(.*)$ and
# ^(.*?)\s*\(\s*(\d[^)]*?)\s*\)\s*$ would (tests/test_fuzz.py holds them to that), in one pass:
# the expressions backtrack quadratically, and worse, on long runs of spaces in a heading.


def _leading_range(heading: str) -> tuple[str, str] | None:
    """``("3000-3009", "Title")`` of ``3000-3009: Title``: the text up to the first colon, starting with a digit."""
    head, colon, rest = heading.partition(":")
    head = head.lstrip()
    if not colon or not _DIGIT.match(head):
        return None
    rest = rest.lstrip()
    if "\n" in (rest[:-1] if rest.endswith("\n") else rest):
        return None  # the title may not span lines
    return head.rstrip(), rest.removesuffix("\n")


def _trailing_range(heading: str) -> tuple[str, str] | None:
    """``("Title", "3000-3009")`` of ``Title (3000-3009)``: the first parenthesis that closes the heading."""
    body = heading.rstrip()
    if not body.endswith(")"):
        return None
    close = len(body) - 1
    # The title may not span lines, but the spaces before the "(" may: the "(" comes before the
    # first line break, or is the first thing after it.
    limit = len(body)
    line_break = body.find("\n")
    if line_break != -1:
        after = _NON_SPACE.search(body, line_break)
        limit = after.start() + 1 if after else line_break
    start = body.rfind(")", 0, close) + 1  # no ")" may come between the "(" and the end
    opening = body.find("(", start, limit)
    while opening != -1:
        first = _NON_SPACE.search(body, opening + 1, close)  # stops at the next "(" at the latest
        if first and _DIGIT.match(first.group()):
            return body[:opening].rstrip(), body[first.start() : close].rstrip()
        opening = body.find("(", opening + 1, limit)
    return None


def section_slug(heading: str) -> str:
    """The slug of the section a heading text starts (``3000-3009: Core Platform`` -> ``core-platform``)."""
    return slugify(_read_range(heading)[0])


_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def read_section(index: int, heading: Heading, parents: list[Section]) -> Section:
    title, range_text = _read_range(heading.text)
    declared: PortRange | None = None
    error: str | None = None
    if range_text is not None:
        try:
            declared = parse_span(range_text)
        except PortSyntaxError as exc:
            error = str(exc)
    while parents and parents[-1].level >= heading.level:
        parents.pop()
    parent = parents[-1] if parents else None
    inherited = parent.range if parent and range_text is None else None
    named_host = vocabulary.HOST_HEADING.fullmatch(strip_markup(heading.text.strip()))
    host = strip_markup(named_host.group(1).strip()) if named_host else None
    if host is None:  # "## Production (DO Droplet - 165.227.111.24)": the machine, by its address
        address = _IPV4.search(heading.text)
        host = address.group(0) if address else None
    return Section(
        index=index,
        heading=heading.text.strip(),
        title=title,
        level=heading.level,
        line=heading.start + 1,
        declared=declared,
        range_text=range_text,
        range_error=error,
        parent=parent.index if parent else None,
        range=declared or inherited,
        host=host or (parent.host if parent else None),
    )

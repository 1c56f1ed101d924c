"""One open document as the servers see it: its text, parsed and validated, and positions in it.

An :class:`Analysis` is made again for every version of the text (the model is never patched);
whatever cannot be read becomes :attr:`Analysis.error`, so a broken document still gets an
answer instead of a crashed server.

Positions as a language client counts them: 0-based lines, columns in UTF-8, UTF-16 or UTF-32
code units. mdports counts 1-based lines (ended by ``\\n``, ``\\r\\n`` or ``\\r``, as the LSP
does) and 1-based columns in characters; a client counts UTF-16 code units unless it negotiated
another encoding. :class:`Positions` converts both ways over one text.

>>> p = Positions("a\\n🚀b|c\\n", "utf-16")
>>> p.client(2, 2), p.offset(1, 3), p.offset(9, 0)
((1, 2), 4, 7)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .._gc import collector_paused
from ..errors import InputError, MdportsError
from ..files.config import Config, vocabulary
from ..model.lookup import Registry
from ..model.reading import build
from ..model.registry import Entry, Reference
from ..model.sections import Section
from ..rules.findings import Finding
from ..rules.validation import validate
from ..syntax.document import Document, Table, parse
from ..syntax.row import LineIndex, Row, split_eol, split_lines

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


# Checked as the user types: far above a real registry (65,535 entries are about 4 MiB), low
# enough that one keystroke never holds the server for long. Larger texts get one diagnostic.
LIVE_LIMIT = 8 * 2**20


@dataclass(frozen=True)
class Analysis:
    """A text with its document, registry and findings (all None/empty when :attr:`error` says why)."""

    text: str
    document: Document | None = None
    registry: Registry | None = None
    findings: tuple[Finding, ...] = ()
    error: MdportsError | None = None
    _rows: dict[int, tuple[Entry, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_registry(self) -> bool:
        """Whether the text declares a registry table (a Markdown file without one is not served)."""
        return self.registry is not None and bool(self.registry.tables)

    def entries_on(self, line: int) -> tuple[Entry, ...]:
        """Entries (both layers) written on 1-based ``line``."""
        if self.registry is None:
            return ()
        if not self._rows:
            for entry in self.registry.every_entry:
                self._rows.setdefault(entry.line, ())
                self._rows[entry.line] += (entry,)
        return self._rows.get(line, ())

    def reference_at(self, line: int, column: int) -> Reference | None:
        """The cross-reference cell at 1-based ``line:column``, if the cursor is in one."""
        if self.registry is None:
            return None
        for reference in self.registry.references:
            if reference.line == line and self.cell_at(line, column) == self.cell_at(line, reference.column):
                return reference
        return None

    def table_at(self, line: int) -> tuple[int, Table] | None:
        """The registry table (its index in ``registry.tables``) holding 1-based ``line``."""
        if self.registry is None or self.document is None:
            return None
        for index, table in enumerate(self.registry.tables):
            block = self.document.blocks[table.block]
            if isinstance(block, Table) and block.start < line <= block.start + block.line_count:
                return index, block
        return None

    def cell_at(self, line: int, column: int) -> int | None:
        """The 0-based cell index of a table row under 1-based ``line:column``."""
        found = self.table_at(line)
        if found is None:
            return None
        row = found[1].rows[line - found[1].start - 1]
        return cell_index(row, column)

    def section_at(self, line: int) -> Section | None:
        """The section whose heading or body holds 1-based ``line``."""
        if self.registry is None:
            return None
        holder = None
        for section in self.registry.sections:
            if section.line <= line:
                holder = section
        return holder

    def section_end(self, section: Section) -> int:
        """The last line (1-based) of ``section``: before the next heading of its level or above."""
        assert self.registry is not None
        for other in self.registry.sections[section.index + 1 :]:
            if other.level <= section.level and other.line > section.line:
                return other.line - 1
        return max(len(split_lines(self.text)), section.line)

    def in_section(self, section: Section) -> Iterator[Entry]:
        assert self.registry is not None
        return (entry for entry in self.registry.every_entry if entry.section == section.index)


def cell_index(row: Row, column: int) -> int | None:
    """The cell of ``row`` under 1-based ``column`` (None left of the first pipe or past the last)."""
    offsets = row.offsets
    position = column - 1
    for index in range(len(offsets) - 1, -1, -1):
        if offsets[index] <= position <= offsets[index] + len(row.cells[index]):
            return index
    return None


def analyze(text: str, name: str, config: Config) -> Analysis:
    """Parse, read and validate ``text`` (called ``name`` in findings); every failure is an :attr:`~Analysis.error`."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > LIVE_LIMIT:
        return Analysis(
            text,
            error=InputError(
                f"is {size / 2**20:.1f} MiB, more than the {LIVE_LIMIT // 2**20} MiB checked as you type",
                path=name,
                line=1,
                hint="run `mdports validate` on it in a terminal",
            ),
        )
    try:
        # The model is thousands of acyclic objects made at once: the collector would walk them
        # again and again while they are made and free nothing (see mdports/_gc.py).
        with collector_paused():
            document = parse(text, path=name)
            registry = build(document, vocabulary(config))
            return Analysis(text, document, registry, validate(registry, config).findings)
    except MdportsError as error:
        return Analysis(text, error=error)
    except RecursionError:
        deep = InputError("is nested too deeply to be read", path=name, line=1, hint="run `mdports validate` on it")
        return Analysis(text, error=deep)

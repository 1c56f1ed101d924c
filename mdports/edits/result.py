"""What an edit operation returns, its verification before any write, and the "Last updated" date.

An edit returns the new document, its changes, and the entries it must read back as. An entry's
identity for :func:`verify` is its :data:`EntryKey`; :func:`row_key` gives the key a new row must
have, :func:`model_keys` those a registry has. :func:`verify` parses an edit's text again and
refuses it unless it is exactly what was intended.

The document's "Last updated" date: where it is (:func:`date_span`) and what today is. Edits set
the date and ``merge`` aligns it with the one function, so both find the same line.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING

from ..errors import RefusedError
from ..model.lookup import Registry
from ..model.reading import build
from ..model.registry import Entry
from ..model.vocabulary import DEFAULT
from ..readonly import readonly
from ..syntax.document import Document
from ..syntax.row import split_lines, unified_diff

if TYPE_CHECKING:
    from ..records import ChangeRecord


# "Last updated: 2026-03-28", "**Last-Updated:** 2026-03-28": the words, non-word characters, a date.
_LAST_UPDATED_WORDS = re.compile(r"\blast[ -]updated\b", re.IGNORECASE)
_NON_WORD = re.compile(r"\W*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def date_span(text: str) -> tuple[int, int] | None:
    """Where the date of the document's "Last updated" line is in ``text`` (start, end), or None.

    The first ``Last updated`` (or ``Last-Updated``, any case) followed by non-word characters
    and a ``YYYY-MM-DD`` date, in a paragraph that is not inside a code block, an HTML block
    or a block quote: an example in a code fence or a quoted changelog is not the document's
    date. ``edits`` sets it and ``merge`` aligns it with this one function.

    >>> text = "```\\nLast updated: 2020-01-01\\n```\\n\\n**Last updated:** 2026-03-28\\n"
    >>> text[slice(*date_span(text))]
    '2026-03-28'
    """
    lines = split_lines(text)
    candidates = [(number, span) for number, line in enumerate(lines) for span in [_date_in(line)] if span]
    if not candidates:  # the usual case: no paragraph needs to be found
        return None
    prose = _paragraph_lines(text)
    for number, (start, end) in candidates:
        if number in prose:
            before = sum(len(line) for line in lines[:number])
            return before + start, before + end
    return None


def _date_in(line: str) -> tuple[int, int] | None:
    for words in _LAST_UPDATED_WORDS.finditer(line):
        gap = _NON_WORD.match(line, words.end())
        date = _ISO_DATE.match(line, gap.end() if gap else words.end())
        if date:
            return date.span()
    return None


def _paragraph_lines(text: str) -> frozenset[int]:
    """The 0-based numbers of the lines that are in a paragraph outside block quotes."""
    from ..syntax.document import block_tokens

    lines: set[int] = set()
    quoted = 0
    for token in block_tokens(text):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "paragraph_open" and not quoted and token.map:
            lines.update(range(*token.map))
    return frozenset(lines)


def today() -> datetime.date:
    """Today's date, or the one ``SOURCE_DATE_EPOCH`` fixes (for reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit() and epoch.isascii() and len(epoch) <= 12:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
        except (OverflowError, OSError, ValueError):  # beyond the dates the platform knows
            pass
    return datetime.date.today()


# The identity of an entry for verification: section, service, ports, the column headers and
# every cell's text (as ``Entry.cells`` holds them: one cell per distinct header).
EntryKey = tuple[str, "str | None", tuple[int, ...], tuple[str, ...], tuple[str, ...]]
# The identity of a running entry read from a list: host, service, ports.
RunningKey = tuple["str | None", "str | None", tuple[int, ...]]


@readonly
class Change:
    """One thing an edit did, for people (``message``) and bots (``to_dict``)."""

    action: str
    service: str | None
    ports: tuple[int, ...]
    section: str
    message: str
    references: int = 0
    old_ports: tuple[int, ...] = ()
    old_service: str | None = None

    def to_dict(self) -> ChangeRecord:
        """The change as every JSON output names things: ``section`` is the slug, ``heading`` as written."""
        from ..model.sections import section_slug

        record: ChangeRecord = {
            "action": self.action,
            "service": self.service,
            "ports": list(self.ports),
            "section": section_slug(self.section) if self.section else None,
            "heading": self.section or None,
            "message": self.message,
        }
        if self.action in ("rename", "move"):
            record["references"] = self.references
        if self.old_ports:
            record["old_ports"] = list(self.old_ports)
        if self.old_service is not None:
            record["old_service"] = self.old_service
        return record


@readonly(slots=False)  # `text` below is a cached_property
class Edit:
    """The result of an operation: the new document and how it differs from the old one."""

    before: Document
    after: Document
    changes: tuple[Change, ...]
    expected: tuple[EntryKey, ...] = ()  # the new registry's entries (those in ``scope``), as intended
    removed_lines: frozenset[int] = frozenset()  # 0-based lines of ``before`` replaced or removed
    added_lines: frozenset[int] = frozenset()  # 0-based lines of ``after`` that are new
    check_model: bool = True  # fmt re-orders rows: its model check compares entry sets only
    ports: tuple[int, ...] = field(default=())  # the ports an ``add`` or ``move`` chose
    # The registry of ``before`` the operation read, so that verify need not derive it again.
    registry: Registry | None = field(default=None, compare=False, repr=False)
    # Block indexes of the tables ``expected`` covers (None: every table). Every other table is
    # left byte for byte as it was, so verify checks it by the document's block structure.
    scope: frozenset[int] | None = None
    # The running entries (list items) the new registry must have, when the edit changed a list.
    expected_running: tuple[RunningKey, ...] | None = None

    @cached_property
    def text(self) -> str:
        """The new document's text (rendered once: verify, the check for a change and the write share it)."""
        return self.after.render()

    @property
    def changed(self) -> bool:
        return self.text != self.before.render()

    def diff(self, path: str = "PORT_SCHEMA.md") -> str:
        """The unified diff of the edit (``--- a/PATH`` / ``+++ b/PATH``), '' when nothing changed."""
        return unified_diff(self.before.render(), self.text, path)


def entry_key(registry: Registry, entry: Entry) -> EntryKey:
    section = registry.sections[entry.section].heading
    cells = entry.cells
    return (section, entry.service, entry.ports, tuple(cells), tuple(cells.values()))


def row_key(
    registry: Registry, table_index: int, texts: Sequence[str], service: str | None, ports: Iterable[int]
) -> EntryKey:
    """The key a new row with ``texts`` in table ``table_index`` must read back as."""
    info = registry.tables[table_index]
    section = registry.sections[info.section].heading
    # As the registry reads a row: one cell per distinct header (a repeated header keeps its last cell).
    cells = {header: texts[i] if i < len(texts) else "" for i, header in enumerate(info.headers)}
    return (section, service, tuple(sorted(set(ports))), tuple(cells), tuple(cells.values()))


def model_keys(registry: Registry, blocks: frozenset[int] | None = None) -> Counter[EntryKey]:
    """Every entry's key (only those of the tables at ``blocks``, when given)."""
    if blocks is None:
        return Counter(entry_key(registry, entry) for entry in registry.entries)
    tables = {index for index, table in enumerate(registry.tables) if table.block in blocks}
    return Counter(entry_key(registry, entry) for entry in registry.entries if entry.table in tables)


def running_keys(registry: Registry) -> Counter[RunningKey]:
    """Every running entry read from a list, by :data:`RunningKey`."""
    return Counter(running_key(entry) for entry in registry.listed)


def running_key(entry: Entry) -> RunningKey:
    return (entry.host, entry.service, entry.ports)


def _error_keys(registry: Registry) -> Counter[tuple[str, tuple[int, ...]]]:
    from ..rules.validation import validate

    return Counter(
        (finding.rule.id, finding.ports)
        for finding in validate(registry, errors_only=True).findings
        if finding.severity == "error"
    )


def verify(edit: Edit, *, errors: bool = True) -> Registry:
    """Parse the edit's text again and refuse it unless it is exactly what was intended.

    Checks: the lines outside those the edit touched are byte-for-byte the same; the new
    registry has exactly the intended entries (for ``fmt``: the same ports per service);
    no new error-level finding appears (unless ``errors=False``: the merge driver replays
    what the other side wrote and reports findings instead). Returns the new registry.
    """
    from ..syntax.document import parse

    text = edit.text
    after = parse(text, path=edit.before.path)
    old_lines = [line for block in edit.before.blocks for line in block.lines]
    new_lines = [line for block in after.blocks for line in block.lines]
    kept_old = [line for index, line in enumerate(old_lines) if index not in edit.removed_lines]
    kept_new = [line for index, line in enumerate(new_lines) if index not in edit.added_lines]
    if kept_old != kept_new or after.bom != edit.before.bom:
        raise RefusedError(
            "the edit would change lines it did not mean to touch; nothing was written",
            path=edit.before.path,
            hint="please report this as a bug",
        )
    known = edit.registry
    vocab = known.vocabulary if known is not None else DEFAULT  # read the new text as the old one was read
    before_registry = known if known is not None and known.document is edit.before else build(edit.before, vocab)
    new_registry = build(after, vocab)
    if edit.check_model:
        # Tables outside the edit's scope are byte for byte what they were (the line check above);
        # when every block also starts where the edit put it, they read back as they did.
        if edit.scope is not None and _shape(after) != _shape(edit.after):
            raise RefusedError(
                "the edited document would not read back as intended (its blocks would change); nothing was written",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
        intended = Counter(edit.expected)
        actual = model_keys(new_registry, edit.scope)
        if intended != actual:
            missing = next(iter(intended - actual), None)
            unexpected = next(iter(actual - intended), None)
            raise RefusedError(
                "the edited document would not read back as intended; nothing was written "
                f"(expected {missing}, read {unexpected})",
                path=edit.before.path,
                hint="a cell value may break the table; check the values you passed",
            )
        if edit.expected_running is not None and Counter(edit.expected_running) != running_keys(new_registry):
            wanted, read = Counter(edit.expected_running), running_keys(new_registry)
            raise RefusedError(
                "the edited list would not read back as intended; nothing was written "
                f"(expected {next(iter(wanted - read), None)}, read {next(iter(read - wanted), None)})",
                path=edit.before.path,
                hint="the list may no longer be read as running ports (`mdports explain`); edit it by hand",
            )
    else:

        def ports_by_service(registry: Registry) -> Counter[tuple[str | None, int]]:
            return Counter((e.service, p) for e in registry.entries for p in e.ports)

        if ports_by_service(before_registry) != ports_by_service(new_registry):
            raise RefusedError("formatting would change the registry; nothing was written", path=edit.before.path)
    new_errors = _error_keys(new_registry) if errors else Counter()
    if new_errors:  # only then is it worth validating the old document too
        new_errors -= _error_keys(before_registry)
    if new_errors:
        listing = ", ".join(f"{rule} on port(s) {list(ports)}" for rule, ports in new_errors)
        raise RefusedError(
            f"the edit would introduce errors ({listing}); nothing was written",
            path=edit.before.path,
            hint="run `mdports validate` to see the document's problems",
        )
    return new_registry


def _shape(document: Document) -> list[tuple[type, int, int]]:
    """Each block's kind, first line and number of lines."""
    return [(type(block), block.start, block.line_count) for block in document.blocks]

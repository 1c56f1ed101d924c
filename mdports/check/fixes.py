"""Fixes: the mechanical remedy of a finding, made by the edit operations, applied in verified rounds.

A :class:`~mdports.check.findings.Fix` holds text edits (line/column ranges and their new text).
They are never written by hand here: each one is the difference an edit operation of
:mod:`mdports.edits` makes (``format_tables``, ``complete_row``, ``shrink_placeholder``,
``move``), checked by :func:`mdports.edits.verify` like every edit. ``FIXERS`` maps a rule to
the function that finds its remedy (a read-only table, as ``rules.CHECKS`` is).

:func:`fix_document` applies the fixes of a document in rounds: every fix whose edits do not
overlap another's goes into a round; the round's result is validated again (no new error,
and for safe fixes no new finding at all and the same assigned ports); then the findings of
the new text get their fixes, until nothing changes or :data:`MAX_ROUNDS` is reached.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .. import edits
from ..errors import MdportsError, RefusedError
from ..files.config import Config, vocabulary
from ..files.disk import DocumentLock, read_text, write_atomic
from ..model.ports import format_ports
from ..model.reading import build
from ..model.registry import Entry, Registry
from ..syntax.document import Document, parse, split_lines
from .findings import Applicability, Finding, Fix, Report, TextEdit
from .rules import validate

MAX_ROUNDS = 5
# Making a fix re-reads and verifies the whole document, so the fixes worked out for one report
# stop once (fixes made) x (entries) passes this: every fix of a hand-sized registry (about 600
# for 150 entries), ten for 10,000 entries, one for 65,535. A 10,000-entry registry with 40
# fixable findings took 8 s for `validate --format json` without it. `--fix` goes on round by round.
WORK_BUDGET = 100_000

# The document's lines as they stand, and when git last wrote each (None: git cannot say).
History = Callable[[str], "list[int] | None"]


# --- a fix's text edits ----------------------------------------------------------------------


def text_edits(edit: edits.Edit) -> tuple[TextEdit, ...]:
    """The edit as replacements of whole lines of its old text, one per run of changed lines."""
    old = split_lines(edit.before.render())
    new = split_lines(edit.text)
    removed, added = edit.removed_lines, edit.added_lines
    found: list[TextEdit] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and i not in removed and j not in added:
            i, j = i + 1, j + 1
            continue
        i0, j0 = i, j
        while i < len(old) and i in removed:
            i += 1
        while j < len(new) and j in added:
            j += 1
        if (i, j) == (i0, j0):  # pragma: no cover - verify() guarantees the kept lines agree
            raise RefusedError("internal error: an edit's changed lines do not line up", path=edit.before.path)
        start, end = _position(old, i0), _position(old, i)
        found.append(TextEdit(start[0], start[1], end[0], end[1], "".join(new[j0:j])))
    return tuple(found)


def _position(lines: Sequence[str], index: int) -> tuple[int, int]:
    """The 1-based line and column where line ``index`` starts (the end of the text after the last)."""
    if index < len(lines):
        return index + 1, 1
    return (len(lines), len(lines[-1]) + 1) if lines else (1, 1)


def _span(starts: Sequence[int], edit: TextEdit) -> tuple[int, int]:
    return starts[edit.line - 1] + edit.column - 1, starts[edit.end_line - 1] + edit.end_column - 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def apply_edits(text: str, changes: Iterable[TextEdit]) -> str:
    """``text`` with the (non-overlapping) edits made, last first so that offsets stay valid."""
    starts = _line_starts(text)
    for edit in sorted(changes, key=lambda e: _span(starts, e), reverse=True):
        begin, end = _span(starts, edit)
        text = text[:begin] + edit.text + text[end:]
    return text


# --- finding a fix for each rule ----------------------------------------------------------------


@dataclass
class _Context:
    """What the fixers of one document share: its registry, rows by line, and made edits by key."""

    document: Document
    registry: Registry
    history: History | None
    by_line: dict[int, Entry] = dataclasses.field(default_factory=dict)
    made: dict[object, Fix | None] = dataclasses.field(default_factory=dict)
    spent: int = 0  # entries re-read so far, against WORK_BUDGET
    _times: list[int] | None = None
    _asked: bool = False

    def entry(self, finding: Finding) -> Entry | None:
        if not self.by_line:
            self.by_line = {entry.line: entry for entry in self.registry.entries}
        return self.by_line.get(finding.line)

    def written(self, entry: Entry) -> int | None:
        """When git last wrote the entry's row (None without history)."""
        if not self._asked:
            self._asked = True
            self._times = self.history(self.document.render()) if self.history else None
        times = self._times
        return times[entry.line - 1] if times is not None and entry.line <= len(times) else None

    def fix(
        self, key: object, description: str, applicability: Applicability, make: Callable[[], edits.Edit]
    ) -> Fix | None:
        """The fix ``make`` produces, verified like any edit (made once per ``key``).

        None when the operation refuses, or when :data:`WORK_BUDGET` is spent.
        """
        if key not in self.made:
            self.spent += max(1, len(self.registry.entries))
            if self.spent > WORK_BUDGET:
                return None
            try:
                edit = make()
                edits.verify(edit)
            except MdportsError:
                self.made[key] = None
            else:
                self.made[key] = Fix(description, applicability, text_edits(edit)) if edit.changed else None
        return self.made[key]


def _next_free(context: _Context, entry: Entry) -> int | None:
    section = context.registry.sections[entry.section]
    free = edits.free_ports(context.registry, section, 1 + len(entry.ports), entry.protocols)
    return next((port for port in free if port not in entry.ports), None)


def _movable(context: _Context, entry: Entry) -> bool:
    """A single-port service that ``move`` finds by its name."""
    if entry.service is None or len(entry.ports) != 1:
        return False
    return context.registry.by_name.get(entry.service.casefold(), (None,))[0] is entry


def _move(context: _Context, entry: Entry, port: int, description: str, section: str | None = None) -> Fix | None:
    """``move`` the entry to ``port`` (in the section ``section`` names, when given)."""
    name = entry.service or ""
    return context.fix(
        ("move", entry.index, port, section),
        description,
        "unsafe",
        lambda: edits.move(context.document, name, port=port, range=section),
    )


def _move_plan(context: _Context, finding: Finding) -> tuple[Entry, int, str] | None:
    """MP001 and MP101: the entry to move, the port it gets and why (None: no mechanical choice)."""
    entry = context.entry(finding)
    if entry is None:
        return None
    later, why = entry, ""
    if finding.rule.id == "MP001":
        if not finding.ports:
            return None
        port = finding.ports[0]
        holders = [
            e
            for e in context.registry.by_port.get(port, ())
            if e.service is not None and e is not entry and set(e.protocols) & set(entry.protocols)
        ]
        if not holders:
            return None
        why = " (the later row)"
        entry_time, holder_time = context.written(entry), context.written(holders[0])
        if entry_time is not None and holder_time is not None and entry_time != holder_time:
            later = entry if entry_time > holder_time else holders[0]
            why = " (added later, by git history)"
    if not _movable(context, later):
        return None
    target = _next_free(context, later)
    if target is None:
        return None
    range_ = context.registry.sections[later.section].range
    ports = format_ports(later.ports)
    return later, target, f"move {later.service}{why} from {ports} to {target}, the next free port of {range_}"


def _move_to_free(context: _Context, finding: Finding) -> Fix | None:
    plan = _move_plan(context, finding)
    return _move(context, *plan) if plan is not None else None


def in_place(document: Document, registry: Registry, finding: Finding, history: History | None = None) -> Fix | None:
    """For MP001 and MP101: the same port change as the fix, made on the row where it stands.

    A pull request suggestion can replace only lines near the change, and ``move`` may also
    split a placeholder further down. The row renumbered in place is one line (a later
    ``validate --fix`` sorts the table and shrinks the placeholder).
    """
    if finding.rule.id not in ("MP001", "MP101"):
        return None
    context = _Context(document, registry, history)
    plan = _move_plan(context, finding)
    if plan is None:
        return None
    entry, port, description = plan
    line = entry.line
    return context.fix(
        ("renumber", line, port),
        "renumber" + description.removeprefix("move") + " (in place)",
        "unsafe",
        lambda: edits.renumber(document, line, port),
    )


def _foreign_range(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None or not _movable(context, entry):
        return None
    port = entry.ports[0]
    holder = context.registry.section(str(port))
    description = f"move the row of {entry.service} ({port}) to section {holder.heading!r}, whose range holds it"
    return _move(context, entry, port, description, section=str(port))


def _placeholder_overlap(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None:
        return None
    line = entry.line
    return context.fix(
        ("shrink", line),
        f"shrink placeholder {entry.port_text} to the ports no service has",
        "safe",
        lambda: edits.shrink_placeholder(context.document, line),
    )


def _unsorted_rows(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None:
        return None
    table = entry.table
    line = context.registry.tables[table].line
    return context.fix(
        ("fmt", table),
        f"format the table at line {line} as `mdports fmt` does: rows in port order",
        "safe",
        lambda: edits.format_tables(context.document, tables={table}),
    )


def _cell_count(context: _Context, finding: Finding) -> Fix | None:
    entry = context.entry(finding)
    if entry is None or entry.cell_count >= len(context.registry.tables[entry.table].headers):
        return None  # a cell too many holds text: which one to drop is for a person to say
    line = entry.line
    return context.fix(
        ("fill", line),
        "add the missing empty cells",
        "safe",
        lambda: edits.complete_row(context.document, line),
    )


Fixer = Callable[[_Context, Finding], "Fix | None"]

FIXERS: MappingProxyType[str, Fixer] = MappingProxyType(
    {
        "MP001": _move_to_free,
        "MP101": _move_to_free,
        "MP103": _placeholder_overlap,
        "MP104": _unsorted_rows,
        "MP105": _cell_count,
        "MP106": _foreign_range,
    }
)


def attach(report: Report, document: Document, registry: Registry, history: History | None = None) -> Report:
    """The report with each finding that has a mechanical remedy carrying its :class:`Fix`."""
    context = _Context(document, registry, history)

    def with_fix(finding: Finding) -> Finding:
        fixer = FIXERS.get(finding.rule.id)
        fix = fixer(context, finding) if fixer is not None else None
        return dataclasses.replace(finding, fix=fix) if fix is not None else finding

    return Report(report.path, tuple(with_fix(f) for f in report.findings), report.accepted)


# --- applying fixes in rounds -------------------------------------------------------------------


@dataclass(frozen=True)
class FixOutcome:
    """What :func:`fix_document` did: the new document, the findings it fixed, what remains."""

    before: Document
    after: Document
    fixed: tuple[Finding, ...]
    rounds: int
    report: Report  # the findings of ``after``, each with its fix where one is left
    refused: tuple[str, ...] = ()  # why a fix was not applied, for people

    @property
    def changed(self) -> bool:
        return self.after.render() != self.before.render()

    def diff(self, path: str) -> str:
        return edits.Edit(self.before, self.after, ()).diff(path)


def _finding_keys(report: Report, errors_only: bool = False) -> Counter[tuple[str, tuple[int, ...]]]:
    return Counter(
        (finding.rule.id, finding.ports)
        for finding in report.findings
        if not errors_only or finding.severity == "error"
    )


def _assigned(registry: Registry) -> Counter[tuple[str, int, str]]:
    return Counter(
        (entry.service.casefold(), port, protocol)
        for entry in registry.entries
        if entry.service is not None
        for port in entry.ports
        for protocol in entry.protocols
    )


def _check_round(before: tuple[Registry, Report], after: tuple[Registry, Report], safe: bool) -> str | None:
    """Why the round's result must not be kept (None: keep it)."""
    added = _finding_keys(after[1]) - _finding_keys(before[1])
    if safe and added:
        return "a safe fix would add a finding (" + ", ".join(f"{rule} {list(ports)}" for rule, ports in added) + ")"
    errors = _finding_keys(after[1], errors_only=True) - _finding_keys(before[1], errors_only=True)
    if errors:
        return "the fix would add an error (" + ", ".join(f"{rule} {list(ports)}" for rule, ports in errors) + ")"
    if safe and _assigned(before[0]) != _assigned(after[0]):
        return "a safe fix would change which service has which port"
    return None


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]


def _choose(findings: Sequence[Finding], text: str, unsafe: bool) -> list[list[Finding]]:
    """The fixes to try, grouped by identical fix (one fix can resolve several findings), without overlaps."""
    starts = _line_starts(text)
    groups: dict[Fix, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and (unsafe or finding.fix.applicability == "safe"):
            groups.setdefault(finding.fix, []).append(finding)
    chosen: list[list[Finding]] = []
    taken: list[tuple[int, int]] = []
    for fix, group in groups.items():
        spans = [_span(starts, edit) for edit in fix.edits]
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue  # the next round, on the new text, gets it again
        taken += spans
        chosen.append(group)
    return chosen


def fix_document(
    document: Document,
    config: Config | None = None,
    path: str | None = None,
    *,
    unsafe: bool = False,
    history: History | None = None,
) -> FixOutcome:
    """Apply the safe fixes (and the unsafe ones with ``unsafe``) in verified rounds.

    >>> import mdports
    >>> doc = mdports.parse("## 3000-3009: Core\\n\\n| Port | Service |\\n|---|---|\\n| 3002 | b |\\n| 3001 | a |\\n")
    >>> outcome = fix_document(doc)
    >>> [f.rule.id for f in outcome.fixed], outcome.after.render().splitlines()[-2:]
    (['MP104'], ['| 3001 | a |', '| 3002 | b |'])
    """
    config = config or Config()
    vocab = vocabulary(config)  # read every round as the commands read it: configured columns too
    name = path or document.path or "<input>"
    current = document
    registry = build(current, vocab)
    report = attach(validate(registry, config, name), current, registry, history)
    fixed: list[Finding] = []
    refused: list[str] = []
    rounds = 0
    while rounds < MAX_ROUNDS:
        text = current.render()
        groups = _choose(report.findings, text, unsafe)
        if not groups:
            break
        kept = None
        # The whole round first; when it cannot be kept, the first fix that can be on its own.
        for attempt in [groups] + [[group] for group in groups] if len(groups) > 1 else [groups]:
            fixes = [group[0].fix for group in attempt if group[0].fix is not None]
            new_text = apply_edits(text, (edit for fix in fixes for edit in fix.edits))
            new_document = parse(new_text, path=current.path)
            new_registry = build(new_document, vocab)
            new_report = validate(new_registry, config, name)
            safe = all(fix.applicability == "safe" for fix in fixes)
            problem = _check_round((registry, report), (new_registry, new_report), safe)
            if problem is None:
                kept = (attempt, new_document, new_registry, new_report)
                break
            if len(attempt) == 1:
                refused.append(f"{attempt[0][0].location}: {attempt[0][0].rule.id}: {problem}")
        if kept is None:
            break
        attempt, current, registry, new_report = kept
        fixed += [finding for group in attempt for finding in group]
        report = attach(new_report, current, registry, history)
        rounds += 1
    return FixOutcome(document, current, tuple(fixed), rounds, report, tuple(refused))


def git_history(path: str | os.PathLike[str]) -> History:
    """When git last wrote each line of the file at ``path`` (for MP001: which entry came later)."""
    from ..files.git import line_times

    return lambda text: line_times(Path(path), text)


def fix_file(
    path: str | os.PathLike[str],
    config: Config | None = None,
    name: str | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    history: History | None = None,
) -> FixOutcome:
    """Lock, read, fix (:func:`fix_document`) and atomically write a document, as every edit does."""
    name = name or os.fspath(path)
    with DocumentLock(path) if write else nullcontext():
        document = parse(read_text(path), path=name)
        outcome = fix_document(document, config, name, unsafe=unsafe, history=history)
        if write and outcome.changed:
            write_atomic(path, outcome.after.render(), name=name)
    return outcome

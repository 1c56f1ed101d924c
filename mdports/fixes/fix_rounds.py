"""Applying fixes in verified rounds: ``validate --fix`` and ``--unsafe-fixes``.

:func:`fix_document` applies the fixes of a document in rounds: every fix whose edits do not
overlap another's goes into a round; the round's result is validated again (no new error,
and for safe fixes no new finding at all and the same assigned ports); then the findings of
the new text get their fixes, until nothing changes or :data:`MAX_ROUNDS` is reached. With
``unsafe``, the rows that MP001, MP101 and MP106 move are first moved all together in one round
(each to its own free port, into the table ``move`` puts it in; one edit, one verification:
linear in the rows); the next round sorts the table. Such a round is kept only when it removes
findings and adds none, so these rounds, not counted against the limit, end. :func:`fix_file`
does the same under the document's lock and writes atomically.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

from .. import edits
from ..errors import MdportsError
from ..files.baseline import Key, finding_keys
from ..files.config import Config, vocabulary
from ..files.transaction import Locking, Target, transact_file
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.reading import build
from ..model.vocabulary import Vocabulary
from ..readonly import readonly
from ..rules.findings import Finding, Fix, Report
from ..rules.validation import validate
from ..syntax.document import Document, parse
from . import apply_edits, line_starts, text_span
from .fixers import History, attach, renumbering

MAX_ROUNDS = 5


@readonly
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


def _finding_keys(registry: Registry, report: Report, errors_only: bool = False) -> Counter[Key]:
    findings = [f for f in report.findings if not errors_only or f.severity == "error"]
    return Counter(finding_keys(findings, registry))


def _assigned(registry: Registry) -> Counter[tuple[str, int, str]]:
    return Counter(
        (fold_name(entry.service), port, protocol)
        for entry in registry.entries
        if entry.service is not None
        for port in entry.ports
        for protocol in entry.protocols
    )


def _check_round(before: tuple[Registry, Report], after: tuple[Registry, Report], safe: bool) -> str | None:
    """Why the round's result must not be kept (None: keep it)."""
    added = _finding_keys(*after) - _finding_keys(*before)
    if safe and added:
        return "a safe fix would add a finding (" + ", ".join(_described(key) for key in added) + ")"
    errors = _finding_keys(*after, errors_only=True) - _finding_keys(*before, errors_only=True)
    if errors:
        return "the fix would add an error (" + ", ".join(_described(key) for key in errors) + ")"
    if safe and _assigned(before[0]) != _assigned(after[0]):
        return "a safe fix would change which service has which port"
    return None


def _described(key: Key) -> str:
    return f"{key.rule} {list(key.ports)}"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]


def _choose(findings: Sequence[Finding], text: str, unsafe: bool) -> list[list[Finding]]:
    """The fixes to try, grouped by identical fix (one fix can resolve several findings), without overlaps."""
    starts = line_starts(text)
    groups: dict[Fix, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and (unsafe or finding.fix.applicability == "safe"):
            groups.setdefault(finding.fix, []).append(finding)
    chosen: list[list[Finding]] = []
    taken: list[tuple[int, int]] = []
    for fix, group in groups.items():
        spans = [text_span(starts, edit) for edit in fix.edits]
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
    report = validate(registry, config, name)  # its fixes attached when a round needs them
    fixed: list[Finding] = []
    refused: list[str] = []
    rounds = limited = 0
    batch = unsafe
    while limited < MAX_ROUNDS:
        if batch:
            # Every row to move, moved in one edit: a fix at a time would take a round each. These
            # rounds do not count against MAX_ROUNDS: each removes findings and adds none, so they end.
            kept = _renumber_round(current, registry, report, config, name, vocab, history)
            if kept is not None:
                found, current, registry, report = kept
                fixed += found
                rounds += 1
                continue
            batch = False  # nothing to move, or not all together: one by one, below
        report = attach(report, current, registry, history)
        text = current.render()
        groups = _choose(report.findings, text, unsafe)
        if not groups:
            break
        chosen = None
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
                chosen = (attempt, new_document, new_registry, new_report)
                break
            if len(attempt) == 1:
                refused.append(f"{attempt[0][0].location}: {attempt[0][0].rule.id}: {problem}")
        if chosen is None:
            break
        attempt, current, registry, report = chosen
        fixed += [finding for group in attempt for finding in group]
        rounds += 1
        limited += 1
    report = attach(report, current, registry, history)
    return FixOutcome(document, current, tuple(fixed), rounds, report, tuple(refused))


def _renumber_round(
    document: Document,
    registry: Registry,
    report: Report,
    config: Config,
    name: str,
    vocab: Vocabulary,
    history: History | None,
) -> tuple[list[Finding], Document, Registry, Report] | None:
    """The unsafe moves of ``report`` made together (see :func:`renumbering`), checked as any round is."""
    try:
        batch = renumbering(document, registry, report.findings, history)
    except MdportsError:
        return None
    if batch is None:
        return None
    edit, found = batch
    new_document = parse(edit.text, path=document.path)
    new_registry = build(new_document, vocab)
    new_report = validate(new_registry, config, name)
    if _check_round((registry, report), (new_registry, new_report), safe=False) is not None:
        return None
    before, after = _finding_keys(registry, report), _finding_keys(new_registry, new_report)
    if after - before or after.total() >= before.total():
        return None  # only a round that removes findings and adds none may repeat without a limit
    return found, new_document, new_registry, new_report


def fix_file(
    path: str | os.PathLike[str],
    config: Config | None = None,
    name: str | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    history: History | None = None,
    locking: Locking | None = None,
) -> FixOutcome:
    """Lock, read, fix (:func:`fix_document`) and atomically write a document: one write transaction.

    ``locking`` is how long to wait for another writer's lock and what to say meanwhile
    (by default :data:`~mdports.files.transaction.DEFAULT_LOCK_TIMEOUT` seconds, silently).
    """
    name = name or os.fspath(path)

    def fixed(text: str) -> tuple[FixOutcome, str]:
        outcome = fix_document(parse(text, path=name), config, name, unsafe=unsafe, history=history)
        return outcome, outcome.after.render()

    return transact_file(Target(path, name), fixed, locking=locking, write=write).result

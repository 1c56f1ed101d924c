"""A :class:`~mdports.diff.SemanticDiff` as JSON: typed records, one serializer.

The shape (``version`` 1; fields are only ever added) is the TypedDicts below, checked by
``mdports/schemas/diff.schema.json``. A field of the side a change does not exist on is
``null`` (an added entry has ``"old_ports": null``).

The body of GitHub's "create a review" API: suggestions for the findings a change introduces.

``mdports diff --base REV --format github-review`` prints it. Each introduced finding that has
a fix and stands on a line the change added becomes a line comment with a ```` ```suggestion ````
block holding the fixed lines; GitHub lets the author accept it with one click. A suggestion
replaces a run of lines of one hunk of the pull request's diff, so a fix whose lines reach
outside that hunk (or a finding on a line the change did not touch, which GitHub rejects as a
comment) is listed in the review's body instead, as are the comments past :data:`MAX_COMMENTS`.

The running layer's changes (a running port moved, added, removed or renamed, with its host)
are what such pull requests are about, whether or not they bring a finding: each is a line
comment on the item it changed (no suggestion: the change is the author's), and the body
lists them all, a removed one too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypedDict

from ..diff import ColumnChange, EntryChange, SectionChange, SemanticDiff
from ..fixes import apply_edits
from ..fixes.fixers import History, attach, in_place
from ..model.lookup import Registry
from ..readonly import readonly
from ..records import JSON_VERSION, FindingRecord
from ..rules.findings import Finding, Fix
from ..syntax.document import Document
from ..syntax.escaping import dump, escape_markdown
from ..syntax.row import split_eol, split_lines
from .diff_report import entry_item, item_line

if TYPE_CHECKING:
    from typing_extensions import NotRequired


class CellJson(TypedDict):
    column: str
    old: str | None
    new: str | None


# "from" is a Python keyword: the functional form names it.
ReferenceJson = TypedDict("ReferenceJson", {"from": str, "column": str, "old": str, "new": str, "line": int})


class EntryJson(TypedDict):
    kind: str
    status: str
    service: str | None
    old_service: str | None
    ports: list[int] | None
    old_ports: list[int] | None
    protocols: list[str] | None
    old_protocols: list[str] | None
    marker: str | None
    old_marker: str | None
    section: str | None
    old_section: str | None
    line: int | None
    old_line: int | None
    breaking: bool
    cells: list[CellJson]
    references: list[ReferenceJson]
    layer: NotRequired[str]  # "running" for a list item of what runs (absent for the plan)
    host: NotRequired[str | None]
    old_host: NotRequired[str | None]


class SectionJson(TypedDict):
    kind: str
    slug: str | None
    old_slug: str | None
    heading: str | None
    old_heading: str | None
    range: list[int] | None  # [lo, hi] as in every JSON output
    old_range: list[int] | None
    range_text: str | None  # the range as written
    old_range_text: str | None
    line: int | None
    old_line: int | None


class ColumnJson(TypedDict):
    kind: Literal["renamed"]
    old: str
    new: str
    position: int
    section: str
    old_section: str
    line: int
    old_line: int


class FindingsJson(TypedDict):
    introduced: list[FindingRecord]
    resolved: list[FindingRecord]


class DiffJson(TypedDict):
    version: int
    old: str
    new: str
    changed: bool
    breaking: bool
    summary: dict[str, dict[str, int]]
    sections: list[SectionJson]
    columns: list[ColumnJson]
    entries: list[EntryJson]
    findings: FindingsJson


def _ports_or_none(ports: tuple[int, ...], present: bool) -> list[int] | None:
    return list(ports) if present else None


def _entry_json(change: EntryChange) -> EntryJson:
    new, old = change.kind != "removed", change.kind != "added"
    record = _plan_entry_json(change, new, old)
    if change.layer == "running":  # additive: changes of the plan keep their shape
        record["layer"] = "running"
        record["host"] = change.host if new else None
        record["old_host"] = change.old_host if old else None
    return record


def _plan_entry_json(change: EntryChange, new: bool, old: bool) -> EntryJson:
    return {
        "kind": change.kind,
        "status": change.status,
        "service": change.service if new else None,
        "old_service": change.old_service if old else None,
        "ports": _ports_or_none(change.ports, new),
        "old_ports": _ports_or_none(change.old_ports, old),
        "protocols": list(change.protocols) if new else None,
        "old_protocols": list(change.old_protocols) if old else None,
        "marker": change.marker if new else None,
        "old_marker": change.old_marker if old else None,
        "section": change.section.slug if change.section else None,
        "old_section": change.old_section.slug if change.old_section else None,
        "line": change.line,
        "old_line": change.old_line,
        "breaking": change.breaking,
        "cells": [{"column": c.column, "old": c.old, "new": c.new} for c in change.cells],
        "references": [
            {"from": r.referrer, "column": r.column, "old": r.old, "new": r.new, "line": r.line}
            for r in change.references
        ],
    }


def _section_json(change: SectionChange) -> SectionJson:
    new, old = change.section, change.old_section
    return {
        "kind": change.kind,
        "slug": new.slug if new else None,
        "old_slug": old.slug if old else None,
        "heading": new.heading if new else None,
        "old_heading": old.heading if old else None,
        "range": list(new.span) if new and new.span else None,
        "old_range": list(old.span) if old and old.span else None,
        "range_text": new.range if new else None,
        "old_range_text": old.range if old else None,
        "line": change.line,
        "old_line": change.old_line,
    }


def _column_json(change: ColumnChange) -> ColumnJson:
    return {
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "position": change.position,
        "section": change.section.slug,
        "old_section": change.old_section.slug,
        "line": change.line,
        "old_line": change.old_line,
    }


def to_json(diff: SemanticDiff) -> DiffJson:
    """The documented JSON shape (``version`` 1); see docs/json-output.md for every field."""
    return {
        "version": JSON_VERSION,
        "old": diff.old_name,
        "new": diff.new_name,
        "changed": diff.changed,
        "breaking": bool(diff.breaking),
        "summary": diff.counts(),
        "sections": [_section_json(change) for change in diff.sections],
        "columns": [_column_json(change) for change in diff.columns],
        "entries": [_entry_json(change) for change in diff.entries],
        "findings": {
            "introduced": [finding.to_dict() for finding in diff.introduced],
            "resolved": [finding.to_dict() for finding in diff.resolved],
        },
    }


def format_json(diff: SemanticDiff) -> str:
    """The one serializer of :func:`to_json`'s records."""
    return dump(to_json(diff))


MARKER = "<!-- mdports:review -->"
MAX_COMMENTS = 50
_BACKTICKS = re.compile(r"`{3,}")


@readonly
class _Hunk:
    """The new-file lines (1-based, inclusive) of one hunk of the change's diff, and those it added."""

    first: int
    last: int
    added: frozenset[int]


def _hunks(old_text: str, new_text: str) -> list[_Hunk]:
    old, new = split_lines(old_text), split_lines(new_text)
    found = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(3):
        added = {j + 1 for tag, _i1, _i2, j1, j2 in group if tag in ("replace", "insert") for j in range(j1, j2)}
        found.append(_Hunk(group[0][3] + 1, group[-1][4], frozenset(added)))
    return found


def _lines_of(fix: Fix) -> tuple[int, int]:
    """The first and last line (1-based, inclusive) of the new file that the fix replaces."""
    first = min(edit.line for edit in fix.edits)
    last = max(edit.end_line - 1 if edit.end_column == 1 else edit.end_line for edit in fix.edits)
    return first, max(first, last)


def _fitting(hunks: Sequence[_Hunk], fix: Fix) -> _Hunk | None:
    """The hunk that holds every line the fix replaces, one of them added by the change (or None)."""
    first, last = _lines_of(fix)
    for hunk in hunks:
        if hunk.first <= first and last <= hunk.last and any(line in hunk.added for line in range(first, last + 1)):
            return hunk
    return None


def _suggestion(text: str, fix: Fix, first: int, last: int) -> str:
    """What lines ``first``..``last`` read after the fix, joined by ``\\n``.

    Every line's own ending is dropped, not only the last one's: the suggestion block is Markdown
    whose lines end in ``\\n``, and a ``\\r`` of a CRLF document kept inside it would be suggested
    as a stray character at the end of each line but the last.
    """
    lines = split_lines(text)
    fixed = split_lines(apply_edits(text, fix.edits))
    block = fixed[first - 1 : len(fixed) - (len(lines) - last)]
    return "\n".join(split_eol(line)[0] for line in block)


def _fence(content: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=2)
    return "`" * max(3, longest + 1)


def _comment(path: str, finding: Finding, fix: Fix, first: int, last: int, text: str) -> dict[str, object]:
    content = _suggestion(text, fix, first, last)
    fence = _fence(content)
    body = (
        f"**{finding.rule.id} {finding.rule.name}** ({finding.severity}): {escape_markdown(finding.message)}\n\n"
        f"{escape_markdown(fix.description)} ({fix.applicability} fix):\n\n"
        f"{fence}suggestion\n{content}\n{fence}\n"
    )
    comment: dict[str, object] = {"path": path, "line": last, "side": "RIGHT", "body": body}
    if first < last:
        comment.update(start_line=first, start_side="RIGHT")
    return comment


def _listed(finding: Finding) -> str:
    line = f"- `{finding.rule.id}` line {finding.line}: {escape_markdown(finding.message)}"
    if finding.fix is not None:
        command = "--unsafe-fixes" if finding.fix.applicability == "unsafe" else "--fix"
        line += f" (fix: {escape_markdown(finding.fix.description)}; `mdports validate {command}`)"
    return line


def github_review(
    diff: SemanticDiff,
    old_text: str,
    document: Document,
    registry: Registry,
    path: str,
    history: History | None = None,
) -> dict[str, object]:
    """The review payload for the change from ``old_text`` to ``document`` (at ``path`` in the repository)."""
    from ..rules.findings import Report

    text = document.render()
    hunks = _hunks(old_text, text)
    findings = attach(Report(diff.new_name, diff.introduced), document, registry, history).findings
    comments: list[dict[str, object]] = []
    in_body: list[Finding] = []
    past_limit: list[Finding] = []
    for finding in findings:
        placed = None
        for fix in (finding.fix, in_place(document, registry, finding, history)):
            if fix is not None and (hunk := _fitting(hunks, fix)) is not None:
                placed = fix, hunk
                break
        if placed is None:
            in_body.append(finding)
            continue
        fix = placed[0]
        first, last = _lines_of(fix)
        if len(comments) == MAX_COMMENTS:
            past_limit.append(finding)
            continue
        comments.append(_comment(path, finding, fix, first, last, text))
    suggested = len(comments)
    running = [change for change in diff.entries if change.layer == "running"]
    for change in running:
        if change.line is None or not any(change.line in hunk.added for hunk in hunks):
            continue
        if len(comments) == MAX_COMMENTS:
            break
        line = item_line(entry_item(change)).removeprefix("- ")
        comments.append({"path": path, "line": change.line, "side": "RIGHT", "body": f"**mdports**: {line}\n"})
    body = [MARKER, f"**mdports**: {len(findings)} finding(s) introduced by this change"]
    if suggested:
        body.append(f"{suggested} with a suggested fix on the changed line (below).")
    if in_body:
        body += ["", "On lines this change did not touch, or without a fix that fits one hunk:", ""]
        body += [_listed(finding) for finding in in_body]
    if past_limit:
        body += ["", f"{len(past_limit)} more with a fix (a review holds at most {MAX_COMMENTS} comments):", ""]
        body += [_listed(finding) for finding in past_limit]
    if not findings:
        body.append("No finding introduced.")
    if running:
        body += ["", f"Running ports changed ({len(running)}, each on its line below when the line is new):", ""]
        body += [item_line(entry_item(change)) for change in running]
    return {"event": "COMMENT", "body": "\n".join(body) + "\n", "comments": comments}

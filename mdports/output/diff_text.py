"""A :class:`~mdports.diff.changes.SemanticDiff` for people in a terminal: one line per change."""

from __future__ import annotations

from collections.abc import Iterable

from ..diff.changes import SemanticDiff
from ..rules.findings import Finding
from ..syntax.escaping import printable
from .diff_items import NO_CHANGES, Segment, groups, summary


def _plain(segments: Iterable[Segment]) -> str:
    return "".join(text for _, text in segments)


def _finding_line(finding: Finding) -> str:
    return f"{finding.location}: {finding.severity} {finding.rule.id} {finding.message} [{finding.rule.name}]"


def format_text(diff: SemanticDiff) -> str:
    """For people in a terminal: one line per change, grouped by section."""
    if not diff.changed:
        return printable(f"{NO_CHANGES} ({diff.old_name} -> {diff.new_name})")
    out = [f"--- {diff.old_name}", f"+++ {diff.new_name}"]
    for group in groups(diff):
        removed = " (removed)" if group.section.side == "old" else ""
        out += ["", group.section.label + removed]
        for item in group.items:
            flag = "  [breaking]" if item.breaking else ""
            out.append(f"  {item.label:<9} {_plain(item.segments)}{flag}".rstrip())
    for title, findings in (("Findings introduced", diff.introduced), ("Findings resolved", diff.resolved)):
        if findings:
            out += ["", f"{title}:"] + [f"  {_finding_line(finding)}" for finding in findings]
    out += ["", summary(diff)]
    return printable("\n".join(out))

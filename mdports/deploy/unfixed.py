"""What a drift fix leaves as it was, and why: shared by both directions of ``drift --fix``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..rules.deployment_rules import UNDOCUMENTED_PORT
from ..rules.findings import Finding

if TYPE_CHECKING:
    from ..records import UnfixedRecord


@dataclass(frozen=True, slots=True)
class Unfixed:
    """A finding a fix left as it was, and why."""

    finding: Finding
    reason: str

    def to_dict(self) -> UnfixedRecord:
        return {**self.finding.to_dict(), "reason": self.reason}


def not_fixable(finding: Finding, direction: str) -> str:
    """Why ``--fix DIRECTION`` leaves a finding, and what to do instead."""
    if direction == "document":
        if finding.rule is UNDOCUMENTED_PORT:
            return "an undocumented service gets a row only with --add-undocumented"
        return (
            f"{finding.rule.id} has no fix in the document; correct the deployment (--fix deployment) or edit by hand"
        )
    return f"{finding.rule.id} has no fix in the deployment; correct the document (--fix document) or edit by hand"


STILL_THERE = "a re-read of the deployment still shows the finding"


def place_of(finding: Finding) -> tuple[str, int, int]:
    """Where a finding points: after a fix, a finding there is the old problem (under another rule,
    perhaps: a target that reached nothing and now reaches a published port), elsewhere a new one."""
    return finding.path, finding.line, finding.column


def would_cause(findings: Sequence[Finding]) -> str:
    """Why a fix is refused: the findings it would bring (the first two named)."""
    shown = "; ".join(f"{f.rule.id} at {f.location} ({f.message})" for f in findings[:2])
    more = f" and {len(findings) - 2} more" if len(findings) > 2 else ""
    return f"it would cause new finding{'s' if len(findings) > 1 else ''}: {shown}{more}"

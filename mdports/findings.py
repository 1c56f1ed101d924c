"""Findings: what validation (and drift detection) report, one frozen record each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    """A check with a stable id (``MP001``), a short name and a default severity."""

    id: str
    name: str
    severity: Severity
    summary: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place: rule, severity, ``path:line:column``, message and fix hint."""

    rule: Rule
    path: str
    line: int
    column: int
    message: str
    hint: str
    ports: tuple[int, ...] = ()
    section: int | None = None

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
            "ports": list(self.ports),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a check: findings to show, and how many known exceptions were accepted."""

    path: str
    findings: tuple[Finding, ...]
    accepted: tuple[Finding, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def at_least(self, severity: Severity) -> Report:
        """The same report showing only findings of ``severity`` or above (``--min-severity``)."""
        rank = SEVERITY_RANK[severity]
        return Report(self.path, tuple(f for f in self.findings if SEVERITY_RANK[f.severity] >= rank), self.accepted)

    def fails(self, strict: bool = False) -> bool:
        """True when a finding reaches the failing severity (warnings too when ``strict``)."""
        threshold = SEVERITY_RANK["warning" if strict else "error"]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)

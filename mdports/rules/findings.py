"""Findings: what validation (and drift detection) report, one read-only record each."""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Literal

from ..location import Location
from ..model.ports import PortRange
from ..readonly import readonly

if TYPE_CHECKING:
    from ..model.registry import Entry
    from ..records import FindingRecord, FixRecord, TextEditRecord

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
# safe: the registry means the same afterwards (row order, merged placeholders, filled cells);
# unsafe: it says something else (an entry moved off a taken port).
Applicability = Literal["safe", "unsafe"]

LINUX_EPHEMERAL = PortRange(32768, 60999)  # net.ipv4.ip_local_port_range's default
WINDOWS_DYNAMIC = PortRange(49152, 65535)  # where Hyper-V and WinNAT take their excluded blocks


@readonly
class Settings:
    """What the checks read from the configuration, and nothing else (the configuration is one).

    ``ignore`` and ``accept`` say which findings are dropped or accepted as known; the known-risky
    ports (MP115-MP118) take the Linux ephemeral range, the platforms the services run on and the
    ranges Windows/Hyper-V excludes (``netsh interface ipv4 show excludedportrange protocol=tcp``).
    """

    ignore: frozenset[str] = frozenset()  # rule ids or names never reported
    accept: tuple[tuple[str, int], ...] = ()  # (rule id or name, port) pairs accepted as known
    ephemeral_range: PortRange = LINUX_EPHEMERAL
    platforms: frozenset[str] = frozenset()
    windows_excluded_ranges: tuple[PortRange, ...] = (WINDOWS_DYNAMIC,)


@readonly
class Rule:
    """A check with a stable id (``MP001``), a short name, a default severity, and whether ``--fix`` remedies it.

    ``explanation`` is the long form ``mdports rules ID`` prints and ``docs/rules.md`` shows
    (Markdown: what it checks, why it matters, an example, how it is fixed and whether the fix
    is safe), indented as written in the catalogue: :func:`mdports.output.report.explanation`
    dedents it when it is shown, so that ``validate`` does not pay for it on every start. It
    takes no part in comparing rules.
    """

    id: str
    name: str
    severity: Severity
    summary: str
    fix: Applicability | None = None
    explanation: str = field(default="", compare=False)


@readonly
class TextEdit:
    """Replace the text from ``line:column`` up to ``end_line:end_column`` (1-based, end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def to_dict(self) -> TextEditRecord:
        return {
            "start": {"line": self.line, "column": self.column},
            "end": {"line": self.end_line, "column": self.end_column},
            "content": self.text,
        }


@readonly
class Fix:
    """A finding's mechanical remedy: what it does, whether it is safe, and the text edits."""

    description: str
    applicability: Applicability
    edits: tuple[TextEdit, ...]

    def to_dict(self) -> FixRecord:
        return {
            "description": self.description,
            "applicability": self.applicability,
            "edits": [edit.to_dict() for edit in self.edits],
        }


@readonly
class Finding:
    """One problem at one place: rule, severity, :class:`~mdports.location.Location`, message and fix hint."""

    rule: Rule
    location: Location
    message: str
    hint: str
    ports: tuple[int, ...] = ()
    section: int | None = None
    # Attached on demand (mdports.fixes.fixers), never by the checks themselves: the fix model lives
    # in check/text_edits.py, which a plain `validate` does not load.
    fix: Fix | None = None
    # drift: the entry (table row or list item) a deployment record was matched to, and the record's
    # own name, so that a reconciliation knows what to move or add without reading the message.
    entry: Entry | None = None
    deployed_as: str | None = None
    # drift: the layer of the document's entry the record was compared with and its host, as written.
    layer: Literal["planned", "running"] | None = None
    host: str | None = None

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    # Read through, so that the places that read a finding's file, line or column (the output
    # formats, the baseline, the fixers) need not know it holds a Location.
    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def to_dict(self) -> FindingRecord:
        record: FindingRecord = {
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
        if self.fix is not None:
            record["fix"] = self.fix.to_dict()
        if self.layer is not None:
            record["layer"] = self.layer
            record["host"] = self.host
        return record


@readonly
class Report:
    """The outcome of a check: findings to show, the known exceptions accepted, those in a baseline."""

    path: str
    findings: tuple[Finding, ...]
    accepted: tuple[Finding, ...] = ()
    baselined: tuple[Finding, ...] = ()  # recorded in --baseline FILE (mdports.files.baseline)

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def at_least(self, severity: Severity) -> Report:
        """The same report showing only findings of ``severity`` or above (``--min-severity``)."""
        rank = SEVERITY_RANK[severity]
        shown = tuple(f for f in self.findings if SEVERITY_RANK[f.severity] >= rank)
        return Report(self.path, shown, self.accepted, self.baselined)

    def fails(self, strict: bool = False) -> bool:
        """True when a finding reaches the failing severity (warnings too when ``strict``)."""
        threshold = SEVERITY_RANK["warning" if strict else "error"]
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)

"""The JSON documents ``mdports drift`` prints: the drift report, and what a ``--fix`` did.

Each is a frozen record built once from what the command computed; ``to_dict`` gives the
typed JSON record of :mod:`mdports.records` (:class:`~mdports.records.ReportOutput`,
:class:`~mdports.records.DriftFixOutput`) and :func:`dumps` its text, so the shape lives
in one place rather than in dicts assembled by the command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..records import JSON_VERSION
from ..syntax.escaping import dump
from .report import to_json

if TYPE_CHECKING:
    from ..deploy.deployment import Deployment
    from ..deploy.fix_plan import PortEdit, Unfixed
    from ..edits import Change
    from ..model.registry import Registry
    from ..records import DriftFixOutput, ReportOutput, SourceRecord
    from ..rules.findings import Finding, Report


@dataclass(frozen=True, slots=True)
class DriftJson:
    """``drift --format json``: the summary of the whole report, what was compared, and the findings shown.

    The summary counts every finding (the exit code does too); ``shown`` are those that pass
    ``--min-severity`` and ``--quiet``.
    """

    report: Report
    shown: tuple[Finding, ...]
    entries: int  # registry entries
    files: int  # deployment files read
    services: int  # compose services
    targets: int  # scrape targets
    variables: int  # env NAME_PORT variables
    sources: tuple[tuple[str, str], ...] = ()  # (kind, path) of every deployment file read, in order

    @classmethod
    def of(cls, report: Report, shown: Sequence[Finding], registry: Registry, deployed: Deployment) -> DriftJson:
        return cls(
            report,
            tuple(shown),
            len(registry.entries),
            len(deployed.files),
            len(deployed.services),
            len(deployed.targets),
            len(deployed.env_ports),
            tuple(deployed.files),
        )

    def to_dict(self) -> ReportOutput:
        counts = {
            "entries": self.entries,
            "files": self.files,
            "services": self.services,
            "targets": self.targets,
            "variables": self.variables,
        }
        sources: list[SourceRecord] = [{"path": path, "kind": kind} for kind, path in self.sources]
        return {
            **to_json(self.report, **counts),
            "sources": sources,
            "findings": [finding.to_dict() for finding in self.shown],
        }


@dataclass(frozen=True, slots=True)
class FixJson:
    """``drift --fix document|deployment --format json``: what changed, what was written, what was left."""

    path: str  # the document
    fix: Literal["document", "deployment"]
    changed: bool
    written: bool
    fixed: int
    changes: tuple[Change, ...] | tuple[PortEdit, ...]  # in the document, or in deployment files
    unfixed: tuple[Unfixed, ...]
    diff: str | None = None  # the unified diff, only when --diff asked for it
    files: tuple[str, ...] = ()  # the deployment files written
    follows: tuple[Finding, ...] = ()  # --fix document: what validate finds in the new document only

    def to_dict(self) -> DriftFixOutput:
        record: DriftFixOutput = {
            "version": JSON_VERSION,
            "path": self.path,
            "fix": self.fix,
            "changed": self.changed,
            "written": self.written,
            "fixed": self.fixed,
            "changes": [change.to_dict() for change in self.changes],
            "unfixed": [item.to_dict() for item in self.unfixed],
        }
        if self.fix == "deployment":
            record["written_files"] = list(self.files)
        else:
            record["follows"] = [finding.to_dict() for finding in self.follows]
        if self.diff is not None:
            record["diff"] = self.diff
        return record


def dumps(record: DriftJson | FixJson) -> str:
    """The record as the command prints it: indented, non-ASCII characters as they are."""
    return dump(record.to_dict())

"""The JSON documents ``mdports drift`` prints: the drift report, and what a ``--fix`` did.

Each is a read-only record built once from what the command computed; ``to_dict`` gives the
typed JSON record of :mod:`mdports.records` (:class:`~mdports.records.ReportOutput`,
:class:`~mdports.records.DriftFixOutput`) and :func:`dumps` its text, so the shape lives
in one place rather than in dicts assembled by the command.

``live`` results as text (a line per port, then the findings) and JSON (``live.schema.json``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..readonly import readonly
from ..records import JSON_VERSION
from ..syntax.escaping import dump, printable
from .report import format_text as format_findings
from .report import paint, to_json

if TYPE_CHECKING:
    from ..deploy.deployment import Deployment
    from ..deploy.fix_plan import PortEdit, Unfixed
    from ..edits import Change
    from ..live.check import LiveResult
    from ..model.lookup import Registry
    from ..records import DriftFixOutput, ReportOutput, SourceRecord
    from ..rules.findings import Finding, Report


@readonly
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


@readonly
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


_STYLE = {"listening": "added", "open": "added", "free": "added", "taken": "error", "closed": "warning"}


def format_text(
    result: LiveResult, sources: Mapping[str, Sequence[str]], *, color: bool = False, show_source: bool = True
) -> str:
    """A header, a line per port (``3001/tcp  listening  mana-auth  bun (PID 12)``), then the findings."""
    rows = [(f"{line.port}/{line.protocol}", line.state, line.service or "(undocumented)", line.holder)
            for line in result.lines]  # fmt: skip
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    out = [printable(f"{result.target}: {len(result.lines)} port(s) checked ({result.mode})")]
    for port, state, service, holder in rows:
        shown = paint(f"{state:<{widths[1]}}", _STYLE.get(state, "info"), color)
        out.append(f"  {port:<{widths[0]}}  {shown}  {printable(service):<{widths[2]}}  {printable(holder)}".rstrip())
    out.append(format_findings(result.report, sources, show_source=show_source, color=color))
    return "\n".join(out)


def format_json(result: LiveResult) -> str:
    from ..syntax.escaping import dump

    record: dict[str, Any] = dict(to_json(result.report))
    record["mode"] = result.mode
    record["target"] = result.target
    record["ports"] = [
        {
            "port": line.port,
            "protocol": line.protocol,
            "state": line.state,
            "service": line.service,
            "holder": line.holder,
            "line": line.line,
        }
        for line in result.lines
    ]
    return dump(record)

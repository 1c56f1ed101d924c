"""``drift --fix deployment``: the deployment's host ports follow the document.

:func:`follow_document` changes the host-port side of compose mappings (short and long
syntax), env ``*_PORT`` values and Prometheus host-port targets to the documented port. It
edits the exact characters the YAML (or env) reader located, so quotes, comments, anchors and
every other byte stay; the file is read again afterwards and must differ in those ports only.
A container port is never touched: the program inside listens there. :func:`with_fixes`
attaches the same edits to the findings of ``drift --format json|sarif``.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..check.findings import Finding, Report
from ..check.text_edits import Fix, TextEdit, apply_edits
from ..errors import RefusedError
from ..files.lock import DEFAULT_LOCK_TIMEOUT, DocumentLock
from ..files.reading import read_text
from ..files.writing import write_atomic
from ..model.registry import Registry
from ..syntax.row import split_eol, split_lines
from .compose import ComposePort, read_compose
from .envfile import EnvPort, read_env
from .prometheus import ScrapeTarget, read_prometheus
from .records import Deployment
from .unfixed import Unfixed, not_fixable

if TYPE_CHECKING:
    from ..output.records import PortEditRecord

FOLLOWS = ("MP202", "MP203", "MP204")  # a matched record on a port that is not its entry's


@dataclass(frozen=True, slots=True)
class PortEdit:
    """One host port changed in a deployment file: where, from what, to what."""

    path: str
    line: int
    column: int  # of the digits changed
    old: str
    new: str
    finding: Finding

    def to_dict(self) -> PortEditRecord:
        return {"path": self.path, "line": self.line, "column": self.column, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class DeploymentOutcome:
    """What ``drift --fix deployment`` did: the new text of each file it changes, and what it left."""

    texts: Mapping[str, tuple[str, str]]  # path -> (old text, new text)
    changes: tuple[PortEdit, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Unfixed, ...]

    @property
    def changed(self) -> bool:
        return any(old != new for old, new in self.texts.values())

    def diff(self) -> str:
        out = []
        for path, (old, new) in self.texts.items():
            name = path.lstrip("/")
            lines = difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
            )
            out += [
                line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines
            ]
        return "".join(out)


Record = ComposePort | EnvPort | ScrapeTarget


def located_records(deployed: Deployment) -> dict[tuple[str, int, int], Record]:
    """The port records a fix can change, by where a finding points: (file, line, column)."""
    found: dict[tuple[str, int, int], Record] = {}
    for service in deployed.services:
        for mapping in service.ports:
            found.setdefault((mapping.path, mapping.line, mapping.column), mapping)
    for variable in deployed.env_ports:
        found.setdefault((variable.path, variable.line, variable.column), variable)
    for target in deployed.targets:
        found.setdefault((target.path, target.line, target.column), target)
    return found


def _host_digits(record: Record) -> tuple[int, str] | str:
    """Where in the record's text its host port is written (offset, digits), or why it cannot be changed."""
    if isinstance(record, EnvPort):
        text, offset = record.value, 0
    elif isinstance(record, ScrapeTarget):
        head, _, text = record.text.rpartition(":")
        offset = len(head) + 1
    elif ":" in record.text:  # compose short syntax: [IP:]HOST:CONTAINER[/PROTOCOL]
        body = record.text.split("/", 1)[0]
        left, _, _container = body.rpartition(":")
        address, colon, text = left.rpartition(":")
        offset = len(address) + len(colon)
    else:  # long syntax: the ``published`` value itself
        text, offset = record.text, 0
    if not (text.isdigit() and text.isascii()):
        return f"the host port is written as {text!r} (a variable or a range), not as a number"
    return offset, text


Planned = dict[tuple[str, int, int], "PortEdit"]


def _plan(
    deployed: Deployment, registry: Registry, findings: Iterable[Finding], lines_of: Callable[[str], Sequence[str]]
) -> tuple[Planned, list[Finding], list[Unfixed]]:
    """The host-port edits that make each matched record use its entry's port, and what cannot be."""
    records = located_records(deployed)
    planned: dict[tuple[str, int, int], PortEdit] = {}
    fixed: list[Finding] = []
    unfixed: list[Unfixed] = []
    for finding in findings:
        if finding.severity == "info":
            continue
        if finding.rule.id not in FOLLOWS or finding.entry is None:
            unfixed.append(Unfixed(finding, not_fixable(finding, "deployment")))
            continue
        entry = registry.entries[finding.entry]
        key = (finding.path, finding.line, finding.column)
        record = records.get(key)
        if record is None:
            unfixed.append(
                Unfixed(finding, "only compose port mappings, env *_PORT values and Prometheus targets are changed")
            )
            continue
        if len(entry.ports) != 1:
            unfixed.append(Unfixed(finding, f"{entry.service} is documented on several ports; which one is meant?"))
            continue
        located = _host_digits(record)
        if isinstance(located, str):
            unfixed.append(Unfixed(finding, located))
            continue
        offset, digits = located
        line = lines_of(finding.path)[finding.line - 1]
        start = finding.column - 1
        written = record.value if isinstance(record, EnvPort) else record.text
        if line[start : start + len(written)] != written:
            unfixed.append(Unfixed(finding, "the value is not written on one line as it reads (escapes, folding)"))
            continue
        new = str(entry.ports[0])
        if isinstance(record, ComposePort) and (other := _publisher(deployed, record, entry.ports[0])):
            unfixed.append(Unfixed(finding, f"{other} already publishes {new} on this host; free that port first"))
            continue
        planned.setdefault(key, PortEdit(finding.path, finding.line, finding.column + offset, digits, new, finding))
        fixed.append(finding)
    return planned, fixed, unfixed


def follow_document(
    deployed: Deployment, registry: Registry, findings: Iterable[Finding], texts: Mapping[str, str]
) -> DeploymentOutcome:
    """Each matched record on a port that is not its entry's gets the documented port."""
    lines = {path: [split_eol(raw)[0] for raw in split_lines(text)] for path, text in texts.items()}
    planned, fixed, unfixed = _plan(deployed, registry, findings, lines.__getitem__)
    new_texts: dict[str, tuple[str, str]] = {}
    by_file: dict[str, list[PortEdit]] = {}
    for edit in planned.values():
        by_file.setdefault(edit.path, []).append(edit)
    for path, changes in by_file.items():
        old = texts[path]
        new = _apply(old, changes)
        _verify(path, old, new, changes, deployed)
        new_texts[path] = (old, new)
    return DeploymentOutcome(new_texts, tuple(planned.values()), tuple(fixed), tuple(unfixed))


def with_fixes(report: Report, deployed: Deployment, registry: Registry) -> Report:
    """The drift report with the deployment-side fix of each finding that has one (JSON, SARIF)."""
    planned, _, _ = _plan(deployed, registry, report.findings, lambda path: deployed.sources[path])

    def fixed(finding: Finding) -> Finding:
        edit = planned.get((finding.path, finding.line, finding.column))
        if edit is None:
            return finding
        change = TextEdit(edit.line, edit.column, edit.line, edit.column + len(edit.old), edit.new)
        description = f"change the host port {edit.old} to {edit.new}, the documented port (--fix deployment)"
        return dataclasses.replace(finding, fix=Fix(description, "unsafe", (change,)))

    return dataclasses.replace(report, findings=tuple(fixed(f) for f in report.findings))


def _publisher(deployed: Deployment, mapping: ComposePort, port: int) -> str | None:
    """Another compose service of the mapping's host that already publishes ``port`` (its name)."""
    own = next(service for service in deployed.services if mapping in service.ports)
    for service in deployed.services:
        if service is own or service.machine != own.machine:
            continue
        if any(number == port and protocol == mapping.protocol for number, protocol, _ in service.published_ports()):
            return service.name
    return None


def _apply(text: str, changes: Sequence[PortEdit]) -> str:
    """The text with each host port's digits replaced (the one way mdports applies text edits)."""
    return apply_edits(text, (TextEdit(c.line, c.column, c.line, c.column + len(c.old), c.new) for c in changes))


def _kind(path: str, deployed: Deployment) -> str:
    return next(kind for kind, name in deployed.files if name == path)


def _readback(kind: str, text: str, path: str) -> list[tuple[tuple[object, ...], object]]:
    """Every port record of the file: what must stay (its key) and its host port."""
    if kind == "compose":
        return [
            ((service.name, m.line, m.host_ip, m.target, m.protocol, m.error is None), m.published)
            for service in read_compose(text, path)
            for m in service.ports
        ]
    if kind == "env":
        return [((v.line, v.variable, v.error is None), v.port) for v in read_env(text, path)]
    if kind == "prometheus":
        return [((t.line, t.job, t.host, t.role, t.error is None), t.port) for t in read_prometheus(text, path)]
    raise RefusedError(f"{kind} files are not changed by --fix deployment", path=path)  # pragma: no cover


def _verify(path: str, old: str, new: str, changes: Sequence[PortEdit], deployed: Deployment) -> None:
    """Read the new text again: the same records, and only the changed host ports differ."""
    kind = _kind(path, deployed)
    before, after = _readback(kind, old, path), _readback(kind, new, path)
    lines = {change.line for change in changes}
    same = [key for key, _ in before] == [key for key, _ in after] and all(
        old_port == new_port or key[1 if kind == "compose" else 0] in lines
        for (key, old_port), (_, new_port) in zip(before, after, strict=True)
    )
    if not same:
        raise RefusedError(
            "the changed file would not read back with only its host ports changed; nothing was written",
            path=path,
            hint="please report this as a bug",
        )


def write_deployment(
    outcome: DeploymentOutcome, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, waiting: Callable[[], None] | None = None
) -> None:
    """Write each changed file atomically under its lock, unless it changed since it was read."""
    for path, (old, new) in outcome.texts.items():
        if old == new:
            continue
        with DocumentLock(path, timeout=lock_timeout, waiting=waiting):
            if read_text(path) != old:
                raise RefusedError("the file changed while drift was checking it; nothing was written", path=path)
            write_atomic(path, new, name=path)

"""``drift --fix deployment``: the deployment's host ports follow the document.

:func:`follow_document` changes the host-port side of compose mappings (short and long
syntax), env ``*_PORT`` values and Prometheus host-port targets to the documented port. It
edits the exact characters the YAML (or env) reader located, so quotes, comments, anchors and
every other byte stay; a container port is never touched: the program inside listens there.

A fix never strands another file: a compose host port moves together with every scrape
target, tunnel route and env value of that host that uses it, or not at all (the references
are named). A value written once and shared by several records (a YAML anchor and alias, a
``<<:`` merge key) is not changed: it would move them all. "Fixed" means the deployment, read
again with the new texts, no longer has the finding and has no new one; each file must also
read back with only its changed ports different. Every fix changes where traffic goes, so it
is applied only with ``unsafe`` (``--unsafe-fixes``). :func:`write_deployment` writes every
changed file, or none. :func:`with_fixes` attaches the same edits to the findings of
``drift --format json|sarif``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from ..errors import RefusedError
from ..files.config import Config
from ..files.reading import file_identity
from ..files.transaction import Locking, Target, transact
from ..fixes import apply_edits
from ..location import Location
from ..model.lookup import Registry
from ..readonly import readonly
from ..rules.findings import Finding, Fix, Report, TextEdit
from ..syntax.row import split_eol, split_lines, unified_diff
from .compose import read_compose
from .deployment import Deployment, load_hosts
from .drift import check
from .envfile import read_env
from .fix_plan import STILL_THERE, Group, PortEdit, Unfixed, plan, would_cause
from .targets import read_cloudflared, read_prometheus

CHANGED_WHILE_CHECKING = "the file changed while drift was checking it"
UNSAFE = "a new host port changes where traffic goes (an unsafe fix); run with --unsafe-fixes to apply it"


@readonly
class DeploymentOutcome:
    """What ``drift --fix deployment`` did: the new text of each file it changes, and what it left."""

    texts: Mapping[str, tuple[str, str]]  # path -> (old text, new text), one path per file
    changes: tuple[PortEdit, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Unfixed, ...]

    @property
    def changed(self) -> bool:
        return any(old != new for old, new in self.texts.values())

    def diff(self) -> str:
        return "".join(unified_diff(old, new, path) for path, (old, new) in self.texts.items())


def follow_document(
    deployed: Deployment,
    registry: Registry,
    findings: Iterable[Finding],
    texts: Mapping[str, str] | None = None,
    *,
    config: Config | None = None,
    path: str | None = None,
    unsafe: bool = True,
) -> DeploymentOutcome:
    """Each matched record on a port that is not its entry's gets the documented port, verified.

    ``findings`` are those of :func:`~mdports.deploy.drift.check` on ``deployed`` with
    ``config``, for the document named ``path``; ``texts`` are the files' texts (by default
    those the deployment was read from). Without ``unsafe`` nothing is changed and every fix
    is listed as unfixed.
    """
    texts = texts if texts is not None else deployed.texts
    config = config or Config()
    path = path or registry.path
    findings = tuple(findings)
    lines = {path: [split_eol(raw)[0] for raw in split_lines(text)] for path, text in texts.items()}
    groups, unfixed = plan(deployed, registry, findings, lines.__getitem__, config, path)
    if not unsafe:
        unfixed += [Unfixed(group.finding, UNSAFE) for group in groups]
        groups = []
    files = _Files(deployed, texts)
    groups = files.one_value_per_place(groups, unfixed)
    gone: set[int] = set()
    while groups:
        refused, gone = files.recheck(groups, findings, registry, config, path)
        if not refused:
            break
        unfixed += [Unfixed(group.finding, refused[id(group)]) for group in groups if id(group) in refused]
        groups = [group for group in groups if id(group) not in refused]
    new_texts = files.apply(groups)
    changes = tuple({edit.location: edit for group in groups for edit in group.edits}.values())
    order = {id(finding): index for index, finding in enumerate(findings)}
    # A finding without a fix of its own that the fixes remove (a host port read from the variable
    # a fix changed) is fixed too.
    fixed = sorted(
        [group.finding for group in groups] + [item.finding for item in unfixed if id(item.finding) in gone],
        key=lambda finding: order.get(id(finding), len(order)),
    )
    unfixed = [item for item in unfixed if id(item.finding) not in gone]
    return DeploymentOutcome(
        {path: (texts[path], new) for path, new in new_texts.items()},
        changes,
        tuple(fixed),
        tuple(sorted(unfixed, key=lambda item: order.get(id(item.finding), len(order)))),
    )


class _Files:
    """The deployment files a fix may change: one name per file (a link and its target are one file)."""

    def __init__(self, deployed: Deployment, texts: Mapping[str, str]) -> None:
        self.deployed = deployed
        self.texts = texts
        self.kinds = {name: kind for kind, name in deployed.files}
        first: dict[tuple[int, int] | str, str] = {}
        self.canonical: dict[str, str] = {}  # a name -> the first name given for the same file
        for _, name in deployed.files:
            self.canonical[name] = first.setdefault(file_identity(name), name)
        self.names: dict[str, list[str]] = {}
        for name, canonical in self.canonical.items():
            self.names.setdefault(canonical, []).append(name)

    def one_value_per_place(self, groups: Sequence[Group], unfixed: list[Unfixed]) -> list[Group]:
        """The groups with each edit on its file's first name; one that changes a value another changes is left."""
        kept: list[Group] = []
        taken: dict[Location, str] = {}
        for group in groups:
            edits = tuple(
                dataclasses.replace(edit, location=dataclasses.replace(at, path=self.canonical.get(at.path, at.path)))
                for edit in group.edits
                for at in (edit.location,)
            )
            clash = next((edit for edit in edits if taken.get(edit.location, edit.new) != edit.new), None)
            if clash is not None:
                where = f"{clash.location}"
                unfixed.append(Unfixed(group.finding, f"another fix changes {where} to {taken[clash.location]}"))
                continue
            taken.update((edit.location, edit.new) for edit in edits)
            kept.append(Group(group.finding, edits))
        return kept

    def apply(self, groups: Sequence[Group]) -> dict[str, str]:
        """The new text of each file the groups change, each read back with only its changed ports different."""
        by_file: dict[str, dict[Location, PortEdit]] = {}
        for group in groups:
            for edit in group.edits:
                by_file.setdefault(edit.location.path, {})[edit.location] = edit
        new_texts: dict[str, str] = {}
        for path, edits in by_file.items():
            old = self.texts[path]
            changes = list(edits.values())
            new = apply_edits(
                old,
                (
                    TextEdit(c.location.line, c.location.column, c.location.line, c.location.column + len(c.old), c.new)
                    for c in changes
                ),
            )
            _verify(self.kinds[path], path, old, new, changes)
            new_texts[path] = new
        return new_texts

    def recheck(
        self, groups: Sequence[Group], before: Sequence[Finding], registry: Registry, config: Config, path: str | None
    ) -> tuple[dict[int, str], set[int]]:
        """Read the deployment again with ``groups`` applied: its finding must be gone, and none new.

        Returns why each group that does not hold up fails (by ``id``), and the findings of
        ``before`` (by ``id``) that are gone when all hold up.
        """
        checked = (registry, config, path)
        stays, new, gone = self._after(groups, before, *checked)
        if not new:
            return {id(group): STILL_THERE for group in groups if group in stays}, gone
        refused: dict[int, str] = {}
        for group in groups:
            alone_stays, alone_new, _ = self._after([group], before, *checked)
            if group in alone_stays:
                refused[id(group)] = STILL_THERE
            elif alone_new:
                refused[id(group)] = would_cause(alone_new)
        if not refused:  # each holds up alone, not together
            return {id(group): f"together with the other fixes, {would_cause(new)}" for group in groups}, set()
        return refused, set()

    def _after(
        self, groups: Sequence[Group], before: Sequence[Finding], registry: Registry, config: Config, path: str | None
    ) -> tuple[list[Group], list[Finding], set[int]]:
        """With ``groups`` applied: the groups whose finding stays, the findings that are new, those gone."""
        new_texts = self.apply(groups)
        overrides = {name: new_texts[canonical] for canonical in new_texts for name in self.names[canonical]}
        deployment = load_hosts(self.deployed.hosts, {**self.texts, **overrides})
        after = check(registry, deployment, config, path).findings
        shifts: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for group in groups:
            for edit in {e.location: e for e in group.edits}.values():
                for name in self.names.get(edit.location.path, [edit.location.path]):
                    shifts.setdefault((name, edit.location.line), []).append(
                        (edit.location.column, len(edit.new) - len(edit.old))
                    )

        def moved(finding: Finding) -> Location:
            at = finding.location
            delta = sum(change for column, change in shifts.get((at.path, at.line), ()) if column < at.column)
            return dataclasses.replace(at, column=at.column + delta)

        now = {finding.location for finding in after}
        was = {moved(finding) for finding in before}
        gone = {id(finding) for finding in before if moved(finding) not in now}
        stays = [group for group in groups if moved(group.finding) in now]
        return stays, [f for f in after if f.location not in was], gone


def with_fixes(
    report: Report, deployed: Deployment, registry: Registry, config: Config | None = None, path: str | None = None
) -> Report:
    """The drift report with the deployment-side fix of each finding that has one (JSON, SARIF).

    The fix is what ``--fix deployment --unsafe-fixes`` would do, verified the same way. One
    that must also change another file (a reference that moves with a host port) is not a text
    edit of the finding's file: it is left to ``--fix deployment``.
    """
    outcome = follow_document(deployed, registry, report.findings, config=config, path=path)
    by_finding: dict[int, list[PortEdit]] = {}
    for edit in outcome.changes:
        by_finding.setdefault(id(edit.finding), []).append(edit)

    def fixed(finding: Finding) -> Finding:
        found = by_finding.get(id(finding), [])
        if not found or any(edit.location.path != finding.path for edit in found):
            return finding
        changes = tuple(
            TextEdit(e.location.line, e.location.column, e.location.line, e.location.column + len(e.old), e.new)
            for e in found
        )
        description = f"change the host port {found[0].old} to {found[0].new}, the documented port (--fix deployment)"
        return dataclasses.replace(finding, fix=Fix(description, "unsafe", changes))

    return dataclasses.replace(report, findings=tuple(fixed(f) for f in report.findings))


def _readback(kind: str, text: str, path: str) -> list[tuple[tuple[object, ...], object]]:
    """Every port record of the file: what must stay (its key, the line first) and its port."""
    if kind == "compose":
        return [
            ((m.location.line, service.name, m.host_ip, m.target, m.protocol, m.error is None), m.published)
            for service in read_compose(text, path)
            for m in service.ports
        ]
    if kind == "env":
        return [((v.location.line, v.variable, v.error is None), v.port) for v in read_env(text, path)]
    if kind == "prometheus":
        return [
            ((t.location.line, t.job, t.host, t.role, t.error is None), t.port) for t in read_prometheus(text, path)
        ]
    if kind == "cloudflared":
        return [
            ((r.location.line, r.hostname, r.path_pattern, r.host, r.error is None), r.port)
            for r in read_cloudflared(text, path)
        ]
    raise RefusedError(f"{kind} files are not changed by --fix deployment", path=path)  # pragma: no cover


def _verify(kind: str, path: str, old: str, new: str, changes: Sequence[PortEdit]) -> None:
    """Read the new text again: the same records, and only the changed ports differ."""
    before, after = _readback(kind, old, path), _readback(kind, new, path)
    lines = {change.location.line for change in changes}
    same = [key for key, _ in before] == [key for key, _ in after] and all(
        old_port == new_port or key[0] in lines for (key, old_port), (_, new_port) in zip(before, after, strict=True)
    )
    if not same:
        raise RefusedError(
            "the changed file would not read back with only its host ports changed; nothing was written",
            path=path,
            hint="please report this as a bug",
        )


def write_deployment(outcome: DeploymentOutcome, locking: Locking | None = None) -> tuple[str, ...]:
    """Write every changed file, or none, in one write transaction: unless one changed since it was read.

    Returns the files written, as they were named.
    """
    changed = [(path, old, new) for path, (old, new) in outcome.texts.items() if old != new]
    targets = [Target(path, path, expected=old, changed=CHANGED_WHILE_CHECKING) for path, old, _ in changed]
    new_texts = [new for _, _, new in changed]
    return transact(targets, lambda _texts: (None, new_texts), locking=locking).written

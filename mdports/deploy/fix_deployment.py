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
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import RefusedError
from ..files.config import Config
from ..files.lock import DEFAULT_LOCK_TIMEOUT, DocumentLock
from ..files.reading import file_identity, read_text
from ..files.writing import write_all
from ..fixes.text_edits import apply_edits
from ..model.registry import Entry, Registry
from ..rules.deployment_rules import PORT_MISMATCH, PORT_TAKEN, RESERVED_PORT
from ..rules.findings import Finding, Fix, Report, TextEdit
from ..syntax.row import split_eol, split_lines, unified_diff
from .cloudflared import TunnelRoute, read_cloudflared
from .compose import ComposePort, ComposeService, read_compose
from .deployment import Deployment
from .drift.context import Context, TargetMatch
from .drift.run import check
from .envfile import EnvPort, read_env
from .load import load_hosts
from .prometheus import ScrapeTarget, read_prometheus
from .unfixed import STILL_THERE, Unfixed, not_fixable, place_of, would_cause

if TYPE_CHECKING:
    from ..records import PortEditRecord

FOLLOWS = (PORT_TAKEN, PORT_MISMATCH, RESERVED_PORT)  # a matched record on a port that is not its entry's
UNSAFE = "a new host port changes where traffic goes (an unsafe fix); run with --unsafe-fixes to apply it"


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

    @property
    def place(self) -> tuple[str, int, int]:
        return self.path, self.line, self.column


@dataclass(frozen=True)
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


Record = ComposePort | EnvPort | ScrapeTarget | TunnelRoute


@dataclass(frozen=True)
class _Group:
    """The edits that fix one finding: its record's port, and every reference that moves with it."""

    finding: Finding
    edits: tuple[PortEdit, ...]


def located_records(deployed: Deployment) -> dict[tuple[str, int, int], Record]:
    """The port records a fix can change, by where a finding points: (file, line, column)."""
    return {place: found[0][1] for place, found in _records_at(deployed).items()}


def _records_at(deployed: Deployment) -> dict[tuple[str, int, int], list[tuple[str, Record]]]:
    """Every port record by its place, with what it belongs to: several when a value is shared."""
    found: dict[tuple[str, int, int], list[tuple[str, Record]]] = {}

    def add(owner: str, record: Record) -> None:
        found.setdefault((record.path, record.line, record.column), []).append((owner, record))

    for service in deployed.services:
        for mapping in service.ports:
            add(f"compose service {service.name}", mapping)
    for variable in deployed.env_ports:
        add(variable.variable, variable)
    for target in deployed.targets:
        add(f"job {target.job}" if target.job else "alertmanager", target)
    for route in deployed.routes:
        add(f"tunnel route {route.hostname or route.service}", route)
    return found


def _written_port(record: Record) -> tuple[int, str] | str:
    """Where in the record's text its host port is written (offset, digits), or why it cannot be changed."""
    if isinstance(record, EnvPort):
        text, offset = record.value, 0
    elif isinstance(record, ScrapeTarget | TunnelRoute):
        return _address_port(record.text if isinstance(record, ScrapeTarget) else record.service)
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


def _address_port(text: str) -> tuple[int, str] | str:
    """The port of ``host:port`` or of a URL, as written: (offset, digits), or why it cannot be changed."""
    start = len(text) - len(text.lstrip())
    stripped = text.strip()
    if "://" in stripped:
        netloc_at = stripped.index("://") + 3
        netloc = urlsplit(stripped).netloc
        host_port = netloc.rpartition("@")[2]
        if not stripped.startswith(netloc, netloc_at) or ":" not in host_port.rpartition("]")[2]:
            return f"the port of {stripped!r} is not written as a number"
        digits = host_port.rpartition(":")[2]
        offset = netloc_at + len(netloc) - len(digits)
    else:
        head, _, digits = stripped.rpartition(":")
        offset = len(head) + 1
    if not (digits.isdigit() and digits.isascii()):
        return f"the port of {stripped!r} is not written as a number"
    return start + offset, digits


def _edit(record: Record, finding: Finding, new: int, lines_of: Callable[[str], Sequence[str]]) -> PortEdit | str:
    """The edit giving ``record`` the port ``new``, or why its text cannot be changed in place."""
    located = _written_port(record)
    if isinstance(located, str):
        return located
    offset, digits = located
    written = (
        record.value
        if isinstance(record, EnvPort)
        else record.service
        if isinstance(record, TunnelRoute)
        else record.text
    )
    lines = lines_of(record.path)
    line = lines[record.line - 1] if 0 < record.line <= len(lines) else ""
    start = record.column - 1
    if line[start : start + len(written)] != written:
        return "the value is not written on one line as it reads (escapes, folding)"
    return PortEdit(record.path, record.line, record.column + offset, digits, str(new), finding)


def _plan(
    deployed: Deployment,
    registry: Registry,
    findings: Iterable[Finding],
    lines_of: Callable[[str], Sequence[str]],
    config: Config,
    path: str | None,
) -> tuple[list[_Group], list[Unfixed]]:
    """The edits that make each matched record use its entry's port, grouped by finding, and what cannot be."""
    records = _records_at(deployed)
    ctx = Context(registry, deployed, path or "<input>", config)
    groups: list[_Group] = []
    unfixed: list[Unfixed] = []
    for finding in findings:
        if finding.severity == "info":
            continue
        if finding.rule not in FOLLOWS or finding.entry is None:
            unfixed.append(Unfixed(finding, not_fixable(finding, "deployment")))
            continue
        entry = registry.every_entry[finding.entry]
        found = records.get((finding.path, finding.line, finding.column), [])
        record = found[0][1] if found else None
        if record is None or isinstance(record, TunnelRoute):
            reason = "only compose port mappings, env *_PORT values and Prometheus targets are changed"
            unfixed.append(Unfixed(finding, reason))
            continue
        reason_or_group = _group(ctx, finding, entry, record, [owner for owner, _ in found], lines_of)
        if isinstance(reason_or_group, str):
            unfixed.append(Unfixed(finding, reason_or_group))
        else:
            groups.append(reason_or_group)
    return groups, unfixed


def _group(
    ctx: Context,
    finding: Finding,
    entry: Entry,
    record: ComposePort | EnvPort | ScrapeTarget,
    owners: Sequence[str],
    lines_of: Callable[[str], Sequence[str]],
) -> _Group | str:
    """The edits that fix ``finding``, or why there are none."""
    sharing = list(dict.fromkeys(owners))
    if len(sharing) > 1:
        return (
            f"the value is written once and shared by {' and '.join(sharing)} (a YAML anchor and alias, or a <<: "
            "merge key); changing it would move all of them: give each its own value"
        )
    if len(entry.ports) != 1:
        return f"{entry.service} is documented on several ports; which one is meant?"
    new = entry.ports[0]
    if isinstance(record, ComposePort):
        if record.protocol not in entry.protocols:
            documented = "/".join(entry.protocols)
            return (
                f"the mapping is {record.protocol}, but the document gives {entry.service} port {new} for "
                f"{documented} only; add {record.protocol} to its Protocol column, or change the mapping by hand"
            )
        service = _service_of(ctx.deployment, record)
        if other := _publisher(ctx.deployment, service, record, new):
            return f"{other} already publishes {new} on this host; free that port first"
    edit = _edit(record, finding, new, lines_of)
    if isinstance(edit, str):
        return edit
    edits = [edit]
    if isinstance(record, ComposePort):
        publishers = [(service, record.protocol)]
    elif isinstance(record, EnvPort):  # a variable a compose host port is interpolated from moves that port
        publishers = [(s, m.protocol) for s, m in _interpolating(ctx.deployment, record)]
    else:
        publishers = []
    stranded: list[str] = []
    for publisher, protocol in publishers:
        for reference, what in _references(ctx, publisher, int(edit.old), protocol):
            if reference is record or any(e.place == (reference.path, reference.line, reference.column) for e in edits):
                continue
            moved = _edit(reference, finding, new, lines_of)
            if isinstance(moved, str):
                stranded.append(f"{what} ({reference.path}:{reference.line}: {moved})")
            else:
                edits.append(moved)
    if stranded:
        return (
            f"host port {edit.old} is also used by {'; '.join(stranded)}; they cannot be moved with it, so "
            "nothing is moved: change them together by hand"
        )
    return _Group(finding, tuple(edits))


def _interpolating(deployed: Deployment, variable: EnvPort) -> list[tuple[ComposeService, ComposePort]]:
    """The compose mappings of the variable's host whose host port is written as that variable."""
    found: list[tuple[ComposeService, ComposePort]] = []
    for service in deployed.services:
        if service.machine != variable.machine:
            continue
        for mapping in service.ports:
            host_side = mapping.text.split("/", 1)[0].rpartition(":")[0] if ":" in mapping.text else mapping.text
            if _names_variable(host_side, variable.variable):
                found.append((service, mapping))
    return found


def _names_variable(text: str, name: str) -> bool:
    """``${NAME}``, ``${NAME:-...}``, ``${NAME-...}`` or ``$NAME`` in ``text`` (``$$`` is a literal ``$``).

    >>> [_names_variable(t, "A") for t in ("${A:-3}:1", "$A:1", "$AB:1", "$${A}:1", "$$$A")]
    [True, True, False, False, True]
    """
    start = text.find("$")
    while start != -1:
        if text.startswith("$", start + 1):  # an escaped dollar
            start = text.find("$", start + 2)
            continue
        braced = start + 2 + len(name)
        if text.startswith("{" + name, start + 1) and text[braced : braced + 1] in ("}", ":", "-", "?", "+"):
            return True
        after = text[start + 1 + len(name) : start + 2 + len(name)]
        if text.startswith(name, start + 1) and not (after.isalnum() or after == "_"):
            return True
        start = text.find("$", start + 1)
    return False


def _service_of(deployed: Deployment, mapping: ComposePort) -> ComposeService:
    return next(service for service in deployed.services if any(m is mapping for m in service.ports))


def _references(ctx: Context, service: ComposeService, port: int, protocol: str) -> list[tuple[Record, str]]:
    """What else on the service's host uses its host port ``port``: scrape targets, tunnel routes, its env values.

    Targets and routes are tcp: a udp mapping moves no target with it.
    """
    machine = service.machine
    found: list[tuple[Record, str]] = []

    def reaches(match: TargetMatch, at: int | None) -> bool:
        # A host port of this host; unless what publishes it there is another service.
        others = match.services and not any(other is service for other in match.services)
        return match.kind == "machine" and match.machine == machine and at == port and not others

    if protocol == "tcp":
        for target, match in zip(ctx.deployment.targets, ctx.target_matches, strict=True):
            if reaches(match, target.port):
                found.append((target, f"scrape target {target.text}"))
        for route, match in zip(ctx.deployment.routes, ctx.route_matches, strict=True):
            if reaches(match, route.port):
                found.append((route, f"tunnel route {route.hostname or route.service}"))
    # An env value is the service's port when its name says so (MANA_AUTH_PORT for mana-auth) or a
    # mapping of the service is written with it; another service's variable on the same number is not.
    own = {entry.index for entry in ctx.by_service[id(service)]}
    for variable, entries in zip(ctx.deployment.env_ports, ctx.env_entries, strict=True):
        if variable.machine != machine or variable.port != port:
            continue
        if own & {entry.index for entry in entries} or any(
            _names_variable(m.text, variable.variable) for m in service.ports
        ):
            found.append((variable, variable.variable))
    return found


def _publisher(deployed: Deployment, own: ComposeService, mapping: ComposePort, port: int) -> str | None:
    """Another compose service of the mapping's host that already publishes ``port`` (its name)."""
    for service in deployed.services:
        if service is own or service.machine != own.machine or service.name == own.name:
            continue
        if any(number == port and protocol == mapping.protocol for number, protocol, _ in service.published_ports()):
            return service.name
    return None


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
    groups, unfixed = _plan(deployed, registry, findings, lines.__getitem__, config, path)
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
    changes = tuple({edit.place: edit for group in groups for edit in group.edits}.values())
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

    def one_value_per_place(self, groups: Sequence[_Group], unfixed: list[Unfixed]) -> list[_Group]:
        """The groups with each edit on its file's first name; one that changes a value another changes is left."""
        kept: list[_Group] = []
        taken: dict[tuple[str, int, int], str] = {}
        for group in groups:
            edits = tuple(
                dataclasses.replace(edit, path=self.canonical.get(edit.path, edit.path)) for edit in group.edits
            )
            clash = next((edit for edit in edits if taken.get(edit.place, edit.new) != edit.new), None)
            if clash is not None:
                where = f"{clash.path}:{clash.line}:{clash.column}"
                unfixed.append(Unfixed(group.finding, f"another fix changes {where} to {taken[clash.place]}"))
                continue
            taken.update((edit.place, edit.new) for edit in edits)
            kept.append(_Group(group.finding, edits))
        return kept

    def apply(self, groups: Sequence[_Group]) -> dict[str, str]:
        """The new text of each file the groups change, each read back with only its changed ports different."""
        by_file: dict[str, dict[tuple[str, int, int], PortEdit]] = {}
        for group in groups:
            for edit in group.edits:
                by_file.setdefault(edit.path, {})[edit.place] = edit
        new_texts: dict[str, str] = {}
        for path, edits in by_file.items():
            old = self.texts[path]
            changes = list(edits.values())
            new = apply_edits(old, (TextEdit(c.line, c.column, c.line, c.column + len(c.old), c.new) for c in changes))
            _verify(self.kinds[path], path, old, new, changes)
            new_texts[path] = new
        return new_texts

    def recheck(
        self, groups: Sequence[_Group], before: Sequence[Finding], registry: Registry, config: Config, path: str | None
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
        self, groups: Sequence[_Group], before: Sequence[Finding], registry: Registry, config: Config, path: str | None
    ) -> tuple[list[_Group], list[Finding], set[int]]:
        """With ``groups`` applied: the groups whose finding stays, the findings that are new, those gone."""
        new_texts = self.apply(groups)
        overrides = {name: new_texts[canonical] for canonical in new_texts for name in self.names[canonical]}
        deployment = load_hosts(self.deployed.hosts, {**self.texts, **overrides})
        after = check(registry, deployment, config, path).findings
        shifts: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for group in groups:
            for edit in {e.place: e for e in group.edits}.values():
                for name in self.names.get(edit.path, [edit.path]):
                    shifts.setdefault((name, edit.line), []).append((edit.column, len(edit.new) - len(edit.old)))

        def moved(finding: Finding) -> tuple[str, int, int]:
            delta = sum(
                change for column, change in shifts.get((finding.path, finding.line), ()) if column < finding.column
            )
            return finding.path, finding.line, finding.column + delta

        now = {place_of(finding) for finding in after}
        was = {moved(finding) for finding in before}
        gone = {id(finding) for finding in before if moved(finding) not in now}
        stays = [group for group in groups if moved(group.finding) in now]
        return stays, [f for f in after if place_of(f) not in was], gone


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
        if not found or any(edit.path != finding.path for edit in found):
            return finding
        changes = tuple(TextEdit(e.line, e.column, e.line, e.column + len(e.old), e.new) for e in found)
        description = f"change the host port {found[0].old} to {found[0].new}, the documented port (--fix deployment)"
        return dataclasses.replace(finding, fix=Fix(description, "unsafe", changes))

    return dataclasses.replace(report, findings=tuple(fixed(f) for f in report.findings))


def _readback(kind: str, text: str, path: str) -> list[tuple[tuple[object, ...], object]]:
    """Every port record of the file: what must stay (its key, the line first) and its port."""
    if kind == "compose":
        return [
            ((m.line, service.name, m.host_ip, m.target, m.protocol, m.error is None), m.published)
            for service in read_compose(text, path)
            for m in service.ports
        ]
    if kind == "env":
        return [((v.line, v.variable, v.error is None), v.port) for v in read_env(text, path)]
    if kind == "prometheus":
        return [((t.line, t.job, t.host, t.role, t.error is None), t.port) for t in read_prometheus(text, path)]
    if kind == "cloudflared":
        return [
            ((r.line, r.hostname, r.path_pattern, r.host, r.error is None), r.port)
            for r in read_cloudflared(text, path)
        ]
    raise RefusedError(f"{kind} files are not changed by --fix deployment", path=path)  # pragma: no cover


def _verify(kind: str, path: str, old: str, new: str, changes: Sequence[PortEdit]) -> None:
    """Read the new text again: the same records, and only the changed ports differ."""
    before, after = _readback(kind, old, path), _readback(kind, new, path)
    lines = {change.line for change in changes}
    same = [key for key, _ in before] == [key for key, _ in after] and all(
        old_port == new_port or key[0] in lines for (key, old_port), (_, new_port) in zip(before, after, strict=True)
    )
    if not same:
        raise RefusedError(
            "the changed file would not read back with only its host ports changed; nothing was written",
            path=path,
            hint="please report this as a bug",
        )


def write_deployment(
    outcome: DeploymentOutcome, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, waiting: Callable[[], None] | None = None
) -> tuple[str, ...]:
    """Write every changed file, or none: each under its lock, unless it changed since it was read.

    Returns the files written, as they were named.
    """
    changed = [(path, old, new) for path, (old, new) in outcome.texts.items() if old != new]
    with ExitStack() as locks:
        # In one order for every writer, so that two fixes never wait for each other's locks.
        for path, _, _ in sorted(changed, key=lambda item: os.path.realpath(item[0])):
            locks.enter_context(DocumentLock(path, timeout=lock_timeout, waiting=waiting))
        for path, old, _ in changed:
            if read_text(path) != old:
                raise RefusedError("the file changed while drift was checking it; nothing was written", path=path)
        write_all([(path, new, path) for path, _, new in changed])
    return tuple(path for path, _, _ in changed)

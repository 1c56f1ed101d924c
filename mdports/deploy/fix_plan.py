"""Planning ``drift --fix deployment``: the characters that give a record its documented port.

For each finding of a matched record on a port that is not its entry's (:data:`FOLLOWS`),
:func:`plan` finds the host port's digits in the exact text the YAML (or env) reader located
(:func:`port_edit`) and every reference on that host that must move with it (scrape targets,
tunnel routes, env values: :func:`_references`), or says why there is no such edit (a shared
anchor, a variable, another publisher). :mod:`~mdports.deploy.fix_deployment` applies and
verifies the plan.

What a drift fix leaves as it was, and why: shared by both directions of ``drift --fix``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..location import Location
from ..readonly import readonly
from ..rules.deployment_rules import UNDOCUMENTED_PORT
from ..rules.findings import Finding

if TYPE_CHECKING:
    from ..records import UnfixedRecord


from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..files.config import Config
from ..model.lookup import Registry
from ..model.registry import Entry
from ..rules.deployment_rules import PORT_MISMATCH, PORT_TAKEN, RESERVED_PORT
from .compose import ComposePort, ComposeService
from .deployment import Deployment
from .envfile import EnvPort
from .matching import Context, TargetMatch
from .targets import ScrapeTarget, TunnelRoute

if TYPE_CHECKING:
    from ..records import PortEditRecord


@readonly
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


def would_cause(findings: Sequence[Finding]) -> str:
    """Why a fix is refused: the findings it would bring (the first two named)."""
    shown = "; ".join(f"{f.rule.id} at {f.location} ({f.message})" for f in findings[:2])
    more = f" and {len(findings) - 2} more" if len(findings) > 2 else ""
    return f"it would cause new finding{'s' if len(findings) > 1 else ''}: {shown}{more}"


FOLLOWS = (PORT_TAKEN, PORT_MISMATCH, RESERVED_PORT)  # a matched record on a port that is not its entry's


@readonly
class PortEdit:
    """One host port changed in a deployment file: where, from what, to what."""

    location: Location  # of the digits changed
    old: str
    new: str
    finding: Finding

    def to_dict(self) -> PortEditRecord:
        at = self.location
        return {"path": at.path, "line": at.line, "column": at.column, "old": self.old, "new": self.new}


Record = ComposePort | EnvPort | ScrapeTarget | TunnelRoute


@readonly
class Group:
    """The edits that fix one finding: its record's port, and every reference that moves with it."""

    finding: Finding
    edits: tuple[PortEdit, ...]


def located_records(deployed: Deployment) -> dict[Location, Record]:
    """The port records a fix can change, by where a finding points: (file, line, column)."""
    return {place: found[0][1] for place, found in records_at(deployed).items()}


def records_at(deployed: Deployment) -> dict[Location, list[tuple[str, Record]]]:
    """Every port record by its place, with what it belongs to: several when a value is shared."""
    found: dict[Location, list[tuple[str, Record]]] = {}

    def add(owner: str, record: Record) -> None:
        found.setdefault(record.location, []).append((owner, record))

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


def port_edit(record: Record, finding: Finding, new: int, lines_of: Callable[[str], Sequence[str]]) -> PortEdit | str:
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
    lines = lines_of(record.location.path)
    line = lines[record.location.line - 1] if 0 < record.location.line <= len(lines) else ""
    start = record.location.column - 1
    if line[start : start + len(written)] != written:
        return "the value is not written on one line as it reads (escapes, folding)"
    return PortEdit(
        dataclasses.replace(record.location, column=record.location.column + offset), digits, str(new), finding
    )


def plan(
    deployed: Deployment,
    registry: Registry,
    findings: Iterable[Finding],
    lines_of: Callable[[str], Sequence[str]],
    config: Config,
    path: str | None,
) -> tuple[list[Group], list[Unfixed]]:
    """The edits that make each matched record use its entry's port, grouped by finding, and what cannot be."""
    records = records_at(deployed)
    ctx = Context(registry, deployed, path or "<input>", config)
    groups: list[Group] = []
    unfixed: list[Unfixed] = []
    for finding in findings:
        if finding.severity == "info":
            continue
        if finding.rule not in FOLLOWS or finding.entry is None:
            unfixed.append(Unfixed(finding, not_fixable(finding, "deployment")))
            continue
        entry = finding.entry
        found = records.get(finding.location, [])
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
) -> Group | str:
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
    edit = port_edit(record, finding, new, lines_of)
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
            if reference is record or any(e.location == reference.location for e in edits):
                continue
            moved = port_edit(reference, finding, new, lines_of)
            if isinstance(moved, str):
                stranded.append(f"{what} ({reference.location.path_line}: {moved})")
            else:
                edits.append(moved)
    if stranded:
        return (
            f"host port {edit.old} is also used by {'; '.join(stranded)}; they cannot be moved with it, so "
            "nothing is moved: change them together by hand"
        )
    return Group(finding, tuple(edits))


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

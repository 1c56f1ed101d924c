r"""Drift: where the deployment (compose, Prometheus, env files) disagrees with the document.

Deployment records are matched to registry entries by name, conservatively (see
:func:`name_key`); a record that matches no entry is never attributed to one by guesswork —
a close name only appears in a hint. Each check is a function from the matched deployment to
findings, kept in the read-only table ``CHECKS``; :func:`check` runs them all and returns a
:class:`~mdports.findings.Report`, so the text, JSON and GitHub formatters of ``validate``
apply unchanged. Each check makes one pass over the deployment records (and the entries).

>>> from mdports import parse, registry
>>> from mdports.deployment import Deployment, read_compose
>>> model = registry(parse("## Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-credits |\n"))
>>> services = read_compose("services:\n  mana-auth:\n    ports: ['3002:3001']\n", "compose.yml")
>>> report = check(model, Deployment(services=services, files=(("compose", "compose.yml"),)))
>>> for finding in report.findings:
...     print(finding.location, finding.rule.id, finding.message)
compose.yml:3:14 MP202 compose service mana-auth publishes port 3002, which the document gives to mana-credits (line 6)
<input>:6:10 MP206 mana-credits (3002) appears in none of the deployment files
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from .config import Config
from .deployment import ComposePort, ComposeService, Deployment, ScrapeTarget
from .findings import Finding, Report, Rule
from .ports import format_ports
from .registry import Entry, Registry
from .report import format_text as _format_report
from .rules import apply_exceptions

UNDOCUMENTED_PORT = Rule(
    "MP201", "undocumented-port", "warning", "A deployment publishes or scrapes a port the document does not list."
)
PORT_TAKEN = Rule(
    "MP202", "port-taken", "error", "A service is deployed on a port the document gives to another service."
)
PORT_MISMATCH = Rule(
    "MP203", "port-mismatch", "warning", "A service is deployed on a port its entry does not list (and nobody's does)."
)
RESERVED_PORT = Rule("MP204", "reserved-port", "warning", "A deployment uses a port the document marks reserved.")
DUPLICATE_HOST_PORT = Rule(
    "MP205", "duplicate-host-port", "error", "Two compose services publish the same host port (and protocol)."
)
UNDEPLOYED_SERVICE = Rule(
    "MP206", "undeployed-service", "info", "A documented service appears in none of the given deployment files."
)
UNMATCHED_NAME = Rule(
    "MP207",
    "unmatched-name",
    "warning",
    "A compose service matches no entry by name but publishes a port the document gives to one.",
)
SCRAPE_PUBLISHED_PORT = Rule(
    "MP208",
    "scrape-published-port",
    "warning",
    "A scrape target addresses a compose service on its published port instead of its container port.",
)
UNREADABLE_PORT = Rule(
    "MP209", "unreadable-port", "warning", "A port in a deployment file cannot be read (syntax, range, variable)."
)
SCRAPE_PORT_TAKEN = Rule(
    "MP210",
    "scrape-port-taken",
    "warning",
    "A scrape target addresses a compose service on a port it does not list, which the document gives to another.",
)

# Hosts through which Prometheus reaches ports published on the machine itself.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", "host-gateway"})
_WILDCARD_IPS = frozenset({"", "0.0.0.0", "::"})
_SEPARATORS = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """The normalized form in which deployment names and entry names are compared.

    Case is ignored and every run of characters other than letters and digits is one
    separator: ``Mana_Auth``, ``mana.auth`` and ``mana-auth`` are the same name. Nothing else is
    assumed: no prefix or suffix is stripped, no spelling is corrected.

    >>> name_key("Mana_Auth"), name_key("minio (S3 API)"), name_key("victoria-metrics") == name_key("victoriametrics")
    ('mana-auth', 'minio-s3-api', False)
    """
    return _SEPARATORS.sub("-", name.casefold()).strip("-")


def base_key(name: str) -> str:
    """:func:`name_key` without a trailing parenthesized qualifier: ``minio (S3 API)`` -> ``minio``."""
    # String methods, not a pattern: r"\s*\([^()]*\)\s*$" backtracks quadratically on a long run of spaces.
    stripped = name.rstrip()
    opening = stripped.rfind("(")
    if stripped.endswith(")") and opening != -1 and ")" not in stripped[opening:-1]:
        name = stripped[:opening].rstrip()
    return name_key(name)


class Matcher:
    """Assigned entries by name: first by :func:`name_key`, then by :func:`base_key`.

    ``MINIO_S3_API_PORT`` (``minio-s3-api``) matches the entry ``minio (S3 API)`` alone; the
    compose service ``minio`` matches ``minio (S3 API)`` and ``minio (Console)`` together, as
    one service documented on both ports.
    """

    def __init__(self, registry: Registry) -> None:
        full: dict[str, list[Entry]] = {}
        base: dict[str, list[Entry]] = {}
        for entry in registry.entries:
            if entry.service is not None:
                for index, key in ((full, name_key(entry.service)), (base, base_key(entry.service))):
                    if key:
                        index.setdefault(key, []).append(entry)
        self._full = {key: tuple(entries) for key, entries in full.items()}
        self._base = {key: tuple(entries) for key, entries in base.items()}
        self._names = {key: entries[0].service or key for key, entries in full.items()}

    def find(self, *names: str | None) -> tuple[Entry, ...]:
        """The entries matching the first of ``names`` that matches any (empty when none does)."""
        for name in names:
            if name:
                key = name_key(name)
                found = self._full.get(key) or self._base.get(key)
                if found:
                    return found
        return ()

    def suggest(self, name: str) -> str | None:
        """A close entry name, for a hint only (never used as a match)."""
        close = difflib.get_close_matches(name_key(name), list(self._full), n=1, cutoff=0.75)
        return self._names[close[0]] if close else None


TargetKind = Literal["compose", "container", "host", "remote"]


@dataclass(frozen=True, slots=True)
class TargetMatch:
    """How a scrape target was resolved, and so what its port means.

    ``compose``: the host is a service of a given compose file, the port a container port
    (entries: the service's, else the job's). ``container``: the host names an entry but no
    given compose service, so it is a container whose port mapping is unknown; it counts as
    deployed, its port is not checked. ``host``: the port is a host port, of this machine
    (``localhost``, ``host.docker.internal``, a ``network_mode: host`` service) or of another
    machine whose job names entries. ``remote``: another machine that no name explains (not
    checked).
    """

    kind: TargetKind
    entries: tuple[Entry, ...]
    services: tuple[ComposeService, ...] = ()


class _Context:
    """The registry, the deployment and how the one matches the other, computed once."""

    def __init__(self, registry: Registry, deployment: Deployment, path: str) -> None:
        self.registry = registry
        self.deployment = deployment
        self.path = path
        self.matcher = Matcher(registry)
        self.compose: dict[str, list[ComposeService]] = {}
        for service in deployment.services:
            for name in service.names:
                self.compose.setdefault(name, []).append(service)
        self.service_entries = [self.matcher.find(*service.names) for service in deployment.services]
        self._by_service = {id(s): e for s, e in zip(deployment.services, self.service_entries, strict=True)}
        self.target_matches = [self._resolve(target) for target in deployment.targets]
        self.env_entries = [self.matcher.find(variable.service) for variable in deployment.env_ports]

    def _resolve(self, target: ScrapeTarget) -> TargetMatch:
        services = tuple(self.compose.get(target.host, ()))
        if services:
            entries = tuple({e.index: e for s in services for e in self._by_service[id(s)]}.values())
            entries = entries or self.matcher.find(target.job)
            if any(service.host_network for service in services):
                return TargetMatch("host", entries, services)
            return TargetMatch("compose", entries, services)
        entries = self.matcher.find(target.host)
        if entries:
            return TargetMatch("container", entries)
        entries = self.matcher.find(target.job)
        if entries or target.host.casefold() in LOCAL_HOSTS:
            return TargetMatch("host", entries)
        return TargetMatch("remote", ())

    def owners(self, port: int, protocol: str) -> tuple[Entry, ...]:
        """Assigned entries holding ``port`` for ``protocol``."""
        return tuple(e for e in self.registry.by_port.get(port, ()) if e.service and protocol in e.protocols)

    def section_of(self, port: int) -> int | None:
        """The section with the narrowest declared range holding ``port`` (for inline accepts)."""
        holding = [(len(s.declared), s.index) for s in self.registry.sections if s.declared and port in s.declared]
        return min(holding)[1] if holding else None

    def placeholder(self, port: int) -> Entry | None:
        return next((e for e in self.registry.by_port.get(port, ()) if e.service is None), None)


# --- port checks shared by every kind of record --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    """A deployment record as the messages name it: ``compose service auth publishes port ...``."""

    path: str
    line: int
    column: int
    text: str  # "compose service mana-auth", "scrape target mana-auth:3001 (job auth)", "MANA_AUTH_PORT"
    verb: str  # "publishes", "uses", "sets"
    name: str  # the name the record goes by


def _ports(ports: Iterable[int], protocol: str) -> str:
    text = format_ports(ports)
    return f"{text}/{protocol}" if protocol != "tcp" else text


def _entries(entries: Sequence[Entry]) -> str:
    return ", ".join(f"{e.service} {format_ports(e.ports)} (line {e.line})" for e in entries)


def _documented(entries: Sequence[Entry]) -> str:
    return format_ports(port for e in entries for port in e.ports)


def _port_findings(
    ctx: _Context,
    subject: _Subject,
    entries: tuple[Entry, ...],
    ports: Iterable[int],
    protocol: str,
    *,
    claim_owner: bool,
) -> Iterator[Finding]:
    """Classify each deployed port against the document and yield one finding per kind of drift.

    With ``entries`` (the record matched entries by name): a port of theirs is fine; a port of
    another entry is MP202, a reserved one MP204, any other MP203. Without: a port of an entry
    is MP207 when ``claim_owner`` (a compose service, whose name is its identity) and fine
    otherwise (a scrape job name is only a label); a reserved one is MP204, any other MP201.
    """
    mine = {e.index for e in entries}
    taken: dict[int, list[int]] = {}
    reserved: dict[int, list[int]] = {}
    undocumented: list[int] = []
    for port in ports:
        owners = ctx.owners(port, protocol)
        if any(owner.index in mine for owner in owners):
            continue
        if owners:
            taken.setdefault(owners[0].index, []).append(port)
        elif (holder := ctx.placeholder(port)) is not None:
            reserved.setdefault(holder.index, []).append(port)
        else:
            undocumented.append(port)
    at = (subject.path, subject.line, subject.column)
    home = entries[0].section if entries else None
    documented = _documented(entries)
    for index, taken_ports in taken.items():
        owner = ctx.registry.entries[index]
        what = f"{subject.text} {subject.verb} port {_ports(taken_ports, protocol)}"
        if entries:
            yield Finding(
                PORT_TAKEN,
                *at,
                f"{what}, which the document gives to {owner.service} (line {owner.line})",
                f"deploy {subject.name} on its documented port {documented}, or correct the document",
                tuple(taken_ports),
                home,
            )
        elif claim_owner:
            yield Finding(
                UNMATCHED_NAME,
                *at,
                f"{what}, which the document gives to {owner.service} (line {owner.line}); "
                f"no entry is named {subject.name}",
                f"if {subject.name} is {owner.service}, call it that (service name or container_name); "
                "otherwise give it a free port",
                tuple(taken_ports),
                owner.section,
            )
    for index, reserved_ports in reserved.items():
        holder = ctx.registry.entries[index]
        documented_note = f"; {subject.name} is documented on {documented}" if entries else ""
        yield Finding(
            RESERVED_PORT,
            *at,
            f"{subject.text} {subject.verb} port {_ports(reserved_ports, protocol)}, which the document marks "
            f"reserved (line {holder.line}){documented_note}",
            f"assign the port to {subject.name} in the document, or deploy it on "
            + (f"its documented port {documented}" if entries else "a documented port"),
            tuple(reserved_ports),
            home if entries else holder.section,
        )
    if not undocumented:
        return
    what = f"{subject.text} {subject.verb} port {_ports(undocumented, protocol)}"
    if entries:
        yield Finding(
            PORT_MISMATCH,
            *at,
            f"{what}; the document gives {_entries(entries)}",
            f"deploy {subject.name} on {documented}, or add {format_ports(undocumented)} to its entry",
            tuple(undocumented),
            home,
        )
        return
    close = ctx.matcher.suggest(subject.name)
    yield Finding(
        UNDOCUMENTED_PORT,
        *at,
        f"{what}, which the document does not list",
        f"add {subject.name} to the document, or stop using the port"
        + (f" (the document has {close}; if it is the same service, use that name)" if close else ""),
        tuple(undocumented),
        ctx.section_of(undocumented[0]),
    )


# --- the checks ----------------------------------------------------------------------------------


def check_compose_ports(ctx: _Context) -> Iterator[Finding]:
    """MP201-MP204, MP207 for every fixed host port a compose service publishes."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        if service.host_network:
            continue  # docker ignores ports: under network_mode: host
        for port in service.ports:
            if not port.exact or port.published is None:
                continue
            subject = _Subject(
                port.path, port.line, port.column, f"compose service {service.name}", "publishes", service.name
            )
            yield from _port_findings(ctx, subject, entries, port.published, port.protocol, claim_owner=True)


def _container_ports(services: Iterable[ComposeService]) -> set[int]:
    """The ports the services' containers are known to listen on: mapping targets and ``expose``."""
    ports = {port for service in services for port in service.expose}
    for service in services:
        for mapping in service.ports:
            if mapping.target is not None:
                ports.update(mapping.target)
    return ports


def _published_instead(services: Iterable[ComposeService], port: int) -> tuple[ComposePort, int] | None:
    """The mapping that publishes ``port`` on the host, and the container port behind it."""
    for service in services:
        for mapping in service.ports:
            host_port = mapping.published
            if mapping.exact and host_port is not None and mapping.target is not None and port in host_port:
                return mapping, mapping.target.lo + (port - host_port.lo)
    return None


def _compose_target(ctx: _Context, target: ScrapeTarget, match: TargetMatch, port: int) -> Iterator[Finding]:
    """A target on a compose service addresses a container port, not a host port.

    A port the service's container listens on (a mapping's target or ``expose``) is fine; its
    host port, if any, is checked where the compose file publishes it. A published host port
    instead of the container port is MP208. Any other port may be an internal metrics port,
    which the document does not list; only when the document gives it to another service is
    it reported (MP210, a warning: the container may really listen there).
    """
    if port in _container_ports(match.services):
        return
    job = f" (job {target.job})" if target.job else " (alertmanager)"
    section = match.entries[0].section if match.entries else None
    found = _published_instead(match.services, port)
    if found is not None:
        mapping, container_port = found
        yield Finding(
            SCRAPE_PUBLISHED_PORT,
            target.path,
            target.line,
            target.column,
            f"scrape target {target.text}{job} uses the published port {port}; inside the compose "
            f"network {target.host} listens on {container_port} ({mapping.path}:{mapping.line})",
            f"scrape {target.host}:{container_port}: Prometheus reaches a container on its container port",
            (port,),
            section,
        )
        return
    mine = {e.index for e in match.entries}
    owners = ctx.owners(port, "tcp")
    if not match.entries or not owners or any(owner.index in mine for owner in owners):
        return
    listed = format_ports(_container_ports(match.services)) or "none"
    yield Finding(
        SCRAPE_PORT_TAKEN,
        target.path,
        target.line,
        target.column,
        f"scrape target {target.text}{job} uses port {port}, which the document gives to {owners[0].service} "
        f"(line {owners[0].line}); compose service {target.host} lists no such container port ({listed})",
        f"scrape {target.host} on its own port ({_documented(match.entries)} in the document); if the container "
        "does listen there, add the port to its expose: list",
        (port,),
        section,
    )


def check_scrape_targets(ctx: _Context) -> Iterator[Finding]:
    """MP208 and MP210 for targets on compose services; MP201-MP204 for targets on host ports.

    A target is resolved by its host (a compose service or container name, else an entry
    name), then its ``job_name`` (see :class:`TargetMatch`). Only a port known to be a host
    port is compared with the document, which lists host ports: a container's port is not.
    """
    for target, match in zip(ctx.deployment.targets, ctx.target_matches, strict=True):
        if target.port is None or match.kind in ("container", "remote"):
            continue
        if match.kind == "compose":
            yield from _compose_target(ctx, target, match, target.port)
            continue
        job = f" (job {target.job})" if target.job else " (alertmanager)"
        name = match.entries[0].service or target.host if match.entries else (target.job or target.host)
        subject = _Subject(target.path, target.line, target.column, f"scrape target {target.text}{job}", "uses", name)
        yield from _port_findings(ctx, subject, match.entries, (target.port,), "tcp", claim_owner=False)


def check_env_ports(ctx: _Context) -> Iterator[Finding]:
    """MP202-MP204 for ``NAME_PORT`` variables whose name matches an entry.

    Variables that match no entry are not checked: env files also hold ports of services that
    run elsewhere (``SMTP_PORT=587``).
    """
    for variable, entries in zip(ctx.deployment.env_ports, ctx.env_entries, strict=True):
        if not entries or variable.port is None:
            continue
        subject = _Subject(
            variable.path, variable.line, variable.column, variable.variable, "sets", entries[0].service or ""
        )
        yield from _port_findings(ctx, subject, entries, (variable.port,), "tcp", claim_owner=False)


def _ips_clash(first: str | None, second: str | None) -> bool:
    return (first or "") in _WILDCARD_IPS or (second or "") in _WILDCARD_IPS or first == second


def check_duplicate_host_ports(ctx: _Context) -> Iterator[Finding]:
    """MP205: a host port (per protocol and bind address) published by two compose services.

    The same service in two compose files (a base file and an override) is one service: its
    ports are merged by docker compose, not published twice.
    """
    bound: dict[tuple[int, str], list[tuple[ComposeService, ComposePort]]] = {}
    for service in ctx.deployment.services:
        if service.host_network:
            continue
        for port in service.ports:
            if not port.exact or port.published is None:
                continue
            clashes: dict[int, tuple[ComposeService, ComposePort, list[int]]] = {}
            for number in port.published:
                key = (number, port.protocol)
                for other_service, other in bound.get(key, ()):
                    if other_service.name != service.name and _ips_clash(port.host_ip, other.host_ip):
                        clashes.setdefault(id(other), (other_service, other, []))[2].append(number)
                bound.setdefault(key, []).append((service, port))
            for other_service, other, numbers in clashes.values():
                owners = ctx.owners(numbers[0], port.protocol)
                yield Finding(
                    DUPLICATE_HOST_PORT,
                    port.path,
                    port.line,
                    port.column,
                    f"host port {_ports(numbers, port.protocol)} of compose service {service.name} is already "
                    f"published by {other_service.name} ({other.path}:{other.line})",
                    "two containers cannot bind one host port; give one of them another port",
                    tuple(numbers),
                    owners[0].section if owners else ctx.section_of(numbers[0]),
                )


def check_unreadable_ports(ctx: _Context) -> Iterator[Finding]:
    """MP209: ports that cannot be read, in compose files, scrape targets and matched env variables."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        for port in service.ports:
            if port.error:
                yield Finding(
                    UNREADABLE_PORT,
                    port.path,
                    port.line,
                    port.column,
                    f"compose service {service.name}: cannot read port {port.text!r}: {port.error}",
                    'write HOST:CONTAINER[/PROTOCOL] ("3001:3001"), or give the variable a default (${VAR:-3001})',
                    (),
                    entries[0].section if entries else None,
                )
    for target in ctx.deployment.targets:
        if target.error:
            yield Finding(
                UNREADABLE_PORT,
                target.path,
                target.line,
                target.column,
                f"scrape target {target.text!r} cannot be read: {target.error}",
                "write the target as host:port",
            )
    for variable, entries in zip(ctx.deployment.env_ports, ctx.env_entries, strict=True):
        if variable.error and entries:
            yield Finding(
                UNREADABLE_PORT,
                variable.path,
                variable.line,
                variable.column,
                f"{variable.variable}: {variable.error}",
                "set it to one port number (3001)",
                (),
                entries[0].section,
            )


def check_undeployed(ctx: _Context) -> Iterator[Finding]:
    """MP206 (info): assigned entries that no compose service, scrape target or env variable matched."""
    present = {e.index for entries in ctx.service_entries for e in entries}
    present.update(e.index for match in ctx.target_matches for e in match.entries)
    present.update(e.index for entries in ctx.env_entries for e in entries)
    for entry in ctx.registry.entries:
        if entry.service is None or entry.index in present:
            continue
        yield Finding(
            UNDEPLOYED_SERVICE,
            ctx.path,
            entry.line,
            entry.service_column,
            f"{entry.label} appears in none of the deployment files",
            'fine if it runs elsewhere; otherwise deploy it, or set ignore = ["undeployed-service"]',
            entry.ports,
            entry.section,
        )


Check = Callable[[_Context], Iterable[Finding]]

CHECKS: MappingProxyType[str, Check] = MappingProxyType(
    {
        "compose": check_compose_ports,  # MP201 MP202 MP203 MP204 MP207
        "prometheus": check_scrape_targets,  # MP201 MP202 MP203 MP204 MP208 MP210
        "env": check_env_ports,  # MP202 MP203 MP204
        "duplicates": check_duplicate_host_ports,  # MP205
        "unreadable": check_unreadable_ports,  # MP209
        "undeployed": check_undeployed,  # MP206
    }
)
RULES: tuple[Rule, ...] = (
    UNDOCUMENTED_PORT,
    PORT_TAKEN,
    PORT_MISMATCH,
    RESERVED_PORT,
    DUPLICATE_HOST_PORT,
    UNDEPLOYED_SERVICE,
    UNMATCHED_NAME,
    SCRAPE_PUBLISHED_PORT,
    UNREADABLE_PORT,
    SCRAPE_PORT_TAKEN,
)


def check(registry: Registry, deployment: Deployment, config: Config | None = None, path: str | None = None) -> Report:
    """Every drift finding, sorted by file (in the order given, the document last), line and column.

    Findings of rules in ``config.ignore`` are dropped; those matching a ``config.accept`` pair,
    or an inline ``<!-- mdports: accept RULE [PORT ...] -->`` in the section of the entry they
    concern, are counted as accepted.
    """
    config = config or Config()
    name = path or registry.path or "<input>"
    ctx = _Context(registry, deployment, name)
    order = {file: position for position, (_, file) in enumerate(deployment.files)}
    findings = [f for run in CHECKS.values() for f in run(ctx)]
    findings.sort(key=lambda f: (order.get(f.path, len(order)), f.line, f.column, f.rule.id))
    return apply_exceptions(name, findings, registry, config)


def format_text(report: Report, sources: Mapping[str, Sequence[str]], *, show_source: bool = True) -> str:
    """The ``validate`` text format, quoting each finding's line from its own file."""
    chunks: list[str] = []
    start = 0
    findings = report.findings
    while start < len(findings):
        end = start
        while end < len(findings) and findings[end].path == findings[start].path:
            end += 1
        part = Report(findings[start].path, findings[start:end])
        lines = sources.get(findings[start].path, ())
        chunks.append(_format_report(part, lines, show_source=show_source).rsplit("\n", 1)[0])
        start = end
    chunks.append(_format_report(report, show_source=False).rsplit("\n", 1)[-1])
    return "\n".join(chunks)

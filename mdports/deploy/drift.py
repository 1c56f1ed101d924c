r"""Drift: where the deployment (compose, Prometheus, env, cloudflared, Kubernetes) disagrees with the document.

Deployment records are matched to registry entries by name, conservatively (see
:func:`name_key`); a record that matches no entry is never attributed to one by guesswork —
a close name only appears in a hint. Each check is a function from the matched deployment to
findings, kept in the read-only table ``CHECKS``; :func:`check` runs them all and returns a
:class:`~mdports.check.findings.Report`, so the text, JSON and GitHub formatters of ``validate``
apply unchanged. Each check makes one pass over the deployment records (and the entries).

>>> from mdports import parse, registry
>>> from mdports.deploy.compose import read_compose
>>> from mdports.deploy.records import Deployment
>>> model = registry(parse("## Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-credits |\n"))
>>> services = read_compose("services:\n  mana-auth:\n    ports: ['3002:3001']\n", "compose.yml")
>>> report = check(model, Deployment(services=services, files=(("compose", "compose.yml"),)))
>>> for finding in report.findings:
...     print(finding.location, finding.rule.id, finding.message)
compose.yml:3:14 MP202 compose service mana-auth publishes port 3002, which the document gives to mana-credits (line 6)
<input>:6:10 MP206 mana-credits (3002) appears in none of the deployment files
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from ..check.findings import Finding, Report, Rule
from ..check.rules import apply_exceptions
from ..files.config import Config
from ..model.ports import format_ports
from ..model.registry import Entry, Registry
from .compose import ComposePort, ComposeService
from .kubernetes import KubeService, Workload
from .records import Deployment

if TYPE_CHECKING:
    from .cloudflared import TunnelRoute

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
    "MP205",
    "duplicate-host-port",
    "error",
    "Two compose services of one host publish the same host port (and protocol).",
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
UNLISTENED_PORT = Rule(
    "MP211",
    "unlistened-port",
    "warning",
    "Traffic goes to a port nothing listens on: a scrape target, probe, tunnel route, traefik router, "
    "Kubernetes targetPort or Ingress backend.",
)
DUPLICATE_HOSTNAME = Rule(
    "MP212",
    "duplicate-hostname",
    "warning",
    "A tunnel routes the same hostname (and path) twice; the second never applies.",
)
WRONG_HOST = Rule(
    "MP213", "wrong-host", "warning", "A service runs on a host other than the one its entry's Host column names."
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
    """Assigned entries by name: by :func:`name_key` together with the entries sharing its :func:`base_key`.

    ``MINIO_S3_API_PORT`` (``minio-s3-api``) matches the entry ``minio (S3 API)`` alone; the
    compose service ``minio`` matches ``minio (S3 API)`` and ``minio (Console)`` together, as
    one service documented on both ports, and ``traefik`` matches ``traefik`` and ``traefik
    (dashboard)``. ``aliases`` (``[tool.mdports.aliases]``) map a deployment name to the entry
    name it stands for: ``gpu-whisper = "mana-stt"``.
    """

    def __init__(self, registry: Registry, aliases: Mapping[str, str] | None = None) -> None:
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
        self._aliases = {name_key(alias): name_key(name) for alias, name in (aliases or {}).items()}

    def find(self, *names: str | None) -> tuple[Entry, ...]:
        """The entries matching the first of ``names`` that matches any (empty when none does)."""
        for name in names:
            if name:
                key = name_key(name)
                key = self._aliases.get(key, key)
                found = {e.index: e for e in (*self._full.get(key, ()), *self._base.get(key, ()))}
                if found:
                    return tuple(found.values())
        return ()

    def suggest(self, name: str) -> str | None:
        """A close entry name, for a hint only (never used as a match)."""
        close = difflib.get_close_matches(name_key(name), list(self._full), n=1, cutoff=0.75)
        return self._names[close[0]] if close else None


TargetKind = Literal["compose", "container", "host", "machine", "remote", "skipped"]


@dataclass(frozen=True, slots=True)
class TargetMatch:
    """How a scrape target (or tunnel route) was resolved, and so what its port means.

    ``compose``: the host is a service of a compose file of the same host, the port a
    container port (entries: the service's, else the job's). ``container``: the host names an
    entry but no given compose service, so it is a container whose port mapping is unknown; it
    counts as deployed, its port is not checked. ``machine``: the port is a host port of a
    configured host (``localhost``, ``host.docker.internal``, one of its addresses, a
    ``network_mode: host`` service); ``services`` are those publishing it there. ``host``: a
    host port of another machine whose job names entries. ``remote``: another machine that no
    name explains, and ``skipped``: an address relabelling rewrites (neither is checked).
    """

    kind: TargetKind
    entries: tuple[Entry, ...]
    services: tuple[ComposeService, ...] = ()
    machine: str = ""


class _Context:
    """The registry, the deployment and how the one matches the other, computed once."""

    def __init__(self, registry: Registry, deployment: Deployment, path: str, config: Config) -> None:
        self.registry = registry
        self.deployment = deployment
        self.path = path
        self.matcher = Matcher(registry, config.aliases)
        self.addresses: dict[str, str] = {}
        for machine in deployment.machines:
            for address in machine.addresses:
                self.addresses[address.casefold()] = machine.name
        self.compose: dict[tuple[str, str], list[ComposeService]] = {}
        for service in deployment.services:
            for name in service.names:
                self.compose.setdefault((service.machine, name), []).append(service)
        self.service_entries = [self._service_entries(service) for service in deployment.services]
        self.by_service = {id(s): e for s, e in zip(deployment.services, self.service_entries, strict=True)}
        self.listening: dict[str, dict[tuple[int, str], list[ComposeService]]] = {}
        for service, entries in zip(deployment.services, self.service_entries, strict=True):
            ports = self.listening.setdefault(service.machine, {})
            for number, protocol, _ in service.published_ports():
                ports.setdefault((number, protocol), []).append(service)
            if service.host_network:  # it listens on the host itself: on the ports documented for it
                for entry in entries:
                    for number in entry.ports:
                        for protocol in entry.protocols:
                            ports.setdefault((number, protocol), []).append(service)
        # entry -> the hosts it runs on, and (host, entry) -> the mappings publishing it there
        self.entry_hosts: dict[int, set[str]] = {}
        self.entry_mappings: dict[tuple[str, int], list[tuple[ComposeService, ComposePort]]] = {}
        for service, entries in zip(deployment.services, self.service_entries, strict=True):
            for entry in entries:
                self.entry_hosts.setdefault(entry.index, set()).add(service.machine)
                mappings = self.entry_mappings.setdefault((service.machine, entry.index), [])
                mappings.extend((service, mapping) for _, _, mapping in service.published_ports())
        self.target_matches = [self._resolve(t.host, t.port, t.machine, t.job, t.role) for t in deployment.targets]
        self.route_matches = [
            self._resolve(r.host, r.port, r.machine, None, "probe") if r.host else TargetMatch("skipped", ())
            for r in deployment.routes
        ]
        self.env_entries = [self.matcher.find(variable.service) for variable in deployment.env_ports]
        self.kube_entries = {
            id(service): self.matcher.find(service.name)
            for manifests in deployment.kubernetes
            for service in manifests.services
        }

    def _service_entries(self, service: ComposeService) -> tuple[Entry, ...]:
        """The entries of a compose service: by its key, else by ``container_name`` if they share a port.

        A ``container_name`` is often a leftover of an earlier setup (``mailserver`` named
        ``mail-api``); it identifies the service only when the entry it names has a port the
        service publishes or listens on.
        """
        entries = self.matcher.find(service.name)
        if entries or not service.container_name:
            return entries
        by_container = self.matcher.find(service.container_name)
        ports = {number for number, _, _ in service.published_ports()} | service.container_ports
        return by_container if any(port in ports for e in by_container for port in e.ports) else ()

    def _resolve(self, host: str | None, port: int | None, machine: str, job: str | None, role: str) -> TargetMatch:
        if host is None or role == "rewritten":
            return TargetMatch("skipped", ())
        named = host.casefold()
        on = machine if named in LOCAL_HOSTS else self.addresses.get(named)
        if on is not None:
            services = tuple(self.listening.get(on, {}).get((port, "tcp"), ())) if port is not None else ()
            return TargetMatch("machine", self.matcher.find(job) if role == "scrape" else (), services, on)
        services = tuple(self.compose.get((machine, host), ()))
        if services:
            entries = tuple({e.index: e for s in services for e in self.by_service[id(s)]}.values())
            entries = entries or (self.matcher.find(job) if role == "scrape" else ())
            if any(service.host_network for service in services):
                return TargetMatch("machine", entries, services, machine)
            return TargetMatch("compose", entries, services, machine)
        entries = self.matcher.find(host)
        if entries:
            return TargetMatch("container", entries)
        entries = self.matcher.find(job) if role == "scrape" else ()
        return TargetMatch("host", entries) if entries else TargetMatch("remote", ())

    def hosts_of(self, entries: Iterable[Entry]) -> set[str]:
        """The hosts on which a compose service matched to one of ``entries`` runs."""
        return {machine for e in entries for machine in self.entry_hosts.get(e.index, ())}

    def knows_ports(self, machine: str) -> bool:
        """True when the compose files of ``machine`` are given, so what listens there is known."""
        return machine in self.listening

    def owners(self, port: int, protocol: str) -> tuple[Entry, ...]:
        """Assigned entries holding ``port`` for ``protocol``."""
        return tuple(e for e in self.registry.by_port.get(port, ()) if e.service and protocol in e.protocols)

    def section_of(self, port: int) -> int | None:
        """The section with the narrowest declared range holding ``port`` (for inline accepts)."""
        section = self.registry.section_holding(port)
        return section.index if section is not None else None

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
    # Which entry the record is (only when the name says so unambiguously) and its own name.
    matched = entries[0].index if len(entries) == 1 else None
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
                entry=matched,
                deployed_as=subject.name,
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
            entry=matched,
            deployed_as=subject.name,
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
            entry=matched,
            deployed_as=subject.name,
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
        entry=matched,
        deployed_as=subject.name,
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
    return {port for service in services for port in service.container_ports}


def _published_instead(services: Iterable[ComposeService], port: int) -> tuple[ComposePort, int] | None:
    """The mapping that publishes ``port`` on the host, and the container port behind it."""
    for service in services:
        for mapping in service.ports:
            host_port = mapping.published
            if mapping.exact and host_port is not None and mapping.target is not None and port in host_port:
                return mapping, mapping.target.lo + (port - host_port.lo)
    return None


def _unlistened(at: _Subject, message: str, hint: str, port: int, section: int | None) -> Finding:
    return Finding(UNLISTENED_PORT, at.path, at.line, at.column, message, hint, (port,), section)


def _compose_target(ctx: _Context, subject: _Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """A target on a compose service addresses a container port, not a host port.

    A port the service's container listens on (a mapping's target or ``expose``) is fine; its
    host port, if any, is checked where the compose file publishes it. A published host port
    instead of the container port is MP208; a port the document gives to another service is
    MP210; any other port, when the service declares ports at all, is MP211. A service that
    declares none may listen anywhere: it is not checked.
    """
    listens = _container_ports(match.services)
    if port in listens:
        return
    host = subject.name
    section = match.entries[0].section if match.entries else None
    found = _published_instead(match.services, port)
    if found is not None:
        mapping, container_port = found
        yield Finding(
            SCRAPE_PUBLISHED_PORT,
            subject.path,
            subject.line,
            subject.column,
            f"{subject.text} {subject.verb} the published port {port}; inside the compose "
            f"network {host} listens on {container_port} ({mapping.path}:{mapping.line})",
            f"address {host}:{container_port}: inside the network a container is reached on its container port",
            (port,),
            section,
        )
        return
    mine = {e.index for e in match.entries}
    owners = ctx.owners(port, "tcp")
    listed = format_ports(listens) or "none"
    if match.entries and owners and not any(owner.index in mine for owner in owners):
        yield Finding(
            SCRAPE_PORT_TAKEN,
            subject.path,
            subject.line,
            subject.column,
            f"{subject.text} {subject.verb} port {port}, which the document gives to {owners[0].service} "
            f"(line {owners[0].line}); compose service {host} lists no such container port ({listed})",
            f"address {host} on its own port ({_documented(match.entries)} in the document); if the container "
            "does listen there, add the port to its expose: list",
            (port,),
            section,
        )
    elif listens:
        service = match.services[0]
        yield _unlistened(
            subject,
            f"{subject.text} {subject.verb} port {port}, but compose service {service.name} listens on "
            f"{listed} ({service.path}:{service.line})",
            f"address {host} on a port it listens on, or add {port} to its expose: list if it listens there",
            port,
            section,
        )


def _machine_port(ctx: _Context, subject: _Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """A host port of a configured host whose compose files are given: something must publish it.

    When the job (or an alias) names the service meant and it runs on that host on another
    port, the port reaching some other service is reported too.
    """
    where = match.machine or "this host"
    if match.services:
        meant = {e.index for e in match.entries}
        reached = {e.index for s in match.services for e in ctx.by_service[id(s)]}
        if not meant or meant & reached:
            return
        elsewhere = [found for index in meant for found in ctx.entry_mappings.get((match.machine, index), ())]
        if not elsewhere:
            return
        service, mapping = elsewhere[0]
        yield _unlistened(
            subject,
            f"{subject.text} {subject.verb} port {port}, which {match.services[0].name} publishes on {where} "
            f"({match.services[0].path}:{match.services[0].line}); {service.name} is published on "
            f"{mapping.text} ({mapping.path}:{mapping.line})",
            f"address {service.name} on the port it is published on, or move it back to {port}",
            port,
            match.entries[0].section,
        )
        return
    owners = ctx.owners(port, "tcp")
    if not owners:  # undocumented or reserved: what the document says is the finding
        yield from _port_findings(ctx, subject, match.entries, (port,), "tcp", claim_owner=False)
        return
    hosts = ctx.hosts_of(owners)
    if match.machine in hosts:
        return  # its service runs here, on a port its own compose check reports
    owner = owners[0]
    runs = f"which runs on {', '.join(sorted(hosts))}" if hosts else "which appears in no deployment file"
    yield _unlistened(
        subject,
        f"{subject.text} {subject.verb} port {port}, but no compose service on {where} publishes it; the "
        f"document gives it to {owner.service} (line {owner.line}), {runs}",
        "deploy the service on that port, or correct the address",
        port,
        owner.section,
    )


def _address_findings(ctx: _Context, subject: _Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """The findings for one address (scrape target, probe or tunnel route), by what it resolved to."""
    if match.kind == "compose":
        yield from _compose_target(ctx, subject, match, port)
    elif match.kind == "machine" and ctx.knows_ports(match.machine):
        yield from _machine_port(ctx, subject, match, port)
    elif match.kind in ("machine", "host"):
        yield from _port_findings(ctx, subject, match.entries, (port,), "tcp", claim_owner=False)


def check_scrape_targets(ctx: _Context) -> Iterator[Finding]:
    """MP208, MP210, MP211 for targets on compose services; MP211 or MP201-MP204 for host ports.

    A target is resolved by its host (an address of a configured host, a compose service or
    container name, else an entry name), then its ``job_name`` (see :class:`TargetMatch`);
    a probed address is resolved by its host alone. Only a port known to be a host port is
    compared with the document, which lists host ports: a container's port is not.
    """
    for target, match in zip(ctx.deployment.targets, ctx.target_matches, strict=True):
        if target.port is None or match.kind in ("container", "remote", "skipped"):
            continue
        job = f" (job {target.job})" if target.job else " (alertmanager)"
        what = "probe target" if target.role == "probe" else "scrape target"
        if match.kind == "compose":
            name = target.host
        else:
            name = match.entries[0].service or target.host if match.entries else (target.job or target.host)
        subject = _Subject(target.path, target.line, target.column, f"{what} {target.text}{job}", "uses", name)
        yield from _address_findings(ctx, subject, match, target.port)


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


def check_tunnel_routes(ctx: _Context) -> Iterator[Finding]:
    """MP211 or MP201-MP204 for the local port of each cloudflared ingress rule; MP212 for a hostname twice.

    cloudflared sends a hostname's traffic to the first rule that matches it: a second rule for
    the same hostname and path is never used.
    """
    first: dict[tuple[str, str, str | None], TunnelRoute] = {}
    for route, match in zip(ctx.deployment.routes, ctx.route_matches, strict=True):
        if route.hostname is not None:
            key = (route.machine, route.hostname, route.path_pattern)
            earlier = first.setdefault(key, route)
            if earlier is not route:
                yield Finding(
                    DUPLICATE_HOSTNAME,
                    route.path,
                    route.hostname_line,
                    route.column,
                    f"tunnel hostname {route.hostname} is routed again (first at {earlier.path}:"
                    f"{earlier.hostname_line}, to {earlier.service}); cloudflared uses the first rule, so this one "
                    f"({route.service}) is never used",
                    "remove one of the two rules, or give them different paths",
                )
        if route.port is None or match.kind in ("container", "remote", "skipped"):
            continue
        name = route.hostname or route.service
        subject = _Subject(
            route.path, route.line, route.column, f"tunnel route {name} -> {route.service}", "uses", name
        )
        yield from _address_findings(ctx, subject, match, route.port)


def check_traefik_routes(ctx: _Context) -> Iterator[Finding]:
    """MP211: a traefik router sends traffic to a container port its service does not listen on."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        listens = service.container_ports
        for route in service.routes:
            if route.port is None or not listens or route.port in listens:
                continue
            yield Finding(
                UNLISTENED_PORT,
                route.path,
                route.line,
                route.column,
                f"traefik service {route.router} of compose service {service.name} sends traffic to port "
                f"{route.port}, but the container listens on {format_ports(listens)}",
                f"set loadbalancer.server.port to the port {service.name} listens on, or expose {route.port}",
                (route.port,),
                entries[0].section if entries else None,
            )


def _selected(service: KubeService, workloads: Sequence[Workload]) -> list[Workload]:
    """The workloads a Service selects (every selector label on the pod), else the one of its name."""
    if service.selector:
        chosen = [w for w in workloads if set(service.selector) <= set(w.labels)]
        if chosen:
            return chosen
    return [w for w in workloads if w.name == service.name]


def check_kubernetes(ctx: _Context) -> Iterator[Finding]:
    """Kubernetes Services like compose services, by name: ``port`` and ``nodePort`` against the
    document (MP201-MP204, MP207), ``targetPort`` and Ingress backends against what listens (MP211)."""
    by_machine: dict[str, tuple[list[Workload], dict[str, KubeService]]] = {}
    for manifests in ctx.deployment.kubernetes:
        workloads, services = by_machine.setdefault(manifests.machine, ([], {}))
        workloads.extend(manifests.workloads)
        services.update((service.name, service) for service in manifests.services)
    for manifests in ctx.deployment.kubernetes:
        workloads, services = by_machine[manifests.machine]
        for service in manifests.services:
            entries = ctx.kube_entries[id(service)]
            section = entries[0].section if entries else None
            pods = _selected(service, workloads)
            container_ports = {p.port for w in pods for p in w.ports}
            named = {p.name: p.port for w in pods for p in w.ports if p.name}
            for port in service.ports:
                if port.error:
                    continue  # MP209, with the other unreadable ports
                protocol = port.protocol if port.protocol in ("tcp", "udp", "sctp") else "tcp"
                text = f"kubernetes Service {service.name}"
                if port.port is not None:
                    at = _Subject(port.path, port.line, port.column, text, "exposes", service.name)
                    yield from _port_findings(ctx, at, entries, (port.port,), protocol, claim_owner=True)
                if port.node_port is not None:
                    at = _Subject(port.path, port.line, port.column, text, "exposes node", service.name)
                    yield from _port_findings(ctx, at, entries, (port.node_port,), protocol, claim_owner=True)
                target = port.target if port.target is not None else (str(port.port) if port.port else None)
                if target is None or not container_ports:
                    continue
                listens = target in named if not target.isdigit() else int(target) in container_ports
                if not listens:
                    pod_names = ", ".join(f"{w.kind} {w.name}" for w in pods)
                    declared = format_ports(container_ports)
                    names = f"; named: {', '.join(sorted(named))}" if named else ""
                    yield Finding(
                        UNLISTENED_PORT,
                        port.path,
                        port.target_line,
                        port.target_column,
                        f"kubernetes Service {service.name} sends port {port.port} to targetPort {target}, but "
                        f"{pod_names} declares containerPort {declared}{names}",
                        "set targetPort to the port the container listens on (a number or its name)",
                        (int(target),) if target.isdigit() else (),
                        section,
                    )
        for backend in manifests.backends:
            backend_service = services.get(backend.service)
            if backend_service is None:
                continue
            numbers = {p.port for p in backend_service.ports if p.port is not None}
            port_names = {p.name for p in backend_service.ports if p.name}
            if (backend.port is not None and backend.port not in numbers) or (
                backend.port_name is not None and backend.port_name not in port_names
            ):
                wanted = backend.port if backend.port is not None else backend.port_name
                entries = ctx.kube_entries[id(backend_service)]
                yield Finding(
                    UNLISTENED_PORT,
                    backend.path,
                    backend.line,
                    backend.column,
                    f"ingress backend {backend.service}:{wanted} names a port Service {backend.service} does not "
                    f"have ({format_ports(numbers) or 'none'}; {backend_service.path}:{backend_service.line})",
                    "use one of the Service's ports (port number or name)",
                    (backend.port,) if backend.port is not None else (),
                    entries[0].section if entries else None,
                )


def _ips_clash(first: str | None, second: str | None) -> bool:
    return (first or "") in _WILDCARD_IPS or (second or "") in _WILDCARD_IPS or first == second


def check_duplicate_host_ports(ctx: _Context) -> Iterator[Finding]:
    """MP205: a host port (per host, protocol and bind address) published by two compose services.

    The same service in two compose files of one host (a base file and an override) is one
    service: its ports are merged by docker compose, not published twice. Services of the same
    name on different hosts are different services.
    """
    bound: dict[tuple[str, int, str], list[tuple[ComposeService, ComposePort]]] = {}
    for service in ctx.deployment.services:
        if service.host_network:
            continue
        for port in service.ports:
            if not port.exact or port.published is None:
                continue
            clashes: dict[int, tuple[ComposeService, ComposePort, list[int]]] = {}
            for number in port.published:
                key = (service.machine, number, port.protocol)
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
    """MP209: ports that cannot be read, in compose files, scrape targets, tunnels and matched env variables."""
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
                "write the target as host:port or as a URL",
            )
    for route in ctx.deployment.routes:
        if route.error:
            yield Finding(
                UNREADABLE_PORT,
                route.path,
                route.line,
                route.column,
                f"tunnel service {route.service!r} cannot be read: {route.error}",
                "write the service as a URL (http://localhost:3001)",
            )
    for manifests in ctx.deployment.kubernetes:
        for kube_service in manifests.services:
            entries = ctx.kube_entries[id(kube_service)]
            for kube_port in kube_service.ports:
                if kube_port.error:
                    yield Finding(
                        UNREADABLE_PORT,
                        kube_port.path,
                        kube_port.line,
                        kube_port.column,
                        f"kubernetes Service {kube_service.name}: {kube_port.error}",
                        "write the port as a number (3001)",
                        (),
                        entries[0].section if entries else None,
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


def host_of(entry: Entry) -> str:
    """The host the document puts the entry on (its Host column or section), '' when it names none."""
    return entry.host or ""


def check_hosts(ctx: _Context) -> Iterator[Finding]:
    """MP213: a service deployed on a host other than the one its entry's ``Host`` column names.

    Only hosts that are configured (by name or address) are compared; a Host cell naming none
    of them is not checked.
    """
    known = {machine.name.casefold(): machine.name for machine in ctx.deployment.machines if machine.name}
    known.update((address, name) for address, name in ctx.addresses.items() if name)
    records: list[tuple[str, str, int, int, str, tuple[Entry, ...]]] = [
        (s.machine, s.path, s.line, s.column, f"compose service {s.name}", e)
        for s, e in zip(ctx.deployment.services, ctx.service_entries, strict=True)
    ]
    records += [
        (m.machine, s.path, s.line, s.column, f"kubernetes Service {s.name}", ctx.kube_entries[id(s)])
        for m in ctx.deployment.kubernetes
        for s in m.services
    ]
    for machine, path, line, column, text, entries in records:
        if not machine:
            continue
        for entry in entries:
            documented = known.get(host_of(entry).casefold())
            if documented is None or documented == machine:
                continue
            yield Finding(
                WRONG_HOST,
                path,
                line,
                column,
                f"{text} runs on {machine}, but the document puts {entry.service} on {host_of(entry)} "
                f"(line {entry.line})",
                f"move it to {documented}, or change the Host cell of {entry.service}",
                entry.ports,
                entry.section,
            )
            break


def check_undeployed(ctx: _Context) -> Iterator[Finding]:
    """MP206 (info): assigned entries that no deployment record of any host matched."""
    present = {e.index for entries in ctx.service_entries for e in entries}
    present.update(e.index for match in ctx.target_matches for e in match.entries)
    present.update(e.index for entries in ctx.env_entries for e in entries)
    present.update(e.index for entries in ctx.kube_entries.values() for e in entries)
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


def _one_finding_per_problem(findings: list[Finding]) -> list[Finding]:
    """Fold what another rule says about a duplicated host port into its MP205 finding.

    Two services on one host port are one problem: the duplicate, and (for the service that
    does not own the port) that the document gives it to someone else. Both facts go in one
    finding, the MP205 error, rather than two findings on the same line.
    """
    duplicates = {(f.path, f.line, f.column): f for f in findings if f.rule is DUPLICATE_HOST_PORT}
    if not duplicates:
        return findings
    folded: dict[tuple[str, int, int], list[str]] = {}
    kept: list[Finding] = []
    for finding in findings:
        at = (finding.path, finding.line, finding.column)
        duplicate = duplicates.get(at)
        if duplicate is not None and finding is not duplicate and set(finding.ports) & set(duplicate.ports):
            folded.setdefault(at, []).append(f"{finding.rule.id}: {finding.message}")
            continue
        kept.append(finding)
    return [
        dataclasses.replace(f, message=f"{f.message}; also {'; '.join(folded[at])}")
        if f.rule is DUPLICATE_HOST_PORT and (at := (f.path, f.line, f.column)) in folded
        else f
        for f in kept
    ]


Check = Callable[[_Context], Iterable[Finding]]

CHECKS: MappingProxyType[str, Check] = MappingProxyType(
    {
        "compose": check_compose_ports,  # MP201 MP202 MP203 MP204 MP207
        "prometheus": check_scrape_targets,  # MP201 MP202 MP203 MP204 MP208 MP210 MP211
        "env": check_env_ports,  # MP202 MP203 MP204
        "cloudflared": check_tunnel_routes,  # MP201 MP202 MP203 MP204 MP208 MP210 MP211 MP212
        "traefik": check_traefik_routes,  # MP211
        "kubernetes": check_kubernetes,  # MP201 MP202 MP203 MP204 MP207 MP211
        "duplicates": check_duplicate_host_ports,  # MP205
        "unreadable": check_unreadable_ports,  # MP209
        "hosts": check_hosts,  # MP213
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
    UNLISTENED_PORT,
    DUPLICATE_HOSTNAME,
    WRONG_HOST,
)


def check(registry: Registry, deployment: Deployment, config: Config | None = None, path: str | None = None) -> Report:
    """Every drift finding, sorted by file (in the order given, the document last), line and column.

    Findings of rules in ``config.ignore`` are dropped; those matching a ``config.accept`` pair,
    or an inline ``<!-- mdports: accept RULE [PORT ...] -->`` in the section of the entry they
    concern, are counted as accepted.
    """
    config = config or Config()
    name = path or registry.path or "<input>"
    ctx = _Context(registry, deployment, name, config)
    order = {file: position for position, (_, file) in enumerate(deployment.files)}
    findings = _one_finding_per_problem([f for run in CHECKS.values() for f in run(ctx)])
    return apply_exceptions(
        name, findings, registry, config, RULES, lambda f: (order.get(f.path, len(order)), f.line, f.column, f.rule.id)
    )

"""The registry, the deployment and how the one matches the other, computed once for every check.

:class:`Context` indexes the deployment by host, name and port; :class:`TargetMatch` says
what an address (scrape target, probe, tunnel route) resolved to, and so what its port means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ...files.config import Config
from ...model.lookup import Registry
from ...model.registry import Entry
from ..compose import ComposePort, ComposeService
from ..deployment import Deployment
from .matching import Matcher
from .running import Running

EntryKey = tuple[str, int]


def key_of(entry: Entry) -> EntryKey:
    """An entry's identity in drift, where table rows and list items are matched together."""
    return entry.source, entry.index


# Hosts through which Prometheus reaches ports published on the machine itself.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", "host-gateway"})


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


class Context:
    """The registry, the deployment and how the one matches the other, computed once."""

    def __init__(self, registry: Registry, deployment: Deployment, path: str, config: Config) -> None:
        self.registry = registry
        self.deployment = deployment
        self.path = path
        self.matcher = Matcher(registry, config.aliases)
        self.running = Running(registry, deployment, config.aliases)
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
        self.entry_hosts: dict[EntryKey, set[str]] = {}
        self.entry_mappings: dict[tuple[str, EntryKey], list[tuple[ComposeService, ComposePort]]] = {}
        for service, entries in zip(deployment.services, self.service_entries, strict=True):
            for entry in entries:
                self.entry_hosts.setdefault(key_of(entry), set()).add(service.machine)
                mappings = self.entry_mappings.setdefault((service.machine, key_of(entry)), [])
                mappings.extend((service, mapping) for _, _, mapping in service.published_ports())
        self.target_matches = [
            self._resolve(t.host, t.port, t.machine, t.job, t.role, t.path) for t in deployment.targets
        ]
        self.route_matches = [
            self._resolve(r.host, r.port, r.machine, None, "probe", r.path) if r.host else TargetMatch("skipped", ())
            for r in deployment.routes
        ]
        self.env_entries = [self.find(v.service, machine=v.machine, path=v.path) for v in deployment.env_ports]
        self.kube_entries = {
            id(service): self.find(service.name, machine=manifests.machine, path=service.path)
            for manifests in deployment.kubernetes
            for service in manifests.services
        }

    def find(self, *names: str | None, machine: str, path: str) -> tuple[Entry, ...]:
        """The entries a record of ``machine`` read from ``path`` goes by: its running ones, else the plan's."""
        return self.running.find(names, self.running.host_of(machine, path)) or self.matcher.find(*names)

    def _service_entries(self, service: ComposeService) -> tuple[Entry, ...]:
        """The entries of a compose service: by its key, else by ``container_name`` if they share a port.

        A ``container_name`` is often a leftover of an earlier setup (``mailserver`` named
        ``mail-api``); it identifies the service only when the entry it names has a port the
        service publishes or listens on.
        """
        at = {"machine": service.machine, "path": service.path}
        entries = self.find(service.name, **at)
        if entries or not service.container_name:
            return entries
        by_container = self.find(service.container_name, **at)
        ports = {number for number, _, _ in service.published_ports()} | service.container_ports
        return by_container if any(port in ports for e in by_container for port in e.ports) else ()

    def _resolve(
        self, host: str | None, port: int | None, machine: str, job: str | None, role: str, path: str
    ) -> TargetMatch:
        if host is None or role == "rewritten":
            return TargetMatch("skipped", ())
        named = host.casefold()
        on = machine if named in LOCAL_HOSTS else self.addresses.get(named)
        by_job = self.find(job, machine=on or machine, path=path) if role == "scrape" else ()
        if on is not None:
            services = tuple(self.listening.get(on, {}).get((port, "tcp"), ())) if port is not None else ()
            return TargetMatch("machine", by_job, services, on)
        services = tuple(self.compose.get((machine, host), ()))
        if services:
            entries = tuple({key_of(e): e for s in services for e in self.by_service[id(s)]}.values())
            entries = entries or by_job
            if any(service.host_network for service in services):
                return TargetMatch("machine", entries, services, machine)
            return TargetMatch("compose", entries, services, machine)
        entries = self.find(host, machine=machine, path=path)
        if entries:
            return TargetMatch("container", entries)
        entries = by_job
        return TargetMatch("host", entries) if entries else TargetMatch("remote", ())

    def deployment_files(self) -> set[tuple[str, str]]:
        """Every deployment file a record was read from, with its configured host: ``(machine, path)``."""
        d = self.deployment
        found = {(s.machine, s.path) for s in d.services} | {(t.machine, t.path) for t in d.targets}
        found |= {(v.machine, v.path) for v in d.env_ports} | {(r.machine, r.path) for r in d.routes}
        return found | {(m.machine, s.path) for m in d.kubernetes for s in m.services}

    def hosts_of(self, entries: Iterable[Entry]) -> set[str]:
        """The hosts on which a compose service matched to one of ``entries`` runs."""
        return {machine for e in entries for machine in self.entry_hosts.get(key_of(e), ())}

    def knows_ports(self, machine: str) -> bool:
        """True when the compose files of ``machine`` are given, so what listens there is known."""
        return machine in self.listening

    def owners(self, port: int, protocol: str, host: str | None = None, *, plan: bool = True) -> tuple[Entry, ...]:
        """Assigned entries holding ``port`` for ``protocol``: those running on ``host`` (any host when
        None) first, then, with ``plan``, the plan's."""
        running = self.running.holding(port, protocol, host)
        if not plan:
            return running
        planned = tuple(e for e in self.registry.by_port.get(port, ()) if e.service and protocol in e.protocols)
        return running + planned if running else planned

    def section_of(self, port: int) -> int | None:
        """The section with the narrowest declared range holding ``port`` (for inline accepts)."""
        section = self.registry.section_holding(port)
        return section.index if section is not None else None

    def placeholder(self, port: int) -> Entry | None:
        return next((e for e in self.registry.by_port.get(port, ()) if e.service is None), None)

"""The registry, the deployment and how the one matches the other, computed once for every check.

:class:`Context` indexes the deployment by host, name and port; :class:`TargetMatch` says
what an address (scrape target, probe, tunnel route) resolved to, and so what its port means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ...files.config import Config
from ...model.registry import Entry, Registry
from ..compose import ComposePort, ComposeService
from ..records import Deployment
from .names import Matcher

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

"""The registry, the deployment and how the one matches the other, computed once for every check.

:class:`Context` indexes the deployment by host, name and port; :class:`TargetMatch` says
what an address (scrape target, probe, tunnel route) resolved to, and so what its port means.

What runs: the document's running list as drift compares the deployment with it.

The plan's tables are often partly aspirational; a list of running ports, grouped by host, says
where services actually are (:mod:`mdports.model.lists`). A deployment record is compared with
the running entries of its name when there are any, with the plan only when there are none.

Which running host a record is on: a configured host (``[hosts.NAME]``) is matched to a host of
the running list by its name or one of its addresses (names compared as ``--host`` compares
them, :func:`~mdports.model.lists.host_key`: case, spaces, punctuation and parenthetical notes
ignored); a file of the unnamed host (given on the command line) belongs to the running host its
name points at after its stem (``docker-compose.gpu.yml``, ``.env.gpu``: ``gpu``). A record of a
known host is matched to its service's running entries on that host, else (and when its host is
unknown) on any host.

How deployment names are matched to registry entries: conservatively, by normalized name.

A record that matches no entry is never attributed to one by guesswork: a close name only
appears in a hint (:meth:`Matcher.suggest`).
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Literal

from ..files.config import Config
from ..model.lists import host_key
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.registry import Entry
from ..readonly import readonly
from .compose import ComposePort, ComposeService
from .deployment import Deployment

_SEPARATORS = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """The normalized form in which deployment names and entry names are compared.

    Case and spelling are ignored (:func:`~mdports.model.names.fold_name`) and every run of
    characters other than letters, digits and their combining marks is one separator:
    ``Mana_Auth``, ``mana.auth`` and ``mana-auth`` are the same name. Nothing else is assumed:
    no prefix or suffix is stripped, no spelling is corrected. A mark is part of its letter:
    Devanagari's कि and का are two names, not क twice.

    >>> name_key("Mana_Auth"), name_key("minio (S3 API)"), name_key("victoria-metrics") == name_key("victoriametrics")
    ('mana-auth', 'minio-s3-api', False)
    >>> name_key("\u0915\u093f"), name_key("\u0915\u093e_api")
    ('\u0915\u093f', '\u0915\u093e-api')
    """
    folded = fold_name(name)
    if folded.isascii():
        return _SEPARATORS.sub("-", folded).strip("-")
    out: list[str] = []
    apart = False  # a separator since the last letter
    for char in folded:
        if char.isalnum() or unicodedata.category(char).startswith("M"):
            if apart and out:
                out.append("-")
            out.append(char)
            apart = False
        else:
            apart = True
    return "".join(out)


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
    name it stands for: ``gpu-whisper = "mana-stt"``. ``entries`` are those matched (default: the
    plan's; drift matches the running list's too, with a matcher of its own).
    """

    def __init__(
        self, registry: Registry, aliases: Mapping[str, str] | None = None, entries: Iterable[Entry] | None = None
    ) -> None:
        full: dict[str, list[Entry]] = {}
        base: dict[str, list[Entry]] = {}
        for entry in registry.entries if entries is None else entries:
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


class Running:
    """The running entries by name, port and host, and the running host of each deployment file."""

    def __init__(self, registry: Registry, deployment: Deployment, aliases: Mapping[str, str]) -> None:
        self.entries = tuple(e for e in registry.listed if e.service is not None)
        self.matcher = Matcher(registry, aliases, self.entries)
        self.labels: dict[str, str] = {}  # host key -> the label as first written
        self._addresses: dict[str, str] = {}  # address (casefolded) -> host key
        self._hosts: dict[int, str | None] = {}  # id(entry) -> its host key (None: the list names no host)
        self._by_port: dict[int, list[Entry]] = {}
        for entry in self.entries:
            key = host_key(entry.host) if entry.host else None
            self._hosts[id(entry)] = key
            if key:
                self.labels.setdefault(key, entry.host or key)
                if entry.address:
                    self._addresses.setdefault(entry.address.casefold(), key)
            for port in entry.ports:
                self._by_port.setdefault(port, []).append(entry)
        self._machines: dict[str, str] = {}
        for machine in deployment.machines:
            found = self._named(machine.name) if machine.name else None
            for address in machine.addresses if found is None and machine.name else ():
                found = found or self._addresses.get(address.casefold())
            if found is not None:
                self._machines[machine.name] = found

    def _named(self, text: str) -> str | None:
        key = host_key(text)
        return key if key in self.labels else self._addresses.get(text.casefold())

    def host_of(self, machine: str, path: str) -> str | None:
        """The running host (its key) of a record of ``machine`` read from ``path``; None when unknown."""
        if machine:
            return self._machines.get(machine)
        _stem, *parts = os.path.basename(path).lstrip(".").split(".")
        for part in parts:  # docker-compose.gpu.yml, .env.gpu, prometheus.gpu.yaml -> gpu
            found = self._named(part)
            if found is not None:
                return found
        return None

    def machine_of(self, key: str | None) -> str | None:
        """The configured host matched to the running host ``key``, if any."""
        return next((machine for machine, found in self._machines.items() if found == key), None)

    def host_key_of(self, entry: Entry) -> str | None:
        return self._hosts.get(id(entry))

    def label(self, key: str | None) -> str:
        return self.labels.get(key, key) if key else ""

    def _on(self, found: tuple[Entry, ...] | list[Entry], host: str | None) -> tuple[Entry, ...]:
        """``found`` on ``host`` (and those of no host); all of them when ``host`` is None."""
        if host is None:
            return tuple(found)
        return tuple(e for e in found if self._hosts.get(id(e)) in (host, None))

    def find(self, names: tuple[str | None, ...], host: str | None) -> tuple[Entry, ...]:
        """The running entries of the first of ``names`` that runs: on ``host`` if it runs there, else anywhere."""
        found = self.matcher.find(*names)
        return self._on(found, host) or found

    def holding(self, port: int, protocol: str, host: str | None) -> tuple[Entry, ...]:
        """The running entries on ``host`` (any host when None) that hold ``port``."""
        held = self._by_port.get(port, ())
        return self._on([e for e in held if protocol in e.protocols], host)


EntryKey = tuple[str, int]


def key_of(entry: Entry) -> EntryKey:
    """An entry's identity in drift, where table rows and list items are matched together."""
    return entry.source, entry.index


# Hosts through which Prometheus reaches ports published on the machine itself.
def _exporter(host: str) -> bool:
    """True when ``host`` names a Prometheus exporter (``redis-exporter``, ``mysqld_exporter.lan``).

    >>> _exporter("redis-exporter"), _exporter("exporters.lan"), _exporter("redis")
    (True, False, False)
    """
    return "exporter" in _SEPARATORS.split(host.casefold())


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal", "host-gateway"})
# The names by which a process reaches its own machine: inside a container, the container itself.
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


TargetKind = Literal["compose", "container", "host", "machine", "remote", "skipped"]


@readonly
class TargetMatch:
    """How a scrape target (or tunnel route) was resolved, and so what its port means.

    ``compose``: the host is a service of a compose file of the same host, the port a
    container port (entries: the service's, else the job's); or ``localhost`` on a port of the
    container whose compose service bind-mounts the Prometheus configuration. ``container``: the host names an
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
        # A Prometheus whose configuration a compose service bind-mounts runs in that container.
        configurations = dict.fromkeys((t.machine, t.location.path) for t in deployment.targets)
        mounting = ((key, self._mounting(*key)) for key in configurations)  # once per file, not per target
        self.scrapers = {key: service for key, service in mounting if service is not None}
        self.target_matches = [
            self._resolve(t.host, t.port, t.machine, t.job, t.role, t.location.path) for t in deployment.targets
        ]
        self.route_matches = [
            self._resolve(r.host, r.port, r.machine, None, "probe", r.location.path)
            if r.host
            else TargetMatch("skipped", ())
            for r in deployment.routes
        ]
        self.env_entries = [self.find(v.service, machine=v.machine, path=v.location.path) for v in deployment.env_ports]
        self.kube_entries = {
            id(service): self.find(service.name, machine=manifests.machine, path=service.location.path)
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
        at = {"machine": service.machine, "path": service.location.path}
        entries = self.find(service.name, **at)
        if entries or not service.container_name:
            return entries
        by_container = self.find(service.container_name, **at)
        ports = {number for number, _, _ in service.published_ports()} | service.container_ports
        return by_container if any(port in ports for e in by_container for port in e.ports) else ()

    def _mounting(self, machine: str, path: str) -> ComposeService | None:
        """The compose service of ``machine`` (not on the host's network) that bind-mounts the file ``path``."""
        services = self.deployment.services
        return next((s for s in services if s.machine == machine and not s.host_network and s.mounts_file(path)), None)

    def _resolve(
        self, host: str | None, port: int | None, machine: str, job: str | None, role: str, path: str
    ) -> TargetMatch:
        if host is None or role == "rewritten":
            return TargetMatch("skipped", ())
        named = host.casefold()
        on = machine if named in LOCAL_HOSTS else self.addresses.get(named)
        # A job is named for what it monitors (`redis`), but an exporter beside it (`redis-exporter:9121`)
        # listens on its own port: the job's entries say nothing of that port.
        by_job = self.find(job, machine=on or machine, path=path) if role == "scrape" and not _exporter(host) else ()
        scraper = self.scrapers.get((machine, path)) if named in _LOOPBACK and role == "scrape" else None
        if scraper is not None and port in scraper.container_ports:
            # Prometheus scraping itself (`localhost:9090`) from its container: the container's
            # own port, published on the host as the compose file says.
            return TargetMatch("compose", self.by_service[id(scraper)] or by_job, (scraper,), machine)
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
        found = {(s.machine, s.location.path) for s in d.services} | {(t.machine, t.location.path) for t in d.targets}
        found |= {(v.machine, v.location.path) for v in d.env_ports} | {(r.machine, r.location.path) for r in d.routes}
        return found | {(m.machine, s.location.path) for m in d.kubernetes for s in m.services}

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

"""What runs: the document's running list as drift compares the deployment with it.

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
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ...model.lists import host_key
from ...model.lookup import Registry
from ...model.registry import Entry
from ...rules.findings import Finding
from ..deployment import Deployment
from .matching import Matcher


def entry_number(registry: Registry, entry: Entry) -> int:
    """What a finding's ``entry`` holds: the entry's place in :attr:`Registry.every_entry` (rows, then items)."""
    return entry.index + len(registry.entries) if entry.source == "list" else entry.index


def matched_entry(registry: Registry, finding: Finding) -> Entry | None:
    """The entry a drift finding's record was matched to (a table row or a list item), or None."""
    return registry.every_entry[finding.entry] if finding.entry is not None else None


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

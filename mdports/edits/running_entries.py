"""Which running entry a ``--host`` edit means, and which ports are free on that host.

The running layer of a host is every entry that says the service runs there: the items of its
list of running ports and the rows of tables that say where services run (a Host column, a
Current Port beside a Default Port). An edit names the host as the user wrote it
(:class:`OnHost`); :func:`~mdports.model.hosts.resolve_host` finds the document's host, and the
entries of both kinds on it are looked up, checked for a free port and for a free name here, so
that an edit of a list item and an edit of a table row refuse the same things the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import NotFoundError, RefusedError, UsageError
from ..model.hosts import HostAddresses, host_key, resolve_host, running_on
from ..model.lookup import Registry
from ..model.names import fold_name
from ..model.reading import build
from ..model.registry import Entry
from ..model.vocabulary import DEFAULT, Vocabulary
from ..syntax.document import Document


@dataclass(frozen=True)
class OnHost:
    """Where a ``--host`` edit goes: the host as the user named it, the configured hosts, the date."""

    name: str
    configured: HostAddresses | None = None  # ``[hosts.NAME]`` of the configuration and their addresses
    date: datetime.date | None = None  # the "Last updated" date to write, None to keep it
    vocab: Vocabulary = DEFAULT

    def read(self, document: Document) -> tuple[Registry, str]:
        """The document's registry and the host (as the document writes it) this edit targets."""
        registry = build(document, self.vocab)
        return registry, resolve_host(registry, self.name, self.configured)


def running_entry(registry: Registry, host: str, key: str) -> Entry:
    """The running entry of service (or port) ``key`` on ``host``; refused when there is none or several."""
    entries = [e for e in running_on(registry, host) if e.service is not None]
    named = [e for e in entries if fold_name(e.service or "") == fold_name(key)]
    digits = key.strip()
    if not named and digits.isdigit() and digits.isascii() and len(digits) <= 5:
        named = [e for e in entries if int(digits) in e.ports]
    if not named:
        services = ", ".join(e.service or "" for e in entries[:8]) + (", ..." if len(entries) > 8 else "")
        where = "its list names" if all(e.source == "list" for e in entries) else "the document runs there"
        raise NotFoundError(
            f"{key} does not run on {host} ({where} {services or 'nothing'})",
            path=registry.path,
            hint="`mdports list` shows every running entry with its host",
        )
    if len(named) > 1:
        lines = ", ".join(str(e.line) for e in named)
        raise RefusedError(
            f"{key} is listed {len(named)} times on {host} (lines {lines}); mdports cannot tell which one you mean",
            path=registry.path,
            hint="edit the document by hand, or remove the entry listed twice first",
        )
    return named[0]


def last_on(registry: Registry, host: str) -> Entry:
    """The host's last running entry in the document: a new one goes after it, in its list or table."""
    entries = running_on(registry, host)
    if not entries:
        raise RefusedError(
            f"nothing runs on {host} by the document (it names the host, but no list or table of running ports does)",
            path=registry.path,
            hint="add the first entry by hand, under a label or in a table with a Host column",
        )
    return entries[-1]


def heading_of(registry: Registry, entry: Entry) -> str:
    """The heading a change is reported under: a list's own ("Running today"), else its section's."""
    if entry.source == "list":
        return registry.lists[entry.table].heading or registry.sections[entry.section].heading
    return registry.sections[entry.section].heading


def _taken(registry: Registry, host: str, besides: Entry | None = None) -> dict[int, Entry]:
    return {port: e for e in running_on(registry, host) if e is not besides for port in e.ports}


def check_free(registry: Registry, host: str, port: int, besides: Entry | None = None) -> None:
    """Refuse ``port`` when another running entry of ``host`` holds it."""
    holder = _taken(registry, host, besides).get(port)
    if holder is not None:
        raise RefusedError(
            f"port {port} on {host} is already taken by {holder.service or holder.label} (line {holder.line})",
            path=registry.path,
            hint="choose another --port, or --range for the next port free on that host",
        )


def free_port(registry: Registry, host: str, service: str, range_: str | None, besides: Entry | None = None) -> int:
    """A port for ``service`` on ``host``: the next of ``range_`` free there, else the plan's port for it.

    Free on the host means no running entry of that host holds it and the plan gives it to no
    other service (taking another service's planned port would make new debt).
    """
    taken = _taken(registry, host, besides)
    planned = [e for e in registry.entries if e.layer == "planned"]
    if range_ is None:
        own = [p for e in planned if e.service and fold_name(e.service) == fold_name(service) for p in e.ports]
        if own and own[0] not in taken:
            return own[0]
        raise UsageError(
            f"{service} has no planned port that is free on {host}",
            path=registry.path,
            hint="give --port, or --range for the next port free on that host",
        )
    section = registry.section(range_)
    if section.range is None:
        raise UsageError(f"section {section.heading!r} declares no range", path=registry.path, hint="give --port")
    others = {p for e in planned if e.service and e.service != service for p in e.ports}
    for port in section.range:
        if port not in taken and port not in others:
            return port
    raise RefusedError(
        f"no port of {section.range} is free on {host}", path=registry.path, hint="choose another --range or --port"
    )


def check_name_free(registry: Registry, entries: Sequence[Entry], new: str) -> None:
    """Refuse ``new`` when another service of that name runs on a host one of ``entries`` runs on."""
    hosts = {host_key(e.host or "") for e in entries}
    for other in registry.every_entry:
        if (
            other.layer == "running"
            and other.service
            and fold_name(other.service) == fold_name(new)
            and host_key(other.host or "") in hosts
        ):
            raise RefusedError(
                f"{new} already runs on {other.host} at line {other.line}",
                path=registry.path,
                hint="choose another name, or remove that entry first",
            )

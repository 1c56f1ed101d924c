"""The MP3xx findings: the document against the sockets of this machine, a host's answers, a compose file.

Each check returns a :class:`LiveResult`: a line per port for people (what listens, what
answered) and a :class:`~mdports.rules.findings.Report` for the usual formats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..deploy.compose import ComposeService
from ..deploy.matching import name_key
from ..deploy.port_findings import ips_clash
from ..location import Location
from ..model.lookup import Registry
from ..model.ports import PortRange, format_ports
from ..model.registry import Entry
from ..readonly import readonly
from ..rules.findings import Finding, Report
from ..rules.live_rules import (
    HOST_SILENT,
    NOT_LISTENING,
    PORT_CLOSED,
    PREFLIGHT_TAKEN,
    RESERVED_LISTENER,
    UNDOCUMENTED_LISTENER,
    UNEXPECTED_HOLDER,
)
from .sockets import HostCheck, Listener

# Processes that hold a port for a container: their name says nothing about the service.
CONTAINER_HOLDERS = frozenset(
    {"docker-proxy", "rootlessport", "rootlesskit", "conmon", "slirp4netns", "pasta", "containerd-shim", "vpnkit"}
)


@readonly
class PortLine:
    """One port as ``live`` prints it: where, what the document says, and what was found."""

    port: int
    protocol: str
    state: str  # listening, not listening, open, closed, no answer, not tried, taken, free
    service: str | None  # the documented service, None for an undocumented port
    holder: str = ""  # the process, or why the port did not answer
    line: int = 0  # the line in the document (or compose file) it comes from


@readonly
class LiveResult:
    mode: str  # local, host or preflight
    target: str  # "this machine", the host as given, or the compose files
    lines: tuple[PortLine, ...]
    report: Report


def _checked(registry: Registry, entry: Entry) -> bool:
    """An assigned entry with readable ports that a process would hold (a container port is not a host's)."""
    if entry.service is None or not entry.spans:
        return False
    return entry.source != "table" or registry.tables[entry.table].port_kind != "container"


def entries_for(registry: Registry, names: Iterable[str], addresses: Iterable[str] = ()) -> list[Entry]:
    """The entries a machine should run: the running layer's for a host it is known by, else the plan's.

    ``names`` are the names the machine may have in the document (its host name, a configured
    host), ``addresses`` its addresses; the plan's entries are those naming no host.
    """
    folded = {name.casefold() for name in names if name}
    known = set(addresses)
    running = [
        e
        for e in registry.every_entry
        if e.layer == "running"
        and _checked(registry, e)
        and ((e.host or "").casefold() in folded or (e.address is not None and e.address in known))
    ]
    if running:
        return running
    return [e for e in registry.entries if e.layer == "planned" and e.host is None and _checked(registry, e)]


def _mentions(listener: Listener, service: str) -> bool:
    """Whether the holder's name or command line names the service (a word of three letters or more)."""
    key = name_key(service)
    words = [word for word in key.split("-") if len(word) >= 3] or [key]
    text = name_key(f"{listener.process or ''} {listener.command}")
    return any(word in text for word in words)


def _location(path: str, entry: Entry) -> Location:
    return Location(path, entry.line, entry.port_column)


def check_local(registry: Registry, listeners: Sequence[Listener], entries: Sequence[Entry], path: str) -> LiveResult:
    """MP301-MP304 on this machine: documented ports nobody holds, holders that do not match, and strays."""
    by_port = _by_port(listeners)
    findings: list[Finding] = []
    lines: list[PortLine] = []
    for entry in entries:
        assert entry.service is not None
        held_any = False
        for port in entry.ports:
            for protocol in entry.protocols:
                holders = by_port.get((port, protocol), [])
                held_any = held_any or bool(holders)
                if holders:
                    lines.append(PortLine(port, protocol, "listening", entry.service, holders[0].holder, entry.line))
                elif len(entry.ports) == 1:
                    lines.append(PortLine(port, protocol, "not listening", entry.service, "", entry.line))
                visible = [h for h in holders if h.pid is not None and h.process not in CONTAINER_HOLDERS]
                if visible and not any(_mentions(h, entry.service) for h in visible):
                    findings.append(
                        Finding(
                            UNEXPECTED_HOLDER,
                            _location(path, entry),
                            f"{entry.service}'s port {port}/{protocol} is held by {visible[0].holder}, "
                            "whose name does not mention it",
                            "a hint, not an error: check that the right service runs there (a runtime such as "
                            "node or python names its script on its command line)",
                            (port,),
                            entry.section,
                            entry=entry,
                        )
                    )
        if not held_any:
            ports = format_ports(entry.ports)
            if len(entry.ports) > 1:
                lines.append(
                    PortLine(entry.ports[0], entry.protocols[0], "not listening", entry.service, "", entry.line)
                )
            findings.append(
                Finding(
                    NOT_LISTENING,
                    _location(path, entry),
                    f"{entry.service}: nothing listens on {ports} ({'/'.join(entry.protocols)}) on this machine",
                    "start the service, or check that it binds the documented port",
                    entry.ports,
                    entry.section,
                    entry=entry,
                )
            )
    # Per protocol: a UDP listener on a port documented for TCP only is no documented service's.
    documented = {
        (port, protocol)
        for entry in registry.every_entry
        if entry.service is not None
        for port in entry.ports
        for protocol in entry.protocols
    }
    seen: set[tuple[int, str]] = set()
    for listener in listeners:
        key = (listener.port, listener.protocol)
        if key in documented or key in seen:
            continue
        seen.add(key)
        placeholders = [e for e in registry.by_port.get(listener.port, ()) if e.service is None]
        if placeholders:
            entry = placeholders[0]
            reserved = f"({entry.marker})"
            lines.append(PortLine(listener.port, listener.protocol, "listening", reserved, listener.holder, entry.line))
            findings.append(
                Finding(
                    RESERVED_LISTENER,
                    _location(path, entry),
                    f"{listener.port}/{listener.protocol} is reserved in the document, but {listener.holder} "
                    f"listens on it (on {listener.address})",
                    "document the service on that port, or move it off the reserved port",
                    (listener.port,),
                    entry.section,
                )
            )
            continue
        section = registry.section_holding(listener.port)
        if section is None:
            continue
        lines.append(PortLine(listener.port, listener.protocol, "listening", None, listener.holder, section.line))
        findings.append(
            Finding(
                UNDOCUMENTED_LISTENER,
                Location(path, section.line, 1),
                f"{listener.holder} listens on {listener.port}/{listener.protocol} (on {listener.address}), "
                f"inside {section.title!r} ({section.range}), but no entry documents {listener.protocol} there",
                f"document it (mdports add NAME --port {listener.port}), or stop what listens there",
                (listener.port,),
                section.index,
            )
        )
    lines.sort(key=lambda line: (line.port, line.protocol))
    return LiveResult("local", "this machine", tuple(lines), Report(path, tuple(_sorted(findings))))


def check_remote(
    registry: Registry, result: HostCheck, entries: Sequence[Entry], scanned: PortRange | None, path: str
) -> LiveResult:
    """MP305, MP306 and MP302 for a --host: documented ports that did not answer, a silent host, open strays."""
    probes = {probe.port: probe for probe in result.probes}
    findings: list[Finding] = []
    lines: list[PortLine] = []
    where = result.host if result.host == result.address else f"{result.host} ({result.address})"
    if result.silent and entries:
        first = entries[0]
        findings.append(
            Finding(
                HOST_SILENT,
                _location(path, first),
                f"{where} answered on none of {len(probes)} port(s) within the timeout",
                "check that the host is up and reachable from here (a VPN, a firewall), or raise --timeout",
                tuple(sorted(probes))[:100],
                first.section,
            )
        )
    documented: set[int] = set()
    for entry in entries:
        assert entry.service is not None
        failed = []
        for port in entry.ports:
            probe = probes.get(port)
            if probe is None:
                continue
            documented.add(port)
            lines.append(PortLine(port, "tcp", probe.state, entry.service, probe.detail, entry.line))
            if probe.state in ("closed", "no answer"):
                failed.append(probe)
        if failed and not result.silent:
            ports = format_ports([p.port for p in failed])
            findings.append(
                Finding(
                    PORT_CLOSED,
                    _location(path, entry),
                    f"{entry.service}: {where} port {ports}: {failed[0].detail}",
                    "start the service on that host, or correct the document if it moved",
                    tuple(p.port for p in failed),
                    entry.section,
                    entry=entry,
                )
            )
    if scanned is not None:
        known = {port for e in registry.every_entry if e.service is not None for port in e.ports}
        for port in scanned:
            probe = probes.get(port)
            if probe is None or port in documented:
                continue
            if probe.state == "open":
                lines.append(PortLine(port, "tcp", "open", None, "", 0))
                if port not in known:
                    section = registry.section_holding(port)
                    findings.append(
                        Finding(
                            UNDOCUMENTED_LISTENER,
                            Location(path, section.line if section else 1, 1),
                            f"{where} port {port}/tcp is open, but no entry documents it",
                            f"document it (mdports add NAME --port {port}), or close it on that host",
                            (port,),
                            section.index if section else None,
                        )
                    )
    lines.sort(key=lambda line: line.port)
    return LiveResult("host", where, tuple(lines), Report(path, tuple(_sorted(findings))))


def check_preflight(services: Sequence[ComposeService], listeners: Sequence[Listener], path: str) -> LiveResult:
    """MP307: every host port the compose files would publish that a process here already holds."""
    by_port = _by_port(listeners)
    findings: list[Finding] = []
    lines: list[PortLine] = []
    for service in services:
        for port, protocol, mapping in service.published_ports():
            taken = [h for h in by_port.get((port, protocol), []) if ips_clash(h.address, mapping.host_ip)]
            if not taken:
                lines.append(PortLine(port, protocol, "free", service.name, "", mapping.location.line))
                continue
            holder = taken[0]
            lines.append(PortLine(port, protocol, "taken", service.name, holder.holder, mapping.location.line))
            findings.append(
                Finding(
                    PREFLIGHT_TAKEN,
                    mapping.location,
                    f"compose service {service.name} would publish {port}/{protocol}, but {holder.holder} "
                    f"already listens on it (on {holder.address})",
                    "stop that process or publish another host port; if it is this project's own container, "
                    "`docker compose down` first",
                    (port,),
                )
            )
    lines.sort(key=lambda line: (line.port, line.protocol))
    return LiveResult("preflight", path, tuple(lines), Report(path, tuple(findings)))


def _by_port(listeners: Iterable[Listener]) -> dict[tuple[int, str], list[Listener]]:
    """The listeners on each (port, protocol)."""
    found: dict[tuple[int, str], list[Listener]] = {}
    for listener in listeners:
        found.setdefault((listener.port, listener.protocol), []).append(listener)
    return found


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.location, f.rule.id))

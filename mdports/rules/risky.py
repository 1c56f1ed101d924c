"""Known-risky ports (MP115-MP119): ports a machine may take before the service does, and
Kubernetes port names Kubernetes refuses.

Each is a warning of its own, switched off with ``ignore`` like any rule; the ranges and the
platforms come from the configuration (``ephemeral-range``, ``platforms``,
``windows-excluded-ranges``). Only assigned registry rows are checked: a running list says
what runs, not what was chosen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType

from ..model.lookup import Registry
from ..model.names import name_words
from ..model.ports import NO_PORT, PortRange, strip_markup
from ..model.registry import Entry
from ..model.vocabulary import normalize_header
from .entries import entry_finding
from .entry_rules import DYNAMIC_PORT, EPHEMERAL_PORT, EXCLUDED_PORT, KUBERNETES_PORT_NAME, OS_SERVICE_PORT
from .findings import Finding, Rule, Settings

IANA_DYNAMIC = PortRange(49152, 65535)
# Ports a common OS service listens on out of the box, by platform (where it is well known).
OS_SERVICES: Mapping[str, Mapping[int, str]] = MappingProxyType(
    {
        "macos": MappingProxyType({5000: "the AirPlay Receiver (Control Center)", 7000: "the AirPlay Receiver"}),
        "windows": MappingProxyType(
            {
                135: "the RPC endpoint mapper",
                445: "SMB file sharing",
                2869: "SSDP/UPnP (Windows Media sharing)",
                3389: "Remote Desktop",
                5040: "the Connected Devices Platform service",
                5357: "Web Services on Devices (WSDAPI)",
            }
        ),
        "linux": MappingProxyType({111: "rpcbind", 631: "CUPS printing", 5353: "Avahi (mDNS)"}),
    }
)
# RFC 6335 service name: 1-15 of a-z, 0-9 and '-', a letter somewhere, no '-' at either end or twice.
_IANA_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KUBERNETES_WORDS = frozenset({"kubernetes", "k8s", "k3s", "k3d", "kind", "helm", "pod", "pods", "containerport"})
_PORT_NAME_HEADERS = frozenset({"port name", "k8s port name", "kubernetes port name", "container port name"})


def _checked(registry: Registry) -> Iterator[Entry]:
    return (e for e in registry.entries if e.service is not None and e.spans and e.layer == "planned")


def check_ephemeral_ports(registry: Registry, path: str, settings: Settings) -> Iterator[Finding]:
    span = settings.ephemeral_range
    yield from _in_range(
        registry,
        path,
        lambda port: port in span,
        EPHEMERAL_PORT,
        f"in the Linux ephemeral range {span}: an outgoing connection may take it before the service starts",
        f"choose a port below {span.lo}, or reserve it (sysctl net.ipv4.ip_local_reserved_ports)",
    )


def check_dynamic_ports(registry: Registry, path: str, settings: Settings) -> Iterator[Finding]:
    linux = settings.ephemeral_range
    yield from _in_range(
        registry,
        path,
        lambda port: port in IANA_DYNAMIC and port not in linux,
        DYNAMIC_PORT,
        f"in the IANA dynamic range {IANA_DYNAMIC}: macOS and Windows hand it to outgoing connections",
        f"choose a port below {IANA_DYNAMIC.lo}",
    )


def _in_range(
    registry: Registry, path: str, risky: Callable[[int], bool], rule: Rule, where: str, hint: str
) -> Iterator[Finding]:
    """One finding per section, at its first risky row: the range a section was given is the
    decision to revisit, and a registry of thousands of rows up there is not thousands of findings."""
    first: dict[int, tuple[Entry, list[int]]] = {}
    for entry in _checked(registry):
        ports = [port for port in entry.ports if risky(port)]
        if ports:
            first.setdefault(entry.section, (entry, []))[1].extend(ports)
    for entry, ports in first.values():
        others = len(ports) - 1
        more = f" (and {others} more port{'s' if others > 1 else ''} of this section)" if others else ""
        yield entry_finding(
            rule,
            path,
            entry,
            entry.port_column,
            f"port {ports[0]} of {entry.service} is {where}{more}",
            hint,
            ports,
        )


def check_os_service_ports(registry: Registry, path: str, settings: Settings) -> Iterator[Finding]:
    taken = {
        port: (platform, what)
        for platform in sorted(settings.platforms)
        for port, what in OS_SERVICES[platform].items()
    }
    if not taken:
        return
    for entry in _checked(registry):
        for port in entry.ports:
            if port in taken:
                platform, what = taken[port]
                yield entry_finding(
                    OS_SERVICE_PORT,
                    path,
                    entry,
                    entry.port_column,
                    f"port {port} of {entry.service} is taken by {what} on {platform}",
                    "choose another port, or switch the OS service off on every machine that runs this one",
                    (port,),
                )
                break


def check_excluded_ports(registry: Registry, path: str, settings: Settings) -> Iterator[Finding]:
    if "windows" not in settings.platforms:
        return
    ranges = settings.windows_excluded_ranges
    for entry in _checked(registry):
        found = next(((port, span) for port in entry.ports for span in ranges if port in span), None)
        if found:
            port, span = found
            yield entry_finding(
                EXCLUDED_PORT,
                path,
                entry,
                entry.port_column,
                f"port {port} of {entry.service} is in {span}, a range Windows/Hyper-V may exclude from binding",
                "check `netsh interface ipv4 show excludedportrange protocol=tcp` and choose a port outside "
                "(set windows-excluded-ranges to what it shows)",
                (port,),
            )


def check_kubernetes_port_names(registry: Registry, path: str, settings: Settings) -> Iterator[Finding]:
    """Port names in a ``Port name`` column, or a ``Name`` column under a Kubernetes heading or table."""
    columns = _port_name_columns(registry)
    if not columns:
        return
    for entry in registry.entries:
        header = columns.get(entry.table)
        if header is None:
            continue
        raw = strip_markup(entry.cells.get(header, ""))
        if not raw or raw.lower() in NO_PORT:
            continue  # no name given: Kubernetes does not need one for a single port
        problem = None
        if len(raw) > 15:
            problem = f"is {len(raw)} characters long (at most 15)"
        elif not _IANA_NAME.fullmatch(raw) or not any(c.isalpha() for c in raw):
            problem = "is not a valid IANA service name (lower-case letters, digits and single inner '-')"
        if problem:
            yield entry_finding(
                KUBERNETES_PORT_NAME,
                path,
                entry,
                entry.port_column,
                f"Kubernetes port name {raw!r} {problem}: Kubernetes refuses the manifest",
                "use at most 15 lower-case letters, digits and '-' (such as 'http', 'grpc-web', 'metrics')",
                entry.ports,
            )


def _port_name_columns(registry: Registry) -> dict[int, str]:
    """The header of each table's Kubernetes port-name column, by table index."""
    found: dict[int, str] = {}
    for index, table in enumerate(registry.tables):
        names = [normalize_header(h) for h in table.headers]
        named = next((h for h, n in zip(table.headers, names, strict=True) if n in _PORT_NAME_HEADERS), None)
        if named is None and "name" in names and _about_kubernetes(registry, table.section, names):
            named = table.headers[names.index("name")]
        if named is not None:
            found[index] = named
    return found


def _about_kubernetes(registry: Registry, section: int | None, headers: list[str]) -> bool:
    words = set(name_words(" ".join(headers)))
    while section is not None:
        words |= name_words(registry.sections[section].title)
        section = registry.sections[section].parent
    return bool(words & _KUBERNETES_WORDS)

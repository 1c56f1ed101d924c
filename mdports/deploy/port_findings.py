"""What the document says about a port a deployment record uses: the findings shared by every kind of record.

:func:`port_findings` classifies each port against the document (taken by another entry,
reserved, undocumented, not the entry's own) for a compose service, an env variable, a
scrape target or a Kubernetes Service alike, named in messages by its :class:`Subject`.

Ports a host's records claim: compose mappings, ``NAME_PORT`` variables, and host ports published twice.

Ports that cannot be read, in every kind of deployment file (MP209).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, NamedTuple

from ..location import Location
from ..model.ports import format_ports
from ..model.registry import Entry
from ..readonly import readonly
from ..rules.deployment_rules import (
    DUPLICATE_HOST_PORT,
    PORT_MISMATCH,
    PORT_TAKEN,
    RESERVED_PORT,
    UNDOCUMENTED_PORT,
    UNMATCHED_NAME,
    UNREADABLE_PORT,
)
from ..rules.findings import Finding, Rule
from .compose import ComposePort, ComposeService
from .matching import Context, EntryKey, key_of


@readonly
class Subject:
    """A deployment record as the messages name it: ``compose service auth publishes port ...``."""

    location: Location
    text: str  # "compose service mana-auth", "scrape target mana-auth:3001 (job auth)", "MANA_AUTH_PORT"
    verb: str  # "publishes", "uses", "sets"
    name: str  # the name the record goes by
    machine: str = ""  # the configured host it was read for ("" for the unnamed one)


def ports_text(ports: Iterable[int], protocol: str) -> str:
    text = format_ports(ports)
    return f"{text}/{protocol}" if protocol != "tcp" else text


def _where(entry: Entry) -> str:
    """Which part of the document says it: ``the running list on Web box`` or ``the document``."""
    if entry.source != "list":
        return "the document"
    return f"the running list on {entry.host}" if entry.host else "the running list"


class _Said(NamedTuple):
    """The last fields of a finding about a record: the entry it matched, its name, the entry's layer and host."""

    entry: Entry | None
    deployed_as: str | None
    layer: Literal["planned", "running"] | None
    host: str | None


def _finding(
    rule: Rule,
    at: Location,
    message: str,
    hint: str,
    ports: tuple[int, ...],
    section: int | None,
    said: _Said,
) -> Finding:
    return Finding(
        rule,
        at,
        message,
        hint,
        ports,
        section,
        entry=said.entry,
        deployed_as=said.deployed_as,
        layer=said.layer,
        host=said.host,
    )


def _entries(entries: Sequence[Entry]) -> str:
    return ", ".join(f"{e.service} {format_ports(e.ports)} (line {e.line})" for e in entries)


def documented_ports(entries: Sequence[Entry]) -> str:
    return format_ports(port for e in entries for port in e.ports)


def port_findings(
    ctx: Context,
    subject: Subject,
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

    Matched to running entries (what runs, :mod:`~mdports.deploy.matching`), the record
    is compared with the running list only: the plan's tables are not what it follows. A port
    that the running list of the record's host gives to a service is not undocumented.
    """
    host = ctx.running.host_of(subject.machine, subject.location.path)
    running = bool(entries) and entries[0].source == "list"
    taken: dict[EntryKey, tuple[Entry, list[int]]] = {}
    reserved: dict[int, list[int]] = {}
    undocumented: list[int] = []
    own = {port for e in entries if protocol in e.protocols for port in e.ports}
    for port in ports:
        if port in own:
            continue  # its own port (a running entry on another host too: MP213 says where it runs)
        owners = ctx.owners(port, protocol, host, plan=not running)
        if owners:
            taken.setdefault(key_of(owners[0]), (owners[0], []))[1].append(port)
        elif not running and (holder := ctx.placeholder(port)) is not None:
            reserved.setdefault(holder.index, []).append(port)
        else:
            undocumented.append(port)
    at = subject.location
    home = entries[0].section if entries else None
    # Which entry the record is (only when the name says so unambiguously) and its own name.
    matched = entries[0] if len(entries) == 1 else None
    layer, named_host = (entries[0].layer, entries[0].host) if entries else (None, None)
    said = _Said(matched, subject.name, layer, named_host)
    documented = documented_ports(entries)
    deployed_on = subject.machine or ctx.running.label(host)  # the configured host, else the file's
    on = f" on {deployed_on}" if deployed_on else ""
    for owner, taken_ports in taken.values():
        what = f"{subject.text} {subject.verb} port {ports_text(taken_ports, protocol)}"
        what += on if owner.source == "list" else ""
        if entries:
            yield _finding(
                PORT_TAKEN,
                at,
                f"{what}, which {_where(owner)} gives to {owner.service} (line {owner.line})",
                f"deploy {subject.name} on its documented port {documented}, or correct the document",
                tuple(taken_ports),
                home,
                said,
            )
        elif claim_owner:
            yield _finding(
                UNMATCHED_NAME,
                at,
                f"{what}, which {_where(owner)} gives to {owner.service} (line {owner.line}); "
                f"no entry is named {subject.name}",
                f"if {subject.name} is {owner.service}, call it that (service name or container_name); "
                "otherwise give it a free port",
                tuple(taken_ports),
                owner.section,
                _Said(None, None, owner.layer, owner.host),
            )
    for index, reserved_ports in reserved.items():
        holder = ctx.registry.entries[index]
        documented_note = f"; {subject.name} is documented on {documented}" if entries else ""
        yield _finding(
            RESERVED_PORT,
            at,
            f"{subject.text} {subject.verb} port {ports_text(reserved_ports, protocol)}, which the document marks "
            f"reserved (line {holder.line}){documented_note}",
            f"assign the port to {subject.name} in the document, or deploy it on "
            + (f"its documented port {documented}" if entries else "a documented port"),
            tuple(reserved_ports),
            home if entries else holder.section,
            said,
        )
    if not undocumented:
        return
    what = f"{subject.text} {subject.verb} port {ports_text(undocumented, protocol)}"
    if entries:
        remedy = (
            f"change its running item to {format_ports(undocumented)}"
            if running
            else (f"add {format_ports(undocumented)} to its entry")
        )
        yield _finding(
            PORT_MISMATCH,
            at,
            f"{what}{on if running else ''}; {_where(entries[0])} gives {_entries(entries)}",
            f"deploy {subject.name} on {documented}, or {remedy}",
            tuple(undocumented),
            home,
            said,
        )
        return
    close = ctx.matcher.suggest(subject.name)
    elsewhere = ctx.running.holding(undocumented[0], protocol, None)[:1] if host is not None else ()
    also = "".join(f" on {deployed_on} (its running list gives it to {_entries([e])} on {e.host})" for e in elsewhere)
    yield Finding(
        UNDOCUMENTED_PORT,
        at,
        f"{what}, which the document does not list{also}",
        f"add {subject.name} to the document, or stop using the port"
        + (f" (the document has {close}; if it is the same service, use that name)" if close else ""),
        tuple(undocumented),
        ctx.section_of(undocumented[0]),
        entry=matched,
        deployed_as=subject.name,
    )


_WILDCARD_IPS = frozenset({"", "0.0.0.0", "::"})


def check_compose_ports(ctx: Context) -> Iterator[Finding]:
    """MP201-MP204, MP207 for every fixed host port a compose service publishes."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        if service.host_network:
            continue  # docker ignores ports: under network_mode: host
        for port in service.ports:
            if not port.exact or port.published is None:
                continue
            subject = Subject(
                port.location,
                f"compose service {service.name}",
                "publishes",
                service.name,
                service.machine,
            )
            yield from port_findings(ctx, subject, entries, port.published, port.protocol, claim_owner=True)


def check_env_ports(ctx: Context) -> Iterator[Finding]:
    """MP202-MP204 for ``NAME_PORT`` variables whose name matches an entry.

    Variables that match no entry are not checked: env files also hold ports of services that
    run elsewhere (``SMTP_PORT=587``).
    """
    for variable, entries in zip(ctx.deployment.env_ports, ctx.env_entries, strict=True):
        if not entries or variable.port is None:
            continue
        subject = Subject(
            variable.location,
            variable.variable,
            "sets",
            entries[0].service or "",
            variable.machine,
        )
        yield from port_findings(ctx, subject, entries, (variable.port,), "tcp", claim_owner=False)


def ips_clash(first: str | None, second: str | None) -> bool:
    """Whether two bind addresses take the same port: either is a wildcard, or they are the same."""
    return (first or "") in _WILDCARD_IPS or (second or "") in _WILDCARD_IPS or first == second


def check_duplicate_host_ports(ctx: Context) -> Iterator[Finding]:
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
                    if other_service.name != service.name and ips_clash(port.host_ip, other.host_ip):
                        clashes.setdefault(id(other), (other_service, other, []))[2].append(number)
                bound.setdefault(key, []).append((service, port))
            for other_service, other, numbers in clashes.values():
                owners = ctx.owners(numbers[0], port.protocol)
                yield Finding(
                    DUPLICATE_HOST_PORT,
                    port.location,
                    f"host port {ports_text(numbers, port.protocol)} of compose service {service.name} is already "
                    f"published by {other_service.name} ({other.location.path_line})",
                    "two containers cannot bind one host port; give one of them another port",
                    tuple(numbers),
                    owners[0].section if owners else ctx.section_of(numbers[0]),
                )


def check_unreadable_ports(ctx: Context) -> Iterator[Finding]:
    """MP209: ports that cannot be read, in compose files, scrape targets, tunnels and matched env variables."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        for port in service.ports:
            if port.error:
                yield Finding(
                    UNREADABLE_PORT,
                    port.location,
                    f"compose service {service.name}: cannot read port {port.text!r}: {port.error}",
                    'write HOST:CONTAINER[/PROTOCOL] ("3001:3001"), or give the variable a default (${VAR:-3001})',
                    (),
                    entries[0].section if entries else None,
                )
    for target in ctx.deployment.targets:
        if target.error:
            yield Finding(
                UNREADABLE_PORT,
                target.location,
                f"scrape target {target.text!r} cannot be read: {target.error}",
                "write the target as host:port or as a URL",
            )
    for route in ctx.deployment.routes:
        if route.error:
            yield Finding(
                UNREADABLE_PORT,
                route.location,
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
                        kube_port.location,
                        f"kubernetes Service {kube_service.name}: {kube_port.error}",
                        "write the port as a number (3001)",
                        (),
                        entries[0].section if entries else None,
                    )
    for variable, entries in zip(ctx.deployment.env_ports, ctx.env_entries, strict=True):
        if variable.error and entries:
            yield Finding(
                UNREADABLE_PORT,
                variable.location,
                f"{variable.variable}: {variable.error}",
                "set it to one port number (3001)",
                (),
                entries[0].section,
            )

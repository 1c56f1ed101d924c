"""Ports a host's records claim: compose mappings, ``NAME_PORT`` variables, and host ports published twice."""

from __future__ import annotations

from collections.abc import Iterator

from ...rules.deployment_rules import DUPLICATE_HOST_PORT
from ...rules.findings import Finding
from ..compose import ComposePort, ComposeService
from .context import Context
from .port_findings import Subject, port_findings, ports_text

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
                port.path,
                port.line,
                port.column,
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
            variable.path,
            variable.line,
            variable.column,
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
                    port.path,
                    port.line,
                    port.column,
                    f"host port {ports_text(numbers, port.protocol)} of compose service {service.name} is already "
                    f"published by {other_service.name} ({other.path}:{other.line})",
                    "two containers cannot bind one host port; give one of them another port",
                    tuple(numbers),
                    owners[0].section if owners else ctx.section_of(numbers[0]),
                )

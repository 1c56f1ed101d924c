"""Ports that cannot be read, in every kind of deployment file (MP209)."""

from __future__ import annotations

from collections.abc import Iterator

from ...rules.deployment_rules import UNREADABLE_PORT
from ...rules.findings import Finding
from .context import Context


def check_unreadable_ports(ctx: Context) -> Iterator[Finding]:
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

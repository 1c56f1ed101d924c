"""Addresses traffic is sent to: scrape targets, probes, tunnel routes and traefik routers.

An address is resolved to what it names (:class:`~mdports.deploy.matching.TargetMatch`):
on a compose service its port is a container port, which must be one the container listens
on; on a configured host it is a host port, which something must publish there.

Kubernetes manifests: Services against the document, targetPorts and Ingress backends against what listens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ..location import Location
from ..model.ports import format_ports
from ..rules.deployment_rules import DUPLICATE_HOSTNAME, SCRAPE_PORT_TAKEN, SCRAPE_PUBLISHED_PORT, UNLISTENED_PORT
from ..rules.findings import Finding
from .compose import ComposePort, ComposeService
from .kubernetes import KubeService, Workload
from .matching import Context, TargetMatch, key_of
from .port_findings import Subject, documented_ports, port_findings
from .targets import TunnelRoute


def _container_ports(services: Iterable[ComposeService]) -> set[int]:
    """The ports the services' containers are known to listen on: mapping targets and ``expose``."""
    return {port for service in services for port in service.container_ports}


def _published_instead(services: Iterable[ComposeService], port: int) -> tuple[ComposePort, int] | None:
    """The mapping that publishes ``port`` on the host, and the container port behind it."""
    for service in services:
        for mapping in service.ports:
            host_port = mapping.published
            if mapping.exact and host_port is not None and mapping.target is not None and port in host_port:
                return mapping, mapping.target.lo + (port - host_port.lo)
    return None


def _unlistened(at: Subject, message: str, hint: str, port: int, section: int | None) -> Finding:
    return Finding(UNLISTENED_PORT, at.location, message, hint, (port,), section)


def _compose_target(ctx: Context, subject: Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """A target on a compose service addresses a container port, not a host port.

    A port the service's container listens on (a mapping's target or ``expose``) is fine; its
    host port, if any, is checked where the compose file publishes it. A published host port
    instead of the container port is MP208; a port the document gives to another service is
    MP210; any other port, when the service declares ports at all, is MP211. A service that
    declares none may listen anywhere: it is not checked.
    """
    listens = _container_ports(match.services)
    if port in listens:
        return
    host = subject.name
    section = match.entries[0].section if match.entries else None
    found = _published_instead(match.services, port)
    if found is not None:
        mapping, container_port = found
        yield Finding(
            SCRAPE_PUBLISHED_PORT,
            subject.location,
            f"{subject.text} {subject.verb} the published port {port}; inside the compose "
            f"network {host} listens on {container_port} ({mapping.location.path_line})",
            f"address {host}:{container_port}: inside the network a container is reached on its container port",
            (port,),
            section,
        )
        return
    mine = {key_of(e) for e in match.entries}
    owners = ctx.owners(port, "tcp", ctx.running.host_of(subject.machine, subject.location.path))
    listed = format_ports(listens) or "none"
    if match.entries and owners and not any(key_of(owner) in mine for owner in owners):
        yield Finding(
            SCRAPE_PORT_TAKEN,
            subject.location,
            f"{subject.text} {subject.verb} port {port}, which the document gives to {owners[0].service} "
            f"(line {owners[0].line}); compose service {host} lists no such container port ({listed})",
            f"address {host} on its own port ({documented_ports(match.entries)} in the document); if the container "
            "does listen there, add the port to its expose: list",
            (port,),
            section,
        )
    elif listens:
        service = match.services[0]
        yield _unlistened(
            subject,
            f"{subject.text} {subject.verb} port {port}, but compose service {service.name} listens on "
            f"{listed} ({service.location.path_line})",
            f"address {host} on a port it listens on, or add {port} to its expose: list if it listens there",
            port,
            section,
        )


def _machine_port(ctx: Context, subject: Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """A host port of a configured host whose compose files are given: something must publish it.

    When the job (or an alias) names the service meant and it runs on that host on another
    port, the port reaching some other service is reported too.
    """
    where = match.machine or "this host"
    if match.services:
        meant = {key_of(e) for e in match.entries}
        reached = {key_of(e) for s in match.services for e in ctx.by_service[id(s)]}
        if not meant or meant & reached:
            return
        elsewhere = [found for index in meant for found in ctx.entry_mappings.get((match.machine, index), ())]
        if not elsewhere:
            return
        service, mapping = elsewhere[0]
        yield _unlistened(
            subject,
            f"{subject.text} {subject.verb} port {port}, which {match.services[0].name} publishes on {where} "
            f"({match.services[0].location.path}:{match.services[0].location.line}); {service.name} is published on "
            f"{mapping.text} ({mapping.location.path_line})",
            f"address {service.name} on the port it is published on, or move it back to {port}",
            port,
            match.entries[0].section,
        )
        return
    owners = ctx.owners(port, "tcp", ctx.running.host_of(match.machine, subject.location.path))
    if not owners:  # undocumented or reserved: what the document says is the finding
        yield from port_findings(ctx, subject, match.entries, (port,), "tcp", claim_owner=False)
        return
    hosts = ctx.hosts_of(owners)
    if match.machine in hosts:
        return  # its service runs here, on a port its own compose check reports
    owner = owners[0]
    runs = f"which runs on {', '.join(sorted(hosts))}" if hosts else "which appears in no deployment file"
    yield _unlistened(
        subject,
        f"{subject.text} {subject.verb} port {port}, but no compose service on {where} publishes it; the "
        f"document gives it to {owner.service} (line {owner.line}), {runs}",
        "deploy the service on that port, or correct the address",
        port,
        owner.section,
    )


def _address_findings(ctx: Context, subject: Subject, match: TargetMatch, port: int) -> Iterator[Finding]:
    """The findings for one address (scrape target, probe or tunnel route), by what it resolved to."""
    if match.kind == "compose":
        yield from _compose_target(ctx, subject, match, port)
    elif match.kind == "machine" and ctx.knows_ports(match.machine):
        yield from _machine_port(ctx, subject, match, port)
    elif match.kind in ("machine", "host"):
        yield from port_findings(ctx, subject, match.entries, (port,), "tcp", claim_owner=False)


def check_scrape_targets(ctx: Context) -> Iterator[Finding]:
    """MP208, MP210, MP211 for targets on compose services; MP211 or MP201-MP204 for host ports.

    A target is resolved by its host (an address of a configured host, a compose service or
    container name, else an entry name), then its ``job_name`` (see :class:`TargetMatch`);
    a probed address is resolved by its host alone. Only a port known to be a host port is
    compared with the document, which lists host ports: a container's port is not.
    """
    for target, match in zip(ctx.deployment.targets, ctx.target_matches, strict=True):
        if target.port is None or match.kind in ("container", "remote", "skipped"):
            continue
        job = f" (job {target.job})" if target.job else " (alertmanager)"
        what = "probe target" if target.role == "probe" else "scrape target"
        if match.kind == "compose":
            name = target.host
        else:
            name = match.entries[0].service or target.host if match.entries else (target.job or target.host)
        subject = Subject(target.location, f"{what} {target.text}{job}", "uses", name, target.machine)
        yield from _address_findings(ctx, subject, match, target.port)


def check_tunnel_routes(ctx: Context) -> Iterator[Finding]:
    """MP211 or MP201-MP204 for the local port of each cloudflared ingress rule; MP212 for a hostname twice.

    cloudflared sends a hostname's traffic to the first rule that matches it: a second rule for
    the same hostname and path is never used.
    """
    first: dict[tuple[str, str, str | None], TunnelRoute] = {}
    for route, match in zip(ctx.deployment.routes, ctx.route_matches, strict=True):
        if route.hostname is not None:
            key = (route.machine, route.hostname, route.path_pattern)
            earlier = first.setdefault(key, route)
            if earlier is not route:
                yield Finding(
                    DUPLICATE_HOSTNAME,
                    Location(route.location.path, route.hostname_line, route.location.column),
                    f"tunnel hostname {route.hostname} is routed again (first at {earlier.location.path}:"
                    f"{earlier.hostname_line}, to {earlier.service}); cloudflared uses the first rule, so this one "
                    f"({route.service}) is never used",
                    "remove one of the two rules, or give them different paths",
                )
        if route.port is None or match.kind in ("container", "remote", "skipped"):
            continue
        name = route.hostname or route.service
        subject = Subject(route.location, f"tunnel route {name} -> {route.service}", "uses", name, route.machine)
        yield from _address_findings(ctx, subject, match, route.port)


def check_traefik_routes(ctx: Context) -> Iterator[Finding]:
    """MP211: a traefik router sends traffic to a container port its service does not listen on."""
    for service, entries in zip(ctx.deployment.services, ctx.service_entries, strict=True):
        listens = service.container_ports
        for route in service.routes:
            if route.port is None or not listens or route.port in listens:
                continue
            yield Finding(
                UNLISTENED_PORT,
                route.location,
                f"traefik service {route.router} of compose service {service.name} sends traffic to port "
                f"{route.port}, but the container listens on {format_ports(listens)}",
                f"set loadbalancer.server.port to the port {service.name} listens on, or expose {route.port}",
                (route.port,),
                entries[0].section if entries else None,
            )


def _selected(service: KubeService, workloads: Sequence[Workload]) -> list[Workload]:
    """The workloads a Service selects (every selector label on the pod), else the one of its name."""
    if service.selector:
        chosen = [w for w in workloads if set(service.selector) <= set(w.labels)]
        if chosen:
            return chosen
    return [w for w in workloads if w.name == service.name]


def check_kubernetes(ctx: Context) -> Iterator[Finding]:
    """Kubernetes Services like compose services, by name: ``port`` and ``nodePort`` against the
    document (MP201-MP204, MP207), ``targetPort`` and Ingress backends against what listens (MP211)."""
    by_machine: dict[str, tuple[list[Workload], dict[str, KubeService]]] = {}
    for manifests in ctx.deployment.kubernetes:
        workloads, services = by_machine.setdefault(manifests.machine, ([], {}))
        workloads.extend(manifests.workloads)
        services.update((service.name, service) for service in manifests.services)
    for manifests in ctx.deployment.kubernetes:
        workloads, services = by_machine[manifests.machine]
        for service in manifests.services:
            entries = ctx.kube_entries[id(service)]
            section = entries[0].section if entries else None
            pods = _selected(service, workloads)
            container_ports = {p.port for w in pods for p in w.ports}
            named = {p.name: p.port for w in pods for p in w.ports if p.name}
            for port in service.ports:
                if port.error:
                    continue  # MP209, with the other unreadable ports
                protocol = port.protocol if port.protocol in ("tcp", "udp", "sctp") else "tcp"
                text = f"kubernetes Service {service.name}"
                if port.port is not None:
                    at = Subject(port.location, text, "exposes", service.name, manifests.machine)
                    yield from port_findings(ctx, at, entries, (port.port,), protocol, claim_owner=True)
                if port.node_port is not None:
                    at = Subject(port.location, text, "exposes node", service.name, manifests.machine)
                    yield from port_findings(ctx, at, entries, (port.node_port,), protocol, claim_owner=True)
                target = port.target if port.target is not None else (str(port.port) if port.port else None)
                if target is None or not container_ports:
                    continue
                listens = target in named if not target.isdigit() else int(target) in container_ports
                if not listens:
                    pod_names = ", ".join(f"{w.kind} {w.name}" for w in pods)
                    declared = format_ports(container_ports)
                    names = f"; named: {', '.join(sorted(named))}" if named else ""
                    yield Finding(
                        UNLISTENED_PORT,
                        port.target_location,
                        f"kubernetes Service {service.name} sends port {port.port} to targetPort {target}, but "
                        f"{pod_names} declares containerPort {declared}{names}",
                        "set targetPort to the port the container listens on (a number or its name)",
                        (int(target),) if target.isdigit() else (),
                        section,
                    )
        for backend in manifests.backends:
            backend_service = services.get(backend.service)
            if backend_service is None:
                continue
            numbers = {p.port for p in backend_service.ports if p.port is not None}
            port_names = {p.name for p in backend_service.ports if p.name}
            if (backend.port is not None and backend.port not in numbers) or (
                backend.port_name is not None and backend.port_name not in port_names
            ):
                wanted = backend.port if backend.port is not None else backend.port_name
                entries = ctx.kube_entries[id(backend_service)]
                yield Finding(
                    UNLISTENED_PORT,
                    backend.location,
                    f"ingress backend {backend.service}:{wanted} names a port Service {backend.service} does not "
                    f"have ({format_ports(numbers) or 'none'}; {backend_service.location.path_line})",
                    "use one of the Service's ports (port number or name)",
                    (backend.port,) if backend.port is not None else (),
                    entries[0].section if entries else None,
                )

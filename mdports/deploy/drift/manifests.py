"""Kubernetes manifests: Services against the document, targetPorts and Ingress backends against what listens."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ...model.ports import format_ports
from ...rules.deployment_rules import UNLISTENED_PORT
from ...rules.findings import Finding
from ..kubernetes import KubeService, Workload
from .context import Context
from .port_findings import Subject, port_findings


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
                    at = Subject(port.path, port.line, port.column, text, "exposes", service.name, manifests.machine)
                    yield from port_findings(ctx, at, entries, (port.port,), protocol, claim_owner=True)
                if port.node_port is not None:
                    at = Subject(
                        port.path, port.line, port.column, text, "exposes node", service.name, manifests.machine
                    )
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
                        port.path,
                        port.target_line,
                        port.target_column,
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
                    backend.path,
                    backend.line,
                    backend.column,
                    f"ingress backend {backend.service}:{wanted} names a port Service {backend.service} does not "
                    f"have ({format_ports(numbers) or 'none'}; {backend_service.path}:{backend_service.line})",
                    "use one of the Service's ports (port number or name)",
                    (backend.port,) if backend.port is not None else (),
                    entries[0].section if entries else None,
                )

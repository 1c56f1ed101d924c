r"""Kubernetes manifests: Services, the containers behind them, and Ingress backends.

A manifest file may hold several documents (``---``); other kinds (ConfigMap, Kustomization,
...) are skipped. Only what decides a port is read: a Service's ``port``, ``targetPort`` and
``nodePort``; the ``containerPort`` (and its name) of Deployments, StatefulSets, DaemonSets,
ReplicaSets, Jobs and Pods; the Service and port an Ingress sends traffic to.

>>> manifests = read_kubernetes('''
... kind: Service
... metadata: {name: web}
... spec:
...   selector: {app: web}
...   ports: [{port: 80, targetPort: http, nodePort: 30080}]
... ''', "web.yaml")
>>> [(s.name, p.port, p.target, p.node_port) for s in manifests.services for p in s.ports]
[('web', 80, 'http', 30080)]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import yaml

from ..errors import InputError
from ..location import Location
from ..model.ports import MAX_PORT, MIN_PORT
from ..readonly import readonly
from .notation import Pairs, YamlFile, scalar

_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"})
_SUFFIXES = (".yaml", ".yml")

Labels = tuple[tuple[str, str], ...]


@readonly
class ContainerPort:
    """A ``containerPort`` of a workload's pod template, with its optional name."""

    location: Location
    port: int
    name: str | None


@readonly
class Workload:
    """A Deployment (StatefulSet, ...) or Pod: its name, pod labels and container ports."""

    location: Location
    kind: str
    name: str
    labels: Labels
    ports: tuple[ContainerPort, ...]


@readonly
class ServicePort:
    """One entry of a Service's ``ports:``; ``target`` is the ``targetPort`` as written (a number or a name)."""

    location: Location
    name: str | None
    port: int | None
    target: str | None
    target_location: Location  # of the targetPort, or of the port when there is none
    node_port: int | None
    protocol: str
    error: str | None = None


@readonly
class KubeService:
    """A Service: its name, selector and ports."""

    location: Location
    name: str
    selector: Labels
    ports: tuple[ServicePort, ...]


@readonly
class Backend:
    """The Service (and its port, by number or name) an Ingress path sends traffic to."""

    location: Location
    service: str
    port: int | None
    port_name: str | None


@readonly
class Manifests:
    """Everything read from one manifest file."""

    path: str
    workloads: tuple[Workload, ...] = ()
    services: tuple[KubeService, ...] = ()
    backends: tuple[Backend, ...] = ()
    machine: str = ""


def manifest_files(path: str) -> list[str]:
    """A manifest file, or every ``.yaml``/``.yml`` file below a folder, sorted."""
    if not os.path.isdir(path):
        return [path]
    found = sorted(str(p) for p in Path(path).rglob("*") if p.suffix in _SUFFIXES and p.is_file())
    if not found:
        raise InputError("holds no .yaml or .yml manifests", path=path)
    return found


def _port(node: yaml.Node | None) -> tuple[int | None, str | None]:
    """A port number as written, or (None, why) when it is not one."""
    text = scalar(node)
    if text is None:
        return None, None
    if not text.strip().isdigit():
        return None, f"{text!r} is not a port number"
    value = int(text)
    if not MIN_PORT <= value <= MAX_PORT:
        return None, f"{value} is outside 1-65535"
    return value, None


def _labels(keys: Pairs, key: str, doc: YamlFile, what: str) -> Labels:
    if key not in keys or scalar(keys[key][1]) is not None:
        return ()
    pairs = doc.mapping(keys[key][1], what)
    return tuple(sorted((name, scalar(value) or "") for name, (_, value) in pairs.items()))


def _child(keys: Pairs, key: str, doc: YamlFile, what: str) -> Pairs:
    if key not in keys or scalar(keys[key][1]) is not None or not isinstance(keys[key][1], yaml.MappingNode):
        return {}
    return doc.mapping(keys[key][1], what)


def _workload(kind: str, name: str, top: Pairs, metadata: Pairs, doc: YamlFile, at: yaml.Node) -> Workload:
    spec = _child(top, "spec", doc, f"{kind} {name}")
    if kind != "Pod":  # the pod's labels are those of its template; a Pod's are its own
        template = _child(spec, "template", doc, f"the pod template of {kind} {name}")
        metadata = _child(template, "metadata", doc, f"the pod metadata of {kind} {name}")
        spec = _child(template, "spec", doc, f"the pod spec of {kind} {name}")
    ports: list[ContainerPort] = []
    if "containers" in spec:
        for container in doc.sequence(spec["containers"][1], f"the containers of {kind} {name}"):
            container_keys = doc.mapping(container, f"a container of {kind} {name}")
            if "ports" not in container_keys:
                continue
            for item in doc.sequence(container_keys["ports"][1], f"the container ports of {kind} {name}"):
                item_keys = doc.mapping(item, f"a container port of {kind} {name}")
                number_node = item_keys["containerPort"][1] if "containerPort" in item_keys else None
                number, _ = _port(number_node)
                if number is None or number_node is None:
                    continue  # an unreadable container port cannot be matched; the Service side reports
                port_name = scalar(item_keys["name"][1]) if "name" in item_keys else None
                ports.append(ContainerPort(doc.location(number_node), number, port_name))
    labels = _labels(metadata, "labels", doc, f"the pod labels of {kind} {name}")
    return Workload(doc.location(at), kind, name, labels, tuple(ports))


def _service(name: str, top: Pairs, doc: YamlFile, at: yaml.Node) -> KubeService:
    spec = _child(top, "spec", doc, f"Service {name}")
    ports: list[ServicePort] = []
    if "ports" in spec:
        for item in doc.sequence(spec["ports"][1], f"the ports of Service {name}"):
            keys = doc.mapping(item, f"a port of Service {name}")
            port_node = keys["port"][1] if "port" in keys else item
            port, error = _port(keys["port"][1] if "port" in keys else None)
            if "port" not in keys:
                error = "a Service port needs 'port'"
            target_node = keys["targetPort"][1] if "targetPort" in keys else None
            node_port, node_error = _port(keys["nodePort"][1] if "nodePort" in keys else None)
            ports.append(
                ServicePort(
                    doc.location(port_node),
                    scalar(keys["name"][1]) if "name" in keys else None,
                    port,
                    scalar(target_node),
                    doc.location(target_node if target_node is not None else port_node),
                    node_port,
                    (scalar(keys["protocol"][1]) or "TCP").lower() if "protocol" in keys else "tcp",
                    error or node_error,
                )
            )
    selector = _labels(spec, "selector", doc, f"the selector of Service {name}")
    return KubeService(doc.location(at), name, selector, tuple(ports))


def _backends(name: str, top: Pairs, doc: YamlFile) -> Iterator[Backend]:
    spec = _child(top, "spec", doc, f"Ingress {name}")
    backends: list[yaml.Node] = []
    if "defaultBackend" in spec:
        backends.append(spec["defaultBackend"][1])
    if "rules" in spec:
        for rule in doc.sequence(spec["rules"][1], f"the rules of Ingress {name}"):
            http = _child(doc.mapping(rule, f"a rule of Ingress {name}"), "http", doc, f"a rule of Ingress {name}")
            if "paths" in http:
                for item in doc.sequence(http["paths"][1], f"the paths of Ingress {name}"):
                    keys = doc.mapping(item, f"a path of Ingress {name}")
                    if "backend" in keys:
                        backends.append(keys["backend"][1])
    for node in backends:
        keys = doc.mapping(node, f"a backend of Ingress {name}")
        service = _child(keys, "service", doc, f"a backend of Ingress {name}")
        if "name" not in service:
            continue  # a resource backend, not a Service
        port_keys = _child(service, "port", doc, f"a backend port of Ingress {name}")
        service_name = scalar(service["name"][1]) or ""
        number, _ = _port(port_keys["number"][1] if "number" in port_keys else None)
        port_name = scalar(port_keys["name"][1]) if "name" in port_keys else None
        where = port_keys.get("number", port_keys.get("name", service["name"]))[1]
        yield Backend(doc.location(where), service_name, number, port_name)


def read_kubernetes(text: str, path: str) -> Manifests:
    """The Services, workloads and Ingress backends of one (multi-document) manifest file."""
    workloads: list[Workload] = []
    services: list[KubeService] = []
    backends: list[Backend] = []
    for doc in YamlFile.documents(text, path):
        if doc.root is None or not isinstance(doc.root, yaml.MappingNode):
            continue
        top = doc.mapping(doc.root, "a manifest")
        kind = scalar(top["kind"][1]) if "kind" in top else None
        metadata = _child(top, "metadata", doc, f"the metadata of a {kind}")
        name_node = metadata["name"][1] if "name" in metadata else None
        name = scalar(name_node)
        if kind is None or name is None or name_node is None:
            continue
        if kind in _WORKLOADS:
            workloads.append(_workload(kind, name, top, metadata, doc, name_node))
        elif kind == "Service":
            services.append(_service(name, top, doc, name_node))
        elif kind == "Ingress":
            backends.extend(_backends(name, top, doc))
    return Manifests(path, tuple(workloads), tuple(services), tuple(backends))

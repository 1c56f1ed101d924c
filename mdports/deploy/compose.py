r"""docker compose files: each service's name, published ports, ``expose``, traefik routes and bind mounts.

>>> [(p.location.line, p.host_ip, str(p.published), str(p.target), p.protocol) for s in read_compose('''
... services:
...   web:
...     ports: ["127.0.0.1:${WEB_PORT:-5000}:80", "3478:3478/udp"]
... ''', "compose.yml") for p in s.ports]
[(4, '127.0.0.1', '5000', '80', 'tcp'), (4, None, '3478', '3478', 'udp')]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping

import yaml

from ..location import Location
from ..model.ports import PortRange
from ..readonly import readonly
from .notation import PortSpecError, YamlFile, is_empty, port_span, scalar

_PROTOCOLS = ("tcp", "udp", "sctp")
# Innermost interpolation first, so that nested defaults (${A:-${B:-3001}}) resolve from the inside.
_BRACED = re.compile(r"\$\{([^${}]*)\}")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_BRACED_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)
_ESCAPED_DOLLAR = "\x00"
_COMPOSE_KEYS = frozenset({"services", "version", "name", "networks", "volumes", "configs", "secrets", "include"})
# traefik.http.services.<name>.loadbalancer.server.port: the container port a router sends traffic to.
_TRAEFIK_PORT = re.compile(r"traefik\.http\.services\.([^.=\s]+)\.loadbalancer\.server\.port")


@readonly
class ComposePort:
    """One entry of a compose service's ``ports:`` list.

    ``published`` is the host port range (None when the port is not published on a fixed host
    port, as in ``"3001"`` or ``"127.0.0.1::3001"``); ``target`` is the container port range.
    ``error`` says why the entry cannot be read (then both may be None).
    """

    location: Location
    text: str  # as written (short syntax) or the ``published`` value (long syntax)
    host_ip: str | None
    published: PortRange | None
    target: PortRange | None
    protocol: str
    error: str | None = None

    @property
    def exact(self) -> bool:
        """True when the host ports are known: a host port (range) mapped one to one onto container ports.

        ``"8000-8010:80"`` publishes *one* port of the range, chosen when the container starts;
        it is not exact, so no host port is claimed for it.
        """
        return self.published is not None and self.target is not None and len(self.published) == len(self.target)

    def host_port(self, container_port: int) -> int | None:
        """The host port a container port is published on, or None."""
        if not self.exact or self.target is None or self.published is None or container_port not in self.target:
            return None
        return self.published.lo + (container_port - self.target.lo)


@readonly
class Route:
    """A traefik label naming the container port its router sends traffic to."""

    location: Location
    router: str  # the ``<name>`` in traefik.http.services.<name>.loadbalancer.server.port
    text: str
    port: int | None  # None when the value cannot be read (then it is not checked)


@readonly
class ComposeService:
    """A service of a docker compose file: its name, ``container_name``, ports, traefik routes and bind mounts."""

    location: Location
    name: str
    container_name: str | None
    ports: tuple[ComposePort, ...]
    expose: tuple[int, ...]  # container ports reachable inside the compose network only
    network_mode: str | None
    routes: tuple[Route, ...] = ()
    machine: str = ""  # the configured host it runs on ("" for the unnamed one)
    mounts: tuple[str, ...] = ()  # the host paths its ``volumes:`` bind-mount, absolute and normalized

    @property
    def names(self) -> tuple[str, ...]:
        """The names the service is known by: the compose key, then ``container_name``."""
        return (self.name, self.container_name) if self.container_name else (self.name,)

    @property
    def host_network(self) -> bool:
        """``network_mode: host``: the container's ports are host ports and ``ports:`` is ignored."""
        return self.network_mode == "host"

    @property
    def container_ports(self) -> frozenset[int]:
        """The ports its container is known to listen on: mapping targets and ``expose``."""
        ports = set(self.expose)
        for mapping in self.ports:
            if mapping.target is not None:
                ports.update(mapping.target)
        return frozenset(ports)

    def mounts_file(self, path: str) -> bool:
        """True when a bind mount puts the file ``path`` into the container: the file itself, or a folder holding it."""
        wanted = os.path.abspath(path)
        return any(wanted == mount or wanted.startswith(mount.rstrip(os.sep) + os.sep) for mount in self.mounts)

    def published_ports(self) -> Iterator[tuple[int, str, ComposePort]]:
        """Every fixed host port it publishes, with protocol and mapping (none under host networking)."""
        if self.host_network:
            return
        for mapping in self.ports:
            if mapping.exact and mapping.published is not None:
                for number in mapping.published:
                    yield number, mapping.protocol, mapping


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Resolve compose variable interpolation, preferring the default the compose file states.

    ``${VAR:-3001}`` and ``${VAR-3001}`` are their default (the port the compose file itself
    names; env files are checked on their own); ``${VAR}``, ``$VAR`` and ``${VAR:?message}``
    take the value from ``variables`` (the given env files). ``$$`` is a literal ``$``.
    Raises :class:`PortSpecError` for a variable that has neither.

    >>> interpolate("${BIND:-127.0.0.1}:${AUTH:-3001}:3001", {})
    '127.0.0.1:3001:3001'
    >>> interpolate("${OUTER:-${INNER:-3002}}:$TARGET", {"TARGET": "3002"})
    '3002:3002'
    """

    def braced(match: re.Match[str]) -> str:
        body = _BRACED_BODY.fullmatch(match.group(1))
        if body is None:
            raise PortSpecError(f"cannot read the interpolation {match.group(0)!r}")
        name, operator, argument = body.group(1), body.group(2) or "", body.group(3) or ""
        value = variables.get(name)
        if operator in (":-", "-"):
            return argument
        if operator in (":+", "+"):
            return argument if value else ""
        if value is None or (operator == ":?" and not value):
            raise PortSpecError(f"${{{name}}} has no default and is not set in the given env files")
        return value

    def bare(match: re.Match[str]) -> str:
        value = variables.get(match.group(1))
        if value is None:
            raise PortSpecError(f"${match.group(1)} has no default and is not set in the given env files")
        return value

    text = text.replace("$$", _ESCAPED_DOLLAR)
    while True:
        resolved = _BRACED.sub(braced, text)
        if resolved == text:
            break
        text = resolved
    return _BARE.sub(bare, text).replace(_ESCAPED_DOLLAR, "$")


def _protocol(text: str) -> str:
    protocol = text.strip().lower()
    if protocol not in _PROTOCOLS:
        raise PortSpecError(f"unknown protocol {text.strip()!r} (use tcp or udp)")
    return protocol


def _check_lengths(published: PortRange | None, target: PortRange) -> None:
    if published is not None and len(published) != len(target) and len(target) != 1:
        raise PortSpecError(f"host range {published} and container range {target} differ in length")


def parse_short_port(text: str) -> tuple[str | None, PortRange | None, PortRange, str]:
    """Read short syntax ``[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]``.

    Returns ``(host_ip, published, target, protocol)``; ``published`` is None when no host
    port is given (docker picks one).

    >>> parse_short_port("127.0.0.1:3000-3005:3000-3005/udp")
    ('127.0.0.1', PortRange(lo=3000, hi=3005), PortRange(lo=3000, hi=3005), 'udp')
    >>> parse_short_port("[::1]:4400:80")
    ('::1', PortRange(lo=4400, hi=4400), PortRange(lo=80, hi=80), 'tcp')
    >>> parse_short_port("3001")
    (None, None, PortRange(lo=3001, hi=3001), 'tcp')
    """
    text = text.strip()
    protocol = "tcp"
    if "/" in text:
        text, _, written = text.rpartition("/")
        protocol = _protocol(written)
    host_ip: str | None = None
    if text.startswith("["):
        host_ip, bracket, rest = text[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise PortSpecError(f"cannot read the IPv6 address in {text!r}")
        parts = rest[1:].split(":")
        if len(parts) != 2:
            raise PortSpecError(f"expected [IP]:HOST:CONTAINER, got {text!r}")
    else:
        parts = text.split(":")
        if len(parts) > 2:
            host_ip = ":".join(parts[:-2])
            parts = parts[-2:]
    if host_ip is not None and not host_ip:
        raise PortSpecError(f"empty host IP in {text!r}")
    target = port_span(parts[-1], "container port")
    published = port_span(parts[0], "host port") if len(parts) == 2 and parts[0] else None
    _check_lengths(published, target)
    return host_ip, published, target, protocol


def _short_port(node: yaml.ScalarNode, yaml_file: YamlFile, variables: Mapping[str, str]) -> ComposePort:
    written = str(node.value)
    at = yaml_file.location(node)
    try:
        host_ip, published, target, protocol = parse_short_port(interpolate(written, variables))
    except PortSpecError as exc:
        return ComposePort(at, written, None, None, None, "tcp", str(exc))
    return ComposePort(at, written, host_ip, published, target, protocol)


def _long_port(node: yaml.Node, yaml_file: YamlFile, variables: Mapping[str, str]) -> ComposePort:
    keys = yaml_file.mapping(node, "a ports entry")
    anchor = keys["published"][1] if "published" in keys else node
    at = yaml_file.location(anchor)

    def value(key: str) -> str | None:
        written = scalar(keys[key][1]) if key in keys else None
        return interpolate(written, variables).strip() if written is not None else None

    written = scalar(keys["published"][1]) if "published" in keys else None
    text = written if written is not None else str(scalar(keys["target"][1]) if "target" in keys else "")
    try:
        target_text = value("target")
        if not target_text:
            raise PortSpecError("a long-syntax ports entry needs 'target' (the container port)")
        target = port_span(target_text, "container port")
        published_text = value("published")
        published = port_span(published_text, "host port") if published_text else None
        _check_lengths(published, target)
        protocol = _protocol(value("protocol") or "tcp")
        host_ip = value("host_ip") or None
    except PortSpecError as exc:
        return ComposePort(at, text, None, None, None, "tcp", str(exc))
    return ComposePort(at, text, host_ip, published, target, protocol)


def _expose(nodes: list[yaml.Node], variables: Mapping[str, str]) -> tuple[int, ...]:
    ports: set[int] = set()
    for node in nodes:
        written = scalar(node)
        if written is None:
            continue
        try:
            ports.update(port_span(interpolate(written, variables).split("/")[0], "exposed port"))
        except PortSpecError:
            continue  # exposed ports publish nothing; an unreadable one cannot drift on the host
    return tuple(sorted(ports))


def _labels(node: yaml.Node, yaml_file: YamlFile, what: str) -> Iterator[tuple[str, str, yaml.Node]]:
    """``labels:`` as (key, value, value node): a mapping, or a list of ``key=value`` strings."""
    if isinstance(node, yaml.MappingNode):
        for key, (_, value) in yaml_file.mapping(node, what).items():
            text = scalar(value)
            if text is not None:
                yield key, text, value
        return
    for item in yaml_file.sequence(node, what):
        text = scalar(item)
        if text is not None and "=" in text:
            key, _, value_text = text.partition("=")
            yield key.strip(), value_text.strip(), item


def _routes(node: yaml.Node, yaml_file: YamlFile, what: str, variables: Mapping[str, str]) -> tuple[Route, ...]:
    """The traefik ``loadbalancer.server.port`` labels of a service."""
    routes: list[Route] = []
    for key, value, value_node in _labels(node, yaml_file, what):
        match = _TRAEFIK_PORT.fullmatch(key)
        if match is None:
            continue
        try:
            span = port_span(interpolate(value, variables), "port")
            port = span.lo if len(span) == 1 else None
        except PortSpecError:
            port = None
        # In a "key=value" list item, the column is that of the item; the value is later on the line.
        at = yaml_file.location(value_node)
        routes.append(Route(at, match.group(1), value, port))
    return tuple(routes)


def _mounts(node: yaml.Node, path: str, variables: Mapping[str, str]) -> tuple[str, ...]:
    """The host paths the ``volumes:`` of a service bind-mount into its container (resolved from the file's folder).

    ``./prometheus.yml:/etc/prometheus/prometheus.yml:ro`` and the long syntax (``type: bind``
    with a ``source``); a named volume (``data:/prometheus``) mounts no host path. Only the
    drift check of a Prometheus running in a container reads them, so a ``volumes:`` written in
    a shape docker compose would refuse is passed over rather than reported.

    >>> [os.path.relpath(m, "/srv") for m in _mounts(yaml.compose('''
    ... - ./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro
    ... - prometheus-data:/prometheus
    ... - {type: bind, source: ./rules, target: /etc/prometheus/rules}
    ... - ${UNSET}/alerts:/etc/alertmanager
    ... '''), "/srv/compose.yml", {})]
    ['prometheus/prometheus.yml', 'rules']
    """
    if not isinstance(node, yaml.SequenceNode):
        return ()
    folder = os.path.dirname(path)
    found: list[str] = []
    for item in node.value:
        written: str | None = None
        if isinstance(item, yaml.ScalarNode):
            written = scalar(item)
        elif isinstance(item, yaml.MappingNode):
            keys = {scalar(key): value for key, value in item.value}
            if scalar(keys.get("type")) in (None, "bind"):
                written = scalar(keys.get("source"))
        try:
            source = interpolate(written or "", variables)
        except PortSpecError:  # `${DATA_DIR}/x` with DATA_DIR set nowhere: where it points is not known
            continue
        if isinstance(item, yaml.ScalarNode):
            source = source.split(":", 1)[0]
        if source.startswith((".", "/")):  # a path, not a named volume (nor ~, another user's home)
            found.append(os.path.abspath(os.path.join(folder, source)))
    return tuple(found)


def read_compose(text: str, path: str, variables: Mapping[str, str] | None = None) -> tuple[ComposeService, ...]:
    """Every service of a docker compose file with its published ports (short and long syntax).

    ``variables`` (from the given env files) resolve ``${VAR}`` without a default.
    """
    variables = variables or {}
    yaml_file = YamlFile(text, path)
    root = yaml_file.root
    if root is None:
        return ()
    top = yaml_file.mapping(root, "the top level of a compose file")
    if "services" not in top:
        if any(key in _COMPOSE_KEYS or key.startswith("x-") for key in top):
            return ()
        raise yaml_file.error("has no 'services:' mapping; is it a docker compose file?", root)
    services_node = top["services"][1]
    if is_empty(services_node):
        return ()
    services: list[ComposeService] = []
    for name, (key, node) in yaml_file.mapping(services_node, "'services'").items():
        keys = yaml_file.mapping(node, f"service {name!r}") if not is_empty(node) else {}
        ports: list[ComposePort] = []
        if "ports" in keys:
            for item in yaml_file.sequence(keys["ports"][1], f"'ports' of service {name!r}"):
                if isinstance(item, yaml.ScalarNode):
                    ports.append(_short_port(item, yaml_file, variables))
                else:
                    ports.append(_long_port(item, yaml_file, variables))
        expose = yaml_file.sequence(keys["expose"][1], f"'expose' of service {name!r}") if "expose" in keys else []
        labels = keys.get("labels")
        services.append(
            ComposeService(
                yaml_file.location(key),
                name,
                scalar(keys["container_name"][1]) if "container_name" in keys else None,
                tuple(ports),
                _expose(expose, variables),
                scalar(keys["network_mode"][1]) if "network_mode" in keys else None,
                _routes(labels[1], yaml_file, f"'labels' of service {name!r}", variables) if labels else (),
                mounts=_mounts(keys["volumes"][1], path, variables) if "volumes" in keys else (),
            )
        )
    return tuple(services)

r"""What the deployment says about ports: docker compose, Prometheus, env files, tunnels, Kubernetes.

Each reader turns one file into frozen records that remember the file, line and column they
came from, so that drift findings point into the deployment file. The YAML files are read
with a safe loader into a node graph (:mod:`mdports.deploy.yaml_nodes`), never into Python objects:
every scalar keeps its text as written (``"22:22"`` stays a port mapping, it does not become
the YAML 1.1 sexagesimal number 1342) and its mark (line and column), and alias expansion is
bounded. The cloudflared and Kubernetes readers live in their own modules
(:mod:`mdports.deploy.cloudflared`, :mod:`mdports.deploy.kubernetes`); :func:`load` reads every file of
every host.

A port that cannot be read (``"abc:80"``, ``${PORT}`` with no default) is a record with an
``error``, reported as a finding; a file that is not valid YAML, or whose structure is not
what the format requires, is an :class:`~mdports.errors.InputError` naming the file and line.

>>> [(p.line, p.host_ip, str(p.published), str(p.target), p.protocol) for s in read_compose('''
... services:
...   web:
...     ports: ["127.0.0.1:${WEB_PORT:-5000}:80", "3478:3478/udp"]
... ''', "compose.yml") for p in s.ports]
[(4, '127.0.0.1', '5000', '80', 'tcp'), (4, None, '3478', '3478', 'udp')]
>>> [(t.job, t.host, t.port, t.line) for t in read_prometheus('''
... scrape_configs:
...   - job_name: auth
...     static_configs:
...       - targets: ["mana-auth:3001"]
... ''', "prometheus.yml")]
[('auth', 'mana-auth', 3001, 5)]
>>> [(v.variable, v.port, v.service) for v in read_env("MANA_AUTH_PORT=3001\nNODE_ENV=production\n", ".env")]
[('MANA_AUTH_PORT', 3001, 'mana-auth')]
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import yaml

from ..files.disk import read_text
from ..model.ports import PortRange, PortSyntaxError, parse_span
from ..syntax.document import split_eol, split_lines
from .yaml_nodes import YamlFile, is_empty, scalar
from .yaml_nodes import column as _column
from .yaml_nodes import line as _line

if TYPE_CHECKING:
    from .cloudflared import TunnelRoute
    from .kubernetes import Manifests

Kind = Literal["compose", "prometheus", "env", "cloudflared", "kubernetes"]
TargetRole = Literal["scrape", "probe", "rewritten"]

_PROTOCOLS = ("tcp", "udp", "sctp")
# Innermost interpolation first, so that nested defaults (${A:-${B:-3001}}) resolve from the inside.
_BRACED = re.compile(r"\$\{([^${}]*)\}")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_BRACED_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)
_ESCAPED_DOLLAR = "\x00"
# The escapes python-dotenv decodes in a double-quoted value.
_ENV_ESCAPES = {
    "\\": "\\",
    '"': '"',
    "'": "'",
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_COMPOSE_KEYS = frozenset({"services", "version", "name", "networks", "volumes", "configs", "secrets", "include"})
# traefik.http.services.<name>.loadbalancer.server.port: the container port a router sends traffic to.
_TRAEFIK_PORT = re.compile(r"traefik\.http\.services\.([^.=\s]+)\.loadbalancer\.server\.port")


class PortSpecError(ValueError):
    """A port specification in a deployment file that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class ComposePort:
    """One entry of a compose service's ``ports:`` list.

    ``published`` is the host port range (None when the port is not published on a fixed host
    port, as in ``"3001"`` or ``"127.0.0.1::3001"``); ``target`` is the container port range.
    ``error`` says why the entry cannot be read (then both may be None).
    """

    path: str
    line: int
    column: int
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


@dataclass(frozen=True, slots=True)
class Route:
    """A traefik label naming the container port its router sends traffic to."""

    path: str
    line: int
    column: int
    router: str  # the ``<name>`` in traefik.http.services.<name>.loadbalancer.server.port
    text: str
    port: int | None  # None when the value cannot be read (then it is not checked)


@dataclass(frozen=True, slots=True)
class ComposeService:
    """A service of a docker compose file: its name, ``container_name``, ports and traefik routes."""

    path: str
    line: int
    column: int
    name: str
    container_name: str | None
    ports: tuple[ComposePort, ...]
    expose: tuple[int, ...]  # container ports reachable inside the compose network only
    network_mode: str | None
    routes: tuple[Route, ...] = ()
    machine: str = ""  # the configured host it runs on ("" for the unnamed one)

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

    def published_ports(self) -> Iterator[tuple[int, str, ComposePort]]:
        """Every fixed host port it publishes, with protocol and mapping (none under host networking)."""
        if self.host_network:
            return
        for mapping in self.ports:
            if mapping.exact and mapping.published is not None:
                for number in mapping.published:
                    yield number, mapping.protocol, mapping


@dataclass(frozen=True, slots=True)
class ScrapeTarget:
    """One address of a Prometheus job: a ``static_configs`` target, or the exporter a relabel names.

    ``role`` says what the address is: ``scrape``, the address Prometheus scrapes; ``probe``,
    what a blackbox-style job probes (its exporter is a ``scrape`` target of its own, and the
    job's name says nothing about what is probed); ``rewritten``, a target whose address
    relabelling rewrites in a way that cannot be read (``${1}:9100``), so it is not checked.
    """

    path: str
    line: int
    column: int
    text: str
    job: str | None  # ``job_name``; None for alertmanager targets
    host: str
    port: int | None  # None when the target names no port (the scheme's default applies)
    error: str | None = None
    role: TargetRole = "scrape"
    machine: str = ""  # the configured host whose Prometheus scrapes it


@dataclass(frozen=True, slots=True)
class EnvPort:
    """A ``NAME_PORT=NNNN`` variable of an env file."""

    path: str
    line: int
    column: int  # where the value starts
    variable: str
    value: str
    port: int | None
    error: str | None = None
    machine: str = ""

    @property
    def service(self) -> str:
        """The service name the variable stands for: ``MANA_AUTH_PORT`` -> ``mana-auth``."""
        return self.variable[: -len("_PORT")].lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Machine:
    """A configured host: its name (``""`` for the unnamed one) and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or "this host"


@dataclass(frozen=True)
class Deployment:
    """Everything read from the deployment files, in the order the files were given."""

    services: tuple[ComposeService, ...] = ()
    targets: tuple[ScrapeTarget, ...] = ()
    env_ports: tuple[EnvPort, ...] = ()
    files: tuple[tuple[Kind, str], ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # file -> lines, for quoting
    routes: tuple[TunnelRoute, ...] = ()
    kubernetes: tuple[Manifests, ...] = ()
    machines: tuple[Machine, ...] = ()


# --- docker compose ------------------------------------------------------------------------------


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


def _span(text: str, what: str) -> PortRange:
    """A port or a range (``3000-3005``) of a deployment file, read as the document's are."""
    if not text.strip()[:1].isdigit():  # parse_span would strip Markdown markup, which YAML has not
        raise PortSpecError(f"{what} {text.strip()!r} is not a port or a port range")
    try:
        return parse_span(text.strip())
    except PortSyntaxError as exc:
        raise PortSpecError(f"{what} {exc}") from None


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
    target = _span(parts[-1], "container port")
    published = _span(parts[0], "host port") if len(parts) == 2 and parts[0] else None
    _check_lengths(published, target)
    return host_ip, published, target, protocol


def _short_port(node: yaml.ScalarNode, path: str, variables: Mapping[str, str]) -> ComposePort:
    written = str(node.value)
    try:
        host_ip, published, target, protocol = parse_short_port(interpolate(written, variables))
    except PortSpecError as exc:
        return ComposePort(path, _line(node), _column(node), written, None, None, None, "tcp", str(exc))
    return ComposePort(path, _line(node), _column(node), written, host_ip, published, target, protocol)


def _long_port(node: yaml.Node, yaml_file: YamlFile, variables: Mapping[str, str]) -> ComposePort:
    keys = yaml_file.mapping(node, "a ports entry")
    anchor = keys["published"][1] if "published" in keys else node
    path, at_line, at_column = yaml_file.path, _line(anchor), _column(anchor)

    def value(key: str) -> str | None:
        written = scalar(keys[key][1]) if key in keys else None
        return interpolate(written, variables).strip() if written is not None else None

    written = scalar(keys["published"][1]) if "published" in keys else None
    text = written if written is not None else str(scalar(keys["target"][1]) if "target" in keys else "")
    try:
        target_text = value("target")
        if not target_text:
            raise PortSpecError("a long-syntax ports entry needs 'target' (the container port)")
        target = _span(target_text, "container port")
        published_text = value("published")
        published = _span(published_text, "host port") if published_text else None
        _check_lengths(published, target)
        protocol = _protocol(value("protocol") or "tcp")
        host_ip = value("host_ip") or None
    except PortSpecError as exc:
        return ComposePort(path, at_line, at_column, text, None, None, None, "tcp", str(exc))
    return ComposePort(path, at_line, at_column, text, host_ip, published, target, protocol)


def _expose(nodes: list[yaml.Node], variables: Mapping[str, str]) -> tuple[int, ...]:
    ports: set[int] = set()
    for node in nodes:
        written = scalar(node)
        if written is None:
            continue
        try:
            ports.update(_span(interpolate(written, variables).split("/")[0], "exposed port"))
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
            span = _span(interpolate(value, variables), "port")
            port = span.lo if len(span) == 1 else None
        except PortSpecError:
            port = None
        # In a "key=value" list item, the column is that of the item; the value is later on the line.
        routes.append(Route(yaml_file.path, _line(value_node), _column(value_node), match.group(1), value, port))
    return tuple(routes)


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
                    ports.append(_short_port(item, path, variables))
                else:
                    ports.append(_long_port(item, yaml_file, variables))
        expose = yaml_file.sequence(keys["expose"][1], f"'expose' of service {name!r}") if "expose" in keys else []
        labels = keys.get("labels")
        services.append(
            ComposeService(
                path,
                _line(key),
                key.start_mark.column + 1,
                name,
                scalar(keys["container_name"][1]) if "container_name" in keys else None,
                tuple(ports),
                _expose(expose, variables),
                scalar(keys["network_mode"][1]) if "network_mode" in keys else None,
                _routes(labels[1], yaml_file, f"'labels' of service {name!r}", variables) if labels else (),
            )
        )
    return tuple(services)


# --- Prometheus ----------------------------------------------------------------------------------


def parse_target(text: str) -> tuple[str, int | None]:
    """Split a target into host and port: ``host:port``, ``[::1]:9090`` or a URL.

    A URL (a target with a scheme, as blackbox probes list them) has a port only when it
    writes one: the scheme's default is not a port the document lists.

    >>> parse_target("node-exporter:9100"), parse_target("[::1]:9090"), parse_target("example.org")
    (('node-exporter', 9100), ('::1', 9090), ('example.org', None))
    >>> parse_target("http://svc:3066/health"), parse_target("https://app.example.com/chat")
    (('svc', 3066), ('app.example.com', None))
    """
    text = text.strip()
    if "://" in text:
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
            raise PortSpecError(f"cannot read the URL {text!r}: {exc}") from None
        if not parts.hostname:
            raise PortSpecError(f"the URL {text!r} names no host")
        return parts.hostname, port
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise PortSpecError(f"cannot read the IPv6 address in {text!r}")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, None
    if not host or "/" in host:
        raise PortSpecError(f"{text!r} is not host:port")
    if port_text is None:
        return host, None
    span = _span(port_text, "port")
    if len(span) != 1:
        raise PortSpecError(f"port {port_text!r} is a range; a target has one port")
    return host, span.lo


def _target(node: yaml.Node, yaml_file: YamlFile, job: str | None, role: TargetRole) -> ScrapeTarget:
    written = str(scalar(node))
    at = (yaml_file.path, _line(node), _column(node))
    try:
        host, port = parse_target(written)
    except PortSpecError as exc:
        return ScrapeTarget(*at, written, job, written, None, str(exc), role)
    return ScrapeTarget(*at, written, job, host, port, None, role)


def _relabelling(
    keys: Mapping[str, tuple[yaml.Node, yaml.Node]], yaml_file: YamlFile, what: str
) -> tuple[bool, yaml.Node | None, bool]:
    """What a job's ``relabel_configs`` do to its targets: (probe, exporter address node, rewritten).

    A probe copies ``__address__`` to ``__param_target`` (blackbox, snmp exporters); a rule
    writing ``__address__`` with a literal replacement names the address really scraped;
    one with ``$1``-style references rewrites the address in a way that is not read here.
    """
    probe, exporter, rewritten = False, None, False
    if "relabel_configs" not in keys:
        return probe, exporter, rewritten
    for rule in yaml_file.sequence(keys["relabel_configs"][1], f"'relabel_configs' of {what}"):
        rule_keys = yaml_file.mapping(rule, f"a relabel config of {what}")
        label = scalar(rule_keys["target_label"][1]) if "target_label" in rule_keys else None
        if label == "__param_target":
            probe = True
        elif label == "__address__":
            replacement = rule_keys["replacement"][1] if "replacement" in rule_keys else None
            written = scalar(replacement)
            if replacement is not None and written is not None and "$" not in written:
                exporter = replacement
            else:
                rewritten = True
    return probe, exporter, rewritten


def _job(config: yaml.Node, yaml_file: YamlFile, job: str | None, what: str, seen: set[int]) -> Iterator[ScrapeTarget]:
    keys = yaml_file.mapping(config, what)
    probe, exporter, rewritten = _relabelling(keys, yaml_file, what)
    metrics_path = scalar(keys["metrics_path"][1]) if "metrics_path" in keys else None
    probe = probe or metrics_path == "/probe"
    role: TargetRole = "probe" if probe else "rewritten" if (rewritten or exporter is not None) else "scrape"
    # Relabel rules shared through an alias name one exporter: read it once, not once per job.
    if exporter is not None and id(exporter) not in seen:
        seen.add(id(exporter))
        yield _target(exporter, yaml_file, job, "scrape")
    if "static_configs" not in keys:
        return
    for static in yaml_file.sequence(keys["static_configs"][1], f"'static_configs' of {what}"):
        static_keys = yaml_file.mapping(static, f"a static_config of {what}")
        if "targets" not in static_keys:
            continue
        for node in yaml_file.sequence(static_keys["targets"][1], f"'targets' of {what}"):
            if scalar(node) is None:
                raise yaml_file.error(f"a target of {what} must be a 'host:port' string", node)
            yield _target(node, yaml_file, job, role)


def read_prometheus(text: str, path: str) -> tuple[ScrapeTarget, ...]:
    """Every ``static_configs`` target of every scrape job, and the alertmanager targets.

    Relabelling is read as far as it decides what an address is (see :class:`ScrapeTarget`);
    other service discovery (``file_sd_configs``, ``dns_sd_configs``, ...) is not followed:
    only addresses written in the file are read.
    """
    yaml_file = YamlFile(text, path)
    if yaml_file.root is None:
        return ()
    top = yaml_file.mapping(yaml_file.root, "the top level of a Prometheus configuration")
    found: list[ScrapeTarget] = []
    seen: set[int] = set()
    if "scrape_configs" in top:
        for config in yaml_file.sequence(top["scrape_configs"][1], "'scrape_configs'"):
            keys = yaml_file.mapping(config, "a scrape config")
            job = scalar(keys["job_name"][1]) if "job_name" in keys else None
            if job is None:
                raise yaml_file.error("a scrape config has no 'job_name'", config)
            found.extend(_job(config, yaml_file, job, f"job {job!r}", seen))
    if "alerting" in top:
        alerting = yaml_file.mapping(top["alerting"][1], "'alerting'")
        if "alertmanagers" in alerting:
            for config in yaml_file.sequence(alerting["alertmanagers"][1], "'alertmanagers'"):
                found.extend(_job(config, yaml_file, None, "an alertmanager config", seen))
    return tuple(found)


# --- env files -----------------------------------------------------------------------------------


def read_variables(text: str) -> Iterator[tuple[str, str, int, int]]:
    """Every ``NAME=value`` of an env file as ``(name, value, line, column)``, read as python-dotenv does.

    ``export NAME=value`` is ``NAME``; a single-quoted value is literal, a double-quoted one has
    its backslash escapes decoded (``A="x\\"y"`` is ``x"y``); an unquoted value ends at a
    ``#`` that follows whitespace (a comment) and loses its outer spaces. Comment lines and
    lines that are not an assignment are skipped. ``column`` is where the value starts (inside
    its quotes). Read with string methods only, so that no line can make it backtrack.
    """
    for number, raw in enumerate(split_lines(text.removeprefix("\ufeff")), start=1):
        line = split_eol(raw)[0]
        assignment = _env_assignment(line)
        if assignment is not None:
            name, value, column = assignment
            yield name, value, number, column


def _env_assignment(line: str) -> tuple[str, str, int] | None:
    """``(name, value, 1-based column of the value)`` of one env-file line, or None."""
    rest = line.lstrip()
    name, equals, value = rest.partition("=")
    name = name.rstrip()
    if name.startswith("export") and name[6:7].isspace():
        name = name[6:].lstrip()  # "export NAME=..."; a variable named export ("export = 1") stays
    if not equals or not name.isidentifier() or not name.isascii():
        return None
    stripped = value.lstrip()
    column = len(line) - len(stripped) + 1
    quote = stripped[:1]
    if quote == "'":
        end = stripped.find("'", 1)
        if end != -1:
            return name, stripped[1:end], column + 1
    elif quote == '"':
        decoded = _double_quoted(stripped)
        if decoded is not None:
            return name, decoded, column + 1
    comment = _comment_start(stripped)
    return name, stripped[:comment].rstrip(), column


def _double_quoted(text: str) -> str | None:
    """The value of ``"..."`` at the start of ``text`` with its escapes decoded; None when unclosed."""
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out)
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append(_ENV_ESCAPES.get(following, "\\" + following))
            index += 2
            continue
        out.append(char)
        index += 1
    return None


def _comment_start(value: str) -> int:
    """Where a `` # comment`` starts in an unquoted value (its length when there is none)."""
    index = value.find("#", 1)  # a value may start with "#": only whitespace before it makes a comment
    while index != -1 and not value[index - 1].isspace():
        index = value.find("#", index + 1)
    return len(value) if index == -1 else index


def read_env(text: str, path: str) -> tuple[EnvPort, ...]:
    """The ``NAME_PORT=NNNN`` variables of an env file (a bare ``PORT`` names no service)."""
    found: list[EnvPort] = []
    for name, value, line, column in read_variables(text):
        if not name.endswith("_PORT") or name == "_PORT":
            continue
        try:
            if not value:
                raise PortSpecError("the value is empty")
            span = _span(value, "value")
            if len(span) != 1:
                raise PortSpecError(f"value {value!r} is a range, not one port")
            found.append(EnvPort(path, line, column, name, value, span.lo))
        except PortSpecError as exc:
            found.append(EnvPort(path, line, column, name, value, None, str(exc)))
    return tuple(found)


# --- everything at once --------------------------------------------------------------------------
# --- everything at once --------------------------------------------------------------------------


@dataclass(frozen=True)
class HostFiles:
    """The deployment files of one host (``name`` ``""`` is the unnamed host of top-level options)."""

    name: str = ""
    addresses: tuple[str, ...] = ()
    compose: tuple[str, ...] = ()
    prometheus: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    cloudflared: tuple[str, ...] = ()
    kubernetes: tuple[str, ...] = ()  # manifest files or folders of them


def load(
    compose: Sequence[str | os.PathLike[str]] = (),
    prometheus: Sequence[str | os.PathLike[str]] = (),
    env: Sequence[str | os.PathLike[str]] = (),
    cloudflared: Sequence[str | os.PathLike[str]] = (),
    kubernetes: Sequence[str | os.PathLike[str]] = (),
) -> Deployment:
    """Read the deployment files of one unnamed host (see :func:`load_hosts`)."""

    def names(paths: Sequence[str | os.PathLike[str]]) -> tuple[str, ...]:
        return tuple(os.fspath(path) for path in paths)

    host = HostFiles("", (), names(compose), names(prometheus), names(env), names(cloudflared), names(kubernetes))
    return load_hosts([host])


def load_hosts(hosts: Sequence[HostFiles]) -> Deployment:
    """Read every file of every host (each host's env files first: they resolve its compose ``${VAR}``).

    A variable set in several env files of a host takes its value from the last one, as with
    several ``--env-file`` options of docker compose. Every record remembers its host.
    """
    from .cloudflared import read_cloudflared
    from .kubernetes import manifest_files, read_kubernetes

    sources: dict[str, tuple[str, ...]] = {}
    texts: dict[str, str] = {}

    def text_of(name: str) -> str:
        if name not in texts:
            texts[name] = read_text(name)
            sources[name] = tuple(split_eol(raw)[0] for raw in split_lines(texts[name]))
        return texts[name]

    services: list[ComposeService] = []
    targets: list[ScrapeTarget] = []
    env_ports: list[EnvPort] = []
    routes: list[TunnelRoute] = []
    manifests: list[Manifests] = []
    files: list[tuple[Kind, str]] = []
    for host in hosts:
        # A file named twice is read once (its services would otherwise be reported twice).
        compose_names, prometheus_names, env_names, tunnel_names = (
            list(dict.fromkeys(group)) for group in (host.compose, host.prometheus, host.env, host.cloudflared)
        )
        manifest_names = list(dict.fromkeys(name for folder in host.kubernetes for name in manifest_files(folder)))
        machine = host.name
        variables: dict[str, str] = {}
        for name in env_names:
            variables.update((var, value) for var, value, _, _ in read_variables(text_of(name)))
            env_ports.extend(dataclasses.replace(port, machine=machine) for port in read_env(text_of(name), name))
        for name in compose_names:
            found = read_compose(text_of(name), name, variables)
            services.extend(dataclasses.replace(service, machine=machine) for service in found)
        for name in prometheus_names:
            targets.extend(dataclasses.replace(t, machine=machine) for t in read_prometheus(text_of(name), name))
        for name in tunnel_names:
            routes.extend(dataclasses.replace(r, machine=machine) for r in read_cloudflared(text_of(name), name))
        for name in manifest_names:
            manifests.append(dataclasses.replace(read_kubernetes(text_of(name), name), machine=machine))
        files += [("compose", name) for name in compose_names]
        files += [("prometheus", name) for name in prometheus_names]
        files += [("cloudflared", name) for name in tunnel_names]
        files += [("kubernetes", name) for name in manifest_names]
        files += [("env", name) for name in env_names]
    machines = tuple(Machine(host.name, host.addresses) for host in hosts)
    return Deployment(
        tuple(services),
        tuple(targets),
        tuple(env_ports),
        tuple(files),
        sources,
        tuple(routes),
        tuple(manifests),
        machines,
    )

r"""What the deployment says about ports: docker compose files, Prometheus configuration, env files.

Each reader turns one file into frozen records that remember the file, line and column they
came from, so that drift findings point into the deployment file. The YAML files are read
with a safe loader into a node graph (``yaml.compose``), never into Python objects: every
scalar keeps its text as written (``"22:22"`` stays a port mapping, it does not become the
YAML 1.1 sexagesimal number 1342) and its mark (line and column).

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

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import yaml

from .document import split_eol, split_lines
from .errors import InputError
from .files import read_text
from .ports import MAX_PORT, MIN_PORT, PortRange

Kind = Literal["compose", "prometheus", "env"]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_PROTOCOLS = ("tcp", "udp", "sctp")
_SPAN = re.compile(r"(\d+)(?:-(\d+))?")
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
class ComposeService:
    """A service of a docker compose file: its name, ``container_name`` and ports."""

    path: str
    line: int
    column: int
    name: str
    container_name: str | None
    ports: tuple[ComposePort, ...]
    expose: tuple[int, ...]  # container ports reachable inside the compose network only
    network_mode: str | None

    @property
    def names(self) -> tuple[str, ...]:
        """The names the service is known by: the compose key, then ``container_name``."""
        return (self.name, self.container_name) if self.container_name else (self.name,)

    @property
    def host_network(self) -> bool:
        """``network_mode: host``: the container's ports are host ports and ``ports:`` is ignored."""
        return self.network_mode == "host"


@dataclass(frozen=True, slots=True)
class ScrapeTarget:
    """One ``host:port`` of a Prometheus ``static_configs`` (or alertmanager) target list."""

    path: str
    line: int
    column: int
    text: str
    job: str | None  # ``job_name``; None for alertmanager targets
    host: str
    port: int | None  # None when the target names no port (the scheme's default applies)
    error: str | None = None


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

    @property
    def service(self) -> str:
        """The service name the variable stands for: ``MANA_AUTH_PORT`` -> ``mana-auth``."""
        return self.variable[: -len("_PORT")].lower().replace("_", "-")


@dataclass(frozen=True)
class Deployment:
    """Everything read from the deployment files, in the order the files were given."""

    services: tuple[ComposeService, ...] = ()
    targets: tuple[ScrapeTarget, ...] = ()
    env_ports: tuple[EnvPort, ...] = ()
    files: tuple[tuple[Kind, str], ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # file -> lines, for quoting


# --- YAML nodes ----------------------------------------------------------------------------------


def _node_error(message: str, path: str, node: yaml.Node, lines: Sequence[str] = ()) -> InputError:
    line = node.start_mark.line + 1
    source = split_eol(lines[line - 1])[0] if 0 < line <= len(lines) else None
    return InputError(message, path=path, line=line, column=node.start_mark.column + 1, source_line=source)


def _compose_yaml(text: str, path: str) -> yaml.Node | None:
    """The YAML node graph of ``text`` (None for an empty file); invalid YAML is an InputError."""
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be parsed"
        if mark is None:
            raise InputError(f"is not valid YAML: {problem}", path=path) from None
        lines = split_lines(text)
        line = mark.line + 1
        source = split_eol(lines[line - 1])[0] if 0 < line <= len(lines) else None
        raise InputError(
            f"is not valid YAML: {problem}", path=path, line=line, column=mark.column + 1, source_line=source
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"is not valid YAML: {exc}", path=path) from None


def _scalar(node: yaml.Node | None) -> str | None:
    """The text of a scalar node as written; None for a null, a missing node or a collection."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
        return str(node.value)
    return None


def _column(node: yaml.Node) -> int:
    """1-based column of a scalar's text (past the opening quote of a quoted scalar)."""
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    return node.start_mark.column + 1 + (1 if quoted else 0)


def _mapping(node: yaml.Node, path: str, what: str, lines: Sequence[str]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """A mapping node's string keys -> (key node, value node), with ``<<`` merge keys applied.

    Keys written in the mapping win over merged ones, as in YAML's merge-key convention. A
    key written twice is an error (docker compose refuses such files too).
    """
    if not isinstance(node, yaml.MappingNode):
        raise _node_error(f"{what} must be a mapping", path, node, lines)
    own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    merged: list[yaml.Node] = []
    for key, value in node.value:
        if key.tag == _MERGE_TAG:
            merged.extend(value.value if isinstance(value, yaml.SequenceNode) else [value])
            continue
        name = _scalar(key)
        if name is None:
            continue
        if name in own:
            first = own[name][0].start_mark.line + 1
            raise _node_error(f"key {name!r} appears twice in {what} (first at line {first})", path, key, lines)
        own[name] = (key, value)
    for source in merged:
        if source is node:  # a mapping merging itself through an alias
            continue
        for name, pair in _mapping(source, path, f"{what} (merged with <<)", lines).items():
            own.setdefault(name, pair)
    return own


def _sequence(node: yaml.Node, path: str, what: str, lines: Sequence[str]) -> list[yaml.Node]:
    if _scalar(node) is None and isinstance(node, yaml.ScalarNode):
        return []  # "ports:" with nothing after it
    if not isinstance(node, yaml.SequenceNode):
        raise _node_error(f"{what} must be a list", path, node, lines)
    return list(node.value)


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
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise PortSpecError(f"{what} {text.strip()!r} is not a port or a port range")
    lo = int(match.group(1))
    hi = int(match.group(2)) if match.group(2) else lo
    for value in (lo, hi):
        if not MIN_PORT <= value <= MAX_PORT:
            raise PortSpecError(f"{what} {value} is outside 1-65535")
    if lo > hi:
        raise PortSpecError(f"{what} range {lo}-{hi} is reversed")
    return PortRange(lo, hi)


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
        return ComposePort(path, node.start_mark.line + 1, _column(node), written, None, None, None, "tcp", str(exc))
    return ComposePort(path, node.start_mark.line + 1, _column(node), written, host_ip, published, target, protocol)


def _long_port(node: yaml.Node, path: str, variables: Mapping[str, str], lines: Sequence[str]) -> ComposePort:
    keys = _mapping(node, path, "a ports entry", lines)
    anchor = keys["published"][1] if "published" in keys else node
    line, column = anchor.start_mark.line + 1, _column(anchor)

    def value(key: str) -> str | None:
        written = _scalar(keys[key][1]) if key in keys else None
        return interpolate(written, variables).strip() if written is not None else None

    written = _scalar(keys["published"][1]) if "published" in keys else None
    text = written if written is not None else str(_scalar(keys["target"][1]) if "target" in keys else "")
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
        return ComposePort(path, line, column, text, None, None, None, "tcp", str(exc))
    return ComposePort(path, line, column, text, host_ip, published, target, protocol)


def _expose(nodes: list[yaml.Node], variables: Mapping[str, str]) -> tuple[int, ...]:
    ports: set[int] = set()
    for node in nodes:
        written = _scalar(node)
        if written is None:
            continue
        try:
            ports.update(_span(interpolate(written, variables).split("/")[0], "exposed port"))
        except PortSpecError:
            continue  # exposed ports publish nothing; an unreadable one cannot drift on the host
    return tuple(sorted(ports))


def read_compose(text: str, path: str, variables: Mapping[str, str] | None = None) -> tuple[ComposeService, ...]:
    """Every service of a docker compose file with its published ports (short and long syntax).

    ``variables`` (from the given env files) resolve ``${VAR}`` without a default.
    """
    variables = variables or {}
    root = _compose_yaml(text, path)
    if root is None:
        return ()
    lines = split_lines(text)
    top = _mapping(root, path, "the top level of a compose file", lines)
    if "services" not in top:
        if any(key in _COMPOSE_KEYS or key.startswith("x-") for key in top):
            return ()
        raise _node_error("has no 'services:' mapping; is it a docker compose file?", path, root, lines)
    services_node = top["services"][1]
    if _scalar(services_node) is None and isinstance(services_node, yaml.ScalarNode):
        return ()
    services: list[ComposeService] = []
    for name, (key, node) in _mapping(services_node, path, "'services'", lines).items():
        keys = (
            _mapping(node, path, f"service {name!r}", lines)
            if not isinstance(node, yaml.ScalarNode) or _scalar(node) is not None
            else {}
        )
        ports: list[ComposePort] = []
        if "ports" in keys:
            for item in _sequence(keys["ports"][1], path, f"'ports' of service {name!r}", lines):
                if isinstance(item, yaml.ScalarNode):
                    ports.append(_short_port(item, path, variables))
                else:
                    ports.append(_long_port(item, path, variables, lines))
        expose = _sequence(keys["expose"][1], path, f"'expose' of service {name!r}", lines) if "expose" in keys else []
        container = _scalar(keys["container_name"][1]) if "container_name" in keys else None
        network_mode = _scalar(keys["network_mode"][1]) if "network_mode" in keys else None
        services.append(
            ComposeService(
                path,
                key.start_mark.line + 1,
                key.start_mark.column + 1,
                name,
                container,
                tuple(ports),
                _expose(expose, variables),
                network_mode,
            )
        )
    return tuple(services)


# --- Prometheus ----------------------------------------------------------------------------------


def parse_target(text: str) -> tuple[str, int | None]:
    """Split a Prometheus target ``host:port`` (``[::1]:9090`` for IPv6) into host and port.

    >>> parse_target("node-exporter:9100"), parse_target("[::1]:9090"), parse_target("example.org")
    (('node-exporter', 9100), ('::1', 9090), ('example.org', None))
    """
    text = text.strip()
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


def _targets(config: yaml.Node, path: str, job: str | None, what: str, lines: Sequence[str]) -> Iterator[ScrapeTarget]:
    keys = _mapping(config, path, what, lines)
    if "static_configs" not in keys:
        return
    for static in _sequence(keys["static_configs"][1], path, f"'static_configs' of {what}", lines):
        static_keys = _mapping(static, path, f"a static_config of {what}", lines)
        if "targets" not in static_keys:
            continue
        for node in _sequence(static_keys["targets"][1], path, f"'targets' of {what}", lines):
            written = _scalar(node)
            if written is None:
                raise _node_error(f"a target of {what} must be a 'host:port' string", path, node, lines)
            line, column = node.start_mark.line + 1, _column(node)
            try:
                host, port = parse_target(written)
            except PortSpecError as exc:
                yield ScrapeTarget(path, line, column, written, job, written, None, str(exc))
                continue
            yield ScrapeTarget(path, line, column, written, job, host, port)


def read_prometheus(text: str, path: str) -> tuple[ScrapeTarget, ...]:
    """Every ``static_configs`` target of every scrape job, and the alertmanager targets.

    Other service discovery (``file_sd_configs``, ``dns_sd_configs``, ...) and relabeling are
    not followed: only targets written in the file are read.
    """
    root = _compose_yaml(text, path)
    if root is None:
        return ()
    lines = split_lines(text)
    top = _mapping(root, path, "the top level of a Prometheus configuration", lines)
    found: list[ScrapeTarget] = []
    if "scrape_configs" in top:
        for config in _sequence(top["scrape_configs"][1], path, "'scrape_configs'", lines):
            keys = _mapping(config, path, "a scrape config", lines)
            job = _scalar(keys["job_name"][1]) if "job_name" in keys else None
            if job is None:
                raise _node_error("a scrape config has no 'job_name'", path, config, lines)
            found.extend(_targets(config, path, job, f"job {job!r}", lines))
    if "alerting" in top:
        alerting = _mapping(top["alerting"][1], path, "'alerting'", lines)
        if "alertmanagers" in alerting:
            for config in _sequence(alerting["alertmanagers"][1], path, "'alertmanagers'", lines):
                found.extend(_targets(config, path, None, "an alertmanager config", lines))
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


def load(
    compose: Sequence[str | os.PathLike[str]] = (),
    prometheus: Sequence[str | os.PathLike[str]] = (),
    env: Sequence[str | os.PathLike[str]] = (),
) -> Deployment:
    """Read every given deployment file (env files first: they resolve compose's ``${VAR}``).

    A variable set in several env files takes its value from the last one, as with several
    ``--env-file`` options of docker compose.
    """
    # A file named twice is read once (its services would otherwise be reported twice).
    compose_names = list(dict.fromkeys(os.fspath(path) for path in compose))
    prometheus_names = list(dict.fromkeys(os.fspath(path) for path in prometheus))
    env_names = list(dict.fromkeys(os.fspath(path) for path in env))
    sources: dict[str, tuple[str, ...]] = {}
    texts: dict[str, str] = {}
    for name in (*env_names, *compose_names, *prometheus_names):
        if name not in texts:
            texts[name] = read_text(name)
            sources[name] = tuple(split_eol(line)[0] for line in split_lines(texts[name]))
    variables: dict[str, str] = {}
    env_ports: list[EnvPort] = []
    for name in env_names:
        variables.update((var, value) for var, value, _, _ in read_variables(texts[name]))
        env_ports.extend(read_env(texts[name], name))
    services = [s for name in compose_names for s in read_compose(texts[name], name, variables)]
    targets = [t for name in prometheus_names for t in read_prometheus(texts[name], name)]
    files: list[tuple[Kind, str]] = [("compose", name) for name in compose_names]
    files += [("prometheus", name) for name in prometheus_names]
    files += [("env", name) for name in env_names]
    return Deployment(tuple(services), tuple(targets), tuple(env_ports), tuple(files), sources)

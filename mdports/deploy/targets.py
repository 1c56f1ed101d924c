r"""Prometheus configurations: the addresses each scrape job (and alertmanager) reaches.

>>> [(t.job, t.host, t.port, t.location.line) for t in read_prometheus('''
... scrape_configs:
...   - job_name: auth
...     static_configs:
...       - targets: ["mana-auth:3001"]
... ''', "prometheus.yml")]
[('auth', 'mana-auth', 3001, 5)]

The ingress rules of a Cloudflare Tunnel (``cloudflared`` config): which local port each hostname reaches.

>>> [(r.hostname, r.host, r.port, r.location.line) for r in read_cloudflared('''
... ingress:
...   - hostname: chat.example.com
...     service: http://localhost:5010
...   - service: http_status:404
... ''', "cloudflared.yml")]
[('chat.example.com', 'localhost', 5010, 4), (None, None, None, 5)]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

import yaml

from ..location import Location
from ..readonly import readonly
from .notation import Pairs, PortSpecError, YamlFile, parse_target, scalar

TargetRole = Literal["scrape", "probe", "rewritten"]


@readonly
class ScrapeTarget:
    """One address of a Prometheus job: a ``static_configs`` target, or the exporter a relabel names.

    ``role`` says what the address is: ``scrape``, the address Prometheus scrapes; ``probe``,
    what a blackbox-style job probes (its exporter is a ``scrape`` target of its own, and the
    job's name says nothing about what is probed); ``rewritten``, a target whose address
    relabelling rewrites in a way that cannot be read (``${1}:9100``), so it is not checked.
    """

    location: Location
    text: str
    job: str | None  # ``job_name``; None for alertmanager targets
    host: str
    port: int | None  # None when the target names no port (the scheme's default applies)
    error: str | None = None
    role: TargetRole = "scrape"
    machine: str = ""  # the configured host whose Prometheus scrapes it


def _target(node: yaml.Node, yaml_file: YamlFile, job: str | None, role: TargetRole) -> ScrapeTarget:
    written = str(scalar(node))
    at = yaml_file.location(node)
    try:
        host, port = parse_target(written)
    except PortSpecError as exc:
        return ScrapeTarget(at, written, job, written, None, str(exc), role)
    return ScrapeTarget(at, written, job, host, port, None, role)


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


def _job(keys: Pairs, yaml_file: YamlFile, job: str | None, what: str, seen: set[int]) -> Iterator[ScrapeTarget]:
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
            found.extend(_job(keys, yaml_file, job, f"job {job!r}", seen))
    if "alerting" in top:
        alerting = yaml_file.mapping(top["alerting"][1], "'alerting'")
        if "alertmanagers" in alerting:
            for config in yaml_file.sequence(alerting["alertmanagers"][1], "'alertmanagers'"):
                keys = yaml_file.mapping(config, "an alertmanager config")
                found.extend(_job(keys, yaml_file, None, "an alertmanager config", seen))
    return tuple(found)


@readonly
class TunnelRoute:
    """One ingress rule: the public hostname (and path), and the origin service it sends traffic to.

    ``host`` and ``port`` are None for a service that is not a network address
    (``http_status:404``, ``hello_world``, ``unix:/path``) or a URL without a port.
    """

    location: Location  # of the service value
    hostname: str | None
    path_pattern: str | None  # the rule's ``path:`` regex; the same hostname with other paths is no duplicate
    service: str
    host: str | None
    port: int | None
    error: str | None = None
    hostname_line: int = 0
    machine: str = ""


def read_cloudflared(text: str, path: str) -> tuple[TunnelRoute, ...]:
    """Every rule of the top-level ``ingress:`` list (``originRequest`` and the rest are not ports)."""
    yaml_file = YamlFile(text, path)
    if yaml_file.root is None:
        return ()
    top = yaml_file.mapping(yaml_file.root, "the top level of a cloudflared configuration")
    if "ingress" not in top:
        return ()
    routes: list[TunnelRoute] = []
    for rule in yaml_file.sequence(top["ingress"][1], "'ingress'"):
        keys = yaml_file.mapping(rule, "an ingress rule")
        if "service" not in keys or scalar(keys["service"][1]) is None:
            raise yaml_file.error("an ingress rule has no 'service'", rule)
        service_node = keys["service"][1]
        service = str(scalar(service_node))
        hostname_node = keys["hostname"][1] if "hostname" in keys else None
        hostname = scalar(hostname_node)
        pattern = scalar(keys["path"][1]) if "path" in keys else None
        host: str | None = None
        port: int | None = None
        error: str | None = None
        if "://" in service:
            try:
                host, port = parse_target(service)
            except PortSpecError as exc:
                error = str(exc)
        routes.append(
            TunnelRoute(
                yaml_file.location(service_node),
                hostname.casefold() if hostname else None,
                pattern,
                service,
                host,
                port,
                error,
                yaml_file.location(hostname_node if hostname_node is not None else rule).line,
            )
        )
    return tuple(routes)

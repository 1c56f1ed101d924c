r"""The ingress rules of a Cloudflare Tunnel (``cloudflared`` config): which local port each hostname reaches.

>>> [(r.hostname, r.host, r.port, r.line) for r in read_cloudflared('''
... ingress:
...   - hostname: chat.example.com
...     service: http://localhost:5010
...   - service: http_status:404
... ''', "cloudflared.yml")]
[('chat.example.com', 'localhost', 5010, 4), (None, None, None, 5)]
"""

from __future__ import annotations

from dataclasses import dataclass

from .port_values import PortSpecError, parse_target
from .yaml_nodes import YamlFile, scalar


@dataclass(frozen=True, slots=True)
class TunnelRoute:
    """One ingress rule: the public hostname (and path), and the origin service it sends traffic to.

    ``host`` and ``port`` are None for a service that is not a network address
    (``http_status:404``, ``hello_world``, ``unix:/path``) or a URL without a port.
    """

    path: str
    line: int
    column: int  # of the service value
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
                path,
                yaml_file.line(service_node),
                yaml_file.column(service_node),
                hostname.casefold() if hostname else None,
                pattern,
                service,
                host,
                port,
                error,
                yaml_file.line(hostname_node if hostname_node is not None else rule),
            )
        )
    return tuple(routes)

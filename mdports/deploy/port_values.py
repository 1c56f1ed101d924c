"""How deployment files write ports and addresses: a port or range, ``host:port`` or a URL.

Every reader (:mod:`~mdports.deploy.compose`, :mod:`~mdports.deploy.prometheus`,
:mod:`~mdports.deploy.envfile`, :mod:`~mdports.deploy.cloudflared`) reads its port values
here, so that a port means the same in every file and the document; a value that cannot be
read raises :class:`PortSpecError`, which the readers turn into a record with an ``error``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..model.ports import PortRange, PortSyntaxError, parse_span


class PortSpecError(ValueError):
    """A port specification in a deployment file that cannot be read; the message says why."""


def port_span(text: str, what: str) -> PortRange:
    """A port or a range (``3000-3005``) of a deployment file, read as the document's are."""
    if not text.strip()[:1].isdigit():  # parse_span would strip Markdown markup, which YAML has not
        raise PortSpecError(f"{what} {text.strip()!r} is not a port or a port range")
    try:
        return parse_span(text.strip())
    except PortSyntaxError as exc:
        raise PortSpecError(f"{what} {exc}") from None


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
    span = port_span(port_text, "port")
    if len(span) != 1:
        raise PortSpecError(f"port {port_text!r} is a range; a target has one port")
    return host, span.lo

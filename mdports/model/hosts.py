"""Hosts: how the document names the machines services run on, and which one a user means.

A list of running ports names its host with a label (``**Web box (`10.0.0.5`):**``) or a
heading ending in a colon; a table names it in a Host column or its section heading
(``## Server: gpu-box``). Hosts are compared by :func:`host_key` (case, spaces, punctuation and
parenthetical notes ignored), so ``web box``, ``Web-Box`` and ``Web box (production)`` are one
host; :func:`resolve_host` is the one place a host named by a user (``--host``, the servers'
``host`` argument) is matched to the document's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..errors import UsageError
from ..readonly import readonly
from .lookup import Registry
from .ports import strip_markup
from .registry import Entry
from .sections import slugify

# Configured hosts: name -> the addresses it is reached at (``[hosts.NAME]`` of the configuration).
HostAddresses = Mapping[str, Sequence[str]]
# Words that introduce ports: a label holding one ("Next Available Ports:") names no host.
PORT_WORDS = frozenset({"port", "ports", "port(s)", "porta", "portas", "puerto", "puertos", "porte", "порт", "端口"})
LABEL_BOLD = re.compile(r"\*\*([^*]{1,200})\*\*|__([^_]{1,200})__")
_ADDRESS_AFTER = re.compile(r"\([^()]{1,100}\)|`[^`]{1,100}`")
_PARENTHETICAL = re.compile(r"\(([^()]{0,200})\)")


@readonly
class Host:
    """A host label: the name as written (notes removed) and the address it gives, if any."""

    name: str
    address: str | None = None


def _is_address(text: str) -> bool:
    """``10.0.0.7``, ``web-01.example.org``, ``[::1]``: one word with a dot, a colon or a digit."""
    return bool(text) and all(ch.isalnum() or ch in ".:-_[]" for ch in text) and any(ch in ".:" for ch in text)


def host_key(text: str) -> str:
    """How a host is compared: case, spaces, punctuation and parenthetical notes ignored."""
    return slugify(_PARENTHETICAL.sub(" ", strip_markup(text)))


def read_label(text: str) -> Host | None:
    """The host a label names (``**Web box (`10.0.0.5`):**``), or None when ``text`` is not a label.

    A label is bold text ending in a colon (inside or outside the bold) with nothing after it,
    or a heading ending in a colon. An address in code or parentheses is the host's address;
    other parentheticals (``(production)``) are notes.

    >>> read_label("**Build server (`10.0.0.7`):**")
    Host(name='Build server', address='10.0.0.7')
    >>> read_label("**Web box (production):**")
    Host(name='Web box', address=None)
    >>> read_label("**Not deployed:** `shop-voice`") is None
    True
    """
    text = text.strip()
    bold = LABEL_BOLD.match(text)
    if bold is None:
        return None  # "These accept TCP connections:" is a sentence, not a host
    inner = (bold.group(1) or bold.group(2)).strip()
    rest = text[bold.end() :].strip()
    if rest.endswith(":") and _ADDRESS_AFTER.fullmatch(rest[:-1].strip()):
        inner, rest = f"{inner.removesuffix(':')} {rest[:-1].strip()}", ":"  # "**GPU box** (192.168.7.20):"
    if rest not in ("", ":") or not (inner.endswith(":") or rest == ":"):
        return None
    return _host(inner.removesuffix(":").strip())


def heading_host(text: str) -> Host | None:
    """The host a heading names when it ends in a colon (``### Web box (10.0.0.5):``)."""
    text = text.strip()
    return _host(text[:-1].strip()) if text.endswith((":", "：")) else None


def _host(text: str) -> Host | None:
    address = None
    notes: list[str] = []
    for match in _PARENTHETICAL.finditer(text):
        inner = match.group(1).strip()
        plain = inner.strip("`").strip()
        if address is None and (inner.startswith("`") or _is_address(plain)):
            address = plain
        else:
            notes.append(inner)
    name = _PARENTHETICAL.sub(" ", text)
    if address is None and "`" in name:  # "**web-01 `10.0.0.5`:**"
        start = name.find("`")
        end = name.find("`", start + 1)
        if end > start:
            address = name[start + 1 : end].strip() or None
            name = name[:start] + name[end + 1 :]
    name = " ".join(strip_markup(name).split())
    if not name or len(name) > 80 or not PORT_WORDS.isdisjoint(name.casefold().split()):
        return None  # "Next Available Ports:" introduces ports, it names no host
    return Host(name, address)


def host_address(text: str) -> str | None:
    """The address a host's text gives (``staging (10.0.0.9)``, ``web-01 `10.0.0.5` ``), if any."""
    host = _host(text)
    return host.address if host is not None else None


def document_hosts(registry: Registry) -> dict[str, str]:
    """Every host the document names, by :func:`host_key`: the label as first written."""
    names: dict[str, str] = {}
    for entry in registry.every_entry:
        if entry.host and (key := host_key(entry.host)) not in names:
            names[key] = entry.host
    for section in registry.sections:
        if section.host and (key := host_key(section.host)) not in names:
            names[key] = section.host
    return names


def resolve_host(registry: Registry, name: str, configured: HostAddresses | None = None) -> str:
    """The host of the document that ``name`` means, as the document first writes it.

    ``name`` matches a host as written, compared by :func:`host_key` (``web box`` =
    ``**Web box (production):**`` = a ``Web-Box`` Host cell), or a configured host
    (``[hosts.NAME]``) whose address is the address a label or Host cell gives. Anything else
    is a :class:`UsageError` listing the document's hosts.
    """
    names = document_hosts(registry)
    key = host_key(name)
    if key in names:
        return names[key]
    for configured_name, addresses in (configured or {}).items():
        if host_key(configured_name) != key:
            continue
        wanted = {address.casefold() for address in addresses}
        for entry in registry.every_entry:
            if entry.host and ((entry.address or host_address(entry.host) or "").casefold() in wanted):
                return entry.host
    known = ", ".join(repr(host) for host in names.values()) or "none"
    raise UsageError(
        f"no host {name!r} in the document; its hosts: {known}",
        path=registry.path,
        hint="name the host as the document writes it (case, spaces and notes do not matter), "
        "or give the configured [hosts.NAME] the address the document gives it",
    )


def running_on(registry: Registry, host: str) -> list[Entry]:
    """The running entries on ``host`` (list items and rows of running tables), in document order."""
    key = host_key(host)
    found = [e for e in registry.every_entry if e.layer == "running" and e.host and host_key(e.host) == key]
    return sorted(found, key=lambda e: e.line)

"""Ports inside addresses: a table whose cells say where a service listens, not a port alone.

``| Service | Écoute |`` holding `` `<eth0>:53` ``, ``| 服务 | 地址 |`` holding
``prometheus.monitoring.svc.cluster.local:9090``, ``| Agent | Container Frontend |`` holding
``compliance-frontend:3000``: no header names a port column, but every cell is an address with
an explicit port. Such a column is the table's port column; the part before the port (a host, an
interface, a cluster DNS name) is where the port is taken: the port's role, and the entry's
``place``, which scopes the port (53 on ``<eth0>`` and on ``<eth1>`` is no clash).

Only tables without a port column are looked at, from their cells, once per table; a row without
a port of its own looks at its other cells (:func:`address_elsewhere`, :func:`unpublished_port`).
Every address is split by :func:`.ports.authority`, the one reader of ``host:port``; the shapes
here say what they accept around it (:func:`read_address`, :func:`url_route`).
"""

from __future__ import annotations

import re

from ..readonly import readonly
from ..syntax.document import Table
from .ports import NO_PORT, PortCell, PortRange, PortSyntaxError, authority, parse_port_cell, strip_markup
from .vocabulary import Vocabulary, normalize_header, port_side

_PORT = re.compile(r"\d{1,5}")
_PATH = re.compile(r"[/?#]\S{0,2048}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Between addresses: `,`, `;`, ` / `, ` | `, or a word. The look-behind starts a separator where a run of
# blanks starts: a split does not retry a long run from each of its places (quadratic).
_SEPARATOR = re.compile(r"(?<!\s)\s*[,;]\s*|(?<!\s)\s+(?:[/|]|or|and|oder|ou|o|y|et|und)\s+")
_FOOTNOTES = "¹²³⁴⁵⁶⁷⁸⁹⁰*†‡"
# Loopback and wildcard hosts: the machine itself, not a host of its own.
_THIS_MACHINE = frozenset({"", "localhost", "127.0.0.1", "0.0.0.0", "[::1]", "[::]", "*", "host.docker.internal"})
# Headers of columns whose `name:number` cells are image tags or versions, not addresses.
_NOT_ADDRESS_HEADERS = ("image", "version", "tag", "镜像", "版本", "imagen", "versión")


@readonly
class Address:
    """One address with a port: where (its host, "" for this machine's every address) and the port."""

    host: str
    port: int
    url: bool  # a URL (``http://localhost:9080/docs``)
    path: str = ""  # a URL's path (``/docs``): a route behind the listener on the port


def read_address(text: str) -> Address | None:
    """The address a cell's text is (markup and parentheses around it removed), or None.

    >>> read_address("`<eth0>:53`")
    Address(host='<eth0>', port=53, url=False, path='')
    >>> read_address("http://localhost:9080/api/workspace")
    Address(host='localhost', port=9080, url=True, path='/api/workspace')
    >>> read_address("12:30") is None, read_address("1.2:3") is None, read_address("http://example.org/") is None
    (True, True, True)
    """
    text = strip_markup(text.strip().rstrip(_FOOTNOTES).strip())
    if text.startswith("(") and text.endswith(")"):
        text = strip_markup(text[1:-1])
    if len(text) > 2400:
        return None
    found = authority(text)
    if found is None or found.port is None or not _PORT.fullmatch(found.port):
        return None
    if found.rest and not _PATH.fullmatch(found.rest):
        return None
    host, port = found.host, int(found.port)
    if not 1 <= port <= 65535 or found.port.startswith("0"):
        return None
    if ">" in host[:-1]:
        return None  # a template (`<name>-api:8090`): only a URL's host holds a placeholder
    name = host.strip("<>[]")
    if host and host[0] not in "[<" and not any(c.isalpha() for c in name) and not _IPV4.fullmatch(name):
        return None  # `12:30`, `1.2:3`: a time, a version
    if found.rest and not found.scheme:
        return None  # `host:80/tcp` is a port cell, `a:1/b` no address
    return Address(host, port, bool(found.scheme), found.rest.rstrip("/"))


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def url_route(text: str) -> tuple[str, int, str] | None:
    """The host, port (the scheme's when none is written) and path of a URL to a named host, or None:
    a URL to an address (``http://10.0.0.5:80``) or to a name without a dot, or no URL.

    >>> url_route("https://Grafana.example.org/d/"), url_route("http://localhost:3000") is None
    (('grafana.example.org', 443, '/d'), True)
    """
    found = authority(text)
    if found is None or not found.scheme:
        return None
    host = found.host.lower()
    if "." not in host or host.strip("[]").replace(".", "").isdigit() or host[:1] in "[<":
        return None
    if found.port and not (_PORT.fullmatch(found.port) and int(found.port) <= 65535):
        return None  # not a URL after all ("http://x:99999")
    port = int(found.port or "0") or _DEFAULT_PORTS.get(found.scheme, 0)
    return host, port, found.rest.partition("?")[0].partition("#")[0].rstrip("/")


def read_addresses(text: str) -> tuple[Address, ...]:
    """Every address of a cell that holds only addresses (`` `:9093` / `:9094` ``), else ()."""
    text = strip_markup(text)
    if not text or ":" not in text:
        return ()
    found = []
    for part in _SEPARATOR.split(text[:4096]):
        if not part:
            continue
        address = read_address(part)
        if address is None:
            return ()
        found.append(address)
    return tuple(found)


def _evidence(address: Address) -> bool:
    """Whether an address says where a service listens, and could be nothing else.

    Not ``redis:7`` (an image tag has a bare name and a small number), and not a URL: a column
    of URLs (``Health check URL``, ``Access``) is the way to reach services told elsewhere, often
    through a proxy, so URLs alone do not make a column of addresses (a URL among them is read).
    """
    if address.url:
        return False
    bare_name = address.host and address.host[0] not in "[<" and "." not in address.host
    return not bare_name or address.port >= 100 or address.host.lower() == "localhost"


def address_column(block: Table, service: int | None, named: bool = False) -> int | None:
    """The first column (not the service's) more than half of whose filled cells are addresses with a
    port, at least one of which is plainly an address; None when there is none.

    ``named``: every address must name its host (``field-service:3000``), for the name is the service's.
    """
    rows = block.body
    if not rows or (service is None and not named):
        return None
    for index, header in enumerate(block.header.texts):
        if index == service or any(word in normalize_header(header) for word in _NOT_ADDRESS_HEADERS):
            continue
        filled = plain = addresses = 0
        for row in rows:
            cell = row.texts[index] if index < len(row.texts) else ""
            text = strip_markup(cell)
            if not text or text.lower() in NO_PORT:
                continue
            filled += 1
            found = read_addresses(text) if ":" in text else ()
            if found and named and not all(names_listener(a.host) and a.host not in _THIS_MACHINE for a in found):
                continue
            if found:
                addresses += 1
                plain += any(_evidence(address) for address in found)
        if plain and 2 * addresses > filled:
            return index
    return None


def address_cell(text: str) -> PortCell | None:
    """The ports of a cell of an address column, each with its place as role; None: no address."""
    found = read_addresses(text)
    if not found:
        return None
    return PortCell(
        tuple(PortRange(a.port, a.port) for a in found),
        (),
        tuple(a.host for a in found) if any(a.host for a in found) else (),
    )


def address_host(roles: tuple[str, ...]) -> str | None:
    """The one place every port of an address cell is taken on (its roles), None for this machine
    (``localhost``, ``:80``) or for several places: ports there are unique per place."""
    places = set(roles)
    if len(places) != 1:
        return None
    place = places.pop()
    return None if place.lower() in _THIS_MACHINE else place


def names_listener(place: str) -> bool:
    """Whether a place is the name of the listener itself (``camunda``, ``kite.svc.cluster.local``): rows
    naming it are routes to one upstream. An interface (``<eth0>``) or an address is a machine's."""
    return bool(place) and place[:1] not in "<[" and not _IPV4.fullmatch(place)


def addressed(text: str, cell: PortCell, error: str | None) -> tuple[PortCell, str | None]:
    """A row's port cell read from an address column: the address's ports (their places as roles),
    and the one place they are taken at (:func:`address_host`).

    A cell that is no address reads as the port it is (``3456``), or as no port: the column's
    header names no port, so a note in it (``Vercel``, ``<name>-frontend:3008``) is no port, and
    no malformed port either.
    """
    found = address_cell(text)
    if found is None:
        port = noted_port(text)
        if port is not None:  # a note that opens with its port: `Port 5432, default network`
            return PortCell((PortRange(port, port),)), None
        return (cell if error is None and strip_markup(text).isdigit() else PortCell(())), None
    return found, address_host(found.roles)


# A note that opens with the port it says (`Port 5432, reachable only on core-data`, `端口 6379，内部`):
# a port word, the number, then the end, punctuation or a blank. Anchored and bounded: linear.
_NOTED_PORT = re.compile(
    r"(?:ports?|puertos?|portas?|porte|порт|端口|포트|ポート)[ \t]{0,3}:?[ \t]{0,3}(\d{1,5})"
    r"(?=$|[\s,;:()，；。]|\.(?!\d))",
    re.I,
)


def noted_port(text: str) -> int | None:
    """The port a note opens with (``Port 5432, default network``), or None."""
    match = _NOTED_PORT.match(strip_markup(text))
    if match is None or match.group(1).startswith("0") or int(match.group(1)) > 65535:
        return None
    return int(match.group(1))


def noted_column(block: Table, service: int | None) -> int | None:
    """In a table without a port column, the first column (not the service's) at least half of whose
    filled cells, and two or more, open with their port (``Port 5432, reachable only on core-data``):
    the notes say each row's port; a row whose note names none (``Outbound only``) has no port."""
    if service is None:
        return None
    for index in range(len(block.header.texts)):
        if index == service:
            continue
        cells = [row.texts[index] for row in block.body if index < len(row.texts) and row.texts[index].strip()]
        noted = sum(1 for cell in cells if noted_port(cell) is not None)
        if noted >= 2 and 2 * noted >= len(cells):
            return index
    return None


def address_elsewhere(texts: tuple[str, ...], skip: tuple[int, ...], note: str) -> tuple[PortCell, str | None] | None:
    """The port of a row whose port cell holds none (``-``, ``Traefik (/api/x)``), from the one address
    with a port in another of its cells (``http://localhost:9080/api/x``, ``pg.db.svc.cluster.local:5432``).

    A URL with a path reaches the service through the listener on that port, a gateway's: the port's
    role says so (``via Traefik (/api/x)``), and a proxy's port is no clash. Otherwise the role is
    the address's host, its place. None when no cell, or more than one, holds an address.
    """
    found: list[Address] = []
    for index, text in enumerate(texts):
        if index not in skip and ":" in text:
            found.extend(read_addresses(text))
    if len(found) != 1:
        return None
    address = found[0]
    note = strip_markup(note)
    note = "" if note.lower() in NO_PORT else note
    if address.url and address.path:
        role = note if note and port_side(note) == "proxy" else f"via {note or address.path}"
    else:
        role = address.host
    span = PortRange(address.port, address.port)
    place = None if role.startswith("via") else address_host((address.host,))
    return PortCell((span,), (), (role,) if role else ()), place


def unpublished_port(texts: tuple[str, ...], columns: tuple[int, ...]) -> tuple[PortCell, None] | None:
    """The port of a row whose published port is ``-``, from its container port column: a port not
    published, internal to its container network (``| Host Port | Container Port |`` with ``– | 5432``).

    Its role says so (``internal``): no clash with the ports published on the host.
    """
    for column in columns:
        text = texts[column] if column < len(texts) else ""
        if not any(c.isdigit() for c in text):
            continue
        try:
            cell = parse_port_cell(text)
        except PortSyntaxError:
            continue
        if cell.spans:
            return PortCell(cell.spans, cell.protocols, ("internal",) * len(cell.spans)), None
    return None


# Gateway routes: a table of paths behind one gateway port, each naming the service it reaches.
#
# ``| Kong Route | Service:Port |`` holding ``/api/v1/fields | field-management-service:3000`` or
# ``| Path | Internal Service | Internal Port |`` holding ``/auth/v1/* | Auth (GoTrue) | 9999``:
# every row is a route of the gateway, and what it reaches is a service on its own port. The
# upstream is read: its service (the column that names it, or the name in the address) and its
# port. The gateway's port, shared by every route, is not the routes' port: no clash between them.
#
# Looked at only for tables whose header names no service column, once per table.
# Headers whose last word names what a route reaches: `Internal Service`, `Upstream`, `Backend service`.
_UPSTREAM_WORDS = frozenset({"upstream", "backend", "target", "destination", "后端", "上游"})


def route_column(block: Table) -> int | None:
    """The first column more than half of whose filled cells are paths (``/api/v1/x``, ``/auth/v1/*``)."""
    rows = block.body
    for index in range(len(block.header.texts)):
        cells = [strip_markup(row.texts[index]) for row in rows if index < len(row.texts) and row.texts[index].strip()]
        if cells and 2 * sum(1 for cell in cells if cell.startswith("/") and " " not in cell) > len(cells):
            return index
    return None


def upstream_service(block: Table, route: int, taken: set[int], vocab: Vocabulary) -> int | None:
    """In a table of routes, the column naming the service each route reaches: a header whose last
    word is a service word or an upstream (``Internal Service``, ``Upstream``), but the route's."""
    for index, header in enumerate(block.header.texts):
        if index == route or index in taken:
            continue
        words = normalize_header(header).replace("/", " ").split()
        if words and (words[-1] in _UPSTREAM_WORDS or vocab.service_rank(words[-1]) is not None):
            return index
    return None

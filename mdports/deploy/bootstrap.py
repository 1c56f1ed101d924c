"""A first port document, written from the deployment: what ``mdports init`` writes when there is none.

Every port the deployment publishes on a host becomes a row (port, service, protocol, and the
``file:line`` that defines it): compose host ports (``${VAR:-default}`` resolved from the
default and the host's env files, as drift reads them), the host ports of ``network_mode: host``
services, and the local ports that Prometheus scrapes, a tunnel routes to or an env file names
(``NAME_PORT=NNNN``) when no compose service publishes them.

Each host is a section (``## Server: NAME``; the unnamed host's is ``## This host``), and in it
a sub-section per hundred ports where two or more ports cluster (``### 3000-3099: prod``); ports alone
in their hundred go to ``### Other ports``, which has no range. Kubernetes Service and node
ports and other machines' addresses are no host ports of one machine: they go into
``### Other addresses``, whose port column is ``Internal Port`` (a container port column), so
that eighty Services on port 80 clash with nothing. A ``Purpose`` column says what each port is
(``container port 80``), which makes several rows of one service one service.

The same port published twice on one host is written twice, so that ``validate`` reports the
deployment's real clash (MP001) instead of the document hiding it. The text is built once from
these records and rendered; nothing is re-parsed to build it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterable

from ..location import Location
from ..readonly import readonly
from ..syntax.escaping import escape_markdown
from .deployment import Deployment
from .matching import LOCAL_HOSTS

OTHER_PORTS = "Other ports"
# "Purpose" says what each port is for: one service on several rows is then one service (no MP002).
_HEADER = ("Port", "Service", "Protocol", "Purpose", "Defined at")
_KUBE_HEADER = ("Internal Port", "Service", "Protocol", "Purpose", "Defined at")  # a container port column
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
_NOT_IN_CODE = frozenset("`|\\\x7f\ufeff") | {chr(c) for c in (*range(0x20), *range(0x80, 0xA0))}
_NOT_IN_CODE |= {chr(c) for c in (*range(0x200B, 0x2010), *range(0x2028, 0x202F), *range(0x2066, 0x206A))}


@readonly(order=True)
class Row:
    """One published port (or span) of a host, and where it is defined."""

    lo: int
    hi: int
    protocol: str
    service: str
    location: Location  # of the record that publishes it
    purpose: str = ""

    @property
    def port(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


def host_ports(deployed: Deployment) -> dict[str, list[Row]]:
    """The host ports of each host (``""`` is the unnamed one), in the order they were read."""
    hosts: dict[str, list[Row]] = {machine.name: [] for machine in deployed.machines}
    taken: dict[str, set[int]] = {name: set() for name in hosts}

    def add(host: str, row: Row) -> None:
        hosts.setdefault(host, []).append(row)
        taken.setdefault(host, set()).update(range(row.lo, row.hi + 1))

    for service in deployed.services:
        if service.host_network:
            for number in sorted(service.container_ports):
                add(
                    service.machine,
                    Row(
                        number,
                        number,
                        "tcp",
                        service.name,
                        service.location,
                        "host network",
                    ),
                )
            continue
        for mapping in service.ports:
            if mapping.exact and mapping.published is not None:
                published = mapping.published
                purpose = f"container port {mapping.target}" if mapping.target is not None else "published"
                row = Row(
                    published.lo,
                    published.hi,
                    mapping.protocol,
                    service.name,
                    mapping.location,
                    purpose,
                )
                add(service.machine, row)
    # Traffic sent to a local port nothing above publishes: a row, so drift finds it documented.
    services = {name for s in deployed.services for name in s.names}
    for target in deployed.targets:
        if target.port is None or target.error is not None or target.host in services:
            continue  # a compose service's container port: its host port is its mapping's
        if target.host.casefold() not in LOCAL_HOSTS or target.port in taken.get(target.machine, set()):
            continue  # another machine's port is listed under other addresses
        name = target.job or f"port-{target.port}"
        row = Row(target.port, target.port, "tcp", name, target.location, f"{target.role} target")
        add(target.machine, row)
    for route in deployed.routes:
        local = (route.host or "").casefold() in LOCAL_HOSTS
        if (
            route.port is not None
            and route.error is None
            and local
            and route.port not in taken.get(route.machine, set())
        ):
            name = (route.hostname or f"port-{route.port}").split(".")[0]
            add(
                route.machine,
                Row(route.port, route.port, "tcp", name, route.location, "tunnel route"),
            )
    for variable in deployed.env_ports:
        known = taken.get(variable.machine, set())
        if variable.port is not None and variable.error is None and variable.port not in known:
            name = variable.variable.casefold().removesuffix("_port").replace("_", "-") or variable.variable
            row = Row(
                variable.port,
                variable.port,
                "tcp",
                name,
                variable.location,
                variable.variable,
            )
            add(variable.machine, row)
    return {host: _one_row_per_port(rows) for host, rows in hosts.items()}


def _one_row_per_port(rows: list[Row]) -> list[Row]:
    """``1514/tcp`` and ``1514/udp`` of one service of one file are one row ``tcp/udp`` (two would be MP002).

    The same port of two files stays two rows: that is a clash of the deployment, for validate to report.
    """
    merged: dict[tuple[str, int, int, str], Row] = {}
    for row in rows:
        key = (row.service, row.lo, row.hi, row.location.path)
        first = merged.get(key)
        if first is None:
            merged[key] = row
        elif row.protocol not in first.protocol.split("/"):
            merged[key] = dataclasses.replace(first, protocol=f"{first.protocol}/{row.protocol}")
        else:
            merged[key] = first  # the same port twice for one service: one row says it
    return list(merged.values())


def elsewhere(deployed: Deployment, named: dict[str, list[Row]] | None = None) -> dict[str, list[Row]]:
    """Each host's ports that are not its host ports: Kubernetes Service ports (cluster addresses)
    and addresses Prometheus scrapes on other machines (an exporter's ``redis-exporter:9121``).

    A target whose host is a name ``named`` (the host ports) already gives a row is that row's
    service: a second row of one name in another table would be a second service (MP002).
    """
    hosts: dict[str, list[Row]] = {}
    for manifests in deployed.kubernetes:
        for kube in manifests.services:
            for port in kube.ports:
                if port.error is not None:
                    continue
                # A node port is a port of every node; beside its Service port, one service in one table.
                for number, purpose in ((port.port, "Service port"), (port.node_port, "node port")):
                    if number is not None:
                        row = Row(number, number, port.protocol, kube.name, port.location, purpose)
                        hosts.setdefault(manifests.machine, []).append(row)
    published = {(host, row.service, row.lo) for host, rows in (named or {}).items() for row in rows}
    for host, rows in hosts.items():
        # A Service of the name and port of a compose service's host port is that row (no second one: MP002).
        rows[:] = [row for row in rows if (host, row.service, row.lo) not in published]
    services = {name for s in deployed.services for name in s.names}
    services.update(row.service for rows in (named or {}).values() for row in rows)
    for target in deployed.targets:
        if target.port is None or target.error is not None or target.host.casefold() in LOCAL_HOSTS:
            continue
        if target.host not in services:  # a compose service's own port is its container port
            row = Row(
                target.port,
                target.port,
                "tcp",
                target.host,
                target.location,
                f"{target.role} target",
            )
            hosts.setdefault(target.machine, []).append(row)
    return hosts


def clusters(rows: Iterable[Row]) -> list[tuple[tuple[int, int] | None, list[Row]]]:
    """Rows by hundred ports where two or more different ports cluster; the rest under no range.

    A service whose ports lie in several hundreds keeps its rows together under no range: rows
    of one service in two tables would read as two services of one name (MP002).

    >>> [(span, [r.port for r in group]) for span, group in clusters(
    ...     [Row(3001, 3001, "tcp", "a", Location("f", 1, 1)), Row(3000, 3000, "tcp", "b", Location("f", 2, 1)),
    ...      Row(5432, 5432, "tcp", "c", Location("f", 3, 1))])]
    [((3000, 3099), ['3000', '3001']), (None, ['5432'])]
    """
    ordered = sorted(rows)
    blocks_of: dict[str, set[int]] = {}
    for row in ordered:
        blocks_of.setdefault(row.service, set()).update({row.lo // 100, row.hi // 100})
    blocks: dict[int, list[Row]] = {}
    wide: list[Row] = []
    for row in ordered:
        if len(blocks_of[row.service]) == 1:
            blocks.setdefault(row.lo // 100, []).append(row)
        else:
            wide.append(row)
    # A hundred is a range when two or more ports cluster there and no row left under no range
    # lies in it (that row would be in another section's range: MP106). Dropping a hundred
    # can drop another, so until nothing changes.
    while True:
        inside = {number // 100 for row in wide for number in (row.lo, row.hi)}
        dropped = [b for b, group in blocks.items() if len({row.lo for row in group}) < 2 or b in inside]
        if not dropped:
            break
        for block in dropped:
            wide.extend(blocks.pop(block))
    ranged: list[tuple[tuple[int, int] | None, list[Row]]] = [
        ((max(block * 100, 1), min(block * 100 + 99, 65535)), group) for block, group in sorted(blocks.items())
    ]
    if wide:
        ranged.append((None, sorted(wide)))
    return ranged


def _table(header: tuple[str, ...], rows: Iterable[Row]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * (len(cell) + 2) for cell in header) + "|"]
    for row in rows:
        cells = (
            row.port,
            _cell(row.service),
            row.protocol,
            _cell(row.purpose),
            _code(row.location.path_line),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    """Text for a table cell: as it is when plain, else Markdown escaped (a ``|`` would end the cell)."""
    return text if _PLAIN.fullmatch(text) or not text else escape_markdown(text).replace("|", "\\|")


def _code(text: str) -> str:
    """``file:line`` in a code span when it can be one (no backtick, pipe or control), else escaped."""
    return f"`{text}`" if 0 < len(text) <= 500 and _NOT_IN_CODE.isdisjoint(text) else _cell(text)


def _host_title(name: str) -> str:
    return f"Server: {name}" if name else "This host"


def render(deployed: Deployment, date: datetime.date) -> str:
    """The document's text (LF line endings)."""
    ports = host_ports(deployed)
    kube = elsewhere(deployed, ports)
    names = sorted(set(ports) | set(kube), key=lambda name: (name != "", name))
    lines = [
        "# Port Schema",
        "",
        "The ports this repository's deployment publishes, one row per port, with the file and line",
        "that defines it. Written by `mdports init` from the deployment files; keep it current with",
        "`mdports add`, `move` and `set`, and compare it with the deployment with `mdports drift`.",
        "",
        f"**Last updated:** {date.isoformat()}",
    ]
    for name in names:
        if not ports.get(name) and not kube.get(name):
            continue
        lines += ["", f"## {_host_title(name)}"]
        for span, group in clusters(ports.get(name, [])):
            # "3000-3099" alone is no range heading; "3000-3099: prod" is.
            title = f"{span[0]}-{span[1]}: {name or 'this host'}" if span else OTHER_PORTS
            lines += ["", f"### {title}", "", *_table(_HEADER, group)]
        if kube.get(name):
            note = "Kubernetes Service ports and other machines' ports: no host ports here."
            lines += ["", "### Other addresses", "", note, ""]
            lines += _table(_KUBE_HEADER, sorted(kube[name]))
    return "\n".join(lines) + "\n"

"""The rules about rows that clash: two services on one port, one name on two rows, names that look alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ..model.lists import host_key
from ..model.lookup import Registry
from ..model.names import describe, fold_name, mixed_script_confusable
from ..model.port_sharing import (
    container_views,
    holds_no_port,
    machine_sections,
    one_deployment,
    other_environment,
    roles_of_one_service,
    summarizes,
)
from ..model.ports import format_ports, merge_spans
from ..model.registry import Entry
from .entries import entry_finding
from .entry_rules import DUPLICATE_PORT, DUPLICATE_SERVICE
from .findings import Finding
from .structure_rules import CONFUSABLE_SERVICE


def _assigned(registry: Registry) -> Iterator[Entry]:
    return (entry for entry in registry.entries if entry.service is not None)


def check_duplicate_ports(registry: Registry, path: str) -> Iterator[Finding]:
    """Ports are unique per host and protocol; a container's own port is unique only in its container.

    Only the ports a service listens on itself count (:meth:`Entry.own_ports`): ``8080 (internal)``
    is in its container, ``8002 (via Caddy)`` is the proxy's, which many services share.

    The running layer is a namespace of its own, per host (compared as :func:`host_key` does):
    the same port on two hosts is fine, and a running port is no clash with the plan.
    """
    first_holder: dict[tuple[int, str, str | None], Entry] = {}
    container = {index for index, table in enumerate(registry.tables) if table.port_kind == "container"}
    if container:  # a table of one container's ports, under its heading (model.port_sharing)
        container |= container_views(registry, container)
    repeated: frozenset[int] = frozenset()
    if any(table.record for table in registry.tables):  # a table per service (model.key_value): rare, loaded then
        from ..model.key_value import repeated_records

        repeated = repeated_records(registry)
    machines = machine_sections(registry.sections, registry.entries)
    no_port: dict[int, bool] = {}

    def holds_none(entry: Entry) -> bool:  # asked of rows on a port another row holds: the usual row never
        key = id(entry)  # table rows and list items number their indexes apart
        if key not in no_port:
            no_port[key] = holds_no_port(entry)
        return no_port[key]

    for entry in (e for e in registry.every_entry if e.service is not None):
        if container and entry.source == "table" and entry.table in container:
            continue  # every container has its own network namespace
        if repeated and entry.source == "table" and entry.index in repeated:
            continue  # a record and a row of one service: its clashes are reported at the first
        clashes = _clashes(registry, entry, _namespace(registry, entry, machines), first_holder, holds_none)
        if clashes is None:
            continue  # retired, inside its container, or every host's row (model.port_sharing): no clash either way
        if not clashes or (len(clashes) > 1 and summarizes(entry, clashes)):
            continue  # `mda | 110, 143, 993, 995` names rows of another table together (model.port_sharing)
        where = f" on {entry.host}" if entry.layer == "running" and entry.host else ""
        for holder, ports in clashes.items():
            yield entry_finding(
                DUPLICATE_PORT,
                path,
                entry,
                entry.port_column,
                f"port {format_ports(ports)} of {entry.service}{where} is already assigned to {holder.service} "
                f"(line {holder.line})",
                "give one of them a free port (`mdports next-free --range ...`)",
                sorted(set(ports)),
            )


def _clashes(
    registry: Registry,
    entry: Entry,
    host: str,
    first_holder: dict[tuple[int, str, str | None], Entry],
    holds_none: Callable[[Entry], bool],
) -> dict[Entry, list[int]] | None:
    """The earlier holders ``entry`` clashes with, and on which ports; None when it holds no port.

    A row that holds no port (``holds_none``: retired, inside its container, every host's) is
    asked only when another row is on its port: as a first holder it gives the port up to that
    row, and as a later one it clashes with nothing. So two live rows after it still clash.
    """
    clashes: dict[Entry, list[int]] = {}
    # Most rows: every port is the service's own; a note can say a port is internal or a proxy's.
    noted = entry.roles or (entry.service or "").endswith(")")
    spans = merge_spans(entry.own_ports()) if noted else entry.spans
    for span in spans:
        for port in span:
            for protocol in entry.protocols:
                key = (port, protocol, host)
                holder = first_holder.setdefault(key, entry)
                if holder is entry:
                    continue
                if holds_none(entry):
                    return None
                if holds_none(holder):
                    first_holder[key] = entry  # the port was never the retired row's to hold
                    continue
                if (
                    not _one_upstream(holder, entry)
                    and not _seen_again(holder, entry)
                    and not registry.seen_twice(holder, entry)
                    and not registry.shares_listener(holder, entry, port)
                    and not other_environment(holder, entry)
                    and not roles_of_one_service(holder, entry)
                    and not one_deployment(holder, entry)
                ):
                    clashes.setdefault(holder, []).append(port)
    return clashes


def _namespace(registry: Registry, entry: Entry, machines: Mapping[int, str]) -> str:
    """Where ``entry`` holds its ports: two entries clash only on a port of one namespace.

    The plan's host, or the running host; a heading naming one machine of several
    (``machines``, model.port_sharing) is that machine; a table of dev ports is a machine of its
    own (a developer's); a table whose port column is known only by its content is its own (no
    header says where); an address's place (`<eth0>`, a cluster name) scopes the port within them.
    """
    host = entry.host if entry.layer == "planned" else "running:" + host_key(entry.host or "")
    if machines and entry.layer == "planned" and entry.host is None and entry.section in machines:
        host = "machine:" + machines[entry.section]
    if entry.source == "table":
        table = registry.tables[entry.table]
        if table.port_kind == "dev":
            host = f"dev:{host}"
        elif table.port_by_content:
            host = f"table {entry.table}:{host}"
    return f"{host}@{entry.place}" if entry.place else str(host)


def _one_upstream(first: Entry, entry: Entry) -> bool:
    """Two routes to one upstream (``/api/weather`` and ``/api/weather/forecast`` to ``weather:8092``)."""
    if first.place is None or first.place != entry.place:
        return False
    from ..model.addresses import names_listener  # routes and addresses only: loaded when a place is shared

    return names_listener(first.place)


def _seen_again(first: Entry, entry: Entry) -> bool:
    """A running service listed again on its port and host (a second list, by category) is no clash."""
    return entry.layer == "running" == first.layer and fold_name(first.service or "") == fold_name(entry.service or "")


def check_duplicate_services(registry: Registry, path: str) -> Iterator[Finding]:
    """A name twice is a duplicate, unless it is one service on several rows of one table.

    In the running layer, a service listed twice on one host with other ports is one too
    (see :func:`_running_duplicates`).

    Several rows are one service when they hold other ports and are neighbours in the table's
    port order, when the table has a column saying what each port is for, or, outside range
    sections, when the rows say different things or the table has nothing but ports and names
    (see :func:`_what_for`). Port order, not
    row order: sorting a table (``fmt``, a fix) must not make or unmake a duplicate. Identity
    is per host, and per project where the table has a project column.
    """
    rank: dict[int, int] | None = None  # entry index -> place in its table's port order
    for named in registry.by_name.values():
        if len(named) == 1:
            continue  # the usual case: one row per name
        if rank is None:
            rank = _port_order(registry)
        groups: dict[tuple[str | None, str | None, str, int | None], list[Entry]] = {}
        for entry in named:
            groups.setdefault(_scope(registry, entry), []).append(entry)
        for entries in groups.values():
            entries.sort(key=lambda e: (e.table, rank[e.index]))
            views = [
                e
                for i, e in enumerate(entries)
                if not any(
                    (registry.seen_twice(f, e) or _one_upstream(f, e)) and set(e.ports) <= set(f.ports)
                    for f in entries[:i]
                )
            ]
            if len(views) > 1:
                yield from _duplicates(registry, path, views, rank)

    yield from _running_duplicates(registry, path)


def _running_duplicates(registry: Registry, path: str) -> Iterator[Finding]:
    """A service listed twice on one host with other ports: which one runs? (MP002, per host).

    Only items of lists of running ports, compared per host as :func:`host_key` does: the
    same service on two hosts is normal, and listed again on the same ports of the same host
    (a second list, by category) is the same fact told twice. Several ports in one item
    (``redis `6379` / `6380```) are one entry, so no duplicate.
    """
    first: dict[tuple[str, str], Entry] = {}
    for entry in registry.listed:
        if entry.service is None:
            continue
        earlier = first.setdefault((host_key(entry.host or ""), fold_name(entry.service)), entry)
        if earlier is entry or set(earlier.ports) == set(entry.ports):
            continue
        where = f" on {entry.host}" if entry.host else ""
        yield entry_finding(
            DUPLICATE_SERVICE,
            path,
            entry,
            entry.service_column,
            f"service {entry.service} runs{where} on port {format_ports(entry.ports)} here and on "
            f"{format_ports(earlier.ports)} at line {earlier.line}",
            "remove the item that is out of date, or give the second service a distinct name",
            entry.ports,
        )


def _scope(registry: Registry, entry: Entry) -> tuple[str | None, str | None, str, int | None]:
    """Where a name must be unique: per host, project, kind of port, and heading without a range.

    A heading that declares no range (``### Marketing SaaS``, ``#### Auth Service``, ``## Staging``)
    scopes the names under it, as a host or an environment does, and so does one whose range is
    a block a range table gives out; the range headings of one registry (``## 3000-3009: Core``)
    do not: a service listed under two of them is a duplicate.
    A table of dev ports beside a table of production ports shows another kind of port.
    """
    kind = registry.tables[entry.table].port_kind if entry.source == "table" else "running"
    declared = registry.sections[entry.section].declared
    # A heading whose range is a block of a range table ("Acme Shop (5000-5099)") is that block's.
    scoped = declared is None or declared in registry.blocks
    place = entry.place  # Nginx on `<eth0>:80` and on `<eth1>:80`: two places (model.addresses)
    host = f"{entry.host}@{place}" if place else entry.host
    return host, fold_name(entry.group or "") or None, kind, entry.section if scoped else None


def check_confusable_services(registry: Registry, path: str) -> Iterator[Finding]:
    """A name that looks like an earlier one but is written in another script (UTS #39).

    ``mana-аuth`` with a Cyrillic а beside ``mana-auth``: a reader, a search and a deployment
    tell them apart, a person does not. The later of the two names is reported, once.
    """
    if registry.ascii_names:
        return  # all Latin: the usual case, decided without the Unicode tables
    for names in registry.by_skeleton.values():
        if len(names) < 2:
            continue
        entries = sorted((registry.by_name[name][0] for name in names), key=lambda e: e.line)
        for index, entry in enumerate(entries[1:], 1):
            assert entry.service is not None
            earlier = next(
                (e for e in entries[:index] if mixed_script_confusable(entry.service, e.service or "")), None
            )
            if earlier is None or earlier.service is None:
                continue
            ours, theirs = fold_name(entry.service), fold_name(earlier.service)
            differing = [c for c in dict.fromkeys(ours + theirs) if not c.isascii() and (c in ours) != (c in theirs)]
            yield entry_finding(
                CONFUSABLE_SERVICE,
                path,
                entry,
                entry.service_column,
                f"service {entry.service} looks like {earlier.service} (line {earlier.line}) but is written in "
                f"other letters: {', '.join(describe(c) for c in differing[:3])}",
                f"if they are one service, spell both as {earlier.service}; otherwise choose a name that does not "
                "look like another",
                entry.ports,
            )


def _free_form(registry: Registry, entry: Entry) -> bool:
    """A row outside the registry format's range sections (``## 3000-3009: Core``), where one row
    per service is the rule and the same name twice a duplicate whatever the other cells say."""
    return registry.sections[entry.section].range is None


def _what_for(registry: Registry, entry: Entry) -> tuple[str, ...]:
    """What a row says besides its port and name.

    Rows of one service that say different things (``AMQP node-1``, ``Management UI node-1``)
    are its several ports; a row that says the same again on another port is a copy. In a table
    of ports and names only (``| 8080 | unifi |`` and ``| 8443 | unifi |``), nothing can be
    copied: ``()``, and the rows of one name are its ports.
    """
    if entry.source != "table":
        return ()
    table = registry.tables[entry.table]
    skip = {table.port_column, table.service_column}
    return tuple(" ".join(text.split()).casefold() for i, text in enumerate(entry.cells.values()) if i not in skip)


def _port_order(registry: Registry) -> dict[int, int]:
    by_table: dict[int, list[Entry]] = {}
    for entry in registry.entries:
        by_table.setdefault(entry.table, []).append(entry)
    rank: dict[int, int] = {}
    for entries in by_table.values():
        entries.sort(key=lambda e: (e.first_port is None, e.first_port or 0, e.row))
        rank.update((entry.index, place) for place, entry in enumerate(entries))
    return rank


def _duplicates(registry: Registry, path: str, entries: list[Entry], rank: dict[int, int]) -> Iterator[Finding]:
    previous = entries[0]
    seen_ports = set(previous.ports)
    seen_rows = {_what_for(registry, previous)}
    for entry in entries[1:]:
        same_table = entry.table == previous.table
        what_for = _what_for(registry, entry)
        one_service = (
            same_table
            and (not seen_ports & set(entry.ports) or not set(previous.protocols) & set(entry.protocols))
            and (
                rank[entry.index] == rank[previous.index] + 1
                or registry.tables[entry.table].repeats
                or (_free_form(registry, entry) and (not what_for or (any(what_for) and what_for not in seen_rows)))
            )
        )
        seen_rows.add(what_for)
        previous = entry
        seen_ports.update(entry.ports)
        if not one_service:
            yield entry_finding(
                DUPLICATE_SERVICE,
                path,
                entry,
                entry.service_column,
                f"service {entry.service} is already listed at line {entries[0].line}",
                "remove the duplicate row or give the service a distinct name",
                entry.ports,
            )

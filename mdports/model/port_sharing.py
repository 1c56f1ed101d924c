"""When two rows on one port are no clash: one port legitimately shared, or no longer held.

Each reason is asked only of rows that would otherwise clash (``rules.clashes``), or decided
once per document or table (headings naming machines, tables of ports to avoid or to open):

- a row in another environment (``Next.js Dev Server``), retired, or whose port is internal to its
  container (``Docker (internal)``), or a row of every host (``Common (3 VMs)``);
- a summary row naming rows of another table together;
- one service's roles (``n8n UI``, ``n8n Webhooks``), or one compose file, on one port;
- sibling headings naming machines (``### Storage Server``, ``### Raspberry Pi 4B``);
- a table of one container's ports under its heading, seen in a container table, and a heading
  naming Kubernetes Services with addresses of their own (``LoadBalancer``, ``ClusterIP``);
- a table of ports never to use, or of ports a firewall opens: no row holds a port.

**The environment a row's own name gives it: ``Next.js Dev Server`` beside ``Next.js Prod Server``.**

A table of development ports is a namespace of its own (a developer's machine, see ``port_kind``
of :class:`mdports.model.registry.TableReading`); so is a row whose name says it is the
development or local instance of a service, against the rows of another table and against its
own service in another mode: ``Next.js Dev Server`` and ``Next.js Prod Server`` on 3000 are one
app in two modes, never run on one machine, and ``PostgreSQL (optional local)`` is the
developer's database, not the one a compose table publishes. Within one table a development row
and another service on its port share the developer's machine (``site dev | 3002`` beside
``worker | 3002``): a clash.

**Retired rows: a row whose cells say the service is deprecated or gone holds its port no more.**

```
| Unified News          | 11116 | ✅ Active         |
| Performance Dashboard | 11116 | ⚠️ **DEPRECATED** |
```

The document keeps the old row for history (its status or note says ``DEPRECATED``,
``retired``, ``decommissioned``, ``obsolete``); its port has been given to, or is free for,
another service: no clash with it. Two live rows on one port still clash.

**A summary row: one row naming several ports that a run of rows of another table lists one by one.**

```
| Service  | Host port |          | Service | Service ports        |
| POP3     | 110       |          | mda     | 110, 143, 993, 995   |
| IMAP     | 143       |   then   | mta     | 25, 587              |
| IMAPS    | 993       |
| POP3S    | 995       |
```

The compose table lists one row per port, the Kubernetes table one row per service: ``mda`` is
POP3, IMAP, IMAPS and POP3S named together, not a second service on their ports. Each of those
rows is whole inside the summary (all its ports are the summary's); the order of the rows does
not matter (sorting a table must not make a clash). A row of one port clashes still, and so does
one whose ports rows of two tables hold, or a row that holds ports outside it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from . import vocabulary
from .lookup import Registry
from .names import fold_name, name_words
from .registry import Entry
from .sections import Section

# The words that qualify a port column as the development one (``Dev Port``, ``Local port``) or as
# the production one (``Prod port``) say the same of a service's name: one vocabulary for both.
DEV_WORDS = frozenset(word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "dev" and word.isascii())
_MODE_WORDS = DEV_WORDS | {word for word, kind in vocabulary.PORT_QUALIFIERS.items() if kind == "current"}


def dev_named(name: str) -> bool:
    """Whether a service's name says it is a development or local instance (``Next.js Dev``).

    >>> dev_named("Next.js Dev Server"), dev_named("PostgreSQL (optional local)"), dev_named("Device API")
    (True, True, False)
    """
    folded = fold_name(name)
    # Most names hold none of the words even as a substring: no regular expression for them.
    if not any(word in folded for word in DEV_WORDS):
        return False
    return not DEV_WORDS.isdisjoint(name_words(folded))


def other_environment(first: Entry, entry: Entry) -> bool:
    """Whether two table rows on one port are in two environments, by their names: no clash.

    One is named a development instance and the other not, and they are in two tables or are one
    service in two modes (their names the same without the mode: ``Next.js Dev Server``,
    ``Next.js Prod Server``).
    """
    if first.source != "table" or entry.source != "table" or not (first.service and entry.service):
        return False
    if dev_named(first.service) == dev_named(entry.service):
        return False
    if first.table != entry.table:
        return True
    return name_words(first.service) - _MODE_WORDS == name_words(entry.service) - _MODE_WORDS


# Not "removed" nor "legacy": a note says "TLS removed at the proxy", and legacy services run.
RETIRED_WORDS = frozenset({"deprecated", "retired", "decommissioned", "obsolete", "discontinued"})
_WORD = re.compile(r"[a-z]+")


def retired(entry: Entry) -> bool:
    """Whether a cell of ``entry`` other than its name says the service is deprecated or gone.

    Asked only of rows that clash: the usual row is never looked at.
    """
    for text in entry.cells.values():
        lowered = text.lower()
        if text == entry.service_text or not any(word in lowered for word in RETIRED_WORDS):
            continue
        if not RETIRED_WORDS.isdisjoint(_WORD.findall(lowered)):
            return True
    return False


def summarizes(entry: Entry, holders: Collection[Entry]) -> bool:
    """Whether ``entry`` names together the ports that ``holders`` (two or more) list by row.

    The holders are rows of one other table, each with all its ports among ``entry``'s.
    """
    if len(holders) < 2 or len(entry.ports) < 2 or entry.source != "table":
        return False
    tables = {holder.table for holder in holders}
    if len(tables) != 1 or entry.table in tables or any(holder.source != "table" for holder in holders):
        return False
    ports = set(entry.ports)
    return all(ports.issuperset(holder.ports) for holder in holders)


# --- one service's roles on its one port ----------------------------------------------------------
# Words that name what one process serves on its port (a UI, webhooks, an API, metrics), not a
# process of its own: `n8n UI` and `n8n Webhooks` on 5678 are one n8n. Not `frontend`, `backend`,
# `worker` nor `db`: those are processes, and `shop frontend` beside `shop backend` on 3000 clash.
ROLE_WORDS = frozenset(
    {
        "ui", "webui", "web", "gui", "api", "rest", "graphql", "admin", "console", "dashboard", "webhook",
        "webhooks", "hooks", "http", "https", "grpc", "websocket", "ws", "metrics", "health", "endpoint",
        "endpoints", "panel", "portal",
    }
)  # fmt: skip


def roles_of_one_service(first: Entry, entry: Entry) -> bool:
    """Whether two rows on one port name one service by two of its roles (``n8n UI``, ``n8n Webhooks``).

    Their names are the same once the role words are left out, that stem is not empty, and each
    name has a role word: ``Grafana UI`` beside ``Gitea Web`` (two stems) or ``Admin API`` beside
    ``API`` (no stem) still clash. Asked only of rows that clash.
    """
    if not (first.service and entry.service) or first.service == entry.service:
        return False
    ours, theirs = name_words(first.service), name_words(entry.service)
    stem = ours - ROLE_WORDS
    return bool(stem) and stem == theirs - ROLE_WORDS and ours != stem and theirs != stem


# --- a row of every host ---------------------------------------------------------------------------
# `| 공통(3 VM) | 443 |`, `| All hosts | 22 |`: a row naming no service but every host states a port
# each host has (its proxy, its SSH); a host's own row on that port is that port on its host.
_EVERY = frozenset(
    {"common", "all", "every", "shared", "each", "공통", "共通", "公共", "全部", "所有", "alle", "todos", "tous"}
)
_MACHINES = frozenset(
    {
        "host", "hosts", "server", "servers", "vm", "vms", "node", "nodes", "machine", "machines", "box", "boxes",
        "instance", "instances", "서버", "服务器", "主机", "сервер", "серверы", "servidor", "servidores", "serveur",
    }
)  # fmt: skip


def every_host(entry: Entry) -> bool:
    """Whether a row's name names every host rather than a service (``공통(3 VM)``, ``All VMs``).

    Only a name made of such words, numbers and machine words, with a word for "every": ``Common
    API`` or ``Shared cache`` is a service.
    """
    words = name_words(entry.service or "")
    if _EVERY.isdisjoint(words):
        return False
    return all(word in _EVERY or word in _MACHINES or word.isdigit() for word in words)


# --- a port inside a container ---------------------------------------------------------------------
_CONTAINERS = frozenset({"docker", "container", "containers", "compose", "pod", "podman"})


def only_in_container(entry: Entry) -> bool:
    """Whether a cell of ``entry`` other than its name and port says its port is internal to its container.

    ``| FitterMe API | 8000 | Docker (internal) |``: the port is in the container's network, not
    published on the host, as ``8000 (internal)`` in the port cell says (``Entry.own_ports``). The
    cell must name a container and say ``internal``: ``internal API`` alone is a host's service.
    """
    for text in entry.cells.values():
        lowered = text.lower()
        if "internal" not in lowered or text == entry.service_text:
            continue
        words = name_words(lowered)
        if "internal" in words and not _CONTAINERS.isdisjoint(words):
            return True
    return False


def holds_no_port(entry: Entry) -> bool:
    """Whether ``entry`` holds no port other rows can clash with: retired, inside its container, or every host's."""
    return retired(entry) or only_in_container(entry) or every_host(entry)


# --- headings that name machines -------------------------------------------------------------------
# Words that make a heading name a machine (`### IBM Server`, `### Raspberry Pi 4B`, `### Synology NAS`).
# Not `node`: `Node.js Services` is a heading of services.
_MACHINE_HEADINGS = (_MACHINES - {"node", "nodes", "instance", "instances"}) | {
    "pi", "nas", "vps", "droplet", "laptop", "desktop", "workstation", "nuc", "router", "homelab",
}  # fmt: skip
# A heading of one service holds its few ports (`http`, `metrics`); a machine's, several services.
_SERVICES_OF_A_MACHINE = 3


def machine_sections(sections: Sequence[Section], entries: Iterable[Entry]) -> dict[int, str]:
    """The sections under a heading that names one machine of several, each to its machine's heading.

    ``### IBM Server``, ``### Ubuntu Server`` and ``### Raspberry Pi 4B`` under one heading are
    three machines: a port on two of them is no clash. Two or more sibling headings must name a
    machine (a machine word: ``Server``, ``Pi``, ``NAS``, ``VM``, ``VPS``...) and each hold at least
    three services: ``### Port 7997: WebSocket Server`` beside ``### Port 8897: HTTP Server`` are
    headings of one service each, and their ports still clash. A section whose heading or
    Host column already names its host keeps that host.
    """
    candidates: dict[tuple[int | None, int], list[int]] = {}
    for section in sections:
        if section.host is None and not _MACHINE_HEADINGS.isdisjoint(name_words(section.title)):
            candidates.setdefault((section.parent, section.level), []).append(section.index)
    candidates = {key: found for key, found in candidates.items() if len(found) > 1}
    if not candidates:
        return {}  # the usual document: no two sibling headings name machines
    machine: dict[int, int] = {}  # each section -> the machine heading above (or at) it
    heads = {index for found in candidates.values() for index in found}
    for section in sections:
        if section.index in heads:
            machine[section.index] = section.index
        elif section.parent is not None and section.parent in machine:
            machine[section.index] = machine[section.parent]
    services: dict[int, set[str]] = {}
    for entry in entries:
        head = machine.get(entry.section)
        if head is not None and entry.service and entry.host is None:
            services.setdefault(head, set()).add(fold_name(entry.service))
    named = set()
    for found in candidates.values():
        full = [index for index in found if len(services.get(index, ())) >= _SERVICES_OF_A_MACHINE]
        if len(full) > 1:
            named.update(full)
    return {index: sections[head].title for index, head in machine.items() if head in named}


# --- a heading of Kubernetes Services -------------------------------------------------------------
# The Service types whose port is the Service's own, on its own cluster or load-balancer address.
# Not `NodePort`: a node port is taken on every node, and two Services on one node port clash.
# Not "load balancer" in two words: `## Load balancer` is often a box of its own (HAProxy).
_OWN_ADDRESS_TYPES = ("clusterip", "loadbalancer", "k8s services", "kubernetes services")


def kubernetes_services(heading: str) -> bool:
    """Whether a heading says its tables are Kubernetes Services with addresses of their own.

    ``### Frontend Services (LoadBalancer - Direct Access)``: each Service gets its own external
    address, so two of them on ``External Port`` 80 are no clash, as rows of a table with a
    Namespace column are not (``container`` ports, ``model.reading``). A heading saying
    ``NodePort`` does not make it: node ports clash.
    """
    lowered = heading.lower()
    return any(name in lowered for name in _OWN_ADDRESS_TYPES)


# --- a container's ports seen again ----------------------------------------------------------------


def container_views(registry: Registry, container: Collection[int]) -> frozenset[int]:
    """The tables, besides the ``container`` tables, whose ports are a container's own: seen again.

    A container table (``| Port | Service | Namespace |``: Kubernetes services, each with its own
    address) gives ``notification-service`` 8080 and ``envoy`` 8080. A table of one service's
    ports under its heading (``#### Envoy Proxy`` holding ``| 8080 | grpc-web |``) shows one of
    them again, through the heading: all its ports are that container's (also those the container
    table leaves out), so its rows clash with no other container's. A row showing a container row
    again by its own name (``| 8080 | envoy |`` in a registry) is not counted: its table holds
    other services.
    """
    found: set[int] = set()
    for entry in registry.entries:
        if entry.source != "table" or entry.table in container or entry.table in found or not entry.service:
            continue
        own = name_words(entry.service)
        for port in entry.ports[:64]:
            holder = next(
                (
                    holder
                    for holder in registry.by_port.get(port, ())[:16]
                    if holder.source == "table"
                    and holder.table in container
                    and holder.service
                    and not name_words(holder.service) <= own  # through the heading, not the row's own name
                    and registry.seen_twice(holder, entry)
                ),
                None,
            )
            if holder is not None:
                found.add(entry.table)
                break
    return frozenset(found)


# --- one deployment file ---------------------------------------------------------------------------
_DEPLOYMENT_FILES = (".yml", ".yaml")


def one_deployment(first: Entry, entry: Entry) -> bool:
    """Whether two rows of one table on one port name one deployment file in the same column.

    ``| launchpad-portal | portal.example.org | 8013 | apps/launchpad/docker-compose.yml |`` and
    ``| dashboard | dashboard.example.org | 4000 + 8013 | apps/launchpad/docker-compose.yml |``: a
    compose project cannot publish one host port twice, so the two rows are one container's port
    reached under two names. Two files on one port still clash. Asked only of rows that clash.
    """
    if first.source != "table" or entry.source != "table" or first.table != entry.table:
        return False
    for header, text in first.cells.items():
        path = text.strip().strip("`").strip()
        if (
            path.endswith(_DEPLOYMENT_FILES)
            and " " not in path
            and entry.cells.get(header, "").strip().strip("`").strip() == path
        ):
            return True
    return False

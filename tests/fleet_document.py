"""A large, grown port document with hosts: the fixture of ``map`` and ``live`` (generated, not copied).

A JS monorepo's registry after a few years: a block quote of what runs on three hosts
(production, a GPU box, staging) in the list forms people write, then range tables in
several styles (outer pipes or not, a Host column, a Protocol column, placeholders in
three spellings, a row out of order, a conflict, a port outside its range), prose between
them, and a tail section without a range. :func:`fleet_document` makes ``services``
planned entries (1,000 or more) in deterministic positions.
"""

from __future__ import annotations

HOSTS = (("Production box", "10.20.0.4"), ("GPU box", "192.168.7.20"), ("Staging box", "staging"))
# (range start, size, title, row style): the ranges the plan declares, each grown its own way.
SECTIONS = (
    (3000, 400, "Frontends (Next.js, SvelteKit)", "pipes"),
    (3400, 300, "API services", "bare"),
    (4000, 200, "Workers & queues", "host"),
    (5000, 250, "Realtime (WebSocket, WebRTC)", "protocol"),
    (8000, 300, "AI / GPU services", "host"),
    (9000, 200, "Monitoring & exporters", "pipes"),
)
PLACEHOLDERS = ("*(reserved)*", "_available_", "(unused)")


def service(section: int, index: int) -> str:
    """A service name as a monorepo grows them: a product prefix, a role, sometimes a number."""
    products = ("shop", "cms", "billing", "search", "media", "auth", "chat", "maps", "ledger", "ops")
    roles = ("web", "api", "worker", "ws", "gpu", "exporter")
    name = f"{products[index % len(products)]}-{roles[section]}-{index // len(products)}"
    return name if index % 7 else f"**{name}**"


def fleet_document(services: int = 1200) -> str:
    """The document: ``services`` planned entries spread over :data:`SECTIONS`, the running lists above them."""
    out = [
        "# Port Registry — acme platform\n\n",
        "**Last updated:** 2026-11-30\n\n",
        "> ⚠️ The tables are the plan. The lists in this box are what runs; keep both in step.\n>\n",
    ]
    per_section = -(-services // len(SECTIONS))
    planned: list[list[tuple[int, str]]] = []
    made = 0
    for number, (start, size, _, _) in enumerate(SECTIONS):
        rows = []
        for index in range(min(per_section, services - made, size - 20)):
            port = start + index + index // 9  # every tenth port stays free: blocks of one, then a free tail
            rows.append((port, service(number, index)))
        made += len(rows)
        planned.append(rows)
    for host_number, (host, address) in enumerate(HOSTS):
        label = f"> **{host} (`{address}`):**\n>\n" if host_number != 1 else f"> **{host}** ({address}):\n>\n"
        out.append(label)
        for number, rows in enumerate(planned):
            for port, name in rows[host_number::37][:6]:
                bare = name.strip("*")
                form = (f"> - {bare} `{port}`\n", f"> - {bare}: {port}\n", f"> - {bare} on :{port}\n")[number % 3]
                out.append(form)
        out.append(f"> - node-exporter `{9100 + host_number}`\n> - sidecar-{host_number} `{7000 + host_number}`\n>\n")
    out.append("\n## How we pick ports\n\n1. Ask in #infra before taking a port below 1024.\n")
    out.append("2. Keep a free block in every range.\n\n")
    for number, (start, size, title, style) in enumerate(SECTIONS):
        out.append(f"## {start}-{start + size - 1}: {title}\n\n")
        if number == 2:
            out.append("Workers scale sideways; ports 4150+ are for the queue dashboards (see the wiki).\n\n")
        out.append(_header(style))
        rows = planned[number]
        for index, (port, name) in enumerate(rows):
            if index == 5 and number == 0:
                rows_text = _row(style, str(port - 1), "shop-web-legacy", number)  # a conflict with the row before
                out.append(rows_text)
            out.append(_row(style, str(port), name, number))
        last = rows[-1][0] if rows else start
        out.append(_row(style, f"{last + 1}-{last + 5}", PLACEHOLDERS[number % 3], number))
        if number == 1:
            out.append(_row(style, str(start + size + 50), "api-outside-range", number))  # MP101
        out.append("\n")
    out.append("## Other ports\n\n| Port | Service | Notes |\n|------|---------|-------|\n")
    out.append("| 22 | ssh | every host |\n| 443 | caddy | TLS |\n| 5432 | postgres | staging and prod |\n\n")
    return "".join(out)


def _header(style: str) -> str:
    return {
        "pipes": "| Port | Service | Stack | Owner |\n|------|---------|-------|-------|\n",
        "bare": "Port | Service | Stack\n--- | --- | ---\n",
        "host": "| Port | Service | Host | Notes |\n|---:|:---|---|---|\n",
        "protocol": "| Port | Service | Protocol | Notes |\n|------|---------|----------|-------|\n",
    }[style]


def _row(style: str, port: str, name: str, number: int) -> str:
    if style == "pipes":
        return f"| {port} | {name} | Node {18 + number} | @team-{number} |\n"
    if style == "bare":
        return f"{port} | {name} | Bun\n"
    if style == "host":
        host = HOSTS[1][0] if number == 4 else HOSTS[0][0]
        return f"| {port} | {name} | {host if name not in PLACEHOLDERS else ''} | |\n"
    protocol = "udp" if port.endswith(("3", "7")) else "tcp"
    return f"| {port} | {name} | {protocol} | |\n"

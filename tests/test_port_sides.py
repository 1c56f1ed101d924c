"""What a port cell says of each port (issue 24): roles, internal and proxy ports, second views.

``5100 HTTP, 5101 HTTPS`` keeps each port's role; ``8080 (internal)`` is in its container and
``8002 (via Caddy)`` is the proxy's port, so neither clashes (MP001); rows that reach one port
by their own path or virtual host share a proxy's listener; a second view's cells join the entry.
The documents are ``tests/golden/wild/docs/47``, ``50``, ``55`` and ``56``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import given
from hypothesis import strategies as st

import mdports
from mdports.model.ports import PortSyntaxError, parse_port_cell
from mdports.model.vocabulary import port_side

DOCS = GOLDEN / "wild" / "docs"


@pytest.fixture
def box(tmp_path: Path) -> Path:
    for name in ("47-second-view.md", "55-proxy-and-internal-ports.md"):
        shutil.copyfile(DOCS / name, tmp_path / name)
    return tmp_path


def test_show_names_each_ports_role_and_side(box: Path) -> None:
    result = run_mdports("-f", "55-proxy-and-internal-ports.md", "show", "n8n", cwd=box)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "n8n: 5678, 8001 (assigned)\n"
        "  at      55-proxy-and-internal-ports.md:18\n"
        "  section Apps\n"
        "  Service: n8n\n"
        "  Port(s): 5678 (internal), 8001 (via Caddy)\n"
        "  Purpose: Workflow automation\n"
        "  roles   5678 internal (in its container), 8001 via Caddy (the proxy's port)\n"
        "  not referenced elsewhere\n"
    )


def test_show_leaves_out_ports_without_a_role(box: Path) -> None:
    result = invoke_mdports("-f", "55-proxy-and-internal-ports.md", "show", "gitea", cwd=box)
    assert result.returncode == 0
    assert "  roles   2222 ssh\n" in result.stdout


def test_show_joins_the_cells_of_second_views(box: Path) -> None:
    result = run_mdports("-f", "47-second-view.md", "show", "Grafana", cwd=box)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert (
        "  seen again at line 22 with URL: https://grafana.example.net, Tunnel: cloudflared, Status: ⚠️ flaky" in lines
    )
    assert "  seen again at line 29 with Purpose: dashboards and the API" in lines
    again = invoke_mdports("-f", "47-second-view.md", "show", "29", cwd=box)  # port 29 is no entry: by line below
    assert again.returncode == 1


def test_list_json_records_views_and_roles(box: Path) -> None:
    result = invoke_mdports("-f", "47-second-view.md", "list", "--format", "json", cwd=box)
    entries = {entry["line"]: entry for entry in json.loads(result.stdout)["entries"]}
    assert entries[12]["views"] == [
        {"line": 22, "cells": {"URL": "https://grafana.example.net", "Tunnel": "cloudflared", "Status": "⚠️ flaky"}},
        {"line": 29, "cells": {"Purpose": "dashboards and the API"}},
    ]
    assert entries[22]["view_of"] == entries[29]["view_of"] == 12
    assert "views" not in entries[23] and "view_of" not in entries[23]  # Paperless: a clash, not a view
    proxy = invoke_mdports("-f", "55-proxy-and-internal-ports.md", "list", "--format", "json", cwd=box)
    n8n = next(e for e in json.loads(proxy.stdout)["entries"] if e["service"] == "n8n")
    assert n8n["roles"] == [
        {"range": [5678, 5678], "role": "internal", "side": "internal"},
        {"range": [8001, 8001], "role": "via Caddy", "side": "proxy"},
    ]


def _errors(text: str) -> list[tuple[int, str]]:
    report = mdports.validate(mdports.parse(text))
    return [(f.line, f.rule.id) for f in report.findings if f.severity == "error"]


TABLE = "| Service | Port | {extra} |\n|---|---|---|\n"


def test_internal_and_proxied_ports_do_not_clash_but_own_ports_do() -> None:
    rows = "| caddy | 80, 443, 8001 | proxy |\n| n8n | 5678 (internal), 8001 (via Caddy) | flows |\n"
    rows += "| db | 5678 | oops |\n"  # 5678 is n8n's inside its container: db's own 5678 is free
    assert _errors(TABLE.format(extra="Notes") + rows) == []
    clash = "| caddy | 80, 443, 8001 | proxy |\n| n8n | 5678, 8001 (via Caddy) | flows |\n| db | 5678 | oops |\n"
    assert _errors(TABLE.format(extra="Notes") + clash) == [(5, "MP001")]
    behind = "| caddy | 443 | proxy |\n| vault (behind caddy) | 443 | passwords |\n| wiki | 443 | oops |\n"
    assert _errors(TABLE.format(extra="Notes") + behind) == [(5, "MP001")]


def test_routes_of_one_listener_share_its_port_and_direct_urls_do_not() -> None:
    paths = "| Admin | 8443 | `/` |\n| Webmail | 8443 | `/webmail/` |\n| Rspamd | 8443 | `/rspamd/` |\n"
    assert _errors(TABLE.format(extra="Path") + paths) == []
    same = "| Admin | 8443 | `/` |\n| Webmail | 8443 | `/` |\n"
    assert _errors(TABLE.format(extra="Path") + same) == [(4, "MP001")]
    vhosts = "| caddy | 443 | - |\n| Grafana | 443 | https://grafana.example.org |\n"
    vhosts += "| Wiki | 443 | https://wiki.example.org |\n"
    assert _errors(TABLE.format(extra="URL") + vhosts) == []
    local = "| Kuma | 3002 | http://localhost:3002 |\n| Checks | 3002 | http://127.0.0.1:3002/ |\n"
    assert _errors(TABLE.format(extra="URL") + local) == [(4, "MP001")]
    upstream = "| app | 3000 | https://app.example.org |\n| api | 3000 | https://api.example.org |\n"
    assert _errors(TABLE.format(extra="URL") + upstream) == [(4, "MP001")]  # the proxy's port is 443


def test_a_table_of_ports_and_names_only_lists_a_services_ports() -> None:
    free_form = "# NAS\n\n| Port | Service |\n|---|---|\n| 8080 | unifi |\n| 8081 | scrutiny |\n| 8443 | unifi |\n"
    assert _errors(free_form) == []
    ranged = "## 9000-9099: Monitoring\n\n| Port | Service |\n|---|---|\n| 9000 | netdata |\n| 9001 | x |\n"
    assert _errors(ranged + "| 9002 | netdata |\n") == [(7, "MP002")]
    noted = "# NAS\n\n| Port | Service | Notes |\n|---|---|---|\n| 8080 | unifi | web |\n| 8081 | x | y |\n"
    assert _errors(noted + "| 8443 | unifi | web |\n") == [(7, "MP002")]  # says the same again: a copy


def test_port_sides() -> None:
    assert [
        port_side(note) for note in ("", "HTTP", "internal only", "via Traefik", "behind NPM", "docker (internal)")
    ] == [
        "own",
        "own",
        "internal",
        "proxy",
        "proxy",
        "internal",
    ]
    assert port_side("external") == "own" and port_side("viable") == "own"


@given(
    st.lists(
        st.tuples(st.integers(1, 65535), st.sampled_from(["", " HTTP", " (internal)", " (via Caddy)", " ssh"])),
        min_size=1,
        max_size=6,
    )
)
def test_roles_are_none_or_one_per_span(items: list[tuple[int, str]]) -> None:
    text = ", ".join(f"{port}{role}" for port, role in items)
    try:
        cell = parse_port_cell(text)
    except PortSyntaxError:
        return
    assert [span.lo for span in cell.spans] == [port for port, _ in items]
    roles = [role.strip(" ()") for _, role in items]
    assert cell.roles == (tuple(roles) if any(roles) else ())

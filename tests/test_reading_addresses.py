"""Ports inside addresses (issue 24, docs/reading-shapes.md): `host:port`, `<iface>:port`, URLs with a port."""

from __future__ import annotations

from pathlib import Path

from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.addresses import read_address, read_addresses, url_route
from mdports.model.ports import Authority, authority, host_port, parse_port_cell

ADDRESSES = GOLDEN / "wild" / "docs" / "66-listen-addresses.md"


def _entries(text: str) -> list[tuple[str | None, tuple[int, ...], tuple[str, ...], int]]:
    model = mdports.registry(mdports.parse(text))
    return [(e.service, e.ports, e.roles, e.line) for e in model.entries]


def _errors(text: str) -> list[str]:
    report = mdports.validate(mdports.registry(mdports.parse(text)))
    return [f"{f.rule.id} {f.line}" for f in report.findings if f.severity == "error"]


# --- one address ------------------------------------------------------------------------------------


def test_every_shape_of_address_gives_its_port_and_its_host() -> None:
    cases = {
        "web-01:8080": ("web-01", 8080, False),
        "`<eth0>:53`": ("<eth0>", 53, False),
        ":9092": ("", 9092, False),
        "[fd00::1]:8443": ("[fd00::1]", 8443, False),
        "10.0.0.5:5432": ("10.0.0.5", 5432, False),
        "http://localhost:9080/api/workspace": ("localhost", 9080, True),
        "postgres://app:secret@db.internal:5433/app": ("db.internal", 5433, True),
        "prometheus.monitoring.svc.cluster.local:9090": ("prometheus.monitoring.svc.cluster.local", 9090, False),
        "(landing-frontend:80)¹": ("landing-frontend", 80, False),
    }
    for text, (host, port, url) in cases.items():
        address = read_address(text)
        assert address is not None, text
        assert (address.host, address.port, address.url) == (host, port, url), text


def test_times_ratios_versions_and_addresses_without_a_port_are_no_addresses() -> None:
    for text in (
        "12:30",
        "16:9",
        "1.2:3",
        "v1.2:3",
        "http://example.org/docs",
        "fd00::1",
        "[fd00::1]",
        "web-01",
        "host:99999",
        "host:0080",
        "web:80/tcp",
        "listens on web-01:8080 since May",
        "",
    ):
        assert read_address(text) is None or text == "v1.2:3", text
    assert read_addresses("listens on web-01:8080 since May") == ()


def test_a_cell_of_several_addresses_gives_each_port() -> None:
    assert [a.port for a in read_addresses("`:9093` / `:9094`")] == [9093, 9094]
    assert [a.port for a in read_addresses("a:1883, b:8883")] == [1883, 8883]
    assert read_addresses("a:1883, see the notes") == ()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=":/[]<>.0123456789abcdef@ -`", max_size=400))
def test_reading_an_address_never_fails(text: str) -> None:
    address = read_address(text)
    assert address is None or 1 <= address.port <= 65535


def test_reading_addresses_stays_linear_on_hostile_cells() -> None:
    for text in (
        "a" * 100_000 + ":",
        ":" * 100_000,
        "[" + ":" * 50_000,
        "http://" + "a" * 100_000 + ":1",
        "1." * 50_000,
    ):
        assert read_addresses(text) == ()  # no address, said at once: every pattern is bounded


# --- one reader of host:port, three shapes ----------------------------------------------------------


def test_one_reader_splits_every_address_into_its_parts() -> None:
    assert authority("https://ops@grafana.example.org:3000/d/x?y") == Authority(
        "https", "grafana.example.org", "3000", "/d/x?y"
    )
    assert authority("[::1]:8443") == Authority("", "[::1]", "8443", "")
    assert authority("<eth0>:53") == Authority("", "<eth0>", "53", "")
    assert authority("0.0.0.0:3000:80/tcp") == Authority("", "0.0.0.0", "3000:80", "/tcp")
    assert authority("https://grafana.<LB_IP>.nip.io") == Authority("https", "grafana.<LB_IP>.nip.io", None, "")
    assert authority("db on 5432") is None  # a sentence is no address


def test_the_three_shapes_read_one_address_alike() -> None:
    """A column of addresses, a port cell and a route's URL read ``host:port`` with one reader: the same
    host and port, each shape adding only what it accepts after the port."""
    for text, host, port in (
        ("grafana.example.org:3000", "grafana.example.org", 3000),
        ("[::1]:8443", "[::1]", 8443),
        ("localhost:9090", "localhost", 9090),
    ):
        address = read_address(text)
        assert address is not None and (address.host, address.port) == (host, port)
        assert parse_port_cell(text).spans[0].lo == port
        assert host_port(text) == str(port)
    assert url_route("https://Grafana.example.org:3000/d/") == ("grafana.example.org", 3000, "/d")
    assert url_route("https://grafana.example.org") == ("grafana.example.org", 443, "")


def test_each_shape_keeps_what_it_alone_accepts() -> None:
    # a port cell: a published port before its container's, a transport after the port, a label
    assert [host_port(item) for item in ("3000:80", "127.0.0.1:3000:80", "localhost:3000/tcp", "db: 5432")] == [
        "3000",
        "3000",
        "3000/tcp",
        "5432",
    ]
    assert parse_port_cell("127.0.0.1:3000:80/udp").spans[0].lo == 3000
    # a column of addresses: no transport, no path without a scheme, no time or version
    assert read_address("localhost:3000/tcp") is None and read_address("12:30") is None
    # a route's URL: a named host only, on the port it writes or its scheme's
    assert url_route("http://10.0.0.5:80/x") is None and url_route("http://localhost:3000") is None
    assert url_route("http://grafana.example.org:99999") is None  # no URL after all
    assert url_route("http://service.namespace.svc.cluster.local)") is None  # a parenthesis ends no host


def test_the_one_reader_stays_linear_on_hostile_text() -> None:
    hostile = (
        "http://" + "a@" * 1_299,
        "http://" + "<a" * 1_299,
        "<" + "a" * 31 + ">" + "<" * 2_500,
        "a" * 2_599 + "!",
        "[" + ":" * 2_598,
        ":" * 100_000,
        "http://" + "a" * 100_000 + ":1",
    )
    for text in hostile * 20:
        authority(text), host_port(text), url_route(text), read_address(text)


# --- a column of addresses --------------------------------------------------------------------------


def test_a_column_of_addresses_is_the_port_column_and_its_place_scopes_the_port() -> None:
    text = (
        "## Gateway\n\n| Service | Listens | Role |\n|---|---|---|\n"
        "| AdGuard Home | `<eth0>:53` | DNS |\n| dnsmasq | `<eth1>:53` | DNS + DHCP |\n"
        "| Prometheus | `:9092` | metrics |\n| Alertmanager | `:9093` / `:9094` | alerts |\n"
    )
    assert _entries(text) == [
        ("AdGuard Home", (53,), ("<eth0>",), 5),
        ("dnsmasq", (53,), ("<eth1>",), 6),
        ("Prometheus", (9092,), (), 7),
        ("Alertmanager", (9093, 9094), (), 8),
    ]
    assert _errors(text) == []  # port 53 on two interfaces: no clash
    twice = text.replace("| dnsmasq | `<eth1>:53`", "| AdGuard Home | `<eth1>:53`")
    assert _errors(twice) == []  # one service on two interfaces: no duplicate either
    assert _errors(text.replace("<eth1>", "<eth0>")) == ["MP001 6"]  # on one interface: a clash
    assert mdports.parse(text).render() == text


def test_cluster_dns_names_are_hosts_of_their_own() -> None:
    text = (
        "## In-cluster\n\n| Service | Address |\n|---|---|\n"
        "| Grafana | `grafana.monitoring.svc.cluster.local` |\n"
        "| Kite | `kite.kite.svc.cluster.local:8080` |\n"
        "| Control plane | `control-plane.platform.svc.cluster.local:8080` |\n"
    )
    assert _entries(text) == [
        ("Grafana", (), (), 5),  # no port in the address: a service without a port, no error
        ("Kite", (8080,), ("kite.kite.svc.cluster.local",), 6),
        ("Control plane", (8080,), ("control-plane.platform.svc.cluster.local",), 7),
    ]
    # a plain port in the column is read; a template or a note is no port, and no malformed one
    more = text + "| Redis | 6379 |\n| (next) | `<name>-api:8090` |\n| Vault | sealed, see runbook |\n"
    more += "| Loki | loki.obs.svc.cluster.local:3100 |\n| Tempo | tempo.obs.svc.cluster.local:3200 |\n"
    more += "| Mimir | mimir.obs.svc.cluster.local:9009 |\n"
    assert [e[1] for e in _entries(more)[3:6]] == [(6379,), (), ()]
    assert _errors(more) == []
    assert _errors(text) == []


def test_the_same_port_on_this_machine_twice_is_a_clash_and_one_upstream_named_twice_is_not() -> None:
    text = "## Local\n\n| Service | Address |\n|---|---|\n| api | localhost:3000 |\n| web | :3000 |\n"
    assert _errors(text) == ["MP001 6"]
    routes = "## Routes\n\n| Service | Upstream |\n|---|---|\n| Operate | camunda:8080 |\n| Tasklist | camunda:8080 |\n"
    assert _errors(routes) == []
    machine = "## Box\n\n| Service | Upstream |\n|---|---|\n| a | 10.0.0.5:8080 |\n| b | 10.0.0.5:8080 |\n"
    assert _errors(machine) == ["MP001 6"]


def test_what_is_not_a_column_of_addresses() -> None:
    not_addresses = [
        # image tags
        "| Service | Image |\n|---|---|\n| db | postgres:16 |\n| cache | redis:7 |\n",
        "| Service | Ref |\n|---|---|\n| db | postgres:16 |\n| cache | redis:7 |\n",
        # times, ratios, versions
        "| Service | Backup |\n|---|---|\n| db | 02:30 |\n| files | 03:00 |\n",
        "| Service | Aspect |\n|---|---|\n| cam | 16:9 |\n| tv | 4:3 |\n",
        # addresses in prose
        "| Service | Notes |\n|---|---|\n| api | moved from web-01:8080 last year |\n| db | primary on db-1 |\n",
        # URLs without a port
        "| Service | URL |\n|---|---|\n| docs | https://docs.example.org/ |\n| wiki | https://wiki.example.org |\n",
        # a minority of addresses
        "| Service | Where |\n|---|---|\n| a | web-01:8080 |\n| b | rack 4 |\n| c | rack 5 |\n",
    ]
    for text in not_addresses:
        assert _entries(text) == [], text


def test_a_table_with_a_port_column_keeps_it_and_its_address_column_is_a_cell() -> None:
    text = (
        "| Service | Port | URL |\n|---|---|---|\n| api | 3000 | http://localhost:3000/ |\n"
        "| web | 8080 | http://web-01:8080/ |\n"
    )
    model = mdports.registry(mdports.parse(text))
    assert [(e.service, e.ports, e.host) for e in model.entries] == [("api", (3000,), None), ("web", (8080,), None)]
    assert model.tables[0].addresses is False


def test_explain_names_the_reading_of_addresses() -> None:
    result = invoke_mdports("explain", "20", "--file", str(ADDRESSES))
    assert result.returncode == 0, result.stderr
    assert "column 'Listens on' holds addresses with a port" in result.stdout
    images = invoke_mdports("explain", "40", "--file", str(ADDRESSES))
    assert "not about ports" in images.stdout


def test_the_installed_command_lists_the_ports_of_addresses_on_their_hosts() -> None:
    result = run_mdports("list", "--file", str(ADDRESSES))
    assert result.returncode == 0, result.stderr
    assert "1883, 8883" in result.stdout
    assert "9093" in result.stdout
    assert "eclipse-mosquitto" not in result.stdout and "02:30" not in result.stdout
    checked = run_mdports("validate", "--file", str(ADDRESSES))
    assert checked.returncode == 0, checked.stdout


def test_fmt_leaves_a_table_of_addresses_in_its_order_and_move_is_refused(tmp_path: Path) -> None:
    text = (
        "# Box\n\n| Service | Listens on |\n|---|---|\n| Caddy | `<eth0>:443` |\n"
        "| Unbound | `<eth0>:53` |\n| dnsmasq | `<eth1>:53` |\n"
    )
    doc = tmp_path / "PORTS.md"
    doc.write_text(text, encoding="utf-8")
    assert invoke_mdports("-f", str(doc), "fmt", "--check").returncode == 0
    moved = invoke_mdports("-f", str(doc), "move", "Unbound", "--port", "5353")
    assert moved.returncode == 1 and "takes its port from an address (`<eth0>:53`)" in moved.stderr
    assert doc.read_text(encoding="utf-8") == text
    # The same rows under a port header are sorted by fmt, as before.
    ported = text.replace("Listens on", "Port").replace("`<eth0>:", "").replace("`<eth1>:", "").replace("` |", " |")
    doc.write_text(ported, encoding="utf-8")
    assert invoke_mdports("-f", str(doc), "fmt", "--check").returncode == 1


# --- gateway routes ---------------------------------------------------------------------------------

ROUTES = GOLDEN / "wild" / "docs" / "67-gateway-routes.md"


def test_a_route_to_an_upstream_address_is_that_service_on_its_port() -> None:
    text = (
        "## Kong\n\n| Kong Route | Service:Port | Health |\n|---|---|---|\n"
        "| /api/v1/fields | field-service:3000 | /healthz |\n| /api/v1/weather | weather:8092 | /healthz |\n"
        "| /api/v1/weather/daily | weather:8092 | /healthz |\n| /api/v1/iot | iot-gateway:3000 | /health |\n"
    )
    assert [(e.service, e.ports, e.place) for e in mdports.registry(mdports.parse(text)).entries] == [
        ("field-service", (3000,), "field-service"),
        ("weather", (8092,), "weather"),
        ("weather", (8092,), "weather"),
        ("iot-gateway", (3000,), "iot-gateway"),
    ]
    # two routes to one upstream: no duplicate; two upstreams on 3000: two containers, no clash
    assert _errors(text) == []


def test_a_route_table_names_its_upstream_service_column() -> None:
    text = (
        "### Kong (8000)\n\n| Path | Internal Service | Internal Port |\n|---|---|---|\n"
        "| `/auth/v1/*` | Auth (GoTrue) | 9999 |\n| `/rest/v1/*` | REST | 3000 |\n| `/*` | Studio | 3000 |\n"
    )
    assert [e[:2] for e in _entries(text)] == [("Auth (GoTrue)", (9999,)), ("REST", (3000,)), ("Studio", (3000,))]
    assert _errors(text) == []


def test_what_is_not_a_table_of_routes() -> None:
    not_routes = [
        # paths without an upstream: what a checker expects
        "| Path | Expected |\n|---|---|\n| /api/healthz | 200 |\n| /api/ready | 204 |\n",
        # upstreams on this machine name no service
        "| Route | Upstream |\n|---|---|\n| /api | localhost:3000 |\n| /web | :8080 |\n",
        # a column of file paths and sizes
        "| Path | Size |\n|---|---|\n| /var/lib/docker | 12:40 |\n| /srv/backups | 3:1 |\n",
    ]
    for text in not_routes:
        assert _entries(text) == [], text


def test_a_row_without_a_port_takes_it_from_its_one_address() -> None:
    text = (
        "## Tools\n\n| Service | Port | Host access | Notes |\n|---|---|---|---|\n"
        "| Gateway | 8000 | `http://localhost:8000` | Kong |\n"
        "| PgAdmin | Kong (`/tools/pgadmin`) | `http://localhost:8000/tools/pgadmin` | behind the gateway |\n"
        "| Docs | - | http://localhost:8000/docs | |\n"
        "| Mailpit | – | `mailpit:8025` | inside the network |\n"
        "| Redis | – | see `.env` | |\n"
        "| Vault | – | vault-1:8200 | vault-2:8200 |\n"
    )
    model = mdports.registry(mdports.parse(text))
    assert [(e.service, e.ports, e.roles) for e in model.entries] == [
        ("Gateway", (8000,), ()),
        ("PgAdmin", (8000,), ("via Kong (`/tools/pgadmin`)",)),
        ("Docs", (8000,), ("via /docs",)),
        ("Mailpit", (8025,), ("mailpit",)),
        ("Redis", (), ()),
        ("Vault", (), ()),  # two addresses: which one the row means is not clear
    ]
    assert _errors(text) == []  # a route through the gateway shares its port


def test_explain_and_the_installed_command_name_the_routes() -> None:
    explained = invoke_mdports("explain", "17", "--file", str(ROUTES))
    assert "gateway routes (column 'Kong Route' holds paths)" in explained.stdout
    listed = run_mdports("list", "--file", str(ROUTES))
    assert listed.returncode == 0, listed.stderr
    assert "weather-service" in listed.stdout and "Auth (GoTrue)" in listed.stdout


# --- a port not published ---------------------------------------------------------------------------

UNPUBLISHED = GOLDEN / "wild" / "docs" / "68-unpublished-ports.md"


def test_a_row_not_published_takes_its_container_port_as_internal() -> None:
    text = (
        "| Service | Container Port | Host Port | Exposure |\n|---|---|---|---|\n"
        "| Caddy | 443 | 443 | public |\n| PostgreSQL | 5432 | – | `db-net` only |\n"
        "| Analytics DB | 5432 | – | `analytics-net` only |\n| Ollama | {{OLLAMA_PORT}} | – | `ai-net` only |\n"
        "| Cloudflared | – | – | outbound only |\n| Grafana | 3000 | 443 | via Caddy |\n"
    )
    model = mdports.registry(mdports.parse(text))
    assert [(e.service, e.ports, e.roles) for e in model.entries] == [
        ("Caddy", (443,), ()),
        ("PostgreSQL", (5432,), ("internal",)),
        ("Analytics DB", (5432,), ("internal",)),
        ("Ollama", (), ()),  # a variable: no port a person can read
        ("Cloudflared", (), ()),
        ("Grafana", (443,), ()),
    ]
    # two containers on 5432, each in its network: no clash; Grafana on Caddy's 443 still is one
    assert _errors(text) == ["MP001 8"]


def test_the_installed_command_lists_unpublished_ports_with_their_role() -> None:
    result = run_mdports("list", "--format", "json", "--file", str(UNPUBLISHED))
    assert result.returncode == 0, result.stderr
    assert '"role": "internal"' in result.stdout

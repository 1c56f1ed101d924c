"""Port and name columns known by their content (issue 24, docs/reading-shapes.md, model/content_columns.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports

WILD = GOLDEN / "wild" / "docs"


def _entries(text: str) -> list[tuple[str | None, tuple[int, ...], tuple[str, ...]]]:
    model = mdports.registry(mdports.parse(text))
    return [(e.service, e.ports, e.roles) for e in model.entries]


def _table(header: str, *rows: str) -> str:
    width = header.count("|") - 1
    return "# Ports\n\n" + "\n".join([header, "|" + "---|" * width, *rows]) + "\n"


# --- 1. a port column known by its content ---------------------------------------------------------


def test_a_column_of_port_numbers_under_an_unknown_header_is_the_port_column() -> None:
    text = _table("| service | protocol | default |", "| *http* | `TCP` | `80` |", "| *admin* | `TCP` | `8181` |")
    assert _entries(text) == [("http", (80,), ()), ("admin", (8181,), ())]
    assert mdports.parse(text).render() == text


def test_a_port_header_over_variables_yields_to_the_column_of_numbers() -> None:
    text = _table(
        "| Service | Port used | Protocol | Default |",
        "| rest api | `${rest.listen_port}` | TCP | 7280 |",
        "| grpc | `${rest.listen_port} + 1` | TCP | 7281 |",
    )
    assert [(name, ports) for name, ports, _ in _entries(text)] == [("rest api", (7280,)), ("grpc", (7281,))]


def test_quantities_are_never_ports() -> None:
    not_ports = [
        # named quantities, in several languages
        _table("| Service | Requests | p95 (ms) |", "| checkout | 12400 | 180 |", "| search | 30950 | 95 |"),
        _table("| Servicio | Cantidad |", "| api | 1200 |", "| web | 3400 |"),
        _table("| Dienst | Anzahl |", "| api | 1200 |", "| web | 3400 |"),
        _table("| 服务 | 数量 |", "| api | 1200 |", "| web | 3400 |"),
        _table("| Service | RAM (MB) |", "| api | 1800 |", "| web | 950 |"),
        # years, as headers or as cells
        _table("| Component | 2023 | 2024 |", "| api | 2023 | 2024 |", "| web | 2021 | 2024 |"),
        _table("| Service | Since |", "| api | 2019 |", "| web | 2021 |"),
        # small numbers beside a column that would be read: the table is about quantities
        _table("| Service | Box | Pods |", "| api | 3000 | 3 |", "| web | 3001 | 2 |"),
        # prices, sizes, percentages, versions
        _table("| Service | Monthly |", "| api | $120 |", "| web | $95 |"),
        _table("| Service | Share |", "| api | 45% |", "| web | 55% |"),
        _table("| Service | Latest |", "| api | 1.24 |", "| web | 2.10 |"),
        # one port on every row: the proxy's listener, not a port each
        _table(
            "| Domain | Application | Edge |", "| a.example | A | 443 |", "| b.example | B | 443 |", "| c | C | 443 |"
        ),
        # a summary of many ports per cell
        _table(
            "| Project | Seen |",
            "| alpha | 16000, 16080, 16432, 16500, 16600 |",
            "| beta | 26080, 26500, 26900, 26910, 26920 |",
        ),
        # notes that mention a port inside their sentence (a note that opens with its port gives it:
        # tests/test_reading_noted_ports.py)
        _table(
            "| Stack | Service / container | Notes |",
            "| db | core-pg | Listens on port 5432, internal |",
            "| db | core-kv | Uses port 6379 |",
        ),
    ]
    for text in not_ports:
        assert _entries(text) == [], text


def test_ranges_alone_are_not_the_ports_that_run() -> None:
    text = _table(
        "| Environment | Range | Purpose |", "| Local | 3000-3099 | one port each |", "| Prod | 3300-3999 | ten each |"
    )
    model = mdports.registry(mdports.parse(text))
    assert model.entries == ()


def test_a_table_without_names_is_still_not_read_and_says_why() -> None:
    text = _table(
        "| Socket | Where ports go |", "| 3001 | the old admin app, once it is containerised |", "| 3002 | a |"
    )
    report = mdports.validate(mdports.registry(mdports.parse(text)))
    assert [f.rule.id for f in report.findings if f.severity == "error"] == ["MP110"]


# --- 2. several port columns, one entry ------------------------------------------------------------


def test_role_columns_are_ports_of_one_entry_with_their_headers_as_roles() -> None:
    text = _table(
        "| App Name | Port Block | Backend | Frontend | WebSocket |",
        "| **crm** | 7000-7004 | 7000 | 7001 | 7002 |",
        "| **bot** | 7005-7009 | 7005 | 7006 | - |",
        "| **map** | 7010-7014 | 7010 | 7011 | 7012 |",
        "| *(future)* | 7015-7049 | - | - | - |",
    )
    assert _entries(text) == [
        ("crm", (7000, 7001, 7002), ("Backend", "Frontend", "WebSocket")),
        ("bot", (7005, 7006), ("Backend", "Frontend")),
        ("map", (7010, 7011, 7012), ("Backend", "Frontend", "WebSocket")),
        ("(future)", tuple(range(7015, 7050)), ("Port Block",)),
    ]
    report = mdports.validate(mdports.registry(mdports.parse(text)))
    assert not [f for f in report.findings if f.rule.id == "MP001"]  # never a clash between its own columns


def test_environment_columns_give_the_entry_one_port_the_others_are_views() -> None:
    text = _table(
        "| kind | container_name | mac | Linux | Docker |",
        "| Web | frontend | 3030 | 3030 | 3000 |",
        "| Monitor | grafana | 3032 | 3032 | 3000 |",
        "| Monitor | stub | | | 9100 |",
    )
    assert _entries(text) == [
        ("frontend", (3030,), ("mac",)),
        ("grafana", (3032,), ("mac",)),
        ("stub", (9100,), ("Docker",)),
    ]
    report = mdports.validate(mdports.registry(mdports.parse(text)))
    assert [f.severity for f in report.findings if f.severity == "error"] == []  # Docker's 3000 twice: two containers


def test_a_column_of_ports_several_rows_share_is_kept_as_a_cell() -> None:
    text = _table(
        "| Project | Frontend | Backend |",
        "| Consumer | 9001 | 9004 |",
        "| Admin | 9002 | 9004 |",
        "| Partner | 9003 | 9004 |",
    )
    assert [(name, ports) for name, ports, _ in _entries(text)] == [
        ("Consumer", (9001,)),
        ("Admin", (9002,)),
        ("Partner", (9003,)),
    ]


def test_roles_in_a_cell_of_a_role_column_keep_the_header() -> None:
    text = _table("| chain | rpc | p2p |", "| main | 9130 | 38330 |", "| dev | 29130 | 58330 p2p, 58331 metrics |")
    assert _entries(text)[1] == ("dev", (29130, 58330, 58331), ("rpc", "p2p", "p2p metrics"))


# --- 3. a name column known by its content ----------------------------------------------------------


def test_the_column_of_distinct_names_is_the_service_variables_are_not() -> None:
    text = _table(
        "| Variable | Port | Exposed by | Description |",
        "| `COLLECTOR_PORT` | 9410 | `trace-collector` | spans from the apps |",
        "| `QUERY_PORT` | 9411 | `trace-query` | API for the UI |",
    )
    assert [(name, ports) for name, ports, _ in _entries(text)] == [
        ("trace-collector", (9410,)),
        ("trace-query", (9411,)),
    ]


def test_under_a_header_of_names_a_repeated_name_is_one_services_ports() -> None:
    text = _table(
        "| Variable | Port | Exposed by | Description |",
        "| `COLLECTOR_PORT` | 9410 | `trace-collector` | spans from the apps |",
        "| `COLLECTOR_ADMIN_PORT` | 9900 | `trace-collector` | health and metrics |",
    )
    assert [(name, ports) for name, ports, _ in _entries(text)] == [
        ("trace-collector", (9410,)),
        ("trace-collector", (9900,)),
    ]
    explained = invoke_mdports("-f", "-", "explain", stdin=text)
    assert "column 'Exposed by': 2 of 2 cells are names, 1 distinct" in explained.stdout


def test_without_a_header_of_names_a_repeated_column_is_a_kind_not_the_services() -> None:
    text = _table(
        "| kind | public | internal |", "| web | 9130 | 9030 |", "| web | 9134 | 9034 |", "| web | 9138 | 9038 |"
    )
    assert _entries(text) == []


def test_removing_services_until_one_name_is_left_keeps_the_table_read(tmp_path: Path) -> None:
    """Found by the damage hunt: the second removal was refused ("would not read back as intended")."""
    document = tmp_path / "PORTS.md"
    document.write_text((WILD / "64-names-by-content.md").read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("trace-query", "trace-ui"):
        result = run_mdports("-f", str(document), "remove", name)
        assert result.returncode == 0, result.stderr
    model = mdports.registry(mdports.parse(document.read_text(encoding="utf-8")))
    assert [(e.service, e.ports) for e in model.entries if e.section == 1] == [
        ("trace-collector", (9410,)),
        ("trace-collector", (9900,)),
    ]


def test_a_name_header_near_a_name_word_wins_and_paths_are_no_names() -> None:
    text = _table(
        "| Path | Internal Service | Internal Port |",
        "| `/auth/v1/*` | Auth | 9999 |",
        "| `/rest/v1/*` | REST | 3000 |",
    )
    assert [name for name, _, _ in _entries(text)] == ["Auth", "REST"]


def test_a_first_column_of_names_beside_ports_known_by_content() -> None:
    text = _table("| coin | public | internal |", "| Bitcoin | 9130 | 9030 |", "| Litecoin | 9134 | 9034 |")
    assert [(name, ports) for name, ports, _ in _entries(text)] == [
        ("Bitcoin", (9030, 9130)),
        ("Litecoin", (9034, 9134)),
    ]


def test_beside_a_known_port_column_a_file_column_is_no_name() -> None:
    text = _table("| Port | Entrypoint |", "| `3020` | `api.v1.query.js` |", "| `3024` | `api.v2.download.js` |")
    assert _entries(text) == []


# --- explain, through the command ------------------------------------------------------------------


def test_explain_says_which_columns_were_read_by_their_content_and_why() -> None:
    result = run_mdports("-f", str(WILD / "63-ports-per-environment.md"), "explain", "--format", "json")
    assert result.returncode == 0, result.stderr
    tables = json.loads(result.stdout)["tables"]
    shared = next(t for t in tables if t["line"] == 21)
    assert "column 'mac': 6 of 6 filled cells are port numbers" in shared["reason"]
    read_as = {column["header"]: column["read_as"] for column in shared["columns"]}
    assert read_as["Docker"] == "port in another place, read by its content: kept as a cell"


def test_explain_of_a_table_read_by_its_content_in_process() -> None:
    result = invoke_mdports("-f", str(WILD / "64-names-by-content.md"), "explain", "8")
    assert result.returncode == 0, result.stderr
    assert "column 'Exposed by': 4 of 4 cells are names, 3 distinct" in result.stdout
    assert "Exposed by   service, read by its content" in result.stdout


# --- invariants ------------------------------------------------------------------------------------

_CELL = st.one_of(st.integers(0, 70000).map(str), st.sampled_from(["", "-", "N/A", "1.5", "45%", "x:80", "a b"]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text("abcxyz", min_size=1, max_size=8), min_size=2, max_size=6),
    st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=6, max_size=6),
)
def test_any_table_of_numbers_round_trips_and_reads_only_ports(names: list[str], cells: list[list[str]]) -> None:
    rows = [f"| {name} | {' | '.join(row)} |" for name, row in zip(names, cells, strict=False)]
    text = _table("| thing | a | b | c |", *rows)
    assert mdports.parse(text).render() == text
    for entry in mdports.registry(mdports.parse(text)).entries:
        assert all(1 <= port <= 65535 for port in entry.ports)
        assert len(entry.roles) in (0, len(entry.spans))


# --- clashes of columns known by their content -------------------------------------------------------


def _errors(text: str) -> list[tuple[str, int]]:
    report = mdports.validate(mdports.registry(mdports.parse(text)))
    return [(f.rule.id, f.line) for f in report.findings if f.severity == "error"]


def test_a_column_known_by_content_clashes_in_its_table_not_with_other_tables() -> None:
    registry = "# Ports\n\n| Service | Port |\n|---|---|\n| api | 3000 |\n| web | 3001 |\n\n"
    laptop = "## Laptop\n\n| Service | mac |\n|---|---|\n| api | 3000 |\n| docs | 3001 |\n| blog | 3001 |\n"
    assert _errors(registry + laptop) == [("MP001", 14)]  # blog and docs in one place; docs vs web: no header says


def test_one_port_on_three_rows_is_each_programs_own() -> None:
    text = _table(
        "| service | protocol | default |",
        "| *http* | TCP | 80 |",
        "| *admin* | TCP | 8081 |",
        "| *Homepage* | TCP | 80 |",
        "| *Wiki* | TCP | 80 |",
    )
    assert [name for name, _, _ in _entries(text)] == ["http", "admin", "Homepage", "Wiki"]
    assert _errors(text) == []


def test_addresses_are_no_port_values_but_read_as_addresses() -> None:
    """An address (``<eth0>:443``, ``grafana:3000``) is no port value for a column known by its
    content; the reader of addresses (model.addresses) reads it, with its place."""
    text = _table(
        "| Service | Écoute |", "| Traefik | `<eth0>:443` |", "| Nginx | `<eth0>:80` |", "| dnsmasq | `<eth1>:53` |"
    )
    assert _entries(text) == [
        ("Traefik", (443,), ("<eth0>",)),
        ("Nginx", (80,), ("<eth0>",)),
        ("dnsmasq", (53,), ("<eth1>",)),
    ]
    routes = _table(
        "| Path | Service | Upstream |",
        "| `/grafana/` | Grafana | grafana:3000 |",
        "| `/jaeger/` | Jaeger | jaeger:16686 |",
    )
    assert _entries(routes) == [("Grafana", (3000,), ("grafana",)), ("Jaeger", (16686,), ("jaeger",))]


def test_one_name_on_one_port_over_two_transports_is_one_service() -> None:
    text = "# Ports\n\n| Service | Protocol | Port |\n|---|---|---|\n| DNS | TCP | 53 |\n| DNS | UDP | 53 |\n"
    assert _errors(text) == []
    twice = "# Ports\n\n| Service | Protocol | Port |\n|---|---|---|\n| DNS | TCP | 53 |\n| DNS | TCP | 53 |\n"
    assert ("MP002", 6) in _errors(twice)

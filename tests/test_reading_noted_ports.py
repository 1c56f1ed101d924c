"""Notes that open with their port (docs/reading-shapes.md): `Port 5432, only on the backend network`."""

from __future__ import annotations

from conftest import GOLDEN, error_findings, invoke_mdports, read_entries, run_mdports

from mdports.model.addresses import noted_port

NOTES = GOLDEN / "wild" / "docs" / "86-ports-in-notes.md"

INTERNAL = (
    "## Internal only (no host port)\n\n| Stack | Service / container | Notes |\n| --- | --- | --- |\n"
    "| paperless | paperless-db | Port 5432, only on the `paperless` network |\n"
    "| monitoring | loki-db | Port 5432, on `monitoring` |\n"
    "| media | jellyfin-sync | Outbound only, talks to the Trakt API |\n"
    "| monitoring | prometheus | port 9090 (scrapes node-exporter) |\n"
)


def test_the_port_a_note_opens_with() -> None:
    assert [noted_port(t) for t in ("Port 5432, default network", "port 9090 (metrics)", "端口 6379，内部")] == [
        5432,
        9090,
        6379,
    ]
    for text in ("Talks to port 5432", "Port 5432x", "Port 1.2", "Port 99999", "Ports 0080", "Port", "Portal 3000"):
        assert noted_port(text) is None, text


def test_a_column_of_notes_that_open_with_their_port_gives_each_row_its_port() -> None:
    assert read_entries(INTERNAL) == [
        ("paperless-db", (5432,), 5),
        ("loki-db", (5432,), 6),
        ("jellyfin-sync", (), 7),  # a note without a port: the row has none
        ("prometheus", (9090,), 8),
    ]
    # under a heading saying the ports are not published, each is in its container's network: no clash
    assert error_findings(INTERNAL) == []


def test_notes_on_published_ports_still_clash() -> None:
    published = INTERNAL.replace("Internal only (no host port)", "Databases")
    assert error_findings(published) == ["MP001 6"]


def test_what_is_not_a_column_of_noted_ports() -> None:
    # a port inside the sentence, not opening it
    prose = "| Service | Notes |\n| --- | --- |\n| watchtower | pulls from port 443 |\n| kuma | checks port 80 |\n"
    # no service column: a table of problems and fixes
    problems = "| Problem | What to check |\n| --- | --- |\n| Caddy down | Port 443 taken? |\n| Loop | Port 3000 |\n"
    # one note of five names a port: the column is notes
    one = "| Service | Notes |\n| --- | --- |\n| a | Port 80, web |\n| b | cron |\n| c | cron |\n| d | x |\n| e | y |\n"
    for text in (prose, problems, one):
        assert [e for e in read_entries(text) if e[1]] == [], text


def test_a_table_with_a_port_column_keeps_it() -> None:
    text = "| Service | Port | Notes |\n| --- | --- | --- |\n"
    text += "| db | 5433 | Port 5432 inside |\n| r | 6380 | Port 6379 inside |\n"
    assert read_entries(text) == [("db", (5433,), 3), ("r", (6380,), 4)]


def test_hostile_notes_are_no_ports() -> None:
    # anchored and bounded (tests/test_hostile.py times every pattern): said at once, and no port
    for text in ("Port " + " " * 100_000 + "1", "port" * 25_000, "Port 1" + "1" * 100_000):
        assert noted_port(text) is None


def test_explain_and_the_installed_command_read_the_notes() -> None:
    said = invoke_mdports("-f", "-", "explain", stdin=INTERNAL)
    assert said.returncode == 0, said.stderr
    assert "column 'Notes' holds notes that open with their port: each row's port" in said.stdout
    assert "Notes                notes: the port each opens with" in said.stdout
    listed = run_mdports("-f", str(NOTES), "list")
    assert listed.returncode == 0, listed.stderr
    assert "5432  " in listed.stdout and "loki-db" in listed.stdout

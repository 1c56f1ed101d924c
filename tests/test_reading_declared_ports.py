"""A port an image declares (`Dockerfile EXPOSE`) and a suggested port (docs/reading-shapes.md)."""

from __future__ import annotations

from conftest import GOLDEN, error_findings, invoke_mdports, read_entries, run_mdports

from mdports.model.vocabulary import Vocabulary, normalize_header

AUDIT = GOLDEN / "wild" / "docs" / "87-declared-and-suggested-ports.md"

FROZEN = (
    "## Frozen services\n\n| Service | Dockerfile EXPOSE | Reason | Suggested Port |\n| --- | --- | --- | --- |\n"
    "| agent-registry | 8080 | Port conflict with field-ops | 8121 |\n"
    "| yield-forecast | 8000 | Same as weather-core inside | - |\n"
    "| soil-lab | 8000 | Replaced by soil-service | - |\n"
)


def test_the_kinds_of_declared_and_suggested_port_headers() -> None:
    vocab = Vocabulary()
    kinds = {h: vocab.port_kind(normalize_header(h)) for h in ("Dockerfile EXPOSE", "Suggested Port", "Expose")}
    assert kinds == {"Dockerfile EXPOSE": "declared", "Suggested Port": "proposed", "Expose": None}
    assert vocab.port_kind(normalize_header("Recommended port")) == "proposed"


def test_the_declared_port_is_the_row_s_port_beside_a_suggested_one() -> None:
    # every row has its declared port; a suggestion (or none, `-`) is a cell
    assert read_entries(FROZEN) == [
        ("agent-registry", (8080,), 5),
        ("yield-forecast", (8000,), 6),
        ("soil-lab", (8000,), 7),
    ]
    # each declared port is its own container's: two images declaring 8000 are no clash
    assert error_findings(FROZEN) == []


def test_a_published_port_wins_over_the_declared_one() -> None:
    text = (
        "| Service | Dockerfile EXPOSE | docker-compose Port |\n| --- | --- | --- |\n"
        "| weather-core | 8000 | 8108:8000 |\n| irrigation-planner | 8000 | 8109:8000 |\n"
    )
    assert read_entries(text) == [("weather-core", (8108,), 3), ("irrigation-planner", (8109,), 4)]


def test_a_suggested_port_alone_is_still_the_port() -> None:
    text = "| Service | Suggested Port | Description |\n| --- | --- | --- |\n"
    text += "| GIS | 8002 | tiles |\n| Users | 8003 | roles |\n"
    assert read_entries(text) == [("GIS", (8002,), 3), ("Users", (8003,), 4)]


def test_a_current_port_wins_over_a_suggested_one_written_first() -> None:
    text = "| Service | Suggested Port | Port |\n| --- | --- | --- |\n| api | 8121 | 8080 |\n| web | 8122 | 3000 |\n"
    assert read_entries(text) == [("api", (8080,), 3), ("web", (3000,), 4)]


def test_a_column_of_yes_and_no_headed_expose_is_no_port() -> None:
    text = "| Service | Expose | Reason |\n| --- | --- | --- |\n| field-ops | yes | app |\n| ndvi | no | batch |\n"
    assert read_entries(text) == [] and error_findings(text) == []


def test_explain_and_the_installed_command_name_the_declared_port() -> None:
    said = invoke_mdports("-f", "-", "explain", stdin=FROZEN)
    assert said.returncode == 0, said.stderr
    assert "Dockerfile EXPOSE  port (declared): the registry port" in said.stdout
    assert "Suggested Port     port (proposed): kept as a cell" in said.stdout
    listed = run_mdports("-f", str(AUDIT), "list")
    assert listed.returncode == 0, listed.stderr
    assert "soil-lab" in listed.stdout and "8130" in listed.stdout

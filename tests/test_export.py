"""``mdports export``: the registry for other tools, deterministic, in json, yaml, csv and env."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import BUNDLED, PROJECT, invoke_mdports

from mdports import parse, registry
from mdports.output.export import FORMATS, env_name, export


@pytest.mark.parametrize(
    ("service", "variable"),
    [
        ("mana-auth", "MANA_AUTH_PORT"),
        ("minio (S3 API)", "MINIO_S3_API_PORT"),
        ("Mana Auth", "MANA_AUTH_PORT"),
        ("mana.auth_v2", "MANA_AUTH_V2_PORT"),
        ("café-web", "CAFE_WEB_PORT"),
        ("3d-viewer", "_3D_VIEWER_PORT"),
        ("--", None),
        ("日本", None),
    ],
)
def test_env_names_are_upper_snake_case(service: str, variable: str | None) -> None:
    assert env_name(service) == variable


BUNDLED_TEXT = BUNDLED.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_does_not_depend_on_row_order(fmt: str) -> None:
    """Moving rows around the document (same registry) does not change a byte of the export."""
    lines = BUNDLED_TEXT.splitlines(keepends=True)
    auth = next(i for i, line in enumerate(lines) if "| mana-auth |" in line)
    lines[auth], lines[auth + 3] = lines[auth + 3], lines[auth]
    shuffled = "".join(lines)
    assert shuffled != BUNDLED_TEXT
    before = export(registry(parse(BUNDLED_TEXT)), fmt)  # type: ignore[arg-type]
    after = export(registry(parse(shuffled)), fmt)  # type: ignore[arg-type]
    assert before == after and before.problems == ()


def test_json_yaml_and_csv_hold_the_same_entries() -> None:
    model = registry(parse(BUNDLED_TEXT))
    data = json.loads(export(model, "json").text)
    assert data == yaml.safe_load(export(model, "yaml").text)
    assert data["version"] == 1 and len(data["entries"]) == len(model.entries)
    rows = list(csv.DictReader(io.StringIO(export(model, "csv").text)))
    assert [row["service"] or None for row in rows] == [entry["service"] for entry in data["entries"]]
    assert [int(row["port"]) for row in rows] == [entry["port"] for entry in data["entries"]]
    ports = [entry["port"] for entry in data["entries"]]
    assert ports == sorted(ports)
    reserved = [entry for entry in data["entries"] if entry["status"] == "reserved"]
    assert reserved[0] == {
        "service": None,
        "port": 3006,
        "ports": [3006, 3007, 3008, 3009],
        "protocols": ["tcp"],
        "status": "reserved",
        "section": "core-platform-services",
        "heading": "3000-3009: Core Platform Services",
        "range": [3000, 3009],
    }


def test_env_has_every_assigned_entry_and_no_placeholder() -> None:
    model = registry(parse(BUNDLED_TEXT))
    lines = export(model, "env").text.splitlines()
    assert lines[0].startswith("# ")
    variables = dict(line.split("=", 1) for line in lines[1:])
    assert len(variables) == sum(1 for entry in model.entries if entry.service)
    assert variables["MANA_AUTH_PORT"] == "3001" and variables["MINIO_CONSOLE_PORT"] == "9001"


def test_several_ports_give_a_ports_variable_too() -> None:
    text = "## Web\n\n| Port | Service |\n|---|---|\n| 80/443 | traefik |\n| 3017, 3019-3021 | mana-lab |\n"
    assert export(registry(parse(text)), "env").text.splitlines()[1:] == [
        "TRAEFIK_PORT=80",
        "TRAEFIK_PORTS=80,443",
        "MANA_LAB_PORT=3017",
        "MANA_LAB_PORTS=3017,3019-3021",
    ]


COLLIDING = """\
## Core

| Port | Service |
|------|---------|
| 3001 | mana-auth |
| 3002 | mana_auth |
| 3003 | ?? |
| 30x4 | broken |
| 3005 | mana-user |
"""


def test_collisions_and_unreadable_rows_are_reported_and_left_out() -> None:
    result = export(registry(parse(COLLIDING)), "env")
    assert result.text.splitlines()[1:] == [
        "MANA_AUTH_PORT=3001",
        "# MANA_AUTH_PORT=3002  (collision: mana_auth, line 6)",
        "MANA_USER_PORT=3005",
    ]
    assert result.problems == (
        (8, "port cell '30x4' cannot be read; left out"),
        (6, "mana_auth would also be MANA_AUTH_PORT, like mana-auth (line 5); left out"),
        (7, "service '??' has no letter or digit; left out"),
    )
    assert export(
        registry(parse(COLLIDING.replace("mana_auth", "mana-credits").replace("??", "x"))), "json"
    ).problems == ((8, "port cell '30x4' cannot be read; left out"),)


def test_collisions_fail_the_command_and_go_to_stderr(tmp_path: Path) -> None:
    (tmp_path / "ports.md").write_text(COLLIDING)
    result = invoke_mdports("-f", "ports.md", "export", "--format", "env", cwd=tmp_path)
    assert result.returncode == 1
    assert "MANA_USER_PORT=3005" in result.stdout
    assert result.stderr.splitlines()[1] == (
        "mdports: warning: ports.md:6: mana_auth would also be MANA_AUTH_PORT, like mana-auth (line 5); left out"
    )
    clean = invoke_mdports("-f", str(BUNDLED), "export", "--format", "env", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stderr == ""


def test_unknown_format_and_range_are_usage_errors(tmp_path: Path) -> None:
    assert invoke_mdports("-f", str(BUNDLED), "export", "--format", "toml", cwd=tmp_path).returncode == 2
    result = invoke_mdports("-f", str(BUNDLED), "export", "--range", "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "--range 'nowhere' matches no section" in result.stderr


def test_an_exported_env_file_agrees_with_the_document(tmp_path: Path) -> None:
    """The story of export and drift together: what export writes, drift finds no fault with."""
    root = Path(shutil.copytree(PROJECT, tmp_path / "project"))
    exported = invoke_mdports("export", "--format", "env", cwd=root)
    assert exported.returncode == 0, exported.stderr
    (root / "exported.env").write_text(exported.stdout)
    result = invoke_mdports("drift", "--env", "exported.env", "--strict", "--format", "json", cwd=root)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["findings"] == []
    assigned = sum(1 for entry in registry(parse(BUNDLED_TEXT)).entries if entry.service)
    assert report["summary"]["variables"] == assigned == 72  # every assigned entry, matched back by name

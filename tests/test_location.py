"""One ``Location`` (path, line, column), written one way: ``PATH:LINE:COL`` in findings, errors and messages."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import ROOT, invoke_mdports

from mdports import parse, registry
from mdports.deploy.compose import read_compose
from mdports.deploy.deployment import Deployment
from mdports.deploy.drift import check
from mdports.errors import InputError
from mdports.location import Location, format_location

COMPOSE = "services:\n  mana-auth:\n    ports: ['3002:3001']\n"
DOCUMENT = "## Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-credits |\n"


def test_a_location_is_written_path_line_column() -> None:
    at = Location("compose.yml", 3, 14)
    assert (str(at), at.path_line) == ("compose.yml:3:14", "compose.yml:3")
    assert sorted([Location("b", 1, 1), Location("a", 2, 1), Location("a", 1, 9)]) == [
        Location("a", 1, 9),
        Location("a", 2, 1),
        Location("b", 1, 1),
    ]


def test_an_error_writes_as_much_of_its_place_as_it_knows() -> None:
    assert str(InputError("bad", path="x.yml", line=4, column=2)).startswith("x.yml:4:2: bad")
    assert InputError("bad", path="x.yml", line=4, column=2).location == str(Location("x.yml", 4, 2))
    assert (format_location(None, 7), format_location("x.yml"), format_location(None)) == ("<input>:7", "x.yml", "")


def test_a_deployment_record_and_its_finding_share_one_location() -> None:
    [service] = read_compose(COMPOSE, "compose.yml")
    report = check(registry(parse(DOCUMENT)), Deployment(services=(service,), files=(("compose", "compose.yml"),)))
    [mismatch] = [f for f in report.findings if f.rule.id == "MP202"]
    assert mismatch.location is service.ports[0].location
    assert str(mismatch.location) == "compose.yml:3:14"


def test_the_json_keeps_flat_path_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "PORTS.md").write_text(DOCUMENT.replace("3002 | mana-credits", "3001 | mana-credits"))
    result = invoke_mdports("-f", str(tmp_path / "PORTS.md"), "validate", "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert findings and all({"path", "line", "column"} <= set(f) and "location" not in f for f in findings)
    assert (findings[0]["line"], findings[0]["column"]) == (6, 3)


def _places(path: str) -> list[str]:
    """The classes of a module that declare two or more of path, line and column themselves."""
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            fields = {s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
            if len(fields & {"path", "line", "column"}) >= 2:
                found.append(node.name)
    return found


def test_no_deployment_record_or_finding_declares_its_place_again() -> None:
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "mdports" / "deploy").glob("*.py"))
    found = {m: _places(m) for m in [*modules, "mdports/rules/findings.py"]}
    # A TextEdit is a range in the text it edits (start and end, no path), not a place in a file.
    assert {m: names for m, names in found.items() if names} == {"mdports/rules/findings.py": ["TextEdit"]}

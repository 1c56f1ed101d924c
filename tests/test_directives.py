"""Inline directives are checked: a typo never silently accepts nothing (MP111, MP112)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_mdports

import mdports
from mdports.model.registry import directive_comments
from mdports.output.report import explanation
from mdports.rules.structure_rules import BAD_DIRECTIVE

HEAD = "## 3000-3009: Core\n\n"
TABLE = "| Port | Service |\n|---|---|\n| 3001 | auth |\n| 3100 | far |\n"


def findings(comments: str) -> list[tuple[str, int, str]]:
    report = mdports.validate(mdports.parse(HEAD + comments + "\n" + TABLE))
    return [(f.rule.id, f.line, f.message) for f in report.findings]


def test_a_used_accept_is_silent() -> None:
    assert findings("<!-- mdports: accept MP101 3100 -- kept for the proxy -->\n") == []


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("<!-- mdports: acept MP101 -->", "unknown mdports directive 'acept'; did you mean 'accept'?"),
        ("<!-- mdports: accept MP110x -->", "accept names unknown rule 'MP110x'; did you mean 'MP110'?"),
        ("<!-- mdports: accept port-out-of-rang -->", "did you mean 'port-out-of-range'?"),
        ("<!-- mdports: accept 3100 -->", "this accept names no rule"),
        ("<!-- MDPORTS: Frobnicate -->", "unknown mdports directive 'frobnicate'"),
    ],
)
def test_bad_directives_are_mp111(comment: str, expected: str) -> None:
    found = findings(comment + "\n")
    bad = [message for rule, line, message in found if rule == "MP111"]
    assert len(bad) == 1 and expected in bad[0] and found[0][1] == 3


def test_an_accept_that_matches_nothing_is_mp112() -> None:
    found = findings("<!-- mdports: accept MP101 3001 -->\n<!-- mdports: accept MP104 -->\n")
    assert [(rule, line) for rule, line, _ in found] == [("MP112", 3), ("MP112", 4), ("MP101", 9)]
    assert found[0][2] == "<!-- mdports: accept MP101 3001 --> matches no finding"


def test_validate_does_not_judge_accepts_of_drift_rules() -> None:
    assert findings("<!-- mdports: accept MP101 3100 -->\n<!-- mdports: accept MP203 3001 -->\n") == []


def test_unused_accept_can_itself_be_ignored(tmp_path: Path) -> None:
    doc = tmp_path / "ports.md"
    doc.write_text(HEAD + "<!-- mdports: accept MP104 -->\n\n" + TABLE, encoding="utf-8")
    assert "MP112" in run_mdports("-f", str(doc), "validate").stdout
    (tmp_path / "mdports.toml").write_text('ignore = ["unused-accept"]\n', encoding="utf-8")
    result = run_mdports("-f", str(doc), "validate", cwd=tmp_path)
    assert "MP112" not in result.stdout and result.returncode == 0


def test_directive_reader_is_linear_and_exact() -> None:
    text = "<!-- mdports: accept MP101 4400 -->\n<!--mdports:ACCEPT\tMP102-->\n<!-- other -->\n<!-- mdports: -->"
    assert [(verb, body) for _, verb, body in directive_comments(text)] == [
        ("accept", "MP101 4400"),
        ("accept", "MP102"),
        ("", ""),
    ]
    long = "<!-- mdports: accept MP101" + " " * 100_000 + "x"  # never closed
    assert list(directive_comments(long)) == []


def test_rules_command_lists_the_catalogue() -> None:
    listed = run_mdports("rules")
    assert listed.returncode == 0 and "MP213" in listed.stdout
    lines = listed.stdout.splitlines()
    assert "MP104  unsorted-rows          warning  safe    A row's port is lower than the row before it." in lines
    assert "MP112  unused-accept          warning  -       An accept comment matches no finding" in listed.stdout
    one = json.loads(run_mdports("rules", "bad-directive", "--format", "json").stdout)
    assert one["rules"] == [
        {
            "id": "MP111",
            "name": "bad-directive",
            "severity": "warning",
            "summary": "An mdports comment has an unknown verb, names no rule or an unknown one.",
            "fix": None,
            "explanation": explanation(BAD_DIRECTIVE),
        }
    ]
    unknown = run_mdports("rules", "MP999")
    assert unknown.returncode == 2 and "unknown rule 'MP999'" in unknown.stderr

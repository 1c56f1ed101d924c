"""A baseline for gradual adoption (issue 23, point 4): ``--baseline FILE`` and ``--write-baseline FILE``.

The drift side has golden cases (``tests/golden/cases/drift-fleet-baseline*.case``);
these tests run ``validate`` on a grown document (the bundled one with the problems of
``tests/golden/inputs/broken.md`` appended) through the installed command and in process.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import BUNDLED, FLEET, INPUTS, invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from strategies import markdown

import mdports
from mdports.files.baseline import finding_keys, read_baseline

SCHEMA = json.loads((Path(mdports.__file__).parent / "schemas" / "baseline.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """A grown document with many findings, some of them identical."""
    path = tmp_path / "PORT_SCHEMA.md"
    broken = (INPUTS / "broken.md").read_text(encoding="utf-8").replace("# A registry", "## A registry", 1)
    path.write_text(BUNDLED.read_text(encoding="utf-8") + "\n" + broken, encoding="utf-8")
    return path


def _validate(path: Path, *args: str) -> tuple[int, str, str]:
    result = invoke_mdports("-f", path.name, "validate", "--no-source", *args, cwd=path.parent)
    return result.returncode, result.stdout, result.stderr


def test_write_then_read_through_the_installed_command(grown: Path) -> None:
    first = run_mdports("-f", grown.name, "validate", cwd=grown.parent)
    assert first.returncode == 1
    written = run_mdports("-f", grown.name, "validate", "--write-baseline", "baseline.json", cwd=grown.parent)
    assert written.returncode == 0, written.stderr
    assert "wrote" in written.stderr and "baseline.json" in written.stderr
    text = (grown.parent / "baseline.json").read_text(encoding="utf-8")
    data = json.loads(text)
    Draft202012Validator(SCHEMA).validate(data)
    keys = [(f["file"], f["rule"], f["scope"], f["ports"]) for f in data["findings"]]
    assert keys == sorted(keys) and len(keys) == len(set(map(str, keys)))
    assert all("line" not in f for f in data["findings"])  # lines move with every edit
    again = run_mdports("-f", grown.name, "validate", "--baseline", "baseline.json", cwd=grown.parent)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "in the baseline)" in again.stdout and again.stderr == ""


def test_writing_twice_gives_the_same_bytes(grown: Path) -> None:
    _validate(grown, "--write-baseline", "a.json")
    _validate(grown, "--write-baseline", "b.json")
    assert (grown.parent / "a.json").read_bytes() == (grown.parent / "b.json").read_bytes()


def test_keys_survive_unrelated_edits(grown: Path) -> None:
    _validate(grown, "--write-baseline", "baseline.json")
    text = grown.read_text(encoding="utf-8")
    grown.write_text(text.replace("## Principles", "Intro paragraph.\n\nMore words.\n\n## Principles", 1))
    added = invoke_mdports("-f", grown.name, "add", "newcomer", "--range", "core-platform", cwd=grown.parent)
    assert added.returncode == 0, added.stderr
    code, stdout, stderr = _validate(grown, "--baseline", "baseline.json")
    assert (code, stderr) == (0, ""), stdout


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    rows = "| 30x4 | typo |\n| 30x4 | typo |\n"
    path.write_text("## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n" + rows)
    _validate(path, "--write-baseline", "baseline.json")
    counts = {f["rule"]: f["count"] for f in json.loads((tmp_path / "baseline.json").read_text())["findings"]}
    assert counts["MP003"] == 2
    path.write_text(path.read_text() + "| 30x4 | typo |\n")  # a third one is new
    code, stdout, _ = _validate(path, "--baseline", "baseline.json")
    assert code == 1
    assert stdout.count("MP003") == 1


def test_a_fixed_finding_is_stale_then_leaves_on_the_next_write(grown: Path) -> None:
    _validate(grown, "--write-baseline", "baseline.json")
    before = json.loads((grown.parent / "baseline.json").read_text())["findings"]
    assert any(f["rule"] == "MP106" and f["scope"] == "outside" for f in before)
    grown.write_text(grown.read_text(encoding="utf-8").replace("| 3010 | outside | Outside 3000-3009 |\n", ""))
    code, _, stderr = _validate(grown, "--baseline", "baseline.json")
    assert code == 0
    assert "info: baseline.json: stale entry: MP106 outside 3010" in stderr
    _validate(grown, "--write-baseline", "baseline.json")
    after = json.loads((grown.parent / "baseline.json").read_text())["findings"]
    assert not any(f["rule"] == "MP106" and f["scope"] == "outside" for f in after)
    assert _validate(grown, "--baseline", "baseline.json")[2] == ""


def test_the_json_report_counts_the_baselined(grown: Path) -> None:
    _validate(grown, "--write-baseline", "baseline.json")
    code, stdout, _ = _validate(grown, "--baseline", "baseline.json", "--format", "json")
    report = json.loads(stdout)
    assert code == 0 and report["findings"] == [] and report["summary"]["baselined"] > 20


def test_drift_baseline_is_judged_only_on_drift_rules(grown: Path, tmp_path: Path) -> None:
    """A validate run cannot tell whether a drift finding is gone: one baseline file for both stays quiet."""
    root = tmp_path / "fleet"
    shutil.copytree(FLEET, root)
    drift = invoke_mdports("drift", "--write-baseline", "baseline.json", cwd=root)
    assert drift.returncode == 0, drift.stderr
    validate = invoke_mdports("validate", "--baseline", "baseline.json", cwd=root)
    assert "stale" not in validate.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{\n  "version": 1,\n  "findings": [,]\n}\n', "baseline.json:3:16: the baseline is not JSON"),
        ('{"version": 2, "findings": []}', "the baseline has version 2"),
        ("[]", "the baseline has version 'list'"),
        ('{"version": 1}', "no 'findings' list"),
        ('{"version": 1, "findings": [{"rule": "MP001"}]}', "findings[0].file is missing"),
        (
            '{"version": 1, "findings": [{"rule": "MP999", "file": "a", "scope": "", "ports": [], "count": 1}]}',
            "findings[0].rule 'MP999' is no rule",
        ),
        (
            '{"version": 1, "findings": [{"rule": "MP001", "file": "a", "scope": "", "ports": ["1"], "count": 1}]}',
            "ports must be integers",
        ),
        (
            '{"version": 1, "findings": [{"rule": "MP001", "file": "a", "scope": "", "ports": [], "count": 0}]}',
            "count at least 1",
        ),
        ('{"version": 1, "findings": []}\n\x00', "looks like a binary file"),
        ("[" * 100_000, "nested too deeply"),
    ],
    ids=["syntax", "version", "not-object", "no-findings", "field", "rule", "ports", "count", "nul", "deep"],
)
def test_a_bad_baseline_is_exit_2_with_its_location(grown: Path, content: str, message: str) -> None:
    (grown.parent / "baseline.json").write_text(content, encoding="utf-8")
    before = grown.read_bytes()
    code, stdout, stderr = _validate(grown, "--baseline", "baseline.json", "--fix")
    assert code == 2
    assert stderr.startswith("mdports: error: baseline.json") and message in stderr, stderr
    assert stdout == "" and grown.read_bytes() == before  # nothing checked, nothing fixed


def test_a_missing_or_unreadable_baseline_is_exit_2(grown: Path) -> None:
    (grown.parent / "folder.json").mkdir()
    missing = run_mdports("-f", grown.name, "validate", "--baseline", "nope.json", cwd=grown.parent)
    folder = run_mdports("-f", grown.name, "validate", "--baseline", "folder.json", cwd=grown.parent)
    assert (missing.returncode, folder.returncode) == (2, 2)
    assert "nope.json" in missing.stderr and "folder.json" in folder.stderr
    assert "Traceback" not in missing.stderr + folder.stderr


def test_write_baseline_into_a_missing_folder_is_refused(grown: Path) -> None:
    code, _, stderr = _validate(grown, "--write-baseline", "no/such/baseline.json")
    assert code == 1 and "cannot write the baseline" in stderr


def test_drift_refuses_baseline_with_fix(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(FLEET, root)
    result = invoke_mdports("drift", "--fix", "document", "--baseline", "b.json", cwd=root)
    assert result.returncode == 2 and "do not go with --fix" in result.stderr


# validate --add-accepts: the document's own accept comments, like ruff's --add-noqa.


def test_add_accepts_adds_only_comment_lines_and_is_idempotent(grown: Path) -> None:
    before = grown.read_text(encoding="utf-8").splitlines(keepends=True)
    result = run_mdports("-f", grown.name, "validate", "--add-accepts", cwd=grown.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    after = grown.read_text(encoding="utf-8").splitlines(keepends=True)
    added = [line for line in after if line not in before]
    assert added and all(line.startswith("<!-- mdports: accept MP") for line in added)
    assert [line for line in after if line not in added] == before  # nothing else moved or changed
    assert "(0 error(s), 0 warning(s)" not in result.stdout and "accepted as known" in result.stdout
    again = run_mdports("-f", grown.name, "validate", "--add-accepts", cwd=grown.parent)
    assert again.returncode == 0 and "0 accept comment(s) added" in again.stderr
    assert grown.read_text(encoding="utf-8").splitlines(keepends=True) == after


def test_add_accepts_keeps_crlf_and_setext_headings(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    text = "3000-3009: Core\n---------------\n\n| Port | Service |\n|---|---|\n| 3010 | outside |\n"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    result = invoke_mdports("-f", str(path), "validate", "--add-accepts")
    assert result.returncode == 0, result.stderr
    expected = text.replace("-\n\n", "-\n<!-- mdports: accept MP101 3010 -->\n\n")
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode()


def test_add_accepts_refuses_a_read_only_document_and_stdin(grown: Path) -> None:
    before = grown.read_bytes()
    grown.chmod(0o444)
    try:
        result = run_mdports("-f", grown.name, "validate", "--add-accepts", cwd=grown.parent)
    finally:
        grown.chmod(0o644)
    assert result.returncode == 1 and "read-only" in result.stderr
    assert grown.read_bytes() == before
    piped = invoke_mdports("-f", "-", "validate", "--add-accepts", stdin=before.decode())
    assert piped.returncode == 2 and "standard input" in piped.stderr


@given(markdown())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_baseline_of_today_leaves_nothing_to_report(text: str) -> None:
    """Property: whatever the document, its own baseline accepts every one of its findings, none stale."""
    from mdports.files.baseline import BaselineRun, Key, baseline_text
    from mdports.model.reading import build
    from mdports.rules.validation import validate

    registry = build(mdports.parse(text, path="d.md"))
    report = validate(registry, path="d.md")
    counts: Counter[Key] = Counter(finding_keys(report.findings, registry))
    names = {f.rule.id: f.rule.name for f in report.findings}
    path = Path(tempfile.mkdtemp()) / "b.json"
    path.write_text(baseline_text(counts, names), encoding="utf-8")
    run = BaselineRun(read_baseline(path), None)
    filtered = run.filter(report, registry)
    assert filtered.findings == () and len(filtered.baselined) == len(report.findings)
    assert run.finish({f.rule.id for f in report.findings}, {"d.md"}) == []

"""Ports outside every range (issue 23, point 5): ``add --section NAME`` and ``add --force``.

The golden cases (``add-bundled-outside-every-range``, ``add-bundled-other-ports`` and their
neighbours) run the bundled document through the installed command; these tests run the
variants on the grown document and on the shapes a new section must copy (setext headings,
CRLF, no final newline, a table as the last line).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BUNDLED, invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import markdown

import mdports
from mdports import edits

TABLE = "| Port | Service |\n|------|---------|\n| 3000 | web |\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_bytes(text.encode("utf-8"))
    return path


def _validate(path: Path) -> dict[str, object]:
    result = invoke_mdports("-f", str(path), "validate", "--format", "json")
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_the_refusal_names_the_port_and_the_ways_out_not_a_range_never_typed(tmp_path: Path) -> None:
    path = _write(tmp_path, BUNDLED.read_text(encoding="utf-8"))
    before = path.read_bytes()
    result = run_mdports("-f", str(path), "add", "stalwart", "--port", "587")
    assert result.returncode == 1
    assert "no section's range holds port 587" in result.stderr
    assert "--range '587'" not in result.stderr
    assert "--section NAME" in result.stderr and "--force" in result.stderr
    assert path.read_bytes() == before


def test_other_ports_section_on_the_grown_document_validates_clean(tmp_path: Path) -> None:
    path = _write(tmp_path, BUNDLED.read_text(encoding="utf-8"))
    before = path.read_text(encoding="utf-8")
    findings_before = _validate(path)["findings"]
    result = invoke_mdports("-f", str(path), "add", "stalwart", "--port", "587", "--section", "Other ports")
    assert result.returncode == 0, result.stderr
    after = path.read_text(encoding="utf-8")
    # Only lines added at the end, and the date: every byte of the old document is still there.
    head, _, tail = after.partition("\n## Other ports\n")
    assert tail.startswith("\n| Port | Service |")
    assert [line for line in head.splitlines() if "Last updated" not in line] == [
        line for line in before.splitlines() if "Last updated" not in line
    ]
    assert _validate(path)["findings"] == findings_before  # a section without a range warns nothing
    # A second port goes into the same section, now found by its name.
    again = invoke_mdports("-f", str(path), "add", "smtp", "--port", "25", "--section", "other-ports")
    assert again.returncode == 0, again.stderr
    assert path.read_text(encoding="utf-8").count("## Other ports") == 1
    assert "| 25 | smtp |" in path.read_text(encoding="utf-8")


def test_force_into_a_ranged_section_leaves_mp101_and_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "## 3000-3099: Core\n\n" + TABLE)
    result = invoke_mdports("-f", str(path), "add", "stalwart", "--port", "587", "--range", "core", "--force")
    assert result.returncode == 0, result.stderr
    assert "validate warns MP101" in result.stderr
    rules = [f["rule"] for f in _validate(path)["findings"]]  # type: ignore[union-attr]
    assert rules == ["MP101"]


def test_force_does_not_take_a_port_already_assigned(tmp_path: Path) -> None:
    mail = "\n## Mail\n\n| Port | Service |\n|---|---|\n| 587 | a |\n"
    path = _write(tmp_path, "## 3000-3099: Core\n\n" + TABLE + mail)
    result = invoke_mdports("-f", str(path), "add", "b", "--port", "587", "--range", "core", "--force")
    assert result.returncode == 1
    assert "already assigned to a" in result.stderr


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("# Ports\n\n## 3000-3099: Core\n\n" + TABLE, "## Other ports\n"),
        ("Ports\n=====\n\nCore 3000-3099\n--------------\n\n" + TABLE, "Other ports\n-----------\n"),
        ("### 3000-3099: Core\n\n" + TABLE.rstrip("\n"), "### Other ports\n"),  # a table as the last line
        ("## 3000-3099: Core\n\n" + TABLE + "\nSee also the wiki.", "## Other ports\n"),  # prose without newline
    ],
    ids=["atx", "setext", "table-last-no-newline", "prose-last-no-newline"],
)
def test_a_new_section_is_written_in_the_documents_style(tmp_path: Path, text: str, heading: str) -> None:
    path = _write(tmp_path, text)
    result = invoke_mdports("-f", str(path), "add", "mail", "--port", "587", "--section", "Other ports", "--keep-date")
    assert result.returncode == 0, result.stderr
    after = path.read_text(encoding="utf-8")
    ended = text if text.endswith("\n") else text + "\n"
    assert after == ended + "\n" + heading + "\n| Port | Service |\n|------|---------|\n| 587 | mail |\n"
    assert mdports.parse(after).render() == after


def test_crlf_document_gets_crlf_lines(tmp_path: Path) -> None:
    text = ("## 3000-3099: Core\n\n" + TABLE).replace("\n", "\r\n")
    path = _write(tmp_path, text)
    result = invoke_mdports("-f", str(path), "add", "mail", "--port", "587", "--section", "Other ports", "--keep-date")
    assert result.returncode == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(text.encode()) and b"\n" not in after.replace(b"\r\n", b"")


def test_a_new_section_needs_a_port_and_cannot_take_range_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "## 3000-3099: Core\n\n" + TABLE)
    before = path.read_bytes()
    no_port = invoke_mdports("-f", str(path), "add", "mail", "--section", "Other ports")
    both = invoke_mdports("-f", str(path), "add", "mail", "--port", "1", "--section", "x", "--range", "core")
    assert (no_port.returncode, both.returncode) == (2, 2)
    assert "pass --port" in no_port.stderr and "not both" in both.stderr
    assert path.read_bytes() == before


def test_move_outside_every_range_says_so(tmp_path: Path) -> None:
    """The sibling: ``move --port`` used to answer with the same ``--range '587'`` it was never given."""
    path = _write(tmp_path, "## 3000-3099: Core\n\n" + TABLE)
    result = invoke_mdports("-f", str(path), "move", "web", "--port", "587")
    assert result.returncode == 1
    assert "no section's range holds port 587" in result.stderr and "--range '587'" not in result.stderr


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("a\nb", "a control or invisible character"),
        ("<!-- x", "'<', which is Markdown or HTML"),
        ("Mail | x", "'|', which is Markdown or HTML"),
        ("#", "'#', which is Markdown or HTML"),
        ("   ", "the section title is empty"),
        ("Mail\u202eliam", "a control or invisible character"),
    ],
    ids=["newline", "html", "pipe", "hash", "blank", "bidi"],
)
def test_a_new_section_title_is_plain_text(tmp_path: Path, title: str, message: str) -> None:
    path = _write(tmp_path, "## 3000-3099: Core\n\n" + TABLE)
    before = path.read_bytes()
    result = invoke_mdports("-f", str(path), "add", "mail", "--port", "587", "--section", title)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert path.read_bytes() == before


@given(markdown(), st.integers(min_value=1, max_value=65535))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_new_section_keeps_every_old_line_or_is_refused(text: str, port: int) -> None:
    """Property: ``add --section`` with a new title adds lines at the end, or refuses with an mdports error."""
    document = mdports.parse(text)
    try:
        edit = edits.add(document, "mail", port=port, section="Other ports")
        edits.verify(edit)
    except mdports.MdportsError:
        return
    old = text.splitlines()
    new = edit.text.splitlines()
    assert new[: len(old) - 1] == old[:-1] if old else True  # the last old line may only gain its ending
    assert mdports.parse(edit.text).render() == edit.text

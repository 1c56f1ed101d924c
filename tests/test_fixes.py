"""Fixes: every fix is an edit operation's own difference, applied in verified rounds.

The properties: applying all safe fixes never adds a finding and is idempotent; every fix's
text edits, applied to the text, give exactly what the edit operation made.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import INPUTS, invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import markdown

import mdports
from mdports.fixes import apply_edits
from mdports.fixes.fix_rounds import MAX_ROUNDS, fix_document
from mdports.fixes.fixers import attach
from mdports.model.reading import build
from mdports.rules.findings import Report
from mdports.rules.validation import validate

MARKERS = ["*(reserved)*", "reserved", "free"]


@st.composite
def registry_documents(draw: st.DrawFn) -> str:
    """Small registries full of what the fixes are for: clashes, stray ports, overlaps, disorder, short rows."""
    out = ["# Ports", ""]
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        lo = 3000 + number * 10
        out += [f"## {lo}-{lo + 9}: Section {number}", "", "| Port | Service | Notes |", "|------|---------|-------|"]
        for index in range(draw(st.integers(min_value=0, max_value=7))):
            first = draw(st.integers(min_value=2995, max_value=3035))
            span = draw(st.sampled_from(["", "", f"-{first + 2}", f", {first + 3}"]))
            name = draw(st.one_of(st.sampled_from(MARKERS), st.just(f"svc-{number}-{index}")))
            short = draw(st.booleans()) and draw(st.booleans())
            out.append(f"| {first}{span} | {name} |" + ("" if short else " note |"))
        out.append("")
    return "\n".join(out)


def _keys(report: Report) -> Counter[tuple[str, tuple[int, ...]]]:
    return Counter((finding.rule.id, finding.ports) for finding in report.findings)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(registry_documents(), markdown()))
def test_safe_fixes_never_add_a_finding_and_are_idempotent(text: str) -> None:
    document = mdports.parse(text)
    before = validate(build(document))
    outcome = fix_document(document)
    after = validate(build(outcome.after))
    assert not _keys(after) - _keys(before)
    assert outcome.after.render() == mdports.parse(outcome.after.render()).render()
    if outcome.rounds < MAX_ROUNDS:
        again = fix_document(outcome.after)
        assert not again.changed and not again.fixed


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry_documents())
def test_unsafe_fixes_never_add_an_error(text: str) -> None:
    document = mdports.parse(text)
    errors = Counter(k for k in _keys(validate(build(document))) if k[0].startswith("MP0"))
    outcome = fix_document(document, unsafe=True)
    assert not Counter(k for k in _keys(outcome.report) if k[0].startswith("MP0")) - errors


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registry_documents())
def test_each_fix_applied_alone_reads_back_without_its_finding(text: str) -> None:
    document = mdports.parse(text)
    registry = build(document)
    report = attach(validate(registry), document, registry)
    for finding in report.findings:
        if finding.fix is None:
            continue
        fixed = apply_edits(text, finding.fix.edits)
        remaining = validate(build(mdports.parse(fixed))).findings
        key = (finding.rule.id, finding.ports, finding.section)
        # A row may hold a finding like it (a placeholder on the same stray port): one fewer of them.
        before = sum(1 for f in report.findings if (f.rule.id, f.ports, f.section) == key)
        assert sum(1 for f in remaining if (f.rule.id, f.ports, f.section) == key) < before


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def test_duplicate_port_moves_the_entry_git_says_came_later(tmp_path: Path) -> None:
    """The later-added entry is the earlier row here: history, not row order, decides."""
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "t")
    document = tmp_path / "PORT_SCHEMA.md"
    head = "## 3000-3009: Core\n\n| Port | Service |\n|------|---------|\n"
    document.write_text(head + "| 3000 | auth |\n| 3001 | sync |\n", encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first", "--date", "2026-01-01T00:00:00Z")
    document.write_text(head + "| 3000 | auth |\n| 3001 | billing |\n| 3001 | sync |\n", encoding="utf-8")
    _git(tmp_path, "commit", "-q", "-am", "billing")  # now: git sees billing as the newer line

    result = run_mdports("validate", "PORT_SCHEMA.md", "--unsafe-fixes", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "move billing (added later, by git history) from 3001 to 3002" in result.stderr
    assert document.read_text(encoding="utf-8") == head + "| 3000 | auth |\n| 3001 | sync |\n| 3002 | billing |\n"


def test_without_history_the_later_row_moves(tmp_path: Path) -> None:
    document = tmp_path / "PORT_SCHEMA.md"
    head = "## 3000-3009: Core\n\n| Port | Service |\n|------|---------|\n"
    document.write_text(head + "| 3001 | billing |\n| 3001 | sync |\n", encoding="utf-8")
    result = run_mdports("validate", "PORT_SCHEMA.md", "--unsafe-fixes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert document.read_text(encoding="utf-8") == head + "| 3000 | sync |\n| 3001 | billing |\n"


def test_fixing_standard_input_in_place_is_refused_but_a_diff_is_not(tmp_path: Path) -> None:
    text = (INPUTS / "fix-mp104.md").read_text(encoding="utf-8")
    refused = run_mdports("validate", "-", "--fix", cwd=tmp_path, stdin=text)
    assert refused.returncode == 2 and "cannot fix standard input in place" in refused.stderr
    shown = run_mdports("validate", "-", "--diff", cwd=tmp_path, stdin=text)
    assert shown.returncode == 0 and shown.stdout.startswith("--- a/<stdin>")


def test_json_fix_edits_reproduce_the_fixed_text(tmp_path: Path) -> None:
    """A bot applying the JSON edits itself gets what `--fix` writes."""
    source = (INPUTS / "fix-mp103.md").read_text(encoding="utf-8")
    (tmp_path / "doc.md").write_text(source, encoding="utf-8")
    record = json.loads(run_mdports("validate", "doc.md", "--format", "json", cwd=tmp_path).stdout)
    (fix,) = [f["fix"] for f in record["findings"] if "fix" in f]
    lines = source.splitlines(keepends=True)
    edit = fix["edits"][0]
    assert edit["start"]["column"] == 1 and edit["end"]["column"] == 1
    patched = [*lines[: edit["start"]["line"] - 1], edit["content"], *lines[edit["end"]["line"] - 1 :]]
    run_mdports("validate", "doc.md", "--fix", cwd=tmp_path)
    assert "".join(patched) == (tmp_path / "doc.md").read_text(encoding="utf-8")


# --- issue 20, item 15: every unsafe move in one run, in linear time --------------------------------

HEAD = "# Ports\n\n## 10000-10399: Services\n\n| Port | Service | Depends on |\n|---|---|---|\n"


def _duplicated(count: int) -> str:
    """``count`` services, each port then taken again by a later row (MP001 x ``count``)."""
    firsts = "".join(f"| {10_000 + i} | svc-{i} | |\n" for i in range(count))
    return HEAD + firsts + "".join(f"| {10_000 + i} | late-{i} | |\n" for i in range(count))


def test_15_every_duplicated_row_moves_in_one_run(tmp_path: Path) -> None:
    """Used to fix 5 rows a run (every fix picked the same free port), each costing a full re-read."""
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(_duplicated(60), encoding="utf-8")
    result = run_mdports("validate", "--unsafe-fixes", "PORT_SCHEMA.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "PORT_SCHEMA.md: 60 fixed, 0 remaining"
    assert lines[0] == (
        "PORT_SCHEMA.md:67:3: fixed MP001: move late-0 (the later row) from 10000 to 10060, "
        "the next free port of 10000-10399"
    )
    firsts = "".join(f"| {10_000 + i} | svc-{i} | |\n" for i in range(60))
    assert path.read_text(encoding="utf-8") == HEAD + firsts + "".join(
        f"| {10_060 + i} | late-{i} | |\n" for i in range(60)
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # MP101: ports outside the range move into it, each to its own free port.
        (
            "| 10000 | a | |\n| 20000 | b | |\n| 20001 | c | |\n| 20002 | d | |\n",
            "| 10000 | a | |\n| 10001 | b | |\n| 10002 | c | |\n| 10003 | d | |\n",
        ),
        # Three rows on one port: the two later ones move; a free port between rows is used in place.
        (
            "| 10000 | a | |\n| 10000 | b | |\n| 10000 | c | |\n| 10002 | d | |\n",
            "| 10000 | a | |\n| 10001 | b | |\n| 10002 | d | |\n| 10003 | c | |\n",
        ),
        # A reference to a moved service follows it; a placeholder holding the new ports is split,
        # one port a round (each move gets the port a move at a time would).
        (
            "| 10000 | a | |\n| 10000 | b | |\n| 10000 | c | |\n| 10001-10003 | *(reserved)* | |\n"
            "| 10004 | e | 10000 b |\n",
            "| 10000 | a | |\n| 10001 | b | |\n| 10002 | c | |\n| 10003 | *(reserved)* | |\n| 10004 | e | 10001 b |\n",
        ),
        # A row of the section's second table moves into its first, as `move` puts it (one at a time).
        (
            "| 10000 | a | |\n\nMore:\n\n| Port | Service | Depends on |\n|---|---|---|\n| 10000 | c | |\n",
            "| 10000 | a | |\n| 10001 | c | |\n\nMore:\n\n| Port | Service | Depends on |\n|---|---|---|\n",
        ),
    ],
    ids=["out-of-range", "three-on-one-port", "references-and-placeholders", "second-table"],
)
def test_15_unsafe_moves_of_every_kind_in_one_run(tmp_path: Path, rows: str, expected: str) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(HEAD + rows, encoding="utf-8")
    result = invoke_mdports("validate", "--unsafe-fixes", "PORT_SCHEMA.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(" fixed, 0 remaining\n"), result.stderr
    assert path.read_text(encoding="utf-8") == HEAD + expected


_MOVE = re.compile(r"move (\S+) \(.*\) from \d+ to (\d+), the next free port")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=11), min_size=1, max_size=16), st.booleans())
def test_15_the_one_round_moves_rows_as_move_does_one_at_a_time(offsets: list[int], reserved: bool) -> None:
    """Property: the result is the text `move` makes, one fix after another in the same order.

    Enough duplicates reach the reserved ports above the services, which a move splits.
    """
    head = "## 3000-3029: A\n\n| Port | Service |\n|---|---|\n"
    rows = "".join(f"| {3000 + offset} | s{index} |\n" for index, offset in enumerate(sorted(offsets)))
    if reserved:
        rows += "| 3012-3014 | *(reserved)* |\n| 3016, 3018 | *(reserved)* |\n"
    text = head + rows
    outcome = fix_document(mdports.parse(text), unsafe=True)
    expected = mdports.parse(text)
    moves = [_MOVE.match(f.fix.description).groups() for f in outcome.fixed if f.fix]  # type: ignore[union-attr]
    for name, port in dict.fromkeys(moves):
        expected = mdports.parse(mdports.edits.move(expected, name, port=int(port)).text)
    assert outcome.after.render() == expected.render()
    assert not [f for f in outcome.report.findings if f.rule.id == "MP001"]


def _two_tables(count: int) -> str:
    """``count`` rows of a section's second table that take the ports of its first (MP001), and
    ``count`` rows of that section whose ports a second section's range holds (MP106)."""
    firsts = "".join(f"| {3000 + i} | svc-{i} |\n" for i in range(count))
    strays = "".join(f"| {4050 + i} | stray-{i} |\n" for i in range(count))
    legacy = "".join(f"| {3000 + i} | legacy-{i} |\n" for i in range(count))
    return (
        "# Ports\n\n## 3000-3099: Core\n\n| Port | Service |\n|------|---------|\n"
        + firsts
        + strays
        + "\nOlder services, kept in their own table:\n\n| Port | Service |\n|------|---------|\n"
        + legacy
        + "\n## 4000-4099: Ops\n\n| Port | Service |\n|------|---------|\n| 4001 | ops-1 |\n"
    )


def test_15_rows_that_move_into_another_table_all_move_in_one_run(tmp_path: Path) -> None:
    """Used to go one fix per round (each move put its row at the same place of the same table),
    so 5 of 28 were fixed and the rest left for the next run."""
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(_two_tables(14), encoding="utf-8")
    result = run_mdports("validate", "--unsafe-fixes", "PORT_SCHEMA.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "PORT_SCHEMA.md: 28 fixed, 0 remaining"
    firsts = "".join(f"| {3000 + i} | svc-{i} |\n" for i in range(14))
    moved = "".join(f"| {3014 + i} | legacy-{i} |\n" for i in range(14))
    strays = "".join(f"| {4050 + i} | stray-{i} |\n" for i in range(14))
    assert path.read_text(encoding="utf-8") == (
        "# Ports\n\n## 3000-3099: Core\n\n| Port | Service |\n|------|---------|\n"
        + firsts
        + moved
        + "\nOlder services, kept in their own table:\n\n| Port | Service |\n|------|---------|\n"
        + "\n## 4000-4099: Ops\n\n| Port | Service |\n|------|---------|\n| 4001 | ops-1 |\n"
        + strays
    )
    assert run_mdports("validate", "PORT_SCHEMA.md", cwd=tmp_path).returncode == 0


def test_15_the_moves_into_another_table_are_one_round_and_what_move_makes() -> None:
    text = _two_tables(12)
    outcome = fix_document(mdports.parse(text), unsafe=True)
    # One round moves all 24 (it was 5 rounds of one fix each, 19 findings left).
    assert (outcome.rounds, len(outcome.fixed), outcome.report.findings) == (1, 24, ())
    expected = mdports.parse(text)
    for i in range(12):  # `move` one row at a time, in the order of the findings
        expected = mdports.parse(mdports.edits.move(expected, f"legacy-{i}", port=3012 + i).text)
    for i in range(12):
        expected = mdports.parse(mdports.edits.move(expected, f"stray-{i}", port=4050 + i, range="4050").text)
    assert outcome.after.render() == expected.render()

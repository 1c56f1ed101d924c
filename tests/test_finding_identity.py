"""One identity of a finding across edits (``check.baseline.finding_keys``), shared by its four users.

The baseline, the rounds of ``validate --fix``, what follows from ``drift --fix document`` and the
findings a diff introduces and resolves all call it: a finding is its rule, its file, the service
or section it is about and its ports — never its line.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from strategies import markdown

import mdports
from mdports.diff.compare import compare
from mdports.files.baseline import BaselineRun, baseline_text, finding_keys, read_baseline
from mdports.fixes.fix_rounds import fix_document
from mdports.model.reading import build
from mdports.rules.validation import validate

DOCUMENT = """\
# Ports

**Last updated:** 2026-11-02

## 3000-3009: Core

| Port | Service | Runtime |
|------|---------|---------|
| 3002 | mana-credits | Go |
| 3001 | mana-auth | Hono/Bun |
| 3990 | Chat-Backend | NestJS |

## 3010-3019: Apps

| Port | Service | Runtime |
|------|---------|---------|
| 3010 | todo-server | Hono/Bun |
"""


def _keys(text: str) -> Counter[object]:
    registry = build(mdports.parse(text, path="PORT_SCHEMA.md"))
    return Counter(finding_keys(validate(registry, path="PORT_SCHEMA.md").findings, registry))


def _shifted(text: str) -> str:
    """The same document with a paragraph before everything: every line moves by two."""
    return "Read the contributing guide first.\n\n" + text


@given(markdown())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_finding_keeps_its_key_when_its_line_moves(text: str) -> None:
    """Property: lines are not part of a finding's identity."""
    text = text.removeprefix("\ufeff")
    assume(not text.startswith(("---", "+++")))  # front matter is front matter only on the first line
    assert _keys(_shifted(text)) == _keys(text)


def test_every_user_of_the_identity_agrees_that_moved_lines_change_nothing(tmp_path: Path) -> None:
    old, new = DOCUMENT, _shifted(DOCUMENT)
    old_registry = build(mdports.parse(old, path="PORT_SCHEMA.md"))
    new_registry = build(mdports.parse(new, path="PORT_SCHEMA.md"))
    old_report = validate(old_registry, path="PORT_SCHEMA.md")
    assert {f.rule.id for f in old_report.findings} >= {"MP101", "MP104"}  # out of range, out of order
    # The diff: nothing introduced, nothing resolved.
    diff = compare(old_registry, new_registry, old_name="a/PORT_SCHEMA.md", new_name="b/PORT_SCHEMA.md")
    assert not diff.introduced and not diff.resolved
    # The baseline written from the old version knows every finding of the new one.
    baseline = tmp_path / "baseline.json"
    baseline.write_text(baseline_text(Counter(finding_keys(old_report.findings, old_registry)), {}), encoding="utf-8")
    run = BaselineRun(read_baseline(baseline), None)
    new_report = run.filter(validate(new_registry, path="PORT_SCHEMA.md"), new_registry)
    assert not new_report.findings and len(new_report.baselined) == len(old_report.findings)
    assert run.finish({"MP101", "MP104"}, {"PORT_SCHEMA.md"}) == []  # nothing stale
    # validate --fix: the safe fix (sorting the rows) moves lines and is kept.
    outcome = fix_document(mdports.parse(new, path="PORT_SCHEMA.md"))
    assert [f.rule.id for f in outcome.fixed] == ["MP104"] and not outcome.refused


def test_a_service_renamed_in_another_spelling_keeps_its_findings_in_a_diff() -> None:
    """The diff pairs Chat-Backend with chat-backend; its MP101 is neither introduced nor resolved."""
    new = DOCUMENT.replace("| 3990 | Chat-Backend |", "| 3990 | chat-backend |")
    old_registry = build(mdports.parse(DOCUMENT, path="PORT_SCHEMA.md"))
    new_registry = build(mdports.parse(new, path="PORT_SCHEMA.md"))
    diff = compare(old_registry, new_registry, old_name="a", new_name="b")
    assert not diff.introduced and not diff.resolved


def test_a_move_keeps_the_moved_service_s_findings_for_drift_fix_document() -> None:
    """Without ports, the key of a finding about a service survives the service's move."""
    registry = build(mdports.parse(DOCUMENT, path="PORT_SCHEMA.md"))
    edit = mdports.move(mdports.parse(DOCUMENT, path="PORT_SCHEMA.md"), "Chat-Backend", port=3991, keep_section=True)
    moved = build(edit.after)
    before = validate(registry, path="PORT_SCHEMA.md").findings
    after = validate(moved, path="PORT_SCHEMA.md").findings
    out_of_range = [f for f in before if f.rule.id == "MP101"]
    again = [f for f in after if f.rule.id == "MP101"]
    assert finding_keys(out_of_range, registry, ports=False) == finding_keys(again, moved, ports=False)
    assert finding_keys(out_of_range, registry) != finding_keys(again, moved)  # its port is part of it otherwise

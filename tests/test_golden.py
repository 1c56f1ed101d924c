"""Golden tests: every case file under ``tests/golden/cases`` run and compared, byte for byte.

A case file holds its inputs, its commands and everything each command shows: exit code,
stdout, stderr and what it changed in the files (tests/golden_cases.py describes the format).
Every case runs in-process; the cases marked ``subprocess: yes`` (one or two per command
family and exit path) run through the installed console script too, as users run it.
``MDPORTS_REGEN=1`` rewrites the case files (and deletes expected files of the old layout);
review every change with ``git diff``.
"""

from __future__ import annotations

from pathlib import Path

import golden_cases
import pytest
from conftest import ROOT
from golden_cases import REGEN, Case, assert_golden, old_layout_case, orphans

CASES = golden_cases.cases()
INSTALLED = [case for case in CASES if case.installed]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden(case: Case, tmp_path: Path) -> None:
    assert_golden(case, tmp_path)


@pytest.mark.parametrize("case", INSTALLED, ids=[case.name for case in INSTALLED])
def test_golden_installed_script(case: Case, tmp_path: Path) -> None:
    """A few of the same cases through the installed console script: entry point, exit codes, lazy loading."""
    if REGEN:
        pytest.skip("regenerating")
    assert_golden(case, tmp_path, installed=True)


def test_every_golden_file_belongs_to_a_case() -> None:
    """No expected output outside a case file; no input that nothing reads.

    Regenerating deletes the files of the old layout whose case has a case file now; the old
    layout's cases still without one must be converted, and stray files deleted.
    """
    if REGEN:
        names = {case.name for case in CASES}
        for path in orphans():
            if old_layout_case(path) in names:
                golden_cases.delete(path)
    left = [str(path.relative_to(ROOT)) for path in orphans()]
    assert left == [], "not in any case file nor an input of one: convert old-layout cases, delete stale files"


def test_every_case_runs_mdports_on_inputs() -> None:
    assert len(CASES) >= 250 and len(INSTALLED) >= 15
    for case in CASES:
        assert any(step.is_mdports for step in case.steps), case.path
        assert case.inputs, case.path


def test_the_format_keeps_what_a_line_based_file_loses(tmp_path: Path) -> None:
    """No final line break, CRLF, a lone CR, a BOM, an empty file made: all survive writing and reading."""
    before = {"doc.md": "\ufeffa\r\nb\rc\n".encode(), "gone.md": b"x"}
    after = {"doc.md": "\ufeffa\r\nB\rc".encode(), "new.txt": b""}
    step = golden_cases.Step(
        'mdports x --description "two\nlines"', 1, "no newline", "\n", golden_cases.files_diff(before, after)
    )
    case = Case(
        tmp_path / f"x{golden_cases.SUFFIX}", "input: inputs/crlf.md\n\n", (step, golden_cases.Step("git init -q"))
    )
    golden_cases.write(case)
    assert golden_cases.parse(case.path) == case
    assert "\\ No newline at end of file" in case.path.read_text(encoding="utf-8")
    assert "+++ b/new.txt\n" in step.files and "+++ /dev/null\n" in step.files

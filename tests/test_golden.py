"""Golden tests: an input document, a command, the exact output and resulting document.

A case is a folder in ``tests/golden/cases`` holding ``cmd`` (``INPUT: ARGS``), ``stdout``,
``exit``, ``stderr`` when the command prints messages (no file: stderr must be empty) and,
when the command changes the document, ``document``. Every case asserts all of them; the one
thing that differs between runs, the URI of the temporary folder a case runs in (SARIF's
``%SRCROOT%``), reads ``file:///CASE/`` in the expected output. Run
with ``MDPORTS_REGEN=1`` to rewrite the expected files after an intended change (stale ones
are deleted), then review the diff.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN, INPUTS, invoke_mdports, run_mdports, smoke

CASES = sorted(path for path in (GOLDEN / "cases").iterdir() if path.is_dir())
# Through the installed script too: each command family, a refusal, an error and a written file.
SMOKE = smoke(
    CASES,
    "validate-broken",
    "validate-sarif-fixes-broken",
    "list-json-bundled",
    "show-unknown",
    "add-crlf",
    "add-bundled-outside-every-range",
    "add-bundled-other-ports",
    "validate-broken-add-accepts",
    "remove-bundled-referenced",
    "fmt-messy",
    "fix-mp104",
    "next-free-json",
    "running-tables-move-host",
    "running-tables-add-host",
)
REGEN = bool(os.environ.get("MDPORTS_REGEN"))


def _prepare(case: Path, tmp_path: Path) -> tuple[str, list[str]]:
    spec = (case / "cmd").read_text(encoding="utf-8").strip()
    name, _, args = spec.partition(":")
    shutil.copyfile(INPUTS / name.strip(), tmp_path / name.strip())
    return name.strip(), shlex.split(args)


def _check(case: Path, tmp_path: Path, name: str, stdout: str, stderr: str, code: int) -> None:
    stdout = stdout.replace(f'"{tmp_path.as_uri()}/"', '"file:///CASE/"')
    document = (tmp_path / name).read_bytes()
    original = (INPUTS / name).read_bytes()
    if REGEN:
        (case / "stdout").write_text(stdout, encoding="utf-8")
        (case / "exit").write_text(f"{code}\n", encoding="utf-8")
        _keep(case / "stderr", stderr.encode("utf-8") if stderr else None)
        _keep(case / "document", document if document != original else None)
        return
    assert stdout == (case / "stdout").read_text(encoding="utf-8")
    expected_stderr = (case / "stderr").read_text(encoding="utf-8") if (case / "stderr").exists() else ""
    assert stderr == expected_stderr
    assert code == int((case / "exit").read_text())
    expected = (case / "document").read_bytes() if (case / "document").exists() else original
    assert document == expected


def _keep(path: Path, content: bytes | None) -> None:
    """Write ``content`` to ``path``, or delete a stale ``path`` when there is none."""
    if content is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(content)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden_in_process(case: Path, tmp_path: Path) -> None:
    name, args = _prepare(case, tmp_path)
    result = invoke_mdports("-f", name, *args, cwd=tmp_path)
    _check(case, tmp_path, name, result.stdout, result.stderr, result.returncode)


@pytest.mark.parametrize("case", SMOKE, ids=[case.name for case in SMOKE])
def test_golden_subprocess(case: Path, tmp_path: Path) -> None:
    """A few of the same cases through the installed console script, as users run it."""
    if REGEN:
        pytest.skip("regenerating")
    name, args = _prepare(case, tmp_path)
    result = run_mdports("-f", name, *args, cwd=tmp_path)
    _check(case, tmp_path, name, result.stdout, result.stderr, result.returncode)

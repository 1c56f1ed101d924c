"""``mdports diff`` as users run it: files, git object specs, ``--base``, formats and exit codes.

The golden cases (``tests/golden/cases/diff-*.case``, run by tests/test_golden.py) compare the
``old.md`` and ``new.md`` of a folder of ``tests/golden/diff`` in each format, and the running
layer's ones as a pull request's workflow does (``--base HEAD --format github-review``); here
are what the cases must show, the variants and the errors.

The git tests build real repositories in temporary folders. They run the command in-process
(``invoke_mdports``; git is still a real subprocess of it), one of them and the exit codes also
through the installed script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import BUNDLED, GOLDEN, invoke_mdports, modules_loaded_by, run_mdports
from golden_cases import Case, cases

DIFF_CASES = {case.name: case for case in cases() if case.name.startswith("diff-")}
REVIEW_CASES = [case for case in DIFF_CASES.values() if "github-review" in "".join(s.command for s in case.steps)]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def test_golden_cases_cover_what_the_issue_asks_for() -> None:
    """The review case shows every kind of change; the prose case shows none."""
    review = json.loads(DIFF_CASES["diff-review"].stdout("--format json"))
    assert {e["kind"] for e in review["entries"]} == {"added", "removed", "renamed", "moved", "changed"}
    assert {s["kind"] for s in review["sections"]} == {"added", "removed", "renamed", "re-ranged"}
    assert review["findings"]["introduced"] and review["findings"]["resolved"]
    assert any(e["references"] for e in review["entries"])
    prose = DIFF_CASES["diff-prose-only"].stdout("--format text")
    assert prose == "no registry changes (old.md -> new.md)\n"


def test_golden_column_renames_are_one_change_per_table() -> None:
    """Issue 12 item 16: a renamed column is one change per table, not one per row."""

    def load(case: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(DIFF_CASES[f"diff-{case}"].stdout("--format json"))
        return data

    one = load("column-rename")
    assert [(c["old"], c["new"], c["section"]) for c in one["columns"]] == [
        ("Corresponds to Backend", "Corresponds to Server", "web-frontends-sveltekit")
    ]
    assert one["entries"] == []
    everywhere = load("column-rename-all-tables")
    assert len(everywhere["columns"]) == everywhere["summary"]["columns"]["renamed"] == 10
    assert {(c["old"], c["new"]) for c in everywhere["columns"]} == {("Description", "Notes")}
    assert everywhere["entries"] == []
    edit = load("column-rename-and-edit")
    assert len(edit["columns"]) == 1
    renamed, changed = edit["entries"]
    assert renamed["kind"] == "renamed" and renamed["references"][0]["column"] == "Corresponds to Server"
    assert changed["cells"] == [{"column": "Corresponds to Server", "old": "3031 todo-server", "new": "3031 todo-api"}]


def test_exit_code(tmp_path: Path) -> None:
    case = GOLDEN / "diff"
    changed = run_mdports("diff", str(case / "review" / "old.md"), str(case / "review" / "new.md"), "--exit-code")
    assert changed.returncode == 1
    same = run_mdports("diff", str(case / "prose-only" / "old.md"), str(case / "prose-only" / "new.md"), "--exit-code")
    assert (same.returncode, same.stdout.startswith("no registry changes")) == (0, True)
    without = run_mdports("diff", str(case / "review" / "old.md"), str(case / "review" / "new.md"))
    assert without.returncode == 0


def test_the_markdown_output_is_the_comment_body_exactly() -> None:
    case = GOLDEN / "diff" / "review"
    result = invoke_mdports("diff", str(case / "old.md"), str(case / "new.md"), "--format", "markdown")
    assert result.stdout.startswith("<!-- mdports:diff -->\n")
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to compare"),
        (("missing.md", "new.md"), "missing.md: no such file"),
        (("--base", "HEAD", "old.md"), "give no OLD or NEW with it"),
        (("--", "-x:doc.md", "new.md"), "is not a revision"),
        (("HEAD:", "new.md"), "names no file"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "new.md").write_text("# x\n", encoding="utf-8")
    (tmp_path / "old.md").write_text("# x\n", encoding="utf-8")
    result = invoke_mdports("diff", *args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


# --- git --------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main branch holds the bundled document, and a branch that edits it."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    git(root, "init", "-q")
    shutil.copyfile(BUNDLED, root / "docs" / "PORT_SCHEMA.md")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "ports")
    git(root, "checkout", "-q", "-b", "feature")
    invoke_mdports("-f", "docs/PORT_SCHEMA.md", "rename", "chat-backend", "chat-server", cwd=root).check_returncode()
    git(root, "commit", "-q", "-am", "rename chat-backend")
    return root


def test_git_object_specs(repo: Path) -> None:
    result = run_mdports("diff", "main:docs/PORT_SCHEMA.md", "feature:docs/PORT_SCHEMA.md", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- main:docs/PORT_SCHEMA.md\n+++ feature:docs/PORT_SCHEMA.md\n")
    assert "renamed   chat-backend → chat-server on 3030; 1 reference followed: chat-web" in result.stdout


def test_a_git_spec_against_the_working_tree_and_from_a_subfolder(repo: Path) -> None:
    (repo / "docs" / "PORT_SCHEMA.md").write_text(
        (repo / "docs" / "PORT_SCHEMA.md")
        .read_text(encoding="utf-8")
        .replace("| 3002 | mana-credits | Go |", "| 3002 | mana-credits | Rust |"),
        encoding="utf-8",
    )
    # OLD only: NEW is the configured document (found from the current folder).
    result = invoke_mdports("diff", "HEAD:docs/PORT_SCHEMA.md", "--format", "json", cwd=repo)
    data = json.loads(result.stdout)
    assert [(e["kind"], e["service"]) for e in data["entries"]] == [("changed", "mana-credits")]
    # As in git, REV:./PATH is relative to the current folder.
    result = invoke_mdports("diff", "main:./PORT_SCHEMA.md", "HEAD:./PORT_SCHEMA.md", cwd=repo / "docs")
    assert "renamed" in result.stdout, result.stderr
    # The index (":PATH") is a revision too: what is staged.
    git(repo, "add", "docs/PORT_SCHEMA.md")
    staged = invoke_mdports("diff", "HEAD:docs/PORT_SCHEMA.md", ":docs/PORT_SCHEMA.md", "--exit-code", cwd=repo)
    assert staged.returncode == 1 and "Rust" in staged.stdout


def test_base_compares_the_configured_document_at_a_revision_with_the_working_tree(repo: Path) -> None:
    result = invoke_mdports("diff", "--base", "main", "--format", "json", "--exit-code", cwd=repo)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert (data["old"], data["new"]) == ("main:docs/PORT_SCHEMA.md", str(Path("docs") / "PORT_SCHEMA.md"))
    assert [(e["kind"], e["old_service"], e["service"]) for e in data["entries"]] == [
        ("renamed", "chat-backend", "chat-server")
    ]
    # From a subfolder, with an explicit --file, and with a pyproject.toml that configures the file.
    sub = repo / "docs"
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "diff", "--base", "main", cwd=sub)
    assert result.returncode == 0 and "+++ PORT_SCHEMA.md" in result.stdout
    (repo / "ports").mkdir()
    git(repo, "mv", "docs/PORT_SCHEMA.md", "ports/SCHEMA.md")
    (repo / "pyproject.toml").write_text('[tool.mdports]\nfile = "ports/SCHEMA.md"\n', encoding="utf-8")
    missing = invoke_mdports("diff", "--base", "main", cwd=repo)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[0] == "mdports: error: ports/SCHEMA.md does not exist in revision 'main'"
    same = invoke_mdports("diff", "--base", "feature", "--exit-code", cwd=repo)
    assert same.returncode == 2  # moved in the working tree only: not in feature either
    git(repo, "commit", "-q", "-am", "move the schema")
    assert invoke_mdports("diff", "--base", "HEAD", "--exit-code", cwd=repo).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope:docs/PORT_SCHEMA.md", "docs/PORT_SCHEMA.md"), "unknown revision 'nope'"),
        (("main:docs/MISSING.md", "docs/PORT_SCHEMA.md"), "docs/MISSING.md does not exist in revision 'main'"),
        (("main:docs", "docs/PORT_SCHEMA.md"), "main:docs is a tree, not a file"),
        (
            (
                "--base",
                "v9.9",
            ),
            "unknown revision 'v9.9'",
        ),
    ],
)
def test_git_errors_are_one_line_and_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke_mdports("diff", *args, cwd=repo)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first == f"mdports: error: {message}", result.stderr
    assert "Traceback" not in result.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = invoke_mdports("diff", "--base", "main", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("mdports: error: not a git repository: ")
    result = invoke_mdports("diff", "main:docs/PORT_SCHEMA.md", "docs/PORT_SCHEMA.md", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "not a git repository" in result.stderr


def test_binary_and_non_utf8_blobs_are_refused(repo: Path) -> None:
    (repo / "latin1.md").write_bytes("| Port | Service |\n|---|---|\n| 1 | caf\xe9 |\n".encode("latin-1"))
    git(repo, "add", "latin1.md")
    git(repo, "commit", "-q", "-m", "latin-1")
    result = invoke_mdports("diff", "HEAD:latin1.md", "docs/PORT_SCHEMA.md", cwd=repo)
    assert result.returncode == 2
    assert "HEAD:latin1.md: is not valid UTF-8 (byte 0xe9 at offset" in result.stderr


def test_a_file_whose_name_has_a_colon_is_a_file(tmp_path: Path) -> None:
    shutil.copyfile(BUNDLED, tmp_path / "v1:ports.md")
    shutil.copyfile(BUNDLED, tmp_path / "new.md")
    result = invoke_mdports("diff", "v1:ports.md", "new.md", "--exit-code", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_validate_does_not_import_deepdiff_or_the_diff_modules() -> None:
    """``mdports validate`` runs on every commit: it must not pay for the diff."""
    code, imported = modules_loaded_by("validate", str(BUNDLED))
    assert code == 0
    assert "mdports.cli.read" in imported  # the check would be vacuous otherwise
    for module in (
        "deepdiff",
        "mdports.cli.versions",
        "mdports.diff.compare",
        "mdports.diff.snapshot",
        "mdports.diff.pairing",
        "mdports.output.diff_report",
        "mdports.output.diff_json",
        "mdports.output.diff_report",
        "mdports.files.git",
    ):
        assert module not in imported  # the diff command and its work are imported only when it runs


@pytest.mark.parametrize("case", REVIEW_CASES, ids=[case.name for case in REVIEW_CASES])
def test_every_diff_format_names_the_running_host(case: Case) -> None:
    """Issue 21 point 4: a running entry's change says which host in text, Markdown, JSON and the review."""
    data = json.loads(case.stdout("--format json"))
    running = [entry for entry in data["entries"] if entry.get("layer") == "running"]
    assert running
    text = case.stdout("--format text")
    markdown = case.stdout("--format markdown")
    review = json.loads(case.stdout("--format github-review"))
    for entry in running:
        host = entry["host"] or entry["old_host"]
        name = entry["service"] or entry["old_service"]
        assert host, entry
        assert f"{name} (running on {host})" in text
        assert f"{name.replace('-', chr(92) + '-')} (running on {host})" in markdown
        assert f"{name.replace('-', chr(92) + '-')} (running on {host})" in review["body"]
    on_lines = {comment["line"] for comment in review["comments"]}
    assert {entry["line"] for entry in running if entry["line"]} <= on_lines

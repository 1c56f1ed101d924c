"""Inputs and outputs that never break (issue 20, items 16, 19 and 21), through the installed command.

Standard input is bounded as a file is (16); a committed symbolic link read as ``REV:PATH``
is followed within the revision's tree, or refused (21); SARIF locations are RFC 3986 URI
references a SARIF consumer accepts (19).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED, invoke_mdports, mdports_executable, run_mdports

from mdports.files.reading import MAX_DOCUMENT_BYTES

# A subprocess that would read forever must end long before this (a hang, not a timing).
HANG = 60
TOO_BIG = "is 64 MiB or more, more than the 64 MiB a port registry can need; is it the right file?"


# --- 16: standard input is bounded like a file ----------------------------------------------------


def test_16_an_endless_standard_input_is_refused_after_the_limit() -> None:
    """`yes` never stops writing: mdports reads the limit and one byte more, then refuses (exit 2)."""
    endless = subprocess.Popen(["yes", "| 3001 | a |"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run(
            [mdports_executable(), "validate", "-"],
            stdin=endless.stdout,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    finally:
        endless.kill()
        endless.wait()
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"mdports: error: <stdin>: {TOO_BIG}\n"


@pytest.mark.parametrize(
    "args",
    [("validate", "-"), ("-f", "-", "validate"), ("fmt", "-"), ("validate", "--diff", "--unsafe-fixes", "-")],
    ids=["validate", "file-option", "fmt", "fix-diff"],
)
def test_16_every_command_reading_standard_input_has_the_file_limit(args: tuple[str, ...]) -> None:
    over = "x" * (MAX_DOCUMENT_BYTES + 1)
    result = invoke_mdports(*args, stdin=over)
    assert (result.returncode, result.stderr) == (2, f"mdports: error: <stdin>: {TOO_BIG}\n")
    # At the limit exactly, it is read (and found to hold no table).
    at_limit = invoke_mdports("validate", "-", stdin="x" * MAX_DOCUMENT_BYTES)
    assert at_limit.returncode == 0, at_limit.stderr


def test_16_a_closed_standard_input_is_an_input_error(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" validate - <&-', mdports_executable()],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mdports: error: <stdin>: standard input is closed; nothing to read\n")


def test_16_standard_input_is_checked_like_a_file() -> None:
    binary = invoke_mdports("validate", "-", stdin="a\0b")
    assert (binary.returncode, binary.stderr) == (
        2,
        "mdports: error: <stdin>: looks like a binary file (NUL byte at offset 1)\n",
    )


@pytest.mark.parametrize("name", [".mdports.toml", "pyproject.toml"])
def test_16_a_configuration_file_has_the_limit_too(tmp_path: Path, name: str) -> None:
    """A configuration (found, or given with --config) is read bounded, never whole."""
    with open(tmp_path / name, "wb") as huge:
        huge.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no disk space used
    found = invoke_mdports("validate", "-", stdin="", cwd=tmp_path)
    given = invoke_mdports("--config", name, "validate", "-", stdin="", cwd=tmp_path)
    for result in (found, given):
        assert (result.returncode, result.stderr) == (2, f"mdports: error: {name}: {TOO_BIG}\n")


# --- 21: a committed symbolic link --------------------------------------------------------------


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A repository with the document and links to it: in the tree, out of it, dangling, in a loop."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/PORT_SCHEMA.md").write_bytes(BUNDLED.read_bytes())
    (tmp_path / "secret.md").write_text("not the document\n", encoding="utf-8")
    os.symlink("docs/PORT_SCHEMA.md", tmp_path / "link.md")
    os.symlink("link.md", tmp_path / "chain.md")
    os.symlink("docs", tmp_path / "folder")
    os.symlink(str(tmp_path / "secret.md"), tmp_path / "absolute.md")
    os.symlink("../../etc/passwd", tmp_path / "outside.md")
    os.symlink("missing.md", tmp_path / "dangling.md")
    os.symlink("loop-b.md", tmp_path / "loop-a.md")
    os.symlink("loop-a.md", tmp_path / "loop-b.md")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "links")
    return tmp_path


def test_21_a_committed_link_is_read_as_the_file_it_points_to_in_the_tree(linked: Path) -> None:
    result = run_mdports("diff", "HEAD:link.md", "HEAD:docs/PORT_SCHEMA.md", "--exit-code", cwd=linked)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "no registry changes (HEAD:link.md -> HEAD:docs/PORT_SCHEMA.md)\n"


@pytest.mark.parametrize("spec", ["HEAD:chain.md", "HEAD:folder/PORT_SCHEMA.md", "HEAD:./link.md"])
def test_21_links_are_followed_through_chains_and_folders(linked: Path, spec: str) -> None:
    result = invoke_mdports("diff", spec, "docs/PORT_SCHEMA.md", "--exit-code", cwd=linked)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("HEAD:absolute.md", "is a symbolic link to {root}/secret.md, outside the repository"),
        ("HEAD:outside.md", "is a symbolic link to ../../etc/passwd, outside the repository"),
        ("HEAD:dangling.md", "is a symbolic link to a file the revision does not have"),
        ("HEAD:loop-a.md", "is a symbolic link in a loop (or a chain of more than 40 links)"),
        (":link.md", "is a symbolic link staged in the index; git does not follow it"),
    ],
)
def test_21_a_link_that_cannot_be_followed_in_the_tree_is_refused(linked: Path, spec: str, message: str) -> None:
    result = invoke_mdports("diff", spec, "docs/PORT_SCHEMA.md", cwd=linked)
    assert result.returncode == 2, result.stdout
    first, hint = result.stderr.splitlines()
    assert first.startswith(f"mdports: error: {spec} {message.format(root=linked)}"), result.stderr
    assert hint == "  hint: give the path of the file the link points to, e.g. HEAD:docs/PORT_SCHEMA.md"


def test_21_a_blob_over_the_limit_is_refused_before_it_is_read(linked: Path) -> None:
    (linked / "huge.md").write_bytes(b"x" * (MAX_DOCUMENT_BYTES + 1))
    git(linked, "add", "huge.md")
    git(linked, "commit", "-q", "-m", "huge")
    result = invoke_mdports("diff", "HEAD:huge.md", "docs/PORT_SCHEMA.md", cwd=linked)
    assert (result.returncode, result.stderr) == (2, f"mdports: error: HEAD:huge.md: {TOO_BIG}\n")

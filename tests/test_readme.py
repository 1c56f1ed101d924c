"""The README's examples work as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXED_EPOCH, ROOT, mdports_executable, run_mdports

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
CONSOLE_BLOCKS = re.findall(r"```console\n(.*?)```", README, re.DOTALL)
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "A",
    "GIT_AUTHOR_EMAIL": "a@example.com",
    "GIT_COMMITTER_NAME": "A",
    "GIT_COMMITTER_EMAIL": "a@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def checkout(tmp_path: Path) -> Path:
    """A repository as a user has it: the bundled document committed on main, also as origin/main."""
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    env = {**os.environ, **GIT_ENV}
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "."],
        ["git", "commit", "-qm", "ports"],
        ["git", "update-ref", "refs/remotes/origin/main", "HEAD"],
    ):
        subprocess.run(command, cwd=tmp_path, env=env, check=True)
    return tmp_path


def matches(expected: list[str], actual: list[str]) -> bool:
    """Lines equal, where an expected line ``...`` stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def session(block: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines, each with the output lines that follow it."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before any command in a console block: {line!r}"
            steps[-1][1].append(line)
    return steps


@pytest.mark.parametrize("index", range(len(CONSOLE_BLOCKS)))
def test_console_examples_print_what_they_show(index: int, tmp_path: Path) -> None:
    """Each ``console`` block runs in order, as shown, in a checkout of the bundled document.

    What a terminal shows is stdout and stderr together, in the order written (unbuffered).
    """
    root = checkout(tmp_path)
    executable = mdports_executable()
    env = {**os.environ, **GIT_ENV, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    for command, expected in session(CONSOLE_BLOCKS[index]):
        words = shlex.split(command)
        assert words[0] == "mdports", command
        result = subprocess.run(
            [executable, *words[1:]], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=120,
        )  # fmt: skip
        assert matches(expected, result.stdout.splitlines()), f"$ {command}\n{result.stdout}"


SH_COMMANDS = [
    line.split("  #")[0].strip()
    for block in SH_BLOCKS
    for line in block.splitlines()
    if line.startswith("mdports ") and "[" not in line  # `[--check]` is a synopsis, not a command
]


@pytest.mark.parametrize("command", SH_COMMANDS)
def test_shell_examples_are_valid_commands(command: str, tmp_path: Path) -> None:
    """Every ``mdports`` line of an ``sh`` block is a command that works on the bundled document."""
    root = checkout(tmp_path)
    result = run_mdports(*shlex.split(command)[1:], cwd=root, env=GIT_ENV)
    assert result.returncode == 0, f"$ {command}\n{result.stdout}{result.stderr}"


def test_the_examples_are_found() -> None:
    assert len(CONSOLE_BLOCKS) >= 2 and len(SH_COMMANDS) >= 3


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_python_examples_run(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    monkeypatch.chdir(tmp_path)
    exec(compile(PYTHON_BLOCKS[index], f"README.md python block {index}", "exec"), {})


def test_readme_starts_with_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    first, second = blocks[0].strip(), blocks[1].strip()
    assert first.endswith("mdports validate docs/PORT_SCHEMA.md") and "pip install" in first
    assert second.endswith("python -m pytest -n auto") and "pip install" in second
    assert README.index(blocks[0]) < README.index("## ")  # before any section


def test_every_command_is_documented() -> None:
    from mdports.cli._app import COMMANDS  # every command (tests/test_cli.py checks the table)

    for name in COMMANDS:
        assert f"`{name}" in README or f"mdports {name}" in README, name


def test_the_rule_tables_are_the_catalogue() -> None:
    """Checked whole: every rule of the catalogue has its row, and no row names a rule that is gone."""
    from mdports.check.catalog import ALL_RULES

    rows = re.findall(r"^\| (MP\d{3}) \| ([a-z-]+) \| (error|warning|info) \|", README, re.MULTILINE)
    assert sorted(rows) == sorted((rule.id, rule.name, rule.severity) for rule in ALL_RULES)

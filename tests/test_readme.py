"""The README's examples work as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)


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
    assert second.endswith("python -m pytest") and "pip install" in second
    assert README.index(blocks[0]) < README.index("## ")  # before any section


def test_every_command_is_documented() -> None:
    from mdports.cli import app

    names = {command.name or command.callback.__name__ for command in app.registered_commands}  # type: ignore[union-attr]
    for name in names:
        assert f"`{name}" in README or f"mdports {name}" in README, name


def test_every_rule_is_documented() -> None:
    from mdports.drift import RULES as DRIFT_RULES
    from mdports.rules import RULES

    for rule in (*RULES, *DRIFT_RULES):
        assert f"| {rule.id} | {rule.name} | {rule.severity} |" in README

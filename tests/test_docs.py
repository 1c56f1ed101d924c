"""The README and the pages under docs/: their examples work as written, the generated parts are current."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXED_EPOCH, ROOT, mdports_executable, run_mdports

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
# The README and every page of the site but the bundled example document, by the path shown in a failure.
PAGES = {
    "README.md": README,
    **{
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted(DOCS.rglob("*.md"))
        if path.name != "PORT_SCHEMA.md"
    },
}


def blocks(language: str) -> list[tuple[str, str]]:
    """Every fenced block of ``language`` in the pages, with the page it is on."""
    return [(page, block) for page, _, block in rooted_blocks(language)]


# ``<!-- example-root: tests/golden/drift/shop -->`` on the line before a block: its commands run
# in a copy of that folder of the repository (a deployment to drift against, say) instead of a
# checkout of the bundled document. An HTML comment: the page shows nothing of it.
EXAMPLE_ROOT = re.compile(r"^<!-- example-root: (\S+) -->\n", re.MULTILINE)


def rooted_blocks(language: str) -> list[tuple[str, str | None, str]]:
    """Every fenced block of ``language``: (page, the folder it runs in or None, block)."""
    found = []
    for page, text in PAGES.items():
        for match in re.finditer(
            rf"^(<!-- example-root: (\S+) -->\n)?```{language}\n(.*?)^```", text, re.DOTALL | re.MULTILINE
        ):
            found.append((page, match.group(2), match.group(3)))
    return found


PYTHON_BLOCKS = blocks("python")
CONSOLE_BLOCKS = blocks("console")
SH_BLOCKS = blocks("sh")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "A",
    "GIT_AUTHOR_EMAIL": "a@example.com",
    "GIT_COMMITTER_NAME": "A",
    "GIT_COMMITTER_EMAIL": "a@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def checkout(tmp_path: Path, example_root: str | None = None) -> Path:
    """A repository as a user has it: the bundled document (or the folder ``example_root`` of this
    repository) committed on main, also as origin/main."""
    if example_root is None:
        (tmp_path / "docs").mkdir()
        shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    else:
        shutil.copytree(ROOT / example_root, tmp_path, dirs_exist_ok=True)
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


ROOTED_CONSOLE_BLOCKS = rooted_blocks("console")


@pytest.mark.parametrize(
    ("page", "example_root", "block"),
    ROOTED_CONSOLE_BLOCKS,
    ids=[f"{page}-{i}" for i, (page, _, _) in enumerate(ROOTED_CONSOLE_BLOCKS)],
)
def test_console_examples_print_what_they_show(page: str, example_root: str | None, block: str, tmp_path: Path) -> None:
    """Each ``console`` block runs in order, as shown, in a checkout of the bundled document
    (or of the folder its ``example-root`` comment names).

    What a terminal shows is stdout and stderr together, in the order written (unbuffered).
    """
    root = checkout(tmp_path, example_root)
    executable = mdports_executable()
    env = {**os.environ, **GIT_ENV, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    for command, expected in session(block):
        words = shlex.split(command)
        assert words[0] == "mdports", command
        result = subprocess.run(
            [executable, *words[1:]], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=120,
        )  # fmt: skip
        assert matches(expected, result.stdout.splitlines()), f"{page}: $ {command}\n{result.stdout}"


SH_COMMANDS = sorted(
    {
        line.split("  #")[0].strip()
        for _, block in SH_BLOCKS
        for line in block.splitlines()
        if line.startswith("mdports ") and "[" not in line  # `[--check]` is a synopsis, not a command
    }
)


@pytest.mark.parametrize("command", SH_COMMANDS)
def test_shell_examples_are_valid_commands(command: str, tmp_path: Path) -> None:
    """Every ``mdports`` line of an ``sh`` block is a command that works on the bundled document."""
    root = checkout(tmp_path)
    result = run_mdports(*shlex.split(command)[1:], cwd=root, env=GIT_ENV)
    assert result.returncode == 0, f"$ {command}\n{result.stdout}{result.stderr}"


def test_the_examples_are_found() -> None:
    assert {page for page, _ in CONSOLE_BLOCKS} >= {"README.md", "docs/editing.md", "docs/validate.md"}
    assert len(CONSOLE_BLOCKS) >= 5 and len(SH_COMMANDS) >= 3 and len(PYTHON_BLOCKS) >= 3


@pytest.mark.parametrize(
    ("page", "block"), PYTHON_BLOCKS, ids=[f"{page}-{i}" for i, (page, _) in enumerate(PYTHON_BLOCKS)]
)
def test_python_examples_run(page: str, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, f"{page} python block", "exec"), {})


def test_readme_starts_with_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    first, second = blocks[0].strip(), blocks[1].strip()
    assert first.endswith("mdports validate docs/PORT_SCHEMA.md") and "pip install" in first
    assert second.endswith("python -m pytest -n auto") and "pip install" in second
    assert README.index(blocks[0]) < README.index("## ")  # before any section


def test_readme_is_a_few_screens() -> None:
    """The front page: what it is, an example, install, the first commands, hooks, links (issue 22)."""
    assert len(README.encode()) <= 12 * 1024
    for page in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / page).is_file(), page


def test_every_command_is_documented() -> None:
    """Beyond its --help in docs/cli.md: a page that says what it does."""
    from mdports.cli._app import COMMANDS  # every command (tests/test_cli.py checks the table)

    prose = "".join(text for page, text in PAGES.items() if page != "docs/cli.md")
    for name in COMMANDS:
        assert f"`{name}" in prose or f"mdports {name}" in prose, name


GENERATED = [
    "docs/rules.md",
    "docs/validate.md",
    "docs/configuration.md",
    "docs/cli.md",
    "mdports/schemas/common.schema.json",
]


def generator() -> object:
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "tools" / "generate_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", GENERATED)
def test_generated_file_is_up_to_date(path: str) -> None:
    """Run `python tools/generate_docs.py` after changing a rule, a configuration key or an option."""
    written = generator().generated()  # type: ignore[attr-defined]
    assert set(written) == {ROOT / name for name in GENERATED}
    assert (ROOT / path).read_text(encoding="utf-8") == written[ROOT / path], (
        f"{path} is stale: run python tools/generate_docs.py"
    )


def test_a_page_without_its_markers_is_an_error() -> None:
    module = generator()
    with pytest.raises(SystemExit, match="markers of the generated part 'rules' are missing"):
        module.with_parts("# Rules\n", {"rules": lambda: ""}, "rules.md")  # type: ignore[attr-defined]


def test_every_page_is_in_the_site() -> None:
    """mkdocs.yml's nav lists every page of docs/ (mkdocs itself only says so as info)."""
    import yaml

    def pages(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, list):
            return [page for item in nav for page in pages(item)]
        if isinstance(nav, dict):
            return [page for item in nav.values() for page in pages(item)]
        return []

    listed = pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    assert sorted(listed) == sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))

"""The hooks of ``.pre-commit-hooks.yaml``, run by the real ``pre-commit`` in temporary repositories.

How it stays offline: the hooks are declared ``language: python``, which is what users want
(pre-commit builds an environment with mdports in it). Building that environment means pip
installing mdports and its dependencies from an index, which a test must not do. So the
consumer repository's ``.pre-commit-config.yaml`` points at a temporary git clone holding
this repository's own ``.pre-commit-hooks.yaml`` and overrides only ``language: system``
for each hook (pre-commit allows overriding any manifest key): pre-commit then clones the
hook repository from a local path, reads the real manifest (id, name, entry, files, types,
pass_filenames) and runs its entry with the ``mdports`` already installed, downloading
nothing. A proxy that points nowhere makes any attempt to reach the network fail loudly.

The documented lint-staged recipe is read as lint-staged reads it (JSON) and its commands are run
as lint-staged runs them; lint-staged itself (a node package) is not installed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BUNDLED, ROOT, mdports_executable

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
HOOK_IDS = ("mdports-validate", "mdports-fmt", "mdports-fmt-check")
FIRST = "| 3001 | mana-auth | Hono/Bun | Authentication, JWT, sessions |\n"
SECOND = "| 3002 | mana-credits | Go | Credit system, billing |\n"


def pre_commit_executable() -> str:
    candidate = Path(sys.executable).parent / "pre-commit"
    found = str(candidate) if candidate.exists() else shutil.which("pre-commit")
    if not found:
        pytest.fail("pre-commit is not installed (pip install -e '.[test]')")
    return found


def environment(tmp_path: Path) -> dict[str, str]:
    nowhere = "http://127.0.0.1:9"
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(mdports_executable()).parent), os.environ.get("PATH", "")]),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "http_proxy": nowhere,
        "https_proxy": nowhere,
        "HTTP_PROXY": nowhere,
        "HTTPS_PROXY": nowhere,
        "PIP_NO_INDEX": "1",
        "SKIP": "",
    }


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = run(["git", "-c", "init.defaultBranch=main", *args], cwd, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A consumer repository using the hooks from a temporary clone of this repository's manifest."""
    env = environment(tmp_path)
    hooks = tmp_path / "mdports-hooks"
    hooks.mkdir()
    git(hooks, env, "init", "-q")
    shutil.copyfile(MANIFEST, hooks / ".pre-commit-hooks.yaml")
    git(hooks, env, "add", ".")
    git(hooks, env, "commit", "-q", "-m", "hooks")
    revision = git(hooks, env, "rev-parse", "HEAD")

    repo = tmp_path / "consumer"
    (repo / "docs").mkdir(parents=True)
    git(repo, env, "init", "-q")
    shutil.copyfile(BUNDLED, repo / "docs" / "PORT_SCHEMA.md")
    # Another Markdown file with a broken registry table: the hooks must not look at it.
    (repo / "README.md").write_text("| Port | Service |\n|---|---|\n| 80 | a |\n| 80 | b |\n", encoding="utf-8")
    config = {
        "repos": [
            {
                "repo": str(hooks),
                "rev": revision,
                "hooks": [{"id": hook, "language": "system"} for hook in HOOK_IDS],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(repo, env, "add", ".")
    return repo, env


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([pre_commit_executable(), *args], repo, env)


def test_the_manifest_is_valid_and_installs_mdports_for_users() -> None:
    result = subprocess.run(
        [pre_commit_executable(), "validate-manifest", str(MANIFEST)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    assert tuple(hooks) == HOOK_IDS
    assert hooks["mdports-validate"]["entry"] == "mdports validate"
    assert hooks["mdports-fmt"]["entry"] == "mdports fmt"  # fixes, like black's hook
    assert hooks["mdports-fmt-check"]["entry"] == "mdports fmt --check"
    assert all(hook["pass_filenames"] and hook["files"] == r"(^|/)PORT_SCHEMA\.md$" for hook in hooks.values())
    assert {hook["language"] for hook in hooks.values()} == {"python"}  # pre-commit installs this package


def test_the_documented_config_names_hooks_of_the_manifest() -> None:
    """The snippet of the integration page, and its copy on the README's front page."""
    page = (ROOT / "docs" / "integrations" / "pre-commit-and-lint-staged.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (page, readme[readme.index("## In your hooks") :]):
        block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
        assert block is not None
        (repo,) = yaml.safe_load(block.group(1))["repos"]
        assert [hook["id"] for hook in repo["hooks"]] == ["mdports-fmt", "mdports-validate"]
    for hook in HOOK_IDS:
        assert f"**`{hook}`**" in page, hook


def test_a_clean_document_passes(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    result = pre_commit(repo, env, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mdports validate" in result.stdout and "mdports fmt --check" in result.stdout
    assert result.stdout.count("Passed") == 3


def test_validate_blocks_a_port_conflict(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    document = repo / "docs" / "PORT_SCHEMA.md"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("| 3002 | mana-credits |", "| 3001 | mana-credits |"), encoding="utf-8")
    result = pre_commit(repo, env, "run", "--all-files")
    assert result.returncode == 1
    assert "mdports validate" in result.stdout and "Failed" in result.stdout
    assert "docs/PORT_SCHEMA.md:19:3: error MP001 port 3001 of mana-credits is already assigned" in result.stdout
    assert "README.md" not in result.stdout  # files: only PORT_SCHEMA.md is checked


def unsort(document: Path) -> str:
    """Swap two rows of the document (a warning, and what `mdports fmt` puts back); the new text."""
    text = document.read_text(encoding="utf-8")
    assert FIRST + SECOND in text
    document.write_text(text.replace(FIRST + SECOND, SECOND + FIRST), encoding="utf-8")
    return document.read_text(encoding="utf-8")


def test_fmt_fixes_unsorted_rows_and_fails_like_black(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    document = repo / "docs" / "PORT_SCHEMA.md"
    unsort(document)
    result = pre_commit(repo, env, "run", "mdports-fmt", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "mdports fmt" in result.stdout and "Failed" in result.stdout
    assert "files were modified by this hook" in result.stdout
    assert "reformatted docs/PORT_SCHEMA.md" in result.stdout
    assert document.read_text(encoding="utf-8") == BUNDLED.read_text(encoding="utf-8")  # only the two rows moved
    again = pre_commit(repo, env, "run", "mdports-fmt", "--all-files")
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout


def test_fmt_check_blocks_unsorted_rows_and_writes_nothing(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    document = repo / "docs" / "PORT_SCHEMA.md"
    text = unsort(document)
    result = pre_commit(repo, env, "run", "mdports-fmt-check", "--all-files")
    assert result.returncode == 1
    assert "would reformat docs/PORT_SCHEMA.md" in result.stdout
    assert document.read_text(encoding="utf-8") == text
    validate = pre_commit(repo, env, "run", "mdports-validate", "--all-files")
    assert validate.returncode == 0, validate.stdout  # out-of-order rows are only a warning
    assert "Passed" in validate.stdout


@pytest.mark.slow
def test_the_installed_git_hook_rejects_a_broken_commit(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    installed = pre_commit(repo, env, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git(repo, env, "commit", "-q", "-m", "a valid registry")
    head = git(repo, env, "rev-parse", "HEAD")
    document = repo / "docs" / "PORT_SCHEMA.md"
    document.write_text(
        document.read_text(encoding="utf-8").replace("| 3004 | mana-user |", "| 3004 | mana-auth |"), encoding="utf-8"
    )
    git(repo, env, "add", "docs/PORT_SCHEMA.md")
    rejected = run(["git", "commit", "-m", "duplicate service"], repo, env)
    assert rejected.returncode != 0
    assert "MP002" in rejected.stdout + rejected.stderr
    assert git(repo, env, "rev-parse", "HEAD") == head
    # Fixed: the commit goes through.
    document.write_text(BUNDLED.read_text(encoding="utf-8").replace("mana-user", "mana-profile"), encoding="utf-8")
    git(repo, env, "add", "docs/PORT_SCHEMA.md")
    accepted = run(["git", "commit", "-m", "rename mana-user"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, env, "rev-parse", "HEAD") != head


@pytest.mark.slow
def test_the_fmt_hook_fixes_a_commit_that_then_goes_through(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    assert pre_commit(repo, env, "install").returncode == 0
    git(repo, env, "commit", "-q", "-m", "a valid registry")
    head = git(repo, env, "rev-parse", "HEAD")
    document = repo / "docs" / "PORT_SCHEMA.md"
    # A hand edit that renames a service and leaves two rows out of order.
    document.write_text(unsort(document).replace("mana-user", "mana-profile"), encoding="utf-8")
    git(repo, env, "add", "docs/PORT_SCHEMA.md")
    rejected = run(["git", "commit", "-m", "rename mana-user"], repo, env)
    assert rejected.returncode != 0 and "files were modified by this hook" in rejected.stdout + rejected.stderr
    assert git(repo, env, "rev-parse", "HEAD") == head
    expected = BUNDLED.read_text(encoding="utf-8").replace("mana-user", "mana-profile")
    assert document.read_text(encoding="utf-8") == expected  # fixed in the work tree, the rename kept
    # The fix is reviewed and staged as usual; then the commit goes through.
    git(repo, env, "add", "docs/PORT_SCHEMA.md")
    accepted = run(["git", "commit", "-m", "rename mana-user"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, env, "show", "HEAD:docs/PORT_SCHEMA.md") + "\n" == expected


# --- lint-staged, as the documentation configures it -------------------------------------------------


def readme_lint_staged() -> dict[str, list[str]]:
    """The lint-staged configuration of the documentation, parsed as lint-staged parses package.json."""
    page = (ROOT / "docs" / "integrations" / "pre-commit-and-lint-staged.md").read_text(encoding="utf-8")
    section = page[page.index("## lint-staged") :]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block is not None
    config: dict[str, list[str]] = json.loads(block.group(1))["lint-staged"]
    return config


def lint_staged(repo: Path, staged: str, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands of every matching glob as lint-staged does: in order, the file's absolute
    path appended, stopping at the first failure (which blocks the commit)."""
    results = []
    for glob, commands in readme_lint_staged().items():
        # A glob with a slash matches the path from the repository root.
        if not fnmatch.fnmatchcase(staged, glob):
            continue
        for command in commands:
            results.append(run([*shlex.split(command), str(repo / staged)], repo, env))
            if results[-1].returncode != 0:
                return results
    return results


def test_the_readme_lint_staged_recipe_fixes_then_validates(tmp_path: Path) -> None:
    config = readme_lint_staged()
    assert config == {"docs/PORT_SCHEMA.md": ["mdports fmt", "mdports validate"]}
    env = environment(tmp_path)
    repo = tmp_path / "monorepo"
    (repo / "docs").mkdir(parents=True)
    document = repo / "docs" / "PORT_SCHEMA.md"
    shutil.copyfile(BUNDLED, document)
    assert lint_staged(repo, "README.md", env) == []  # other files are not its business

    unsort(document)
    fixed = lint_staged(repo, "docs/PORT_SCHEMA.md", env)
    assert [result.returncode for result in fixed] == [0, 0], [r.stderr for r in fixed]
    assert fixed[0].stderr.startswith("reformatted ") and "0 error(s), 5 warning(s)" in fixed[1].stdout
    assert document.read_text(encoding="utf-8") == BUNDLED.read_text(encoding="utf-8")

    document.write_text(
        BUNDLED.read_text(encoding="utf-8").replace("| 3002 | mana-credits |", "| 3001 | mana-credits |"),
        encoding="utf-8",
    )
    blocked = lint_staged(repo, "docs/PORT_SCHEMA.md", env)
    assert blocked[-1].returncode == 1 and "MP001" in blocked[-1].stdout

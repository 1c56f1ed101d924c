"""Shared test helpers: the real console script, typer's runner, the golden inputs, git."""

from __future__ import annotations

import compileall
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import is_hypothesis_test
from typer.testing import CliRunner

from mdports.cli import app

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
INPUTS = GOLDEN / "inputs"
BUNDLED = ROOT / "docs" / "PORT_SCHEMA.md"
# Golden outputs must not depend on the day they run: edits stamp "Last updated" with this date.
FIXED_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
DRIFT = GOLDEN / "drift"
PROJECT = DRIFT / "project"
FLEET = DRIFT / "fleet"  # a grown deployment: three hosts, probes, a tunnel, traefik, Kubernetes


def corpus() -> list[Path]:
    """Every Markdown document the tests know: the bundled one and the golden inputs."""
    return [BUNDLED, *sorted(INPUTS.glob("*.md"))]


def mdports_executable() -> str:
    """The installed console script of the interpreter running the tests."""
    candidate = Path(sys.executable).parent / "mdports"
    found = str(candidate) if candidate.exists() else shutil.which("mdports")
    if not found:
        pytest.fail("the mdports console script is not installed (pip install -e .)")
    return found


def run_mdports(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``mdports`` command as a real subprocess."""
    # As in invoke_mdports: a fixed date, and no job summary unless the test gives one.
    environment = {key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"}
    environment.update({"SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})})
    return subprocess.run(
        [mdports_executable(), *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def invoke_mdports(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process, as :func:`run_mdports` runs it in a new one.

    Same arguments, same result. For tests of what a command does (a git revision read, a file
    fixed, a finding reported), where the process around it is not the subject: a start of the
    installed script costs about 0.1 s of CPU, typer and markdown-it being imported each time,
    against a few milliseconds here. What only a real process shows (the entry point, exit codes
    through the shell, signals, locks between processes, lazy imports) stays with ``run_mdports``.
    """
    environment: dict[str, str | None] = {"SOURCE_DATE_EPOCH": FIXED_EPOCH, "GITHUB_STEP_SUMMARY": None, **(env or {})}
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(app, list(args), input=stdin, env=environment, catch_exceptions=False)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["mdports", *args], result.exit_code, result.stdout, result.stderr)


# Runs the console script's entry point, then prints every module loaded (as JSON, on the last
# line of stderr). Not `-X importtime`: it does not log modules loaded by importlib.import_module,
# as the command line loads its commands.
_LOADED_MODULES = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\n' + json.dumps(sorted(sys.modules))))\n"
    "sys.argv[0] = 'mdports'\n"
    "from mdports.cli import main\n"
    "main()\n"
)


def read_entries(text: str) -> list[tuple[str | None, tuple[int, ...], int]]:
    """The entries a document's text reads as: service, ports and line of each."""
    import mdports

    return [(e.service, e.ports, e.line) for e in mdports.registry(mdports.parse(text)).entries]


def error_findings(text: str) -> list[str]:
    """The error findings of a document's text, ``"RULE LINE"`` each."""
    import mdports

    report = mdports.validate(mdports.registry(mdports.parse(text)))
    return [f"{f.rule.id} {f.line}" for f in report.findings if f.severity == "error"]


def modules_loaded_by(*args: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    """The exit code of ``mdports ARGS`` in a fresh interpreter and the modules it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _LOADED_MODULES, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    last = result.stderr.rsplit("\n", 1)[-1]
    return result.returncode, set(json.loads(last))


def pytest_configure(config: pytest.Config) -> None:
    """Bring mdports' bytecode up to date once, before the workers start the installed script.

    The suite starts ``mdports`` some 400 times. Where nothing may write bytecode
    (``PYTHONDONTWRITEBYTECODE``, set in some CI containers) a fresh checkout has none, and
    every start compiled the 40 modules it imports again: 25 ms of its 85 ms of CPU, 10 s of
    the suite. compileall writes only what is missing or stale (``.gitignore`` has ``__pycache__``).
    """
    if not hasattr(config, "workerinput"):  # the controller, or a run without workers
        compileall.compile_dir(ROOT / "mdports", quiet=2)  # silent: a read-only checkout only runs slower


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tests first, then the property tests, then the rest (the order within each group kept).

    pytest-xdist hands tests out in this order and idle workers steal from busy ones
    (``--dist worksteal``): started first, the long tests end before the many quick ones, so no
    worker finishes the run alone on a 10-second test while the others wait. A property test
    runs its examples for half a second to a few seconds, whether marked slow or not.
    """

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if is_hypothesis_test(getattr(item, "obj", None)) else 2

    items.sort(key=rank)


# --- git and the merge driver: tests/test_merge*.py --------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in ``repo`` with a fixed author and date, and no user or system configuration."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "SOURCE_DATE_EPOCH": FIXED_EPOCH,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


DOC = "docs/PORT_SCHEMA.md"
MERGE_DRIVER = "merge %O %A %B --path %P --marker-size %L"

MERGE_BASE = """\
# Ports

Intro line.

**Last updated:** 2026-01-01

## 3000-3009: Core

| Port | Service | Description |
|------|---------|-------------|
| 3001 | auth | old |
| 3002 | db | Database |
| 3003-3009 | *(reserved)* | |

## 4000-4099: Web

| Port | Service | Description |
|------|---------|-------------|
| 4000 | web | Site |
| 4001-4099 | *(reserved)* | |
"""


@dataclass(frozen=True)
class Merged:
    exit_code: int
    output: str  # git's stdout and stderr, where the driver's messages land
    text: str  # the document after the merge


def git_merge(repo: Path, base: str, ours: str, theirs: str, driver: str = MERGE_DRIVER) -> Merged:
    """Commit ``base`` on main, ``theirs`` on the branch feature, ``ours`` on main; merge feature into main."""
    git(repo, "-c", "init.defaultBranch=main", "init", "-q")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "config", "merge.mdports.name", "mdports port schema merge")
    git(repo, "config", "merge.mdports.driver", f"'{mdports_executable()}' {driver}")
    (repo / ".gitattributes").write_text(f"{DOC} merge=mdports\n")
    (repo / "docs").mkdir(exist_ok=True)
    path = repo / DOC
    path.write_text(base)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    path.write_text(theirs)
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    path.write_text(ours)
    git(repo, "commit", "-qam", "ours")
    result = git(repo, "merge", "--no-edit", "feature", check=False)
    return Merged(result.returncode, result.stdout + result.stderr, path.read_text())

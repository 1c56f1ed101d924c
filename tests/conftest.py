"""Shared test helpers: the real console script, typer's runner, the golden corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mdports.cli import app

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
INPUTS = GOLDEN / "inputs"
BUNDLED = ROOT / "docs" / "PORT_SCHEMA.md"
# Golden outputs must not depend on the day they run: edits stamp "Last updated" with this date.
FIXED_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


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
    environment = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})}
    environment.pop("GITHUB_STEP_SUMMARY", None) if env is None or "GITHUB_STEP_SUMMARY" not in env else None
    return subprocess.run(
        [mdports_executable(), *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


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


def modules_loaded_by(*args: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    """The exit code of ``mdports ARGS`` in a fresh interpreter and the modules it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _LOADED_MODULES, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    last = result.stderr.rsplit("\n", 1)[-1]
    return result.returncode, set(json.loads(last))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Invoke the typer app in-process: ``cli("validate", "--format", "json")``."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke

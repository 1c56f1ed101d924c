"""Ready to release (issue 23 point 6): one version, a changelog, and a build that installs and runs.

The build runs as the release workflow runs it (``python -m build --no-isolation``, flit_core
being a test dependency), offline. Each artifact is installed into a fresh virtual environment
whose pip finds mdports' dependencies already installed (the test interpreter's, on
``PYTHONPATH``), so no index is asked; mdports itself must come from the artifact.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_mdports

from mdports import __version__

OFFLINE = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def test_the_version_lives_in_mdports_version_only() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject
    assigned = {
        path.relative_to(ROOT).as_posix(): [
            n
            for n in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "__version__"
        ]
        for path in (ROOT / "mdports").rglob("*.py")
    }
    assert {path: len(found) for path, found in assigned.items() if found} == {"mdports/version.py": 1}


def test_mdports_version_shows_it() -> None:
    result = run_mdports("--version")
    assert (result.returncode, result.stdout) == (0, f"mdports {__version__}\n")


def test_the_changelog_has_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]\n" in changelog and "\n## [Unreleased]\n" in changelog


def _build(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        env={**os.environ, **OFFLINE},
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def _install_and_run(artifact: Path, venv: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {**os.environ, **OFFLINE, "PYTHONPATH": sysconfig.get_paths()["purelib"], "PIP_NO_BUILD_ISOLATION": "0"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(artifact)], check=True, env=env, cwd=venv)
    where = subprocess.run(
        [str(python), "-c", "import mdports; print(mdports.__file__)"],
        env=env,
        cwd=venv,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(venv / "lib")), where.stdout  # the artifact's mdports, not this checkout's
    version = subprocess.run(
        [str(venv / "bin" / "mdports"), "--version"], env=env, cwd=venv, capture_output=True, text=True
    )
    assert version.stdout == f"mdports {__version__}\n"
    checked = subprocess.run(
        [str(venv / "bin" / "mdports"), "validate", "--file", str(ROOT / "docs" / "PORT_SCHEMA.md")],
        env=env,
        cwd=venv,
        capture_output=True,
        text=True,
    )
    assert checked.returncode in (0, 1) and checked.stdout.rstrip().endswith("warning(s)"), checked.stderr


@pytest.mark.slow
def test_the_wheel_and_the_sdist_install_and_run_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel, sdist = _build(tmp_path)
    assert wheel.name == f"mdports-{__version__}-py3-none-any.whl" and sdist.name == f"mdports-{__version__}.tar.gz"
    names = zipfile.ZipFile(wheel).namelist()
    assert "mdports/schemas/drift.schema.json" in names and "mdports/model/unicode_security.txt" in names
    assert "mdports/py.typed" in names and not any(name.startswith("tests/") for name in names)
    with tarfile.open(sdist) as archive:
        assert f"mdports-{__version__}/pyproject.toml" in archive.getnames()
    _install_and_run(wheel, tmp_path / "wheel-venv")
    _install_and_run(sdist, tmp_path / "sdist-venv")

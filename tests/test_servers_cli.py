"""The server commands as a user meets them: the extras they ask for, and a start-up that does not load them."""

from __future__ import annotations

import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import BUNDLED, modules_loaded_by

SERVER_PACKAGES = ("pygls", "lsprotocol", "mcp", "mcp_types", "jsonschema", "pydantic", "starlette", "anyio")


def test_other_commands_never_load_the_servers() -> None:
    for args in (["--help"], ["validate", "--file", str(BUNDLED)], ["lsp", "--help"], ["mcp", "--help"]):
        code, loaded = modules_loaded_by(*args)
        assert code == 0, args
        assert not {name.split(".")[0] for name in loaded} & set(SERVER_PACKAGES), args


@pytest.fixture(scope="module")
def without_extras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real environment with mdports and its base dependencies, without pygls or the mcp SDK.

    A new virtual environment whose site-packages links every package of this one except the
    servers' (no index is needed): what `pip install mdports` without the extras gives.
    """
    folder = tmp_path_factory.mktemp("base-install")
    venv.EnvBuilder(with_pip=False).create(folder)
    ours = Path(sysconfig.get_paths()["purelib"])
    python = folder / "bin" / "python"
    theirs = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    excluded = ("pygls", "lsprotocol", "mcp", "mcp_types", "pytest_lsp")
    for item in ours.iterdir():
        if item.name.split("-")[0].split(".")[0].lower() not in excluded and not (theirs / item.name).exists():
            (theirs / item.name).symlink_to(item)
    return python


@pytest.mark.slow
@pytest.mark.parametrize(("command", "extra", "package"), [("lsp", "lsp", "pygls"), ("mcp", "mcp", "mcp")])
def test_a_missing_extra_is_named(without_extras: Path, command: str, extra: str, package: str) -> None:
    assert subprocess.run([without_extras, "-c", f"import {package}"], capture_output=True).returncode == 1
    result = subprocess.run(
        [without_extras, "-m", "mdports", "--file", str(BUNDLED), command],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    first, hint = result.stderr.splitlines()
    needs = f"`mdports {extra}` needs the Python package {package!r}, which is not installed"
    assert first == f"mdports: error: {needs} (No module named {package!r})"
    assert hint.startswith(f"  hint: install the {extra!r} extra: pip install 'mdports[{extra}]'")
    # The rest of mdports works in that environment.
    validated = subprocess.run([without_extras, "-m", "mdports", "validate", str(BUNDLED)], capture_output=True)
    assert validated.returncode in (0, 1) and b"MP101" in validated.stdout

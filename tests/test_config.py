"""Configuration: discovery like ruff's, and every mistake an error with a did-you-mean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED, invoke_mdports, run_mdports

from mdports.errors import UsageError
from mdports.files.config import display_path, find_config, load_config


def repo(tmp_path: Path, **files: str) -> Path:
    """A repository with the bundled document and the given files (``name=text``)."""
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", [".mdports.toml", "mdports.toml"])
def test_standalone_file_without_pyproject(tmp_path: Path, name: str) -> None:
    root = repo(tmp_path, **{name: 'ignore = ["overlapping-ranges"]\nstrict = true\n', "package.json": "{}\n"})
    (root / "apps" / "web").mkdir(parents=True)
    result = run_mdports("validate", cwd=root / "apps" / "web")  # found by walking up
    assert "MP102" not in result.stdout
    assert result.returncode == 1  # strict: the four other warnings fail
    assert result.stdout.endswith("0 error(s), 4 warning(s)\n")


def test_order_within_a_folder_and_pyproject_without_table(tmp_path: Path) -> None:
    root = repo(tmp_path, **{".mdports.toml": "strict = true\n", "mdports.toml": "strict = false\n"})
    assert find_config(root) == root / ".mdports.toml"
    (root / ".mdports.toml").unlink()
    assert find_config(root) == root / "mdports.toml"
    (root / "mdports.toml").unlink()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config(root) is None
    (root / "pyproject.toml").write_text("[tool.mdports]\nstrict = true\n", encoding="utf-8")
    assert find_config(root) == root / "pyproject.toml"
    assert load_config(root).strict is True


def test_nearest_folder_wins_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    root = repo(tmp_path, **{"mdports.toml": 'file = "docs/PORT_SCHEMA.md"\n'})
    nested = root / "packages" / "api"
    nested.mkdir(parents=True)
    (nested / ".mdports.toml").write_text('file = "../../docs/PORT_SCHEMA.md"\nstrict = true\n', encoding="utf-8")
    config = load_config(nested)
    assert config.source == nested / ".mdports.toml"
    assert config.file is not None and config.file.resolve() == (root / "docs" / "PORT_SCHEMA.md").resolve()
    assert config.strict is True


def test_config_option_overrides_discovery_before_and_after_the_command(tmp_path: Path) -> None:
    root = repo(tmp_path, **{"mdports.toml": "strict = true\n", "ci/relaxed.toml": "strict = false\n"})
    assert invoke_mdports("validate", cwd=root).returncode == 1
    assert invoke_mdports("--config", "ci/relaxed.toml", "validate", cwd=root).returncode == 0
    assert invoke_mdports("validate", "--config", "ci/relaxed.toml", cwd=root).returncode == 0
    missing = invoke_mdports("validate", "--config", "nope.toml", cwd=root)
    assert missing.returncode == 2 and "nope.toml: no such configuration file" in missing.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("strcit = true\n", "unknown configuration key 'strcit'; did you mean 'strict'?"),
        ('strict = "false"\n', "strict must be true or false, not 'false'"),
        ('ignore = ["unsorted-row"]\n', "ignore: unknown rule 'unsorted-row'; did you mean 'unsorted-rows'?"),
        ('ignore = ["MP999"]\n', "ignore: unknown rule 'MP999'"),
        ('accept = ["MP190:5432"]\n', "accept: unknown rule 'MP190'"),
        ('accept = ["MP101:99999"]\n', "has no port number 1..65535"),
        ("ignore = 3\n", "ignore must be a string or a list of strings, not 3"),
        ("file = [1]\n", "file must be a non-empty string"),
        ("strict = \n", "is not valid TOML"),
        ('platforms = ["macOS", "amiga"]\n', "platforms names an unknown platform 'amiga'"),
        ('platforms = ["mac"]\n', "did you mean 'macos'?"),
        ('ephemeral-range = "60999-32768"\n', "ephemeral-range cannot be read: span 60999-32768 is reversed"),
        ("ephemeral-range = 32768\n", 'ephemeral-range must be a range such as "32768-60999", not 32768'),
        ('windows-excluded-ranges = ["50000-50059", "x"]\n', "windows-excluded-ranges cannot be read"),
    ],
)
def test_mistakes_exit_2_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    root = repo(tmp_path, **{".mdports.toml": text})
    result = invoke_mdports("validate", cwd=root)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("mdports: error: .mdports.toml: ")  # the file, as the user sees it
    assert expected in result.stderr


def test_pyproject_mistakes_name_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mdports]\nstirct = true\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path)
    assert "[tool.mdports] 'stirct'; did you mean 'strict'?" in str(caught.value)
    assert caught.value.path == display_path(tmp_path / "pyproject.toml")  # as the user sees it


def test_drift_rules_are_known_names(tmp_path: Path) -> None:
    (tmp_path / "mdports.toml").write_text('ignore = ["undeployed-service", "MP203"]\n', encoding="utf-8")
    assert load_config(tmp_path).ignore == frozenset({"undeployed-service", "MP203"})


def test_risky_ports_follow_the_configured_platforms_and_ranges(tmp_path: Path) -> None:
    """MP115-MP118 through the installed command: the platforms and ranges come from .mdports.toml."""
    document = "## 5000-5099: Apps\n\n| Port | Service |\n|---|---|\n| 5000 | web |\n| 5050 | sync |\n"
    root = repo(tmp_path, **{"PORTS.md": document, ".mdports.toml": 'file = "PORTS.md"\n'})
    assert run_mdports("validate", "--no-source", cwd=root).returncode == 0  # no platform named: nothing risky
    (root / ".mdports.toml").write_text(
        'file = "PORTS.md"\nplatforms = ["macos", "windows"]\nephemeral-range = "5040-5060"\n'
        'windows-excluded-ranges = ["5045-5055"]\n',
        encoding="utf-8",
    )
    result = run_mdports("validate", "--no-source", cwd=root)
    assert result.returncode == 0, result.stderr  # warnings only
    rules = [line.split()[2] for line in result.stdout.splitlines() if " warning " in line]
    assert rules == ["MP117", "MP115", "MP118"]
    (root / ".mdports.toml").write_text(
        'file = "PORTS.md"\nplatforms = ["macos"]\nignore = ["os-service-port"]\n', encoding="utf-8"
    )
    assert "MP117" not in run_mdports("validate", cwd=root).stdout

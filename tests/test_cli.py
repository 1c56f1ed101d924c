"""The command line as users run it: the installed script, exit codes, configuration."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUNDLED, INPUTS, invoke_mdports, modules_loaded_by, run_mdports


def project(tmp_path: Path, document: Path = BUNDLED, pyproject: str | None = None) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "PORT_SCHEMA.md").write_bytes(document.read_bytes())
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    return tmp_path


def test_validate_bundled_document_from_a_subfolder(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "src" / "deep").mkdir(parents=True)
    result = run_mdports("validate", cwd=root / "src" / "deep")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("0 error(s), 5 warning(s)\n")
    assert "../../docs/PORT_SCHEMA.md:77:3: warning MP101" in result.stdout


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    assert run_mdports("validate", "--strict", cwd=project(tmp_path)).returncode == 1


def test_configuration_file_ignore_accept_and_strict(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        pyproject='[tool.mdports]\nfile = "docs/PORT_SCHEMA.md"\nignore = ["overlapping-ranges"]\n'
        'accept = ["MP101:5432", {rule = "port-out-of-range", port = 6379}]\nstrict = true\n',
    )
    result = run_mdports("validate", "--format", "json", cwd=root)
    report = json.loads(result.stdout)
    assert [f["ports"] for f in report["findings"]] == [[4400], [8080]]
    assert report["summary"]["accepted"] == 2 and result.returncode == 1  # strict from the configuration


def test_bad_configuration_is_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, pyproject='[tool.mdports]\naccept = ["MP101"]\n')
    result = run_mdports("validate", cwd=root)
    assert result.returncode == 2 and "accept entry 'MP101'" in result.stderr


def test_validate_several_files_fails_if_any_fails(tmp_path: Path) -> None:
    result = run_mdports("validate", "--no-source", str(BUNDLED), str(INPUTS / "broken.md"), cwd=tmp_path)
    assert result.returncode == 1
    assert "PORT_SCHEMA.md: 0 error(s), 5 warning(s)" in result.stdout and "12 error(s)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "missing.md", "validate"], "missing.md: no such file"),
        (["-f", ".", "validate"], ".: is a directory"),
        (["-f", "binary.md", "validate"], "binary.md: looks like a binary file (NUL byte at offset 2)"),
        (["-f", "latin1.md", "list"], "latin1.md: is not valid UTF-8 (byte 0xe9 at offset 3)"),
        (["validate", "--format", "xml"], "Invalid value for '--format'"),
        (["list", "--range", "core"], "is ambiguous"),
        (["frobnicate"], "No such command"),
    ],
)
def test_input_and_usage_errors_exit_2_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    project(tmp_path)
    (tmp_path / "binary.md").write_bytes(b"ab\0cd")
    (tmp_path / "latin1.md").write_bytes("caf\u00e9 \u00e9".encode("latin-1"))
    result = run_mdports(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_no_document_found_says_what_to_do(tmp_path: Path) -> None:
    result = run_mdports("validate", cwd=tmp_path)
    assert result.returncode == 2 and "pass --file PATH" in result.stderr


def test_show_unknown_entry_exits_1_with_suggestion(tmp_path: Path) -> None:
    result = run_mdports("show", "mana-aut", cwd=project(tmp_path))
    assert result.returncode == 1 and "did you mean mana-auth" in result.stderr


def test_github_format_writes_step_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = run_mdports(
        "validate", "--format", "github", cwd=project(tmp_path), env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.returncode == 0
    assert result.stdout.startswith("::warning file=docs/PORT_SCHEMA.md,line=77,col=3,title=MP101 port-out-of-range::")
    text = summary.read_text()
    assert text.count("| docs\\/PORT\\_SCHEMA\\.md\\:") == 5 and "MP106 foreign-range" in text


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    module = subprocess.run([sys.executable, "-m", "mdports", "--version"], capture_output=True, text=True)
    assert module.returncode == 0 and module.stdout.startswith("mdports ")
    help_text = run_mdports("--help", cwd=tmp_path)
    assert help_text.returncode == 0
    for command in ("validate", "list", "show", "ranges"):
        assert command in help_text.stdout


def test_list_through_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    root = project(tmp_path)
    from conftest import mdports_executable

    result = subprocess.run(
        f"'{mdports_executable()}' list --format json | head -1", shell=True, cwd=root, capture_output=True, text=True
    )
    assert result.stdout == "{\n" and "Traceback" not in result.stderr


def test_runner_and_subprocess_agree(tmp_path: Path) -> None:
    root = project(tmp_path)
    in_process = invoke_mdports("ranges", "--format", "json", cwd=root)
    assert in_process.returncode == 0
    assert json.loads(in_process.stdout) == json.loads(run_mdports("ranges", "--format", "json", cwd=root).stdout)


def test_validate_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """`validate` runs on every commit: no diff, YAML, pydantic or edit machinery on its path."""
    root = project(tmp_path)
    code, imported = modules_loaded_by("validate", cwd=root)
    assert code == 0
    for heavy in ("deepdiff", "pydantic", "yaml", "mdformat", "mdports.edits", "mdports.diff.compare"):
        assert heavy not in imported, heavy
    assert "mdports.cli.read" in imported  # the check would be vacuous otherwise
    # The other commands' modules, and what only they use, are loaded when those commands run.
    unused = {f"mdports.cli.{module}" for module in ("edit", "versions", "drift", "export")} | {
        f"mdports.{module}"
        for module in (
            "api",
            "fixes.fixers",
            "fixes",
            "output.listing",
            "output.export",
            "records",
        )
    }
    assert all(importlib.util.find_spec(name) for name in unused)  # no stale name makes the check vacuous
    assert not imported & unused, imported & unused
    # Whole packages only other commands use: editing and fixes, diff and merge, the deployment.
    others = ("mdports.edits", "mdports.fixes", "mdports.diff", "mdports.merge", "mdports.deploy")
    assert not {name for name in imported if name.startswith(others)}


def test_help_lists_every_command_without_importing_one() -> None:
    """``--help`` reads the command table of mdports.cli._app; no command module is imported."""
    code, imported = modules_loaded_by("--help")
    assert code == 0 and "mdports.cli._app" in imported
    commands = {name for name in imported if name.startswith("mdports.cli.") and not name.startswith("mdports.cli._")}
    assert not commands, commands


def test_help_and_version_load_no_reader() -> None:
    """``--help`` and ``--version`` read no document: the reader (model.reading, the table and list
    readers under it) loads with the first document a command reads."""
    readers = {"mdports.model.reading", "mdports.model.tables", "mdports.model.lists", "mdports.model.well_known"}
    assert all(importlib.util.find_spec(name) for name in readers)  # no stale name makes the check vacuous
    for args in (("--help",), ("--version",)):
        code, imported = modules_loaded_by(*args)
        assert code == 0 and "mdports.cli._shared" in imported
        assert not imported & readers, (args, imported & readers)


def test_the_command_table_says_what_the_commands_say() -> None:
    """The table behind ``--help`` and the lazy loading names each real command, its module and help."""
    import inspect

    import typer.main

    from mdports.cli._app import COMMANDS, app, load_command

    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name and command.callback is not None
        assert command.callback.__module__ == f"mdports.cli.{entry.module}", name
        first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
        assert first_paragraph == entry.summary, name
    registered = [info.name or typer.main.get_command_name(info.callback.__name__) for info in app.registered_commands]  # type: ignore[union-attr]
    assert sorted(registered) == sorted(COMMANDS)  # every command is in the table, once


def test_help_lists_what_click_writes_from_the_loaded_commands() -> None:
    """At any width, the listing from the table is the one click writes after loading every command."""
    import typer.main
    from typer.core import TyperGroup

    from mdports.cli._app import app

    group = typer.main.get_command(app)
    for width in (40, 60, 80):
        ctx = group.context_class(group, info_name="mdports", terminal_width=width)
        static, loaded = ctx.make_formatter(), ctx.make_formatter()
        group.format_commands(ctx, static)
        TyperGroup.format_commands(group, ctx, loaded)  # click's own: loads each command for its help
        assert static.getvalue() == loaded.getvalue(), width
        assert "  next-free  " in static.getvalue()

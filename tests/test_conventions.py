"""The habits of mature command-line tools, through the installed command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED, invoke_mdports, run_mdports

from mdports import __version__


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    target = tmp_path / "ports.md"
    shutil.copyfile(BUNDLED, target)
    return target


def test_file_option_before_or_after_the_command(doc: Path) -> None:
    before = run_mdports("-f", str(doc), "list", "--format", "json")
    after = run_mdports("list", "--format", "json", "--file", str(doc))
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout and json.loads(after.stdout)


def test_version_short_and_long() -> None:
    for flag in ("-V", "--version"):
        result = run_mdports(flag)
        assert (result.returncode, result.stdout) == (0, f"mdports {__version__}\n")


def test_help_lists_commands_in_working_order_and_offers_completion() -> None:
    result = run_mdports("--help")
    assert result.returncode == 0
    commands = [line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert commands[:4] == ["validate", "list", "show", "ranges"]
    assert commands.index("add") < commands.index("fmt") < commands.index("diff") < commands.index("drift")
    assert "--show-completion" in result.stdout and "--install-completion" in result.stdout
    completion = run_mdports("--show-completion", "bash")
    assert completion.returncode == 0 and "_MDPORTS_COMPLETE" in completion.stdout


def test_stdin_is_a_document(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    result = run_mdports("validate", "-", stdin=text)
    assert result.returncode == 0 and result.stdout.endswith("<stdin>: 0 error(s), 5 warning(s)\n")
    listed = run_mdports("--file", "-", "list", "--format", "json", stdin=text)
    assert len(json.loads(listed.stdout)["entries"]) == 77
    refused = run_mdports("-f", "-", "add", "x-svc", "--range", "core-infra", stdin=text)
    assert refused.returncode == 2 and "cannot edit standard input in place" in refused.stderr


def test_fmt_reads_stdin_and_writes_stdout() -> None:
    messy = "## 3000-3009: A\n\n| Port | Service |\n|---|---|\n| 3002 | b |\n| 3001 | a |\n"
    result = run_mdports("fmt", "-", stdin=messy)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == messy.replace("| 3002 | b |\n| 3001 | a |", "| 3001 | a |\n| 3002 | b |")
    check = run_mdports("fmt", "--check", "-", stdin=messy)
    assert (check.returncode, check.stdout, check.stderr) == (1, "", "would reformat <stdin>\n")


def test_color_only_when_asked_or_on_a_terminal(doc: Path) -> None:
    piped = run_mdports("-f", str(doc), "validate")
    assert "\x1b[" not in piped.stdout
    forced = run_mdports("-f", str(doc), "validate", "--color", "always")
    assert "\x1b[1;33mwarning\x1b[0m" in forced.stdout
    never = run_mdports("-f", str(doc), "validate", "--color=never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in never.stdout
    diff = run_mdports("-f", str(doc), "--color", "always", "add", "x-svc", "--range", "core-infra", "--diff")
    assert "\x1b[32m+| 3017 | x-svc |" in diff.stdout
    bad = run_mdports("validate", "--color", "blue")
    assert bad.returncode == 2 and "'blue' is not one of auto, always, never" in bad.stderr


def test_no_color_is_honoured_on_a_terminal(doc: Path) -> None:
    """A real pseudo-terminal: colour by default, none with NO_COLOR."""
    import os
    import pty
    import subprocess

    from conftest import mdports_executable

    def on_tty(extra: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        env = {**os.environ, "TERM": "xterm", **extra}
        env.pop("NO_COLOR", None) if "NO_COLOR" not in extra else None
        process = subprocess.run(
            [mdports_executable(), "-f", str(doc), "validate", "--no-source"],
            stdout=follower, stderr=subprocess.DEVNULL, env=env, timeout=60,
        )  # fmt: skip
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert process.returncode == 0
        return b"".join(chunks).decode()

    assert "\x1b[1;33m" in on_tty({})
    assert "\x1b[" not in on_tty({"NO_COLOR": "1"})


@pytest.mark.parametrize("severity", ["warning", "error"])
def test_min_severity_and_quiet(doc: Path, severity: str) -> None:
    full = run_mdports("-f", str(doc), "validate", "--no-source")
    shown = run_mdports("-f", str(doc), "validate", "--no-source", "--min-severity", severity)
    assert full.stdout.count("warning MP") == 5
    assert shown.stdout.count("warning MP") == (5 if severity == "warning" else 0)
    assert shown.stdout.endswith("0 error(s), 5 warning(s)\n")  # the summary counts everything
    quiet = run_mdports("-f", str(doc), "validate", "-q")
    assert quiet.stdout == f"{doc}: 0 error(s), 5 warning(s)\n"
    strict_quiet = run_mdports("-f", str(doc), "validate", "-q", "--strict")
    assert strict_quiet.returncode == 1  # hidden is not forgiven


def test_narrow_console_does_not_crash(doc: Path, tmp_path: Path) -> None:
    edited = tmp_path / "new.md"
    edited.write_text(doc.read_text(encoding="utf-8").replace("mana-auth", "mana-идентификатор"), encoding="utf-8")
    result = run_mdports("diff", str(doc), str(edited), env={"PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 0, result.stderr
    assert "mana-auth" in result.stdout and "Traceback" not in result.stderr


def test_json_errors_are_objects_on_stdout(tmp_path: Path) -> None:
    result = run_mdports("-f", str(tmp_path / "missing.md"), "list", "--format", "json")
    assert result.returncode == 2
    assert json.loads(result.stdout) == {
        "version": 1,
        "error": {
            "message": "no such file",
            "path": str(tmp_path / "missing.md"),
            "line": None,
            "column": None,
            "hint": None,
            "exit_code": 2,
        },
    }
    assert "no such file" in result.stderr


def test_validate_checks_every_file_even_after_a_missing_one(doc: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("## 3000-3009: A\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n| 3001 | b |\n")
    result = run_mdports("validate", str(doc), str(tmp_path / "gone.md"), str(broken), "--no-source")
    assert result.returncode == 2
    assert "gone.md: no such file" in result.stderr
    assert f"{broken}: 1 error(s)" in result.stdout and f"{doc}: 0 error(s), 5 warning(s)" in result.stdout
    as_json = run_mdports("validate", str(doc), str(tmp_path / "gone.md"), "--format", "json")
    records = json.loads(as_json.stdout)
    assert [record.get("error", {}).get("message") for record in records] == [None, "no such file"]


def test_messages_on_stderr_results_on_stdout(doc: Path) -> None:
    renamed = run_mdports("-f", str(doc), "rename", "chat-backend", "chat-server")
    assert (renamed.returncode, renamed.stdout) == (0, "")
    assert renamed.stderr == "renamed chat-backend to chat-server; 1 reference(s) updated\n"
    added = run_mdports("-f", str(doc), "add", "x-svc", "--range", "core-infra")
    assert added.stdout == "3017\n" and "added x-svc" in added.stderr
    short = run_mdports("-f", str(doc), "next-free", "--range", "core-platform", "-n", "9")
    assert short.returncode == 1 and short.stdout == "" and "free port(s)" in short.stderr


def test_set_that_changes_nothing_writes_nothing(doc: Path) -> None:
    before = doc.read_bytes()
    result = run_mdports("-f", str(doc), "set", "mana-auth", "--runtime", "Hono/Bun", "--format", "json")
    assert result.returncode == 0
    record = json.loads(result.stdout)
    assert (record["changed"], record["written"]) == (False, False)
    assert doc.read_bytes() == before  # not even the "Last updated" date


def test_rename_keeps_the_link_target(tmp_path: Path) -> None:
    doc = tmp_path / "ports.md"
    doc.write_text(
        "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | [mana-auth](../services/mana-auth) |\n",
        encoding="utf-8",
    )
    result = run_mdports("-f", str(doc), "rename", "mana-auth", "mana-id")
    assert result.returncode == 0, result.stderr
    assert "| 3001 | [mana-id](../services/mana-auth) |" in doc.read_text(encoding="utf-8")


def test_sarif_is_code_scanning_shaped(doc: Path) -> None:
    result = run_mdports("-f", str(doc), "validate", "--format", "sarif")
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {"MP001", "MP101", "MP201"} <= {rule["id"] for rule in rules}
    assert len(run["results"]) == 5
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] == "warning"
        region = item["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        # Outside the folder mdports ran in: an absolute file URI (RFC 3986), not a bare path.
        assert item["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": doc.as_uri()}


LISTS = "## 3000-3009: A\n\n| Port | Service |\n|---|---|\n| 3001 | a |\n| 3002 | *(reserved)* |\n| 3003 | b |\n"
LISTS += "| 3004, 3006 | *(reserved)* |\n| 3005 | c |\n"


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        (
            ["remove", "c", "--reserve"],
            "| 3004, 3006 | *(reserved)* |\n| 3005 | c |\n",
            "| 3004-3006 | *(reserved)* |\n",
        ),
        (
            ["remove", "b", "--reserve"],
            "| 3002 | *(reserved)* |\n| 3003 | b |\n| 3004, 3006 | *(reserved)* |\n",
            "| 3002-3004, 3006 | *(reserved)* |\n",
        ),
        (["remove", "3004"], "| 3004, 3006 | *(reserved)* |\n", "| 3006 | *(reserved)* |\n"),
    ],
)
def test_remove_merges_and_splits_placeholders(tmp_path: Path, command: list[str], before: str, after: str) -> None:
    doc = tmp_path / "ports.md"
    doc.write_text(LISTS, encoding="utf-8")
    result = run_mdports("-f", str(doc), *command, "--keep-date")
    assert result.returncode == 0, result.stderr
    assert doc.read_text(encoding="utf-8") == LISTS.replace(before, after)


def test_remove_one_port_of_a_span_placeholder(doc: Path) -> None:
    result = run_mdports("-f", str(doc), "remove", "3018", "--keep-date")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "removed port 3018 from placeholder 3017-3019 (now 3017, 3019)\n"
    assert "| 3017, 3019 | *(reserved)* | | |\n" in doc.read_text(encoding="utf-8")


def test_show_and_move_suggest_close_names(doc: Path) -> None:
    show = run_mdports("-f", str(doc), "show", "minio")
    assert show.returncode == 1 and "did you mean minio (S3 API), minio (Console)?" in show.stderr
    move = run_mdports("-f", str(doc), "move", "minoi", "--port", "9010")
    assert move.returncode == 1 and "did you mean minio (S3 API), minio (Console)?" in move.stderr
    far = run_mdports("-f", str(doc), "show", "99999")
    assert far.returncode == 2 and "port 99999 is out of range: ports are 1..65535" in far.stderr


def test_ranges_agree_with_next_free(doc: Path) -> None:
    """In-process: one command per section (the console script is covered by the golden smoke cases)."""
    ranges = json.loads(invoke_mdports("-f", str(doc), "ranges", "--format", "json").stdout)["sections"]
    checked = 0
    for record in ranges:
        if record["range"] is None or not record["free"]:
            continue
        lo, hi = record["range"]
        given = invoke_mdports("-f", str(doc), "next-free", "--range", f"{lo}-{hi}", "-n", str(record["free"]))
        assert given.returncode == 0, given.stderr
        free = [int(port) for port in given.stdout.split()]
        assert len(free) == record["free"] and free[0] == record["next_free"]
        assert record["assigned"] + record["free"] == hi - lo + 1
        one_more = invoke_mdports("-f", str(doc), "next-free", "--range", f"{lo}-{hi}", "-n", str(record["free"] + 1))
        assert one_more.returncode == 1
        checked += 1
    assert checked >= 8


def test_every_help_names_values_in_one_style() -> None:
    """`--range RANGE`, `NAME`: no `<str>`, `<int>`, `<text|json>` or `{name}` left from typer's defaults."""
    import re

    from mdports.cli._app import COMMANDS

    for command in COMMANDS:
        result = invoke_mdports(command, "--help", env={"COLUMNS": "200"})
        assert result.returncode == 0, (command, result.stdout)
        assert not re.search(r"<[a-z|]+>|\{[a-z]", result.stdout), (command, result.stdout)
        assert re.search(r"--file PATH", result.stdout), command

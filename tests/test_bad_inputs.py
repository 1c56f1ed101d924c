"""A catalogue of bad inputs: the exact message and exit code each one gets from the command.

Every case runs the installed ``mdports`` in a folder holding ``PORT_SCHEMA.md`` (or not), with
``-f PORT_SCHEMA.md``, so that messages name the file as the user typed it. Errors are one line
on stderr (``mdports: error: FILE: ...``, then a ``hint:`` line when there is one to give), never
a traceback; exit 2 is an input or usage error, exit 1 a refused edit or a failing finding.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BUNDLED, run_mdports

ADD = ["add", "x-svc", "--range", "3000-3009"]
FIFO_ERROR = (
    "mdports: error: PORT_SCHEMA.md: is a named pipe (FIFO), not a regular file; mdports reads only regular files\n"
)
NO_SECTION_HINT = "  hint: no heading declares a range, such as '## 3000-3099: Core Services'\n"


def _write(text: str | bytes) -> Callable[[Path], None]:
    def setup(path: Path) -> None:
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)

    return setup


CASES: list[tuple[str, Callable[[Path], None], list[str], int, str, str | None]] = [
    # (id, setup, arguments, exit code, exact stderr, exact last line of stdout or None)
    (
        "empty file: validate",
        _write(""),
        ["validate"],
        0,
        "mdports: warning: PORT_SCHEMA.md: the document is empty; nothing to check\n",
        "PORT_SCHEMA.md: 0 error(s), 0 warning(s)",
    ),
    (
        "empty file: validate --strict",
        _write(""),
        ["validate", "--strict"],
        1,
        "mdports: warning: PORT_SCHEMA.md: the document is empty; nothing to check\n",
        "PORT_SCHEMA.md: 0 error(s), 0 warning(s)",
    ),
    (
        "empty file: add",
        _write(""),
        ADD,
        2,
        "mdports: error: PORT_SCHEMA.md: --range '3000-3009' matches no section\n" + NO_SECTION_HINT,
        None,
    ),
    (
        "binary file",
        _write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ["validate"],
        2,
        "mdports: error: PORT_SCHEMA.md: looks like a binary file (NUL byte at offset 8)\n",
        None,
    ),
    (
        "not UTF-8",
        _write(b"# Ports\n\n| Port | Service |\n| 80 | caf\xe9 |\n"),
        ["validate"],
        2,
        "mdports: error: PORT_SCHEMA.md: is not valid UTF-8 (byte 0xe9 at offset 38); save it as UTF-8\n",
        None,
    ),
    (
        "directory",
        lambda path: path.mkdir(),
        ["validate"],
        2,
        "mdports: error: PORT_SCHEMA.md: is a directory, not a Markdown file\n",
        None,
    ),
    (
        "directory: add",
        lambda path: path.mkdir(),
        ADD,
        2,
        "mdports: error: PORT_SCHEMA.md: is a directory, not a Markdown file\n",
        None,
    ),
    ("missing file", lambda path: None, ["validate"], 2, "mdports: error: PORT_SCHEMA.md: no such file\n", None),
    ("missing file: add", lambda path: None, ADD, 2, "mdports: error: PORT_SCHEMA.md: no such file\n", None),
    (
        "no registry table: validate",
        _write("# Ports\n\nWe have not written them down yet.\n\n| Name | Owner |\n|---|---|\n| x | y |\n"),
        ["validate"],
        0,
        "mdports: warning: PORT_SCHEMA.md: no registry table (a table with a Port column); nothing to check\n",
        "PORT_SCHEMA.md: 0 error(s), 0 warning(s)",
    ),
    (
        "no registry table: add",
        _write("# Ports\n\nWe have not written them down yet.\n"),
        ADD,
        2,
        "mdports: error: PORT_SCHEMA.md: --range '3000-3009' matches no section\n" + NO_SECTION_HINT,
        None,
    ),
    (
        "no service column: validate",
        _write("## 3000-3009: Core\n\n| Port | Runtime |\n|---|---|\n| 3001 | Go |\n"),
        ["validate", "--no-source"],
        1,
        "",
        "PORT_SCHEMA.md: 1 error(s), 0 warning(s)",
    ),
    (
        "no service column: add",
        _write("## 3000-3009: Core\n\n| Port | Runtime |\n|---|---|\n| 3001 | Go |\n"),
        ADD,
        1,
        "mdports: error: PORT_SCHEMA.md: the table at line 3 in section '3000-3009: Core' has no service column "
        "(its header is Port | Runtime), so no row can be added to it\n"
        "  hint: name a column 'Service' (or 'Name', 'App', 'Component', 'Container')\n",
        None,
    ),
    (
        "malformed range heading: validate",
        _write("## 3009-3000: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n"),
        ["validate", "--no-source"],
        1,
        "",
        "PORT_SCHEMA.md: 1 error(s), 0 warning(s)",
    ),
    (
        "malformed range heading: add",
        _write("## 3009-3000: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n"),
        ADD,
        2,
        "mdports: error: PORT_SCHEMA.md: --range '3000-3009' matches no section\n"
        "  hint: no heading declares a range, such as '## 3000-3099: Core Services'; the range of "
        "'3009-3000: Core' (line 1) cannot be read: span 3009-3000 is reversed (write 3000-3009)\n",
        None,
    ),
    (
        "read-only document: add",
        lambda path: (shutil.copyfile(BUNDLED, path), path.chmod(0o444)),
        ["add", "x-svc", "--range", "games"],
        1,
        "mdports: error: PORT_SCHEMA.md: the file is read-only; nothing was written\n  hint: chmod u+w it first\n",
        None,
    ),
    (
        "named pipe: validate",  # issue 9: used to wait for a writer forever
        lambda path: os.mkfifo(path),
        ["validate"],
        2,
        FIFO_ERROR,
        None,
    ),
    (
        "named pipe: add",
        lambda path: os.mkfifo(path),
        ADD,
        2,
        FIFO_ERROR,
        None,
    ),
    (
        "negative --lock-timeout",
        lambda path: shutil.copyfile(BUNDLED, path),
        ["add", "x-svc", "--range", "games", "--lock-timeout", "-1"],
        2,
        "mdports: error: --lock-timeout must be a number of seconds, 0 or more, not -1.0\n",
        None,
    ),
]


@pytest.mark.parametrize(
    ("setup", "arguments", "code", "stderr", "stdout"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(
    tmp_path: Path,
    setup: Callable[[Path], None],
    arguments: list[str],
    code: int,
    stderr: str,
    stdout: str | None,
) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    setup(path)
    before = sorted(p.name for p in tmp_path.iterdir())
    content = path.read_bytes() if path.is_file() else None
    result = run_mdports("-f", "PORT_SCHEMA.md", *arguments, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (code, stderr), result.stdout
    if stdout is not None:
        assert result.stdout.splitlines()[-1] == stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing left behind
    if content is not None:
        assert path.read_bytes() == content


def test_malformed_range_findings_name_the_heading(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text("## 3009-3000: Core\n\n## 3010-30x: Bad\n\n## Ranges (70000-70010)\n", encoding="utf-8")
    result = run_mdports("-f", "PORT_SCHEMA.md", "validate", "--no-source", cwd=tmp_path)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "MP005" in line] == [
        "PORT_SCHEMA.md:1:1: error MP005 heading '3009-3000: Core' declares range '3009-3000': "
        "span 3009-3000 is reversed (write 3000-3009) [malformed-range]",
        "PORT_SCHEMA.md:3:1: error MP005 heading '3010-30x: Bad' declares range '3010-30x': "
        "'3010-30x' is not a port number [malformed-range]",
        "PORT_SCHEMA.md:5:1: error MP005 heading 'Ranges (70000-70010)' declares range '70000-70010': "
        "70000 is outside 1-65535 [malformed-range]",
    ]


def test_no_service_column_finding(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text("## 3000-3009: Core\n\n| Port | Runtime |\n|---|---|\n| 3001 | Go |\n", encoding="utf-8")
    result = run_mdports("-f", "PORT_SCHEMA.md", "validate", cwd=tmp_path)
    assert result.stdout.splitlines()[:2] == [
        "PORT_SCHEMA.md:3:1: error MP006 table has a port column ('Port') but no service column; "
        "its rows are not read (headers are 'Port', 'Runtime') [no-service-column]",
        "    3 | | Port | Runtime |",
    ]


def _lock_folder(folder: Path) -> str | None:
    """Make ``folder`` refuse new files; the strerror a create then gets (None: cannot here).

    Tests run as root, whom permission bits do not stop: the folder is made immutable
    (``chattr +i``, ext2/3/4, XFS, Btrfs) instead. Anyone else gets a read-only folder.
    """
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return os.strerror(13)  # EACCES
    if not shutil.which("chattr"):
        return None
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    return os.strerror(1) if done.returncode == 0 else None  # EPERM


def _unlock_folder(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


def test_permission_denied_on_write(tmp_path: Path) -> None:
    """A folder that takes no new file: the temporary file cannot be made, the document stays."""
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "PORT_SCHEMA.md"
    shutil.copyfile(BUNDLED, path)
    reason = _lock_folder(folder)
    if reason is None:
        pytest.skip("cannot make a folder refuse new files here (root without chattr +i)")
    try:
        result = run_mdports("-f", "docs/PORT_SCHEMA.md", "add", "x-svc", "--range", "games", cwd=tmp_path)
    finally:
        _unlock_folder(folder)
    assert result.returncode == 1
    assert result.stderr == (
        f"mdports: error: docs/PORT_SCHEMA.md: cannot create a temporary file in {folder} ({reason}); "
        "the document is unchanged\n"
        "  hint: mdports writes the new text next to the document and renames it over the document, "
        "so the folder must be writable\n"
    )
    assert path.read_bytes() == BUNDLED.read_bytes()
    assert [p.name for p in folder.iterdir()] == ["PORT_SCHEMA.md"]

"""Hostile input and real file systems (issue 9): each defect found, through the installed command.

The numbers are the issue's items. Every case runs the real ``mdports`` as a subprocess on real
files: symbolic and hard links, files owned by ``nobody`` (the tests run as root; a command run
as ``nobody`` goes through ``setpriv``), FIFOs and devices, and documents built to make a
regular expression backtrack. The regular expressions of the whole package are checked
together in :func:`test_every_regular_expression_is_linear`; the timings at 10k and 100k
characters are in ``benchmarks/run.py`` (``adversarial regex`` rows).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_EPOCH, INPUTS, mdports_executable, run_mdports

import mdports

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import adversarial  # the inputs the benchmark times, in benchmarks/

HOSTILE = INPUTS / "hostile.md"
LINK_NAME = "[click](https://e.vil) ![t](https://e.vil/px.gif) @org/team"
# A subprocess that used to take minutes must now end long before this (a hang, not a timing).
HANG = 60


def _doc(folder: Path, rows: str = "", name: str = "PORT_SCHEMA.md") -> Path:
    path = folder / name
    path.write_text(
        "# Ports\n\n**Last updated:** 2026-01-01\n\n## 3001-3009: Core\n\n"
        f"| Port | Service | Runtime |\n|------|---------|---------|\n| 3001 | mana-auth | Go |\n{rows}",
        encoding="utf-8",
    )
    return path


# --- 1-4: links, permissions, ownership -----------------------------------------------------------


def test_1_a_symbolic_link_stays_a_link_and_its_target_is_edited(tmp_path: Path) -> None:
    real = _doc(tmp_path, name="real.md")
    (tmp_path / "link.md").symlink_to("real.md")
    result = run_mdports("-f", "link.md", "add", "linked-svc", "--range", "core", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "3002\n"), result.stderr
    assert os.readlink(tmp_path / "link.md") == "real.md"
    assert "| 3002 | linked-svc | |" in real.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


def test_2_hard_links_keep_sharing_one_inode(tmp_path: Path) -> None:
    first = _doc(tmp_path, name="h1.md")
    second = tmp_path / "h2.md"
    os.link(first, second)
    inode = first.stat().st_ino
    result = run_mdports("-f", "h1.md", "add", "linked-svc", "--range", "core", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert first.stat().st_ino == second.stat().st_ino == inode and first.stat().st_nlink == 2
    assert "| 3002 | linked-svc | |" in second.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h1.md", "h2.md"]  # the temporary copy is gone
    assert not mdports.validate(mdports.load(second)).fails()


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A world-writable folder that ``nobody`` can reach (pytest's own folders are private to root)."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to own files and to run a command as nobody")
    if shutil.which("setpriv") is None:
        pytest.skip("util-linux setpriv is not installed")
    folder = Path(tempfile.mkdtemp(prefix="mdports-nobody-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", mdports_executable(), *args]
    environment = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    environment.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=HANG)


def test_3_a_writable_folder_does_not_let_a_user_replace_a_file_they_may_not_write(shared_folder: Path) -> None:
    path = _doc(shared_folder)
    path.chmod(0o644)
    before = path.read_bytes()
    result = _as_nobody("-f", "PORT_SCHEMA.md", "add", "evil", "--range", "core", cwd=shared_folder)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "mdports: error: PORT_SCHEMA.md: you may not write this file; nothing was written\n"
        "  hint: it belongs to user 0, group 0, mode 644; ask its owner or run as a user who may write it\n"
    )
    info = path.stat()
    assert (info.st_uid, info.st_gid, path.read_bytes()) == (0, 0, before)
    assert [p.name for p in shared_folder.iterdir()] == ["PORT_SCHEMA.md"]


def test_4_owner_group_and_mode_are_kept(shared_folder: Path) -> None:
    path = _doc(shared_folder)  # root gives the document to nobody, then edits it
    shutil.chown(path, "nobody", "nogroup")
    path.chmod(0o640)
    result = run_mdports("-f", "PORT_SCHEMA.md", "add", "root-edit", "--range", "core", cwd=shared_folder)
    assert result.returncode == 0, result.stderr
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (65534, 65534, 0o640)

    # nobody edits root's group-writable file: the new file could not be given to root, so
    # the text is written in place and the owner stays.
    shutil.chown(path, "root", "nogroup")
    path.chmod(0o664)
    inode = path.stat().st_ino
    result = _as_nobody("-f", "PORT_SCHEMA.md", "add", "group-edit", "--range", "core", cwd=shared_folder)
    assert result.returncode == 0, result.stderr
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777, info.st_ino) == (0, 65534, 0o664, inode)
    assert "| 3003 | group-edit | |" in path.read_text(encoding="utf-8")
    assert [p.name for p in shared_folder.iterdir()] == ["PORT_SCHEMA.md"]


# --- 5 (the lock) is in test_faults.py; 6: what is not a regular file --------------------------------


def test_6_a_fifo_a_device_and_a_huge_file_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.md")
    fifo = run_mdports("-f", "fifo.md", "validate", cwd=tmp_path)  # used to wait for a writer forever
    assert (fifo.returncode, fifo.stderr) == (
        2,
        "mdports: error: fifo.md: is a named pipe (FIFO), not a regular file; mdports reads only regular files\n",
    )
    device = run_mdports("-f", "/dev/zero", "add", "x", "--range", "core", cwd=tmp_path)  # used to fill memory
    assert (device.returncode, device.stderr) == (
        2,
        "mdports: error: /dev/zero: is a character device, not a regular file; mdports reads only regular files\n",
    )
    with open(tmp_path / "huge.md", "wb") as huge:
        huge.truncate(65 * 2**20)  # sparse: no disk space used
    big = run_mdports("validate", "huge.md", cwd=tmp_path)
    assert (big.returncode, big.stderr) == (
        2,
        "mdports: error: huge.md: is 65 MiB or more, more than the 64 MiB a port registry can need; "
        "is it the right file?\n",
    )


# --- 7: the date line ------------------------------------------------------------------------------

FENCED = (
    "# Ports\n\nHow to write the date:\n\n```markdown\nLast updated: 2019-12-31\n```\n\n"
    "> Last updated: 2018-01-01\n\n<div>\nLast updated: 2017-01-01\n</div>\n\n"
    "**Last updated:** {date}\n\n## 3001-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n{rows}"
)


def test_7_only_the_prose_date_line_is_the_documents_date(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(FENCED.format(date="2025-05-05", rows=""), encoding="utf-8")
    result = run_mdports("-f", "PORT_SCHEMA.md", "add", "dated", "--range", "core", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_text(encoding="utf-8") == FENCED.format(date="2026-01-01", rows="| 3002 | dated |\n")


def test_7_merge_aligns_the_same_date_line(tmp_path: Path) -> None:
    base, ours, theirs = (tmp_path / name for name in ("base.md", "ours.md", "theirs.md"))
    base.write_text(FENCED.format(date="2026-01-01", rows=""), encoding="utf-8")
    ours.write_text(FENCED.format(date="2026-01-05", rows="| 3002 | ours-svc |\n"), encoding="utf-8")
    theirs.write_text(FENCED.format(date="2026-02-01", rows="| 3003 | theirs-svc |\n"), encoding="utf-8")
    result = run_mdports("merge", "base.md", "ours.md", "theirs.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # the fenced example used to be taken: a prose conflict
    expected = FENCED.format(date="2026-02-01", rows="| 3002 | ours-svc |\n| 3003 | theirs-svc |\n")
    assert ours.read_text(encoding="utf-8") == expected


# --- 8, 9: hangs -----------------------------------------------------------------------------------


def _timed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = run_mdports(*args, cwd=cwd)
    assert time.monotonic() - started < HANG
    return result


def test_8_cells_of_backticks_do_not_hang_validate(tmp_path: Path) -> None:
    _doc(tmp_path, f"| 3002 | {'`' * 20_000} | Go |\n| {'`' * 400_000} | x | |\n")
    result = _timed("-f", "PORT_SCHEMA.md", "validate", "--no-source", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.endswith("PORT_SCHEMA.md: 1 error(s), 0 warning(s)\n")


def test_9_accept_comment_qualifier_and_env_line_do_not_hang(tmp_path: Path) -> None:
    path = _doc(tmp_path, "| 4400 | landings | |\n")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## 3001", f"<!-- mdports: accept MP101{' ' * 100_000}x -->\n\n## 3001"))
    validated = _timed("-f", "PORT_SCHEMA.md", "validate", "--no-source", cwd=tmp_path)
    assert validated.returncode == 0 and "MP101" in validated.stdout  # "x" is no port: nothing accepted

    # A YAML key is at most 1024 characters: the long name is a container_name.
    (tmp_path / "compose.yml").write_text(
        f'services:\n  web:\n    container_name: "b{" " * 50_000}(x"\n    ports: ["3001:3001"]\n'
    )
    (tmp_path / ".env").write_text(f'MANA_AUTH_PORT={" " * 50_000}3001{" " * 50_000}# c\nexport X="a\\"b"\n')
    drift = _timed("-f", "PORT_SCHEMA.md", "drift", "--compose", "compose.yml", "--env", ".env", cwd=tmp_path)
    assert drift.returncode == 0 and "MP207" in drift.stdout, drift.stderr  # the spaced name matches no entry


@pytest.mark.slow
def test_every_regular_expression_is_linear() -> None:
    """9: no pattern of the package backtracks on 100,000 adversarial characters (search, match, fullmatch).

    A backtracking pattern takes seconds to hours here (cubic `_MARKUP` on backticks, quadratic
    `_ACCEPT` on spaces); a linear one takes milliseconds. The budget is generous, and counted
    in CPU time (time waiting for a busy machine's cores is not counted), so that load does not
    fail it. Patterns added later are found and checked too.
    """
    patterns = adversarial.patterns()
    assert len(patterns) >= 15  # the walk found the package's patterns
    slow = []
    for name, pattern in patterns.items():
        for label, text in adversarial.inputs(100_000):
            started = time.process_time()
            adversarial.exercise(pattern, text)
            elapsed = time.process_time() - started
            if elapsed > 1.0:
                slow.append(f"{name} on {label}: {elapsed:.1f} s")
    assert slow == []


# --- 10-12: output injection -------------------------------------------------------------------------


def test_10_11_the_job_summary_escapes_links_images_mentions_and_bidi(tmp_path: Path) -> None:
    shutil.copyfile(HOSTILE, tmp_path / "PORT_SCHEMA.md")
    summary = tmp_path / "summary.md"
    result = run_mdports(
        "-f",
        "PORT_SCHEMA.md",
        "validate",
        "--format",
        "github",
        cwd=tmp_path,
        env={"GITHUB_STEP_SUMMARY": str(summary), "SOURCE_DATE_EPOCH": FIXED_EPOCH},
    )
    assert result.returncode == 1
    text = summary.read_text(encoding="utf-8")
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<a " not in html and "<img" not in html and "<script" not in html
    assert "\u202e" not in text and "\u200b" + "width" not in text
    assert "already assigned to \\[click\\]\\(https\\:\\/\u200b\\/e\\.vil\\) \\!\\[t\\]" in text
    assert "\\@\u200borg\\/team" in text and "already assigned to abc\\<U\\+202E\\>def 3008" in text
    assert "abc&lt;U+202E&gt;def 3008" in html


def test_11_the_pr_comment_shows_bidi_and_zero_width_characters(tmp_path: Path) -> None:
    old = _doc(tmp_path, name="old.md")
    new = _doc(tmp_path, "| 3002 | abc\u202e3003 | Go |\n| 3003 | zero\u200bwidth | Go |\n", name="new.md")
    result = run_mdports("diff", old.name, new.name, "--format", "markdown", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\u202e" not in result.stdout and "zero\u200bwidth" not in result.stdout
    assert "abc\\<U\\+202E\\>3003" in result.stdout and "zero\\<U\\+200B\\>width" in result.stdout


def test_12_text_output_never_prints_control_characters(tmp_path: Path) -> None:
    title = "\x1b]0;owned\x07\x1b[2J"
    _doc(tmp_path, f"| 3001 | {title}x | Go |\n")  # a duplicate port: validate names it
    for command in (["validate"], ["list"], ["show", f"{title}x"]):
        result = run_mdports("-f", "PORT_SCHEMA.md", *command, cwd=tmp_path)
        assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout, command
        assert "<U+001B>]0;owned<U+0007><U+001B>[2Jx" in result.stdout, command


# --- 13, 14: spreadsheets and names --------------------------------------------------------------------


def test_13_csv_cells_that_start_like_a_formula_are_quoted(tmp_path: Path) -> None:
    shutil.copyfile(HOSTILE, tmp_path / "PORT_SCHEMA.md")
    for command in (["list", "--format", "csv"], ["export", "--format", "csv"]):
        result = run_mdports("-f", "PORT_SCHEMA.md", *command, cwd=tmp_path)
        cells = [cell for line in result.stdout.splitlines() for cell in line.split(",")]
        for formula in ('"=HYPERLINK(""https://e.vil""', "@SUM(1+1)", "+cmd", "-2+3"):
            quoted = f"\"'{formula[1:]}" if formula.startswith('"') else f"'{formula}"
            assert quoted in cells and formula not in cells, (command, formula)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["add", "@octocat<script>", "--range", "core"], "'@', which is Markdown or HTML syntax or other punctuation"),
        (
            ["add", "evil-[x](http://e.vil)", "--range", "core"],
            "'[', which is Markdown or HTML syntax or other punctuation",
        ),
        (["rename", "mana-auth", "auth\u202e1003"], "<U+202E>, a control or invisible character"),
        (["rename", "mana-auth", "auth\x1b[2J"], "<U+001B>, a control or invisible character"),
        (["add", "zero\u200bwidth", "--range", "core"], "<U+200B>, a control or invisible character"),
    ],
    ids=["html", "link", "bidi", "escape", "zero-width"],
)
def test_14_unsafe_names_are_refused(tmp_path: Path, args: list[str], shown: str) -> None:
    path = _doc(tmp_path)
    before = path.read_bytes()
    result = run_mdports("-f", "PORT_SCHEMA.md", *args, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert f" contains {shown}\n" in result.stderr and "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert result.stderr.endswith("  hint: a service name may use letters, digits, space and -_./()+:\n")
    assert path.read_bytes() == before


def test_14_real_names_still_pass(tmp_path: Path) -> None:
    path = _doc(tmp_path)
    for name in ("minio (S3 API)", "grafana.loki", "café_ü-2", "a/b+c:d"):
        result = run_mdports("-f", "PORT_SCHEMA.md", "add", name, "--range", "core", cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
    assert len(mdports.registry(mdports.load(path)).entries) == 5

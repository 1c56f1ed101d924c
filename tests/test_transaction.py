"""The one write transaction (``mdports/files/transaction.py``) under every writer.

Each writer of mdports (an edit, ``validate --fix``, ``drift --fix document``, ``drift --fix
deployment``, the merge driver) is run on the bundled ManaCore document and a compose file
that publishes mana-auth on the reserved port 3009: every one of them has something to write.
The held lock is a real ``flock`` process; links, owners and modes are real.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BUNDLED, invoke_mdports, run_mdports

import mdports
from mdports.errors import RefusedError, UsageError
from mdports.files.transaction import Locking, Target, transact, transact_file

COMPOSE = "services:\n  mana-auth:\n    image: mana/auth:1.4\n    ports: ['3009:3001']  # reserved in the document\n"

# Each writer: its arguments (after the global options) and the file it writes.
WRITERS = {
    "add": (["add", "x-svc", "--range", "app"], "PORT_SCHEMA.md"),
    "validate --fix": (["validate", "--fix"], "PORT_SCHEMA.md"),
    "drift --fix document": (["drift", "-c", "compose.yml", "--fix", "document"], "PORT_SCHEMA.md"),
    "drift --fix deployment": (
        ["drift", "-c", "compose.yml", "--fix", "deployment", "--unsafe-fixes"],
        "compose.yml",
    ),
    "merge": (["merge", "base.md", "PORT_SCHEMA.md", "theirs.md"], "PORT_SCHEMA.md"),
}


def _project(folder: Path, document: str = "PORT_SCHEMA.md", compose: str = "compose.yml") -> None:
    """The document (two rows swapped, for validate --fix), its merge sides and a compose file."""
    text = BUNDLED.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("| 3002 "))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    (folder / document).write_text("".join(lines), encoding="utf-8")
    (folder / "base.md").write_text(text, encoding="utf-8")
    (folder / "theirs.md").write_text(text.replace("| 3004 | mana-user |", "| 3004 | mana-users |"), encoding="utf-8")
    (folder / compose).write_text(COMPOSE, encoding="utf-8")


def _hold_lock(path: Path) -> subprocess.Popen[bytes]:
    """A real ``flock`` process holding the file's lock until it is killed."""
    if shutil.which("flock") is None:
        pytest.skip("util-linux flock is not installed")
    ready = path.parent / "locked"
    holder = subprocess.Popen(
        ["flock", str(path), "sh", "-c", f"touch '{ready}'; exec sleep 300"], start_new_session=True
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline and holder.poll() is None, "flock never took the lock"
        time.sleep(0.01)
    ready.unlink()
    return holder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


@pytest.mark.slow
@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_waits_says_so_and_gives_up_after_the_lock_timeout(tmp_path: Path, writer: str) -> None:
    args, written = WRITERS[writer]
    _project(tmp_path)
    before = _snapshot(tmp_path)
    holder = _hold_lock(tmp_path / written)
    try:
        started = time.monotonic()
        result = run_mdports("-f", "PORT_SCHEMA.md", *args, "--lock-timeout", "1.2", cwd=tmp_path)
        waited = time.monotonic() - started
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr == (
        f"mdports: waiting for the lock on {written}\n"
        f"mdports: error: {written}: another process held the lock on the document for 1.2 s; nothing was written\n"
        "  hint: find it with `fuser` or `lsof`, or wait longer with --lock-timeout SECONDS\n"
    )
    assert waited >= 1.2
    assert _snapshot(tmp_path) == before  # every file byte for byte, no temporary file left


def test_validate_takes_the_configured_lock_timeout_only_with_a_writing_option(tmp_path: Path) -> None:
    _project(tmp_path)
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "validate", "--lock-timeout", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "mdports: error: --lock-timeout goes with --fix or --add-accepts\n"


@pytest.mark.parametrize("writer", list(WRITERS))
def test_a_symbolic_link_stays_a_link_and_its_target_is_written(tmp_path: Path, writer: str) -> None:
    args, written = WRITERS[writer]
    real = tmp_path / "real"
    real.mkdir()
    _project(tmp_path)
    # The written file lives in real/, reached through a link where the command names it.
    target = real / written
    (tmp_path / written).rename(target)
    (tmp_path / written).symlink_to(os.path.relpath(target, tmp_path))
    old = target.read_bytes()
    result = invoke_mdports("-f", "PORT_SCHEMA.md", *args, cwd=tmp_path)
    assert "error" not in result.stderr, result.stderr
    assert (tmp_path / written).is_symlink()
    assert os.readlink(tmp_path / written) == os.path.relpath(target, tmp_path)
    assert target.read_bytes() != old
    assert sorted(p.name for p in real.iterdir()) == [written]  # no temporary file beside the target


@pytest.mark.parametrize("writer", list(WRITERS))
def test_owner_group_and_mode_are_kept(tmp_path: Path, writer: str) -> None:
    args, written = WRITERS[writer]
    _project(tmp_path)
    path = tmp_path / written
    path.chmod(0o640)
    owner = (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        owner = (4321, 4322)  # another user's file, which root may write
        os.chown(path, *owner)
    old = path.read_bytes()
    result = invoke_mdports("-f", "PORT_SCHEMA.md", *args, cwd=tmp_path)
    assert "error" not in result.stderr, result.stderr
    info = path.stat()
    assert path.read_bytes() != old
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o640, *owner)


# --- the transaction itself: what a failing step leaves -----------------------------------------


def _document(folder: Path) -> Path:
    path = folder / "PORT_SCHEMA.md"
    shutil.copyfile(BUNDLED, path)
    return path


def test_a_transform_that_raises_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    path = _document(tmp_path)
    old = path.read_bytes()

    def broken(text: str) -> tuple[None, str]:
        raise ValueError("the transform failed")

    with pytest.raises(ValueError, match="the transform failed"):
        transact_file(Target(path), broken)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]
    # The lock was let go: the next transaction takes it at once.
    done = transact_file(Target(path), lambda text: (None, text + "\n"), locking=Locking(timeout=0))
    assert done.written == (str(path),)


def test_a_refused_edit_through_the_command_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    path = _document(tmp_path)
    old = path.read_bytes()
    result = run_mdports("-f", str(path), "add", "mana-auth", "--range", "app")  # the name is taken
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"mdports: error: {path}")
    assert path.read_bytes() == old


def test_a_verify_that_fails_is_refused_with_its_reason_and_writes_nothing(tmp_path: Path) -> None:
    path = _document(tmp_path)
    old = path.read_bytes()
    with pytest.raises(RefusedError) as refused:
        transact_file(
            Target(path, "docs/PORT_SCHEMA.md"),
            lambda text: (text.replace("mana-auth", "auth"), text.replace("mana-auth", "auth")),
            verify=lambda new: "the edit would leave references to mana-auth" if "mana-auth" not in new else None,
        )
    assert refused.value.exit_code == 1
    assert str(refused.value) == (
        "docs/PORT_SCHEMA.md: the edit would leave references to mana-auth; nothing was written"
    )
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]


def test_an_edit_that_fails_verification_writes_nothing(tmp_path: Path) -> None:
    """edit_file's verify is the edit's own (edits.verify): a tampered edit is refused."""
    import dataclasses

    path = _document(tmp_path)
    old = path.read_bytes()

    def tampered(document: mdports.Document, _day: object) -> mdports.Edit:
        edit = mdports.add(document, "bot-svc", range="app")
        other = mdports.parse(edit.text.replace("| 3001 | mana-auth |", "| 3001 | mana-auth2 |"), path=document.path)
        return dataclasses.replace(edit, after=other)

    with pytest.raises(RefusedError) as refused:
        mdports.edit_file(path, tampered)
    assert refused.value.exit_code == 1 and "nothing was written" in refused.value.message
    assert path.read_bytes() == old


def test_several_files_are_written_all_or_none(tmp_path: Path) -> None:
    first, second = tmp_path / "compose.yml", tmp_path / "prometheus.yml"
    first.write_text(COMPOSE, encoding="utf-8")
    second.write_text("scrape_configs: []\n", encoding="utf-8")
    second.chmod(0o444)  # refused by its mode, for root too
    with pytest.raises(RefusedError, match="read-only"):
        transact([Target(first), Target(second)], lambda texts: (None, [t + "# changed\n" for t in texts]))
    assert first.read_text(encoding="utf-8") == COMPOSE
    assert second.read_text(encoding="utf-8") == "scrape_configs: []\n"


def test_a_file_changed_since_it_was_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_text(COMPOSE.replace("3009", "3008"), encoding="utf-8")
    target = Target(path, "compose.yml", expected=COMPOSE, changed="the file changed while drift was checking it")
    with pytest.raises(RefusedError) as refused:
        transact_file(target, lambda text: (None, text.replace("3008", "3001")))
    assert str(refused.value) == (
        "compose.yml: the file changed while drift was checking it; nothing was written\n  hint: run the command again"
    )
    assert path.read_text(encoding="utf-8") == COMPOSE.replace("3009", "3008")


def test_two_names_of_one_file_are_refused_before_locking(tmp_path: Path) -> None:
    """Locking a file twice would wait for itself: a link and its target are one file."""
    path = _document(tmp_path)
    (tmp_path / "link.md").symlink_to(path)
    with pytest.raises(RefusedError, match="is the same file as"):
        transact([Target(path), Target(tmp_path / "link.md")], lambda texts: (None, texts), locking=Locking(0))


def test_a_created_file_is_removed_when_the_transaction_fails(tmp_path: Path) -> None:
    new = tmp_path / "merged.md"
    with pytest.raises(ValueError):
        transact_file(Target(new, create=True), lambda text: (_ for _ in ()).throw(ValueError("no")))
    assert not new.exists()
    done = transact_file(Target(new, create=True), lambda text: (None, "# merged\n"))
    assert (done.written, new.read_text(encoding="utf-8")) == ((str(new),), "# merged\n")


def test_the_merge_driver_leaves_no_output_file_when_the_merge_fails(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "theirs.md").write_bytes(b"\x00binary")
    result = run_mdports("merge", "base.md", "PORT_SCHEMA.md", "theirs.md", "-o", "merged.md", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "mdports: error: theirs.md: looks like a binary file (NUL byte at offset 0)\n"
    assert not (tmp_path / "merged.md").exists()


def test_a_file_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "closed"
    folder.mkdir()
    with pytest.raises(UsageError, match="cannot create the file: No such file"):
        transact_file(Target(folder / "missing" / "merged.md", create=True), lambda text: (None, text))


def test_a_dry_run_of_drift_fix_document_reads_the_document_once_even_from_stdin(tmp_path: Path) -> None:
    """Without writing there is nothing to lock or read again: the document may come from standard input."""
    _project(tmp_path)
    before = _snapshot(tmp_path)
    text = (tmp_path / "PORT_SCHEMA.md").read_text(encoding="utf-8")
    result = invoke_mdports(
        "-f", "-", "drift", "-c", "compose.yml", "--fix", "document", "--diff", cwd=tmp_path, stdin=text
    )
    assert result.returncode in (0, 1) and "error" not in result.stderr, result.stderr
    assert "+| 3009 | mana-auth |" in result.stdout
    assert result.stderr.startswith("moved mana-auth from 3001 to 3009")
    assert _snapshot(tmp_path) == before

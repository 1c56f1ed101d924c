"""Faults never corrupt the document: concurrent writers, SIGKILL mid-write, read-only files, full disks.

Every test runs the installed ``mdports`` command as real processes. The crash tests use the
test-only hook in :func:`mdports.files.write_atomic`: with ``MDPORTS_TEST_PAUSE=STAGE`` the writer
stops at that stage (``before-write``: the temporary file exists and is empty; ``before-replace``:
it holds the whole new text; ``after-replace``: the new document is in place) and creates
``MDPORTS_TEST_PAUSE_FILE``, so the test knows when to kill it.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXED_EPOCH, mdports_executable, run_mdports

import mdports

TEMP_GLOB = ".PORT_SCHEMA.md.*.mdports-tmp"


def _copy(folder: Path) -> Path:
    path = folder / "PORT_SCHEMA.md"
    shutil.copyfile(BUNDLED, path)
    return path


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MDPORTS_")}
    return {**env, "SOURCE_DATE_EPOCH": FIXED_EPOCH, **extra}


def _add(path: Path, name: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [mdports_executable(), "-f", str(path), "add", name, "--range", "app"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(**env),
    )


def _wait_for(marker: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"the writer ended before pausing: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the writer never reached its pause")
        time.sleep(0.01)


def _valid(path: Path) -> mdports.Registry:
    model = mdports.registry(mdports.load(path))
    assert not mdports.validate(model).fails()
    return model


# --- concurrency ------------------------------------------------------------------------------


def test_sixteen_simultaneous_adds(tmp_path: Path) -> None:
    """16 processes started at once: 16 new rows, 16 distinct ports, a valid document, nothing left."""
    path = _copy(tmp_path)
    before = mdports.registry(mdports.load(path))
    processes = [_add(path, f"worker-{i}") for i in range(16)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0] * 16, outputs
    ports = sorted(int(out.strip()) for out, _ in outputs)
    assert len(set(ports)) == 16
    assert ports == list(range(3041, 3057))  # the lowest free ports of the range, none skipped
    after = _valid(path)
    assert len(after.entries) == len(before.entries) + 16
    workers = {e.service: e.ports for e in after.entries if (e.service or "").startswith("worker-")}
    assert sorted(port for ports in workers.values() for port in ports) == ports
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]  # no lock or temporary file
    assert path.read_text(encoding="utf-8").count("\n") == BUNDLED.read_text(encoding="utf-8").count("\n") + 16


# --- crash safety -----------------------------------------------------------------------------


def _expected_after_add(tmp_path: Path, name: str) -> bytes:
    """What an uninterrupted `mdports add` makes of the bundled document."""
    folder = tmp_path / "reference"
    folder.mkdir()
    path = _copy(folder)
    result = run_mdports("-f", str(path), "add", name, "--range", "app")
    assert result.returncode == 0, result.stderr
    return path.read_bytes()


@pytest.mark.parametrize(
    ("stage", "survives"), [("before-write", "old"), ("before-replace", "old"), ("after-replace", "new")]
)
def test_a_writer_killed_mid_write_leaves_the_old_or_the_new_document(
    tmp_path: Path, stage: str, survives: str
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = _copy(folder)
    old = path.read_bytes()
    new = _expected_after_add(tmp_path, "killed-worker")
    marker = tmp_path / "paused"
    writer = _add(path, "killed-worker", MDPORTS_TEST_PAUSE=stage, MDPORTS_TEST_PAUSE_FILE=str(marker))
    _wait_for(marker, writer)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    assert path.read_bytes() == (old if survives == "old" else new)  # byte for byte, never a mix
    leftovers = list(folder.glob(TEMP_GLOB))
    if stage == "after-replace":
        assert leftovers == []
    else:
        (temp,) = leftovers  # SIGKILL leaves the temporary file: it may hold the new text, never the document
        assert temp.read_bytes() == (b"" if stage == "before-write" else new)

    # The lock died with the writer, and the leftover does not get in the next edit's way.
    result = run_mdports("-f", str(path), "add", "next-worker", "--range", "app")
    assert result.returncode == 0, result.stderr
    model = _valid(path)
    assert model.entry("next-worker")
    assert bool(model.by_name.get("killed-worker")) == (survives == "new")
    # A fresh leftover is kept (its writer might still be finishing); an old one is removed
    # by the next writer that holds the lock.
    assert list(folder.glob(TEMP_GLOB)) == leftovers
    for temp in leftovers:
        os.utime(temp, (time.time() - 3600, time.time() - 3600))
    result = run_mdports("-f", str(path), "add", "third-worker", "--range", "app")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["PORT_SCHEMA.md"]


def test_a_writer_waiting_for_the_lock_goes_on_when_the_holder_is_killed(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    marker = tmp_path / "paused"
    holder = _add(path, "holder-worker", MDPORTS_TEST_PAUSE="before-replace", MDPORTS_TEST_PAUSE_FILE=str(marker))
    _wait_for(marker, holder)
    waiter = _add(path, "waiting-worker")
    time.sleep(0.5)
    assert waiter.poll() is None  # queued on the lock
    holder.kill()
    holder.wait(timeout=60)
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert out == "3041\n"  # the killed holder's port was never written, so it is free again
    model = _valid(path)
    assert model.entry("waiting-worker").ports == (3041,) and not model.by_name.get("holder-worker")


# --- read-only file and full disk ---------------------------------------------------------------


def test_read_only_document_fails_cleanly(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    path.chmod(0o444)
    result = run_mdports("-f", str(path), "add", "x-svc", "--range", "app")
    assert result.returncode == 1
    assert result.stderr == (
        f"mdports: error: {path}: the file is read-only; nothing was written\n  hint: chmod u+w it first\n"
    )
    assert path.read_bytes() == BUNDLED.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]


def _mount_small_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_full_disk_fails_cleanly(tmp_path: Path) -> None:
    """A real full file system: a 64 KiB tmpfs, filled up, so that writing the new text gets ENOSPC.

    Mounting needs root (as the tests run here and in CI); elsewhere this test is skipped and
    ``test_file_size_limit_fails_cleanly`` still drives the same failure through the write path.
    """
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount_small_tmpfs(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        path = _copy(disk)
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as out:
            try:
                while True:
                    out.write(b"\0" * 4096)
            except OSError:
                pass  # full
        result = run_mdports("-f", str(path), "add", "x-svc", "--range", "app")
        assert result.returncode == 1
        assert result.stderr == (
            f"mdports: error: {path}: cannot write the new text (No space left on device); the document is unchanged\n"
            "  hint: the disk is full or a size limit was reached; free some space and run it again\n"
        )
        assert path.read_bytes() == BUNDLED.read_bytes()
        assert sorted(p.name for p in disk.iterdir()) == ["PORT_SCHEMA.md", "filler"]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_file_size_limit_fails_cleanly(tmp_path: Path) -> None:
    """A file size limit (``ulimit -f``) smaller than the document: the write fails with EFBIG.

    This needs no privileges, so it runs everywhere. SIGXFSZ, which would otherwise kill the
    process, is ignored (as a shell's ``ulimit`` users often do), so the write returns an error
    instead, the way a full disk does.
    """
    path = _copy(tmp_path)
    limit = 4096
    assert path.stat().st_size > limit

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [mdports_executable(), "-f", str(path), "add", "x-svc", "--range", "app"],
        capture_output=True,
        text=True,
        env=_environment(),
        preexec_fn=limit_file_size,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"mdports: error: {path}: cannot write the new text (File too large); the document is unchanged\n"
        "  hint: the disk is full or a size limit was reached; free some space and run it again\n"
    )
    assert path.read_bytes() == BUNDLED.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]

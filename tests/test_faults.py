"""Faults never corrupt the document: concurrent writers, SIGKILL mid-write, read-only files, full disks.

Every test runs the installed ``mdports`` command as real processes. The crash tests kill the
writer with SIGKILL at a chosen system call, injected by ``strace`` from outside (mdports has no
test hook): its first ``write`` (``before-write``: the temporary file exists and is empty), the
``rename`` (``before-replace``: it holds the whole new text) or the second ``fsync``, of the
folder (``after-replace``: the new document is in place). A held lock is a real ``flock``.
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


def _add(path: Path, name: str, *, prefix: tuple[str, ...] = (), **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*prefix, mdports_executable(), "-f", str(path), "add", name, "--range", "app"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(**env),
    )


def _valid(path: Path) -> mdports.Registry:
    model = mdports.registry(mdports.load(path))
    assert not mdports.validate(model).fails()
    return model


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.slow
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


# The system call at which strace kills the writer, for each stage of the write.
KILL_AT = {
    "before-write": ("write", "when=1"),
    "before-replace": ("rename,renameat,renameat2", ""),
    "after-replace": ("fsync", "when=2"),
}


def _strace() -> str:
    found = shutil.which("strace")
    if found is None or subprocess.run([found, "-qq", "-o", "/dev/null", "true"], capture_output=True).returncode:
        pytest.skip("strace is not installed or may not trace here (ptrace not permitted)")
    return found


@pytest.mark.parametrize(
    ("stage", "survives"), [("before-write", "old"), ("before-replace", "old"), ("after-replace", "new")]
)
def test_a_writer_killed_mid_write_leaves_the_old_or_the_new_document(
    tmp_path: Path, stage: str, survives: str
) -> None:
    strace = _strace()
    folder = tmp_path / "docs"
    folder.mkdir()
    path = _copy(folder)
    old = path.read_bytes()
    new = _expected_after_add(tmp_path, "killed-worker")
    calls, when = KILL_AT[stage]
    inject = f"inject={calls}:signal=KILL" + (f":{when}" if when else "")
    prefix = (strace, "-qq", "-o", "/dev/null", "-e", f"trace={calls}", "-e", inject)
    # No .pyc writes: the first write(2) must be the temporary file's.
    writer = _add(path, "killed-worker", prefix=prefix, PYTHONDONTWRITEBYTECODE="1")
    writer.communicate(timeout=120)
    assert writer.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)  # strace ends as its tracee did

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


def _hold_lock(path: Path) -> subprocess.Popen[bytes]:
    """A real ``flock`` process holding the document's lock until it is killed."""
    if shutil.which("flock") is None:
        pytest.skip("util-linux flock is not installed")
    ready = path.parent / "locked"
    # Its own process group: the lock is shared by flock and its child, and both must die.
    holder = subprocess.Popen(
        ["flock", str(path), "sh", "-c", f"touch '{ready}'; exec sleep 300"], start_new_session=True
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline and holder.poll() is None, "flock never took the lock"
        time.sleep(0.01)
    ready.unlink()
    return holder


def _release(holder: subprocess.Popen[bytes]) -> None:
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait(timeout=60)


@pytest.mark.slow
def test_a_writer_waiting_for_the_lock_goes_on_when_the_holder_is_killed(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    holder = _hold_lock(path)
    waiter = _add(path, "waiting-worker")
    # Released only once the waiter says it waits: a fixed sleep loses the race on a loaded machine.
    assert waiter.stderr is not None
    waiting = waiter.stderr.readline()
    assert waiting == f"mdports: waiting for the lock on {path}\n"
    assert waiter.poll() is None  # queued on the lock
    _release(holder)
    out, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert err == "added waiting-worker on port 3041 in '3030-3059: App Backends'\n"
    assert out == "3041\n"
    assert _valid(path).entry("waiting-worker").ports == (3041,)


@pytest.mark.slow
def test_a_held_lock_times_out(tmp_path: Path) -> None:
    """Item 5 of issue 9: a lock held for longer than --lock-timeout (or lock-timeout) is exit 1, said so."""
    path = _copy(tmp_path)
    holder = _hold_lock(path)
    try:
        started = time.monotonic()
        result = run_mdports(
            "-f", "PORT_SCHEMA.md", "add", "x-svc", "--range", "app", "--lock-timeout", "1.5", cwd=tmp_path
        )
        waited = time.monotonic() - started
        (tmp_path / "pyproject.toml").write_text('[tool.mdports]\nfile = "PORT_SCHEMA.md"\nlock-timeout = 0\n')
        configured = run_mdports("rename", "mana-auth", "auth", cwd=tmp_path)
    finally:
        _release(holder)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "mdports: waiting for the lock on PORT_SCHEMA.md\n"
        "mdports: error: PORT_SCHEMA.md: another process held the lock on the document for 1.5 s; nothing was written\n"
        "  hint: find it with `fuser` or `lsof`, or wait longer with --lock-timeout SECONDS\n"
    )
    assert 1.5 <= waited < 30  # it waited, and said so after 1 s
    assert configured.returncode == 1 and "for 0 s; nothing was written" in configured.stderr
    assert "waiting for the lock" not in configured.stderr  # it did not wait at all
    assert path.read_bytes() == BUNDLED.read_bytes()


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


@pytest.mark.parametrize(
    "command",
    [
        ["add", "x-svc", "--range", "app"],
        ["remove", "mana-auth"],
        ["rename", "mana-auth", "auth"],
        ["move", "mana-auth", "--port", "3009"],
        ["set", "mana-auth", "--runtime", "Rust"],
        ["fmt"],
        ["merge", "PORT_SCHEMA.md", "PORT_SCHEMA.md", "theirs.md"],
    ],
    ids=lambda command: command[0],
)
def test_every_writing_command_gives_up_on_a_held_lock(tmp_path: Path, command: list[str]) -> None:
    """--lock-timeout is on every command that writes the document (0: do not wait at all)."""
    path = _copy(tmp_path)
    (tmp_path / "theirs.md").write_text(BUNDLED.read_text(encoding="utf-8").replace("mana-auth", "auth"))
    # fmt must have something to write: two rows swapped.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("| 3001 "))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    path.write_text("".join(lines), encoding="utf-8")
    before = path.read_bytes()
    holder = _hold_lock(path)
    try:
        result = run_mdports("-f", "PORT_SCHEMA.md", *command, "--lock-timeout", "0", cwd=tmp_path)
    finally:
        _release(holder)
    assert result.returncode == 1, result.stderr
    assert "the lock on the document for 0 s; nothing was written" in result.stderr
    assert path.read_bytes() == before


# --- several files, all or none (drift --fix deployment) -------------------------------------------------

DEPLOYMENT = {
    "compose.yml": "services:\n  mana-auth:\n    ports: ['3101:3001']\n",
    "prometheus.yml": "scrape_configs:\n  - job_name: auth\n    static_configs:\n"
    "      - targets: ['127.0.0.1:3101', 'mana-auth:3001']\n",
    "cloudflared.yml": "ingress:\n  - hostname: auth.example.com\n    service: http://localhost:3101\n"
    "  - service: http_status:404\n",
    ".env": "MANA_AUTH_PORT=3101\n",
}
FIX_EVERY_FILE = (
    "-f", "PORT_SCHEMA.md", "drift", "--fix", "deployment", "--unsafe-fixes",
    "-c", "compose.yml", "-p", "prometheus.yml", "--cloudflared", "cloudflared.yml", "-e", ".env",
)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("failing", "put_back"), [("when=3", True), ("when=3+", False)])
def test_a_rename_failing_half_way_puts_the_replaced_files_back(tmp_path: Path, failing: str, put_back: bool) -> None:
    """The third of four renames fails (``EIO``, injected by strace): the two files already replaced
    get their old bytes back, or, when every later rename fails too, the error names them."""
    strace = _strace()
    (tmp_path / "PORT_SCHEMA.md").write_text(
        "## 3000-3099: Auth\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n", encoding="utf-8"
    )
    for name, text in DEPLOYMENT.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    prefix = (strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename", "-e", f"inject=rename:error=EIO:{failing}")
    result = subprocess.run(
        [*prefix, mdports_executable(), *FIX_EVERY_FILE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_environment(PYTHONDONTWRITEBYTECODE="1"),
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # The order mdports writes them in: the compose file, then the files that follow its port.
    first, second, third, _ = DEPLOYMENT
    assert f"mdports: error: {third}: cannot replace the document (Input/output error)" in result.stderr
    on_disk = {name: (tmp_path / name).read_text(encoding="utf-8") for name in DEPLOYMENT}
    if put_back:
        assert f"; {first}, {second} were put back: no file changed" in result.stderr
        assert on_disk == DEPLOYMENT
    else:
        assert f"; {first}, {second} could not be put back and hold the new text" in result.stderr
        assert [name for name in DEPLOYMENT if on_disk[name] != DEPLOYMENT[name]] == [first, second]
        assert "3101" not in on_disk[first].replace("3001", "")  # they hold the whole new text, not a mix
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*DEPLOYMENT, "PORT_SCHEMA.md"])

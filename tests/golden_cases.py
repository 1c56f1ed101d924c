"""The golden cases: one text file per case holding what it runs and everything the user sees.

A case file, ``tests/golden/cases/NAME.case``, reads top to bottom::

    # What the case shows (optional comment lines, kept when the file is rewritten).
    input: inputs/crlf.md
    subprocess: yes

    $ mdports -f crlf.md add win-x --range windows
    exit_code: 0
    ----- stdout -----
    3102
    ----- stderr -----
    added win-x on port 3102 in '3100-3109: Windows Services'
    ----- files -----
    --- a/crlf.md
    +++ b/crlf.md
    @@ -10,3 +10,4 @@
    ...

The header names the inputs, real files under ``tests/golden`` that several cases may share:
``input: SOURCE`` copies a file into the case's empty folder, or a folder's contents;
``input: SOURCE -> TARGET`` copies it to TARGET. ``subprocess: yes`` runs the case through the
installed console script too (every case runs in-process). Then each ``$ mdports ...`` command
runs in order in that folder and is followed by its exit code, stdout, stderr and what it
changed in the folder's files, as a unified diff (``unchanged`` when nothing). A command may
go on over several lines inside quotes, as in a shell. Other commands set a case up and show
no output: ``$ git ...`` (fixed author and date) and ``$ cp SOURCE TARGET``.

Text that does not end with a line break ends with ``\\ No newline at end of file``, as in a
diff; line endings are kept byte for byte (a CRLF document's lines end with CR in the diff).
The URI and path of the case's temporary folder read ``file:///CASE/`` and ``CASE``.

``MDPORTS_REGEN=1`` rewrites the case files from what the commands print (read every change
with ``git diff`` before committing) and deletes the expected files of the old layout.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from conftest import GOLDEN, ROOT, git, invoke_mdports, run_mdports

CASES = GOLDEN / "cases"
SUFFIX = ".case"
REGEN = bool(os.environ.get("MDPORTS_REGEN"))
# Inputs read by tests rather than by a case (tests/test_wild.py reads the wild corpus' facts).
SHARED_INPUTS = ("wild/manifest.json",)

_STDOUT, _STDERR, _FILES = "----- stdout -----", "----- stderr -----", "----- files -----"
_EXIT = "exit_code: "
_NO_NEWLINE = "\\ No newline at end of file"
UNCHANGED = "unchanged\n"
_EXAMPLE_ROOT = re.compile(r"^<!-- example-root: tests/golden/(\S+) -->$", re.MULTILINE)

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Step:
    """A command of a case; a command of mdports has what it printed and changed, a set-up step none."""

    command: str
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    files: str = UNCHANGED

    @property
    def words(self) -> list[str]:
        return shlex.split(self.command)

    @property
    def is_mdports(self) -> bool:
        return self.words[0] == "mdports"


@dataclass(frozen=True)
class Case:
    path: Path
    header: str  # the text before the first command, kept as written
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(SUFFIX)

    @property
    def inputs(self) -> list[tuple[str, str | None]]:
        """(source under tests/golden, target in the case's folder or None for its root)."""
        found = []
        for line in self.header.splitlines():
            if line.startswith("input:"):
                source, _, target = line.removeprefix("input:").partition("->")
                found.append((source.strip(), target.strip() or None))
        return found

    @property
    def installed(self) -> bool:
        """Whether the case also runs through the installed console script (``subprocess: yes``)."""
        return any(line.strip() == "subprocess: yes" for line in self.header.splitlines())

    def stdout(self, fragment: str = "") -> str:
        """The stdout of the one mdports command of the case whose command line holds ``fragment``."""
        (step,) = [step for step in self.steps if step.is_mdports and fragment in step.command]
        return step.stdout


# --- the file format --------------------------------------------------------------------------


def _block(text: str) -> str:
    """Text as a section shows it: its lines, and the diff's marker when it lacks a final line break."""
    return text if not text or text.endswith("\n") else f"{text}\n{_NO_NEWLINE}\n"


def _unblock(lines: list[str]) -> str:
    if lines and lines[-1] == _NO_NEWLINE:
        return "\n".join(lines[:-1])
    return "".join(f"{line}\n" for line in lines)


def render(case: Case) -> str:
    parts = [case.header.rstrip("\n") + "\n\n" if case.header.strip() else ""]
    for index, step in enumerate(case.steps):
        parts.append(f"$ {step.command}\n")
        if step.is_mdports:
            parts.append(f"{_EXIT}{step.exit_code}\n{_STDOUT}\n{_block(step.stdout)}{_STDERR}\n{_block(step.stderr)}")
            parts.append(f"{_FILES}\n{step.files}")
            if index + 1 < len(case.steps):
                parts.append("\n")
    return "".join(parts)


def parse(path: Path) -> Case:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    first = next((i for i, line in enumerate(lines) if line.startswith("$ ")), len(lines))
    header = "".join(f"{line}\n" for line in lines[:first])
    for number, line in enumerate(lines[:first], start=1):
        if line.strip() and not line.startswith(("#", "input: ")) and line != "subprocess: yes":
            raise AssertionError(f"{path}:{number}: a header line is a '#' comment, 'input: ...' or 'subprocess: yes'")
    steps: list[Step] = []
    at = first
    while at < len(lines):
        if not lines[at].strip():
            at += 1
            continue
        command, at = _command(lines, at, path)
        if shlex.split(command)[0] != "mdports" or at == len(lines) or not lines[at].startswith(_EXIT):
            steps.append(Step(command))  # a set-up step, or a command not run yet (a new case)
            continue
        try:
            exit_code = int(lines[at].removeprefix(_EXIT))
            assert lines[at].startswith(_EXIT) and lines[at + 1] == _STDOUT
            stderr_at = lines.index(_STDERR, at + 2)
            files_at = lines.index(_FILES, stderr_at + 1)
        except (AssertionError, IndexError, ValueError):
            raise AssertionError(f"{path}:{at + 1}: expected exit_code, stdout, stderr, files") from None
        end = next((i for i in range(files_at + 1, len(lines)) if lines[i].startswith("$ ")), len(lines))
        files = lines[files_at + 1 : end]
        while files and not files[-1]:
            files.pop()
        steps.append(
            Step(
                command,
                exit_code,
                _unblock(lines[at + 2 : stderr_at]),
                _unblock(lines[stderr_at + 1 : files_at]),
                "".join(f"{line}\n" for line in files),
            )
        )
        at = end
    return Case(path, header, tuple(steps))


def _command(lines: list[str], at: int, path: Path) -> tuple[str, int]:
    """The command starting at line ``at`` (continued over lines while a quote is open), and the next line."""
    if not lines[at].startswith("$ "):
        raise AssertionError(f"{path}:{at + 1}: a command starts with '$ ', not {lines[at]!r}")
    command = lines[at].removeprefix("$ ")
    at += 1
    while True:
        try:
            shlex.split(command)
            return command, at
        except ValueError:
            if at == len(lines):
                raise AssertionError(f"{path}: an unclosed quote in {command!r}") from None
            command, at = f"{command}\n{lines[at]}", at + 1


def write(case: Case) -> None:
    """Write ``case`` to its file, after checking that the file reads back as the same case."""
    text = render(case)
    case.path.write_bytes(text.encode("utf-8", "surrogateescape"))
    again = parse(case.path)
    assert again.steps == case.steps, f"{case.path}: an output holds a line of the case format; it cannot be kept"


def cases() -> list[Case]:
    return [parse(path) for path in sorted(CASES.glob(f"*{SUFFIX}"))]


# --- running a case -----------------------------------------------------------------------------


def prepare(case: Case, work: Path) -> None:
    """Copy the case's inputs into the folder ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    for source, target in case.inputs:
        origin = GOLDEN / source
        assert origin.exists(), f"{case.path}: input {source} does not exist under tests/golden"
        destination = work / target if target else work / (origin.name if origin.is_file() else "")
        if origin.is_dir():
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, destination)


def snapshot(work: Path) -> dict[str, bytes]:
    """Every file under ``work`` but git's own, by its path relative to ``work``."""
    return {
        path.relative_to(work).as_posix(): path.read_bytes()
        for path in sorted(work.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(work).parts
    }


def _lines(data: bytes) -> list[str]:
    """The lines of a file, each with its own ending: only LF ends a line (a CR stays in it)."""
    text = data.decode("utf-8", "surrogateescape")
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def files_diff(before: dict[str, bytes], after: dict[str, bytes]) -> str:
    """What changed between two snapshots, as a unified diff; ``unchanged`` when nothing did."""
    out: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        source = f"a/{name}" if old is not None else "/dev/null"
        target = f"b/{name}" if new is not None else "/dev/null"
        diff = list(difflib.unified_diff(_lines(old or b""), _lines(new or b""), source, target))
        out.extend(diff or [f"--- {source}\n", f"+++ {target}\n"])  # an empty file made or removed
    return "".join(_block(line) for line in out) or UNCHANGED


def _setup(step: Step, work: Path) -> None:
    words = step.words
    if words[0] == "git":
        git(work, *words[1:])
    elif words[0] == "cp" and len(words) == 3:
        (work / words[2]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / words[1], work / words[2])
    else:
        raise AssertionError(f"a golden case runs mdports, git and cp only, not {step.command!r}")


def run(case: Case, work: Path, runner: Runner = invoke_mdports) -> Case:
    """Run the case's commands in ``work`` (its inputs copied first): the case as it now is."""
    prepare(case, work)
    steps = []
    for step in case.steps:
        if not step.is_mdports:
            _setup(step, work)
            steps.append(step)
            continue
        before = snapshot(work)
        result = runner(*step.words[1:], cwd=work)
        steps.append(
            replace(
                step,
                exit_code=result.returncode,
                stdout=_placeholders(result.stdout, work),
                stderr=_placeholders(result.stderr, work),
                files=files_diff(before, snapshot(work)),
            )
        )
    return replace(case, steps=tuple(steps))


def _placeholders(text: str, work: Path) -> str:
    return text.replace(f"{work.as_uri()}/", "file:///CASE/").replace(str(work), "CASE")


def assert_golden(case: Case, tmp_path: Path, *, installed: bool = False) -> None:
    """Run ``case`` and compare everything it shows with its file; regenerate it with MDPORTS_REGEN=1.

    In-process by default; ``installed`` runs the console script (never regenerates: the
    in-process run does).
    """
    actual = run(case, tmp_path / "project", run_mdports if installed else invoke_mdports)
    if REGEN and not installed:
        write(actual)
        for stale in old_layout_files(case.name):
            delete(stale)
        return
    expected = case.path.read_bytes().decode("utf-8", "surrogateescape")
    assert render(actual) == expected, f"{case.path.relative_to(ROOT)}: regenerate with MDPORTS_REGEN=1, then review"


# --- files without a case --------------------------------------------------------------------------


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        yield from (found for found in path.rglob("*") if found.is_file())


def orphans() -> list[Path]:
    """Files under tests/golden that are neither a case file nor an input of a case, a docs example or a test."""
    used = {path for path in CASES.glob(f"*{SUFFIX}")}
    sources = [source for case in cases() for source, _ in case.inputs]
    sources += _EXAMPLE_ROOT.findall("".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")))
    for source in [*sources, *SHARED_INPUTS]:
        used.update(_files(GOLDEN / source))
    every = (path for path in GOLDEN.rglob("*") if path.is_file())
    return sorted(path for path in every if path not in used or old_layout_case(path))


def old_layout_case(path: Path) -> str | None:
    """The case an expected file of the old layout (four harnesses, one file per output) belonged to."""
    parts = path.relative_to(GOLDEN).parts
    if len(parts) == 3 and parts[0] == "cases" and parts[2] in ("cmd", "exit", "stdout", "stderr", "document"):
        return parts[1]
    if len(parts) >= 4 and parts[:2] == ("drift", "cases"):
        return parts[2]  # cmd, exit, stdout, stderr, fixture and the files/ laid over the fixture
    if len(parts) == 3 and parts[0] == "diff" and parts[2].startswith("expected"):
        return f"diff-{parts[1]}"
    if len(parts) == 3 and parts[:2] == ("wild", "expected"):
        return f"wild-{Path(parts[2]).stem}"
    return None


def old_layout_files(name: str) -> list[Path]:
    """The files of the old layout left for the case ``name``: stale once its case file exists."""
    roots = [CASES / name, GOLDEN / "drift" / "cases" / name, GOLDEN / "diff", GOLDEN / "wild" / "expected"]
    return [path for root in roots for path in _files(root) if old_layout_case(path) == name]


def delete(path: Path) -> None:
    """Delete a file, and the folders it leaves empty."""
    path.unlink()
    folder = path.parent
    while folder != GOLDEN and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent

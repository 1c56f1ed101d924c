"""Reading a document as it is in a git revision (``origin/main:docs/PORT_SCHEMA.md``).

git runs as a subprocess with an argument list (never through a shell). Every way it can
fail -- git missing, not a repository, an unknown revision, a path the revision does not
have -- is one :class:`~mdports.errors.MdportsError` with a one-line message (exit code 2).
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from pathlib import Path, PurePosixPath

from ..errors import InputError, UsageError
from .reading import MAX_DOCUMENT_BYTES, decode_text, too_big


def is_git_spec(argument: str) -> bool:
    """True when ``argument`` names a file in a revision (``REV:PATH``) rather than a file on disk.

    An existing file wins, so a file whose name holds a colon still reads from disk.

    >>> is_git_spec("origin/main:docs/PORT_SCHEMA.md"), is_git_spec(":docs/PORT_SCHEMA.md")
    (True, True)
    >>> is_git_spec("docs/PORT_SCHEMA.md"), is_git_spec("C:\\\\docs\\\\ports.md")
    (False, False)
    """
    if ":" not in argument or os.path.exists(argument):
        return False
    # A Windows drive letter ("C:\\x" or "C:/x") is a path, not a revision.
    return not (len(argument) > 2 and argument[1] == ":" and argument[0].isalpha() and argument[2] in "\\/")


def split_spec(spec: str) -> tuple[str, str]:
    """``REV:PATH`` -> ``(REV, PATH)``; an empty REV means the index (staged content), as in git."""
    revision, _, path = spec.partition(":")
    if revision.startswith("-"):
        raise UsageError(f"{spec!r} is not a revision (it starts with '-')", hint="write REV:PATH, e.g. HEAD:docs/x.md")
    if not path:
        raise UsageError(f"{spec!r} names no file", hint="write REV:PATH, e.g. origin/main:docs/PORT_SCHEMA.md")
    return revision, path


def _git(args: list[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        # An empty input closes git's stdin at once: it never waits on the terminal.
        return subprocess.run(["git", *args], cwd=cwd, env=environment, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed (or not on PATH); it is needed to read REV:PATH") from None
    except NotADirectoryError:
        raise InputError("is not a folder", path=str(cwd)) from None


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].removeprefix("fatal: ") if lines else "git failed"


def toplevel(folder: Path) -> Path:
    """The root of the git working tree holding ``folder``."""
    result = _git(["rev-parse", "--show-toplevel"], folder)
    if result.returncode != 0:
        raise InputError(f"not a git repository: {folder}", hint="run mdports inside the repository, or give files")
    return Path(result.stdout.decode("utf-8").strip())


def read_revision(spec: str, cwd: Path | None = None) -> str:
    """The text of ``REV:PATH``, as git resolves it from ``cwd``, at most :data:`MAX_DOCUMENT_BYTES`.

    As in git, PATH is relative to the repository root; ``REV:./PATH`` is relative to ``cwd``.
    A symbolic link committed in REV is followed within REV's tree (``git cat-file
    --follow-symlinks``: bounded, as git bounds it), and one staged in the index (``:PATH``) the
    same way (:func:`_follow_staged`); one that leaves the tree, dangles or loops is refused.
    """
    folder = cwd or Path.cwd()
    revision, path = split_spec(spec)
    toplevel(folder)
    if "\n" in spec:  # git's batch protocol is one spec a line
        raise UsageError(f"{spec!r} has a line break; mdports cannot read it from git", hint="rename the file")
    if revision:
        known = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{tree}}"], folder)
        if known.returncode != 0:
            raise UsageError(
                f"unknown revision {revision!r}", hint="use a branch, tag or commit (git fetch it first in CI)"
            )
    where = f"revision {revision!r}" if revision else "the index (nothing staged under that name)"
    # git follows links in a revision's tree only; in the index mdports follows them the same way.
    staged, linked = _follow_staged(spec, path, folder) if not revision else ("", False)
    lookup = ":" + staged if not revision else spec
    # The size comes before the content, so a huge blob is refused without being read.
    checked = _git(["cat-file", "--batch-check", "--follow-symlinks"], folder, stdin=lookup.encode("utf-8") + b"\n")
    if checked.returncode != 0:
        raise InputError(f"cannot read {spec}: {_first_line(checked.stderr)}")
    head, _, rest = checked.stdout.decode("utf-8", "replace").partition("\n")
    fields = head.split()
    if (fields[-1:] == ["missing"] or fields[:1] == ["notdir"]) and linked:
        raise InputError(_LINKS["dangling"].format(spec=spec, where="the index"), hint=_LINK_HINT)
    if fields[-1:] == ["missing"] or fields[:1] == ["notdir"]:
        listing = f"git ls-tree -r --name-only {revision}" if revision else "git ls-files"
        raise InputError(f"{path} does not exist in {where}", hint=f"`{listing}` lists its files")
    if fields[:1] in (["symlink"], ["dangling"], ["loop"]):
        raise InputError(
            _LINKS[fields[0]].format(spec=spec, target=rest.strip(), where="the revision"), hint=_LINK_HINT
        )
    if len(fields) != 3:
        raise InputError(f"cannot read {spec}: git answered {head!r}")
    name, kind, size = fields
    if kind != "blob":
        raise InputError(f"{spec} is a {kind}, not a file")
    if int(size) > MAX_DOCUMENT_BYTES:
        raise too_big(int(size), spec)
    shown = _git(["cat-file", "blob", name], folder)
    if shown.returncode != 0:
        raise InputError(f"cannot read {spec}: {_first_line(shown.stderr)}")
    return decode_text(shown.stdout, spec)


# What git's --follow-symlinks answers instead of an object, said for people.
_LINKS = {
    "symlink": "{spec} is a symbolic link to {target}, outside the repository; mdports reads only files in the tree",
    "dangling": "{spec} is a symbolic link to a file {where} does not have",
    "loop": "{spec} is a symbolic link in a loop (or a chain of more than 40 links)",
}
_MAX_LINKS = 40  # as git's --follow-symlinks
_LINK_HINT = "give the path of the file the link points to, e.g. HEAD:docs/PORT_SCHEMA.md"


def _follow_staged(spec: str, path: str, folder: Path) -> tuple[str, bool]:
    """``path`` in the index (root-relative), its symbolic links followed as git follows a tree's.

    Returns the path and whether a link was followed.

    A link's target is read from the index and resolved against the link's folder, at most 40
    links deep; one that leaves the repository or loops is refused. Links in the folders of the
    path are not followed (git stages the files under a linked folder nowhere).
    """
    if path.startswith(("./", "../")):
        prefix = _git(["rev-parse", "--show-prefix"], folder).stdout.decode("utf-8").strip()
        path = prefix + path
    current = posixpath.normpath(path)
    for hops in range(_MAX_LINKS):
        if current == ".." or current.startswith("../"):
            raise InputError(_LINKS["symlink"].format(spec=spec, target=current), hint=_LINK_HINT)
        staged = _git(["ls-files", "--stage", "--full-name", "-z", "--", f":(top,literal){current}"], folder).stdout
        entry = next((line for line in staged.split(b"\0") if line.endswith(b"\t" + current.encode())), b"")
        if not entry.startswith(b"120000 "):
            return current, hops > 0
        target = _git(["cat-file", "blob", entry.split()[1].decode()], folder).stdout.decode("utf-8", "replace")
        if target.startswith("/"):
            raise InputError(_LINKS["symlink"].format(spec=spec, target=target), hint=_LINK_HINT)
        current = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
    raise InputError(_LINKS["loop"].format(spec=spec), hint=_LINK_HINT)


def spec_for(document: Path, revision: str) -> tuple[str, Path]:
    """``REV:PATH`` for a document of the working tree (PATH relative to the repository root).

    Returns the spec and the folder to run git in.
    """
    folder = document.resolve().parent
    if not folder.is_dir():
        raise InputError("no such folder", path=str(document.parent))
    root = toplevel(folder).resolve()
    try:
        relative = document.resolve().relative_to(root)
    except ValueError:
        raise InputError(f"is outside the git repository {root}", path=str(document)) from None
    return f"{revision}:{PurePosixPath(*relative.parts)}", folder


def line_times(path: Path, text: str) -> list[int] | None:
    """When each line of ``text`` (the file at ``path`` as it is now) was last written, by ``git blame``.

    Lines not committed yet count as written now. None when git cannot say (no git, not a
    repository, a file git does not track); callers then fall back to the order of the rows.
    """
    folder = path.resolve().parent
    try:
        result = subprocess.run(
            ["git", "blame", "--line-porcelain", "--contents", "-", "--", path.name],
            cwd=folder,
            env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"},
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    if result.returncode != 0:
        return None
    # --line-porcelain repeats every header for every line, so each line has its own author-time.
    times = [int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith(b"author-time ")]
    return times or None


def tracked_files(folder: Path) -> list[str] | None:
    """The files git tracks in the working tree holding ``folder`` (paths relative to ``folder``).

    None when ``folder`` is not in a git working tree (or git is missing): the caller walks the
    folder instead. ``-z`` keeps names with newlines or quotes as they are.
    """
    try:
        result = _git(["ls-files", "-z", "--cached", "--", "."], folder)
    except InputError:
        return None
    if result.returncode != 0:
        return None
    return [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def tracked_root(folder: Path) -> Path:
    """The root of the git working tree holding ``folder``, or ``folder`` itself outside one."""
    try:
        result = _git(["rev-parse", "--show-toplevel"], folder)
    except InputError:
        return folder
    return Path(result.stdout.decode("utf-8").strip()) if result.returncode == 0 else folder

"""The team's workflow, wired by ``mdports init``: each function returns the step it would take, or None.

- ``.gitattributes``: ``docs/PORT_SCHEMA.md merge=mdports``, appended (the file's other lines kept).
- The merge driver, in this clone's ``.git/config`` (git never takes it from the repository):
  :data:`MERGE_DRIVER` runs ``mdports merge`` and, where ``mdports`` is not on ``PATH``, git's
  own ``git merge-file``, which writes conflict markers and exits non-zero. A bare
  ``mdports merge`` driver would fail there with "command not found", and git would keep "ours"
  for a ``git add`` to drop the other side's rows without a word.
- A hook in the repository's own system: an entry in the ``lint-staged`` table of
  ``package.json`` (inserted as one line, the rest of the file byte for byte), else a
  ``.pre-commit-config.yaml`` (created, or a ``repos:`` item appended when ``repos`` is its last key).
- A workflow ``.github/workflows/mdports.yml`` when the repository has ``.github/workflows``.

A step that cannot be taken safely (a ``lint-staged.config.js``, which is code) is a note with
the line to add by hand, never a guess.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from ..files.reading import read_text
from ..readonly import readonly
from ..version import __version__

DRIVER_NAME = "mdports port schema merge"
# %O %A %B %P %L are git's (base, ours = the result, theirs, path, marker size); git quotes them.
MERGE_DRIVER = (
    "sh -c 'if command -v mdports >/dev/null 2>&1; "
    'then exec mdports merge "$1" "$2" "$3" --path "$4" --marker-size "$5"; '
    'else echo "mdports not found: merging $4 as text" >&2; '
    'exec git merge-file --marker-size="$5" -L ours -L base -L theirs "$2" "$1" "$3"; fi\' '
    "mdports-merge %O %A %B %P %L"
)
HOOK_COMMAND = "mdports validate"
PRE_COMMIT_REPO = "https://github.com/OWNER/mdports"  # where the team's mdports comes from (see docs/release.md)
PRE_COMMIT_REV = f"v{__version__}"  # the release tag of this mdports
_LINT_STAGED_CONFIGS = re.compile(r"(?:lint-staged\.config\.[cm]?[jt]s|\.lintstagedrc(?:\.[a-z]+)?)")


@readonly
class Step:
    """One thing ``init`` does: create or change a file, set git configuration, or a note for a person."""

    action: str  # "create", "edit", "git-config", "note"
    path: str  # a file relative to the root, or the git configuration key
    what: str  # one line for people
    text: str | None = None  # the new content of the file (create/edit)
    value: str | None = None  # git-config: the value


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def is_repository(root: Path) -> bool:
    try:
        return _git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"
    except FileNotFoundError:
        return False


def gitattributes(root: Path, document: str) -> Step | None:
    """The ``merge=mdports`` line for the document, unless ``.gitattributes`` has it."""
    path = root / ".gitattributes"
    line = f"{_attribute_path(document)} merge=mdports"
    old = read_text(path) if path.exists() else ""
    if any(existing.split() == line.split() for existing in old.splitlines()):
        return None
    newline = "\r\n" if "\r\n" in old else "\n"
    text = old + ("" if not old or old.endswith("\n") else newline) + line + newline
    return Step("edit" if old else "create", ".gitattributes", f"merge {document} with mdports", text)


def _attribute_path(document: str) -> str:
    # A pattern with a slash is anchored at the folder of .gitattributes; a space would split it.
    return document.replace(" ", "[[:space:]]")


def merge_driver(root: Path) -> list[Step]:
    """``merge.mdports.driver`` and ``.name`` in this clone's configuration, unless already set."""
    steps: list[Step] = []
    for key, value in (("merge.mdports.name", DRIVER_NAME), ("merge.mdports.driver", MERGE_DRIVER)):
        current = _git(root, "config", "--local", "--get", key)
        if current.returncode == 0 and current.stdout.rstrip("\n") == value:
            continue
        if current.returncode == 0 and key.endswith("driver"):
            steps.append(Step("note", key, f"left as set ({current.stdout.strip()}); ours: {value}"))
            continue
        why = "set for this clone (git never takes drivers from the repository)"
        steps.append(Step("git-config", key, why, value=value))
    return steps


def hook(root: Path, document: str) -> Step | None:
    """An entry for the document in lint-staged, else in pre-commit (see the module's docstring)."""
    package = root / "package.json"
    configs = sorted(p.name for p in root.iterdir() if _LINT_STAGED_CONFIGS.fullmatch(p.name))
    if package.is_file():
        text = read_text(package)
        try:
            data = json.loads(text)
        except ValueError as exc:
            return Step("note", "package.json", f"not valid JSON ({exc}): add the lint-staged entry by hand")
        if isinstance(data, dict) and isinstance(data.get("lint-staged"), dict):
            if document in data["lint-staged"]:
                return None
            return _lint_staged_entry(text, data, document)
    if configs:
        entry = f'"{document}": "{HOOK_COMMAND}"'
        return Step("note", configs[0], f"add {entry} to {configs[0]} (it is code; mdports does not edit it)")
    return _pre_commit(root, document)


def _lint_staged_entry(text: str, data: dict[str, object], document: str) -> Step | None:
    """package.json with one line inserted after ``"lint-staged": {``, checked by reading it back."""
    opening = re.search(r'"lint-staged"\s*:\s*\{([ \t]*)(\r?\n)([ \t]*)', text)
    if opening is None:
        return Step("note", "package.json", f'add "{document}": "{HOOK_COMMAND}" to its "lint-staged" table')
    newline, indent = opening.group(2), opening.group(3)
    empty = text[opening.end() :].lstrip().startswith("}")
    entry = f"{json.dumps(document)}: {json.dumps(HOOK_COMMAND)}" + ("" if empty else ",")
    new = text[: opening.end() - len(indent)] + indent + entry + newline + text[opening.end() - len(indent) :]
    expected = dict(data)
    expected["lint-staged"] = {document: HOOK_COMMAND, **data["lint-staged"]}  # type: ignore[dict-item]
    if json.loads(new) != expected:  # pragma: no cover - the insertion is checked, never trusted
        return Step("note", "package.json", f'add "{document}": "{HOOK_COMMAND}" to its "lint-staged" table')
    return Step("edit", "package.json", f"lint-staged runs `{HOOK_COMMAND}` when {document} is staged", new)


_PRE_COMMIT_ITEM = """\
  - repo: {repo}  # where your mdports comes from (docs/release.md)
    rev: {rev}
    hooks:
      - id: mdports-validate
"""


def _pre_commit(root: Path, document: str) -> Step | None:
    import yaml

    path = root / ".pre-commit-config.yaml"
    item = _PRE_COMMIT_ITEM.format(repo=PRE_COMMIT_REPO, rev=PRE_COMMIT_REV)
    if not path.exists():
        return Step("create", ".pre-commit-config.yaml", "pre-commit runs mdports-validate", "repos:\n" + item)
    old = read_text(path)
    if "mdports-validate" in old:
        return None
    manual = Step("note", ".pre-commit-config.yaml", "add the mdports-validate hook to its repos (see docs/init.md)")
    try:
        data = yaml.safe_load(old)
    except yaml.YAMLError:
        return manual
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list) or list(data)[-1] != "repos":
        return manual
    new = old + ("" if old.endswith("\n") else "\n") + item
    try:
        again = yaml.safe_load(new)
    except yaml.YAMLError:
        return manual
    if again.get("repos", [])[:-1] != data["repos"] or len(again["repos"]) != len(data["repos"]) + 1:
        return manual  # the list is indented otherwise: appending would not extend it
    return Step("edit", ".pre-commit-config.yaml", "pre-commit runs mdports-validate", new)


WORKFLOW = """\
# Written by `mdports init`: checks the port document on every pull request.
name: Port schema
on:
  pull_request:
    paths: [{document}, ".mdports.toml"]
permissions:
  contents: read
  pull-requests: write
jobs:
  ports:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: OWNER/mdports@v1  # OWNER: where your mdports comes from (docs/release.md)
        with:
          document: {document}
"""


def workflow(root: Path, document: str) -> Step | None:
    """``.github/workflows/mdports.yml`` when the repository keeps workflows and has none of ours."""
    folder = root / ".github" / "workflows"
    if not folder.is_dir() or (folder / "mdports.yml").exists():
        return None
    text = WORKFLOW.format(document=json.dumps(document))
    return Step("create", ".github/workflows/mdports.yml", "a pull request check of the document", text)

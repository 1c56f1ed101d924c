"""What ``mdports init`` will do in a repository, every step decided first, and the configuration it writes.

:func:`make_plan` reads and decides; it writes nothing, so ``--dry-run`` prints exactly the
steps a real run takes. :func:`carry_out` writes the files all or none
(:func:`~mdports.files.writing.write_all`) and then sets the merge driver in this clone's git
configuration. Run again, a plan has no step left: every step checks what is already there.

The configuration is written for a person to read and edit: each discovered file, and why, as a
TOML comment; the unnamed host's files as top-level keys, each named host as a ``[hosts.NAME]``
table, one file a line. In a Python project (a ``pyproject.toml`` with a ``[project]`` or
``[tool.poetry]`` table) the same keys go into ``[tool.mdports]``, appended at the end of the
file and checked: the file read back must be the old one plus exactly that table.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from ..deploy.deployment import Kind
from ..deploy.discover import Discovery, Found, discover
from ..errors import RefusedError
from ..files.config import CONFIG_FILES, DEFAULT_DOCUMENT, find_config
from ..files.reading import read_text
from ..readonly import readonly
from ..records import JSON_VERSION
from . import wiring
from .wiring import Step

_KINDS: tuple[Kind, ...] = ("compose", "env", "prometheus", "cloudflared", "kubernetes")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MAX_SKIPPED = 20  # listed in comments; more are counted


def _string(text: str) -> str:
    r"""A TOML basic string: quote, backslash, control and invisible format characters escaped.

    Not ``json.dumps``: it writes a character beyond the BMP as a surrogate pair, which TOML refuses.

    >>> print(_string('a"b\\c\x7f\u202e\U0001f600'))
    "a\"b\\c\u007F\u202E😀"
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif _hidden(char):
            out.append(f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _hidden(char: str) -> bool:
    """A control character, or one that is invisible or changes how its neighbours are shown."""
    return ord(char) < 0x20 or ord(char) == 0x7F or unicodedata.category(char) in _HIDDEN


def _comment(text: str) -> str:
    """A comment's text: one line, hidden characters as ``?`` (a line break would end the comment)."""
    return "".join("?" if _hidden(char) else char for char in text)


def _keys(files: Iterable[Found]) -> list[str]:
    lines: list[str] = []
    chosen = list(files)
    for kind in _KINDS:
        group = [found for found in chosen if found.kind == kind]
        if not group:
            continue
        lines.append(f"{kind} = [")
        lines += [f"    {_string(found.path)},  # {_comment(found.reason)}" for found in group]
        lines.append("]")
    return lines


def render(found: Discovery, *, prefix: str = "", document: str | None = None) -> str:
    """The configuration's text; ``prefix`` is ``"tool.mdports"`` inside a pyproject.toml."""
    where = "the files git tracks" if found.tracked else "the files of this folder (not a git repository)"
    lines = [
        f"# mdports configuration, written by `mdports init` from {where}.",
        "# Each deployment file says why it was chosen. Edit freely; `mdports drift` reads these files.",
        "# Folders skipped: node_modules, vendor, .venv, build output (mdports/deploy/discover.py).",
    ]
    if prefix:
        lines.append(f"[{prefix}]")
    if document is not None:
        lines += [f"# The port document{' (written from the deployment)' if document != found.document else ''}."]
        lines.append(f"file = {_string(document)}")
    unnamed = [f for f in found.files if not f.host]
    if unnamed:
        lines += ["", "# The unnamed host: base compose files, their overrides, and every file no host name claims."]
        lines += _keys(unnamed)
    for host in sorted({f.host for f in found.files if f.host}):
        table = f"{prefix}.hosts.{host}" if prefix else f"hosts.{host}"
        lines += ["", f"[{table}]", f"# Host {host!r}: the same port here and on another host is no clash."]
        lines += _keys(f for f in found.files if f.host == host)
    if found.skipped:
        lines += ["", "# YAML files that are no deployment file of a kind mdports reads:"]
        lines += [f"#   {_comment(path)}: {_comment(why)}" for path, why in found.skipped[:_MAX_SKIPPED]]
        if len(found.skipped) > _MAX_SKIPPED:
            lines.append(f"#   ... and {len(found.skipped) - _MAX_SKIPPED} more")
    if not found.files:
        lines += ["", "# No deployment files were found: add compose, prometheus, env, cloudflared or kubernetes keys."]
    return "\n".join(lines) + "\n"


@readonly
class Parts:
    """The parts of ``init`` to do (each can be switched off: ``--no-hook``, ...)."""

    config: bool = True
    document: bool = True
    gitattributes: bool = True
    merge_driver: bool = True
    hook: bool = True
    workflow: bool = True


@readonly
class Plan:
    """The discovery and the steps that follow from it."""

    found: Discovery
    document: str  # the port document's path, relative to the root
    steps: tuple[Step, ...]
    ports: int = 0  # rows of a document written from the deployment
    notes: tuple[str, ...] = field(default=())

    def to_dict(self, *, dry_run: bool) -> dict[str, Any]:
        hosts: dict[str, list[dict[str, str]]] = {}
        for found in self.found.files:
            hosts.setdefault(found.host, []).append({"path": found.path, "kind": found.kind, "reason": found.reason})
        return {
            "version": JSON_VERSION,
            "root": str(self.found.root),
            "tracked": self.found.tracked,
            "document": self.document,
            "dry_run": dry_run,
            "hosts": [{"name": name, "files": files} for name, files in sorted(hosts.items())],
            "skipped": [{"path": path, "reason": why} for path, why in self.found.skipped],
            "steps": [{"action": s.action, "path": s.path, "what": s.what} for s in self.steps],
        }


def make_plan(root: Path, parts: Parts, *, today: datetime.date, document: str | None = None) -> Plan:
    """Every step ``init`` takes in ``root`` (nothing is written)."""
    found = discover(root)
    existing = find_config(root)
    own_config = existing is not None and existing.parent.resolve() == root.resolve()
    chosen = document or _configured_document(existing) if own_config else document
    path = chosen or found.document or DEFAULT_DOCUMENT.as_posix()
    steps: list[Step] = []
    ports = 0
    if parts.config:
        step = _config_step(root, found, path, existing if own_config else None)
        if step is not None:
            steps.append(step)
    if parts.document and not (root / path).exists() and found.files:
        text, ports = _bootstrap(root, found, today)
        steps.append(Step("create", path, f"the port document, {ports} port(s) from {len(found.files)} file(s)", text))
    if wiring.is_repository(root):
        if parts.gitattributes:
            steps += [s for s in [wiring.gitattributes(root, path)] if s is not None]
        if parts.merge_driver:
            steps += wiring.merge_driver(root)
    if parts.hook:
        steps += [s for s in [wiring.hook(root, path)] if s is not None]
    if parts.workflow:
        steps += [s for s in [wiring.workflow(root, path)] if s is not None]
    return Plan(found, path, tuple(steps), ports)


def _configured_document(config: Path | None) -> str | None:
    from ..files.config import load_config

    if config is None:
        return None
    loaded = load_config(path=config)
    if loaded.file is None:
        return None
    return os.path.relpath(loaded.file, config.parent).replace(os.sep, "/")


def _config_step(root: Path, found: Discovery, document: str, existing: Path | None) -> Step | None:
    """The configuration to write, or None when the repository has one (it is the team's now)."""
    if existing is not None:
        return None
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and _is_python_project(pyproject):
        old = read_text(pyproject)
        table = render(found, prefix="tool.mdports", document=document)
        new = old + ("" if old.endswith("\n") else "\n") + "\n" + table
        _check_appended(old, new, pyproject)
        return Step("edit", "pyproject.toml", f"[tool.mdports]: {_summary(found)}", new)
    text = render(found, document=document)
    return Step("create", CONFIG_FILES[0], _summary(found), text)


def _summary(found: Discovery) -> str:
    hosts = sorted({f.host or "(unnamed)" for f in found.files})
    return f"{len(found.files)} deployment file(s) on {len(hosts)} host(s): {', '.join(hosts) or 'none'}"


def _is_python_project(path: Path) -> bool:
    from ..files.config import _load_toml

    data = _load_toml(path)
    tool = data.get("tool")
    return "project" in data or (isinstance(tool, dict) and "poetry" in tool)


def _check_appended(old: str, new: str, path: Path) -> None:
    """The pyproject read back must be the old one plus ``[tool.mdports]``, nothing else."""
    from ..files.config import _load_toml

    before = _load_toml(path)
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 only
        import tomli as tomllib
    try:
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise RefusedError(f"[tool.mdports] cannot be appended ({exc})", path="pyproject.toml") from None
    tool = after.get("tool", {})
    mdports = tool.pop("mdports", None) if isinstance(tool, dict) else None
    if not tool and "tool" not in before:
        after.pop("tool", None)
    if mdports is None or after != before:
        raise RefusedError(
            "appending [tool.mdports] would change its other tables",
            path=str(path),
            hint="write a .mdports.toml instead: run `mdports init --dry-run` and copy the configuration it shows",
        )


def _bootstrap(root: Path, found: Discovery, today: datetime.date) -> tuple[str, int]:
    from ..deploy.bootstrap import host_ports, render
    from ..deploy.deployment import load_hosts

    # The records name files relative to the root, as the document should: given by their text.
    texts = {f.path: read_text(root / f.path) for f in found.files}
    deployed = load_hosts(found.hosts(), texts)
    ports = sum(len(rows) for rows in host_ports(deployed).values())
    return render(deployed, today), ports


def carry_out(root: Path, plan: Plan) -> list[str]:
    """Take the plan's steps: the files all or none, then the git configuration. What was done.

    New files are created first (exclusively: one that appeared since the plan is not
    overwritten), then the changed ones are replaced together; a failure removes the new files.
    """
    from ..files.writing import write_all

    created: list[Path] = []
    try:
        for step in plan.steps:
            if step.action == "create" and step.text is not None:
                target = root / step.path
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "x", encoding="utf-8", newline="") as handle:
                    created.append(target)
                    handle.write(step.text)
        edits = [(str(root / s.path), s.text, s.path) for s in plan.steps if s.action == "edit" and s.text is not None]
        write_all(edits)
    except FileExistsError as exc:
        for target in created:
            target.unlink()
        raise RefusedError("appeared since the plan was made; nothing was written", path=str(exc.filename)) from None
    except BaseException:
        for target in created:
            target.unlink()
        raise
    done = [f"{s.action} {s.path}" for s in plan.steps if s.text is not None]
    for step in plan.steps:
        if step.action == "git-config" and step.value is not None:
            subprocess.run(["git", "config", "--local", step.path, step.value], cwd=root, check=True)
            done.append(f"git config {step.path}")
    return done

"""What ``mdports init`` will do in a repository: every step decided first, then shown or taken.

:func:`make_plan` reads and decides; it writes nothing, so ``--dry-run`` prints exactly the
steps a real run takes. :func:`carry_out` writes the files all or none
(:func:`~mdports.files.writing.write_all`) and then sets the merge driver in this clone's git
configuration. Run again, a plan has no step left: every step checks what is already there.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..deploy.discover import Discovery, discover
from ..errors import RefusedError
from ..files.config import CONFIG_FILES, DEFAULT_DOCUMENT, find_config
from ..files.reading import read_text
from ..records import JSON_VERSION
from . import configuration, wiring
from .wiring import Step


@dataclass(frozen=True)
class Parts:
    """The parts of ``init`` to do (each can be switched off: ``--no-hook``, ...)."""

    config: bool = True
    document: bool = True
    gitattributes: bool = True
    merge_driver: bool = True
    hook: bool = True
    workflow: bool = True


@dataclass(frozen=True)
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
        table = configuration.render(found, prefix="tool.mdports", document=document)
        new = old + ("" if old.endswith("\n") else "\n") + "\n" + table
        _check_appended(old, new, pyproject)
        return Step("edit", "pyproject.toml", f"[tool.mdports]: {_summary(found)}", new)
    text = configuration.render(found, document=document)
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
    from ..deploy.load import load_hosts

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

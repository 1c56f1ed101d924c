"""``[tool.mdports]`` in ``pyproject.toml``, and finding the document to work on."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

DEFAULT_DOCUMENT = Path("docs") / "PORT_SCHEMA.md"


@dataclass(frozen=True)
class Config:
    """Project settings; every field has a safe default so a bare repository works."""

    file: Path | None = None
    ignore: frozenset[str] = frozenset()  # rule ids or names never reported
    accept: tuple[tuple[str, int], ...] = ()  # (rule id or name, port) pairs accepted as known
    strict: bool = False
    compose: tuple[Path, ...] = ()
    prometheus: tuple[Path, ...] = ()
    env: tuple[Path, ...] = ()
    lock_timeout: float = 30.0  # seconds a writer waits for another one's lock on the document
    source: Path | None = None  # the pyproject.toml it came from
    extra: dict[str, Any] = field(default_factory=dict)


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read configuration: {exc}", path=str(path)) from None


def _strings(value: Any, key: str, source: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise UsageError(f"[tool.mdports] {key} must be a string or a list of strings", path=str(source))


def _accept_pairs(value: Any, source: Path) -> tuple[tuple[str, int], ...]:
    """``accept = ["MP101:5432", {rule = "port-out-of-range", port = 6379}]``."""
    pairs: list[tuple[str, int]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and ":" in item:
            rule, _, port = item.rpartition(":")
        elif isinstance(item, dict) and {"rule", "port"} <= item.keys():
            rule, port = str(item["rule"]), str(item["port"])
        else:
            raise UsageError(
                f"[tool.mdports] accept entry {item!r} is not 'RULE:PORT' or {{rule, port}}", path=str(source)
            )
        if not port.strip().isdigit():
            raise UsageError(f"[tool.mdports] accept entry {item!r} has no port number", path=str(source))
        pairs.append((rule.strip(), int(port)))
    return tuple(pairs)


def lock_timeout(value: Any, source: str | None = None) -> float:
    """Seconds to wait for the document's lock: a number from 0 (do not wait) up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        where = "[tool.mdports] lock-timeout" if source else "--lock-timeout"
        raise UsageError(f"{where} must be a number of seconds, 0 or more (got {value!r})", path=source)
    return float(value)


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.mdports]`` table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and b"[tool.mdports" in candidate.read_bytes():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """Read ``[tool.mdports]`` from the nearest ``pyproject.toml`` (defaults when there is none)."""
    source = find_pyproject(start or Path.cwd())
    if source is None:
        return Config()
    table = _load_toml(source).get("tool", {}).get("mdports", {})
    if not isinstance(table, dict):
        raise UsageError("[tool.mdports] must be a table", path=str(source))
    base = source.parent

    def paths(key: str) -> tuple[Path, ...]:
        return tuple(base / item for item in _strings(table.get(key, []), key, source))

    known = {"file", "ignore", "accept", "strict", "compose", "prometheus", "env", "lock-timeout"}
    return Config(
        file=base / str(table["file"]) if "file" in table else None,
        ignore=frozenset(_strings(table.get("ignore", []), "ignore", source)),
        accept=_accept_pairs(table.get("accept", []), source),
        strict=bool(table.get("strict", False)),
        compose=paths("compose"),
        prometheus=paths("prometheus"),
        env=paths("env"),
        lock_timeout=lock_timeout(table.get("lock-timeout", 30.0), str(source)),
        source=source,
        extra={key: value for key, value in table.items() if key not in known},
    )


def find_document(config: Config, start: Path | None = None) -> Path:
    """The configured document, else ``docs/PORT_SCHEMA.md`` in the nearest folder upwards."""
    if config.file is not None:
        return config.file
    here = start or Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_DOCUMENT
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no {DEFAULT_DOCUMENT} found in {here} or above",
        hint="pass --file PATH or set [tool.mdports] file = '...' in pyproject.toml",
    )


def display_path(path: Path) -> str:
    """A path as users want it in messages: relative to the current folder, like ruff and git."""
    if not path.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)

"""``[tool.mdports]`` in ``pyproject.toml``, and finding the document to work on."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

DEFAULT_DOCUMENT = Path("docs") / "PORT_SCHEMA.md"


_FILE_KEYS = ("compose", "prometheus", "env", "cloudflared", "kubernetes")


@dataclass(frozen=True)
class HostConfig:
    """``[tool.mdports.hosts.NAME]``: one machine's deployment files and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()
    compose: tuple[Path, ...] = ()
    prometheus: tuple[Path, ...] = ()
    env: tuple[Path, ...] = ()
    cloudflared: tuple[Path, ...] = ()
    kubernetes: tuple[Path, ...] = ()  # manifest files or folders


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
    cloudflared: tuple[Path, ...] = ()
    kubernetes: tuple[Path, ...] = ()
    hosts: tuple[HostConfig, ...] = ()  # named hosts; the top-level files above are one unnamed host
    aliases: dict[str, str] = field(default_factory=dict)  # deployment name -> document entry
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


def _hosts(value: Any, base: Path, source: Path) -> tuple[HostConfig, ...]:
    """``[tool.mdports.hosts.NAME]`` tables: ``address``/``addresses`` and the file keys."""
    if not isinstance(value, dict):
        raise UsageError("[tool.mdports.hosts] must be a table of hosts ([tool.mdports.hosts.NAME])", path=str(source))
    hosts: list[HostConfig] = []
    for name, table in value.items():
        where = f"hosts.{name}"
        if not isinstance(table, dict):
            raise UsageError(f"[tool.mdports.{where}] must be a table", path=str(source))
        unknown = set(table) - {"address", "addresses", *_FILE_KEYS}
        if unknown:
            raise UsageError(
                f"[tool.mdports.{where}] has unknown keys: {', '.join(sorted(unknown))}",
                path=str(source),
                hint="use address(es), compose, prometheus, env, cloudflared and kubernetes",
            )
        addresses = _strings(table.get("address", []), f"{where}.address", source)
        addresses += _strings(table.get("addresses", []), f"{where}.addresses", source)
        files = {
            key: tuple(base / item for item in _strings(table.get(key, []), f"{where}.{key}", source))
            for key in _FILE_KEYS
        }
        hosts.append(HostConfig(str(name), tuple(addresses), **files))
    return tuple(hosts)


def _aliases(value: Any, source: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise UsageError(
            '[tool.mdports.aliases] must map deployment names to entry names (gpu-whisper = "mana-stt")',
            path=str(source),
        )
    return {str(key): str(item) for key, item in value.items()}


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

    known = {"file", "ignore", "accept", "strict", "hosts", "aliases", *_FILE_KEYS}
    return Config(
        file=base / str(table["file"]) if "file" in table else None,
        ignore=frozenset(_strings(table.get("ignore", []), "ignore", source)),
        accept=_accept_pairs(table.get("accept", []), source),
        strict=bool(table.get("strict", False)),
        compose=paths("compose"),
        prometheus=paths("prometheus"),
        env=paths("env"),
        cloudflared=paths("cloudflared"),
        kubernetes=paths("kubernetes"),
        hosts=_hosts(table.get("hosts", {}), base, source),
        aliases=_aliases(table.get("aliases", {}), source),
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

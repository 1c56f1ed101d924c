"""The project's configuration, and finding the document to work on.

Settings live in ``.mdports.toml`` or ``mdports.toml`` (top-level keys) or in the
``[tool.mdports]`` table of ``pyproject.toml``. Like ruff, mdports uses the nearest folder,
walking up from the current one, that holds any of them, in that order within one folder; a
JavaScript monorepo needs no ``pyproject.toml``. Paths in the file are relative to its folder.

Every key is declared once in :data:`KEYS`, with its type. A mistake is an error, never
silence: an unknown key, a value of the wrong type or an unknown rule exits 2 naming the
file, the key and the closest valid spelling.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError, did_you_mean
from ..model.ports import PortRange, PortSyntaxError, parse_span
from ..model.sections import slugify
from ..model.vocabulary import DEFAULT, ListPolicy, Vocabulary
from ..rules.findings import LINUX_EPHEMERAL, WINDOWS_DYNAMIC, Settings
from .reading import read_bytes, read_text

DEFAULT_DOCUMENT = Path("docs") / "PORT_SCHEMA.md"
# Looked for in each folder, in this order; a pyproject.toml counts only with a [tool.mdports] table.
CONFIG_FILES = (".mdports.toml", "mdports.toml", "pyproject.toml")


@dataclass(frozen=True)
class HostConfig:
    """``[hosts.NAME]``: one machine's deployment files and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()
    compose: tuple[Path, ...] = ()
    prometheus: tuple[Path, ...] = ()
    env: tuple[Path, ...] = ()
    cloudflared: tuple[Path, ...] = ()
    kubernetes: tuple[Path, ...] = ()  # manifest files or folders


@dataclass(frozen=True)
class Config(Settings):
    """Project settings; every field has a safe default so a bare repository works.

    The fields the checks read (``ignore``, ``accept``, the known-risky ports) are those of
    :class:`~mdports.rules.findings.Settings`, which a Config is: the checks see only them.
    """

    file: Path | None = None
    strict: bool = False
    compose: tuple[Path, ...] = ()
    prometheus: tuple[Path, ...] = ()
    env: tuple[Path, ...] = ()
    cloudflared: tuple[Path, ...] = ()
    kubernetes: tuple[Path, ...] = ()
    hosts: tuple[HostConfig, ...] = ()  # named hosts; the top-level files above are one unnamed host
    aliases: dict[str, str] = field(default_factory=dict)  # deployment name -> document entry
    port_columns: tuple[str, ...] = ()  # headers of one's own that are port columns
    service_columns: tuple[str, ...] = ()  # headers of one's own that are service columns
    running_lists: ListPolicy = field(default_factory=ListPolicy)  # which lists of running ports to read, by heading
    lock_timeout: float = 30.0  # seconds a writer waits for another one's lock on the document
    source: Path | None = None  # the file it came from
    table: dict[str, Any] = field(default_factory=dict, repr=False)  # the raw settings, as read


# --- value readers: each checks one type and says what it expected -------------------------------


class _Invalid(Exception):
    """A value of the wrong type; the loader adds the file and the key."""


def _bool(value: Any, base: Path) -> bool:
    # `strict = "false"` is a string: bool("false") is True, the opposite of what was meant.
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, not {_shown(value)}")
    return value


def _string(value: Any, base: Path) -> str:
    if not isinstance(value, str) or not value:
        raise _Invalid(f"must be a non-empty string, not {_shown(value)}")
    return value


def _strings(value: Any, base: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise _Invalid(f"must be a string or a list of strings, not {_shown(value)}")


def _accept_pairs(value: Any, base: Path) -> tuple[tuple[str, int], ...]:
    """``accept = ["MP101:5432", {rule = "port-out-of-range", port = 6379}]``."""
    pairs: list[tuple[str, int]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and ":" in item:
            rule, _, port = item.rpartition(":")
        elif isinstance(item, dict) and set(item) == {"rule", "port"}:
            rule, port = str(item["rule"]), str(item["port"])
        else:
            raise _Invalid(f"entry {_shown(item)} is not 'RULE:PORT' or {{rule = ..., port = ...}}")
        port = port.strip()
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise _Invalid(f"entry {_shown(item)} has no port number 1..65535")
        pairs.append((rule.strip(), int(port)))
    return tuple(pairs)


def _seconds(value: Any, base: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise _Invalid(f"must be a number of seconds, 0 or more, not {_shown(value)}")
    return float(value)


def lock_timeout(value: float) -> float:
    """``--lock-timeout SECONDS`` checked like the ``lock-timeout`` key (a UsageError otherwise)."""
    try:
        return _seconds(value, Path())
    except _Invalid as exc:
        raise UsageError(f"--lock-timeout {exc}") from None


def _path(value: Any, base: Path) -> Path:
    return base / _string(value, base)


def _paths(value: Any, base: Path) -> tuple[Path, ...]:
    return tuple(base / item for item in _strings(value, base))


_HOST_FILES = ("compose", "prometheus", "env", "cloudflared", "kubernetes")


def _hosts(value: Any, base: Path) -> tuple[HostConfig, ...]:
    """``[hosts.NAME]`` tables: ``address``/``addresses`` and the deployment file keys."""
    if not isinstance(value, dict):
        raise _Invalid("must be a table of hosts ([hosts.NAME])")
    hosts: list[HostConfig] = []
    for name, table in value.items():
        if not isinstance(table, dict):
            raise _Invalid(f".{name} must be a table")
        keys = ("address", "addresses", *_HOST_FILES)
        for key in table:
            if key not in keys:
                raise _Invalid(f".{name}: unknown key {key!r}{did_you_mean(key, keys)}")
        try:
            addresses = _strings(table.get("address", []), base) + _strings(table.get("addresses", []), base)
            files = {key: _paths(table.get(key, []), base) for key in _HOST_FILES}
        except _Invalid as exc:
            raise _Invalid(f".{name}: {exc}") from None
        hosts.append(HostConfig(str(name), addresses, **files))
    return tuple(hosts)


def _aliases(value: Any, base: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) and item for item in value.values()):
        raise _Invalid('must map deployment names to entry names (gpu-whisper = "mana-stt")')
    return {str(key): str(item) for key, item in value.items()}


def _running_lists(value: Any, base: Path) -> ListPolicy:
    """``running-lists``: false (no list), a heading or a list of headings (read), or a table of both."""
    if isinstance(value, bool):
        return ListPolicy((), value)
    if isinstance(value, (str, list)):
        return ListPolicy(tuple((slugify(heading), True) for heading in _strings(value, base)))
    if isinstance(value, dict) and all(isinstance(item, bool) for item in value.values()):
        return ListPolicy(tuple((slugify(str(heading)), item) for heading, item in value.items()))
    raise _Invalid(f"must be true/false, headings, or a table of heading = true/false, not {_shown(value)}")


PLATFORMS = ("linux", "macos", "windows")


def _span(value: Any, base: Path) -> PortRange:
    if not isinstance(value, str):
        raise _Invalid(f'must be a range such as "32768-60999", not {_shown(value)}')
    try:
        return parse_span(value)
    except PortSyntaxError as exc:
        raise _Invalid(f"cannot be read: {exc}") from None


def _spans(value: Any, base: Path) -> tuple[PortRange, ...]:
    return tuple(_span(item, base) for item in ([value] if isinstance(value, str) else _list(value)))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(f"must be a list of ranges, not {_shown(value)}")
    return value


def _platforms(value: Any, base: Path) -> frozenset[str]:
    names = _strings(value, base) if value != [] else ()
    names = tuple(name.lower() for name in names)
    unknown = [name for name in names if name not in PLATFORMS]
    if unknown:
        raise _Invalid(f"names an unknown platform {unknown[0]!r}{did_you_mean(unknown[0], PLATFORMS)}")
    return frozenset(names)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Key:
    """One configuration key: how its value is read, and what it is for (shown in errors).

    ``read(value, folder)`` checks the value; relative paths are taken from ``folder``, the
    configuration file's. ``value`` (what a value looks like) and ``default`` are for people:
    ``docs/configuration.md`` is generated from this table.
    """

    read: Callable[[Any, Path], Any]
    help: str
    value: str = ""
    default: str = ""


_FILES = "a path or a list of paths"
KEYS: dict[str, Key] = {
    "file": Key(
        _path,
        "the port document, e.g. 'docs/PORT_SCHEMA.md'",
        "a path",
        "docs/PORT_SCHEMA.md, here or in a folder above",
    ),
    "strict": Key(_bool, "fail on warnings too", "true or false", "false"),
    "ignore": Key(_strings, "rule ids or names never reported", "a rule or a list of rules (id or name)", "[]"),
    "accept": Key(
        _accept_pairs,
        "known exceptions, 'RULE:PORT'",
        "a list of 'RULE:PORT' or {rule = ..., port = ...}",
        "[]",
    ),
    "compose": Key(_paths, "docker compose files for drift", _FILES, "[]"),
    "prometheus": Key(_paths, "Prometheus configuration files for drift", _FILES, "[]"),
    "env": Key(_paths, "env files with NAME_PORT=NNNN for drift", _FILES, "[]"),
    "cloudflared": Key(_paths, "Cloudflare Tunnel configuration files for drift", _FILES, "[]"),
    "kubernetes": Key(_paths, "Kubernetes manifest files or folders for drift", _FILES, "[]"),
    "hosts": Key(
        _hosts,
        "[hosts.NAME] tables: address(es) and deployment files per machine",
        "tables with address, addresses and the five file keys above",
        "none: the top-level files are one unnamed host",
    ),
    "aliases": Key(_aliases, "deployment name = document entry", 'a table, gpu-whisper = "mana-stt"', "{}"),
    "port-columns": Key(
        _strings, "headers of your own that name the port column", "a header or a list of headers", "[]"
    ),
    "service-columns": Key(
        _strings, "headers of your own that name the service column", "a header or a list of headers", "[]"
    ),
    "running-lists": Key(
        _running_lists,
        "headings whose lists of running ports to read (true) or not (false)",
        "true/false, a heading, a list of headings, or a table of heading = true/false",
        "a list is read when most of its items name a service and its port",
    ),
    "lock-timeout": Key(
        _seconds,
        "seconds a writer waits for another writer's lock (default 30)",
        "a number of seconds, 0 or more",
        "30",
    ),
    "ephemeral-range": Key(
        _span,
        "the Linux ephemeral port range (MP115)",
        "a span, 'LOW-HIGH'",
        '"32768-60999"',
    ),
    "platforms": Key(
        _platforms,
        "platforms the services run on: linux, macos, windows (MP117, MP118)",
        "a platform or a list of platforms",
        "[] (MP117 and MP118 are off)",
    ),
    "windows-excluded-ranges": Key(
        _spans,
        "port ranges Windows/Hyper-V excludes (MP118)",
        "a list of spans, 'LOW-HIGH'",
        '["49152-65535"]',
    ),
}


# --- discovery and loading ----------------------------------------------------------------------


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(read_text(display_path(path)))  # bounded like a document
        return data
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"is not valid TOML: {exc}", path=display_path(path)) from None


def _table(path: Path) -> dict[str, Any] | None:
    """The mdports settings in ``path``: the whole file, or ``[tool.mdports]`` of a pyproject."""
    data = _load_toml(path)
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    table = tool.get("mdports") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise UsageError("[tool.mdports] must be a table", path=display_path(path))
    return table


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (see the module's docstring)."""
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            # A pyproject.toml without our table is someone else's: keep looking upwards.
            if name != "pyproject.toml" or b"[tool.mdports" in read_bytes(display_path(candidate)):
                return candidate
    return None


def load_config(start: Path | None = None, *, path: Path | None = None) -> Config:
    """The configuration at ``path`` (``--config``), else the nearest one; defaults when none."""
    source = path if path is not None else find_config(start or Path.cwd())
    if source is None:
        return Config()
    if path is not None and not path.is_file():
        raise UsageError("no such configuration file", path=display_path(path))
    table = _table(source)
    return Config() if table is None else from_table(table, source)


def from_table(table: dict[str, Any], source: Path) -> Config:
    """Check every key of ``table`` and build the :class:`Config` it describes."""
    prefix = "[tool.mdports] " if source.name == "pyproject.toml" else ""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        spec = KEYS.get(key)
        if spec is None:
            raise UsageError(
                f"unknown configuration key {prefix}{key!r}{did_you_mean(key, KEYS)}",
                path=display_path(source),
                hint="the keys are " + ", ".join(KEYS),
            )
        try:
            values[key] = spec.read(raw, source.parent)
        except _Invalid as exc:
            # A nested table's message starts with its own name: `hosts.gpu: unknown key ...`.
            where = f"{prefix}{key}" + ("" if str(exc).startswith(".") else " ")
            raise UsageError(f"{where}{exc} ({spec.help})", path=display_path(source)) from None
    from ..rules.catalog import check_rule_names  # deferred: only a configuration that names rules pays

    check_rule_names(values.get("ignore", ()), f"{prefix}ignore", display_path(source))
    check_rule_names((rule for rule, _ in values.get("accept", ())), f"{prefix}accept", display_path(source))
    return Config(
        file=values.get("file"),
        ignore=frozenset(values.get("ignore", ())),
        accept=values.get("accept", ()),
        strict=values.get("strict", False),
        compose=values.get("compose", ()),
        prometheus=values.get("prometheus", ()),
        env=values.get("env", ()),
        cloudflared=values.get("cloudflared", ()),
        kubernetes=values.get("kubernetes", ()),
        hosts=values.get("hosts", ()),
        aliases=values.get("aliases", {}),
        port_columns=values.get("port-columns", ()),
        service_columns=values.get("service-columns", ()),
        running_lists=values.get("running-lists", ListPolicy()),
        lock_timeout=values.get("lock-timeout", 30.0),
        ephemeral_range=values.get("ephemeral-range", LINUX_EPHEMERAL),
        platforms=values.get("platforms", frozenset()),
        windows_excluded_ranges=values.get("windows-excluded-ranges", (WINDOWS_DYNAMIC,)),
        source=source,
        table=dict(table),
    )


def vocabulary(config: Config) -> Vocabulary:
    """How to read the document: the ``port-columns``, ``service-columns`` and ``running-lists`` settings."""
    if not config.port_columns and not config.service_columns and config.running_lists == ListPolicy():
        return DEFAULT
    return dataclasses.replace(
        DEFAULT.extended(config.port_columns, config.service_columns), lists=config.running_lists
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
        hint="pass --file PATH, or set file = '...' in .mdports.toml (or [tool.mdports] in pyproject.toml)",
    )


def display_path(path: Path) -> str:
    """A path as users want it in messages: relative to the current folder, like ruff and git."""
    if not path.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)

"""The project's configuration, and finding the document to work on.

Settings live in ``.mdports.toml`` or ``mdports.toml`` (top-level keys) or in the
``[tool.mdports]`` table of ``pyproject.toml``. Like ruff, mdports uses the nearest folder,
walking up from the current one, that holds any of them, in that order within one folder; a
JavaScript monorepo needs no ``pyproject.toml``. Paths in the file are relative to its folder.

Every key is declared once in :data:`~mdports.files.config_keys.KEYS`, with its type. A mistake is an error, never
silence: an unknown key, a value of the wrong type or an unknown rule exits 2 naming the
file, the key and the closest valid spelling.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import field
from pathlib import Path
from typing import Any

from ..errors import UsageError, did_you_mean
from ..model.vocabulary import DEFAULT, ListPolicy, Vocabulary
from ..readonly import readonly
from ..rules.findings import LINUX_EPHEMERAL, WINDOWS_DYNAMIC, Settings
from .config_keys import KEYS, HostConfig, InvalidValue
from .reading import read_bytes, read_text

DEFAULT_DOCUMENT = Path("docs") / "PORT_SCHEMA.md"
# Looked for in each folder, in this order; a pyproject.toml counts only with a [tool.mdports] table.
CONFIG_FILES = (".mdports.toml", "mdports.toml", "pyproject.toml")


@readonly
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
        except InvalidValue as exc:
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

"""The configuration's keys: each declared once in :data:`KEYS`, with the reader that checks its value.

A mistake is an error, never silence: a value of the wrong type raises :class:`InvalidValue`,
which :func:`mdports.files.config.from_table` reports naming the file, the key and what it
expected. ``docs/configuration.md`` is generated from :data:`KEYS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UsageError, did_you_mean
from ..model.ports import PortRange, PortSyntaxError, parse_span
from ..model.sections import slugify
from ..model.vocabulary import ListPolicy
from ..readonly import readonly


@readonly
class HostConfig:
    """``[hosts.NAME]``: one machine's deployment files and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()
    compose: tuple[Path, ...] = ()
    prometheus: tuple[Path, ...] = ()
    env: tuple[Path, ...] = ()
    cloudflared: tuple[Path, ...] = ()
    kubernetes: tuple[Path, ...] = ()  # manifest files or folders


class InvalidValue(Exception):
    """A value of the wrong type; the loader adds the file and the key."""


def _bool(value: Any, base: Path) -> bool:
    # `strict = "false"` is a string: bool("false") is True, the opposite of what was meant.
    if not isinstance(value, bool):
        raise InvalidValue(f"must be true or false, not {_shown(value)}")
    return value


def _string(value: Any, base: Path) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"must be a non-empty string, not {_shown(value)}")
    return value


def _strings(value: Any, base: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise InvalidValue(f"must be a string or a list of strings, not {_shown(value)}")


def _accept_pairs(value: Any, base: Path) -> tuple[tuple[str, int], ...]:
    """``accept = ["MP101:5432", {rule = "port-out-of-range", port = 6379}]``."""
    pairs: list[tuple[str, int]] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and ":" in item:
            rule, _, port = item.rpartition(":")
        elif isinstance(item, dict) and set(item) == {"rule", "port"}:
            rule, port = str(item["rule"]), str(item["port"])
        else:
            raise InvalidValue(f"entry {_shown(item)} is not 'RULE:PORT' or {{rule = ..., port = ...}}")
        port = port.strip()
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise InvalidValue(f"entry {_shown(item)} has no port number 1..65535")
        pairs.append((rule.strip(), int(port)))
    return tuple(pairs)


def _seconds(value: Any, base: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise InvalidValue(f"must be a number of seconds, 0 or more, not {_shown(value)}")
    return float(value)


def lock_timeout(value: float) -> float:
    """``--lock-timeout SECONDS`` checked like the ``lock-timeout`` key (a UsageError otherwise)."""
    try:
        return _seconds(value, Path())
    except InvalidValue as exc:
        raise UsageError(f"--lock-timeout {exc}") from None


def _path(value: Any, base: Path) -> Path:
    return base / _string(value, base)


def _paths(value: Any, base: Path) -> tuple[Path, ...]:
    return tuple(base / item for item in _strings(value, base))


_HOST_FILES = ("compose", "prometheus", "env", "cloudflared", "kubernetes")


def _hosts(value: Any, base: Path) -> tuple[HostConfig, ...]:
    """``[hosts.NAME]`` tables: ``address``/``addresses`` and the deployment file keys."""
    if not isinstance(value, dict):
        raise InvalidValue("must be a table of hosts ([hosts.NAME])")
    hosts: list[HostConfig] = []
    for name, table in value.items():
        if not isinstance(table, dict):
            raise InvalidValue(f".{name} must be a table")
        keys = ("address", "addresses", *_HOST_FILES)
        for key in table:
            if key not in keys:
                raise InvalidValue(f".{name}: unknown key {key!r}{did_you_mean(key, keys)}")
        try:
            addresses = _strings(table.get("address", []), base) + _strings(table.get("addresses", []), base)
            files = {key: _paths(table.get(key, []), base) for key in _HOST_FILES}
        except InvalidValue as exc:
            raise InvalidValue(f".{name}: {exc}") from None
        hosts.append(HostConfig(str(name), addresses, **files))
    return tuple(hosts)


def _aliases(value: Any, base: Path) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) and item for item in value.values()):
        raise InvalidValue('must map deployment names to entry names (gpu-whisper = "mana-stt")')
    return {str(key): str(item) for key, item in value.items()}


def _running_lists(value: Any, base: Path) -> ListPolicy:
    """``running-lists``: false (no list), a heading or a list of headings (read), or a table of both."""
    if isinstance(value, bool):
        return ListPolicy((), value)
    if isinstance(value, (str, list)):
        return ListPolicy(tuple((slugify(heading), True) for heading in _strings(value, base)))
    if isinstance(value, dict) and all(isinstance(item, bool) for item in value.values()):
        return ListPolicy(tuple((slugify(str(heading)), item) for heading, item in value.items()))
    raise InvalidValue(f"must be true/false, headings, or a table of heading = true/false, not {_shown(value)}")


PLATFORMS = ("linux", "macos", "windows")


def _span(value: Any, base: Path) -> PortRange:
    if not isinstance(value, str):
        raise InvalidValue(f'must be a range such as "32768-60999", not {_shown(value)}')
    try:
        return parse_span(value)
    except PortSyntaxError as exc:
        raise InvalidValue(f"cannot be read: {exc}") from None


def _spans(value: Any, base: Path) -> tuple[PortRange, ...]:
    return tuple(_span(item, base) for item in ([value] if isinstance(value, str) else _list(value)))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidValue(f"must be a list of ranges, not {_shown(value)}")
    return value


def _platforms(value: Any, base: Path) -> frozenset[str]:
    names = _strings(value, base) if value != [] else ()
    names = tuple(name.lower() for name in names)
    unknown = [name for name in names if name not in PLATFORMS]
    if unknown:
        raise InvalidValue(f"names an unknown platform {unknown[0]!r}{did_you_mean(unknown[0], PLATFORMS)}")
    return frozenset(names)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@readonly
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

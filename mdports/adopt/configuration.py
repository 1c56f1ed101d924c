"""The configuration ``mdports init`` writes: each discovered file, and why, as a TOML comment.

The text is written for a person to read and edit: the unnamed host's files as top-level keys,
each named host as a ``[hosts.NAME]`` table, one file a line with the reason of its choice.
In a Python project (a ``pyproject.toml`` with a ``[project]`` or ``[tool.poetry]`` table) the
same keys go into ``[tool.mdports]``, appended at the end of the file and checked: the file
read back must be the old one plus exactly that table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..deploy.deployment import Kind
from ..deploy.discover import Discovery, Found

_KINDS: tuple[Kind, ...] = ("compose", "env", "prometheus", "cloudflared", "kubernetes")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MAX_SKIPPED = 20  # listed in comments; more are counted


def _string(text: str) -> str:
    """A TOML basic string: quote, backslash, control and invisible format characters escaped.

    Not ``json.dumps``: it writes a character beyond the BMP as a surrogate pair, which TOML refuses.

    >>> print(_string('a"b\\c\x7f\u202e\U0001f600'))
    "a\\"b\\\\c\\u007F\\u202E😀"
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

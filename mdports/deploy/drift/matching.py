"""How deployment names are matched to registry entries: conservatively, by normalized name.

A record that matches no entry is never attributed to one by guesswork: a close name only
appears in a hint (:meth:`Matcher.suggest`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from ...model.lookup import Registry
from ...model.names import fold_name
from ...model.registry import Entry

_SEPARATORS = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """The normalized form in which deployment names and entry names are compared.

    Case and spelling are ignored (:func:`~mdports.model.names.fold_name`) and every run of
    characters other than letters, digits and their combining marks is one separator:
    ``Mana_Auth``, ``mana.auth`` and ``mana-auth`` are the same name. Nothing else is assumed:
    no prefix or suffix is stripped, no spelling is corrected. A mark is part of its letter:
    Devanagari's कि and का are two names, not क twice.

    >>> name_key("Mana_Auth"), name_key("minio (S3 API)"), name_key("victoria-metrics") == name_key("victoriametrics")
    ('mana-auth', 'minio-s3-api', False)
    >>> name_key("\u0915\u093f"), name_key("\u0915\u093e_api")
    ('\u0915\u093f', '\u0915\u093e-api')
    """
    folded = fold_name(name)
    if folded.isascii():
        return _SEPARATORS.sub("-", folded).strip("-")
    out: list[str] = []
    apart = False  # a separator since the last letter
    for char in folded:
        if char.isalnum() or unicodedata.category(char).startswith("M"):
            if apart and out:
                out.append("-")
            out.append(char)
            apart = False
        else:
            apart = True
    return "".join(out)


def base_key(name: str) -> str:
    """:func:`name_key` without a trailing parenthesized qualifier: ``minio (S3 API)`` -> ``minio``."""
    # String methods, not a pattern: r"\s*\([^()]*\)\s*$" backtracks quadratically on a long run of spaces.
    stripped = name.rstrip()
    opening = stripped.rfind("(")
    if stripped.endswith(")") and opening != -1 and ")" not in stripped[opening:-1]:
        name = stripped[:opening].rstrip()
    return name_key(name)


class Matcher:
    """Assigned entries by name: by :func:`name_key` together with the entries sharing its :func:`base_key`.

    ``MINIO_S3_API_PORT`` (``minio-s3-api``) matches the entry ``minio (S3 API)`` alone; the
    compose service ``minio`` matches ``minio (S3 API)`` and ``minio (Console)`` together, as
    one service documented on both ports, and ``traefik`` matches ``traefik`` and ``traefik
    (dashboard)``. ``aliases`` (``[tool.mdports.aliases]``) map a deployment name to the entry
    name it stands for: ``gpu-whisper = "mana-stt"``. ``entries`` are those matched (default: the
    plan's; drift matches the running list's too, with a matcher of its own).
    """

    def __init__(
        self, registry: Registry, aliases: Mapping[str, str] | None = None, entries: Iterable[Entry] | None = None
    ) -> None:
        full: dict[str, list[Entry]] = {}
        base: dict[str, list[Entry]] = {}
        for entry in registry.entries if entries is None else entries:
            if entry.service is not None:
                for index, key in ((full, name_key(entry.service)), (base, base_key(entry.service))):
                    if key:
                        index.setdefault(key, []).append(entry)
        self._full = {key: tuple(entries) for key, entries in full.items()}
        self._base = {key: tuple(entries) for key, entries in base.items()}
        self._names = {key: entries[0].service or key for key, entries in full.items()}
        self._aliases = {name_key(alias): name_key(name) for alias, name in (aliases or {}).items()}

    def find(self, *names: str | None) -> tuple[Entry, ...]:
        """The entries matching the first of ``names`` that matches any (empty when none does)."""
        for name in names:
            if name:
                key = name_key(name)
                key = self._aliases.get(key, key)
                found = {e.index: e for e in (*self._full.get(key, ()), *self._base.get(key, ()))}
                if found:
                    return tuple(found.values())
        return ()

    def suggest(self, name: str) -> str | None:
        """A close entry name, for a hint only (never used as a match)."""
        close = difflib.get_close_matches(name_key(name), list(self._full), n=1, cutoff=0.75)
        return self._names[close[0]] if close else None

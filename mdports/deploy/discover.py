"""Finding a repository's deployment files and grouping them into hosts, as ``mdports init`` writes them.

One discovery serves both ``init`` (which writes what it found into the configuration) and
``drift`` without any configuration (which reads what it found): the two never disagree.

- **Where:** the files git tracks (``git ls-files``), or every file below the folder when it
  is not a repository; never below vendored or generated folders (:data:`SKIPPED_FOLDERS`).
- **What:** a compose file by docker compose's own names and their variants
  (:func:`compose_name`) with a ``services`` mapping; any other YAML file with a top-level
  ``scrape_configs`` (Prometheus), an ``ingress`` list (cloudflared) or ``apiVersion`` and
  ``kind`` (Kubernetes); env files (``.env``, ``.env.*``, ``*.env``, ``env.example``).
- **Hosts:** a base compose file (``compose.yaml``, ``docker-compose.yml``) is the unnamed
  host; its ``*.override.*`` file goes with it; a variant (``docker-compose.prod.yml``,
  ``compose.gpu.yaml``, ``prod.compose.yml``, ``docker-compose-kafka.yml``) is the host of its
  name, so dev and prod publishing the same port is no clash. An env file named for a host
  (``.env.prod``) is that host's, and so is a Prometheus, tunnel or Kubernetes file with the
  host's name in its path (``docker/gpu/prometheus.yml``); the others are the unnamed host's.

A file named like a compose file that cannot be read (not YAML, a folder, a link in a loop)
is an :class:`~mdports.errors.InputError`: a deployment that is there but unreadable must not
be skipped in silence. Any other YAML that cannot be read is no deployment file of ours
(a Helm template, say) and is listed as skipped, with the reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..files.reading import read_text
from ..readonly import readonly
from .deployment import HostFiles, Kind

# Vendored, installed or generated: never a deployment of the repository's own.
SKIPPED_FOLDERS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party", ".venv", "venv",
    "site-packages", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "build", "dist", "out", "target", ".next", ".nuxt", ".svelte-kit", ".turbo", ".cache", ".parcel-cache",
    "coverage", ".terraform", ".direnv", ".yarn", ".pnpm-store",
})  # fmt: skip
# Above any real deployment file; a larger YAML file is data, not configuration.
MAX_DEPLOYMENT_BYTES = 4 * 1024 * 1024
_YAML = (".yaml", ".yml")
# Names are matched with string operations, not patterns: `.+\.env` searched in a long name is quadratic.
_ENV_EXAMPLES = frozenset({"env.example", "env.sample", "env.template", "env.dist"})
# A top-level key that makes a YAML file worth parsing (the parse decides).
_KEYS = re.compile(r"^(scrape_configs|ingress|apiVersion|kind)[ \t]*:", re.MULTILINE)
_UNNAMEABLE = "its name has bytes that are not UTF-8 or a control character: rename it to read it"
_HOST_NAME = re.compile(r"[^a-z0-9_-]+")


@readonly
class Found:
    """One deployment file: its path (relative to the root, ``/``-separated), kind, host and why."""

    path: str
    kind: Kind
    host: str  # "" for the unnamed host
    reason: str  # the choice, as the configuration's comment says it


@readonly
class Discovery:
    """What :func:`discover` found below ``root``."""

    root: Path
    files: tuple[Found, ...]
    skipped: tuple[tuple[str, str], ...]  # (path, why) of YAML files that are no deployment file
    tracked: bool  # the files came from git, not from walking the folder
    document: str | None  # the port document, when the repository has one (relative path)

    def hosts(self, base: Path | None = None) -> tuple[HostFiles, ...]:
        """The files as :func:`~mdports.deploy.deployment.load_hosts` reads them: the unnamed host first.

        The paths are relative to the root, as the configuration writes them; ``base`` turns them
        into paths from there (the current folder, to read them from disk).
        """
        names = sorted({found.host for found in self.files}, key=lambda name: (name != "", name))
        hosts: list[HostFiles] = []
        for name in names:
            groups: dict[Kind, list[str]] = {kind: [] for kind in _KINDS}
            for found in self.files:
                if found.host == name:
                    path = found.path if base is None else os.path.relpath(self.root / found.path, base)
                    groups[found.kind].append(path)
            hosts.append(HostFiles(name, (), *(tuple(groups[kind]) for kind in _KINDS)))
        return tuple(hosts)


_KINDS: tuple[Kind, ...] = ("compose", "prometheus", "env", "cloudflared", "kubernetes")
_WHAT = {
    "prometheus": "Prometheus configuration",
    "cloudflared": "cloudflared tunnel",
    "kubernetes": "Kubernetes manifests",
}


def compose_name(name: str) -> tuple[bool, str | None]:
    """Whether a file name is a compose file's, and its variant (None for a base file).

    >>> compose_name("docker-compose.yml"), compose_name("compose.override.yaml")
    ((True, None), (True, 'override'))
    >>> compose_name("docker-compose.prod.yml"), compose_name("gpu.compose.yml"), compose_name("config.yml")
    ((True, 'prod'), (True, 'gpu'), (False, None))
    >>> compose_name("docker-compose-kafka.yaml"), compose_name("compose.yml"), compose_name("compose.yml.bak")
    ((True, 'kafka'), (True, None), (False, None))
    """
    stem = name.removesuffix(".yaml") if name.endswith(".yaml") else name.removesuffix(".yml")
    if stem == name or "/" in stem:
        return False, None
    for prefix in ("docker-compose", "compose"):
        if stem == prefix:
            return True, None
        if stem.startswith(prefix) and len(stem) > len(prefix) + 1 and stem[len(prefix)] in ".-":
            return True, stem[len(prefix) + 1 :]
    if stem.endswith(".compose") and len(stem) > len(".compose"):
        return True, stem.removesuffix(".compose")
    return False, None


def is_env_name(name: str) -> bool:
    """``.env``, ``.env.*``, ``*.env`` and ``env.example`` (and its kin)."""
    return (
        name == ".env" or name.startswith(".env.") or (name.endswith(".env") and len(name) > 4) or name in _ENV_EXAMPLES
    )


def host_name(variant: str) -> str:
    """A variant as a host name: lower case, letters, digits, ``-`` and ``_`` (``Mac Mini`` -> ``mac-mini``)."""
    return _HOST_NAME.sub("-", variant.casefold()).strip("-") or "host"


def candidates(root: Path) -> tuple[list[str], bool]:
    """The files to look at below ``root`` (relative, ``/``-separated) and whether git listed them."""
    from ..files.git import tracked_files

    listed = tracked_files(root)
    if listed is not None:
        # Strings, not PurePosixPath: 2,000 paths built as objects cost a fifth of a second here.
        keep = [name for name in listed if not _skipped(name.split("/")[:-1])]
        return sorted(keep), True
    return sorted(_walk(root)), False


def _skipped(folders: Iterable[str]) -> bool:
    return any(part in SKIPPED_FOLDERS for part in folders)


def _walk(root: Path) -> Iterator[str]:
    # Links to folders are not followed (a loop would never end); a linked file is looked at.
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED_FOLDERS)
        relative = os.path.relpath(folder, root)
        for name in names:
            yield name if relative == "." else PurePosixPath(*Path(relative).parts, name).as_posix()
        # A folder named like a compose file is reported by discover(): os.walk lists it as a folder.
        for name in subfolders:
            if compose_name(name)[0]:
                yield (name if relative == "." else PurePosixPath(*Path(relative).parts, name).as_posix()) + "/"


def discover(root: Path, document: str | None = None) -> Discovery:
    """The deployment files below ``root``, grouped into hosts (see the module's docstring)."""
    names, tracked = candidates(root)
    composes: list[tuple[str, str | None]] = []
    envs: list[str] = []
    others: list[tuple[str, Kind]] = []
    skipped: list[tuple[str, str]] = []
    for name in names:
        if not name.isprintable() or any(0xD800 <= ord(char) <= 0xDFFF for char in name):
            # Bytes that are not UTF-8, or a line break: no configuration (TOML) can name the file.
            if name.endswith(_YAML) or compose_name(name.rpartition("/")[2])[0]:
                skipped.append(
                    (name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace"), _UNNAMEABLE)
                )
            continue
        base = name.rstrip("/").rpartition("/")[2]
        is_compose, variant = compose_name(base)
        if is_compose:
            text = _read(root, name, required=True)
            if text is not None and _is_compose(text, name):
                composes.append((name, variant))
            elif text is not None:
                skipped.append((name, "named like a compose file, but has no 'services' mapping"))
        elif base.endswith(_YAML):
            kind, why = _yaml_kind(root, name)
            if kind is not None:
                others.append((name, kind))
            elif why:
                skipped.append((name, why))
        elif is_env_name(base) and _regular(root / name):
            envs.append(name)
    files = _grouped(composes, envs, others)
    return Discovery(root, files, tuple(skipped), tracked, document or _document(root))


def _document(root: Path) -> str | None:
    from ..files.config import DEFAULT_DOCUMENT

    return DEFAULT_DOCUMENT.as_posix() if (root / DEFAULT_DOCUMENT).is_file() else None


def _regular(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a link in a loop
        return False


def _read(root: Path, name: str, *, required: bool) -> str | None:
    """The text of a candidate; an error for a compose file that cannot be read, else None."""
    path = root / name.rstrip("/")
    try:
        size = path.stat().st_size
    except OSError as exc:
        if not required:
            return None
        why = "is a symbolic link in a loop" if exc.errno == 40 else f"cannot be read: {exc.strerror}"
        raise InputError(why, path=name.rstrip("/"), hint="fix or remove it, then run mdports again") from None
    if path.is_dir():
        if not required:
            return None
        raise InputError(
            "is a folder, but its name is a compose file's", path=name.rstrip("/"), hint="rename it or remove it"
        )
    if size > MAX_DEPLOYMENT_BYTES:
        if required:
            raise InputError(f"is {size:,} bytes, too large for a compose file", path=name)
        return None
    try:
        return read_text(path)
    except InputError as exc:
        if required:
            raise InputError(str(exc.message), path=name, hint=exc.hint) from None
        return None


def _is_compose(text: str, name: str) -> bool:
    """A compose-named file counts when its top level has a ``services`` mapping."""
    import yaml

    from .notation import YamlFile, is_empty

    document = YamlFile(text, name)  # an InputError (file:line) when it is not YAML
    if not isinstance(document.root, yaml.MappingNode):
        return False
    top = document.mapping(document.root, "the top level of a compose file")
    return "services" in top and (is_empty(top["services"][1]) or isinstance(top["services"][1], yaml.MappingNode))


def _yaml_kind(root: Path, name: str) -> tuple[Kind | None, str]:
    """What a YAML file not named like a compose file is: Prometheus, cloudflared, Kubernetes, or none."""
    text = _read(root, name, required=False)
    if text is None:
        return None, ""
    keys = set(_KEYS.findall(text))
    if not keys:
        return None, ""
    import yaml

    from .notation import YamlFile

    try:
        documents = list(YamlFile.documents(text, name))
    except InputError as exc:
        return None, f"not read: {exc.message}" + (f" (line {exc.line})" if exc.line else "")
    for document in documents:
        if not isinstance(document.root, yaml.MappingNode):
            continue
        top = {key.value for key, _ in document.root.value if isinstance(key, yaml.ScalarNode)}
        if "scrape_configs" in top:
            return "prometheus", ""
        ingress = next((value for key, value in document.root.value if getattr(key, "value", None) == "ingress"), None)
        if isinstance(ingress, yaml.SequenceNode):
            return "cloudflared", ""
        if {"apiVersion", "kind"} <= top:
            return "kubernetes", ""
    return None, ""


def _grouped(
    composes: list[tuple[str, str | None]], envs: list[str], others: list[tuple[str, Kind]]
) -> tuple[Found, ...]:
    """Each file with its host and the reason (see the module's docstring)."""
    found: list[Found] = []
    bases: dict[str, str] = {}  # folder -> its base compose file
    hosts: set[str] = set()
    for name, variant in composes:
        folder = str(PurePosixPath(name).parent)
        if variant is None:
            bases.setdefault(folder, name)
        elif variant != "override" and not variant.endswith(".override"):
            hosts.add(host_name(variant))
    for name, variant in composes:
        folder = str(PurePosixPath(name).parent)
        if variant is None:
            found.append(Found(name, "compose", "", "base compose file: the unnamed host"))
        elif variant == "override" or variant.endswith(".override"):
            owner = variant.removesuffix("override").rstrip(".")
            host = host_name(owner) if owner else ""
            base = bases.get(folder)
            what = f"override of {base}" if base and not owner else f"override of the {owner or 'base'} file"
            found.append(Found(name, "compose", host, f"{what}: the same host"))
        else:
            host = host_name(variant)
            why = f"named variant: host {host!r}, its ports clash with no other host's"
            found.append(Found(name, "compose", host, why))
    for name in envs:
        host = _named_host(name, hosts, path_parts=False)
        why = f"env file named for host {host!r}" if host else "env file: resolves the unnamed host's ${VAR}"
        found.append(Found(name, "env", host, why))
    for name, kind in others:
        host = _named_host(name, hosts, path_parts=True)
        what = _WHAT[kind]
        why = f"{what}: its path names host {host!r}" if host else f"{what}: the unnamed host"
        found.append(Found(name, kind, host, why))
    return tuple(found)


def _named_host(name: str, hosts: set[str], *, path_parts: bool) -> str:
    """The host a file's name (or, with ``path_parts``, a folder of its path) names, else ``""``."""
    path = PurePosixPath(name)
    words = set(re.split(r"[.\-_]", path.name.casefold()))
    if path_parts:
        words.update(part.casefold() for part in path.parts[:-1])
    named = sorted(words & hosts)
    return named[0] if named else ""

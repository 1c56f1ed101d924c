"""Reading the deployment files of every host from disk into one :class:`~mdports.deploy.deployment.Deployment`.

Each reader turns one file into read-only records that remember the file, line and column they
came from, so that drift findings point into the deployment file. The YAML files are read
with a safe loader into a node graph (:mod:`mdports.deploy.notation`), never into Python objects:
every scalar keeps its text as written (``"22:22"`` stays a port mapping, it does not become
the YAML 1.1 sexagesimal number 1342) and its mark (line and column), and alias expansion is
bounded.

A port that cannot be read (``"abc:80"``, ``${PORT}`` with no default) is a record with an
``error``, reported as a finding; a file that is not valid YAML, or whose structure is not
what the format requires, is an :class:`~mdports.errors.InputError` naming the file and line.

What the deployment says about ports, read from every file of every host: :class:`Deployment`.

The records of each source live with its reader (:mod:`~mdports.deploy.compose`,
:mod:`~mdports.deploy.targets`, :mod:`~mdports.deploy.envfile`,
:mod:`~mdports.deploy.kubernetes`); this module holds
what ties them together: the hosts, the files given for each, and the whole deployment
:func:`mdports.deploy.deployment.load_hosts` reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .compose import ComposeService
    from .envfile import EnvPort
    from .kubernetes import Manifests
    from .targets import ScrapeTarget, TunnelRoute


import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import UsageError
from ..files.config import Config, display_path
from ..files.reading import read_text
from ..readonly import readonly
from ..syntax.row import split_eol, split_lines
from .compose import ComposeService, read_compose
from .envfile import EnvPort, read_env, read_variables
from .kubernetes import Manifests, manifest_files, read_kubernetes
from .targets import ScrapeTarget, TunnelRoute, read_cloudflared, read_prometheus

Kind = Literal["compose", "prometheus", "env", "cloudflared", "kubernetes"]


@readonly
class HostFiles:
    """The deployment files of one host (``name`` ``""`` is the unnamed host of top-level options)."""

    name: str = ""
    addresses: tuple[str, ...] = ()
    compose: tuple[str, ...] = ()
    prometheus: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    cloudflared: tuple[str, ...] = ()
    kubernetes: tuple[str, ...] = ()  # manifest files or folders of them


@readonly
class Machine:
    """A configured host: its name (``""`` for the unnamed one) and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or "this host"


@readonly
class Deployment:
    """Everything read from the deployment files, in the order the files were given."""

    services: tuple[ComposeService, ...] = ()
    targets: tuple[ScrapeTarget, ...] = ()
    env_ports: tuple[EnvPort, ...] = ()
    files: tuple[tuple[Kind, str], ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # file -> lines, for quoting
    routes: tuple[TunnelRoute, ...] = ()
    kubernetes: tuple[Manifests, ...] = ()
    machines: tuple[Machine, ...] = ()
    hosts: tuple[HostFiles, ...] = ()  # what was read, to read it again after a fix
    texts: Mapping[str, str] = field(default_factory=dict)  # file -> its text as read: what a fix edits


def load(
    compose: Sequence[str | os.PathLike[str]] = (),
    prometheus: Sequence[str | os.PathLike[str]] = (),
    env: Sequence[str | os.PathLike[str]] = (),
    cloudflared: Sequence[str | os.PathLike[str]] = (),
    kubernetes: Sequence[str | os.PathLike[str]] = (),
) -> Deployment:
    """Read the deployment files of one unnamed host (see :func:`load_hosts`)."""

    def names(paths: Sequence[str | os.PathLike[str]]) -> tuple[str, ...]:
        return tuple(os.fspath(path) for path in paths)

    host = HostFiles("", (), names(compose), names(prometheus), names(env), names(cloudflared), names(kubernetes))
    return load_hosts([host])


def host_files(name: str, addresses: Sequence[str], *groups: Sequence[Path]) -> HostFiles:
    """One host's files (compose, prometheus, env, cloudflared, kubernetes) as messages name them."""
    compose, prometheus, env, cloudflared, kubernetes = (tuple(display_path(p) for p in group) for group in groups)
    return HostFiles(name, tuple(addresses), compose, prometheus, env, cloudflared, kubernetes)


def configured_hosts(config: Config) -> list[HostFiles]:
    """The hosts the configuration gives files for: the top-level files (unnamed host), then ``[hosts.NAME]``."""
    top = host_files("", (), config.compose, config.prometheus, config.env, config.cloudflared, config.kubernetes)
    hosts = [top] if has_files(top) else []
    hosts += [
        host_files(h.name, h.addresses, h.compose, h.prometheus, h.env, h.cloudflared, h.kubernetes)
        for h in config.hosts
    ]
    return hosts


def hosts_to_compare(config: Config, given: Sequence[Sequence[Path]], option: str = "--{}") -> list[HostFiles]:
    """The files given (compose, prometheus, env, cloudflared, kubernetes: one unnamed host), else the configured hosts.

    None at all is a :class:`UsageError`; ``option`` spells a kind of file as the caller takes it.
    """
    hosts = [host_files("", (), *given)] if any(given) else configured_hosts(config)
    if not any(has_files(host) for host in hosts):
        kinds = [option.format(kind) for kind in ("compose", "prometheus", "env", "cloudflared", "kubernetes")]
        raise UsageError(
            "no deployment files to compare the document with",
            hint=f"pass {', '.join(kinds[:-1])} or {kinds[-1]} FILE, or set them "
            "(or [hosts.NAME] tables) in .mdports.toml or [tool.mdports]",
        )
    return hosts


def has_files(host: HostFiles) -> bool:
    return any((host.compose, host.prometheus, host.env, host.cloudflared, host.kubernetes))


def load_hosts(hosts: Sequence[HostFiles], texts: Mapping[str, str] | None = None) -> Deployment:
    """Read every file of every host (each host's env files first: they resolve its compose ``${VAR}``).

    A variable set in several env files of a host takes its value from the last one, as with
    several ``--env-file`` options of docker compose. Every record remembers its host.
    ``texts`` gives files by name instead of reading them (a fix reads what it would write).
    """
    sources: dict[str, tuple[str, ...]] = {}
    texts = dict(texts or {})

    def text_of(name: str) -> str:
        if name not in sources:
            if name not in texts:
                texts[name] = read_text(name)
            sources[name] = tuple(split_eol(raw)[0] for raw in split_lines(texts[name]))
        return texts[name]

    services: list[ComposeService] = []
    targets: list[ScrapeTarget] = []
    env_ports: list[EnvPort] = []
    routes: list[TunnelRoute] = []
    manifests: list[Manifests] = []
    files: list[tuple[Kind, str]] = []
    for host in hosts:
        # A file named twice is read once (its services would otherwise be reported twice).
        compose_names, prometheus_names, env_names, tunnel_names = (
            list(dict.fromkeys(group)) for group in (host.compose, host.prometheus, host.env, host.cloudflared)
        )
        manifest_names = list(dict.fromkeys(name for folder in host.kubernetes for name in manifest_files(folder)))
        machine = host.name
        variables: dict[str, str] = {}
        for name in env_names:
            variables.update((var, value) for var, value, _, _ in read_variables(text_of(name)))
            env_ports.extend(dataclasses.replace(port, machine=machine) for port in read_env(text_of(name), name))
        for name in compose_names:
            found = read_compose(text_of(name), name, variables)
            services.extend(dataclasses.replace(service, machine=machine) for service in found)
        for name in prometheus_names:
            targets.extend(dataclasses.replace(t, machine=machine) for t in read_prometheus(text_of(name), name))
        for name in tunnel_names:
            routes.extend(dataclasses.replace(r, machine=machine) for r in read_cloudflared(text_of(name), name))
        for name in manifest_names:
            manifests.append(dataclasses.replace(read_kubernetes(text_of(name), name), machine=machine))
        files += [("compose", name) for name in compose_names]
        files += [("prometheus", name) for name in prometheus_names]
        files += [("cloudflared", name) for name in tunnel_names]
        files += [("kubernetes", name) for name in manifest_names]
        files += [("env", name) for name in env_names]
    machines = tuple(Machine(host.name, host.addresses) for host in hosts)
    return Deployment(
        tuple(services),
        tuple(targets),
        tuple(env_ports),
        tuple(files),
        sources,
        tuple(routes),
        tuple(manifests),
        machines,
        tuple(hosts),
        {name: texts[name] for name in sources},
    )

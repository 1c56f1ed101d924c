"""What the deployment says about ports, read from every file of every host: :class:`Deployment`.

The records of each source live with its reader (:mod:`~mdports.deploy.compose`,
:mod:`~mdports.deploy.prometheus`, :mod:`~mdports.deploy.envfile`,
:mod:`~mdports.deploy.cloudflared`, :mod:`~mdports.deploy.kubernetes`); this module holds
what ties them together: the hosts, the files given for each, and the whole deployment
:func:`mdports.deploy.load.load_hosts` reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .cloudflared import TunnelRoute
    from .compose import ComposeService
    from .envfile import EnvPort
    from .kubernetes import Manifests
    from .prometheus import ScrapeTarget

Kind = Literal["compose", "prometheus", "env", "cloudflared", "kubernetes"]


@dataclass(frozen=True)
class HostFiles:
    """The deployment files of one host (``name`` ``""`` is the unnamed host of top-level options)."""

    name: str = ""
    addresses: tuple[str, ...] = ()
    compose: tuple[str, ...] = ()
    prometheus: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    cloudflared: tuple[str, ...] = ()
    kubernetes: tuple[str, ...] = ()  # manifest files or folders of them


@dataclass(frozen=True, slots=True)
class Machine:
    """A configured host: its name (``""`` for the unnamed one) and the addresses it is reached at."""

    name: str
    addresses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or "this host"


@dataclass(frozen=True)
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

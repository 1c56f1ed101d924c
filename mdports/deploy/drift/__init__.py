r"""Drift: where the deployment (compose, Prometheus, env, cloudflared, Kubernetes) disagrees with the document.

Deployment records are matched to registry entries by name, conservatively (see
:func:`~mdports.deploy.drift.matching.name_key`); a record that matches no entry is never attributed
to one by guesswork — a close name only appears in a hint. Each check is a function from the
matched deployment (:class:`~mdports.deploy.drift.context.Context`) to findings, kept in the
read-only table ``CHECKS`` (:mod:`~mdports.deploy.drift.run`); :func:`check` runs them all and
returns a :class:`~mdports.rules.findings.Report`, so the text, JSON and GitHub formatters of
``validate`` apply unchanged. Each check makes one pass over the deployment records (and the
entries).

The rules (MP201-MP213) are in the one catalogue, :mod:`mdports.rules.catalog`. The modules
hold one idea each: ``names`` and ``context`` (matching),
``port_findings`` (what the document says about a deployed port), the checks by what they
look at (``published``, ``addresses``, ``manifests``, ``unreadable``, ``hosts``) and ``run``.
This package re-exports :func:`check`, what the command uses.

>>> from mdports import parse, registry
>>> from mdports.deploy.compose import read_compose
>>> from mdports.deploy.deployment import Deployment
>>> model = registry(parse("## Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-credits |\n"))
>>> services = read_compose("services:\n  mana-auth:\n    ports: ['3002:3001']\n", "compose.yml")
>>> report = check(model, Deployment(services=services, files=(("compose", "compose.yml"),)))
>>> for finding in report.findings:
...     print(finding.location, finding.rule.id, finding.message)
compose.yml:3:14 MP202 compose service mana-auth publishes port 3002, which the document gives to mana-credits (line 6)
<input>:6:10 MP206 mana-credits (3002) appears in none of the deployment files
"""

from .run import check

__all__ = ["check"]

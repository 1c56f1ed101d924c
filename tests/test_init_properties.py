"""Invariants of ``mdports init``'s configuration and document (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import service_names

from mdports import parse, registry
from mdports.adopt import plan as init_plan
from mdports.deploy.bootstrap import render
from mdports.deploy.compose import read_compose
from mdports.deploy.deployment import Deployment, Machine
from mdports.deploy.discover import Discovery, Found, host_name
from mdports.files.config import from_table
from mdports.rules.validation import validate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

KINDS = st.sampled_from(["compose", "prometheus", "env", "cloudflared", "kubernetes"])
# Any path text, quotes, backslashes, control characters and non-ASCII included.
SEGMENTS = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/"), min_size=1, max_size=12
)
PATHS = st.lists(SEGMENTS.filter(lambda part: part not in (".", "..")), min_size=1, max_size=3).map("/".join)
HOSTS = st.one_of(st.just(""), st.text(min_size=1, max_size=12).map(host_name))
FOUND = st.builds(Found, PATHS, KINDS, HOSTS, st.text(max_size=40))


@settings(max_examples=150, deadline=None)
@given(st.lists(FOUND, max_size=12, unique_by=lambda f: (f.path, f.kind, f.host)))
def test_the_configuration_reads_back_as_the_files_found(files: list[Found]) -> None:
    """Whatever the names and reasons, the TOML parses and names each file on its host, in order."""
    found = Discovery(Path("/repo"), tuple(files), (), True, None)
    for prefix in ("", "tool.mdports"):
        table = tomllib.loads(init_plan.render(found, prefix=prefix, document="docs/PORT_SCHEMA.md"))
        if prefix:
            table = table["tool"]["mdports"]
        config = from_table(table, Path("/repo/.mdports.toml"))
        hosts = {h.name: h for h in config.hosts}
        for kind in ("compose", "prometheus", "env", "cloudflared", "kubernetes"):
            top = [str(p.relative_to("/repo")) for p in getattr(config, kind)]
            assert top == [str(Path(f.path)) for f in files if f.kind == kind and not f.host]
            for name, host in hosts.items():
                listed = [str(p.relative_to("/repo")) for p in getattr(host, kind)]
                assert listed == [str(Path(f.path)) for f in files if f.kind == kind and f.host == name]


SERVICE = st.tuples(service_names(10), st.lists(st.integers(1, 65535), min_size=1, max_size=4, unique=True))


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["", "prod", "gpu"]), st.lists(SERVICE, max_size=8, unique_by=lambda s: s[0]), max_size=3
    )
)
def test_the_document_from_a_deployment_reports_only_its_clashes(hosts: dict[str, list[tuple[str, list[int]]]]) -> None:
    """The document written from any compose deployment is lossless, and validate finds only its
    clashes: a port two services publish on one host (MP001, with MP002 for one name twice)."""
    services = []
    for host, entries in hosts.items():
        lines = ["services:"]
        for name, ports in entries:
            lines += [f"  {name}:", "    ports: [" + ", ".join(f"'{port}:{port}'" for port in ports) + "]"]
        found = read_compose("\n".join(lines) + "\n", f"{host or 'base'}.yml")
        services += [dataclasses.replace(service, machine=host) for service in found]
    deployed = Deployment(services=tuple(services), machines=tuple(Machine(h) for h in hosts))
    text = render(deployed, datetime.date(2026, 12, 6))
    document = parse(text)
    assert document.render() == text
    clashing = {
        (host, port)
        for host, entries in hosts.items()
        for port in {p for _, ports in entries for p in ports}
        if sum(port in ports for _, ports in entries) > 1
    }
    risky = {"MP115", "MP116", "MP117", "MP118", "MP119"}  # the deployment's choice of port, not the document
    rules = {f.rule.id for f in validate(registry(document)).findings} - risky
    assert rules <= ({"MP001", "MP002"} if clashing else set()), (rules, text)

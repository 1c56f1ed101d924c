"""MP213 (wrong-host) when a service is documented on several hosts.

A monorepo's document often puts one service on several machines: postgres on the production
box and on the staging box, node-exporter everywhere, a running list per host. A deployment
record is compared with the entry of its own host; only when the document puts the service on
other hosts alone (every one of them configured) is it on the wrong host. The deployment files
are real files of a temporary folder, read as the command reads them; the configured hosts
come from a real ``.mdports.toml`` in the subprocess case.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import run_mdports

from mdports import parse, registry
from mdports.deploy.deployment import HostFiles, load_hosts
from mdports.deploy.drift import check
from mdports.files.config import Config

DOC = """\
# Ports — acme platform

**Last updated:** 2026-11-02

## 5400-5499: Data

| Port | Service | Host | Notes |
|------|---------|------|-------|
| 5432 | postgres | prod | primary |
| 5432 | postgres | staging | nightly copy of prod |
| 5433 | pg-replica | prod | streaming replica |
| 6379 | redis | staging | |
| 6379 | redis | prod | sessions |

## 9100-9199: Monitoring

| Port | Service | Host |
|------|---------|------|
| 9100 | node-exporter | prod |
| 9100 | node-exporter | gpu |
| 9100 | node-exporter | staging |
| 9187 | postgres-exporter | |

## What runs on the GPU box

> **gpu (`10.0.0.5`):**
> - vllm `8000`
> - ollama `11434`
>
> **staging:**
> - vllm `8001` (smaller model)
"""


def _compose(folder: Path, name: str, services: dict[str, int]) -> str:
    body = "".join(
        f'  {service}:\n    image: {service}\n    ports: ["{port}:{port}"]\n' for service, port in services.items()
    )
    path = folder / name
    path.write_text("services:\n" + body, encoding="utf-8")
    return str(path)


def _wrong_host(tmp_path: Path, **deployed: dict[str, int]) -> list[str]:
    """The MP213 messages of a drift with one compose file per host (``prod={"postgres": 5432}``)."""
    hosts = [
        HostFiles(
            machine,
            ("10.0.0.5",) if machine == "gpu" else (),
            compose=(_compose(tmp_path, f"{machine}.yml", services),),
        )
        for machine, services in deployed.items()
    ]
    hosts += [HostFiles(name) for name in ("prod", "staging", "gpu") if name not in deployed]
    report = check(registry(parse(DOC, path="PORT_SCHEMA.md")), load_hosts(hosts), Config(), "PORT_SCHEMA.md")
    return [f.message for f in report.findings if f.rule.id == "MP213"]


def test_a_service_on_several_hosts_is_compared_with_the_entry_of_its_own_host(tmp_path: Path) -> None:
    # postgres's first row is prod's: staging's own row is the one to compare with.
    assert _wrong_host(tmp_path, staging={"postgres": 5432, "redis": 6379, "node-exporter": 9100}) == []
    assert _wrong_host(tmp_path, gpu={"node-exporter": 9100}, prod={"redis": 6379, "postgres": 5432}) == []


def test_a_service_on_other_hosts_only_is_reported_naming_them_all(tmp_path: Path) -> None:
    assert _wrong_host(tmp_path, gpu={"postgres": 5432, "pg-replica": 5433}) == [
        "compose service postgres runs on gpu, but the document puts postgres on prod (line 9) and staging (line 10)",
        "compose service pg-replica runs on gpu, but the document puts pg-replica on prod (line 11)",
    ]


def test_an_entry_of_no_host_says_the_service_may_run_anywhere(tmp_path: Path) -> None:
    assert _wrong_host(tmp_path, gpu={"postgres-exporter": 9187}) == []


def test_running_lists_of_several_hosts_are_matched_the_same_way(tmp_path: Path) -> None:
    assert _wrong_host(tmp_path, staging={"vllm": 8001}, gpu={"vllm": 8000}) == []
    assert _wrong_host(tmp_path, prod={"vllm": 8000}) == [
        "compose service vllm runs on prod, but the running list puts vllm on gpu (line 27) and staging (line 31)"
    ]


def test_the_installed_command_with_configured_hosts(tmp_path: Path) -> None:
    (tmp_path / "PORT_SCHEMA.md").write_text(DOC, encoding="utf-8")
    _compose(tmp_path, "docker-compose.staging.yml", {"postgres": 5432, "redis": 6379})
    _compose(tmp_path, "docker-compose.gpu.yml", {"pg-replica": 5433, "vllm": 8000})
    config = textwrap.dedent(
        """\
        file = "PORT_SCHEMA.md"

        [hosts.staging]
        compose = ["docker-compose.staging.yml"]

        [hosts.gpu]
        address = "10.0.0.5"
        compose = ["docker-compose.gpu.yml"]

        [hosts.prod]
        address = "10.0.0.4"
        """
    )
    (tmp_path / ".mdports.toml").write_text(config, encoding="utf-8")
    result = run_mdports("drift", "--no-source", "--min-severity", "warning", cwd=tmp_path)
    wrong = [line for line in result.stdout.splitlines() if "MP213" in line]
    assert wrong == [
        "docker-compose.gpu.yml:2:3: warning MP213 compose service pg-replica runs on gpu, but the document puts "
        "pg-replica on prod (line 11) [wrong-host]"
    ], result.stdout + result.stderr

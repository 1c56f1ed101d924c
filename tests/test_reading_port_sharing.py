"""Two rows on one port that are no clash (issue 24, docs/reading-shapes.md, mdports/model/port_sharing.py).

Each principle has a case it must quieten and the real clashes beside it that must stay.
"""

from __future__ import annotations

import json

from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.port_sharing import ROLE_WORDS, every_host, roles_of_one_service

WILD = GOLDEN / "wild" / "docs"
APPS = "| Service | Port | Notes |\n|---|---|---|\n"


def _errors(text: str) -> list[tuple[int, str]]:
    assert mdports.parse(text).render() == text
    report = mdports.validate(mdports.parse(text))
    return [(f.line, f.rule.id) for f in report.findings if f.severity == "error"]


def _roles(text: str) -> list[str]:
    return [reading.role for reading in mdports.registry(mdports.parse(text)).readings]


# --- one service's roles ---------------------------------------------------------------------------


def test_two_roles_of_one_service_on_its_port_are_no_clash() -> None:
    text = APPS + "| **n8n UI** | 5678 | editor |\n| **n8n Webhooks** | 5678 | `/webhook/*` |\n"
    assert _errors(text) == []


def test_two_services_with_role_words_still_clash() -> None:
    # Two stems, no stem, or processes (frontend, backend) that are no roles of one listener.
    for first, second in (("Grafana UI", "Gitea Web"), ("Admin API", "API"), ("shop frontend", "shop backend")):
        assert _errors(APPS + f"| {first} | 3000 | |\n| {second} | 3000 | |\n") == [(4, "MP001")], (first, second)


def test_a_row_without_a_role_word_is_no_role_of_another() -> None:
    # `n8n` beside `n8n worker`: the worker is a process of its own.
    assert _errors(APPS + "| n8n UI | 5678 | |\n| n8n worker | 5678 | |\n") == [(4, "MP001")]


STEMS = st.sampled_from(["n8n", "grafana", "keycloak", "minio"])


@settings(deadline=None)
@given(STEMS, STEMS, st.sampled_from(sorted(ROLE_WORDS)), st.sampled_from(sorted(ROLE_WORDS)))
def test_roles_are_symmetric_and_need_one_stem(stem: str, other: str, role: str, second_role: str) -> None:
    text = APPS + f"| {stem} {role} | 9000 | |\n| {other} {second_role} | 9000 | |\n"
    a, b = mdports.registry(mdports.parse(text)).entries
    assert roles_of_one_service(a, b) == roles_of_one_service(b, a)
    if stem != other:
        assert not roles_of_one_service(a, b)


# --- one deployment file ---------------------------------------------------------------------------

ROUTES = "| App | Domain | Port | Compose path |\n|---|---|---:|---|\n"


def test_two_names_of_one_compose_project_on_one_port_are_no_clash() -> None:
    text = ROUTES + (
        "| wiki | wiki.example.org | 8110 | /srv/wiki/docker-compose.yml |\n"
        "| wiki-admin | admin.wiki.example.org | 8110 | /srv/wiki/docker-compose.yml |\n"
        "| forms | forms.example.org | 8120 | /srv/forms/docker-compose.yml |\n"
        "| surveys | surveys.example.org | 8120 | /srv/surveys/docker-compose.yml |\n"
    )
    assert _errors(text) == [(6, "MP001")]


# --- a row of every host ---------------------------------------------------------------------------

VMS = "| Service | Exposed port | Notes |\n|---|---|---|\n"


def test_a_row_of_every_host_is_no_clash_and_two_hosts_rows_after_it_still_clash() -> None:
    text = VMS + (
        "| Common (3 VMs) | **443** HTTPS | sidecar |\n"
        "| **Nexus** | 443 only | |\n"
        "| **Gitea** | 2222 | git-SSH |\n"
        "| **Registry** | 2222 | mirror |\n"
        "| **Harbor** | 443 | its own TLS |\n"
    )
    # Nexus is that port on its VM; Harbor's 443 clashes with Nexus, the first live holder.
    assert _errors(text) == [(6, "MP001"), (7, "MP001")]


def test_names_that_only_look_like_every_host() -> None:
    names = ("Common (3 VMs)", "All hosts", "공통(3 VM)", "Common API", "Shared cache", "All services")
    text = VMS + "".join(f"| {name} | {1000 + i} | |\n" for i, name in enumerate(names))
    assert [every_host(entry) for entry in mdports.registry(mdports.parse(text)).entries] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


# --- a port inside a container ---------------------------------------------------------------------

DEV = "| Service | Port | Transport | Notes |\n|---|---|---|---|\n"


def test_a_port_internal_to_a_container_is_no_clash_but_an_internal_api_is() -> None:
    text = DEV + (
        "| ledger-api | 8000 | uvicorn (native) | |\n"
        "| reports-api | 8000 | Docker (internal) | behind the UI's proxy |\n"
        "| admin-ui | 8000 | Docker → container 80 | published |\n"
        "| billing-api | 8010 | uvicorn | internal API |\n"
        "| invoices-api | 8010 | uvicorn | internal API |\n"
    )
    assert _errors(text) == [(5, "MP001"), (7, "MP001")]


# --- headings that name machines -------------------------------------------------------------------


def _machines(names: tuple[str, ...], services: int) -> str:
    text = "# Lab\n\n## Internal ports\n"
    for name in names:
        rows = "".join(f"| {9000 + i} | {name.split()[0].lower()}-{i} |\n" for i in range(services - 1))
        text += f"\n### {name}\n\n| Port | Service |\n|---|---|\n| 8080 | web on {name} |\n{rows}"
    return text


def test_sibling_headings_that_name_machines_scope_their_ports() -> None:
    text = _machines(("Storage Server", "Raspberry Pi 4B"), 3)
    assert _errors(text) == []
    # A heading of one service each (`Telemetry Server` with one row) is no machine: its ports clash.
    assert [rule for _, rule in _errors(_machines(("Telemetry Server", "Replay Server"), 1))] == ["MP001"]
    # One machine heading alone is no set of machines.
    assert [rule for _, rule in _errors(_machines(("Storage Server", "Backups"), 3))] == ["MP001"] * 3


def test_two_services_on_one_machine_still_clash() -> None:
    text = _machines(("Storage Server", "Raspberry Pi 4B"), 3) + "| 8080 | node-red |\n"
    assert [rule for _, rule in _errors(text)] == ["MP001"]


# --- a container's ports seen again ----------------------------------------------------------------

CLUSTER = """## Quick reference

| Port | Service | Namespace |
|------|---------|-----------|
| 8080 | gateway | apps |
| 8080 | notifier | apps |
| 3200 | tempo | observability |

### Notifier

| Port | Name | Purpose |
|------|------|---------|
| 8080 | http | push delivery |

### Gateway

| Port | Name | Purpose |
|------|------|---------|
| 8080 | grpc-web | translation |

### Tempo

| Port | Name | Purpose |
|------|------|---------|
| 3200 | http | query |
| 6831 | jaeger-thrift | compact |

### Collector

| Port | Name | Purpose |
|------|------|---------|
| 6831 | jaeger-compact | compact |
"""


def test_a_table_of_one_containers_ports_is_that_containers() -> None:
    assert _errors(CLUSTER) == []
    # Without the quick reference nothing says the headings are containers: their ports clash.
    alone = CLUSTER[CLUSTER.index("### Notifier") :]
    assert [rule for _, rule in _errors(alone)] == ["MP001", "MP001"]


# --- ports to avoid, ports to open -----------------------------------------------------------------

AVOID = """## Assignments

| Port | Service |
|------|---------|
| 16080 | atlas-api |

## Reserved system ports (never use)

| Port range | Reserved for |
|------------|--------------|
| 0-1023 | System / well-known |
| 5432 | PostgreSQL default |
| 16080 | Common alt |
"""


def test_a_table_of_ports_never_to_use_holds_none() -> None:
    assert _errors(AVOID) == []
    assert _roles(AVOID) == ["registry", "reference"]


def test_running_services_under_a_do_not_use_heading_stay_entries() -> None:
    text = AVOID.replace("never use", "other running services - do not use").replace(
        "| 0-1023 | System / well-known |\n| 5432 | PostgreSQL default |\n| 16080 | Common alt |\n",
        "| 8080 | lms-app |\n| 16080 | lms-worker |\n",
    )
    assert _roles(text) == ["registry", "registry"]
    assert _errors(text) == [(12, "MP001")]


FIREWALL = """## Services

| Port | Service |
|------|---------|
| 3005 | frontend and API gateway |

## Firewall configuration

### Minimum required ports

| Port | Required for |
|------|--------------|
| 3005 | the frontend and its `/api` proxy |
"""


def test_a_table_of_ports_a_firewall_opens_holds_none() -> None:
    assert _errors(FIREWALL) == []
    assert _roles(FIREWALL) == ["registry", "firewall"]
    # A firewall's own services (`| Port | Service |`) under such a heading stay the registry's.
    own = FIREWALL.replace("| Required for |", "| Service |").replace("the frontend and its `/api` proxy", "opnsense")
    assert _roles(own) == ["registry", "registry"]
    assert _errors(own) == [(13, "MP001")]


def test_explain_says_why_through_the_command() -> None:
    result = run_mdports("-f", str(WILD / "83-ports-to-avoid.md"), "explain", "43")
    assert result.returncode == 0, result.stderr
    assert "says not to use its ports, and 6 of its 6 rows say what usually takes them" in result.stdout
    result = invoke_mdports("-f", str(WILD / "83-ports-to-avoid.md"), "explain", "58")
    assert result.returncode == 0, result.stderr
    assert "is about a firewall and column 'required for' says what each port is for" in result.stdout


# --- the golden documents --------------------------------------------------------------------------


def test_the_golden_documents_keep_their_real_clashes_through_the_command() -> None:
    manifest = json.loads((GOLDEN / "wild" / "manifest.json").read_text(encoding="utf-8"))["documents"]
    for name in ("80-roles-and-deployments.md", "81-machine-headings.md", "82-cluster-service-tables.md"):
        result = invoke_mdports("-f", str(WILD / name), "validate", "--format", "json")
        assert result.returncode == 1, result.stderr
        found = sorted(
            [finding["line"], finding["rule"]]
            for finding in json.loads(result.stdout)["findings"]
            if finding["severity"] == "error"
        )
        assert found == sorted(manifest[name]["real_errors"]), name
    result = run_mdports("-f", str(WILD / "83-ports-to-avoid.md"), "validate")
    assert result.returncode == 1 and "error(s)" in result.stdout
    assert result.stdout.count(" error MP") == 2 and "MP003" not in result.stdout


# --- headings of Kubernetes Services ---------------------------------------------------------------

K8S = """### Frontend services (LoadBalancer - direct access)

| Service | Internal Port | External Port | Access URL |
|---------|---------------|---------------|------------|
| Storefront | 3000 | 80 | http://localhost:31412 |
| Back office | 3001 | 80 | http://localhost:30977 |

### NodePort services

| Service | Target Port | Node Port |
|---------|-------------|-----------|
| webhook-relay | 8000 | 30080 |
| legacy-export | 8000 | 30080 |
"""


def test_services_under_a_heading_naming_their_own_address_type_are_no_clash() -> None:
    # Each LoadBalancer Service has its own address; node ports are taken on every node.
    assert _errors(K8S) == [(13, "MP001")]
    assert _errors(K8S.replace("(LoadBalancer - direct access)", "(direct access)")) == [(6, "MP001"), (13, "MP001")]
    # "Load balancer" in two words is often a box of its own (HAProxy): no Service type.
    assert _errors(K8S.replace("LoadBalancer -", "Load balancer -")) == [(6, "MP001"), (13, "MP001")]

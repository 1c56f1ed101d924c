"""Drift on a real deployment: several hosts, probes, tunnels, traefik, Kubernetes, bounded YAML.

Each rule added for issue 11 (MP211-MP213), and each precision fix, has a case that must fire
and one that must not. The deployment files are written to a temporary folder and read by
:func:`mdports.deploy.deployment.load_hosts`, as the command does.
"""

from __future__ import annotations

import contextlib
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import invoke_mdports, mdports_executable
from hypothesis import given, settings
from hypothesis import strategies as st

from mdports import parse, registry
from mdports.deploy.deployment import HostFiles, load_hosts
from mdports.deploy.drift import check
from mdports.deploy.kubernetes import manifest_files
from mdports.deploy.targets import read_prometheus
from mdports.errors import InputError
from mdports.files.config import Config, load_config
from mdports.rules.findings import Report

DOC = """\
## 3000-3029: Services

| Port | Service | Host |
|------|---------|------|
| 3001 | mana-auth | |
| 3002 | mana-credits | |
| 3021 | mana-stt | gpu |
| 3022 | mana-tts | gpu |
| 3025-3029 | *(reserved)* | |

## Mail

| Port | Service |
|------|---------|
| 3066 | mail-api |
| 25, 587 | stalwart (SMTP) |

## Infrastructure

| Port | Service |
|------|---------|
| 80, 443 | traefik |
| 8090 | traefik (dashboard) |
| 9115 | blackbox-exporter |
"""


def model():  # type: ignore[no-untyped-def]
    return registry(parse(DOC, path="PORT_SCHEMA.md"))


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def drift(hosts: list[HostFiles], config: Config | None = None) -> Report:
    return check(model(), load_hosts(hosts), config or Config(), "PORT_SCHEMA.md")


def found(report: Report) -> list[tuple[str, int]]:
    """(rule, line) of every warning and error."""
    return [(f.rule.id, f.line) for f in report.findings if f.severity != "info"]


COMPOSE = """\
services:
  mana-auth:
    ports: ["3001:3001"]
  mana-credits:
    ports: ["3002:3002"]
    expose: ["9464"]
  blackbox-exporter:
    expose: ["9115"]
"""


# --- item 1: probe URLs are not scrape addresses ---------------------------------------------------


def test_probe_jobs_check_what_they_probe_and_scrape_the_exporter(tmp_path: Path) -> None:
    compose = write(tmp_path, "compose.yml", COMPOSE)
    prometheus = write(
        tmp_path,
        "prometheus.yml",
        """\
        scrape_configs:
          - job_name: blackbox-http
            metrics_path: /probe
            params: {module: [http_2xx]}
            static_configs:
              - targets:
                  - https://app.example.com/chat
                  - http://mana-auth:3001/health
                  - http://mana-credits:3001/health
            relabel_configs: &probe
              - source_labels: [__address__]
                target_label: __param_target
              - target_label: __address__
                replacement: blackbox-exporter:9115
          - job_name: blackbox-tcp
            static_configs:
              - targets: ["mana-auth:3001"]
            relabel_configs: *probe
          - job_name: node-lan
            static_configs:
              - targets: ["nas.lan:1234", "mana-auth:7777"]
            relabel_configs:
              - source_labels: [__address__]
                regex: "([^:]+):.*"
                target_label: __address__
                replacement: "${1}:9100"
        """,
    )
    targets = read_prometheus(Path(prometheus).read_text(), "prometheus.yml")
    assert [(t.job, t.host, t.port, t.role) for t in targets] == [
        ("blackbox-http", "blackbox-exporter", 9115, "scrape"),  # read once, though two jobs share the rules
        ("blackbox-http", "app.example.com", None, "probe"),
        ("blackbox-http", "mana-auth", 3001, "probe"),
        ("blackbox-http", "mana-credits", 3001, "probe"),
        ("blackbox-tcp", "mana-auth", 3001, "probe"),
        ("node-lan", "nas.lan", 1234, "rewritten"),
        ("node-lan", "mana-auth", 7777, "rewritten"),
    ]
    report = drift([HostFiles(compose=(compose,), prometheus=(prometheus,))])
    # Only the probe of mana-credits on mana-auth's port fires; no URL is "not a port" (MP209).
    assert [(f.rule.id, f.path, f.line) for f in report.findings if f.severity != "info"] == [("MP210", prometheus, 9)]


# --- item 2: container_name must not match the wrong entry ----------------------------------------


def test_container_name_counts_only_when_the_entry_shares_a_port(tmp_path: Path) -> None:
    leftover = write(
        tmp_path,
        "leftover.yml",
        """\
        services:
          mailserver:
            container_name: mail-api
            ports: ["25:25", "587:587"]
        """,
    )
    report = drift([HostFiles(compose=(leftover,))])
    # Not five MP203 against mail-api (3066): the service is unmatched, and its ports are stalwart's.
    assert {f.rule.id for f in report.findings if f.severity != "info"} == {"MP207"}
    renamed = write(
        tmp_path,
        "renamed.yml",
        """\
        services:
          jmap:
            container_name: mail-api
            ports: ["3066:3066"]
        """,
    )
    assert found(drift([HostFiles(compose=(renamed,))])) == []


# --- items 3, 4 and 6: one finding per problem, hosts, aliases -------------------------------------


def test_a_duplicate_is_one_finding_and_duplicates_are_per_host(tmp_path: Path) -> None:
    auth = 'services:\n  mana-auth: {ports: ["3001:3001"]}\n'
    prod = write(tmp_path, "prod.yml", auth + '  legacy: {ports: ["3001:3001"]}\n')
    dev = write(tmp_path, "dev.yml", auth + '  other: {ports: ["3002:3002"]}\n')
    report = drift([HostFiles("prod", compose=(prod,)), HostFiles("laptop", compose=(dev,))])
    duplicate = [f for f in report.findings if f.line == 3 and f.path == prod]
    assert [f.rule.id for f in duplicate] == ["MP205"] and "also MP207" in duplicate[0].message
    # mana-auth on the laptop is another service than mana-auth in production: no duplicate.
    assert [f.rule.id for f in report.findings if f.path == dev] == ["MP207"]  # other publishes 3002
    # The same two files as one host are an override chain: mana-auth is one service, legacy clashes.
    one_host = [f.message for f in drift([HostFiles(compose=(prod, dev))]).findings if f.rule.id == "MP205"]
    assert len(one_host) == 2 and all("legacy" in message for message in one_host)


def test_targets_on_a_host_address_are_checked_against_that_hosts_ports(tmp_path: Path) -> None:
    gpu = write(
        tmp_path,
        "gpu.yml",
        """\
        services:
          gpu-whisper:
            ports: ["3021:3021"]
          gpu-kokoro:
            ports: ["3026:3022"]
          comfyui:
            ports: ["3022:8188"]
        """,
    )
    prometheus = write(
        tmp_path,
        "prometheus.yml",
        """\
        scrape_configs:
          - job_name: gpu-whisper
            static_configs: [{targets: ["10.0.0.5:3021"]}]
          - job_name: whatever
            static_configs: [{targets: ["10.0.0.5:3099"]}]
          - job_name: mana-tts
            static_configs: [{targets: ["10.0.0.5:3022"]}]
        """,
    )
    config = Config(aliases={"gpu-whisper": "mana-stt", "gpu-kokoro": "mana-tts"})
    hosts = [HostFiles("mini", prometheus=(prometheus,)), HostFiles("gpu", ("10.0.0.5",), compose=(gpu,))]
    report = drift(hosts, config)
    findings = [(f.rule.id, f.path, f.line) for f in report.findings if f.severity != "info"]
    assert [f for f in findings if f[1] == prometheus] == [
        ("MP201", prometheus, 5),  # 3099: nothing on gpu publishes it, and the document does not list it
        ("MP211", prometheus, 7),  # 3022 on gpu is comfyui's, not mana-tts's (published on 3026)
    ]  # gpu-whisper on 3021 (line 3) is published there
    # The aliases make gpu-whisper mana-stt: deployed (no MP206), its port documented (no MP207).
    assert not [f for f in report.findings if f.path == gpu and f.line == 3]
    scrape = "scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ['10.0.0.5:3002']}]\n"
    write(tmp_path, "prometheus.yml", scrape)
    (finding,) = [f for f in drift(hosts, config).findings if f.path == prometheus]
    assert finding.rule.id == "MP211" and "the document gives it to mana-credits" in finding.message
    assert not [f for f in report.findings if "mana-stt" in f.message and f.rule.id == "MP206"]


# --- MP211 from traefik, Kubernetes and tunnels; MP212; MP213 ---------------------------------------


def test_mp211_traefik_port_must_be_a_container_port(tmp_path: Path) -> None:
    text = """\
    services:
      mana-auth:
        ports: ["3001:3001"]
        labels:
          - "traefik.http.services.auth.loadbalancer.server.port=%s"
      mana-credits:
        labels: {traefik.http.services.credits.loadbalancer.server.port: "3999"}
    """
    wrong = write(tmp_path, "wrong.yml", text % "3011")
    assert found(drift([HostFiles(compose=(wrong,))])) == [("MP211", 5)]
    right = write(tmp_path, "right.yml", text % "3001")
    assert found(drift([HostFiles(compose=(right,))])) == []  # mana-credits declares no ports: unknown


def test_mp211_kubernetes_target_ports_and_ingress_backends(tmp_path: Path) -> None:
    manifests = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: credits-v2}
    spec:
      template:
        metadata: {labels: {app: credits}}
        spec:
          containers:
            - name: api
              ports: [{containerPort: 3003, name: http}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: mana-credits}
    spec:
      selector: {app: credits}
      ports:
        - {name: web, port: 3002, targetPort: %s}
    ---
    kind: Ingress
    metadata: {name: web}
    spec:
      rules:
        - http:
            paths:
              - backend: {service: {name: mana-credits, port: {number: %s}}}
    """
    folder = tmp_path / "k8s"
    write(folder, "apps/credits.yaml", manifests % ("3002", "80"))
    assert found(drift([HostFiles(kubernetes=(str(folder),))])) == [("MP211", 18), ("MP211", 26)]
    write(folder, "apps/credits.yaml", manifests % ("http", "3002"))
    assert found(drift([HostFiles(kubernetes=(str(folder),))])) == []
    write(folder, "apps/credits.yaml", manifests % ("3003", "3002"))
    assert found(drift([HostFiles(kubernetes=(str(folder),))])) == []


def test_kubernetes_service_ports_are_checked_like_compose_ports(tmp_path: Path) -> None:
    service = "kind: Service\nmetadata: {name: %s}\nspec:\n  ports: [{port: %d, nodePort: %d}]\n"
    ok = write(tmp_path, "ok.yaml", service % ("mana-auth", 3001, 3001))
    assert found(drift([HostFiles(kubernetes=(ok,))])) == []
    drifted = write(tmp_path, "drifted.yaml", service % ("mana-auth", 3002, 30001))
    assert [f.rule.id for f in drift([HostFiles(kubernetes=(drifted,))]).findings if f.severity != "info"] == [
        "MP202",
        "MP203",
    ]


def test_mp211_and_mp212_tunnel_routes(tmp_path: Path) -> None:
    compose = write(tmp_path, "compose.yml", COMPOSE)
    tunnel = write(
        tmp_path,
        "cloudflared.yml",
        """\
        tunnel: 6ff42ae2
        ingress:
          - hostname: auth.example.com
            service: http://localhost:3001
          - hostname: api.example.com
            path: ^/credits
            service: http://localhost:3002
          - hostname: api.example.com
            service: http://localhost:3066
          - hostname: auth.example.com
            service: http://localhost:3001
          - hostname: reserved.example.com
            service: http://localhost:3027
          - service: http_status:404
        """,
    )
    report = drift([HostFiles("mini", compose=(compose,), cloudflared=(tunnel,))])
    assert [(f.rule.id, f.line) for f in report.findings if f.path == tunnel] == [
        ("MP211", 9),  # mail-api (3066) runs nowhere, and nothing on mini publishes it
        ("MP212", 10),  # auth.example.com again; the same hostname with another path is fine
        ("MP204", 13),
    ]


def test_mp213_wrong_host(tmp_path: Path) -> None:
    tts = write(tmp_path, "tts.yml", 'services:\n  mana-tts: {ports: ["3022:3022"]}\n')
    report = drift([HostFiles("mini", compose=(tts,)), HostFiles("gpu", ("10.0.0.5",))])
    assert [(f.rule.id, f.message) for f in report.findings if f.severity != "info"] == [
        ("MP213", "compose service mana-tts runs on mini, but the document puts mana-tts on gpu (line 8)")
    ]
    assert found(drift([HostFiles("gpu", compose=(tts,))])) == []
    # A Host cell naming no configured host is not checked.
    assert found(drift([HostFiles("mini", compose=(tts,))])) == []


# --- option 10 and configuration ----------------------------------------------------------------------


def test_min_severity_and_quiet(tmp_path: Path) -> None:
    compose = write(tmp_path, "compose.yml", 'services:\n  mana-auth: {ports: ["3002:3001", "3027:3027"]}\n')
    report = drift([HostFiles(compose=(compose,))])
    assert {f.severity for f in report.findings} == {"error", "warning", "info"}
    assert {f.severity for f in report.at_least("warning").findings} == {"error", "warning"}
    assert {f.severity for f in report.at_least("error").findings} == {"error"}
    (tmp_path / "PORT_SCHEMA.md").write_text(DOC)
    loud = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--no-source", cwd=tmp_path)
    quiet = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--no-source", "-q", cwd=tmp_path)
    warnings = invoke_mdports(
        "-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--no-source", "--min-severity", "warning", cwd=tmp_path
    )  # fmt: skip
    assert " info MP206 " in loud.stdout and " info " not in warnings.stdout and " warning " in warnings.stdout
    assert " warning " not in quiet.stdout and " error " in quiet.stdout  # --quiet: errors only
    # The summary and the exit code count every finding, shown or not.
    assert quiet.stdout.endswith("PORT_SCHEMA.md: 1 error(s), 1 warning(s), 8 info\n") and quiet.returncode == 1


def test_hosts_and_aliases_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [tool.mdports]
            compose = ["base.yml"]
            [tool.mdports.hosts.gpu]
            addresses = ["10.0.0.5", "gpu.lan"]
            compose = ["gpu.yml"]
            kubernetes = ["k8s"]
            [tool.mdports.aliases]
            gpu-whisper = "mana-stt"
            """
        )
    )
    config = load_config(tmp_path)
    (gpu,) = config.hosts
    assert (gpu.name, gpu.addresses, gpu.compose, gpu.kubernetes) == (
        "gpu",
        ("10.0.0.5", "gpu.lan"),
        (tmp_path / "gpu.yml",),
        (tmp_path / "k8s",),
    )
    assert config.compose == (tmp_path / "base.yml",) and config.aliases == {"gpu-whisper": "mana-stt"}
    (tmp_path / "pyproject.toml").write_text('[tool.mdports.hosts.gpu]\ncompse = ["gpu.yml"]\n')
    result = invoke_mdports("drift", cwd=tmp_path)
    assert result.returncode == 2
    assert "[tool.mdports] hosts.gpu: unknown key 'compse'; did you mean 'compose'?" in result.stderr


def test_an_empty_manifest_folder_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    with pytest.raises(InputError, match=r"holds no \.yaml or \.yml manifests"):
        manifest_files(str(tmp_path / "k8s"))


# --- robust input: alias bombs end quickly, with exit 2 -------------------------------------------------


def merge_bomb(levels: int) -> str:
    lines = ["x-0: &a0 {ports: ['3001:3001']}"]
    lines += [f"x-{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nservices:\n  mana-auth:\n    <<: *a{levels}\n"


@pytest.mark.parametrize("levels", [26, 28])
def test_a_merge_key_bomb_is_read_once_per_node(tmp_path: Path, levels: int) -> None:
    """26 levels took 30 s and 28 never ended when every alias was merged again."""
    (tmp_path / "bomb.yml").write_text(merge_bomb(levels))
    (tmp_path / "PORT_SCHEMA.md").write_text(DOC)
    result = subprocess.run(
        [mdports_executable(), "-f", "PORT_SCHEMA.md", "drift", "-c", "bomb.yml", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,  # a guard against hanging, not a measurement (see benchmarks/)
    )
    assert len(merge_bomb(levels)) < 900
    assert result.returncode == 0 and result.stdout == "PORT_SCHEMA.md: 0 error(s), 0 warning(s), 8 info\n"


def test_a_prometheus_alias_fan_out_is_refused(tmp_path: Path) -> None:
    """A 23 KB file whose aliases expand to 10**9 targets ran out of memory; now it is exit 2."""
    jobs = "".join(f"  - job_name: j{i}\n    static_configs: *s\n" for i in range(1000))
    targets = ", ".join(f"'h{i}:9100'" for i in range(30))
    text = f"scrape_configs:\n  - job_name: a\n    static_configs: &s\n      - targets: &t [{targets}]\n"
    text += "      - targets: *t\n" * 100 + jobs
    assert len(text) < 60_000
    (tmp_path / "prometheus.yml").write_text(text)
    (tmp_path / "PORT_SCHEMA.md").write_text(DOC)
    result = subprocess.run(
        [mdports_executable(), "-f", "PORT_SCHEMA.md", "drift", "-p", "prometheus.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("mdports: error: prometheus.yml:4:")
    assert "expands to more than 100,000 YAML nodes through aliases" in result.stderr


# --- invariants -------------------------------------------------------------------------------------

_KEYS = st.sampled_from(
    ["services", "ports", "expose", "labels", "scrape_configs", "job_name", "static_configs", "targets", "ingress",
     "hostname", "service", "relabel_configs", "target_label", "replacement", "kind", "metadata", "name", "spec",
     "selector", "template", "containers", "containerPort", "port", "targetPort", "nodePort", "rules", "http",
     "paths", "backend", "<<", "x"]
)  # fmt: skip
_SCALARS = st.one_of(
    st.sampled_from(["3001:3001", "Service", "Ingress", "Deployment", "http://localhost:3001", "a:b:c", "", "${X}",
                     "__address__", "__param_target", "http://[::1", "http://x:99999", "80", "http", "/probe"]),
    st.integers(-5, 70_000),
    st.none(),
    st.text(max_size=8),
)  # fmt: skip
_YAML = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=30
)


@settings(max_examples=300, deadline=None)
@given(_YAML)
def test_every_reader_returns_records_or_an_input_error(data: object) -> None:
    """Whatever shape a deployment file has, a reader returns records or raises InputError: never a crash."""
    import yaml as pyyaml

    from mdports.deploy.compose import read_compose
    from mdports.deploy.kubernetes import read_kubernetes
    from mdports.deploy.targets import read_cloudflared

    text = pyyaml.safe_dump(data)
    for read in (read_compose, read_prometheus, read_cloudflared, read_kubernetes):
        with contextlib.suppress(InputError):
            read(text, "deployment.yml")


@given(st.text(max_size=60))
def test_parse_target_reads_a_target_or_says_why_not(text: str) -> None:
    from mdports.deploy.notation import PortSpecError, parse_target

    try:
        host, port = parse_target(text)
    except PortSpecError:
        return
    assert host and (port is None or 1 <= port <= 65535)


def test_long_labels_and_targets_stay_linear(tmp_path: Path) -> None:
    """The traefik label pattern and the target parser on 100,000 adversarial characters."""
    label = "traefik.http.services." + "a" * 100_000 + ".loadbalancer.server.portx"
    target = "http://" + "a:" * 50_000 + "/x"
    compose = f'services:\n  web:\n    ports: ["3001:3001"]\n    labels: ["{label}=1", "{"." * 100_000}=2"]\n'
    write(tmp_path, "compose.yml", compose)
    write(
        tmp_path,
        "prometheus.yml",
        f"scrape_configs:\n  - job_name: x\n    static_configs: [{{targets: ['{target}']}}]\n",
    )
    (tmp_path / "PORT_SCHEMA.md").write_text(DOC)
    result = subprocess.run(
        [mdports_executable(), "-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "-p", "prometheus.yml", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr

"""Drift between the document and the deployment: compose, Prometheus and env files.

The golden cases (``tests/golden/cases/drift-*.case``, run by tests/test_golden.py) run
``mdports`` in a copy of a deployment: ``tests/golden/drift/project`` — the bundled document
with the docker compose files, Prometheus configuration and env file of the Mac mini it
describes — with deliberate drift in them, ``fleet``, a grown pnpm monorepo's deployment (a
compose file of 1,800 lines and 83 services, a GPU box and a dev laptop as further hosts,
Prometheus with blackbox and relabelled jobs, a cloudflared tunnel, traefik labels, Kubernetes
staging manifests), or ``shop``; some lay files of ``tests/golden/drift/overlays`` over it.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import FLEET, PROJECT, git, invoke_mdports, modules_loaded_by, run_mdports

from mdports import parse, registry
from mdports.deploy.compose import interpolate, parse_short_port, read_compose
from mdports.deploy.deployment import Deployment
from mdports.deploy.drift import check
from mdports.deploy.envfile import read_env
from mdports.deploy.matching import Matcher, name_key
from mdports.deploy.notation import PortSpecError, parse_target
from mdports.deploy.targets import read_prometheus
from mdports.errors import InputError
from mdports.files.config import Config
from mdports.rules.catalog import DEPLOYMENT_RULES as RULES
from mdports.rules.findings import Report


def test_every_rule_is_exercised_by_the_realistic_projects(tmp_path: Path) -> None:
    """The two projects' deliberate drift triggers every rule at least once (the golden files pin them)."""
    seen: set[str] = set()
    for name, fixture in (("p", PROJECT), ("f", FLEET)):
        result = invoke_mdports("drift", "--format", "json", cwd=shutil.copytree(fixture, tmp_path / name))
        report = json.loads(result.stdout)
        seen |= {finding["rule"] for finding in report["findings"]}
        assert report["summary"]["services"] >= 59 and report["summary"]["targets"] >= 30
    assert seen == {rule.id for rule in RULES}


# --- reading compose files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3001:3001", (None, "3001", "3001", "tcp")),
        ("127.0.0.1:3001:3001", ("127.0.0.1", "3001", "3001", "tcp")),
        ("4400:80", (None, "4400", "80", "tcp")),
        ("3000-3005:3000-3005", (None, "3000-3005", "3000-3005", "tcp")),
        ("3478:3478/udp", (None, "3478", "3478", "udp")),
        ("3478:3478/UDP", (None, "3478", "3478", "udp")),
        ("[::1]:3001:3001", ("::1", "3001", "3001", "tcp")),
        ("::1:3001:3001", ("::1", "3001", "3001", "tcp")),
        ("3001", (None, None, "3001", "tcp")),
        ("127.0.0.1::3001", ("127.0.0.1", None, "3001", "tcp")),
        ("8000-8010:80", (None, "8000-8010", "80", "tcp")),
    ],
)
def test_short_port_syntax(text: str, expected: tuple[str | None, str | None, str, str]) -> None:
    host_ip, published, target, protocol = parse_short_port(text)
    assert (host_ip, published and str(published), str(target), protocol) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc:80", "host port 'abc' is not a port"),
        ("70000:80", "host port 70000 is outside 1-65535"),
        ("3005-3000:80", "span 3005-3000 is reversed"),
        ("3000-3005:3000-3003", "differ in length"),
        ("3001:3001/sctpx", "unknown protocol 'sctpx'"),
        ("[::1:3001:3001", "cannot read the IPv6 address"),
        (":3001:3001", "empty host IP"),
    ],
)
def test_short_port_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(PortSpecError, match=message):
        parse_short_port(text)


def test_interpolation_prefers_the_compose_default_and_falls_back_to_env_files() -> None:
    env = {"MANA_LLM_PORT": "3020", "EMPTY": ""}
    assert interpolate("${MANA_AUTH_PORT:-3001}:3001", env) == "3001:3001"
    assert interpolate("${MANA_LLM_PORT:-9999}:3020", env) == "9999:3020"  # the compose file's own port
    assert interpolate("${MANA_LLM_PORT}:3020", env) == "3020:3020"
    assert interpolate("$MANA_LLM_PORT:3020", env) == "3020:3020"
    assert interpolate("${A:-${B:-3002}}:3002", env) == "3002:3002"
    assert interpolate("${MANA_LLM_PORT:+3021}:${UNSET:+x}3021", env) == "3021:3021"
    assert interpolate("$$HOME", env) == "$HOME"
    with pytest.raises(PortSpecError, match=r"\$\{MANA_TTS_PORT\} has no default"):
        interpolate("${MANA_TTS_PORT}:3022", env)
    with pytest.raises(PortSpecError, match=r"\$\{EMPTY\} has no default"):
        interpolate("${EMPTY:?must be set}:1", env)


def compose(text: str, variables: dict[str, str] | None = None) -> Deployment:
    services = read_compose(textwrap.dedent(text), "compose.yml", variables)
    return Deployment(services=services, files=(("compose", "compose.yml"),))


def test_compose_records_keep_file_line_and_column_of_every_syntax() -> None:
    deployment = compose(
        """\
        services:
          web:
            container_name: mana-web
            ports:
              - "5000:3000"
              - 22:22
              - target: 3005
                published: "${ANALYTICS_PORT:-3005}"
                host_ip: 127.0.0.1
                protocol: udp
              - target: 80
            expose: ["3000", "9000-9001/tcp"]
        """
    )
    (web,) = deployment.services
    assert (web.name, web.container_name, web.location.line, web.expose) == ("web", "mana-web", 2, (3000, 9000, 9001))
    quoted, sexagesimal, long, ephemeral = web.ports
    assert (quoted.location.line, quoted.location.column, str(quoted.published), str(quoted.target)) == (
        5,
        10,
        "5000",
        "3000",
    )
    # Unquoted 22:22 is the YAML 1.1 integer 1342 to a plain loader; the node keeps the text.
    assert (sexagesimal.text, str(sexagesimal.published), str(sexagesimal.target)) == ("22:22", "22", "22")
    assert (long.location.line, long.host_ip, str(long.published), long.protocol, long.exact) == (
        8,
        "127.0.0.1",
        "3005",
        "udp",
        True,
    )
    assert (ephemeral.published, str(ephemeral.target), ephemeral.exact) == (None, "80", False)


def test_merge_keys_and_anchors_are_followed_and_written_keys_win() -> None:
    deployment = compose(
        """\
        x-web: &web
          restart: always
          ports: ["5000:3000"]
          container_name: template
        services:
          chat-web:
            <<: *web
            container_name: chat-web
          todo-web:
            <<: [*web]
            ports: ["5011:3000"]
        """
    )
    chat, todo = deployment.services
    assert (chat.container_name, [str(p.published) for p in chat.ports]) == ("chat-web", ["5000"])
    assert (todo.container_name, [str(p.published) for p in todo.ports]) == ("template", ["5011"])


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("services:\n  web:\n    ports: [3001\n", "is not valid YAML", 4),
        ("services:\n  web:\n    image: a\n   ports: []\n", "is not valid YAML", 4),
        ("services:\n  web: {}\n  web: {}\n", "key 'web' appears twice in 'services' (first at line 2)", 3),
        ("services:\n  web:\n    ports: 3001\n", "'ports' of service 'web' must be a list", 3),
        ("services: [web]\n", "'services' must be a mapping", 1),
        ("scrape_configs: []\n", "has no 'services:' mapping", 1),
        ("- a\n- b\n", "the top level of a compose file must be a mapping", 1),
        ("a: 1\n---\nb: 2\n", "is not valid YAML", 2),
    ],
)
def test_malformed_compose_files_are_input_errors_naming_file_and_line(text: str, message: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        read_compose(text, "docker-compose.yml")
    assert message in caught.value.message
    assert (caught.value.path, caught.value.line) == ("docker-compose.yml", line)
    assert str(caught.value).startswith(f"docker-compose.yml:{line}:")


def test_compose_files_without_services_and_empty_files_have_no_services() -> None:
    assert read_compose("", "empty.yml") == ()
    assert read_compose("# nothing yet\n", "empty.yml") == ()
    assert read_compose("volumes:\n  data: {}\n", "volumes.yml") == ()
    assert read_compose("services:\n", "none.yml") == ()
    assert read_compose("services:\n  db:\n", "none.yml")[0].ports == ()


def test_crlf_and_bom_do_not_shift_lines() -> None:
    text = '\ufeffservices:\r\n  web:\r\n    ports:\r\n      - "5000:3000"\r\n'
    (port,) = read_compose(text, "compose.yml")[0].ports
    assert (port.location.line, port.location.column, str(port.published)) == (4, 10, "5000")


# --- reading Prometheus and env files -------------------------------------------------------------


def test_prometheus_targets_and_alertmanagers() -> None:
    targets = read_prometheus(
        textwrap.dedent(
            """\
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["alertmanager:9093"]
            scrape_configs:
              - job_name: node
                static_configs:
                  - targets: ["[::1]:9100", "nas:9100"]
                  - labels: {env: prod}
              - job_name: blackbox
                file_sd_configs:
                  - files: ["probes/*.yml"]
              - job_name: broken
                static_configs:
                  - targets: ["web:http", "example.org"]
            """
        ),
        "prometheus.yml",
    )
    found = [(t.job, t.host, t.port, t.location.line, t.location.column, t.error) for t in targets]
    assert found == [
        ("node", "::1", 9100, 8, 20, None),
        ("node", "nas", 9100, 8, 34, None),
        ("broken", "web:http", None, 15, 20, "port 'http' is not a port or a port range"),
        ("broken", "example.org", None, 15, 32, None),
        (None, "alertmanager", 9093, 4, 22, None),
    ]


def test_prometheus_job_without_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no 'job_name'") as caught:
        read_prometheus("scrape_configs:\n  - static_configs: []\n", "prometheus.yml")
    assert caught.value.line == 2


@pytest.mark.parametrize(("text", "expected"), [("a:1", ("a", 1)), ("[::1]:9090", ("::1", 9090)), ("b", ("b", None))])
def test_parse_target(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_target(text) == expected


def test_env_files_name_port_variables() -> None:
    text = (
        "# generated\nexport MANA_AUTH_PORT=3001\nCHAT_BACKEND_PORT='3030'  # quoted\n"
        "TODO_SERVER_PORT=3031 # comment\nMANA_MEDIA_PORT=\nPORT=8080\nNODE_ENV=production\nBAD_PORT=30a1\n"
    )
    found = [
        (v.variable, v.service, v.port, v.location.line, v.location.column, v.error) for v in read_env(text, ".env")
    ]
    assert found == [
        ("MANA_AUTH_PORT", "mana-auth", 3001, 2, 23, None),
        ("CHAT_BACKEND_PORT", "chat-backend", 3030, 3, 20, None),
        ("TODO_SERVER_PORT", "todo-server", 3031, 4, 18, None),
        ("MANA_MEDIA_PORT", "mana-media", None, 5, 17, "the value is empty"),
        ("BAD_PORT", "bad", None, 8, 10, "value '30a1' is not a port number"),
    ]


# --- matching ---------------------------------------------------------------------------------------

DOC = """\
## 3000-3009: Core

| Port | Service |
|------|---------|
| 3001 | mana-auth |
| 3002 | mana-credits |
| 3003-3009 | *(reserved)* |

## 9000-9199: Infrastructure

| Port | Service |
|------|---------|
| 9000 | minio (S3 API) |
| 9001 | minio (Console) |
| 9100 | node-exporter |
"""


def model():  # type: ignore[no-untyped-def]
    return registry(parse(DOC, path="PORT_SCHEMA.md"))


def test_names_match_conservatively() -> None:
    matcher = Matcher(model())

    def names(name: str) -> list[str | None]:
        return [entry.service for entry in matcher.find(name)]

    assert names("mana-auth") == names("MANA_AUTH") == names("mana.auth") == ["mana-auth"]
    assert names("minio") == ["minio (S3 API)", "minio (Console)"]  # one service on both ports
    assert names("minio-s3-api") == ["minio (S3 API)"]  # MINIO_S3_API_PORT, as export writes it
    assert names("auth") == names("manaauth") == names("mana-auth-service") == []  # no guessing
    assert matcher.suggest("mana-auht") == "mana-auth" and matcher.suggest("grafana") is None
    assert name_key(" Mana  Auth ") == "mana-auth"


# --- every rule: one case that triggers it, one that must not -----------------------------------------


def drift(
    compose_text: str = "",
    prometheus_text: str = "",
    env_text: str = "",
    config: Config | None = None,
    document: str = DOC,
) -> Report:
    variables = {}
    env_ports = ()
    if env_text:
        from mdports.deploy.envfile import read_variables

        variables = {name: value for name, value, _, _ in read_variables(env_text)}
        env_ports = read_env(env_text, ".env")
    services = read_compose(textwrap.dedent(compose_text), "compose.yml", variables) if compose_text else ()
    targets = read_prometheus(textwrap.dedent(prometheus_text), "prometheus.yml") if prometheus_text else ()
    files = (("compose", "compose.yml"), ("prometheus", "prometheus.yml"), ("env", ".env"))
    deployment = Deployment(services, targets, env_ports, files)
    return check(registry(parse(document, path="PORT_SCHEMA.md")), deployment, config)


def rules(report: Report, *, with_info: bool = False) -> list[str]:
    return [f.rule.id for f in report.findings if with_info or f.severity != "info"]


ALL_DEPLOYED = """\
services:
  mana-auth: {ports: ["3001:3001"]}
  mana-credits: {ports: ["127.0.0.1:3002:3002"]}
  minio: {ports: ["9000-9001:9000-9001"]}
  node-exporter: {network_mode: host}
"""


def test_a_deployment_that_matches_the_document_has_no_findings() -> None:
    report = drift(
        ALL_DEPLOYED, "scrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['localhost:9100']}]\n"
    )
    assert report.findings == () and not report.fails(strict=True)


def test_mp201_undocumented_port() -> None:
    report = drift("services:\n  coturn: {ports: ['3478:3478/udp', '3500:3500']}\n")
    assert [(f.rule.id, f.ports, f.message) for f in report.findings if f.severity != "info"] == [
        ("MP201", (3478,), "compose service coturn publishes port 3478/udp, which the document does not list"),
        ("MP201", (3500,), "compose service coturn publishes port 3500, which the document does not list"),
    ]
    # Not: a port docker picks, a target on another machine, an env variable naming no entry.
    quiet = drift(
        "services:\n  storybook: {ports: ['6006', '127.0.0.1::6007', '8000-8010:80']}\n",
        "scrape_configs:\n  - job_name: nas\n    static_configs: [{targets: ['nas.lan:9221']}]\n",
        "SMTP_PORT=587\n",
    )
    assert rules(quiet) == []


def test_mp201_names_a_close_entry_only_in_the_hint() -> None:
    (finding,) = drift("services:\n  mana-auht: {ports: ['3101:3001']}\n").findings[:1]
    assert finding.rule.id == "MP201" and "the document has mana-auth" in finding.hint


def test_mp202_port_taken() -> None:
    report = drift("services:\n  mana-auth: {ports: ['3002:3001']}\n", env_text="MANA_CREDITS_PORT=3001\n")
    assert [(f.rule.id, f.path, f.line) for f in report.findings if f.severity != "info"] == [
        ("MP202", "compose.yml", 2),
        ("MP202", ".env", 1),
    ]
    assert rules(drift("services:\n  mana-auth: {ports: ['3001:3002']}\n", env_text="MANA_CREDITS_PORT=3002\n")) == []


def test_mp203_port_mismatch() -> None:
    report = drift(
        "services:\n  mana-auth: {ports: ['3101:3001', '3001:3001/udp']}\n",
        "scrape_configs:\n  - job_name: mana-credits\n    static_configs: [{targets: ['gpu-box:3102']}]\n",
    )
    assert [(f.rule.id, f.message) for f in report.findings if f.severity != "info"] == [
        ("MP203", "compose service mana-auth publishes port 3101; the document gives mana-auth 3001 (line 5)"),
        ("MP203", "compose service mana-auth publishes port 3001/udp; the document gives mana-auth 3001 (line 5)"),
        (
            "MP203",
            "scrape target gpu-box:3102 (job mana-credits) uses port 3102; "
            "the document gives mana-credits 3002 (line 6)",
        ),
    ]
    assert rules(drift("services:\n  mana-auth: {ports: ['3001:8080']}\n", env_text="MANA_AUTH_PORT=3001\n")) == []


def test_mp204_reserved_port() -> None:
    report = drift("services:\n  mana-events: {ports: ['3004-3005:3004-3005']}\n")
    assert [(f.rule.id, f.ports) for f in report.findings if f.severity != "info"] == [("MP204", (3004, 3005))]
    assert "marks reserved (line 7)" in report.findings[0].message
    assert rules(drift("services:\n  mana-auth: {ports: ['3001:3004']}\n")) == []


def test_mp205_duplicate_host_port() -> None:
    report = drift("services:\n  mana-auth: {ports: ['3001:3001']}\n  legacy-auth: {ports: ['0.0.0.0:3001:80']}\n")
    duplicate = [f for f in report.findings if f.rule.id == "MP205"]
    # One problem, one finding: the MP207 on the same line is folded into the MP205 error.
    assert [(f.line, f.message) for f in duplicate] == [
        (
            3,
            "host port 3001 of compose service legacy-auth is already published by mana-auth (compose.yml:2); "
            "also MP207: compose service legacy-auth publishes port 3001, which the document gives to mana-auth "
            "(line 5); no entry is named legacy-auth",
        )
    ]
    assert [f.rule.id for f in report.findings if f.line == 3] == ["MP205"]
    quiet = drift(
        """\
        services:
          mana-auth: {ports: ["127.0.0.1:3001:3001", "3001:3001/udp"]}
          mana-credits: {ports: ["192.168.1.5:3001:3002"]}
        """
    )
    assert "MP205" not in rules(quiet)


def test_mp205_the_same_service_in_an_override_file_is_not_a_duplicate() -> None:
    base = read_compose("services:\n  mana-auth: {ports: ['3001:3001']}\n", "docker-compose.yml")
    override = read_compose("services:\n  mana-auth: {ports: ['3001:3001']}\n", "docker-compose.override.yml")
    deployment = Deployment(base + override, files=(("compose", "docker-compose.yml"),))
    assert "MP205" not in rules(check(model(), deployment))


def test_mp206_undeployed_service_is_info_and_does_not_fail() -> None:
    report = drift("services:\n  mana-auth: {ports: ['3001:3001']}\n")
    undeployed = [(f.rule.id, f.path, f.line, f.severity) for f in report.findings]
    assert undeployed == [
        ("MP206", "PORT_SCHEMA.md", 6, "info"),
        ("MP206", "PORT_SCHEMA.md", 13, "info"),
        ("MP206", "PORT_SCHEMA.md", 14, "info"),
        ("MP206", "PORT_SCHEMA.md", 15, "info"),
    ]
    assert not report.fails(strict=True)
    present = drift(
        "services:\n  mana-auth: {ports: ['3001:3001']}\n",
        "scrape_configs:\n  - job_name: minio\n    static_configs: [{targets: ['minio.lan:9000']}]\n",
        "MANA_CREDITS_PORT=3002\nNODE_EXPORTER_PORT=9100\n",
    )
    assert rules(present, with_info=True) == []


def test_mp207_unmatched_name() -> None:
    report = drift("services:\n  auth: {ports: ['3001:3001']}\n")
    (finding,) = [f for f in report.findings if f.severity != "info"]
    assert finding.rule.id == "MP207" and finding.message.endswith("no entry is named auth")
    assert rules(drift("services:\n  auth: {container_name: mana-auth, ports: ['3001:3001']}\n")) == []


def test_mp208_scrape_published_port() -> None:
    compose_text = "services:\n  landings: {ports: ['3001:80']}\n"
    report = drift(
        compose_text, "scrape_configs:\n  - job_name: landings\n    static_configs: [{targets: ['landings:3001']}]\n"
    )
    (finding,) = [f for f in report.findings if f.path == "prometheus.yml"]
    assert finding.rule.id == "MP208"
    assert "inside the compose network landings listens on 80 (compose.yml:2)" in finding.message
    report = drift(
        compose_text, "scrape_configs:\n  - job_name: landings\n    static_configs: [{targets: ['landings:80']}]\n"
    )
    assert [f.rule.id for f in report.findings if f.path == "prometheus.yml"] == []


def test_mp209_unreadable_port() -> None:
    report = drift("services:\n  mana-auth: {ports: ['${AUTH_PORT}:3001']}\n", env_text="MANA_CREDITS_PORT=x\n")
    assert [(f.rule.id, f.path) for f in report.findings if f.severity != "info"] == [
        ("MP209", "compose.yml"),
        ("MP209", ".env"),
    ]
    quiet = drift("services:\n  mana-auth: {ports: ['${AUTH_PORT}:3001']}\n", env_text="AUTH_PORT=3001\nSMTP_PORT=\n")
    assert rules(quiet) == []


def test_mp210_scrape_port_taken() -> None:
    compose_text = "services:\n  mana-auth: {ports: ['3001:3001']}\n"
    scrape = "scrape_configs:\n  - job_name: core\n    static_configs: [{targets: ['mana-auth:%d']}]\n"
    assert rules(drift(compose_text, scrape % 3002)) == ["MP210"]
    # A port nobody documents: the service declares ports and this is none of them (MP211) ...
    assert rules(drift(compose_text, scrape % 9464)) == ["MP211"]
    # ... unless it declares none at all: then it may listen anywhere.
    assert rules(drift("services:\n  mana-auth: {image: auth}\n", scrape % 9464)) == []
    exposed = "services:\n  mana-auth:\n    ports: ['3001:3001']\n    expose: ['3002']\n"
    assert rules(drift(exposed, scrape % 3002)) == []


def test_rule_ids_are_unique_and_do_not_clash_with_validate() -> None:
    from mdports.rules.catalog import DOCUMENT_RULES as VALIDATE_RULES

    ids = [rule.id for rule in RULES]
    assert len(set(ids)) == len(ids) and all(i.startswith("MP2") for i in ids)
    assert not {rule.name for rule in RULES} & {rule.name for rule in VALIDATE_RULES}


# --- known exceptions ------------------------------------------------------------------------------------


def test_ignore_and_accept_from_the_configuration_and_the_document() -> None:
    compose_text = "services:\n  mana-auth: {ports: ['3101:3001', '3005:3005']}\n"
    report = drift(compose_text, config=Config(ignore=frozenset({"undeployed-service"}), accept=(("MP203", 3101),)))
    assert [(f.rule.id, f.ports) for f in report.findings] == [("MP204", (3005,))]
    assert [(f.rule.id, f.ports) for f in report.accepted] == [("MP203", (3101,))]
    inline = DOC.replace("## 3000-3009: Core\n", "## 3000-3009: Core\n\n<!-- mdports: accept MP204 3005 -->\n")
    report = drift(compose_text, config=Config(ignore=frozenset({"MP206"})), document=inline)
    assert [(f.rule.id, f.ports) for f in report.findings] == [("MP203", (3101,))]
    assert len(report.accepted) == 1


# --- the command line ------------------------------------------------------------------------------------


def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT, tmp_path / "project"))


def test_command_line_files_replace_the_configured_ones(tmp_path: Path) -> None:
    result = invoke_mdports("drift", "--env", ".env.macmini", "--format", "json", cwd=project(tmp_path))
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 1 and report["summary"]["services"] == 0
    assert {f["path"] for f in report["findings"]} == {".env.macmini", "docs/PORT_SCHEMA.md"}
    assert result.returncode == 1  # TODO_SERVER_PORT=3030 is chat-backend's port


def test_no_deployment_files_is_a_usage_error(tmp_path: Path) -> None:
    """None given, none configured, and none found as `mdports init` finds them (issue 23 point 2)."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    shutil.copyfile(project(tmp_path) / "docs" / "PORT_SCHEMA.md", root / "docs" / "PORT_SCHEMA.md")
    (root / "pyproject.toml").write_text('[tool.mdports]\nfile = "docs/PORT_SCHEMA.md"\n')
    result = invoke_mdports("drift", cwd=root)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("mdports: error: no deployment files to compare the document with\n  hint: pass")


def test_strict_never_fails_on_info(tmp_path: Path) -> None:
    result = invoke_mdports("drift", "--compose", "docker-compose.monitoring.yml", "--strict", cwd=project(tmp_path))
    assert result.returncode == 0 and result.stdout.endswith(": 0 error(s), 0 warning(s), 61 info\n")


def test_strict_turns_a_warning_into_failure(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "only-crawler.yml").write_text('services:\n  mana-crawler:\n    ports: ["3114:3014"]\n')
    assert invoke_mdports("drift", "-c", "only-crawler.yml", cwd=root).returncode == 0
    assert invoke_mdports("drift", "-c", "only-crawler.yml", "--strict", cwd=root).returncode == 1


def test_github_format_writes_a_step_summary(tmp_path: Path) -> None:
    root = project(tmp_path)
    summary = tmp_path / "summary.md"
    result = invoke_mdports("drift", "--format", "github", cwd=root, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    text = summary.read_text()
    assert text.startswith("### mdports drift: docs\\/PORT\\_SCHEMA\\.md\n")  # escaped as in the PR comment
    # Infos are off by default in the github format (annotations and summary alike) ...
    assert "| error | MP205 duplicate-host-port |" in text and "| info |" not in text
    assert "::notice" not in result.stdout
    # ... and back with --min-severity info.
    again = invoke_mdports(
        "drift", "--format", "github", "--min-severity", "info", cwd=root, env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert "::notice" in again.stdout and "| info | MP206 undeployed-service |" in summary.read_text()


def test_a_yaml_error_is_one_message_never_a_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "docker-compose.yml").write_text('services:\n  web:\n    ports: ["3001:3001"\n  db: {}\n')
    result = invoke_mdports("drift", "--compose", "docker-compose.yml", cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("mdports: error: docker-compose.yml:4:3: is not valid YAML")


def test_binary_deployment_file_is_an_input_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "compose.yml").write_bytes(b"services:\x00\n")
    result = invoke_mdports("drift", "-c", "compose.yml", cwd=root)
    assert result.returncode == 2 and "compose.yml: looks like a binary file" in result.stderr


def test_validate_does_not_import_yaml_or_the_drift_modules() -> None:
    """``validate`` runs on every commit: the drift command's imports are paid for only by ``drift``."""
    code, imported = modules_loaded_by("validate", str(PROJECT / "docs" / "PORT_SCHEMA.md"))
    assert code == 0
    assert "mdports.cli.read" in imported  # the check would be vacuous otherwise
    assert not {name for name in imported if name.split(".")[0] in ("yaml", "_yaml")}
    assert not imported & {
        "mdports.cli.drift",
        "mdports.cli.export",
        "mdports.deploy.drift",
        "mdports.deploy.compose",
        "mdports.deploy.deployment",
        "mdports.output.export",
    }


def test_a_target_on_a_container_without_its_compose_file_is_deployed_but_its_port_unchecked() -> None:
    """``mana-auth:8080`` names a container; without its compose file the host port behind 8080 is unknown."""
    targets = "['mana-auth:8080', 'mana-credits:9001']"
    scrape = f"scrape_configs:\n  - job_name: core\n    static_configs: [{{targets: {targets}}}]\n"
    report = drift(prometheus_text=scrape)
    assert [(f.rule.id, f.ports) for f in report.findings] == [
        ("MP206", (9000,)),
        ("MP206", (9001,)),
        ("MP206", (9100,)),
    ]


def test_an_undocumented_port_can_be_accepted_in_the_section_whose_range_holds_it() -> None:
    inline = DOC.replace(
        "## 9000-9199: Infrastructure\n", "## 9000-9199: Infrastructure\n\n<!-- mdports: accept MP201 9150 -->\n"
    )
    compose_text = "services:\n  pve-exporter: {ports: ['9150:9221', '9151:9221']}\n"
    report = drift(compose_text, config=Config(ignore=frozenset({"MP206"})), document=inline)
    assert [(f.rule.id, f.ports) for f in report.findings] == [("MP201", (9151,))]
    assert [(f.rule.id, f.ports) for f in report.accepted] == [("MP201", (9150,))]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    root = project(tmp_path)
    once = invoke_mdports("drift", "-c", "docker-compose.macmini.yml", "--format", "json", cwd=root)
    twice = invoke_mdports(
        "drift", "-c", "docker-compose.macmini.yml", "-c", "./docker-compose.macmini.yml", "--format", "json", cwd=root
    )
    assert twice.stdout == once.stdout and json.loads(once.stdout)["summary"]["services"] == 59


# --- Prometheus in a container: `localhost` is the container -------------------------------------------

PROMETHEUS_DOC = DOC + "| 9097 | prometheus |\n"
SELF_SCRAPE = "scrape_configs:\n  - job_name: prometheus\n    static_configs: [{targets: ['localhost:%d']}]\n"


@pytest.mark.parametrize(
    "volumes",
    [
        "['./prometheus.yml:/etc/prometheus/prometheus.yml:ro', 'data:/prometheus']",
        "['.:/etc/prometheus']",  # the folder holding it
        "[{type: bind, source: ./prometheus.yml, target: /etc/prometheus/prometheus.yml}]",
        "['${CONFIG:-.}/prometheus.yml:/etc/prometheus/prometheus.yml']",
    ],
)
def test_prometheus_scraping_itself_in_its_container_uses_the_container_port(volumes: str) -> None:
    compose_text = f"services:\n  prometheus:\n    ports: ['9097:9090']\n    volumes: {volumes}\n"
    report = drift(compose_text, SELF_SCRAPE % 9090, document=PROMETHEUS_DOC)
    assert rules(report) == []


def test_prometheus_whose_configuration_no_container_mounts_scrapes_host_ports() -> None:
    # Where this Prometheus runs is not known: localhost:9090 is read as the host's port, which
    # the document gives to nobody (prometheus is on 9097).
    elsewhere = ("['data:/prometheus']", "['./other.yml:/etc/prometheus/prometheus.yml']", "['~/prometheus.yml:/p']")
    for volumes in elsewhere:
        compose_text = f"services:\n  prometheus:\n    ports: ['9097:9090']\n    volumes: {volumes}\n"
        assert rules(drift(compose_text, SELF_SCRAPE % 9090, document=PROMETHEUS_DOC)) == ["MP203"]
    # On the host's network the container's ports are the host's: 9090, not 9097.
    host_network = "services:\n  prometheus:\n    network_mode: host\n    volumes: ['.:/etc/prometheus']\n"
    assert rules(drift(host_network, SELF_SCRAPE % 9090, document=PROMETHEUS_DOC)) == ["MP203"]


def test_a_containerized_prometheus_reads_other_localhost_ports_as_before() -> None:
    # Only the container's own ports are taken as its own: localhost:9100 stays the host's node-exporter.
    compose_text = "services:\n  prometheus:\n    ports: ['9097:9090']\n    volumes: ['.:/etc/prometheus']\n"
    node = "scrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['localhost:9100']}]\n"
    mounted = drift(compose_text, node, document=PROMETHEUS_DOC)
    unmounted = drift(compose_text.replace(".:/etc", "data:/etc"), node, document=PROMETHEUS_DOC)
    assert rules(mounted) == rules(unmounted)


def test_drift_finds_the_container_that_mounts_the_prometheus_configuration(tmp_path: Path) -> None:
    """The layout of a grown repository: the configuration in a folder, mounted by path, found by discovery."""
    (tmp_path / "docs").mkdir()
    document = "## 9000-9199: Infrastructure\n\n| Port | Service |\n|---|---|\n| 9097 | prometheus |\n"
    (tmp_path / "docs" / "PORT_SCHEMA.md").write_text(document, encoding="utf-8")
    (tmp_path / "monitoring").mkdir()
    (tmp_path / "monitoring" / "prometheus.yml").write_text(SELF_SCRAPE % 9090, encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  prometheus:\n"
        "    image: prom/prometheus\n"
        "    ports: ['9097:9090']\n"
        "    volumes:\n"
        "      - ./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro\n",
        encoding="utf-8",
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    for run in (run_mdports, invoke_mdports):
        result = run("drift", cwd=tmp_path / "monitoring")  # from a subfolder: every path is relative
        assert (result.returncode, result.stdout) == (0, "../docs/PORT_SCHEMA.md: 0 error(s), 0 warning(s)\n")


def test_a_mount_whose_path_names_an_unset_variable_is_passed_over() -> None:
    """Found by benchmarks/damage.py (deploy/033): `${VOLUMES_PATH}/...` crashed the fix's read-back."""
    (service,) = read_compose("services:\n  db:\n    volumes: ['${VOLUMES_PATH}/db:/data', './init:/init']\n", "c.yml")
    assert [Path(mount).name for mount in service.mounts] == ["init"]


def test_fix_deployment_beside_a_mount_of_an_env_variable(tmp_path: Path) -> None:
    document = "## 3000-3099: Apps\n\n| Port | Service |\n|---|---|\n| 3001 | api |\n"
    (tmp_path / "PORTS.md").write_text(document, encoding="utf-8")
    (tmp_path / ".env").write_text("VOLUMES_PATH=/srv/data\n", encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    ports: ['3005:3000']\n    volumes: ['${VOLUMES_PATH}/api:/data']\n", encoding="utf-8"
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    result = run_mdports("-f", "PORTS.md", "drift", "--fix", "deployment", "--unsafe-fixes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "'3001:3000'" in (tmp_path / "docker-compose.yml").read_text(encoding="utf-8")

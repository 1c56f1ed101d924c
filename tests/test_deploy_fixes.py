"""Deployment reading and fixing that never break a file (issue 20, items 7-13 and 18).

Each item has a case through the installed command (``run_mdports``) and in-process variants
(``invoke_mdports``), on real files in a temporary folder; drift is run again afterwards, since
"fixed" means the finding is gone and nothing new appeared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st
from test_schemas import check as check_schema

from mdports.deploy.compose import read_compose
from mdports.deploy.kubernetes import read_kubernetes
from mdports.deploy.targets import read_cloudflared, read_prometheus
from mdports.syntax.row import split_eol, split_lines

DOC = "## 3000-3199: Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-sync |\n"
FIX = ("-f", "PORT_SCHEMA.md", "drift", "--fix", "deployment", "--unsafe-fixes")
DRIFT_JSON = ("-f", "PORT_SCHEMA.md", "drift", "--format", "json")


def project(tmp_path: Path, doc: str = DOC, **files: str) -> Path:
    """The document and deployment files (``name=text``; ``_`` in a name is ``.``) in ``tmp_path``."""
    (tmp_path / "PORT_SCHEMA.md").write_text(doc, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name.replace("_", ".")).write_bytes(text.encode("utf-8"))
    return tmp_path


def problems(stdout: str) -> list[dict[str, object]]:
    """The findings of ``drift --format json`` but infos (MP206: an entry deployed nowhere)."""
    return [f for f in json.loads(stdout)["findings"] if f["severity"] != "info"]


def drift_rules(root: Path, *files: str) -> list[tuple[object, ...]]:
    result = invoke_mdports(*DRIFT_JSON, *files, cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in problems(result.stdout)]


def at(text: str, line: int, column: int) -> str:
    """The text from a 1-based line and column on, lines counted as mdports counts them."""
    return split_eol(split_lines(text)[line - 1])[0][column - 1 :]


# --- item 7: positions as the YAML parser counts them, one implementation for every reader ----------

# Line breaks for YAML but not for an editor or mdports (NEL, LS, PS).
YAML_ONLY_BREAKS = ["\u2028", "\u2029", "\x85"]
EXAMPLE = (
    'services:\n  mana-auth:\n    labels: {description: "Auth\u2028"}\n    ports:\n'
    '      - "3101:3001"\n      #  3101:3001 is what staging uses\n'
)


def test_a_yaml_only_line_break_does_not_move_the_fix_onto_a_comment(tmp_path: Path) -> None:
    root = project(tmp_path, compose_yml=EXAMPLE)
    report = run_mdports(*DRIFT_JSON, "-c", "compose.yml", cwd=root)
    assert report.returncode == 0, report.stderr
    [finding] = problems(report.stdout)
    assert (finding["line"], finding["column"]) == (5, 10)
    sarif = run_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "sarif", cwd=root)
    assert sarif.returncode == 0 and json.loads(sarif.stdout)["runs"], sarif.stderr
    fixed = run_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert fixed.returncode == 0, fixed.stderr
    assert "compose.yml:5:10: MP203 host port 3101 -> 3001" in fixed.stderr
    assert (root / "compose.yml").read_text(encoding="utf-8") == EXAMPLE.replace('"3101:3001"', '"3001:3001"')


@pytest.mark.parametrize("brk", YAML_ONLY_BREAKS)
@pytest.mark.parametrize("count", [1, 12])
def test_yaml_only_breaks_before_a_port_in_every_format(tmp_path: Path, brk: str, count: int) -> None:
    """Twelve breaks put the parser's line past the end of the file: JSON and SARIF crashed there."""
    label = f'"x{brk * count}"'
    compose = f"services:\n  mana-auth:\n    labels: {{d: {label}}}\n    ports: ['3101:3001']  # 3101:3001\n"
    root = project(tmp_path, compose_yml=compose)
    for fmt in ("json", "sarif", "text", "github"):
        result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", fmt, cwd=root)
        assert result.returncode == 0 and "compose.yml" in result.stdout, result.stderr
    assert drift_rules(root, "-c", "compose.yml") == [("MP203", "compose.yml", 4, 14)]
    assert invoke_mdports(*FIX, "-c", "compose.yml", cwd=root).returncode == 0
    assert (root / "compose.yml").read_text(encoding="utf-8") == compose.replace("['3101", "['3001")


def test_every_yaml_reader_points_at_the_value_after_yaml_only_breaks() -> None:
    noise = 'note: "a\u2028b\u2029c\x85d"\n'
    compose = f"{noise}services:\n  web:\n    ports: [&p '3101:3001']\n"
    prometheus = f"{noise}scrape_configs:\n  - job_name: a\n    static_configs:\n"
    prometheus += '      - targets: ["\u2028", !!str localhost:3101]\n'
    tunnel = f"{noise}ingress:\n  - hostname: a.example.com\n    service: http://localhost:3101\n"
    kube = f"{noise}kind: Service\nmetadata: {{name: web}}\nspec:\n  ports: [{{port: 3101}}]\n---\n{noise}"
    kube += "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - ports: [{containerPort: 3102}]\n"
    [service] = read_compose(compose, "c.yml")
    targets = read_prometheus(prometheus, "p.yml")
    [route] = read_cloudflared(tunnel, "t.yml")
    manifests = read_kubernetes(kube, "k.yml")
    [kube_service], [workload] = manifests.services, manifests.workloads
    located = [
        (compose, service.location.line, service.location.column, "web:"),
        (compose, service.ports[0].location.line, service.ports[0].location.column, "3101:3001'"),
        (prometheus, targets[0].location.line, targets[0].location.column, '\u2028"'),
        (prometheus, targets[1].location.line, targets[1].location.column, "localhost:3101]"),
        (tunnel, route.location.line, route.location.column, "http://localhost:3101"),
        (tunnel, route.hostname_line, 5, "hostname: a.example.com"),
        (kube, kube_service.location.line, kube_service.location.column, "web}"),
        (kube, kube_service.ports[0].location.line, kube_service.ports[0].location.column, "3101}"),
        (kube, workload.ports[0].location.line, workload.ports[0].location.column, "3102}"),
    ]
    for text, line, column, value in located:
        assert at(text, line, column).startswith(value), (line, column, value)


def test_a_byte_order_mark_and_crlf_keep_columns_and_the_fix(tmp_path: Path) -> None:
    compose = "\ufeffservices:\r\n  mana-auth:\r\n    ports:\r\n      - !!str &p 3101:3001 # old\r\n"
    root = project(tmp_path, compose_yml=compose)
    assert drift_rules(root, "-c", "compose.yml") == [("MP203", "compose.yml", 4, 18)]
    assert invoke_mdports(*FIX, "-c", "compose.yml", cwd=root).returncode == 0
    assert (root / "compose.yml").read_bytes() == compose.replace(" 3101:", " 3001:").encode("utf-8")


def test_a_yaml_error_after_a_yaml_only_break_names_the_line_an_editor_shows(tmp_path: Path) -> None:
    root = project(tmp_path, compose_yml='services:\n  a: {d: "x\u2028y"}\n  b: @x\n  c: 1\n')
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", cwd=root)
    assert result.returncode == 2
    assert result.stderr.startswith("mdports: error: compose.yml:3:6: is not valid YAML")
    assert "    3 |   b: @x\n" in result.stderr  # the line quoted is the line named


_BREAKS = st.sampled_from([*YAML_ONLY_BREAKS, "\r\n", "\t", "é", "😀", "\x0b", "\x0c", "\x1c"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_BREAKS, max_size=3).map("".join), min_size=1, max_size=4), st.booleans())
def test_a_port_record_is_where_its_text_is_whatever_the_line_breaks(noises: list[str], bom: bool) -> None:
    """For any mix of line breaks and wide characters in earlier scalars, a record's line and
    column (as mdports counts lines) point at its text, and the fix changes exactly that text."""
    labels = "".join(f"      n{i}: {json.dumps(noise, ensure_ascii=False)}\n" for i, noise in enumerate(noises))
    text = ("\ufeff" if bom else "") + f"services:\n  web:\n    labels:\n{labels}    ports:\n      - '3101:3001'\n"
    try:
        [service] = read_compose(text, "c.yml")
    except Exception as exc:  # YAML refuses C0 controls such as \x0b: an InputError, with its position
        assert type(exc).__name__ == "InputError"
        return
    [port] = service.ports
    assert at(text, port.location.line, port.location.column).startswith("3101:3001")


# --- item 18: alias expansion is counted, not nodes ------------------------------------------------------


def manifests(count: int) -> str:
    one = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  labels: {{app: svc-{i}, tier: backend}}\n"
        "spec:\n  selector: {{app: svc-{i}}}\n  ports:\n    - {{name: http, port: 80, targetPort: 8080}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: svc-{i}}}\nspec:\n  template:\n"
        "    metadata: {{labels: {{app: svc-{i}}}}}\n    spec:\n      containers:\n        - name: app\n"
        "          image: example/app:{i}\n          ports: [{{containerPort: 8080, name: http}}]\n"
        "---\n"
    )
    return "".join(one.format(i=i) for i in range(count // 2))


def test_a_large_manifest_without_aliases_is_read(tmp_path: Path) -> None:
    text = manifests(6000)
    assert len(text.encode()) > 1_000_000 and text.count("---") == 6000
    root = project(tmp_path, k8s_yaml=text)
    result = run_mdports("-f", "PORT_SCHEMA.md", "drift", "-k", "k8s.yaml", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    assert "alias" not in result.stderr and json.loads(result.stdout)["summary"]["files"] == 1


def test_a_nested_list_bomb_no_reader_walks_is_read_fast(tmp_path: Path) -> None:
    """The graph of nested aliases is small; only what a reader walks again is counted."""
    lines = ["x-0: &l0 ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    lines += [f"x-{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    root = project(tmp_path, compose_yml="\n".join(lines) + "\nservices:\n  mana-auth:\n    ports: ['3001:3001']\n")
    result = run_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "-q", cwd=root)
    assert result.returncode == 0, result.stderr


def test_a_billion_laughs_through_what_a_reader_walks_is_still_refused_fast(tmp_path: Path) -> None:
    """1,000 jobs x 1,000 static configs x 1,000 targets, from a 20 KB file."""
    targets = ", ".join(f"'h{i}:9100'" for i in range(1000))
    text = f"scrape_configs:\n  - job_name: a\n    static_configs: &s\n      - targets: &t [{targets}]\n"
    text += "      - targets: *t\n" * 999 + "".join(f"  - {{job_name: j{i}, static_configs: *s}}\n" for i in range(999))
    root = project(tmp_path, prometheus_yml=text)
    started = time.monotonic()
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-p", "prometheus.yml", cwd=root)
    assert time.monotonic() - started < 20  # a guard against hanging, not a measurement
    assert result.returncode == 2 and "through aliases (an alias bomb?)" in result.stderr


def test_a_list_shared_through_an_alias_is_read_until_its_expansion_is_too_large(tmp_path: Path) -> None:
    ports = "".join(f"      - '{4000 + i}:{4000 + i}'\n" for i in range(100))

    def compose(services: int) -> str:
        shared = "".join(f"  s{i}:\n    ports: *p\n" for i in range(1, services))
        return f"services:\n  s0:\n    ports: &p\n{ports}{shared}"

    root = project(tmp_path, compose_yml=compose(3))
    assert invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "-q", cwd=root).returncode == 1
    (root / "compose.yml").write_text(compose(2000), encoding="utf-8")
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", cwd=root)
    assert result.returncode == 2 and "alias bomb" in result.stderr


# --- item 8: env files read as python-dotenv reads them -------------------------------------------------

MULTILINE_ENV = (
    'MOTD="Welcome!\nMANA_AUTH_PORT=3101\nsee the wiki"\n'
    "CERT='-----BEGIN-----\nMANA_SYNC_PORT=3102\n-----END-----'\n"
    "MANA_AUTH_PORT=3001\n"
)


def test_lines_inside_a_quoted_value_are_not_variables_and_are_never_rewritten(tmp_path: Path) -> None:
    root = project(tmp_path, _env=MULTILINE_ENV)
    report = run_mdports(*DRIFT_JSON, "-e", ".env", cwd=root)
    assert report.returncode == 0 and problems(report.stdout) == [], report.stdout
    fixed = run_mdports(*FIX, "-e", ".env", cwd=root)
    assert fixed.returncode == 0 and "0 fixed, 0 not fixed" in fixed.stderr, fixed.stderr
    assert (root / ".env").read_text(encoding="utf-8") == MULTILINE_ENV


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ('A="x\\"\nMANA_AUTH_PORT=3101\n"\nMANA_SYNC_PORT=3102\n', [("MANA_SYNC_PORT", "3102", 4, 16)]),
        ("A='x\r\nMANA_AUTH_PORT=3101'\r\nMANA_SYNC_PORT=3102\r\n", [("MANA_SYNC_PORT", "3102", 3, 16)]),
        ('A="x" junk\nMANA_AUTH_PORT=3101\n', [("MANA_AUTH_PORT", "3101", 2, 16)]),  # A sets nothing
        ('MANA_AUTH_PORT="3101\nMANA_SYNC_PORT=3102"\n', [("MANA_AUTH_PORT", "3101\nMANA_SYNC_PORT=3102", 1, 17)]),
        ("\ufeffexport   MANA_AUTH_PORT = '3101' # x\n", [("MANA_AUTH_PORT", "3101", 1, 29)]),
    ],
)
def test_env_variables_and_their_positions(env: str, expected: list[tuple[str, str, int, int]]) -> None:
    from mdports.deploy.envfile import read_env

    assert [(v.variable, v.value, v.location.line, v.location.column) for v in read_env(env, ".env")] == expected


def test_a_port_value_over_several_lines_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    env = 'MANA_AUTH_PORT="3101\n3102"\n'
    root = project(tmp_path, _env=env)
    report = invoke_mdports(*DRIFT_JSON, "-e", ".env", cwd=root)
    assert [f["rule"] for f in problems(report.stdout)] == ["MP209"]
    fixed = invoke_mdports(*FIX, "-e", ".env", cwd=root)
    assert "0 fixed, 1 not fixed" in fixed.stderr and (root / ".env").read_text(encoding="utf-8") == env


_ENV_TOKENS = st.sampled_from(
    ["A", "MANA_AUTH_PORT", "=", '"', "'", "#", "\\", " ", "\t", "export ", "\n", "\r", "\r\n", "3001", "\u2028",
     "\x0c", "\x85", "\xa0", '\\"', "\\'", "\\n", "x y", "é"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENV_TOKENS, max_size=25).map("".join))
def test_env_files_are_read_exactly_as_python_dotenv_reads_them(text: str) -> None:
    import io

    from dotenv.parser import parse_stream

    from mdports.deploy.envfile import read_variables

    found = list(read_variables(text))
    bindings = parse_stream(io.StringIO(text))
    assert [(n, v) for n, v, _, _ in found] == [(b.key, b.value) for b in bindings if b.key and b.value is not None]
    for _, value, line, column in found:
        if value and "\\" not in text:  # no escapes: the value is written as it reads
            assert at(text, line, column).startswith(split_eol(split_lines(value)[0])[0])


# --- item 9: a value shared through an anchor or a merge key is never given to one service -----------

SHARED_MERGE = """\
x-port: &port {target: 3001, published: "3101"}
services:
  mana-auth:
    ports: [{<<: *port, host_ip: 127.0.0.1}]
  mana-sync:
    ports: [{<<: *port, host_ip: 127.0.0.2, target: 3002}]
"""


def test_a_port_shared_through_a_merge_key_is_refused_naming_both_services(tmp_path: Path) -> None:
    root = project(tmp_path, compose_yml=SHARED_MERGE)
    before = drift_rules(root, "-c", "compose.yml")
    result = run_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert result.returncode == 0 and "0 fixed, 2 not fixed" in result.stderr, result.stderr
    assert result.stderr.count("shared by compose service mana-auth and compose service mana-sync") == 2
    assert (root / "compose.yml").read_text(encoding="utf-8") == SHARED_MERGE
    assert drift_rules(root, "-c", "compose.yml") == before


@pytest.mark.parametrize(
    "compose",
    [
        # a ports list shared through an alias (mana-sync runs on the host network: no duplicate)
        "services:\n  mana-auth:\n    ports: &p ['3101:3001']\n  mana-sync:\n    ports: *p\n    network_mode: host\n",
        # a port scalar shared through an alias
        "x: &p '3101:3001'\nservices:\n  mana-auth:\n    ports: [*p]\n  mana-sync:\n    network_mode: host\n"
        "    ports: [*p]\n",
    ],
)
def test_a_shared_ports_list_or_scalar_is_never_edited_for_one_service(tmp_path: Path, compose: str) -> None:
    root = project(tmp_path, compose_yml=compose)
    result = invoke_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert "0 fixed, 1 not fixed" in result.stderr, result.stderr
    assert "shared by compose service mana-auth and compose service mana-sync" in result.stderr
    assert (root / "compose.yml").read_text(encoding="utf-8") == compose


def test_a_prometheus_target_list_shared_by_two_jobs_is_refused(tmp_path: Path) -> None:
    prometheus = (
        "scrape_configs:\n  - job_name: mana-auth\n    static_configs: [{targets: &t ['localhost:3101']}]\n"
        "  - job_name: mana-sync\n    static_configs: [{targets: *t}]\n"
    )
    root = project(tmp_path, prometheus_yml=prometheus)
    result = invoke_mdports(*FIX, "-p", "prometheus.yml", cwd=root)
    assert "0 fixed, 2 not fixed" in result.stderr and "shared by job mana-auth and job mana-sync" in result.stderr
    assert (root / "prometheus.yml").read_text(encoding="utf-8") == prometheus


def test_a_merge_anchor_only_one_service_uses_is_still_fixed(tmp_path: Path) -> None:
    compose = "x-base: &base\n  ports: ['3101:3001']\nservices:\n  mana-auth:\n    <<: *base\n  worker:\n    image: w\n"
    root = project(tmp_path, compose_yml=compose)
    result = invoke_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert result.returncode == 0 and "1 fixed, 0 not fixed; wrote compose.yml" in result.stderr, result.stderr
    assert (root / "compose.yml").read_text(encoding="utf-8") == compose.replace("3101:", "3001:")


# --- item 10: protocol-aware ----------------------------------------------------------------------------

TURN_DOC = "## 3400-3499: Media\n\n| Port | Service |\n|---|---|\n| 3478 | coturn |\n"


def test_a_udp_mapping_is_not_fixed_for_a_tcp_entry(tmp_path: Path) -> None:
    compose = "services:\n  coturn:\n    ports: ['3479:3478/udp']\n"
    root = project(tmp_path, TURN_DOC, compose_yml=compose)
    before = drift_rules(root, "-c", "compose.yml")
    result = run_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert "0 fixed, 1 not fixed" in result.stderr, result.stderr
    assert "the mapping is udp, but the document gives coturn port 3478 for tcp only" in result.stderr
    assert (root / "compose.yml").read_text(encoding="utf-8") == compose
    assert drift_rules(root, "-c", "compose.yml") == before


@pytest.mark.parametrize(
    ("protocol", "mapping", "fixed"),
    [("udp", "3479:3478", False), ("tcp/udp", "3479:3478/udp", True), ("tcp/udp", "3479:3478", True)],
)
def test_a_mapping_is_fixed_only_for_a_protocol_its_entry_has(
    tmp_path: Path, protocol: str, mapping: str, fixed: bool
) -> None:
    doc = f"## 3400-3499: Media\n\n| Port | Service | Protocol |\n|---|---|---|\n| 3478 | coturn | {protocol} |\n"
    compose = f"services:\n  coturn:\n    ports: ['{mapping}']\n"
    root = project(tmp_path, doc, compose_yml=compose)
    result = invoke_mdports(*FIX, "-c", "compose.yml", cwd=root)
    assert ("1 fixed, 0 not fixed" in result.stderr) is fixed, result.stderr
    written = (root / "compose.yml").read_text(encoding="utf-8")
    assert written == (compose.replace("3479:", "3478:") if fixed else compose)
    if fixed:
        assert drift_rules(root, "-c", "compose.yml") == []


# --- item 12: a fix never strands the other files --------------------------------------------------------

STRANDED = {
    "compose_yml": "services:\n  mana-auth:\n    ports: ['3101:3001']\n",
    "cloudflared_yml": "ingress:\n  - hostname: auth.example.com\n    service: http://localhost:3101\n"
    "  - service: http_status:404\n",
    "prometheus_yml": "scrape_configs:\n  - job_name: auth\n    static_configs:\n"
    "      - targets: ['127.0.0.1:3101', 'mana-auth:3001']\n",
    "_env": "MANA_AUTH_PORT=3101\n",
}
ALL_FILES = ("-c", "compose.yml", "--cloudflared", "cloudflared.yml", "-p", "prometheus.yml", "-e", ".env")


def test_a_host_port_moves_with_every_reference_to_it_or_not_at_all(tmp_path: Path) -> None:
    root = project(tmp_path, **STRANDED)
    result = run_mdports(*FIX, *ALL_FILES, "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    check_schema("drift", result.stdout)
    record = json.loads(result.stdout)
    assert sorted(record["written_files"]) == [".env", "cloudflared.yml", "compose.yml", "prometheus.yml"]
    assert (record["fixed"], record["unfixed"]) == (2, [])  # the compose mapping and MANA_AUTH_PORT
    for name, text in STRANDED.items():
        expected = text.replace("3101", "3001")
        assert (root / name.replace("_", ".")).read_text(encoding="utf-8") == expected
    assert drift_rules(root, *ALL_FILES) == []


def test_without_unsafe_fixes_nothing_changes_where_traffic_goes(tmp_path: Path) -> None:
    root = project(tmp_path, **STRANDED)
    result = run_mdports("-f", "PORT_SCHEMA.md", "drift", "--fix", "deployment", *ALL_FILES, cwd=root)
    assert result.returncode == 0
    assert result.stderr.count("an unsafe fix); run with --unsafe-fixes to apply it") == 2
    assert result.stderr.endswith("PORT_SCHEMA.md: 0 fixed, 2 not fixed\n")
    for name, text in STRANDED.items():
        assert (root / name.replace("_", ".")).read_text(encoding="utf-8") == text
    usage = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "--unsafe-fixes", *ALL_FILES, cwd=root)
    assert usage.returncode == 2 and "--unsafe-fixes goes with --fix deployment" in usage.stderr


def test_a_reference_that_cannot_move_keeps_the_host_port_where_it_is(tmp_path: Path) -> None:
    files = dict(STRANDED)
    files["cloudflared_yml"] = "ingress:\n  - hostname: auth.example.com\n    service: 'http://localhost:3101'\n"
    files["prometheus_yml"] = (
        "scrape_configs:\n  - job_name: auth\n    static_configs:\n      - targets:\n          - >-\n"
        "            127.0.0.1:3101\n"
    )
    root = project(tmp_path, **files)
    result = invoke_mdports(*FIX, *ALL_FILES, cwd=root)
    assert "host port 3101 is also used by scrape target 127.0.0.1:3101 (prometheus.yml:5:" in result.stderr
    assert "nothing is moved" in result.stderr
    assert (root / "compose.yml").read_text(encoding="utf-8") == files["compose_yml"]
    assert (root / "cloudflared.yml").read_text(encoding="utf-8") == files["cloudflared_yml"]


def test_references_on_another_host_are_not_moved(tmp_path: Path) -> None:
    """A route on the laptop to localhost:3101 is the laptop's port, not the server's."""
    root = project(tmp_path, **STRANDED)
    config = (
        "[hosts.server]\ncompose = ['compose.yml']\nenv = ['.env']\n[hosts.laptop]\ncloudflared = ['cloudflared.yml']\n"
    )
    (root / ".mdports.toml").write_text(f"file = 'PORT_SCHEMA.md'\n{config}", encoding="utf-8")
    result = invoke_mdports("drift", "--fix", "deployment", "--unsafe-fixes", cwd=root)
    assert "wrote compose.yml, .env" in result.stderr, result.stderr
    assert (root / "cloudflared.yml").read_text(encoding="utf-8") == STRANDED["cloudflared_yml"]


# --- item 11: every file or none ---------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_read_only_file_means_no_file_is_written(tmp_path: Path) -> None:
    root = project(tmp_path, **STRANDED)
    os.chmod(root / "prometheus.yml", 0o444)  # mdports refuses a read-only file, root or not
    before = snapshot(root)
    result = run_mdports(*FIX, *ALL_FILES, cwd=root)
    assert result.returncode == 1, result.stderr
    assert "prometheus.yml: the file is read-only; nothing was written" in result.stderr
    assert snapshot(root) == before


@pytest.fixture
def immutable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no one may add a file to, not even root: ``chattr +i`` (the tests run as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)


def test_a_folder_that_takes_no_temporary_file_means_no_file_is_written(tmp_path: Path, immutable_folder: Path) -> None:
    root = project(tmp_path, **STRANDED)
    shutil.move(root / ".env", immutable_folder / ".env")
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(immutable_folder)]).returncode:
        pytest.fail("chattr +i is needed to make a folder unwritable for root")
    files = [arg.replace(".env", "ro/.env") for arg in ALL_FILES]
    before = snapshot(root)
    result = invoke_mdports(*FIX, *files, "--format", "json", cwd=root)
    assert result.returncode == 1 and "ro/.env: cannot create a temporary file" in result.stderr, result.stderr
    assert "the document is unchanged" in result.stderr and snapshot(root) == before
    assert not [p for p in root.rglob("*mdports-tmp")]


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_two_paths_to_one_file_are_written_once(tmp_path: Path, link: str) -> None:
    root = project(tmp_path, compose_yml=STRANDED["compose_yml"])
    if link == "symbolic":
        (root / "link.yml").symlink_to("compose.yml")
    else:
        os.link(root / "compose.yml", root / "link.yml")
    result = run_mdports(*FIX, "-c", "compose.yml", "-c", "link.yml", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["written_files"] == ["compose.yml"] and record["written"] is True
    assert [(c["path"], c["line"], c["old"], c["new"]) for c in record["changes"]] == [
        ("compose.yml", 3, "3101", "3001")
    ]
    assert (root / "compose.yml").read_text(encoding="utf-8") == STRANDED["compose_yml"].replace("3101:", "3001:")
    assert (root / "link.yml").read_text(encoding="utf-8") == STRANDED["compose_yml"].replace("3101:", "3001:")
    assert (root / "link.yml").is_symlink() == (link == "symbolic")


def test_the_text_output_names_every_file_written(tmp_path: Path) -> None:
    root = project(tmp_path, **STRANDED)
    result = invoke_mdports(*FIX, *ALL_FILES, cwd=root)
    assert result.stderr.endswith(
        "PORT_SCHEMA.md: 2 fixed, 0 not fixed; wrote compose.yml, prometheus.yml, cloudflared.yml, .env\n"
    )


# --- item 13: --fix document adopts a port no section's range holds, in place ----------------------------

TWO_SECTIONS = (
    "# Ports\n\n## 3000-3099: Core\n\n| Port | Service |\n|---|---|\n| 3001 | mana-auth |\n| 3002 | mana-sync |\n\n"
    "## 5000-5099: Web\n\n| Port | Service |\n|---|---|\n| 5001 | web |\n"
)
ADOPT = ("-f", "PORT_SCHEMA.md", "drift", "--fix", "document", "--keep-date")


def test_a_port_no_range_holds_is_adopted_in_place_and_its_mp101_reported(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_SECTIONS, compose_yml="services:\n  mana-auth:\n    ports: ['8101:3001']\n")
    result = run_mdports(*ADOPT, "-c", "compose.yml", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "moved mana-auth from 3001 to 8101" in result.stderr
    assert (
        "PORT_SCHEMA.md:8:3: warning MP101 port 8101 (mana-auth) is outside the section's range 3000-3099 "
        "(follows from this fix)" in result.stderr
    )
    assert result.stderr.endswith("PORT_SCHEMA.md: 1 fixed, 0 not fixed\n")
    expected = TWO_SECTIONS.replace(
        "| 3001 | mana-auth |\n| 3002 | mana-sync |", "| 3002 | mana-sync |\n| 8101 | mana-auth |"
    )
    assert (root / "PORT_SCHEMA.md").read_text(encoding="utf-8") == expected
    assert drift_rules(root, "-c", "compose.yml") == []
    validate = invoke_mdports("-f", "PORT_SCHEMA.md", "validate", "--format", "json", cwd=root)
    assert [f["rule"] for f in json.loads(validate.stdout)["findings"]] == ["MP101"]


def test_the_json_of_an_adoption_lists_what_follows_from_it(tmp_path: Path) -> None:
    compose = "services:\n  mana-sync:\n    ports: ['7002:3002']\n  web:\n    ports: ['5009:5001']\n"
    root = project(tmp_path, TWO_SECTIONS, compose_yml=compose)
    result = invoke_mdports(*ADOPT, "-c", "compose.yml", "--dry-run", "--format", "json", cwd=root)
    check_schema("drift", result.stdout)
    record = json.loads(result.stdout)
    assert (record["fixed"], record["written"], record["unfixed"]) == (2, False, [])
    assert [(f["rule"], f["ports"]) for f in record["follows"]] == [("MP101", [7002])]  # web stays in its range
    assert (root / "PORT_SCHEMA.md").read_text(encoding="utf-8") == TWO_SECTIONS


def test_an_undocumented_service_on_a_port_no_range_holds_goes_where_add_section_puts_it(tmp_path: Path) -> None:
    root = project(tmp_path, TWO_SECTIONS, compose_yml="services:\n  extra:\n    ports: ['9999:80']\n")
    result = invoke_mdports(*ADOPT, "--add-undocumented", "-c", "compose.yml", cwd=root)
    assert result.stderr == (
        "added extra on port 9999 in new section 'Other ports' at the end\nPORT_SCHEMA.md: 1 fixed, 0 not fixed\n"
    )
    after = (root / "PORT_SCHEMA.md").read_text(encoding="utf-8")
    assert after.startswith(TWO_SECTIONS) and "Other ports" in after and "| 9999 | extra |" in after
    again = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "json", cwd=root)
    assert "MP201" not in {f["rule"] for f in json.loads(again.stdout)["findings"]}  # documented now


# --- "fixed" means: read again, the finding is gone and nothing new appeared -----------------------------


def scraped_across_hosts(tmp_path: Path, sync_port: int) -> Path:
    """mana-auth (on 3101) and mana-sync on host gpu; Prometheus on host mac scrapes 10.0.0.5:3001 for mana-sync."""
    root = project(
        tmp_path,
        gpu_yml=f"services:\n  mana-auth:\n    ports: ['3101:3001']\n  mana-sync:\n    ports: ['{sync_port}:3002']\n",
        prometheus_yml="scrape_configs:\n  - job_name: mana-sync\n    static_configs: [{targets: ['10.0.0.5:3001']}]\n",
    )
    config = "[hosts.gpu]\naddress = '10.0.0.5'\ncompose = ['gpu.yml']\n[hosts.mac]\nprometheus = ['prometheus.yml']\n"
    (root / ".mdports.toml").write_text(f"file = 'PORT_SCHEMA.md'\n{config}", encoding="utf-8")
    return root


def test_a_fix_that_would_send_another_job_to_the_moved_service_is_refused(tmp_path: Path) -> None:
    """Every pre-check passes here; only drift run again on the new texts sees the harm: Prometheus
    (on another host) scrapes 10.0.0.5:3001 for mana-sync, which mana-auth would then answer."""
    root = scraped_across_hosts(tmp_path, sync_port=3002)
    before = snapshot(root)
    result = run_mdports("drift", "--fix", "deployment", "--unsafe-fixes", cwd=root)
    assert result.returncode == 0 and result.stderr.endswith("0 fixed, 1 not fixed\n"), result.stderr
    assert "it would cause new finding: MP211 at prometheus.yml:3:34 (scrape target 10.0.0.5:3001" in result.stderr
    assert snapshot(root) == before


def test_an_env_value_a_compose_host_port_is_read_from_moves_that_ports_references(tmp_path: Path) -> None:
    files = {**STRANDED, "compose_yml": "services:\n  mana-auth:\n    ports: ['${MANA_AUTH_PORT}:3001']\n"}
    root = project(tmp_path, **files)
    result = invoke_mdports(*FIX, *ALL_FILES, cwd=root)
    assert result.returncode == 0, result.stderr
    assert ".env:1:16: MP203 host port 3101 -> 3001" in result.stderr
    # The compose mapping's own finding has no fix (a variable), but moving the variable removes it.
    assert "PORT_SCHEMA.md: 2 fixed, 0 not fixed; wrote .env, prometheus.yml, cloudflared.yml" in result.stderr
    for name in ("cloudflared_yml", "prometheus_yml", "_env"):
        assert (root / name.replace("_", ".")).read_text(encoding="utf-8") == files[name].replace("3101", "3001")
    assert (root / "compose.yml").read_text(encoding="utf-8") == files["compose_yml"]
    assert drift_rules(root, *ALL_FILES) == []


def test_a_udp_mapping_moves_no_tcp_route_with_it(tmp_path: Path) -> None:
    doc = "## 3400-3499: Media\n\n| Port | Service | Protocol |\n|---|---|---|\n| 3478 | coturn | tcp/udp |\n"
    compose = "services:\n  coturn:\n    ports: ['3479:3478/udp']\n"
    tunnel = "ingress:\n  - hostname: turn.example.com\n    service: http://localhost:3479\n"
    root = project(tmp_path, doc, compose_yml=compose, cloudflared_yml=tunnel)
    result = invoke_mdports(*FIX, "-c", "compose.yml", "--cloudflared", "cloudflared.yml", cwd=root)
    assert "compose.yml:3:14: MP203 host port 3479 -> 3478" in result.stderr, result.stderr
    assert (root / "cloudflared.yml").read_text(encoding="utf-8") == tunnel


def test_a_route_to_another_services_published_port_is_not_a_reference(tmp_path: Path) -> None:
    """TODO_SERVER_PORT=3030 feeds todo-server's mapping, but localhost:3030 is chat-backend's (the fleet's case)."""
    doc = "## 3030-3039: Apps\n\n| Port | Service |\n|---|---|\n| 3030 | chat-backend |\n| 3031 | todo-server |\n"
    compose = (
        "services:\n  chat-backend:\n    ports: ['3030:3030']\n"
        "  todo-server:\n    ports: ['${TODO_SERVER_PORT:-3031}:3031']\n"
    )
    tunnel = "ingress:\n  - hostname: chat.example.com\n    service: http://localhost:3030\n"
    root = project(tmp_path, doc, compose_yml=compose, cloudflared_yml=tunnel, _env="TODO_SERVER_PORT=3030\n")
    files = ("-c", "compose.yml", "--cloudflared", "cloudflared.yml", "-e", ".env")
    result = invoke_mdports(*FIX, *files, cwd=root)
    assert result.stderr.endswith("1 fixed, 0 not fixed; wrote .env\n"), result.stderr
    assert (root / ".env").read_text(encoding="utf-8") == "TODO_SERVER_PORT=3031\n"
    assert (root / "cloudflared.yml").read_text(encoding="utf-8") == tunnel


# --- item 7's sibling: a diff splits lines as mdports does --------------------------------------------


def test_diffs_split_lines_as_mdports_does(tmp_path: Path) -> None:
    """str.splitlines also splits at U+2028, U+0085 and form feed: the diff then had false lines and
    '\\ No newline at end of file' markers in the middle."""
    doc = DOC.replace("| mana-sync |", "| mana-sync | a\u2028b\x0cc |").replace("| Service |", "| Service | Note |")
    doc = doc.replace("|---|---|", "|---|---|---|").replace("| mana-auth |", "| mana-auth | x\x1cy |")
    compose = "services:\n  mana-auth:\n    labels: {d: \"\u2028\x85\"}\n    ports: ['3101:3001']  # \u2029\n"
    root = project(tmp_path, doc, compose_yml=compose)
    document = run_mdports("-f", "PORT_SCHEMA.md", "set", "mana-sync", "--set", "Note=z", "--diff", cwd=root)
    deployment = invoke_mdports(*FIX, "-c", "compose.yml", "--diff", "--format", "json", cwd=root)
    diffs = [document.stdout, json.loads(deployment.stdout)["diff"]]
    for diff in diffs:
        assert "No newline" not in diff
        changed = [line for line in diff.split("\n") if line[:1] in ("+", "-") and line[:3] not in ("+++", "---")]
        assert len(changed) == 2, diff
    assert diffs[1].endswith("-    ports: ['3101:3001']  # \u2029\n+    ports: ['3001:3001']  # \u2029\n")


def test_json_offers_a_fix_only_where_fix_deployment_would_make_it(tmp_path: Path) -> None:
    root = scraped_across_hosts(tmp_path, sync_port=3102)
    report = run_mdports("drift", "--format", "json", cwd=root)
    fixes = {(f["path"], f["line"]): f.get("fix") for f in problems(report.stdout)}
    assert fixes[("gpu.yml", 3)] is None  # mana-auth on 3001 would answer mana-sync's scrape target
    assert fixes[("gpu.yml", 5)] is not None and fixes[("gpu.yml", 5)]["applicability"] == "unsafe"
    assert [e["content"] for e in fixes[("gpu.yml", 5)]["edits"]] == ["3002"]


# --- the invariant: what a fix reports fixed is gone, nothing new appears, only digits change -----------

_PORTS = st.sampled_from([3001, 3002, 3003, 3004, 3005, 3101, 3102, 3103])


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, str]:
    """Compose services (some sharing a ports list through an alias), tunnel routes and env values."""
    lines = ["services:"]
    anchored: list[str] = []
    for index in range(1, draw(st.integers(1, 4)) + 1):
        name = f"s{index}"
        if anchored and draw(st.booleans()):
            lines += [f"  {name}:", f"    ports: *{draw(st.sampled_from(anchored))}"]
            continue
        protocol = draw(st.sampled_from(["", "", "/udp"]))
        mapping = f"'{draw(_PORTS)}:{3000 + index}{protocol}'"
        lines += [f"  {name}:", f"    ports: &p{index} [{mapping}]"]
        anchored.append(f"p{index}")
    routes = [
        f"  - hostname: r{i}.example.com\n    service: http://localhost:{draw(_PORTS)}"
        for i in range(draw(st.integers(0, 2)))
    ]
    env = [f"S{i}_PORT={draw(_PORTS)}" for i in range(1, draw(st.integers(0, 3)) + 1)]
    return {
        "compose.yml": "\n".join(lines) + "\n",
        "cloudflared.yml": "ingress:\n" + "\n".join(routes) + ("\n" if routes else "  - service: http_status:404\n"),
        ".env": "\n".join(env) + "\n",
    }


@settings(max_examples=40, deadline=None)
@given(deployments())
def test_a_fix_reports_fixed_only_what_is_gone_and_brings_nothing_new(files: dict[str, str]) -> None:
    import re
    import tempfile

    from mdports import parse, registry
    from mdports.deploy.deployment import HostFiles, load_hosts
    from mdports.deploy.drift import check
    from mdports.deploy.fix_deployment import follow_document

    doc = "## 3000-3099: Core\n\n| Port | Service |\n|---|---|\n" + "".join(
        f"| {3000 + i} | s{i} |\n" for i in range(1, 5)
    )
    model = registry(parse(doc, path="PORT_SCHEMA.md"))
    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        paths = {name: str(Path(folder) / name) for name in files}
        host = HostFiles("", (), (paths["compose.yml"],), (), (paths[".env"],), (paths["cloudflared.yml"],))
        deployed = load_hosts([host])
        before = check(model, deployed).findings
        outcome = follow_document(deployed, model, before)
        new_texts = {path: new for path, (_, new) in outcome.texts.items()}
        after = check(model, load_hosts([host], new_texts)).findings

    def place(finding: object) -> tuple[object, ...]:
        return (finding.path, finding.line, finding.column)  # type: ignore[attr-defined]

    assert {place(f) for f in after} <= {place(f) for f in before}  # nothing new
    assert not {place(f) for f in outcome.fixed} & {place(f) for f in after}  # fixed is gone
    for path, (old, new) in outcome.texts.items():
        assert re.sub(r"\d+", "N", old) == re.sub(r"\d+", "N", new), path  # only digits change


# --- found by benchmarks/damage.py on the corpus (deploy/002, deploy/013) ------------------------------

EXPORTED = "## 6000-9999: Data\n\n| Port | Service |\n|---|---|\n| 6379 | redis |\n| 9090 | prometheus |\n"
SCRAPES = """\
scrape_configs:
  # Redis metrics, through its exporter
  - job_name: 'redis'
    static_configs:
      - targets: ['redis-exporter:9121']
"""


def test_an_exporter_named_by_its_job_keeps_its_own_port(tmp_path: Path) -> None:
    """Job `redis` scraping `redis-exporter:9121` is the exporter's port, not a Redis on 9121: no
    MP203, and ``--fix deployment --unsafe-fixes`` does not point the scrape at Redis's 6379."""
    root = project(tmp_path, EXPORTED, prometheus_yml=SCRAPES)
    assert drift_rules(root, "-p", "prometheus.yml") == []
    result = run_mdports(*FIX, "-p", "prometheus.yml", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "prometheus.yml").read_text(encoding="utf-8") == SCRAPES

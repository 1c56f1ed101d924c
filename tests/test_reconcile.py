"""drift --fix on the fleet fixture: drift again afterwards.

The commands run in-process (``invoke_mdports``); the first fix of the document also through the
installed script.

The document direction moves and adds rows with the edit operations; the deployment direction
changes host-port digits only. Each is checked by running drift again and by the diff of every
file it touched.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdports
from mdports.deploy.compose import read_compose
from mdports.deploy.deployment import Deployment
from mdports.deploy.drift import check
from mdports.deploy.fix_deployment import follow_document

FLEET = GOLDEN / "drift" / "fleet"
DEPLOYMENT_FILES = [
    "docker-compose.macmini.yml",
    "docker-compose.dev.yml",
    "infrastructure/docker-compose.gpu-box.yml",
    "docker/prometheus/prometheus.yml",
    ".env.macmini",
    "cloudflared-config.yml",
]


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    shutil.copytree(FLEET, root)
    return root


def findings(root: Path) -> list[dict[str, object]]:
    result = invoke_mdports("drift", "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return found


def places(found: list[dict[str, object]], *rules: str) -> set[tuple[object, ...]]:
    return {(f["rule"], f["path"], f["line"]) for f in found if f["rule"] in rules}


def test_fix_document_adopts_the_deployed_ports(fleet: Path) -> None:
    before = findings(fleet)
    original = (fleet / "docs/PORT_SCHEMA.md").read_text(encoding="utf-8")

    result = run_mdports("drift", "--fix", "document", "--keep-date", "--format", "json", cwd=fleet)

    record = json.loads(result.stdout)
    assert record["written"] and record["fixed"] == 1, result.stderr
    assert [c["message"] for c in record["changes"]] == [
        "moved mana-image-gen from 3023 to 3026; 0 reference(s) updated",
    ]
    unfixed = {(u["rule"], u["path"], u["line"]): u["reason"] for u in record["unfixed"]}
    # Refused, since drift would find something new: the env files still give the old ports
    # (mana-crawler, whose 3114 no range holds, would be adopted in place otherwise), and
    # chat-backend's Kubernetes node port is not the port its compose service publishes.
    assert unfixed[("MP203", "docker-compose.macmini.yml", 301)].startswith(
        "it would cause new finding: MP203 at .env.macmini:18:19 (MANA_CRAWLER_PORT sets port 3014"
    )
    assert unfixed[("MP204", "docker-compose.macmini.yml", 377)].startswith(
        "it would cause new finding: MP203 at .env.macmini:22:15 (MANA_LLM_PORT sets port 3020"
    )
    assert unfixed[("MP203", "deploy/k8s/apps/chat-backend.yaml", 36)].startswith(
        "it would cause new findings: MP203 at docker-compose.macmini.yml:453:14"
    )
    after = findings(fleet)
    # The entry now sits where it runs: its MP204 is gone, and every finding left points where one
    # pointed before (comfyui's 3023 is no longer mana-image-gen's: MP207 becomes MP201 there).
    gone = places(before, "MP203", "MP204") - places(after, "MP203", "MP204")
    assert {(rule, path) for rule, path, _ in gone} == {("MP204", "infrastructure/docker-compose.gpu-box.yml")}
    assert len(after) < len(before)
    deployed = [(f["path"], f["line"], f["column"]) for f in after if f["path"] != "docs/PORT_SCHEMA.md"]
    assert set(deployed) <= {(f["path"], f["line"], f["column"]) for f in before}
    # Only the row of the entry and the placeholder it consumed changed.
    new = (fleet / "docs/PORT_SCHEMA.md").read_text(encoding="utf-8")
    changed = [
        line[1:]
        for line in difflib.unified_diff(original.splitlines(), new.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert all(re.match(r"\| 30(2[0-9]|2[5-9]-3029) \|", line) for line in changed), changed


def test_fix_document_adds_undocumented_compose_services_or_says_why_not(fleet: Path) -> None:
    result = invoke_mdports("drift", "--fix", "document", "--add-undocumented", "--dry-run", cwd=fleet)
    # A port outside every range goes where `add --section` puts it (issue 23, point 5).
    assert "added comfyui on port 8188 in new section 'Other ports' at the end" in result.stderr
    assert "only a compose service is added as a row" in result.stderr  # the tunnel's status.mana.how
    assert result.stdout == ""


def test_fix_document_with_add_undocumented_adds_a_row_in_the_range_holding_the_port(tmp_path: Path) -> None:
    (tmp_path / "PORT_SCHEMA.md").write_text(
        "## 3030-3039: Apps\n\n| Port | Service | Notes |\n|---|---|---|\n| 3030 | chat | |\n", encoding="utf-8"
    )
    (tmp_path / "compose.yml").write_text(
        "services:\n  todo:\n    ports:\n      - '3031:3000'   # new\n  chat:\n    ports: ['3030:3030']\n",
        encoding="utf-8",
    )
    args = ("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--fix", "document", "--add-undocumented")
    result = invoke_mdports(*args, "--keep-date", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added todo on port 3031" in result.stderr
    assert (tmp_path / "PORT_SCHEMA.md").read_text(encoding="utf-8").endswith("| 3030 | chat | |\n| 3031 | todo | |\n")
    again = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(again.stdout)["findings"]] == []


def test_fix_deployment_changes_only_host_port_digits(fleet: Path) -> None:
    before = findings(fleet)
    originals = {name: (fleet / name).read_text(encoding="utf-8") for name in DEPLOYMENT_FILES}

    result = invoke_mdports("drift", "--fix", "deployment", "--unsafe-fixes", cwd=fleet)

    assert "docker-compose.macmini.yml:301:10: MP203 host port 3114 -> 3014" in result.stderr
    assert ".env.macmini:28:18: MP202 host port 3030 -> 3031" in result.stderr
    assert "comfyui already publishes 3023 on this host" in result.stderr  # refused: it would clash
    after = findings(fleet)
    fixed = {("MP203", "docker-compose.macmini.yml", 301), ("MP204", "docker-compose.macmini.yml", 377)}
    fixed.add(("MP202", ".env.macmini", 28))
    assert fixed <= places(before, "MP202", "MP203", "MP204")
    assert not fixed & places(after, "MP202", "MP203", "MP204")
    # Fixed means gone and nothing new: every finding left points where one pointed before. (A
    # scrape target that addressed mana-llm:3020 still does: MP211, nothing listens, becomes
    # MP208, the published port; the same target, as wrong as before.)
    assert len(after) == len(before) - 3
    assert {(f["path"], f["line"], f["column"]) for f in after} <= {(f["path"], f["line"], f["column"]) for f in before}
    touched = 0
    for name, old in originals.items():
        new = (fleet / name).read_text(encoding="utf-8")
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        assert len(old_lines) == len(new_lines)
        for old_line, new_line in zip(old_lines, new_lines, strict=True):
            if old_line != new_line:
                touched += 1
                # The same bytes but for one number: the host port; the container port is kept.
                assert re.sub(r"\d+", "N", old_line) == re.sub(r"\d+", "N", new_line)
                if ":" in old_line and "PORT=" not in old_line:
                    assert old_line.rsplit(":", 1)[1] == new_line.rsplit(":", 1)[1]
    assert touched == 3


def test_fix_deployment_keeps_quotes_comments_and_long_syntax(tmp_path: Path) -> None:
    (tmp_path / "PORT_SCHEMA.md").write_text(
        "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n| 3002 | sync |\n", encoding="utf-8"
    )
    compose = (
        "x-common: &common\n  restart: always\n"
        "services:\n"
        "  auth:\n    <<: *common\n    ports:\n      - '127.0.0.1:3101:3001'  # auth\n"
        '  sync:\n    ports:\n      - target: 3002\n        published: "3102"   # long syntax\n'
    )
    (tmp_path / "compose.yml").write_text(compose, encoding="utf-8")
    args = ("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--fix", "deployment", "--unsafe-fixes")
    result = invoke_mdports(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = compose.replace("3101:3001", "3001:3001").replace('"3102"', '"3002"')
    assert (tmp_path / "compose.yml").read_text(encoding="utf-8") == expected
    again = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(again.stdout)["findings"]] == []


def test_fix_json_carries_the_diff_only_when_asked_and_writes_nothing_then(fleet: Path) -> None:
    originals = {name: (fleet / name).read_bytes() for name in DEPLOYMENT_FILES}
    fix = ("drift", "--fix", "deployment", "--unsafe-fixes")
    text = invoke_mdports(*fix, "--diff", cwd=fleet)
    with_diff = invoke_mdports(*fix, "--diff", "--format", "json", cwd=fleet)
    dry = invoke_mdports(*fix, "--dry-run", "--format", "json", cwd=fleet)

    record, without = json.loads(with_diff.stdout), json.loads(dry.stdout)
    assert record["diff"] == text.stdout and '+      - "3014:3014"' in record["diff"]
    assert "diff" not in without
    assert {key: value for key, value in record.items() if key != "diff"} == without
    assert (record["changed"], record["written"], record["fixed"]) == (True, False, 3)
    assert record["written_files"] == []
    assert {name: (fleet / name).read_bytes() for name in DEPLOYMENT_FILES} == originals


def test_drift_json_summary_counts_every_finding_and_lists_those_shown(fleet: Path) -> None:
    every = json.loads(invoke_mdports("drift", "--format", "json", cwd=fleet).stdout)
    errors = json.loads(invoke_mdports("drift", "--format", "json", "--min-severity", "error", cwd=fleet).stdout)

    assert errors["summary"] == every["summary"] and every["summary"]["warnings"] > 0
    assert errors["findings"] == [f for f in every["findings"] if f["severity"] == "error"] != []
    assert list(every["summary"])[-5:] == ["entries", "files", "services", "targets", "variables"]


def test_fix_options_need_fix(fleet: Path) -> None:
    result = invoke_mdports("drift", "--dry-run", cwd=fleet)
    assert result.returncode == 2 and "go with --fix" in result.stderr


# --- property: following the document changes host-port digits only --------------------------

DOCUMENT = "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n" + "".join(
    f"| {3000 + i} | svc-{i} |\n" for i in range(5)
)


@st.composite
def compose_files(draw: st.DrawFn) -> str:
    lines = ["x-base: &base", "  restart: always", "services:"]
    for index in range(draw(st.integers(min_value=1, max_value=5))):
        lines += [f"  svc-{index}:", "    <<: *base", "    ports:"]
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            host, target = draw(st.integers(3000, 3012)), draw(st.integers(80, 9000))
            comment = draw(st.sampled_from(["", "  # note", "   #3001:3001"]))
            if draw(st.booleans()):
                quote = draw(st.sampled_from(["", "'", '"']))
                address = draw(st.sampled_from(["", "127.0.0.1:", "[::1]:"])) if quote else ""
                protocol = draw(st.sampled_from(["", "/tcp"]))
                lines.append(f"      - {quote}{address}{host}:{target}{protocol}{quote}{comment}")
            else:
                quote = draw(st.sampled_from(["", '"']))
                lines += [f"      - target: {target}", f"        published: {quote}{host}{quote}{comment}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compose_files())
def test_following_the_document_changes_host_port_digits_only(text: str) -> None:
    registry = mdports.registry(mdports.parse(DOCUMENT))
    services = read_compose(text, "compose.yml")
    deployed = Deployment(services=services, files=(("compose", "compose.yml"),), sources={})
    outcome = follow_document(deployed, registry, check(registry, deployed).findings, {"compose.yml": text})
    new = outcome.texts.get("compose.yml", (text, text))[1]
    assert re.sub(r"\d+", "N", new) == re.sub(r"\d+", "N", text)
    after = read_compose(new, "compose.yml")
    for old_service, new_service in zip(services, after, strict=True):
        for old_port, new_port in zip(old_service.ports, new_service.ports, strict=True):
            assert new_port.target == old_port.target  # the container side never changes
            if new_port.published != old_port.published:
                assert new_port.published is not None
                assert new_port.published.lo == 3000 + int(old_service.name.split("-")[1])


def test_fix_deployment_changes_prometheus_host_port_targets_and_env_values(tmp_path: Path) -> None:
    (tmp_path / "PORT_SCHEMA.md").write_text(
        "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3001 | auth |\n| 3002 | sync |\n", encoding="utf-8"
    )
    prometheus = (
        "scrape_configs:\n"
        "  - job_name: auth\n"
        "    static_configs:\n"
        "      - targets: ['localhost:3101', \"127.0.0.1:3002\"]  # the job says auth; 3002 is sync's\n"
    )
    (tmp_path / "prometheus.yml").write_text(prometheus, encoding="utf-8")
    (tmp_path / ".env").write_text('export SYNC_PORT="3102"  # sync\nAUTH_PORT=3001\n', encoding="utf-8")
    args = ("-f", "PORT_SCHEMA.md", "drift", "-p", "prometheus.yml", "-e", ".env")
    result = invoke_mdports(*args, "--fix", "deployment", "--unsafe-fixes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = prometheus.replace("3101", "3001").replace('3002"', '3001"')
    assert (tmp_path / "prometheus.yml").read_text(encoding="utf-8") == expected
    assert (tmp_path / ".env").read_text(encoding="utf-8") == 'export SYNC_PORT="3002"  # sync\nAUTH_PORT=3001\n'
    again = invoke_mdports(*args, "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(again.stdout)["findings"] if f["severity"] != "info"] == []


def test_the_catalogue_says_which_drift_rules_have_a_fix() -> None:
    from mdports.deploy.fix_document import MOVED_OR_RESERVED
    from mdports.deploy.fix_plan import FOLLOWS
    from mdports.rules.catalog import DEPLOYMENT_RULES
    from mdports.rules.deployment_rules import UNDOCUMENTED_PORT

    fixed = {rule for rule in DEPLOYMENT_RULES if rule.fix is not None}
    assert fixed == {UNDOCUMENTED_PORT, *MOVED_OR_RESERVED, *FOLLOWS}

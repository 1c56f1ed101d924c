"""Drift against what runs (issue 21, point 6): the deployment compared with the running list.

The golden cases ``drift-shop-*`` show the whole output on a grown JS monorepo (``tests/golden/
drift/shop``); these tests pin each rule of the matching: hosts by name, label or address,
files by the host their names point at, running entries before the plan, ``--fix document``
changing only the running item's digits, and the layer/host in every output format.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import DRIFT, ROOT, invoke_mdports, run_mdports

from mdports import parse, registry
from mdports.deploy.deployment import HostFiles, load_hosts
from mdports.deploy.drift import check
from mdports.deploy.fix_document import adopt_deployment
from mdports.rules.findings import Finding

SHOP = DRIFT / "shop"
SHOP_FILES = [
    *("-c", "docker-compose.prod.yml", "-c", "docker-compose.gpu.yml"),
    *("-p", "monitoring/prometheus.yml", "--cloudflared", "cloudflared/config.yml"),
]
CORPUS = ROOT.parent / "shared" / "corpus"

DOC = """\
# Ports

> **Web Box (production) (`10.0.0.7`):**
> - shop-api `3061`, shop-events `3115` (moved from 3065 on 2026-01-20)
> - ci-runner `4100`
>
> **GPU box:**
> - ml-embed `7001`

## 3000-3099: Shop

| Port | Service |
|------|---------|
| 3001 | shop-api |
| 3003 | shop-events |
| 3010 | shop-mail |

## 7000-7099: ML

| Port | Service |
|------|---------|
| 7001 | ml-embed |
| 7002 | ml-ocr |
"""


def _drift(tmp_path: Path, hosts: list[HostFiles], files: dict[str, str], doc: str = DOC) -> list[Finding]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    named = [HostFiles(h.name, h.addresses, tuple(str(tmp_path / c) for c in h.compose)) for h in hosts]
    return list(check(registry(parse(doc, path="doc.md")), load_hosts(named), path="doc.md").findings)


def _rules(findings: list[Finding]) -> list[tuple[str, tuple[int, ...]]]:
    return [(f.rule.id, f.ports) for f in findings if f.severity != "info"]


WEB = """\
services:
  shop-api:
    ports: ["3061:3000"]
  shop-events:
    ports: ["3116:3000"]
"""


@pytest.mark.parametrize(
    ("name", "addresses"),
    [
        ("web box", ()),  # the label, case and parenthetical notes ignored
        ("Web-Box", ()),  # punctuation ignored
        ("production", ("10.0.0.7",)),  # by the address the label gives
    ],
)
def test_a_configured_host_is_matched_to_its_running_host(
    tmp_path: Path, name: str, addresses: tuple[str, ...]
) -> None:
    findings = _drift(tmp_path, [HostFiles(name, addresses, ("web.yml",))], {"web.yml": WEB})
    # shop-api runs where the running list says (3061, not the plan's 3001): nothing to say.
    assert _rules(findings) == [("MP203", (3116,))]
    mismatch = next(f for f in findings if f.rule.id == "MP203")
    assert mismatch.message == (
        f"compose service shop-events publishes port 3116 on {name}; the running list on Web Box gives "
        "shop-events 3115 (line 4)"
    )
    assert (mismatch.layer, mismatch.host) == ("running", "Web Box")
    # Matched to that host (not only to the service on any host): its files lack ci-runner.
    assert [f.ports for f in findings if f.rule.id == "MP206" and f.layer == "running"] == [(4100,)]


def test_an_unmatched_host_compares_with_the_running_entry_on_any_host(tmp_path: Path) -> None:
    findings = _drift(tmp_path, [HostFiles("hetzner-1", (), ("web.yml",))], {"web.yml": WEB})
    assert _rules(findings) == [("MP203", (3116,))]
    assert "on hetzner-1; the running list on Web Box gives shop-events 3115" in findings[0].message


def test_a_file_belongs_to_the_running_host_its_name_points_at(tmp_path: Path) -> None:
    # ml-embed runs on "GPU box" only; the web box file publishes it: the wrong host is not its host.
    gpu = "services:\n  ml-embed:\n    ports: ['7011:8000']\n"
    findings = _drift(
        tmp_path, [HostFiles("", (), ("docker-compose.gpu-box.yml",))], {"docker-compose.gpu-box.yml": gpu}
    )
    assert _rules(findings) == [("MP203", (7011,))]
    assert findings[0].message.startswith(
        "compose service ml-embed publishes port 7011 on GPU box; the running list on GPU box gives ml-embed 7001"
    )


def test_an_env_file_belongs_to_the_running_host_its_name_points_at(tmp_path: Path) -> None:
    (tmp_path / ".env.gpu-box").write_text("ML_EMBED_PORT=7011\nSHOP_EVENTS_PORT=3115\n", encoding="utf-8")
    deployed = load_hosts([HostFiles("", (), (), (), (str(tmp_path / ".env.gpu-box"),))])
    findings = check(registry(parse(DOC, path="doc.md")), deployed, path="doc.md").findings
    # ml-embed runs on GPU box on 7001; shop-events runs only on the web box, on 3115: no finding.
    assert [(f.rule.id, f.ports, f.host) for f in findings if f.severity != "info"] == [("MP203", (7011,), "GPU box")]
    assert (
        findings[0].message
        == "ML_EMBED_PORT sets port 7011 on GPU box; the running list on GPU box gives ml-embed 7001 (line 8)"
    )


def test_services_without_a_running_entry_are_compared_with_the_plan(tmp_path: Path) -> None:
    compose = "services:\n  shop-mail:\n    ports: ['3011:25']\n  shop-api:\n    ports: ['3001:3000']\n"
    findings = _drift(tmp_path, [HostFiles("web box", (), ("web.yml",))], {"web.yml": compose})
    by_name = {f.deployed_as: f for f in findings if f.severity != "info"}
    # shop-mail has no running entry: its plan row says 3010. shop-api runs on 3061: the plan's
    # 3001 is not what it follows, so 3001 is a mismatch with the running list.
    mail, api = by_name["shop-mail"], by_name["shop-api"]
    assert mail.message == "compose service shop-mail publishes port 3011; the document gives shop-mail 3010 (line 16)"
    assert (mail.layer, mail.host) == ("planned", None)
    assert api.message.endswith("port 3001 on web box; the running list on Web Box gives shop-api 3061 (line 4)")


def test_a_port_the_running_list_documents_is_not_undocumented(tmp_path: Path) -> None:
    # ci-runner is in the running list only (no plan row): its port is documented. Published by
    # another name, that is MP207 (the port is someone's), not MP201 (nobody's).
    compose = "services:\n  ci-runner:\n    ports: ['4100:8080']\n"
    findings = _drift(tmp_path, [HostFiles("web box", (), ("web.yml",))], {"web.yml": compose})
    assert [f.rule.id for f in findings if f.rule.id in ("MP201", "MP207")] == []
    renamed = {"web.yml": compose.replace("ci-runner:", "runner-2:")}
    findings = _drift(tmp_path, [HostFiles("web box", (), ("web.yml",))], renamed)
    assert [f.rule.id for f in findings if f.rule.id in ("MP201", "MP207")] == ["MP207"]
    taken = next(f for f in findings if f.rule.id == "MP207")
    assert "which the running list on Web Box gives to ci-runner (line 5)" in taken.message


def test_the_same_port_on_two_running_hosts_is_each_hosts_own(tmp_path: Path) -> None:
    doc = DOC.replace("> - ml-embed `7001`", "> - ml-embed `7001`, ci-runner-2 `4100`")
    gpu = "services:\n  ci-runner-2:\n    ports: ['4100:8080']\n"
    findings = _drift(tmp_path, [HostFiles("gpu box", (), ("gpu.yml",))], {"gpu.yml": gpu}, doc)
    assert _rules(findings) == []


def test_a_running_item_whose_host_files_lack_it_is_reported_as_info(tmp_path: Path) -> None:
    findings = _drift(tmp_path, [HostFiles("web box", (), ("web.yml",))], {"web.yml": WEB})
    undeployed = [f.message for f in findings if f.rule.id == "MP206" and f.layer == "running"]
    # The web box's files were read: ci-runner is missing there. The GPU box's were not: no word.
    assert undeployed == [
        "ci-runner (4100) runs on Web Box by the running list, but the deployment files of Web Box do not have it"
    ]


def test_fix_document_changes_only_the_digits_of_the_running_item(tmp_path: Path) -> None:
    (tmp_path / "web.yml").write_text(WEB, encoding="utf-8")
    deployed = load_hosts([HostFiles("web box", (), (str(tmp_path / "web.yml"),))])
    document = parse(DOC, path="doc.md")
    model = registry(document)
    findings = check(model, deployed, path="doc.md").findings
    outcome = adopt_deployment(document, model, findings, deployed=deployed)
    assert [change.message for change in outcome.changes] == [
        "moved shop-events on Web Box from 3115 to 3116 (running list)"
    ]
    assert outcome.after.render() == DOC.replace("shop-events `3115`", "shop-events `3116`")
    assert outcome.unfixed == ()


def _shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    return root


def test_fix_document_writes_the_running_items_through_the_installed_command(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    before = (root / "docs" / "PORT_SCHEMA.md").read_text(encoding="utf-8")
    done = run_mdports("drift", *SHOP_FILES, "--fix", "document", "--keep-date", cwd=root)
    assert done.returncode == 0, done.stderr
    after = (root / "docs" / "PORT_SCHEMA.md").read_text(encoding="utf-8")
    changed = [(old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=True) if old != new]
    assert changed == [
        (
            ">   shop-events `3115` (moved from 3065 on 2026-01-20 because the",
            ">   shop-events `3116` (moved from 3065 on 2026-01-20 because the",
        ),
        ("> - ml-embed `7001`, ml-rerank `7002`", "> - ml-embed `7001`, ml-rerank `7012`"),
        ("| 5103 | docs-site | Astro | Public docs |", "| 5110 | docs-site | Astro | Public docs |"),
    ]
    # The tunnel still sends admin.example.org to 5174: that running item is left, and said so.
    assert "not fixed: docker-compose.prod.yml:48:10: MP203 compose service admin-web" in done.stderr
    again = run_mdports("drift", *SHOP_FILES, "--format", "json", cwd=root)
    assert {f["rule"] for f in json.loads(again.stdout)["findings"] if f["severity"] == "warning"} == {
        "MP201",
        "MP203",
    }
    assert [f["ports"] for f in json.loads(again.stdout)["findings"] if f["rule"] == "MP203"] == [[5175]]


def test_sarif_and_github_say_the_layer_and_host(tmp_path: Path) -> None:
    root = _shop(tmp_path)
    sarif = json.loads(invoke_mdports("drift", *SHOP_FILES, "--format", "sarif", cwd=root).stdout)
    results = sarif["runs"][0]["results"]
    events = next(r for r in results if "shop-events" in r["message"]["text"])
    assert events["properties"] == {"ports": [3116], "layer": "running", "host": "prod"}
    docs = next(r for r in results if "docs-site" in r["message"]["text"])
    assert docs["properties"] == {"ports": [5110], "layer": "planned", "host": None}
    github = invoke_mdports("drift", *SHOP_FILES, "--format", "github", cwd=root).stdout
    assert "publishes port 7012 on gpu; the running list on gpu gives ml-rerank 7002 (line 18)" in github


@pytest.mark.skipif(not (CORPUS / "deploy").is_dir(), reason="the shared corpus is not here")
@pytest.mark.parametrize("number", ["013", "019"])  # the corpus documents with deployments and running lists
def test_corpus_deployments_with_running_lists_drift_without_error(number: str) -> None:
    root = CORPUS / "deploy" / number
    composes = sorted(str(p) for p in root.rglob("*compose*.y*ml"))
    assert composes
    args = [a for c in composes for a in ("-c", c)]
    done = run_mdports("drift", "--file", str(CORPUS / "docs" / f"{number}.md"), *args)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_port_listed_only_on_another_host_is_undocumented_here_and_says_where(tmp_path: Path) -> None:
    gpu = "services:\n  runner-x:\n    ports: ['4100:8080']\n"
    findings = _drift(tmp_path, [HostFiles("gpu box", (), ("gpu.yml",))], {"gpu.yml": gpu})
    assert [f.message for f in findings if f.rule.id == "MP201"] == [
        "compose service runner-x publishes port 4100, which the document does not list on gpu box "
        "(its running list gives it to ci-runner 4100 (line 5) on Web Box)"
    ]

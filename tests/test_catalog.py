"""The rule catalogue is the one declaration: every table, schema and page derives from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FLEET, ROOT, invoke_mdports, run_mdports

import mdports
from mdports.output.report import explained, explanation
from mdports.rules.catalog import ALL_RULES, DEPLOYMENT_RULES, DOCUMENT_RULES, find_rule


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_rule_is_explained(rule: mdports.Rule) -> None:
    """What it checks, why it matters, an example (a fenced block) and its fix, whose safety is the catalogue's."""
    text = explanation(rule)
    assert text, "a rule without an explanation: write one in catalog.py"
    what = text[: text.index("**Why it matters.**")].strip()
    assert what and "**Example.**" in text
    fix = re.findall(r"^\*\*Fix(?: \((safe|unsafe)\))?\.\*\* ", text, re.MULTILINE)
    assert fix == [rule.fix or ""], f"the fix paragraph must say **Fix ({rule.fix}).**" if rule.fix else "**Fix.**"
    assert re.search(r"^```", text[text.index("**Example.**") :], re.MULTILINE) or rule.id == "MP206"


def test_rules_prints_one_rule_in_full() -> None:
    result = run_mdports("rules", "MP101")
    assert result.returncode == 0, result.stderr
    assert result.stdout == explained(find_rule("MP101")).rstrip("\n") + "\n"  # type: ignore[arg-type]
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "# MP101 port-out-of-range",
        "",
        "Severity: warning. Fix: unsafe (applied with --unsafe-fixes).",
    ]
    assert "**Fix (unsafe).**" in result.stdout and "<!-- mdports: accept MP101 5432 -->" in result.stdout


def test_rules_finds_a_rule_by_name_and_lists_all_without_one() -> None:
    by_name = invoke_mdports("rules", "wrong-host")
    assert by_name.returncode == 0 and by_name.stdout.startswith("# MP213 wrong-host\n")
    listing = invoke_mdports("rules").stdout.splitlines()
    assert [line.split()[0] for line in listing] == [rule.id for rule in ALL_RULES]


def test_rules_json_carries_the_explanation() -> None:
    records = json.loads(invoke_mdports("rules", "--format", "json").stdout)["rules"]
    assert [(r["id"], r["explanation"]) for r in records] == [(rule.id, explanation(rule)) for rule in ALL_RULES]


def test_the_schemas_rule_ids_are_the_catalogue() -> None:
    """Written by tools/generate_docs.py: a new rule is one run of it away from the schema."""
    common = json.loads((ROOT / "mdports" / "schemas" / "common.schema.json").read_text(encoding="utf-8"))
    assert common["$defs"]["ruleId"]["enum"] == [rule.id for rule in ALL_RULES]
    assert common["$defs"]["finding"]["properties"]["rule"] == {"$ref": "#/$defs/ruleId"}


def test_the_fixers_are_the_rules_with_a_fix() -> None:
    from mdports.fixes.fixers import FIXERS

    assert set(FIXERS) == {rule for rule in DOCUMENT_RULES if rule.fix is not None}


def test_the_drift_checks_report_the_deployment_rules() -> None:
    from mdports.deploy.drift import CHECKS

    assert {rule for kind in CHECKS.values() for rule in kind.reports} == set(DEPLOYMENT_RULES)


def test_each_drift_check_reports_only_the_rules_it_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on the fleet (three hosts, probes, a tunnel, traefik, Kubernetes): declared is what comes out."""
    from mdports.deploy.deployment import HostFiles, load_hosts
    from mdports.deploy.drift import CHECKS
    from mdports.deploy.matching import Context
    from mdports.files.config import load_config

    monkeypatch.chdir(FLEET)
    config = load_config(path=Path("pyproject.toml"))

    def names(paths: tuple[Path, ...]) -> tuple[str, ...]:
        return tuple(str(path) for path in paths)

    hosts = [
        HostFiles(
            h.name, h.addresses, *(names(p) for p in (h.compose, h.prometheus, h.env, h.cloudflared, h.kubernetes))
        )
        for h in config.hosts
    ]
    registry = mdports.registry(mdports.load("docs/PORT_SCHEMA.md"))
    context = Context(registry, load_hosts(hosts), "docs/PORT_SCHEMA.md", config)
    seen = set()
    for name, kind in CHECKS.items():
        reported = {finding.rule for finding in kind.run(context)}
        assert reported <= set(kind.reports), (name, sorted(r.id for r in reported - set(kind.reports)))
        seen |= reported
    assert len(seen) >= 8  # the fleet triggers most of them: the check above is not vacuous

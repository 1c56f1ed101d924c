"""One case that triggers each rule and one that must not."""

from __future__ import annotations

import pytest

import mdports
from mdports.files.config import Config
from mdports.model.ports import PortRange
from mdports.rules.catalog import DOCUMENT_RULES as RULES
from mdports.rules.structure_rules import FOREIGN_RANGE, TABLE_NOT_READ, UNUSED_ACCEPT
from mdports.rules.validation import CHECKS, CONFIGURED_CHECKS

# Reported by the check of another rule, in the same pass: FOREIGN_RANGE by OUT_OF_RANGE's,
# TABLE_NOT_READ by TABLE_ROLE's; UNUSED_ACCEPT by apply_exceptions, after every check.
REPORTED_WITH_OTHERS = frozenset({FOREIGN_RANGE, TABLE_NOT_READ, UNUSED_ACCEPT})


def doc(*rows: str, heading: str = "## 3000-3009: Core", header: str = "| Port | Service | Notes |") -> str:
    separator = "|" + "---|" * (header.count("|") - 1)
    return "\n".join([heading, "", header, separator, *rows]) + "\n"


def rules_of(text: str, config: Config | None = None) -> list[str]:
    return [finding.rule.id for finding in mdports.validate(mdports.parse(text, path="t.md"), config).findings]


CASES = {
    "MP001": (doc("| 3001 | a | |", "| 3001 | b | |"), doc("| 3001 | a | |", "| 3002 | b | |")),
    "MP002": (
        doc("| 3001 | a | |", "| 3002 | b | |", "| 3003 | A | |"),
        doc("| 3001 | a | |", "| 3002 | a | second port |"),  # one service on several rows
    ),
    "MP003": (doc("| 3o01 | a | |"), doc("| `3001` | a | |")),
    "MP004": (
        doc("| 3001 | a | |", "| 3002 | b | 3001 c-svc |"),
        doc("| 3001 | a-svc | |", "| 3002 | b | 3001 a-svc |"),
    ),
    "MP005": (
        doc("| 3001 | a | |", heading="## 3009-3000: Core"),
        doc("| 3001 | a | |", heading="## Core (3000–3009)"),
    ),
    "MP006": (doc("| 3001 | a |", header="| Port | Notes |"), doc("| 3001 | a |", header="| Port | Name |")),
    "MP007": (
        doc("| 3001 | a | sctp |", header="| Port | Service | Protocol |"),
        doc("| 3001 | a | UDP |", header="| Port | Service | Protocol |"),
    ),
    "MP101": (doc("| 3010 | a | |"), doc("| 3009 | a | |")),
    "MP102": (
        doc("| 3001 | a | |") + "\n" + doc("| 3005 | b | |", heading="## 3005-3019: Next"),
        doc("| 3001 | a | |") + "\n" + doc("| 3010 | b | |", heading="## 3010-3019: Next"),
    ),
    "MP103": (
        doc("| 3001-3003 | *(reserved)* | |", "| 3002 | a | |"),
        doc("| 3001 | *(reserved)* | |", "| 3002 | a | |"),
    ),
    "MP104": (doc("| 3002 | a | |", "| 3001 | b | |"), doc("| 3001 | a | |", "| 3002 | b | |")),
    "MP105": (doc("| 3001 | a | | extra |"), doc("| 3001 | a | |")),
    "MP106": (
        doc("| 3010 | a | |") + "\n" + doc("| 3011 | b | |", heading="## 3010-3019: Next"),
        doc("| 3009 | a | |") + "\n" + doc("| 3011 | b | |", heading="## 3010-3019: Next"),
    ),
    "MP107": (doc("| 3001 |  | |"), doc("| 3001 | *(reserved)* | |")),
    "MP108": (
        doc("| 3001 | a | |") + "\n" + doc("| 2025-01-02 | 3001 | a |", header="| Date | Port | Service |"),
        doc("| 3001 | a | |") + "\n" + doc("| 3002 | b | 2025-01-02 |", header="| Port | Service | Date |"),
    ),
    "MP109": (
        doc("| 3001 | a | |") + "\n" + doc("| 3002 | b |", header="| Ports used | Service |"),
        doc("| 3001 | a | |") + "\n" + doc("| 3002 | b |", header="| Ports | Service |"),
    ),
    "MP111": (
        "<!-- mdports: acept MP101 -->\n\n" + doc("| 3001 | a | |"),
        "<!-- mdports: accept MP101 3100 -->\n\n" + doc("| 3100 | a | |"),
    ),
    "MP112": (
        doc("| 3001 | a | |", heading="## 3000-3009: Core\n\n<!-- mdports: accept MP101 -->"),
        doc("| 3100 | a | |", heading="## 3000-3009: Core\n\n<!-- mdports: accept MP101 -->"),
    ),
    "MP113": (
        doc("| 3001 | mana-auth | |", "| 3002 | mana-\u0430uth | |"),  # a Cyrillic a
        doc("| 3001 | mana-auth | |", "| 3002 | \u043c\u0430\u043d\u0430 | |", "| 3003 | mana-api | |"),
    ),
    "MP113 (whole script)": (
        doc("| 3001 | ape | |", "| 3002 | \u0430\u0440\u0435 | |"),  # all Cyrillic, looks like ape
        doc("| 3001 | rn | |", "| 3002 | m | |"),  # one script: fonts, not another alphabet
    ),
    "MP002 (NFC and NFD)": (
        doc("| 3001 | caf\u00e9 | |", "| 3002 | b | |", "| 3003 | cafe\u0301 | |"),
        doc("| 3001 | caf\u00e9 | |", "| 3002 | cafe | |"),
    ),
    "MP114": (
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3005`\n- bot `3006`\n",
        doc("| 3001 | api | |", "| 3002 | bot | |") + "\n**web-01:**\n\n- api `3001`\n- bot `3002`\n",
    ),
    "MP114 (not planned)": (
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n- cron `3006`\n",
        "**web-01:**\n\n- api `3005`\n- cron `3006`\n",  # no plan at all: nothing to compare
    ),
    "MP002 (running, one host)": (
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n- bot `3002`\n- api `3005`\n",
        # the same service on two hosts; listed again on its port; several ports in one item
        doc("| 3001 | api | |")
        + "\n**web-01:**\n\n- api `3001`\n- bot `3002` / `3003`\n\n**web-02:**\n\n- api `3005`\n"
        + "\n**Web-01:**\n\n- api `3001`\n",
    ),
    "MP001 (running, one host)": (
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n- bot `3001`\n",
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n\n**web-02:**\n\n- api-2 `3001`\n",
    ),
    "MP001 (running, listed again)": (
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n- bot `3001`\n",
        doc("| 3001 | api | |") + "\n**web-01:**\n\n- api `3001`\n- bot `3002`\n\n**Web-01:**\n\n- API `3001`\n",
    ),
    "MP115": (doc("| 3001 | a | |", "| 40000 | b | |"), doc("| 3001 | a | |", "| 61000 | b | |")),
    "MP115 (configured range)": (
        doc("| 3001 | a | |"),
        doc("| 40000 | b | |", heading="## 40000-40009: Core"),
        Config(ephemeral_range=PortRange(3000, 3100)),
    ),
    "MP116": (doc("| 3001 | a | |", "| 61000 | b | |"), doc("| 3001 | a | |", "| 40000 | b | |")),
    "MP117": (
        doc("| 3005 | a | |", "| 5000 | airplay-victim | |"),
        doc("| 3005 | a | |", "| 5001 | b | |", heading="## 3000-5009: Core"),
        Config(platforms=frozenset({"macos"})),
    ),
    "MP117 (another platform)": (
        doc("| 3389 | rdp-victim | |", heading="## 3000-3999: Core"),
        doc("| 5000 | b | |", heading="## 3000-5009: Core"),
        Config(platforms=frozenset({"windows"})),
    ),
    "MP118": (
        doc("| 3001 | a | |", "| 50000 | b | |", heading="## 3000-50009: Core"),
        doc("| 3001 | a | |", "| 50100 | b | |", heading="## 3000-50109: Core"),
        Config(platforms=frozenset({"windows"}), windows_excluded_ranges=(PortRange(49990, 50059),)),
    ),
    "MP119": (
        doc("| 3001 | a | grpc_web |", header="| Port | Service | Port name |"),
        doc("| 3001 | a | grpc-web |", header="| Port | Service | Port name |"),
    ),
    "MP119 (Kubernetes heading, long name)": (
        doc("| 3001 | prometheus-metrics |", heading="## Kubernetes pods (3000-3009)", header="| Port | Name |"),
        doc("| 3001 | prometheus-metrics |", heading="## Compose (3000-3009)", header="| Port | Name |"),
    ),
    "MP110": (doc("| 3001 | a |", header="| Socket | Where ports go |"), doc("| 3001 | a |", header="| Port | App |")),
    "MP110 (only a change log)": (
        doc("| 2025-01-02 | 3001 | a |", header="| Date | Port | Service |"),
        doc("| 3001 | a | |") + "\n" + doc("| 2025-01-02 | 3001 | a |", header="| Date | Port | Service |"),
    ),
}


def test_every_rule_has_cases() -> None:
    assert {rule.id for rule in RULES} == {case.split()[0] for case in CASES}
    assert len({rule.name for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_triggers(rule: str) -> None:
    assert rule.split()[0] in rules_of(CASES[rule][0], _config(rule))


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_does_not_trigger(rule: str) -> None:
    assert rule.split()[0] not in rules_of(CASES[rule][1], _config(rule))


def _config(rule: str) -> Config | None:
    """The configuration a case is checked with (the risky-port rules read ranges and platforms)."""
    case = CASES[rule]
    return case[2] if len(case) > 2 else None  # type: ignore[misc]


def test_duplicate_ports_are_per_protocol() -> None:
    header = "| Port | Service | Proto |"
    assert rules_of(doc("| 3001 | a | udp |", "| 3001 | b | tcp |", header=header)) == []
    assert rules_of(doc("| 3001 | a | tcp/udp |", "| 3001 | b | udp |", header=header)) == ["MP001"]


def test_reference_to_wrong_port_names_the_right_one() -> None:
    text = doc("| 3001 | auth-svc | |", "| 3002 | ui | 3005 auth-svc |")
    (finding,) = mdports.validate(mdports.parse(text)).findings
    assert "3005 is not assigned, and auth-svc is on 3001" in finding.message
    assert finding.hint == "write '3001 auth-svc'"


def test_prose_numbers_are_not_references() -> None:
    assert rules_of(doc("| 3001 | a | 3 replicas |", "| 3002 | b | 2 workers behind nginx |")) == []


def test_findings_carry_location_and_hint() -> None:
    text = doc("| 3001 | a | |", "| 3001 | b | |")
    (finding,) = mdports.validate(mdports.parse(text, path="ports.md")).findings
    assert str(finding.location) == "ports.md:6:3"
    assert finding.rule.name == "duplicate-port" and finding.severity == "error" and finding.hint


def test_config_ignores_rules_and_accepts_rule_port_pairs() -> None:
    text = doc("| 3010 | a | |", "| 3011 | b | |")
    assert rules_of(text) == ["MP101", "MP101"]
    assert rules_of(text, Config(ignore=frozenset({"port-out-of-range"}))) == []
    report = mdports.validate(mdports.parse(text), Config(accept=(("MP101", 3010),)))
    assert [f.ports for f in report.findings] == [(3011,)] and [f.ports for f in report.accepted] == [(3010,)]


def test_inline_accept_applies_to_its_own_section_only() -> None:
    accepted = doc("<!-- mdports: accept port-out-of-range 3010 -- legacy -->", heading="## Other")
    text = doc("| 3010 | a | |", "| 3011 | b | |").replace("\n\n|", "\n\n<!-- mdports: accept MP101 3010 -->\n\n|", 1)
    report = mdports.validate(mdports.parse(text))
    assert [f.ports for f in report.findings] == [(3011,)] and len(report.accepted) == 1
    # The accept in another section does not apply, and says so (MP112).
    assert rules_of(accepted + doc("| 3010 | a | |")) == ["MP112", "MP101"]


def test_report_fails_on_errors_or_with_strict_on_warnings() -> None:
    warning_only = mdports.validate(mdports.parse(doc("| 3010 | a | |")))
    assert not warning_only.fails() and warning_only.fails(strict=True)
    assert mdports.validate(mdports.parse(doc("| x | a | |"))).fails()


def test_bundled_document_has_only_its_real_warnings() -> None:
    from conftest import BUNDLED

    report = mdports.validate(mdports.load(BUNDLED))
    assert [(f.rule.id, f.line) for f in report.findings] == [
        ("MP101", 77),  # landings 4400 outside 4000-4099
        ("MP102", 106),  # Playground 5050-5059 overlaps Web Frontends 5000-5059
        ("MP101", 130),  # postgres 5432 outside 9000-9199
        ("MP101", 131),  # redis 6379 outside 9000-9199
        ("MP106", 147),  # searxng 8080 sits in the Monitoring range 8000-8099
    ]
    assert not report.fails()


def test_the_catalogue_and_the_checks_agree() -> None:
    """Every document rule of the catalogue is checked exactly once, and has a fix when the catalogue says so."""
    from mdports.fixes.fixers import FIXERS

    assert [rule.id for rule in RULES] == sorted(rule.id for rule in RULES)
    assert set(CHECKS).isdisjoint(REPORTED_WITH_OTHERS)
    assert set(CHECKS).isdisjoint(CONFIGURED_CHECKS)
    assert set(CHECKS) | set(CONFIGURED_CHECKS) | REPORTED_WITH_OTHERS == set(RULES)
    assert {rule for rule in RULES if rule.fix is not None} == set(FIXERS)


def test_checks_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        CHECKS[RULES[0]] = CHECKS[RULES[1]]  # type: ignore[index]


def test_row_order_is_per_host_and_one_finding_for_a_table_in_another_order() -> None:
    header = "| Host | Port | Service |"
    grouped = doc("| a | 3005 | x |", "| a | 3006 | y |", "| b | 3001 | x |", "| b | 3002 | y |", header=header)
    assert rules_of(grouped) == []
    by_name = doc("| 3009 | a | |", "| 3001 | b | |", "| 3008 | c | |", "| 3002 | d | |", "| 3001 | e | |")
    findings = [f for f in mdports.validate(mdports.parse(by_name, path="t.md")).findings if f.rule.id == "MP104"]
    assert [f.message.split(" (")[0] for f in findings] == ["rows are not in port order"]
    assert findings[0].line == 6 and "3 of 5 rows" in findings[0].message

"""No false errors (issue 24, docs/reading-shapes.md): rows in two environments, protocol labels."""

from __future__ import annotations

from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.port_sharing import dev_named, other_environment

WILD = GOLDEN / "wild" / "docs"


def _errors(text: str) -> list[tuple[int, str]]:
    report = mdports.validate(mdports.parse(text))
    return [(f.line, f.rule.id) for f in report.findings if f.severity == "error"]


# --- dev and prod rows on one port ------------------------------------------------------------------

FRONTEND = "| Application | Port |\n|---|---|\n"


def test_one_app_in_two_modes_is_no_clash() -> None:
    text = FRONTEND + "| Next.js Dev Server | 3000 |\n| Next.js Prod Server | 3000 |\n"
    assert _errors(text) == []
    assert mdports.parse(text).render() == text


def test_a_dev_row_and_another_service_of_its_own_table_share_the_developers_machine() -> None:
    text = FRONTEND + "| site dev | 3002 |\n| worker default | 3002 |\n"
    assert _errors(text) == [(4, "MP001")]


def test_two_dev_rows_on_one_port_clash() -> None:
    text = FRONTEND + "| web dev | 3000 |\n\n## Tools\n\n" + FRONTEND + "| docs dev | 3000 |\n"
    assert _errors(text) == [(9, "MP001")]


def test_a_dev_row_of_another_table_is_another_environment() -> None:
    registry = "| Port | Service |\n|---|---|\n| 3000 | Website |\n| 5432 | db |\n"
    tooling = "| Port | Service | Description |\n|---|---|---|\n| 3000 | Next.js Dev | dev server |\n"
    local = "| Service | Port |\n|---|---|\n| PostgreSQL (optional local) | 5432 |\n"
    text = f"## Services\n\n{registry}\n## Tooling\n\n{tooling}\n## Local\n\n{local}"
    assert _errors(text) == []
    # Without its mode in the name the row is another service on the port.
    assert _errors(text.replace("Next.js Dev", "Next.js")) == [(12, "MP001")]


def test_dev_words_are_whole_words_of_the_name() -> None:
    assert [dev_named(name) for name in ("Local DNS", "Devices", "Localstack", "api (DEV)", "test runner")] == [
        True,
        False,
        False,
        True,
        True,
    ]


NAME_WORDS = st.lists(st.sampled_from(["Next.js", "dev", "Prod", "server", "local", "api", "(optional)", "worker"]))


@settings(deadline=None)
@given(NAME_WORDS, NAME_WORDS, st.booleans())
def test_other_environment_is_symmetric_and_never_between_two_dev_rows(
    first: list[str], second: list[str], one_table: bool
) -> None:
    text = FRONTEND + f"| x {' '.join(first)} | 1000 |\n" + ("" if one_table else "\n## B\n\n" + FRONTEND)
    text += f"| y {' '.join(second)} | 1000 |\n"
    a, b = mdports.registry(mdports.parse(text)).entries
    assert other_environment(a, b) == other_environment(b, a)
    if dev_named(a.service or "") == dev_named(b.service or ""):
        assert not other_environment(a, b)


def test_the_golden_document_of_environments_through_the_command() -> None:
    result = run_mdports("-f", str(WILD / "74-dev-and-prod-rows.md"), "validate", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert '"line": 31' in result.stdout and result.stdout.count('"rule": "MP001"') == 1


# --- protocol columns that label application protocols ------------------------------------------------


def test_an_unknown_word_among_application_protocols_is_a_label() -> None:
    head = "| Port | Adapter | Protocol |\n|---|---|---|\n"
    assert _errors(head + "| 8000 | rest | HTTP REST |\n| 3000 | sim | DIS |\n| 9200 | tel | gRPC |\n") == []
    assert _errors(head + "| 8000 | ui | HTTP |\n| N/A | cron | Process |\n") == []


def test_an_unknown_word_in_a_column_of_transports_is_an_error() -> None:
    head = "| Port | Service | Protocol |\n|---|---|---|\n"
    assert _errors(head + "| 53 | dns | udp |\n| 6000 | relay | tpc |\n") == [(4, "MP007")]
    # A column with a transport and application protocols says transports too.
    assert _errors(head + "| 53 | dns | UDP |\n| 80 | web | HTTP |\n| 6000 | relay | tpc |\n") == [(5, "MP007")]
    # One unknown word alone says nothing of the column: still an error.
    assert _errors(head + "| 3015 | radio | sctp |\n| 3016 | beacon | |\n") == [(3, "MP007")]


def test_the_golden_document_of_protocol_labels_in_process() -> None:
    result = invoke_mdports("-f", str(WILD / "75-protocol-labels.md"), "validate")
    assert result.returncode == 1
    assert "MP007 unknown protocol 'tpc'" in result.stdout
    assert "'dis'" not in result.stdout and "'process'" not in result.stdout and "'hla'" not in result.stdout


# --- a summary row names rows of another table together ------------------------------------------------

COMPOSE = "## Compose\n\n| Service | Host port |\n|---|---|\n| SMTP | 25 |\n| POP3 | 110 |\n| IMAP | 143 |\n"
COMPOSE += "| Submission | 587 |\n| IMAPS | 993 |\n"


def test_a_row_naming_several_rows_of_another_table_together_is_no_clash() -> None:
    text = (
        COMPOSE
        + "\n## Kubernetes\n\n| Service | Ports |\n|---|---|\n| mta | 25, 587 |\n| mda | 110, 143, 993, 4190 |\n"
    )
    assert _errors(text) == []
    assert mdports.parse(text).render() == text


def test_what_is_not_a_summary_row() -> None:
    k8s = "\n## Kubernetes\n\n| Service | Ports |\n|---|---|\n"
    # one port: another service on it
    assert _errors(COMPOSE + k8s + "| relay | 25 |\n") == [(15, "MP001")]
    # a holder with a port outside the row: not named whole by it
    wide = COMPOSE.replace("| IMAPS | 993 |", "| IMAPS | 993, 995 |")
    assert _errors(wide + k8s + "| mda | 110, 993 |\n") == [(15, "MP001"), (15, "MP001")]
    # rows of two tables
    split = COMPOSE + "\n## Extra\n\n| Service | Port |\n|---|---|\n| sieve | 4190 |\n"
    assert _errors(split + k8s + "| mda | 110, 4190 |\n") == [(21, "MP001"), (21, "MP001")]


# --- retired rows ---------------------------------------------------------------------------------------

STATUS = "| Service | Port | Status |\n|---|---|---|\n"


def test_a_deprecated_or_retired_row_holds_its_port_no_more() -> None:
    assert _errors(STATUS + "| news | 11116 | Active |\n| perf | 11116 | ⚠️ **DEPRECATED** |\n") == []
    assert _errors(STATUS + "| vector | 11180 | decommissioned |\n| portfolio | 11180 | Not forwarded |\n") == []


def test_live_rows_and_words_inside_other_words_still_clash() -> None:
    assert _errors(STATUS + "| news | 11116 | Active |\n| perf | 11116 | Planned |\n") == [(4, "MP001")]
    assert _errors(STATUS + "| cache | 6379 | TLS removed at the proxy |\n| redis | 6379 | up |\n") == [(4, "MP001")]
    # The name is no status: a service named "retired-jobs" is live.
    assert _errors(STATUS + "| retired-jobs | 9000 | up |\n| api | 9000 | up |\n") == [(4, "MP001")]


def test_two_live_rows_after_a_retired_one_on_their_port_still_clash() -> None:
    # The retired row holds the port no more: the second live row clashes with the first, not with it.
    rows = "| old-news | 11116 | retired |\n| news | 11116 | Active |\n| perf | 11116 | Active |\n"
    assert _errors(STATUS + rows) == [(5, "MP001")]


# --- a note in parentheses is no part of a name -----------------------------------------------------------


def test_a_name_with_a_note_is_seen_again_under_its_bare_name() -> None:
    tunnels = (
        "## Tunnels\n\n| Subdomain | Port | Service |\n|---|---|---|\n| fit.example.org | 45016 | FitterMe (health) |\n"
    )
    backend = "\n## Backend\n\n| Service | Port | Notes |\n|---|---|---|\n| FitterMe Frontend | 45016 | Vite |\n"
    text = tunnels + backend
    assert _errors(text) == []
    registry = mdports.registry(mdports.parse(text))
    assert registry.first_views[1].service == "FitterMe (health)"
    # Another name, with or without a note, is another service.
    assert _errors(text.replace("FitterMe Frontend", "Atlas (web)")) == [(11, "MP001")]

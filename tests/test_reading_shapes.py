"""Shapes of strangers' documents (issue 24, docs/reading-shapes.md): one key/value table per service."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import GOLDEN, invoke_mdports, run_mdports
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mdports
from mdports.model.well_known import is_divider
from mdports.syntax.document import Table

RECORDS = GOLDEN / "wild" / "docs" / "58-service-records.md"


def _entries(text: str) -> list[tuple[str | None, tuple[int, ...], int]]:
    model = mdports.registry(mdports.parse(text))
    return [(e.service, e.ports, e.line) for e in model.entries]


# --- one key/value table per service ----------------------------------------------------------------


def test_a_record_is_one_entry_at_its_port_row_named_by_its_heading() -> None:
    text = "# Stack\n\n### Jellyfin\n\n| Property | Value |\n|---|---|\n| **Type** | Web UI |\n| **Port** | 8096 |\n"
    assert _entries(text) == [("Jellyfin", (8096,), 8)]
    assert mdports.parse(text).render() == text


def test_a_name_row_names_the_service_and_a_protocol_row_its_transport() -> None:
    text = "## DNS\n\n| Field | Value |\n|---|---|\n| Container | adguard |\n| Port | 53 |\n| Protocol | UDP |\n"
    (entry,) = mdports.registry(mdports.parse(text)).entries
    assert (entry.service, entry.ports, entry.protocols, entry.line) == ("adguard", (53,), ("udp",), 6)
    assert dict(entry.cells) == {"Container": "adguard", "Port": "53", "Protocol": "UDP"}


def test_keys_are_read_in_any_case_bold_or_not_in_other_languages_and_without_header_words() -> None:
    for key in ("PORT(S)", "**ports**", "Port(s)", "Puerto", "__Port__", "端口"):
        text = f"## Api\n\n|  |  |\n|---|---|\n| {key} | 8080 |\n"
        assert _entries(text) == [("Api", (8080,), 5)], key


def test_what_is_not_a_record_of_one_service() -> None:
    not_records = [
        # an environment table: the key is a variable
        "## Portal\n\n| Variable | Value |\n|---|---|\n| `PORT` | 5055 |\n",
        "## Portal\n\n| Variable | Default |\n|---|---|\n| PORT | 5055 |\n",
        # a load balancer's settings: the key says whose port it is
        "## Gateway\n\n| Setting | Value |\n|---|---|\n| Backend service port | 8080 |\n",
        # no heading names the service, and no row does
        "| Property | Value |\n|---|---|\n| Port | 8080 |\n",
        # a value that is no port, and a port that is not chosen yet
        "## Api\n\n| Property | Value |\n|---|---|\n| Port | see below |\n",
        "## Api\n\n| Property | Value |\n|---|---|\n| Port | TBD |\n",
        # three columns: a table of rows
        "## Api\n\n| Key | Value | Note |\n|---|---|---|\n| Port | 8080 | |\n",
    ]
    for text in not_records:
        assert _entries(text) == [], text
        assert "MP006" not in {f.rule.id for f in mdports.validate(mdports.registry(mdports.parse(text))).findings}
    # `| Port | Service |` stays a table of rows
    assert _entries("## Api\n\n| Port | Service |\n|---|---|\n| 8080 | api |\n") == [("api", (8080,), 5)]


def test_explain_says_where_the_port_and_the_name_come_from() -> None:
    result = invoke_mdports("-f", str(RECORDS), "explain", "20")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "line 20: a key/value table of one service (one entry, at its port row) "
        "(a key/value table: its port is the 'port' row (line 23), its service named by the 'container' row)",
        "  section Request portal",
        "  Property  key",
        "  Value     value",
    ]


def test_records_clash_like_rows_and_a_second_view_joins_them(tmp_path: Path) -> None:
    """Through the installed command: Bazarr's record takes Prowlarr's port (MP001 at the Port row);
    the overview table repeating three records raises nothing."""
    shutil.copyfile(RECORDS, tmp_path / "PORTS.md")
    result = run_mdports("-f", "PORTS.md", "validate", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    errors = [(f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert errors == [(55, "MP001")]


def test_edits_of_a_record_are_refused_and_change_nothing(tmp_path: Path) -> None:
    doc = tmp_path / "PORTS.md"
    shutil.copyfile(RECORDS, doc)
    before = doc.read_bytes()
    for step in (("rename", "Bazarr", "bazarr"), ("move", "Bazarr", "--port", "6767"), ("remove", "jellyseerr")):
        refused = run_mdports("-f", "PORTS.md", *step, cwd=tmp_path)
        assert refused.returncode == 1, (step, refused.stderr)
        assert "is read from a key/value table of its own, which mdports does not edit" in refused.stderr
        assert "move the service into a `| Port | Service |` table" in refused.stderr
    assert doc.read_bytes() == before
    # Its cells are edited where a table of rows shows it too (the overview): nothing else to keep in step.
    edited = invoke_mdports("-f", "PORTS.md", "set", "Jellyfin", "--set", "URL=https://jf.atlas.lan", cwd=tmp_path)
    assert edited.returncode == 0, edited.stderr
    assert doc.read_text(encoding="utf-8").splitlines()[-2] == "| Jellyfin | 8096 | https://jf.atlas.lan |"
    assert invoke_mdports("-f", "PORTS.md", "move", "Jellyfin", "--port", "8097", cwd=tmp_path).returncode == 1


KEYS = st.sampled_from(["Port", "**Port**", "Type", "Protocol", "Name", "Service", "Notes", "`PORT`", ""])
VALUES = st.sampled_from(["8080", "53/udp", "web", "TCP", "-", "8080-8089", "a | b", "", "http://x:3000"])


@given(st.lists(st.tuples(KEYS, VALUES), max_size=6), st.sampled_from(["## Api\n\n", "", "# A\n## B\n"]))
@settings(max_examples=200, deadline=None)
def test_any_two_column_table_reads_at_most_one_entry_losslessly(rows: list[tuple[str, str]], heading: str) -> None:
    text = heading + "| Property | Value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    document = mdports.parse(text)
    assert document.render() == text
    model = mdports.registry(document)
    assert len(model.entries) <= 1
    mdports.validate(model)
    for entry in model.entries:
        assert entry.spans and text.splitlines()[entry.line - 1].split("|")[1].strip().strip("*").lower() == "port"


# --- reference tables of well-known ports -----------------------------------------------------------

REFERENCES = GOLDEN / "wild" / "docs" / "59-reference-tables.md"
PROTOCOLS = [(7, "echo"), (21, "FTP"), (22, "SSH"), (23, "Telnet"), (25, "SMTP"), (53, "DNS"), (69, "TFTP")]
PROTOCOLS += [(110, "POP3"), (123, "NTP"), (143, "IMAP"), (161, "SNMP"), (389, "LDAP"), (445, "SMB")]


def _table(rows: list[tuple[int, str]], heading: str = "## Ports") -> str:
    return f"{heading}\n\n| Port | Service |\n|---|---|\n" + "".join(f"| {p} | {s} |\n" for p, s in rows)


def test_a_heading_saying_common_ports_and_a_well_known_row_make_a_reference() -> None:
    for heading in ("## Common ports", "### Well-known ports", "## Default Ports", "## Standard-Ports", "## 常用端口"):
        text = _table([(22, "SSH"), (3306, "MySQL"), (5432, "PostgreSQL")], heading)
        model = mdports.registry(mdports.parse(text))
        assert (model.entries, [r.role for r in model.readings]) == ((), ["reference"]), heading
        assert mdports.validate(model).findings == ()  # no MP110: the document is read, as a reference
    # under an enclosing heading too
    assert _entries("## Synology system ports\n\n### Files\n\n" + _table([(445, "SMB")], "")) == []


def test_a_heading_alone_or_a_few_protocols_do_not_drop_a_registry() -> None:
    own_defaults = _table([(4000, "mailq-dashboard"), (4001, "dkim-rotator")], "## Default ports")
    assert [name for name, _, _ in _entries(own_defaults)] == ["mailq-dashboard", "dkim-rotator"]
    # a mail server's registry: a handful of protocols on their standard ports, and its own services
    mail = [(25, "postfix (smtp)"), (110, "dovecot (pop3)"), (143, "dovecot (imap)"), (587, "submission")]
    mail += [(993, "imaps"), (995, "pop3s"), (80, "nginx (http)"), (443, "nginx (https)"), (11334, "rspamd")]
    assert len(_entries(_table(mail))) == len(mail)


def test_many_protocols_on_their_standard_ports_are_a_reference_without_a_heading() -> None:
    assert _entries(_table(PROTOCOLS)) == []
    assert _entries(_table(PROTOCOLS[:11])) != []  # 11 protocols: a team may run that many
    # nearly all: a third of other rows keeps it a registry
    assert _entries(_table(PROTOCOLS + [(3000 + i, f"app-{i}") for i in range(7)])) != []


def test_explain_names_a_reference_and_validate_says_nothing_about_it() -> None:
    explained = run_mdports("-f", str(REFERENCES), "explain", "39")
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.splitlines()[0] == (
        "line 39: a reference of well-known ports (other software's defaults, not the registry) "
        "(14 of its 16 rows are well-known protocols on their standard ports)"
    )
    validated = invoke_mdports("-f", str(REFERENCES), "validate", "--format", "json")
    assert (validated.returncode, json.loads(validated.stdout)["findings"]) == (0, [])


# --- transport columns of marks -------------------------------------------------------------------

MARKS = GOLDEN / "wild" / "docs" / "60-transport-marks.md"


def test_marks_in_transport_columns_are_the_row_protocols_not_a_checklist() -> None:
    text = "## Summary\n\n| Port | TCP | UDP | Service |\n|---|:-:|:-:|---|\n"
    text += "| 22 | ✔ | | SSH |\n| 8000 | | ✔ | RTP |\n| 8892 | ✔ | ✔ | MoQ |\n| 8554 | yes | no | RTSP |\n"
    model = mdports.registry(mdports.parse(text))
    assert [(e.service, e.ports, e.protocols) for e in model.entries] == [
        ("SSH", (22,), ("tcp",)),
        ("RTP", (8000,), ("udp",)),
        ("MoQ", (8892,), ("tcp", "udp")),
        ("RTSP", (8554,), ("tcp",)),
    ]
    assert [r.role for r in model.readings] == ["registry"]


def test_a_column_of_marks_under_another_header_stays_a_checklist_or_a_flag() -> None:
    checklist = (
        "| Port | Item | Done |\n|---|---|---|\n| 1935 | firewall rule | ✔ |\n| 9997 | API on localhost | ❌ |\n"
    )
    assert [r.role for r in mdports.registry(mdports.parse(checklist)).readings] == ["checklist"]
    # a transport header over words is not marks: the cells are notes, and the row keeps tcp
    notes = "| Port | Service | UDP |\n|---|---|---|\n| 53 | dns | resolver only |\n"
    assert [e.protocols for e in mdports.registry(mdports.parse(notes)).entries] == [("tcp",)]


def test_a_port_header_over_yes_and_no_is_a_flag_not_the_port_column() -> None:
    result = run_mdports("-f", str(MARKS), "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["entries"]
    assert [(e["ports"], e["protocols"]) for e in entries][:3] == [
        ([1935], ["tcp"]),
        ([3478], ["tcp", "udp"]),
        ([8000], ["udp"]),
    ]
    assert invoke_mdports("-f", str(MARKS), "validate").returncode == 0


# --- rows that are not entries --------------------------------------------------------------------

DIVIDED = GOLDEN / "wild" / "docs" / "61-dividers-and-firewall.md"


def test_a_bold_name_alone_is_a_divider_and_explain_counts_it() -> None:
    text = "| Service | Port | Notes |\n|---|---|---|\n| **Data** | | |\n| postgres | 5432 | |\n| __Web__ | | |\n"
    text += "| web | 3000 | |\n| pending-svc | | |\n| **ops** | 9100 | |\n"
    model = mdports.registry(mdports.parse(text))
    # a name without bold is a service without a port yet; a bold name with a port is a service
    assert [(e.service, e.ports) for e in model.entries] == [
        ("postgres", (5432,)),
        ("web", (3000,)),
        ("pending-svc", ()),
        ("ops", (9100,)),
    ]
    assert model.readings[0].reason.endswith("; 2 divider row(s): a name alone")
    assert mdports.parse(text).render() == text


def test_a_bold_name_in_the_port_column_is_a_divider_and_a_bare_port_an_entry() -> None:
    text = "| Port | Service | Notes |\n|---|---|---|\n| **Data** | | |\n| 5432 | postgres | |\n"
    text += "| **8080** | | |\n| 9100 | | |\n| __Web__ | | |\n| 3000 | web | |\n"
    model = mdports.registry(mdports.parse(text))
    # the reader skips the divider test for a port cell of digits: a bold port alone is still a divider
    assert [(e.service, e.ports, e.line) for e in model.entries] == [
        ("postgres", (5432,), 4),
        (None, (9100,), 6),
        ("web", (3000,), 8),
    ]
    assert model.readings[0].reason.endswith("; 3 divider row(s): a name alone")


_CELLS = st.sampled_from(["", " ", "8080", "80", "**8080**", "**Data**", "__ops__", "web", "**svc**", "-", "TBD"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=4), min_size=1, max_size=8), st.sampled_from([0, 1]))
def test_every_row_is_an_entry_unless_it_is_a_divider(rows: list[list[str]], port_column: int) -> None:
    headers = ["Port", "Service", "Notes"] if port_column == 0 else ["Service", "Port", "Notes"]
    text = "| " + " | ".join(headers) + " |\n|---|---|---|\n"
    text += "".join("| " + " | ".join(cells) + " |\n" for cells in rows)
    model = mdports.registry(mdports.parse(text))
    assume(model.readings[0].role == "registry")  # not a table of marks, say
    table = mdports.parse(text).blocks[0]
    assert isinstance(table, Table)
    expected = [i for i, row in enumerate(table.body, start=2) if not is_divider(row.texts, 1 - port_column)]
    assert [e.row for e in model.entries] == expected


def test_firewall_rules_are_not_entries_and_explain_says_why() -> None:
    result = run_mdports("-f", str(DIVIDED), "explain", "29")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "line 29: firewall rules (who may reach a port, not what listens) "
        "(column 'Source' names who may connect: firewall rules, not services)"
    )
    model = mdports.registry(mdports.load(DIVIDED))
    assert [r.role for r in model.readings] == ["registry", "firewall", "firewall"]
    assert {e.service for e in model.entries} == {
        "web",
        "checkout-api",
        "postgres",
        "redis",
        "grafana",
        "node-exporter",
    }
    # no MP001 between the rules and the services they admit
    assert [f.rule.id for f in mdports.validate(model).findings] == ["MP104"]


def test_a_source_column_of_service_names_is_not_a_firewall() -> None:
    text = "| Service | Port | Source |\n|---|---|---|\n| web | 3000 | apps/web |\n| api | 3001 | apps/api |\n"
    assert [r.role for r in mdports.registry(mdports.parse(text)).readings] == ["registry"]

"""Edits keep the document authoritative: minimal diffs, verified results, safe writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import BUNDLED, INPUTS, invoke_mdports, mdports_executable, run_mdports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mdports
from mdports import edits
from mdports.syntax.document import Table
from mdports.syntax.table_style import TableStyle

# --- generated registries -------------------------------------------------------------------

STYLES = st.sampled_from(["compact", "aligned", "bare", "tight"])
PROSE = st.sampled_from(
    [
        "Some prose with 3001 in it.",
        "> A quote about port 3002.",
        "- a list item",
        "<!-- a comment -->",
        "```\n| Port | Service |\n|---|---|\n| 1 | fenced |\n```",
        "**Last updated:** 2026-03-28",
        "Trailing spaces   ",
    ]
)


def _table(style: str, rows: list[tuple[str, str, str]]) -> list[str]:
    header = ("Port", "Service", "Description")
    if style == "aligned":
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        widths = [max(w, 3) for w in widths]

        def line(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        return [line(header), "| " + " | ".join("-" * w for w in widths) + " |", *(line(r) for r in rows)]
    if style == "bare":
        return ["Port | Service | Description", "--- | --- | ---", *(" | ".join(r).rstrip(" |") for r in rows)]
    if style == "tight":
        return ["|Port|Service|Description|", "|---|---|---|", *("|" + "|".join(r) + "|" for r in rows)]
    return [
        "| Port | Service | Description |",
        "|------|---------|-------------|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
    ]


@st.composite
def registries(draw: st.DrawFn) -> str:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["# Ports", ""]
    section_count = draw(st.integers(min_value=1, max_value=4))
    for number in range(section_count):
        base = 3000 + 100 * number
        size = draw(st.integers(min_value=3, max_value=12))
        lines += [f"## {base}-{base + size - 1}: Section {number}", ""]
        if draw(st.booleans()):
            lines += [draw(PROSE), ""]
        ports = sorted(draw(st.sets(st.integers(min_value=base, max_value=base + size - 1), max_size=size)))
        rows = []
        for port in ports:
            if draw(st.integers(min_value=0, max_value=3)) == 0:
                rows.append((str(port), "*(reserved)*", ""))
            else:
                rows.append((str(port), f"svc-{port}", draw(st.sampled_from(["", "does things", "x"]))))
        lines += [*_table(draw(STYLES), rows), ""]
    text = eol.join(lines)
    return text if draw(st.booleans()) else text.rstrip("\r\n")


def _prose(document: mdports.Document) -> list[str]:
    """Every block that is not a registry table, with the "Last updated" date blanked."""
    texts = [block.render() for block in document.blocks if not isinstance(block, Table)]
    return [text[: span[0]] + "DATE" + text[span[1] :] if (span := edits.date_span(text)) else text for text in texts]


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "reserve", "rename", "move", "set"]), st.integers(0, 50)),
    min_size=1,
    max_size=6,
)


def _apply(document: mdports.Document, operation: str, pick: int) -> edits.Edit | None:
    registry = mdports.registry(document)
    assigned = [e for e in registry.entries if e.service]
    ranged = [s for s in registry.sections if s.range]
    try:
        if operation == "add":
            section = ranged[pick % len(ranged)]
            return edits.add(document, f"new-{pick}-{len(registry.entries)}", range=str(section.range))
        if not assigned:
            return None
        entry = assigned[pick % len(assigned)]
        assert entry.service is not None
        if operation in ("remove", "reserve"):
            return edits.remove(document, entry.service, reserve=operation == "reserve")
        if operation == "rename":
            return edits.rename(document, entry.service, entry.service + "-x")
        if operation == "move":
            return edits.move(document, entry.service, range=str(ranged[pick % len(ranged)].range))
        return edits.set_cells(document, entry.service, {"Description": f"value {pick}"})
    except (mdports.RefusedError, mdports.UsageError):
        return None


@given(registries(), OPERATIONS)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_edits_touch_only_registry_rows(text: str, operations: list[tuple[str, int]]) -> None:
    document = mdports.parse(text)
    errors_before = mdports.validate(document).count("error")
    for operation, pick in operations:
        edit = _apply(document, operation, pick)
        if edit is None:
            continue
        edits.verify(edit)
        after = mdports.parse(edit.text)
        assert after.render() == edit.text
        assert _prose(after) == _prose(document)
        assert mdports.validate(after).count("error") <= errors_before
        assert edit.text.endswith(("\n", "\r")) == text.endswith(("\n", "\r"))
        document = after


@given(registries(), st.integers(0, 50))
@settings(max_examples=120, deadline=None)
def test_add_then_remove_restores_the_model(text: str, pick: int) -> None:
    document = mdports.parse(text)
    sections = [s for s in mdports.registry(document).sections if s.range]
    try:
        added = edits.add(document, "round-trip", range=str(sections[pick % len(sections)].range))
    except mdports.RefusedError:
        return  # the range is full
    removed = edits.remove(mdports.parse(added.text), "round-trip")
    before = edits.model_keys(mdports.registry(document))
    after = edits.model_keys(mdports.registry(mdports.parse(removed.text)))
    # Adding into a placeholder splits it; removing leaves the split: ports are all free again.
    assert {k for k in after if k[1]} == {k for k in before if k[1]}
    free = lambda keys: sorted(p for k in keys for p in k[2] if k[1] is None)  # noqa: E731
    assert free(after) == [p for p in free(before) if p != added.ports[0]] or free(after) == free(before)


PORT_CELLS = st.sampled_from(
    ["3001", "`3002`", "3003-3005", "3006, 3008", "3478/udp", "tcp/3009", "127.0.0.1:3010", "3011 → 80", "-", "TBD"]
)
PORT_CELLS |= st.sampled_from(["", "30x1", "99999", "**3012**"])  # cells the registry cannot read
SERVICE_CELLS = st.sampled_from(["svc", "**svc**", "[svc](../svc)", "*(reserved)*", "Free", "-", "", "reserved for b"])


@given(st.lists(st.tuples(PORT_CELLS, SERVICE_CELLS), min_size=1, max_size=8))
@settings(max_examples=80, deadline=None)
def test_a_planned_row_reads_as_the_registry_reads_it(rows: list[tuple[str, str]]) -> None:
    # Edits plan with the registry's own reading of a row (model.registry.read_row): the ports and
    # "is a placeholder" of every row are what the model says, so placing and merging agree with it.
    text = "## 3000-3999: S\n\n| Port | Service |\n|---|---|\n" + "".join(f"| {p} | {s} |\n" for p, s in rows)
    document = mdports.parse(text)
    registry = mdports.registry(document)
    builder = edits.Builder(document, registry)
    assert len(registry.entries) == len(rows)
    for entry in registry.entries:
        item = builder.plan(entry.table).items[entry.row]
        assert (item.ports, item.placeholder) == (set(entry.ports), entry.service is None)


# --- focused behaviour ----------------------------------------------------------------------


def test_add_into_a_placeholder_changes_only_that_line() -> None:
    document = mdports.load(BUNDLED)
    edit = edits.add(document, "todo-worker", range="core-infra", cells={"Runtime": "Go"})
    assert edit.ports == (3017,)
    assert sorted(edit.removed_lines) == [35]  # 0-based: line 36, "| 3017-3019 | *(reserved)* | | |"
    assert sorted(edit.added_lines) == [35, 36]
    diff = [line for line in edit.diff().splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert diff == [
        "-| 3017-3019 | *(reserved)* | | |",
        "+| 3017 | todo-worker | Go | |",
        "+| 3018-3019 | *(reserved)* | | |",
    ]


def test_values_that_would_break_the_table_are_escaped_or_refused() -> None:
    document = mdports.load(BUNDLED)
    edit = edits.add(document, "piped", range="games", cells={"Description": "  a | b  "})
    assert "| 5101 | piped | a \\| b |" in edit.text
    assert mdports.registry(mdports.parse(edit.text)).entry("piped").cells["Description"] == "a \\| b"
    with pytest.raises(mdports.UsageError, match="line break"):
        edits.add(document, "x", range="games", cells={"Description": "a\nb"})
    for bad in ["", "   ", "reserved", "*(free)*", "`quoted`", "3001 x"]:
        with pytest.raises(mdports.UsageError):
            edits.add(document, bad, range="games")


def test_a_trailing_backslash_cannot_escape_the_next_pipe() -> None:
    document = mdports.parse("## 10-19: T\n\n|Port|Service|Path|\n|---|---|---|\n|10|a|/x|\n")
    edit = edits.add(document, "win", range="10-19", cells={"Path": "C:\\"})
    edits.verify(edit)
    assert mdports.registry(mdports.parse(edit.text)).entry("win").cells["Path"] == "C:\\"


def test_verification_refuses_a_tampered_edit() -> None:
    document = mdports.load(BUNDLED)
    edit = edits.add(document, "todo-worker", range="core-infra")
    tampered = mdports.parse(edit.text.replace("Canonical port", "Canonical  port"))
    with pytest.raises(mdports.RefusedError, match="did not mean to touch"):
        edits.verify(
            edits.Edit(edit.before, tampered, edit.changes, edit.expected, edit.removed_lines, edit.added_lines)
        )
    wrong_model = edits.Edit(
        edit.before, edit.after, edit.changes, edit.expected[:-1], edit.removed_lines, edit.added_lines
    )
    with pytest.raises(mdports.RefusedError, match="would not read back as intended"):
        edits.verify(wrong_model)


def test_edit_refused_when_it_would_add_an_error() -> None:
    text = "## 10-19: T\n\n| Port | Service | Link |\n|---|---|---|\n| 10 | a-svc | |\n| 11 | b | 10 a-svc |\n"
    with pytest.raises(mdports.RefusedError, match="referenced"):
        edits.remove(mdports.parse(text), "a-svc")


def test_table_style_detection() -> None:
    compact = mdports.load(BUNDLED).blocks
    tables = [b for b in compact if isinstance(b, Table)]
    style = TableStyle.of(tables[0])
    assert (style.lead, style.trail, style.pad_left, style.pad_right, style.empty, style.widths) == (
        True,
        True,
        1,
        1,
        " ",
        None,
    )
    padded = next(b for b in mdports.load(INPUTS / "padded.md").blocks if isinstance(b, Table))
    assert TableStyle.of(padded).widths == (9, 18, 8, 29)
    bare = next(b for b in mdports.load(INPUTS / "no-outer-pipes.md").blocks if isinstance(b, Table))
    assert (TableStyle.of(bare).lead, TableStyle.of(bare).trail) == (False, False)


def test_fmt_is_idempotent_on_the_corpus() -> None:
    for path in [BUNDLED, *sorted(INPUTS.glob("*.md"))]:
        once = edits.format_tables(mdports.load(path))
        edits.verify(once)
        twice = edits.format_tables(mdports.parse(once.text))
        assert not twice.changed, path.name


def test_the_edits_package_names_no_function_like_one_of_its_modules() -> None:
    # `import mdports.edits.X` must give the module X, never a function of the facade that
    # shadows it (the way `import mdports.registry` once returned a function).
    import importlib
    import pkgutil

    names = [info.name for info in pkgutil.iter_modules(edits.__path__)]
    assert "operations" in names  # the check would be vacuous otherwise
    for name in names:
        module = importlib.import_module(f"mdports.edits.{name}")
        assert getattr(edits, name) is module, name
    assert not set(edits.__all__) & set(names)
    assert all(callable(getattr(edits, name)) for name in edits.__all__)


def test_last_updated_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert edits.today().isoformat() == "2027-01-15"


# --- writing to disk --------------------------------------------------------------------------


def _copy(tmp_path: Path, source: Path = BUNDLED) -> Path:
    target = tmp_path / "PORT_SCHEMA.md"
    target.write_bytes(source.read_bytes())
    return target


def test_write_keeps_permissions_line_endings_and_bom(tmp_path: Path) -> None:
    path = _copy(tmp_path, INPUTS / "crlf.md")
    path.chmod(0o640)
    result = invoke_mdports("-f", str(path), "add", "win-y", "--range", "windows", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]


def test_read_only_document_is_refused_and_left_intact(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    path.chmod(0o444)
    result = invoke_mdports("-f", str(path), "add", "x-svc", "--range", "games", cwd=tmp_path)
    assert result.returncode == 1 and "read-only" in result.stderr
    assert path.read_bytes() == BUNDLED.read_bytes()


def test_dry_run_and_diff_write_nothing(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    for flag in ("--dry-run", "--diff"):
        result = invoke_mdports("-f", str(path), "add", "x-svc", "--range", "games", flag, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert path.read_bytes() == BUNDLED.read_bytes()


def test_refused_edit_writes_nothing(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    result = invoke_mdports("-f", str(path), "add", "mana-auth", "--range", "games", cwd=tmp_path)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert path.read_bytes() == BUNDLED.read_bytes()


@pytest.mark.parametrize("count", [8])
def test_concurrent_adds_never_lose_an_update(tmp_path: Path, count: int) -> None:
    """Several real `mdports add` processes started at once on one file."""
    path = _copy(tmp_path)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    processes = [
        subprocess.Popen(
            [mdports_executable(), "-f", str(path), "add", f"worker-{i}", "--range", "app"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(count)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * count, outputs
    ports = sorted(int(out.strip()) for out, _ in outputs)
    assert ports == list(range(3041, 3041 + count))
    registry = mdports.registry(mdports.load(path))
    assert sorted(e.ports[0] for e in registry.entries if (e.service or "").startswith("worker-")) == ports
    assert not mdports.validate(registry).fails()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PORT_SCHEMA.md"]


def test_python_api_edit_file(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    result = mdports.edit_file(path, lambda d, day: mdports.add(d, "bot-svc", range="games", date=day))
    assert result.written and result.edit.ports == (5101,)
    assert result.registry.entry("bot-svc").line == 117
    assert Counter(e.status for e in result.registry.entries)["assigned"] == 73


def test_module_entry_point_edits(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "mdports", "-f", str(path), "add", "m-svc", "--range", "games"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout == "5101\n"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (  # padded by its delimiter: every cell but the delimiter's is padded out past one space
            "| Port      | Service      | Notes       |\n"
            "| --------- | ------------ | ----------- |\n"
            "| 3001      | auth         | a           |\n",
            "| Port      | Service                       | Notes       |\n"
            "| --------- | ----------------------------- | ----------- |\n"
            "| 3000      | a-very-long-service-name-here |             |\n"
            "| 3001      | auth                          | a           |\n",
        ),
        (  # a delimiter written edge to edge says nothing of the padding, and stays edge to edge
            "| Port | Service | Notes |\n|------|---------|-------|\n| 3001 | auth    | a     |\n",
            "| Port | Service                       | Notes |\n"
            "|------|-------------------------------|-------|\n"
            "| 3000 | a-very-long-service-name-here |       |\n"
            "| 3001 | auth                          | a     |\n",
        ),
    ],
)
def test_a_widened_aligned_table_keeps_its_one_space_of_padding(table: str, expected: str) -> None:
    """The padding an aligned table is written with is its least, not its most common (most cells are filled out)."""
    document = mdports.parse("## 3000-3009: Core\n\n" + table)
    edit = mdports.add(document, "a-very-long-service-name-here", range="core")
    mdports.verify(edit)
    assert edit.text == "## 3000-3009: Core\n\n" + expected


# Found by benchmarks/damage.py on the corpus (documents 009 and 110, wild 70): an aligned table
# padded wider than its cells was re-padded whole by a rename that fit, and a re-pad rewrote a
# delimiter written edge to edge (`|-----|`) as `| --- |`, so the diff showed every line changed.
_MONITORING = (
    "## Monitoring Services\n\n"
    "| Container Name      | Image                        | Port Mappings         | Notes                 |\n"
    "|---------------------|------------------------------|-----------------------|-----------------------|\n"
    "| `prometheus`        | prom/prometheus:v2.53.0      | `9090->9090`          | Metrics collection    |\n"
    "| `grafana`           | grafana/grafana:11.1.3       | `3000->3000`          | Dashboards            |\n"
    "| `promtail`          | grafana/promtail:3.1.0       | (internal only)       | Log shipping to Loki  |\n"
)


def test_a_name_that_fits_a_padded_column_changes_one_line(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(_MONITORING, encoding="utf-8")
    result = run_mdports("rename", "prometheus", "prometheus-metric", "-f", str(path))
    assert result.returncode == 0, result.stderr
    old, new = _MONITORING.splitlines(), path.read_text(encoding="utf-8").splitlines()
    # Two spaces were the least right padding of the table: the name takes one of them.
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        (
            "| `prometheus`        | prom/prometheus:v2.53.0      | `9090->9090`          | Metrics collection    |",
            "| `prometheus-metric` | prom/prometheus:v2.53.0      | `9090->9090`          | Metrics collection    |",
        )
    ]


def test_a_re_padded_table_keeps_its_delimiter_edge_to_edge(tmp_path: Path) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_text(_MONITORING, encoding="utf-8")
    result = run_mdports("rename", "prometheus", "prometheus-metrics-long", "-f", str(path))
    assert result.returncode == 0, result.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3] == (
        "|----------------------------|------------------------------|-----------------------|-----------------------|"
    )  # the column widened to the name and the table's least right padding (two spaces)
    assert lines[4].startswith("| `prometheus-metrics-long`  | prom/prometheus:v2.53.0      |")
    assert len({len(line) for line in lines[2:]}) == 1  # still aligned


# --- a rename renames the service, not one of its rows -----------------------------------------------
# Found on corpus document 059: `rename kite` left the cluster table's `Kite` row with the old name,
# and a service written as two rows (two ports) kept one row under each name.

SPLIT = """\
## 3000-3099: Apps

| Port | Service | Notes |
|------|---------|-------|
| 3000 | api | public |
| 3001 | api | admin |
| 3002 | web | 3000 api |

## Cluster (ClusterIP)

| Service | Address |
|---------|---------|
| Api | `api.default.svc:8080` |

## Deployed

| Host | Service | Port |
|------|---------|------|
| prod-1 | api | 3000 |
"""


def test_a_rename_takes_every_row_of_the_service_in_the_case_each_writes_it() -> None:
    edit = edits.rename(mdports.parse(SPLIT), "api", "gateway")
    edits.verify(edit)
    assert edit.text == (
        SPLIT.replace("| 3000 | api |", "| 3000 | gateway |")
        .replace("| 3001 | api |", "| 3001 | gateway |")
        .replace("3000 api |", "3000 gateway |")
        .replace("| Api |", "| Gateway |")
    )
    assert edit.changes[0].message == "renamed api and 2 more row(s) of it to gateway; 1 reference(s) updated"
    model = mdports.registry(mdports.parse(edit.text))
    assert {e.service for e in model.entries if e.layer == "planned"} == {"gateway", "Gateway", "web"}
    assert [e.service for e in model.entries if e.layer == "running"] == ["api"]  # what runs: only with --host


def test_a_rename_leaves_the_same_name_of_another_project_alone() -> None:
    text = "## A\n\n| Project | Service | Port |\n|---|---|---|\n| shop | api | 3000 |\n| blog | api | 3001 |\n"
    edit = edits.rename(mdports.parse(text), "api", "gateway")
    assert edit.text == text.replace("| shop | api |", "| shop | gateway |")


def test_rename_of_a_service_with_several_rows_through_the_command(tmp_path: Path) -> None:
    path = tmp_path / "PORTS.md"
    path.write_text(SPLIT, encoding="utf-8")
    result = run_mdports("-f", str(path), "rename", "api", "gateway")
    assert (result.returncode, result.stderr) == (
        0,
        "renamed api and 2 more row(s) of it to gateway; 1 reference(s) updated\n",
    )
    assert "| Gateway |" in path.read_text(encoding="utf-8")

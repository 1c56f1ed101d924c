"""Fuzzing: no input makes mdports crash, hang or lose a byte.

Arbitrary text, random Markdown and real-looking schemas broken on purpose (deleted pipes,
duplicated rows, stray headings, huge cells, thousands of columns, NUL bytes, deep nesting,
mixed line endings) go through ``parse``, ``validate``, the read-only records and every edit
operation. The only exceptions allowed out are :class:`mdports.MdportsError` subclasses, and
``render(parse(t)) == t`` holds for all of it. Bytes that are not UTF-8 go through ``load``;
garbage files go through the installed ``mdports`` command.

The default run is short; ``FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py`` searches
longer (``benchmarks/fuzz_atheris.py`` is a coverage-guided fuzzer for hours-long runs).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import INPUTS, corpus, run_mdports
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import markdown, service_names

import mdports
from mdports import edits
from mdports.model.sections import _leading_range, _trailing_range
from mdports.output import listing as records
from mdports.syntax import document

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "80"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
CLI_FUZZ = settings(FUZZ, max_examples=max(4, EXAMPLES // 10))

# --- inputs -----------------------------------------------------------------------------------

SCHEMAS = [path.read_text(encoding="utf-8") for path in corpus()]
# With the characters of issue 9: bidi override, zero-width space, ESC, BEL and formula starters.
MARKDOWNISH = st.text(
    alphabet=st.sampled_from(list("|-:#>`*_ \t\n\r\\0123456789()[]!<>abcS\u2013\x00\ufeff\u202e\u200b\x1b\x07=@+"))
)
# The inputs of issue 9 that once hung a regular expression, at a size the fuzz run can afford.
HOSTILE_CELLS = [
    "`" * 3_000,
    "`" * 3_000 + "x",
    "b" + " " * 3_000 + "(x",
    "[click](https://e.vil) ![t](https://e.vil/px.gif) @org/team",
    "abc\u202edef",
    "\x1b]0;title\x07\x1b[2J",
    '=HYPERLINK("https://e.vil")',
]
HEADER = "| Port | Service | Runtime | Description |\n|------|---------|---------|-------------|\n"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _at_line(text: str, index: int, insert: str) -> str:
    lines = _lines(text)
    position = index % (len(lines) + 1)
    return "".join(lines[:position]) + insert + "".join(lines[position:])


def _delete_pipes(text: str, picks: list[int]) -> str:
    pipes = [i for i, char in enumerate(text) if char == "|"]
    doomed = {pipes[pick % len(pipes)] for pick in picks} if pipes else set()
    return "".join(char for i, char in enumerate(text) if i not in doomed)


def _duplicate_row(text: str, index: int) -> str:
    lines = _lines(text)
    line = lines[index % len(lines)]
    return _at_line(text, index, line if line.endswith(("\n", "\r")) else line + "\n")


def _huge_cell(text: str, index: int, kind: int) -> str:
    fillers = ["x" * 100_000, " " * 60_000 + "y", "9" * 20_000, "`" * 5_000, "*" * 4_001 + "3001" + "*" * 4_001]
    filler = fillers[kind % len(fillers)]
    return _at_line(text, index, f"| 3001 | {filler} | {filler} |\n")


def _many_columns(text: str, index: int, count: int) -> str:
    header = "| Port | Service |" + "".join(f" c{i} |" for i in range(count)) + "\n"
    delimiter = "|---|---|" + "---|" * count + "\n"
    row = "| 4001 | wide |" + " v |" * count + "\n"
    return _at_line(text, index, "\n## 4000-4099: Wide\n\n" + header + delimiter + row * 3 + "\n")


def _deep_nesting(text: str, index: int, depth: int) -> str:
    quoted = "".join("> " * depth + line for line in (HEADER + "| 3001 | deep |\n").splitlines(keepends=True))
    listed = "".join("  " * level + "- item\n" for level in range(depth))
    return _at_line(text, index, quoted + "\n" + listed + "[" * depth + "](" * depth + "\n")


def _line_endings(text: str, picks: list[int]) -> str:
    positions = [i for i, char in enumerate(text) if char == "\n"]
    chosen = {positions[pick % len(positions)]: ["\r", "\r\n", "\n\n"][pick % 3] for pick in picks} if positions else {}
    return "".join(chosen.get(i, char) for i, char in enumerate(text))


@st.composite
def broken_schemas(draw: st.DrawFn) -> str:
    """A real schema (the bundled one or a golden input) with a few things broken on purpose."""
    text = draw(st.sampled_from(SCHEMAS))
    index = st.integers(0, 10_000)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            text = _delete_pipes(text, draw(st.lists(index, min_size=1, max_size=8)))
        elif kind == 1:
            text = _duplicate_row(text, draw(index))
        elif kind == 2:
            heading = draw(st.sampled_from(["#", "##", "###", "Title\n===", "##"])) + " " + draw(MARKDOWNISH)[:40]
            text = _at_line(text, draw(index), heading.replace("\n", " ").replace("\r", " ") + "\n")
        elif kind == 3:
            text = _huge_cell(text, draw(index), draw(index))
        elif kind == 4:
            text = _many_columns(text, draw(index), draw(st.sampled_from([50, 500, 3000])))
        elif kind == 5:
            text = _at_line(text, draw(index), "\x00" * draw(st.integers(1, 3)) + draw(MARKDOWNISH)[:20] + "\n")
        elif kind == 6:
            text = _deep_nesting(text, draw(index), draw(st.sampled_from([5, 30, 200])))
        elif kind == 7:
            text = _line_endings(text, draw(st.lists(index, min_size=1, max_size=20)))
        elif kind == 8:
            position = draw(index) % (len(text) + 1)
            insert = draw(st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_CELLS)))
            text = text[:position] + insert + text[position:]
        else:
            text = "\ufeff" + text.rstrip("\r\n") if draw(st.booleans()) else text.replace("  ", "\t")
    return text


ANY_TEXT = st.one_of(st.text(), MARKDOWNISH, markdown(), broken_schemas())

# --- parse, validate, read ----------------------------------------------------------------------


@given(ANY_TEXT)
@FUZZ
@example("## a" + " " * 5_000 + "(1" + " " * 5_000 + "x\n")  # once cubic in a regular expression
@example("| Port | Service |\n|---|---|\n| " + "9" * 5_000 + " | big |\n")  # once int()'s digit limit
@example("<!-- mdports: accept MP101 \u00b2 " + "9" * 5_000 + " -->\n| Port | Service |\n|---|---|\n| 1 | a |\n")
@example("<!-- mdports: accept MP101" + " " * 20_000 + "x -->\n")  # issue 9: once quadratic
@example("| Port | Service |\n|---|---|\n| " + "`" * 20_000 + " | " + "`" * 2_000 + "x |\n")  # once cubic
@example((INPUTS / "hostile.md").read_text(encoding="utf-8"))
def test_parse_validate_and_read_never_crash_and_lose_nothing(text: str) -> None:
    doc = mdports.parse(text)
    assert doc.render() == text
    model = mdports.registry(doc)
    report = mdports.validate(model)
    assert all(finding.line >= 1 and finding.column >= 1 for finding in report.findings)
    for fmt in ("json", "csv", "table"):
        records.format_entries(model, model.entries, fmt)
    records.format_ranges(model, "json")
    for entry in model.entries[:3]:
        records.format_show(model, entry, "text")
    for key in ["3001", "0", "\u00b2", "9" * 5000, "x", *(e.service for e in model.entries[:2] if e.service)]:
        with contextlib.suppress(mdports.MdportsError):
            model.entry(key)
    for selector in ["3001", "core", "\u00b2", "9" * 40, "", "-", *(s.slug for s in model.sections[:2])]:
        with contextlib.suppress(mdports.MdportsError):
            model.section(selector)


def _structure(tokens: list[Any]) -> list[tuple[str, int, tuple[int, ...] | None]]:
    """Every block token outside tables, and each table's line range, in order."""
    out = []
    inside = 0
    for token in tokens:
        if token.type == "table_open":
            out.append((token.type, token.level, tuple(token.map)))
            inside += 1
        elif token.type == "table_close":
            inside -= 1
        elif not inside:
            out.append((token.type, token.level, tuple(token.map) if token.map else None))
    return out


@given(st.one_of(MARKDOWNISH, markdown(), broken_schemas()))
@FUZZ
def test_tables_end_where_markdown_it_ends_them(text: str) -> None:
    """mdports' table rule (no token per cell) agrees with markdown-it's own full parse."""
    from markdown_it import MarkdownIt

    source = text.removeprefix("\ufeff")
    full = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
    assert _structure(document._markdown().parse(source)) == _structure(full.parse(source))


_LEADING = re.compile(r"^\s*(\d[^:]*?)\s*:\s*(.*)$")
_TRAILING = re.compile(r"^(.*?)\s*\(\s*(\d[^)]*?)\s*\)\s*$")


@given(st.text(alphabet=st.sampled_from(list(" \t\n(1):x-\u00a0\u2013")), max_size=30))
@settings(max_examples=max(300, EXAMPLES * 3), deadline=None)
@example("\n(1)")  # the spaces before "(" may hold a line break; the title may not
@example("a (x) (1)")
def test_range_headings_read_as_the_regular_expressions_did(heading: str) -> None:
    leading, trailing = _LEADING.match(heading), _TRAILING.match(heading)
    assert _leading_range(heading) == (leading.groups() if leading else None)
    assert _trailing_range(heading) == (trailing.groups() if trailing else None)


# --- every edit ---------------------------------------------------------------------------------

NAMES = st.one_of(
    st.sampled_from(["todo-worker", "mana-auth", "chat-backend", "x", "reserved", "a|b", "", " ", "3001 x"]),
    st.text(max_size=20),
    service_names(10),
)
PORTS = st.one_of(st.none(), st.integers(-5, 70_000))
CELLS = st.dictionaries(
    st.sampled_from(["Runtime", "Description", "Owner", "Port", "Service", "runtime", ""]),
    st.text(max_size=30),
    max_size=3,
)


# The mdformat leg (`fmt --mdformat`) on documents up to this size. mdformat takes about a second
# for a 70,000-character generated document, and the fuzzer mutates such an example again and
# again (0.6 s to 12 s for this test, by seed); a longer document exercises no other path of ours.
MDFORMAT_MAX_CHARS = 20_000


def _operation(draw: st.DrawFn, model: mdports.Registry) -> tuple[str, Callable[[mdports.Document], edits.Edit]]:
    names = [e.service for e in model.entries if e.service] + [str(e.first_port) for e in model.entries[:5]]
    known = st.sampled_from(names) if names else NAMES
    ranges = [str(s.declared) for s in model.sections if s.declared] + [s.slug for s in model.sections]
    section = st.one_of(st.sampled_from(ranges), st.text(max_size=8)) if ranges else st.text(max_size=8)
    kinds = ["add", "remove", "rename", "move", "set", "fmt", "mdformat"]
    if len(model.document.render()) > MDFORMAT_MAX_CHARS:
        kinds.remove("mdformat")
    kind = draw(st.sampled_from(kinds))
    if kind == "add":
        name, where, port, cells = draw(NAMES), draw(st.none() | section), draw(PORTS), draw(CELLS)
        return kind, lambda d: edits.add(d, name, range=where, port=port, cells=cells, date=None)
    if kind == "remove":
        key, reserve = draw(st.one_of(known, NAMES)), draw(st.booleans())
        return kind, lambda d: edits.remove(d, key, reserve=reserve)
    if kind == "rename":
        old, new = draw(st.one_of(known, NAMES)), draw(NAMES)
        return kind, lambda d: edits.rename(d, old, new)
    if kind == "move":
        name, port, where = draw(st.one_of(known, NAMES)), draw(PORTS), draw(st.none() | section)
        reserve, drop = draw(st.booleans()), draw(st.booleans())
        return kind, lambda d: edits.move(d, name, port=port, range=where, reserve=reserve, drop_cells=drop)
    if kind == "set":
        key, cells = draw(st.one_of(known, NAMES)), draw(CELLS)
        return kind, lambda d: edits.set_cells(d, key, cells)
    if kind == "fmt":
        return kind, edits.format_tables
    return kind, edits.format_document


@pytest.mark.slow
@given(st.one_of(markdown(), broken_schemas()), st.data())
@FUZZ
def test_every_edit_fails_only_with_mdports_errors(text: str, data: st.DataObject) -> None:
    _edit_any(text, data.draw)


def test_mdformat_failing_is_a_refusal() -> None:
    """Found by the fuzzer: mdformat recurses too deep on deeply nested emphasis."""
    text = "| Port | Service |\n|---|---|\n| 3001 | " + "*" * 3000 + "3001" + "*" * 3000 + " |\n"
    with pytest.raises(mdports.RefusedError, match="mdformat cannot format this document"):
        edits.format_document(mdports.parse(text))


def test_remove_with_reserve_beside_a_short_row() -> None:
    """Found by atheris: a row shorter than the service column counts as a placeholder."""
    text = "## 1-9: A\n\n| Service | Port |\n|---|---|\n| a | 1 |\n|\n"
    edit = edits.move(mdports.parse(text), "a", port=2, reserve=True)
    edits.verify(edit)
    assert edit.text.endswith("| *(reserved)* | 1 |\n| a | 2 |\n|\n")


def test_reserving_the_ports_of_an_unreadable_port_cell_is_refused() -> None:
    """Found by atheris: `remove --reserve` of a row whose port cell cannot be read."""
    text = "## 1-9: A\n\n| Port | Service |\n|---|---|\n| x | a |\n| 2 | *(reserved)* |\n"
    with pytest.raises(mdports.RefusedError, match="no ports to reserve"):
        edits.remove(mdports.parse(text), "a", reserve=True)
    edits.verify(edits.remove(mdports.parse(text), "a"))


def test_add_to_a_table_whose_rows_stop_before_the_port_column() -> None:
    """Found by the fuzzer: the port column after the service column, rows shorter than both."""
    text = "# A\n\nService|Service|Port\n---|---|---\n0|a\n"
    edit = edits.add(mdports.parse(text), "todo-worker", range="a", port=7)
    assert "\ntodo-worker| |7\n" in edit.text
    edits.verify(edit)


def _edit_any(text: str, draw: st.DrawFn) -> None:
    doc = mdports.parse(text)
    model = mdports.registry(doc)
    for _ in range(draw(st.integers(1, 3))):
        kind, operation = _operation(draw, model)
        try:
            edit = operation(doc)
            new = edits.verify(edit)
        except mdports.MdportsError:
            continue
        assert mdports.parse(edit.text).render() == edit.text, kind
        doc, model = new.document, new


# --- files and the command line -----------------------------------------------------------------

INVALID_UTF8 = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80"]


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """Bytes of a would-be document: random, or a schema with invalid UTF-8 or NUL bytes in it."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=2_000))
    # surrogatepass: generated text may hold lone surrogates, which become invalid UTF-8 bytes.
    data = draw(st.one_of(broken_schemas(), markdown())).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.sampled_from([*INVALID_UTF8, b"\x00"])) + data[position:]
    return data


@given(files())
@FUZZ
def test_load_reads_any_bytes_or_says_why_not(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "PORT_SCHEMA.md"
        path.write_bytes(data)
        try:
            doc = mdports.load(path)
        except mdports.InputError as error:
            assert error.path == str(path) and error.message
            assert b"\x00" in data or _not_utf8(data)
            return
        assert doc.render() == data.decode("utf-8")


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@pytest.mark.slow
@given(files())
@CLI_FUZZ
def test_the_command_never_shows_a_traceback(data: bytes) -> None:
    """The installed console script on garbage: exit 0, 1 or 2, one message, never a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "PORT_SCHEMA.md"
        path.write_bytes(data)
        commands = [
            ["validate", "--format", "json"],
            ["list", "--format", "csv"],
            ["add", "fuzz-worker", "--range", "1-65535", "--port", "60001"],
            ["fmt", "--check"],
        ]
        for command in commands:
            result = run_mdports("-f", str(path), *command, cwd=Path(folder))
            shown = result.stdout + result.stderr
            assert result.returncode in (0, 1, 2), (command, shown[-2000:])
            assert "Traceback" not in shown and "internal error" not in shown, (command, shown[-2000:])
            if result.returncode == 2:
                assert result.stderr.startswith("mdports: error:") or "Usage:" in result.stderr, result.stderr


@pytest.mark.parametrize("command", [["validate"], ["add", "x-svc", "--range", "1-65535"], ["show", "x"]])
def test_the_command_on_a_huge_garbage_file(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "PORT_SCHEMA.md"
    path.write_bytes(bytes(range(1, 256)) * 4_000 + b"|\n" * 20_000)
    result = run_mdports("-f", str(path), *command, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"mdports: error: {path}: is not valid UTF-8")


# --- issue 9: escaping, names and env files ------------------------------------------------------


@given(st.one_of(st.text(), MARKDOWNISH, st.sampled_from(HOSTILE_CELLS)))
@FUZZ
def test_escaped_text_is_inert(text: str) -> None:
    """Escaped for Markdown, text renders as one paragraph of itself; for a terminal, without controls."""
    from markdown_it import MarkdownIt

    from mdports.syntax.escaping import csv_cell, escape_markdown, is_hidden, printable

    shown = printable(text)
    # Line endings stay (a CR only before its LF: CRLF text overwrites nothing); nothing else acts.
    assert not any(is_hidden(char) for char in shown.replace("\r\n", "").replace("\n", "").replace("\t", ""))
    escaped = escape_markdown(text)
    assert "\n" not in escaped and not any(is_hidden(char) for char in escaped.replace("\u200b", ""))
    html = MarkdownIt("commonmark").enable("table").render("x " + escaped)  # inline, as every output uses it
    assert re.sub(r"</?p>|&[a-z]+;|&#\d+;", "", html).count("<") == 0  # no tag but the paragraph
    assert not csv_cell(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.text(max_size=40))
@FUZZ
def test_a_new_name_is_refused_or_plain(name: str) -> None:
    from mdports.syntax.escaping import is_hidden

    try:
        cleaned = edits.check_name(name)
    except mdports.UsageError as error:
        assert "\x1b" not in error.message and "\u202e" not in error.message
        return
    # Letters, digits, the punctuation names use, and combining marks on a letter or digit (issue 20).
    for index, char in enumerate(cleaned):
        assert not is_hidden(char)
        if unicodedata.category(char) in ("Mn", "Mc"):
            assert index > 0 and (cleaned[index - 1].isalnum() or unicodedata.category(cleaned[index - 1])[0] == "M")
        else:
            assert char.isalnum() or char in " -_./()+:"


@given(st.text(alphabet=st.sampled_from(list("AB_=\"'#\\ \texport\n\r1\u2028\x0c")), max_size=60))
@FUZZ
@example("A=" + " " * 20_000 + "x")
@example('X="a\\"b" # c\nexport Y=\'c\\d\' \nZ=1 #x\n')
@example("1= #\nA= #x\nB=#x\n")  # white space then "#": an empty value (python-dotenv 1.2.4)
def test_env_files_read_like_python_dotenv(text: str) -> None:
    import io

    from dotenv.parser import parse_stream

    from mdports.deploy.envfile import read_variables

    found = list(read_variables(text))
    expected = [(b.key, b.value) for b in parse_stream(io.StringIO(text)) if b.key is not None and b.value is not None]
    assert [(name, value) for name, value, _, _ in found] == expected
    assert all(line >= 1 and column >= 1 for _, _, line, column in found)
    if text.startswith('X="a\\"b"'):
        assert [(n, v) for n, v, _, _ in found] == [("X", 'a"b'), ("Y", "c\\d"), ("Z", "1")]


def test_edits_in_a_table_with_a_repeated_header() -> None:
    """Found while rewriting verification: a repeated column name made every edit of its table refused."""
    text = "## 1-9: A\n\n| Port | Service | Note | Note |\n|---|---|---|---|\n| 1 | a | x | y |\n"
    edit = edits.add(mdports.parse(text), "b", range="a")
    edits.verify(edit)
    assert edit.text.endswith("| 1 | a | x | y |\n| 2 | b | | |\n")

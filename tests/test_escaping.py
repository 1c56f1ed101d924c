"""Hostile names in every command's output (issue 20, item 17): one escaping path for all text.

A service name, a compose service or a path can hold ESC (cursor and title sequences), BEL,
a C1 control (U+009B is CSI on its own), a right-to-left override or isolate and zero-width
joiners. No command may print them raw, on stdout or stderr, in any format: text shows them
as ``<U+XXXX>`` (:func:`mdports.syntax.escaping.printable`), JSON as JSON escapes, which decode
to the same name. A NUL cannot reach an output: a document holding one is refused as binary.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import invoke_mdports, run_mdports
from hypothesis import given
from hypothesis import strategies as st

import mdports
from mdports.syntax.escaping import json_printable, printable

# ESC with a title and a clear-screen sequence, BEL, a C1 CSI, a right-to-left override,
# a left-to-right isolate, a zero-width joiner and a zero-width space.
HOSTILE = "ev\x1b]0;owned\x07\x1b[2Jil\x9b\u202e\u2066\u200d\u200bx"
SHOWN = "ev<U+001B>]0;owned<U+0007><U+001B>[2Jil<U+009B><U+202E><U+2066><U+200D><U+200B>x"
# What must never reach a terminal: C0 controls but tab and line endings, a CR that is not a
# line ending, DEL, C1 controls, bidi controls and zero-width characters.
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")

DOCUMENT = (
    "# Ports\n\n**Last updated:** 2026-01-01\n\n## 3001-3009: Core\n\n"
    "| Port | Service | Runtime | Description |\n|------|---------|---------|-------------|\n"
    "| 3001 | mana-auth | Go | |\n"
    f"| 3002 | {HOSTILE} | Go | calls 3001 mana-auth |\n"
    f"| 3002 | dup{HOSTILE} | Go | |\n"  # MP001 and MP104 name it
    f"| 4000 | far{HOSTILE} | Go | |\n"  # MP101
)


def _compose(*services: tuple[str, str]) -> str:
    """A compose file; names are JSON strings, which YAML reads with their escapes."""
    lines = ["services:"]
    for name, mapping in services:
        lines += [f"  {json.dumps(name)}:", "    ports:", f'      - "{mapping}"']
    return "\n".join(lines) + "\n"


# The colours mdports adds itself (--color always): select graphic rendition, nothing else.
_OUR_COLORS = re.compile(r"\x1b\[[0-9;]*m")


def _raw(result: subprocess.CompletedProcess[str]) -> list[str]:
    return RAW.findall(_OUR_COLORS.sub("", result.stdout + result.stderr))


def _strings(value: object) -> list[str]:
    """Every string in a decoded JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for item in value.values() for s in _strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "PORT_SCHEMA.md").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text(
        _compose((HOSTILE, "3007:3000"), (f"new{HOSTILE}", "3008:80")), encoding="utf-8"
    )
    return tmp_path


def test_drift_fix_not_fixed_lines_are_escaped(folder: Path) -> None:
    """The lines the issue names: `not fixed:` of drift --fix, through the installed command."""
    for target in ("document", "deployment"):
        result = run_mdports(
            "-f", "PORT_SCHEMA.md", "drift", "-c", "docker-compose.yml", "--fix", target, "--dry-run", cwd=folder
        )
        assert _raw(result) == [], (target, result.stderr)
        assert f"not fixed: docker-compose.yml:7:10: MP201 compose service new{SHOWN} publishes" in result.stderr


def test_merge_note_lines_are_escaped(folder: Path) -> None:
    """The other lines the issue names: `mdports merge: note:` about a row their side wrote."""
    base = "# Ports\n\n## 3001-3009: Core\n\n| Port | Service |\n|------|---------|\n| 3001 | mana-auth |\n"
    (folder / "base.md").write_text(base, encoding="utf-8")
    (folder / "ours.md").write_text(base + "| 3002 | ours |\n", encoding="utf-8")
    (folder / "theirs.md").write_text(base + f"| 4000 | {HOSTILE} |\n", encoding="utf-8")
    result = run_mdports("merge", "base.md", "ours.md", "theirs.md", cwd=folder)
    assert (result.returncode, _raw(result)) == (0, []), result.stderr
    assert result.stderr == (
        f"mdports merge: add {SHOWN} on 4000\n"
        f"mdports merge: note: MP101 port 4000 ({SHOWN}) is outside the section's range 3001-3009"
        " (a row their side wrote)\n"
    )
    assert HOSTILE in (folder / "ours.md").read_text(encoding="utf-8")  # the document keeps the name as written


# Each command, and whether its output names the hostile service (counts, columns and variable
# names do not; a refused new name is quoted with Python's escapes, ``'ev\\x1b]0;...'``).
COMMANDS: list[tuple[list[str], bool]] = [
    (["validate"], True),
    (["validate", "--format", "json"], True),
    (["validate", "--format", "sarif"], True),
    (["validate", "--format", "github"], True),
    (["validate", "--fix", "--unsafe-fixes", "--diff"], True),
    (["--color", "always", "validate", "--fix", "--unsafe-fixes", "--diff"], True),
    (["--color", "always", "validate"], True),
    (["list"], True),
    (["list", "--format", "json"], True),
    (["list", "--format", "csv"], True),
    (["list", "--verbose"], True),
    (["show", HOSTILE], True),
    (["show", HOSTILE, "--format", "json"], True),
    (["show", f"nothing{HOSTILE}"], True),  # the error names what was asked for
    (["ranges"], False),
    (["explain"], False),
    (["explain", "--format", "json"], False),
    (["rename", HOSTILE, "plain", "--dry-run"], True),
    (["rename", HOSTILE, "plain", "--diff"], True),
    (["--color", "always", "rename", HOSTILE, "plain", "--diff"], True),
    (["rename", HOSTILE, "plain", "--format", "json"], True),
    (["rename", "mana-auth", HOSTILE], False),  # refused: the new name is shown escaped
    (["add", HOSTILE, "--range", "core"], False),
    (["move", HOSTILE, "--port", "3005", "--dry-run"], True),
    (["set", HOSTILE, "--runtime", f"Rust{HOSTILE}", "--dry-run"], True),
    (["remove", f"far{HOSTILE}", "--dry-run"], True),
    (["fmt", "--diff"], False),
    (["fmt", "--check"], False),
    (["export", "--format", "json"], True),
    (["export", "--format", "yaml"], True),
    (["export", "--format", "csv"], True),
    (["export", "--format", "env"], False),
    (["drift", "-c", "docker-compose.yml"], True),
    (["drift", "-c", "docker-compose.yml", "--format", "json"], True),
    (["drift", "-c", "docker-compose.yml", "--format", "sarif"], True),
    (["drift", "-c", "docker-compose.yml", "--format", "github"], True),
    (["drift", "-c", "docker-compose.yml", "--fix", "document", "--add-undocumented", "--diff"], True),
    (["drift", "-c", "docker-compose.yml", "--fix", "deployment", "--diff"], True),
    (["drift", "-c", "docker-compose.yml", "--fix", "document", "--dry-run", "--format", "json"], True),
]


@pytest.mark.parametrize(
    ("args", "shows_name"), COMMANDS, ids=[" ".join(a for a in args if a.isascii()) for args, _ in COMMANDS]
)
def test_no_command_prints_a_hostile_name_raw(folder: Path, args: list[str], shows_name: bool) -> None:
    result = invoke_mdports("-f", "PORT_SCHEMA.md", *args, cwd=folder)
    assert result.returncode in (0, 1, 2), result.stderr
    assert _raw(result) == [], (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if not shows_name:
        return
    if {"json", "sarif", "yaml"} & set(args):
        # JSON's and YAML's escapes decode to the name as written: the data is unchanged.
        assert any(HOSTILE in text for text in _strings(yaml.safe_load(result.stdout)))
    else:
        assert SHOWN in result.stdout + result.stderr


def test_diff_and_merge_outputs_escape_in_every_format(folder: Path) -> None:
    old = folder / "PORT_SCHEMA.md"
    new = folder / "new.md"
    new.write_text(DOCUMENT.replace(f"| 4000 | far{HOSTILE}", f"| 3009 | far{HOSTILE}"), encoding="utf-8")
    for fmt in ("text", "json", "markdown"):
        result = invoke_mdports("diff", old.name, new.name, "--format", fmt, cwd=folder)
        assert result.returncode == 0 and _raw(result) == [], (fmt, result.stdout)
    merged = folder / "theirs.md"
    merged.write_text(DOCUMENT.replace("| 3001 | mana-auth | Go |", "| 3001 | mana-auth | Rust |"), encoding="utf-8")
    ours = folder / "ours.md"
    shutil.copyfile(old, ours)
    result = invoke_mdports("merge", old.name, ours.name, merged.name, "--format", "json", cwd=folder)
    assert _raw(result) == [] and json.loads(result.stdout)["clean"], result.stdout


def test_a_hostile_file_name_is_escaped_in_errors(tmp_path: Path) -> None:
    name = "doc\x1b[2J\u202e.md"
    (tmp_path / name).write_text("no table\x00here", encoding="utf-8")  # refused as binary, NUL and all
    result = invoke_mdports("-f", name, "validate", cwd=tmp_path)
    assert result.returncode == 2 and _raw(result) == []
    assert "doc<U+001B>[2J<U+202E>.md" in result.stderr


def test_a_crlf_diff_keeps_its_line_endings_but_a_lone_cr_is_shown() -> None:
    assert printable("a\r\nb\rc") == "a\r\nb<U+000D>c"


@given(st.text())
def test_printable_and_json_printable_leave_nothing_that_acts(text: str) -> None:
    assert RAW.search(printable(text)) is None
    assert printable(printable(text)) == printable(text)  # say() may see text a formatter escaped
    encoded = json_printable(json.dumps(text, ensure_ascii=False))
    assert RAW.search(encoded) is None and json.loads(encoded) == text
    assert printable(encoded) == encoded  # a JSON output passes the terminal path unchanged


def _shown_one_by_one(text: str) -> str:
    """What :func:`printable` must return, decided a character at a time (the reference)."""
    out = []
    for index, char in enumerate(text):
        line_ending = char == "\r" and text[index + 1 : index + 2] == "\n"
        acts = not line_ending if char == "\r" else RAW.fullmatch(char) is not None
        out.append(f"<U+{ord(char):04X}>" if acts else char)
    return "".join(out)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text(alphabet="ab\r\n\t\x1b\x7f\x9f\u202e"))
def test_printable_is_the_same_on_its_ascii_fast_path(text: str) -> None:
    """ASCII text skips the regex when nothing in it can act; the result must not differ."""
    assert printable(text) == _shown_one_by_one(text)
    encoded = json.dumps(text, ensure_ascii=False)
    if encoded.isascii():
        assert json_printable(encoded) == encoded.replace("\x7f", "\\u007f")


def test_every_print_goes_through_say() -> None:
    """One escaping path: the only other print writes a document to stdout (``fmt -``), as is."""
    package = Path(mdports.__file__).parent
    prints = [
        (str(path.relative_to(package)), line.strip())
        for path in sorted(package.rglob("*.py"))
        if path.name != "_shared.py"  # say, say_markdown, say_diff: the one way to the terminal
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\b(typer|click)\.echo\(|^\s*print\(|\bsys\.std(out|err)\b.*\.write\(", line)
    ]
    assert prints == [
        (
            "cli/edit.py",
            "typer.echo(edit.text, nl=False)  # the document itself, byte for byte as a file would hold it",
        )
    ]

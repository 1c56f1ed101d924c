"""Names compared as people read them (issue 20, item 20).

One name in two spellings (precomposed é or e + U+0301, any case) is one name everywhere names
are compared: duplicates (MP002), the edits' "already exists", rename, references, diff, merge
and drift's matching. A name that only *looks* like another because it is written in other
letters (``mana-аuth`` with a Cyrillic а) is MP113, and ``add``/``rename`` refuse to create one.
Names may use the letters of every script, with their combining marks.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from pathlib import Path

import pytest
from conftest import ROOT, invoke_mdports, modules_loaded_by, run_mdports
from hypothesis import given
from hypothesis import strategies as st
from strategies import LOOK_ALIKE_CYRILLIC, LOOK_ALIKE_LATIN, plain_names

import mdports
from mdports.model import names
from mdports.model.names import find_name, fold_name, mixed_script_confusable, resolved_scripts, skeleton

NFC = "caf\u00e9"
NFD = "cafe\u0301"
CYRILLIC_A = "\u0430"
DEVANAGARI = "\u0915\u093e\u0930\u094d\u092f"  # कार्य: ka, vowel sign aa (Mc), ra, virama (Mn), ya


def _doc(*rows: str, header: str = "| Port | Service | Calls |") -> str:
    separator = "|" + "|".join("---" for _ in header.strip("|").split("|")) + "|"
    return "# Ports\n\n## 3001-3009: Core\n\n" + "\n".join([header, separator, *rows]) + "\n"


def _write(folder: Path, text: str, name: str = "PORT_SCHEMA.md") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _rules(text: str) -> list[str]:
    return [f.rule.id for f in mdports.validate(mdports.parse(text, path="t.md")).findings]


# --- through the installed command ------------------------------------------------------------------


def test_nfc_and_nfd_spellings_are_one_name_for_validate_and_add(tmp_path: Path) -> None:
    _write(tmp_path, _doc(f"| 3001 | {NFC} | |", "| 3002 | mana-auth | |", f"| 3003 | {NFD} | |"))
    result = run_mdports("-f", "PORT_SCHEMA.md", "validate", cwd=tmp_path)
    assert result.returncode == 1
    assert f"PORT_SCHEMA.md:9:10: error MP002 service {NFD} is already listed at line 7" in result.stdout
    result = run_mdports("-f", "PORT_SCHEMA.md", "add", NFD.upper(), "--range", "core", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"mdports: error: PORT_SCHEMA.md: {'CAFÉ'} already exists at line 7")


def test_a_cyrillic_letter_in_a_name_is_reported_and_refused(tmp_path: Path) -> None:
    impostor = f"mana-{CYRILLIC_A}uth"
    path = _write(tmp_path, _doc("| 3001 | mana-auth | |", f"| 3002 | {impostor} | |"))
    result = run_mdports("-f", "PORT_SCHEMA.md", "validate", cwd=tmp_path)
    assert result.returncode == 0  # a warning
    assert (
        f"PORT_SCHEMA.md:8:10: warning MP113 service {impostor} looks like mana-auth (line 7) but is written in "
        "other letters: U+0430 CYRILLIC SMALL LETTER A [confusable-service]"
    ) in result.stdout
    before = path.read_bytes()
    result = run_mdports(
        "-f", "PORT_SCHEMA.md", "add", f"gr{CYRILLIC_A}fana-{CYRILLIC_A}uth", "--range", "core", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr  # looks like no name there is
    result = run_mdports("-f", "PORT_SCHEMA.md", "rename", impostor, f"m{CYRILLIC_A}na-auth", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert "looks like mana-auth (line 7) but is written in other letters (confusable-service)" in result.stderr
    assert path.read_bytes() != before and f"m{CYRILLIC_A}na-auth" not in path.read_text(encoding="utf-8")


def test_names_in_every_script_are_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc("| 3001 | mana-auth | |"))
    for name in (
        DEVANAGARI,
        "\u0441\u0435\u0440\u0432\u0438\u0441",
        "\u65e5\u672c\u8a9e-api",
        "\u0e1a\u0e23\u0e34\u0e01\u0e32\u0e23",
    ):
        result = run_mdports("-f", "PORT_SCHEMA.md", "add", name, "--range", "core", cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
    registry = mdports.registry(mdports.load(path))
    assert DEVANAGARI in [e.service for e in registry.entries]
    assert not mdports.validate(mdports.load(path)).findings


# --- in process: where else names are compared ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("\u0301abc", "<U+0301> (U+0301 COMBINING ACUTE ACCENT), a combining mark with no letter before it"),
        ("a -\u0301b", "<U+0301> (U+0301 COMBINING ACUTE ACCENT), a combining mark with no letter before it"),
        ("a\u0301\u0302\u0303\u0304\u0306", "<U+0306> (U+0306 COMBINING BREVE), one combining mark too many"),
        ("a\u0301\u0301", "<U+0301> (U+0301 COMBINING ACUTE ACCENT), one combining mark too many"),
        ("a\u20ddb", "(U+20DD COMBINING ENCLOSING CIRCLE), a symbol or punctuation, not a letter or digit"),
        ("k\u200dx", "<U+200D>, a control or invisible character"),
        ("a\u20acb", "'€' (U+20AC EURO SIGN), a symbol or punctuation, not a letter or digit"),
        ("a<b", "'<', which is Markdown or HTML syntax or other punctuation"),
    ],
    ids=["mark-first", "mark-after-space", "five-marks", "mark-twice", "enclosing", "zwj", "symbol", "html"],
)
def test_marks_and_symbols_that_names_refuse(tmp_path: Path, name: str, shown: str) -> None:
    _write(tmp_path, _doc("| 3001 | mana-auth | |"))
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "add", name, "--range", "core", cwd=tmp_path)
    assert result.returncode == 2 and "contains " in result.stderr, result.stderr
    assert shown.split(", ")[0] in result.stderr and shown.split(", ")[1] in result.stderr


def test_a_new_name_is_written_in_nfc(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc("| 3001 | mana-auth | |"))
    assert invoke_mdports("-f", "PORT_SCHEMA.md", "add", NFD, "--range", "core", cwd=tmp_path).returncode == 0
    assert f"| 3002 | {NFC} |" in path.read_text(encoding="utf-8")
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "rename", NFC, NFD, cwd=tmp_path)
    assert result.returncode == 1 and "already has that name; nothing to do" in result.stderr


def test_references_in_another_spelling_are_found_and_renamed(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc(f"| 3001 | {NFC}-api | |", "| 3002 | mana-auth | 3001 CAFE\u0301-api |"))
    assert invoke_mdports("-f", "PORT_SCHEMA.md", "validate", cwd=tmp_path).returncode == 0  # no MP004
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "show", f"{NFD}-API", cwd=tmp_path)
    assert "referenced by 1" in result.stdout, result.stdout
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "rename", f"{NFD}-api", "bistro", cwd=tmp_path)
    assert result.returncode == 0 and "1 reference(s) updated" in result.stderr
    assert "| 3002 | mana-auth | 3001 bistro |" in path.read_text(encoding="utf-8")
    # A name in a link, in another spelling: the link text is renamed, its target left.
    _write(tmp_path, _doc(f"| 3001 | [{NFD}](../{NFD}) | |"))
    assert invoke_mdports("-f", "PORT_SCHEMA.md", "rename", NFC, "bistro", cwd=tmp_path).returncode == 0
    assert f"| 3001 | [bistro](../{NFD}) | |" in path.read_text(encoding="utf-8")


def test_diff_pairs_spellings_and_shows_no_invisible_rename(tmp_path: Path) -> None:
    _write(tmp_path, _doc(f"| 3001 | {NFC} | |", "| 3002 | b | |"), "old.md")
    _write(tmp_path, _doc(f"| 3001 | {NFD} | |", "| 3002 | b | |"), "new.md")
    result = invoke_mdports("diff", "old.md", "new.md", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["changed"] is False, result.stdout
    _write(tmp_path, _doc(f"| 3004 | {NFD.upper()} | |", "| 3002 | b | |"), "new.md")
    result = invoke_mdports("diff", "old.md", "new.md", cwd=tmp_path)
    assert "moved" in result.stdout and "added" not in result.stdout and "removed" not in result.stdout


def test_merge_sees_one_name_added_on_both_sides(tmp_path: Path) -> None:
    base = _doc("| 3001 | mana-auth | |")
    for name, text in (
        ("base.md", base),
        ("ours.md", base + f"| 3002 | {NFC} | |\n"),
        ("theirs.md", base + f"| 3005 | {NFD} | |\n"),
    ):
        _write(tmp_path, text, name)
    result = invoke_mdports("merge", "base.md", "ours.md", "theirs.md", cwd=tmp_path)
    assert result.returncode == 1
    assert f"CONFLICT: both sides added {NFD}: we on 3002, they on 3005" in result.stderr


def test_drift_matches_a_compose_service_in_another_spelling(tmp_path: Path) -> None:
    _write(tmp_path, _doc(f"| 3001 | {NFC}-api | |"))
    (tmp_path / "compose.yml").write_text(
        f'services:\n  "{NFD}-API":\n    ports:\n      - "3001:80"\n', encoding="utf-8"
    )
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["findings"] == [], result.stdout


def test_drift_does_not_add_a_look_alike_of_a_documented_service(tmp_path: Path) -> None:
    _write(tmp_path, _doc("| 3001 | mana-auth | |"))
    (tmp_path / "compose.yml").write_text(
        f'services:\n  "mana-{CYRILLIC_A}uth":\n    ports:\n      - "3007:80"\n'
        f'  "{DEVANAGARI}":\n    ports:\n      - "3008:80"\n',
        encoding="utf-8",
    )
    args = (
        "-f",
        "PORT_SCHEMA.md",
        "drift",
        "-c",
        "compose.yml",
        "--fix",
        "document",
        "--add-undocumented",
        "--dry-run",
    )
    result = invoke_mdports(*args, cwd=tmp_path)
    assert f"added {DEVANAGARI} on port 3008" in result.stderr
    assert (
        f"not fixed: compose.yml:4:10: MP201 compose service mana-{CYRILLIC_A}uth publishes port 3007" in result.stderr
    )
    assert "(confusable-service)" in result.stderr


def test_validate_of_ascii_names_does_not_read_the_unicode_tables(tmp_path: Path) -> None:
    """The usual registry pays nothing: the tables are read only for a name beyond ASCII."""
    names._tables.cache_clear()
    registry = mdports.registry(mdports.parse(_doc("| 3001 | mana-auth | |", "| 3002 | rn | |", "| 3003 | m | |")))
    assert not mdports.validate(registry).findings and names._tables.cache_info().currsize == 0
    (tmp_path / "docs").mkdir()
    _write(tmp_path / "docs", _doc("| 3001 | mana-auth | |"))
    code, imported = modules_loaded_by("validate", cwd=tmp_path)
    assert code == 0 and "mdports.model.names" in imported and "mdports.edits" not in imported


# --- the helpers and the table -------------------------------------------------------------------------


def test_the_table_is_what_the_generator_writes_from_unicodes_files() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_unicode_tables", ROOT / "tools" / "generate_unicode_tables.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    shipped = (ROOT / "mdports" / "model" / "unicode_security.txt").read_text(encoding="utf-8")
    assert generator.table(ROOT / "tools" / "unicode") == shipped
    assert "confusables.txt 13.0.0, Scripts-15.0.0.txt" in shipped.splitlines()[1]


def test_the_table_says_what_unicode_says() -> None:
    assert skeleton("mana-\u0430uth") == skeleton("mana-auth") and skeleton("\u0440") == "p"
    assert resolved_scripts(DEVANAGARI) == {"Deva"} and resolved_scripts("3001-") is None
    assert resolved_scripts("\u65e5\u672c\u3054") == {"Jpan"}  # Han and Hiragana: Japanese
    assert resolved_scripts("mana-\u0430uth") == frozenset()
    # Script extensions win: the Devanagari danda is also Bengali's, so it mixes nothing.
    assert "Beng" in names.scripts_of("\u0964") and "Deva" in names.scripts_of("\u0964")
    assert names.scripts_of("\U0010fffd") == {"Zzzz"}
    # ASCII names are mapped with str.replace, one character after another: no order may matter.
    ascii = names._tables().ascii
    assert 0 < len(ascii) < 20 and not any(char in prototype for _, prototype in ascii for char, _ in ascii)
    assert all(unicodedata.is_normalized("NFD", prototype) for _, prototype in ascii)
    assert skeleton("mi1k") == "rnilk" == skeleton("rn\u0456lk")  # Cyrillic і
    # A prototype is its own skeleton: comparing skeletons is comparing prototypes.
    prototypes = set(names._tables().prototypes.values())
    assert len(prototypes) > 1000
    unstable = [p for p in prototypes if skeleton(p) != unicodedata.normalize("NFD", p)]
    assert len(unstable) < 30, unstable  # a few of Unicode 13's prototypes decompose further


@given(st.text(max_size=20))
def test_every_spelling_folds_to_one_key(text: str) -> None:
    key = fold_name(text)
    assert fold_name(unicodedata.normalize("NFD", text)) == key == fold_name(unicodedata.normalize("NFC", text))
    assert fold_name(key) == key  # a key looked up again finds itself


@given(st.text(max_size=8), st.text(min_size=1, max_size=8), st.text(max_size=8), st.sampled_from(["NFC", "NFD"]))
def test_find_name_finds_a_name_in_any_spelling(prefix: str, name: str, suffix: str, form: str) -> None:
    text = prefix + unicodedata.normalize(form, name.upper()) + suffix
    found = find_name(text, name)
    if found is not None:  # found: what it spans is the name (it may be an earlier occurrence)
        assert fold_name(text[found[0] : found[1]]) == fold_name(name)
    if not unicodedata.combining(name[0]) and not unicodedata.combining(suffix[:1] or "x"):
        assert found is not None or fold_name(name.upper()) != fold_name(name)


def test_find_name_in_hangul_jamo_and_tamil_vowel_signs() -> None:
    """Characters that compose with no combining mark: a syllable and its jamo, a Tamil two-part vowel."""
    assert find_name("x \u1100\u1161-api", "\uac00-API") == (2, 8)  # 가 typed as its two jamo
    assert find_name("\uac00-api", "\u1100\u1161-api") == (0, 5)
    assert find_name("\u0b95\u0bc6\u0bbe", "\u0b95\u0bca") == (0, 3)  # கொ in two parts, and in one
    assert find_name("\uac00", "\u1100") is None  # a jamo of a syllable is not a name in it


def test_look_alikes_of_one_script_are_not_reported() -> None:
    assert not mixed_script_confusable("rn", "m")  # Latin both: a matter of fonts
    assert mixed_script_confusable("\u0430\u0440\u0435", "ape")  # all Cyrillic against all Latin
    assert "MP113" not in _rules(_doc("| 3001 | \u0441\u0435\u0440\u0432\u0438\u0441 | |", "| 3002 | service | |"))


def test_drift_keeps_a_combining_mark_with_its_letter(tmp_path: Path) -> None:
    """कि (ki) and का (kaa) are two names: their vowel signs are no separators, as punctuation is."""
    _write(tmp_path, _doc("| 3001 | \u0915\u093e | |", f"| 3002 | {DEVANAGARI}_api | |"))
    (tmp_path / "compose.yml").write_text(
        'services:\n  "\u0915\u093f":\n    ports:\n      - "3001:80"\n'
        f'  "{DEVANAGARI}.api":\n    ports:\n      - "3002:80"\n',
        encoding="utf-8",
    )
    result = invoke_mdports("-f", "PORT_SCHEMA.md", "drift", "-c", "compose.yml", "--format", "json", cwd=tmp_path)
    findings = {(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    # कि publishes the port of का: not the same service (so का is deployed nowhere); कार्य.api is कार्य_api.
    assert findings == {("MP207", "compose.yml", 4), ("MP206", "PORT_SCHEMA.md", 7)}


# --- properties -------------------------------------------------------------------------------------------


def _table(*names: str) -> str:
    return _doc(*(f"| {3001 + index} | {name} | |" for index, name in enumerate(names)))


@given(plain_names, st.data())
def test_a_respelled_document_has_the_same_findings(name: str, data: st.DataObject) -> None:
    """NFD, upper case: another spelling of every name changes no finding (rule and line)."""
    other = data.draw(plain_names)
    text = _table(name, other, "x-api", unicodedata.normalize("NFD", name.upper()))
    respelled = unicodedata.normalize("NFD", text)
    found = sorted((f.rule.id, f.line) for f in mdports.validate(mdports.parse(text)).findings)
    assert sorted((f.rule.id, f.line) for f in mdports.validate(mdports.parse(respelled)).findings) == found
    assert ("MP002", 10) in found  # line 10 is the name again, in capitals and decomposed


@given(plain_names, st.data())
def test_a_cyrillic_look_alike_of_a_name_is_mp113(name: str, data: st.DataObject) -> None:
    swaps = [index for index, char in enumerate(name) if char in LOOK_ALIKE_LATIN]
    chosen = data.draw(st.sets(st.sampled_from(swaps), min_size=1))
    impostor = "".join(
        LOOK_ALIKE_CYRILLIC[LOOK_ALIKE_LATIN.index(char)] if index in chosen else char
        for index, char in enumerate(name)
    )
    findings = mdports.validate(mdports.parse(_table(name, "x-api", impostor))).findings
    assert [(f.rule.id, f.line) for f in findings if f.rule.id in ("MP002", "MP113")] == [("MP113", 9)]
    assert skeleton(fold_name(name)) == skeleton(fold_name(impostor)) and fold_name(name) != fold_name(impostor)

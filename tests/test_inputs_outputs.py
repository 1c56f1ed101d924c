"""Inputs and outputs that never break (issue 20, items 16, 19 and 21), through the installed command.

Standard input is bounded as a file is (16); a committed symbolic link read as ``REV:PATH``
is followed within the revision's tree, or refused (21); SARIF locations are RFC 3986 URI
references a SARIF consumer accepts (19).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import BUNDLED, PROJECT, invoke_mdports, mdports_executable, run_mdports
from jsonschema import Draft202012Validator

from mdports.files.reading import MAX_DOCUMENT_BYTES

# A subprocess that would read forever must end long before this (a hang, not a timing).
HANG = 60
TOO_BIG = "is 64 MiB or more, more than the 64 MiB a port registry can need; is it the right file?"


# --- 16: standard input is bounded like a file ----------------------------------------------------


def test_16_an_endless_standard_input_is_refused_after_the_limit() -> None:
    """`yes` never stops writing: mdports reads the limit and one byte more, then refuses (exit 2)."""
    endless = subprocess.Popen(["yes", "| 3001 | a |"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run(
            [mdports_executable(), "validate", "-"],
            stdin=endless.stdout,
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    finally:
        endless.kill()
        endless.wait()
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"mdports: error: <stdin>: {TOO_BIG}\n"


@pytest.mark.parametrize(
    "args",
    [("validate", "-"), ("-f", "-", "validate"), ("fmt", "-"), ("validate", "--diff", "--unsafe-fixes", "-")],
    ids=["validate", "file-option", "fmt", "fix-diff"],
)
def test_16_every_command_reading_standard_input_has_the_file_limit(args: tuple[str, ...]) -> None:
    over = "x" * (MAX_DOCUMENT_BYTES + 1)
    result = invoke_mdports(*args, stdin=over)
    assert (result.returncode, result.stderr) == (2, f"mdports: error: <stdin>: {TOO_BIG}\n")
    # At the limit exactly, it is read (and found to hold no table).
    at_limit = invoke_mdports("validate", "-", stdin="x" * MAX_DOCUMENT_BYTES)
    assert at_limit.returncode == 0, at_limit.stderr


def test_16_a_closed_standard_input_is_an_input_error(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" validate - <&-', mdports_executable()],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("mdports: error: <stdin>: standard input is closed; nothing to read\n")


def test_16_standard_input_is_checked_like_a_file() -> None:
    binary = invoke_mdports("validate", "-", stdin="a\0b")
    assert (binary.returncode, binary.stderr) == (
        2,
        "mdports: error: <stdin>: looks like a binary file (NUL byte at offset 1)\n",
    )


@pytest.mark.parametrize("name", [".mdports.toml", "pyproject.toml"])
def test_16_a_configuration_file_has_the_limit_too(tmp_path: Path, name: str) -> None:
    """A configuration (found, or given with --config) is read bounded, never whole."""
    with open(tmp_path / name, "wb") as huge:
        huge.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no disk space used
    found = invoke_mdports("validate", "-", stdin="", cwd=tmp_path)
    given = invoke_mdports("--config", name, "validate", "-", stdin="", cwd=tmp_path)
    for result in (found, given):
        assert (result.returncode, result.stderr) == (2, f"mdports: error: {name}: {TOO_BIG}\n")


# --- 21: a committed symbolic link --------------------------------------------------------------


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A repository with the document and links to it: in the tree, out of it, dangling, in a loop."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/PORT_SCHEMA.md").write_bytes(BUNDLED.read_bytes())
    (tmp_path / "secret.md").write_text("not the document\n", encoding="utf-8")
    os.symlink("docs/PORT_SCHEMA.md", tmp_path / "link.md")
    os.symlink("link.md", tmp_path / "chain.md")
    os.symlink("docs", tmp_path / "folder")
    os.symlink(str(tmp_path / "secret.md"), tmp_path / "absolute.md")
    os.symlink("../../etc/passwd", tmp_path / "outside.md")
    os.symlink("missing.md", tmp_path / "dangling.md")
    os.symlink("loop-b.md", tmp_path / "loop-a.md")
    os.symlink("loop-a.md", tmp_path / "loop-b.md")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "links")
    return tmp_path


def test_21_a_committed_link_is_read_as_the_file_it_points_to_in_the_tree(linked: Path) -> None:
    result = run_mdports("diff", "HEAD:link.md", "HEAD:docs/PORT_SCHEMA.md", "--exit-code", cwd=linked)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "no registry changes (HEAD:link.md -> HEAD:docs/PORT_SCHEMA.md)\n"


@pytest.mark.parametrize(
    "spec", ["HEAD:chain.md", "HEAD:folder/PORT_SCHEMA.md", "HEAD:./link.md", ":link.md", ":chain.md", ":./link.md"]
)
def test_21_links_are_followed_through_chains_and_folders(linked: Path, spec: str) -> None:
    result = invoke_mdports("diff", spec, "docs/PORT_SCHEMA.md", "--exit-code", cwd=linked)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("HEAD:absolute.md", "is a symbolic link to {root}/secret.md, outside the repository"),
        ("HEAD:outside.md", "is a symbolic link to ../../etc/passwd, outside the repository"),
        ("HEAD:dangling.md", "is a symbolic link to a file the revision does not have"),
        ("HEAD:loop-a.md", "is a symbolic link in a loop (or a chain of more than 40 links)"),
        (":absolute.md", "is a symbolic link to {root}/secret.md, outside the repository"),
        (":outside.md", "is a symbolic link to ../../etc/passwd, outside the repository"),
        (":dangling.md", "is a symbolic link to a file the index does not have"),
        (":loop-a.md", "is a symbolic link in a loop (or a chain of more than 40 links)"),
    ],
)
def test_21_a_link_that_cannot_be_followed_in_the_tree_is_refused(linked: Path, spec: str, message: str) -> None:
    result = invoke_mdports("diff", spec, "docs/PORT_SCHEMA.md", cwd=linked)
    assert result.returncode == 2, result.stdout
    first, hint = result.stderr.splitlines()
    assert first.startswith(f"mdports: error: {spec} {message.format(root=linked)}"), result.stderr
    assert hint == "  hint: give the path of the file the link points to, e.g. HEAD:docs/PORT_SCHEMA.md"


def test_21_a_blob_over_the_limit_is_refused_before_it_is_read(linked: Path) -> None:
    (linked / "huge.md").write_bytes(b"x" * (MAX_DOCUMENT_BYTES + 1))
    git(linked, "add", "huge.md")
    git(linked, "commit", "-q", "-m", "huge")
    result = invoke_mdports("diff", "HEAD:huge.md", "docs/PORT_SCHEMA.md", cwd=linked)
    assert (result.returncode, result.stderr) == (2, f"mdports: error: HEAD:huge.md: {TOO_BIG}\n")


# --- 19: SARIF locations are RFC 3986 URI references ----------------------------------------------

# The SARIF 2.1.0 JSON schema as the SARIF Multitool (npm @microsoft/sarif-multitool-linux 5.7.0)
# ships it, the schema its `validate` command checks first.
SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.schema.json").read_text("utf-8"))
# RFC 3986, appendix A: URI-reference = URI / relative-ref, without IP literals (mdports writes none).
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PCHAR_NC = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{2})"
_USERINFO = r"(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*@)?"
_AUTHORITY = _USERINFO + r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*(?::[0-9]*)?"
_TAIL = rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
_URI = rf"[A-Za-z][A-Za-z0-9+.\-]*:(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?|{_PCHAR}+(?:/{_PCHAR}*)*|){_TAIL}"
_RELATIVE = rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?|{_PCHAR_NC}+(?:/{_PCHAR}*)*|){_TAIL}"
URI_REFERENCE = re.compile(rf"(?:{_URI}|{_RELATIVE})")


def sarif_files(log: dict[str, Any]) -> list[Path]:
    """Every file a SARIF log locates, checked as a SARIF validator checks it, resolved to a path."""
    Draft202012Validator(SARIF_SCHEMA).validate(log)
    (run,) = log["runs"]
    bases = {name: base["uri"] for name, base in run.get("originalUriBaseIds", {}).items()}
    locations = [item["locations"][0]["physicalLocation"]["artifactLocation"] for item in run["results"]]
    locations += [
        change["artifactLocation"]
        for item in run["results"]
        for fix in item.get("fixes", ())
        for change in fix["artifactChanges"]
    ]
    files = []
    for location in locations:
        uri = location["uri"]
        assert URI_REFERENCE.fullmatch(uri), uri
        if "uriBaseId" in location:  # SARIF: a relative reference has a base, and the run defines it
            assert not urlsplit(uri).scheme and not uri.startswith("/"), uri
            uri = urljoin(bases[location["uriBaseId"]], uri)
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("file", "", "", ""), uri
        files.append(Path(unquote(parts.path)))
    return files


NAMES = ["my doc#1.md", "http:x.md", "http:sub/é 100%?.md", "sub/a:b [c].md"]


def test_19_validate_sarif_uris_are_uri_references_that_resolve_to_the_files(tmp_path: Path) -> None:
    (tmp_path / "http:sub").mkdir()
    (tmp_path / "sub").mkdir()
    document = BUNDLED.read_text(encoding="utf-8") + "\n| 3001 | twin |\n"  # MP001 and others, with fixes
    for name in NAMES:
        (tmp_path / name).write_text(document, encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name} outside#.md"
    outside.write_text(document, encoding="utf-8")
    args = [*NAMES, str(tmp_path / "my doc#1.md"), str(outside)]

    result = run_mdports("validate", "--format", "sarif", *args, cwd=tmp_path)

    log = json.loads(result.stdout)
    files = sarif_files(log)
    assert set(files) == {tmp_path / name for name in args}
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    uris = {item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for item in log["runs"][0]["results"]}
    assert {"./http:x.md", "my%20doc%231.md", "./http:sub/%C3%A9%20100%25%3F.md", "sub/a:b%20%5Bc%5D.md"} <= uris
    assert outside.as_uri() in uris  # outside the folder: an absolute file URI, no base


def test_19_drift_sarif_uris_are_uri_references(tmp_path: Path) -> None:
    project = tmp_path / "my project#1"
    shutil.copytree(PROJECT, project)
    (project / "docker-compose.macmini.yml").rename(project / "compose: mac mini.yml")
    config = (project / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(config.replace("docker-compose.macmini.yml", "compose: mac mini.yml"))
    for folder in (project, project / "docs"):
        result = invoke_mdports("drift", "--format", "sarif", cwd=folder)
        files = sarif_files(json.loads(result.stdout))
        assert project / "compose: mac mini.yml" in files and all(path.is_file() for path in files), files


def test_19_the_uri_pattern_tells_references_from_what_is_not_one() -> None:
    """The checker above must be able to fail: what mdports used to write is not a URI reference."""
    for bad in ("my doc#1.md", "100%.md", "a#b#c", "x.md\\y", "é.md"):
        assert not URI_REFERENCE.fullmatch(bad), bad
    for good in ("./http:x.md", "file:///tmp/a%20b.md", "../a/b.md", "http:x.md", "", "a/b:c"):
        assert URI_REFERENCE.fullmatch(good), good


def test_19_standard_input_has_no_uri_in_sarif() -> None:
    """No file to point at: a uri (`%3Cstdin%3E`) would send a SARIF viewer to a file of that name."""
    text = "| Port | Service |\n|---|---|\n| 3001 | a |\n| 3001 | b |\n"
    result = invoke_mdports("validate", "--format", "sarif", "-", stdin=text)
    log = json.loads(result.stdout)
    Draft202012Validator(SARIF_SCHEMA).validate(log)
    locations = [item["locations"][0]["physicalLocation"]["artifactLocation"] for item in log["runs"][0]["results"]]
    assert locations and all(location == {"description": {"text": "standard input"}} for location in locations)


def test_21_a_link_staged_in_the_index_is_followed_from_a_subfolder(linked: Path) -> None:
    """git does not follow links in the index: mdports does, as in a tree (relative to the link's folder)."""
    (linked / "docs" / "up.md").symlink_to("../link.md")
    git(linked, "add", "docs/up.md")
    for spec in (":../link.md", ":./up.md", ":docs/up.md"):
        result = invoke_mdports("diff", spec, "PORT_SCHEMA.md", "--exit-code", cwd=linked / "docs")
        assert (result.returncode, result.stderr) == (0, ""), (spec, result.stdout)
    missing = invoke_mdports("diff", ":./missing.md", "PORT_SCHEMA.md", cwd=linked / "docs")
    assert missing.stderr.startswith("mdports: error: ./missing.md does not exist in the index")

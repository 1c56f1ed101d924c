"""Every JSON output has a JSON Schema in the package, and every golden JSON output obeys it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import BUNDLED, invoke_mdports
from golden_cases import cases
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import mdports

SCHEMAS = Path(mdports.__file__).parent / "schemas"
EDITS = {"add", "remove", "rename", "move", "set", "fmt"}


def _registry() -> Registry:  # type: ignore[type-arg]
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def schema_for(command: str, output: Any) -> str:
    """The schema file of a command's output; an error object has its own, and so has drift --fix."""
    if isinstance(output, dict) and set(output) == {"version", "error"}:
        return "error"
    if command == "drift" and isinstance(output, dict) and "fix" in output:
        return "drift-fix"
    return "edit" if command in EDITS else command


def check(command: str, text: str) -> None:
    output = json.loads(text)
    name = schema_for(command, output)
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, registry=REGISTRY).validate(output)


def test_the_schemas_are_valid_schemas() -> None:
    for path in SCHEMAS.glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def golden_json() -> list[tuple[str, str, str]]:
    """(command, stdout, case) of every command of a golden case that asked for --format json."""
    found: list[tuple[str, str, str]] = []
    for case in cases():
        for step in case.steps:
            words = step.words[1:]
            while words[:1] == ["-f"]:  # the document, before the command
                words = words[2:]
            asked = "--format" in words and words[words.index("--format") + 1] == "json"
            if step.is_mdports and asked and step.stdout.strip():
                found.append((words[0], step.stdout, case.name))
    return found


GOLDEN_JSON = golden_json()


@pytest.mark.parametrize(("command", "stdout", "case"), GOLDEN_JSON, ids=[case for _, _, case in GOLDEN_JSON])
def test_golden_json_outputs_obey_their_schema(command: str, stdout: str, case: str) -> None:
    check(command, stdout)


def test_there_are_enough_golden_json_outputs() -> None:
    commands = {command for command, _, _ in GOLDEN_JSON}
    assert {"validate", "list", "show", "ranges", "next-free", "add", "fmt", "drift", "diff"} <= commands
    assert len(GOLDEN_JSON) >= 60


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--format", "json"],
        ["validate", "docs/PORT_SCHEMA.md", "missing.md", "--format", "json"],
        ["list", "--format", "json"],
        ["show", "chat-backend", "--format", "json"],
        ["ranges", "--format", "json"],
        ["explain", "--format", "json"],
        ["next-free", "--range", "app", "--count", "2", "--format", "json"],
        ["export", "--format", "json"],
        ["diff", "docs/PORT_SCHEMA.md", "docs/NEW.md", "--format", "json"],
        ["add", "x-worker", "--range", "core-infra", "--format", "json", "--diff"],
        ["set", "mana-auth", "--runtime", "Go", "--format", "json", "--dry-run"],
        ["fmt", "--check", "--format", "json"],
        ["rules", "--format", "json"],
        ["merge", "docs/PORT_SCHEMA.md", "docs/OURS.md", "docs/NEW.md", "--format", "json", "-o", "out.md"],
        ["show", "nobody", "--format", "json"],
        ["list", "--file", "missing.md", "--format", "json"],
        ["init", "--dry-run", "--format", "json"],
    ],
    ids=lambda args: " ".join(args),
)
def test_every_json_output_obeys_its_schema(
    args: list[str],
    tmp_path: Path,
) -> None:
    # In-process: the shape is under test here; tests/test_cli.py and the golden smoke cases run the script.
    (tmp_path / "docs").mkdir()
    shutil.copyfile(BUNDLED, tmp_path / "docs" / "PORT_SCHEMA.md")
    changed = BUNDLED.read_text(encoding="utf-8").replace("| chat-backend |", "| chat-server |")
    (tmp_path / "docs" / "NEW.md").write_text(changed.replace("3030 chat-backend", "3030 chat-server"))
    (tmp_path / "docs" / "OURS.md").write_text(BUNDLED.read_text(encoding="utf-8").replace("| Go |", "| Golang |", 1))
    result = invoke_mdports(*args, cwd=tmp_path)
    assert result.stdout.strip(), result.stderr
    check(args[0], result.stdout)

"""``@readonly`` records: read-only to the type checker, equal and hashable as frozen dataclasses are."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mdports
from mdports.model.ports import PortRange
from mdports.syntax.row import Row

TEXT = "## 3000-3009: Core\n\n| Port | Service |\n|---|---|\n| 3000 | api |\n| 3001 | web |\n"


def test_equal_records_are_equal_and_hash_alike() -> None:
    first, second = (mdports.registry(mdports.parse(TEXT)).entries for _ in range(2))
    assert first == second
    assert {*first, *second} == set(first)  # hashable, as a frozen dataclass is
    assert len({entry.service for entry in first}) == 2


def test_a_field_left_out_of_comparison_stays_out() -> None:
    entry = mdports.registry(mdports.parse(TEXT)).entries[0]
    fresh = dataclasses.replace(entry)
    assert entry.ports == (3000,)  # cached on the first entry only
    assert fresh == entry and hash(fresh) == hash(entry)


def test_spans_order_by_their_fields() -> None:
    assert sorted([PortRange(3005, 3009), PortRange(3000, 3000), PortRange(3000, 3004)]) == [
        PortRange(3000, 3000),
        PortRange(3000, 3004),
        PortRange(3005, 3009),
    ]


def test_replace_derives_a_rows_texts_again() -> None:
    row = Row.parse("| 3000 | api |\n")
    assert dataclasses.replace(row, cells=(" 3001 ", " web ")).texts == ("3001", "web")


def test_the_type_checker_refuses_an_assignment(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        textwrap.dedent(
            """
            import mdports
            from mdports.model.ports import PortRange

            entry = mdports.registry(mdports.parse("")).entries[0]
            entry.service = "other"
            PortRange(1, 2).lo = 3
            """
        ),
        encoding="utf-8",
    )
    # In a process of its own: mypy raises the recursion limit of the process it runs in.
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "c")]
    result = subprocess.run([*command, str(snippet)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert 'Property "service" defined in "Entry" is read-only' in result.stdout
    assert 'Property "lo" defined in "PortRange" is read-only' in result.stdout


def test_every_record_of_the_package_is_readonly() -> None:
    """One decorator for every record (docs/contributing.md): a frozen dataclass would cost its speed again."""
    package = Path(mdports.__file__).parent
    frozen = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith("@dataclass") and "frozen=True" in line
    ]
    assert frozen == []

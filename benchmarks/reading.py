"""How much of the wild corpus mdports reads: rows read against rows a person reads.

Runs the installed ``mdports`` on every document of ``tests/golden/wild/docs`` (``list
--format json`` and ``validate --format json``) and compares with the hand counts in
``tests/golden/wild/manifest.json``. Prints one line per document and the totals::

    python benchmarks/reading.py [--quiet]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

WILD = Path(__file__).resolve().parent.parent / "tests" / "golden" / "wild"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("mdports") or str(Path(sys.executable).with_name("mdports"))
    return subprocess.run([command, *args], capture_output=True, text=True, check=False)


def main() -> None:
    manifest = json.loads((WILD / "manifest.json").read_text(encoding="utf-8"))["documents"]
    quiet = "--quiet" in sys.argv
    totals = {"expected": 0, "read": 0, "extra": 0, "empty": 0, "silent": 0, "errors": 0, "real": 0}
    for name, facts in manifest.items():
        path = str(WILD / "docs" / name)
        listed = _run("-f", path, "list", "--format", "json")
        entries = json.loads(listed.stdout)["entries"] if listed.returncode == 0 else []
        checked = _run("-f", path, "validate", "--format", "json")
        findings = json.loads(checked.stdout)["findings"] if checked.stdout.strip() else []
        errors = [(f["line"], f["rule"]) for f in findings if f["severity"] == "error"]
        real = [e for e in errors if list(e) in facts.get("real_errors", [])]
        # A row counts as read when its ports were read (or it is a planted, really malformed row).
        planted = {line for line, _ in facts.get("real_errors", [])}
        expected = facts["rows"]
        read = sum(1 for entry in entries if entry["ports"] or entry["line"] in planted)
        totals["expected"] += expected
        totals["read"] += min(read, expected)
        totals["extra"] += max(read - expected, 0)
        totals["empty"] += read == 0
        totals["silent"] += read == 0 and checked.returncode == 0
        totals["errors"] += len(errors)
        totals["real"] += len(real)
        if not quiet:
            code = checked.returncode
            print(f"{name:38} rows {read:>2}/{expected:<2} exit {code} errors {len(errors)} (real {len(real)})")
    share = 100 * totals["read"] / totals["expected"]
    print(
        f"{len(manifest)} documents: {totals['read']}/{totals['expected']} rows read ({share:.0f}%), "
        f"{totals['extra']} extra rows, {totals['empty']} documents with nothing read "
        f"({totals['silent']} of them pass validate), {totals['errors']} error findings, {totals['real']} real"
    )


if __name__ == "__main__":
    main()

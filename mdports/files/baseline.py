"""A baseline for gradual adoption: today's findings recorded, so that a run reports only new ones.

``validate`` and ``drift`` share it (``--baseline FILE``, ``--write-baseline FILE``). A finding is
known by its rule, its file, the service (or section) it is about and its ports — never its line,
so that an edit elsewhere in the document keeps it known. Identical findings are counted: two
MP001 on the same port and service need two entries, and a third one is new. An entry no finding
matched any more is *stale* (reported on stderr, as ruff reports an unused ``noqa``); writing the
baseline again drops it.

The file is JSON, sorted and indented so that a diff shows one entry per changed finding::

    {"version": 1, "findings": [{"rule": "MP101", "name": "port-out-of-range",
      "file": "docs/PORT_SCHEMA.md", "scope": "stalwart", "ports": [587], "count": 1}]}

Its schema is ``mdports/schemas/baseline.schema.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ..errors import InputError, RefusedError
from ..model.lookup import Registry
from ..model.registry import Entry
from ..readonly import readonly
from ..rules.catalog import find_rule
from ..rules.findings import Finding, Report
from .writing import write_atomic

BASELINE_VERSION = 1
_FIELDS = {"rule": str, "name": str, "file": str, "scope": str, "ports": list, "count": int}


@readonly(order=True)
class Key:
    """What a baseline entry matches: rule id, file, scope (service or section) and ports."""

    file: str
    rule: str
    scope: str
    ports: tuple[int, ...]

    def anywhere(self) -> Key:
        """The key without its file: the same finding in another version named differently (a diff)."""
        return replace(self, file="")


def finding_keys(
    findings: Iterable[Finding], registry: Registry, *, renamed: Mapping[str, str] | None = None, ports: bool = True
) -> list[Key]:
    """The key of each finding: what it is about, not where it is (lines move with every edit).

    The one identity of a finding across versions of a document: the baseline, the rounds of
    ``validate --fix``, what follows from ``drift --fix document``, and the findings a diff
    introduces and resolves. The scope is the service a finding is about (its deployed name,
    its entry), else its section's title. ``renamed`` maps a scope of an older version to its
    name in the newer one (a renamed service keeps its findings); without ``ports``, a
    finding about a service stays the same when the service moves (its own findings name its
    new port).
    """
    by_line: dict[int, Entry] | None = None  # made once, and only when a finding needs it
    keys: list[Key] = []
    for finding in findings:
        entry = None
        if finding.deployed_as:
            scope = finding.deployed_as
        else:
            if finding.entry is not None:
                entry = finding.entry  # drift: the table row or list item the record matched
            elif finding.path == registry.path or registry.path is None:
                if by_line is None:
                    by_line = {e.line: e for e in registry.entries}
                entry = by_line.get(finding.line)
            if entry is not None:
                scope = entry.service or entry.port_text
            elif finding.section is not None and finding.section < len(registry.sections):
                scope = registry.sections[finding.section].title
            else:
                scope = ""
        if renamed is not None:
            scope = renamed.get(scope, scope)
        numbers = tuple(sorted(set(finding.ports))) if ports else ()
        keys.append(Key(finding.path, finding.rule.id, scope, numbers))
    return keys


@readonly
class Baseline:
    """The recorded findings, counted by key; ``path`` names the file in messages."""

    path: str
    counts: Counter[Key]


def read_baseline(path: Path) -> Baseline:
    """Read a baseline file; anything wrong with it is an :class:`InputError` at its location."""
    from .reading import read_text

    name = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except RecursionError:  # `[[[[...` nested deeper than Python's stack
        raise InputError(
            "the baseline is nested too deeply to be a baseline", path=name, hint="write it again with --write-baseline"
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"the baseline is not JSON: {error.msg}",
            path=name,
            line=error.lineno,
            column=error.colno,
            hint="write it again with --write-baseline",
        ) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        found = data.get("version") if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"the baseline has version {found!r}; this mdports reads version {BASELINE_VERSION}",
            path=name,
            hint="write it again with --write-baseline",
        )
    items = data.get("findings")
    if not isinstance(items, list):
        raise InputError("the baseline has no 'findings' list", path=name, hint="write it again with --write-baseline")
    counts: Counter[Key] = Counter()
    for index, item in enumerate(items):
        where = f"findings[{index}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not an object", path=name, hint="write it again with --write-baseline")
        for field, kind in _FIELDS.items():
            value = item.get(field)
            if field == "name" and value is None:
                continue  # for people: the rule's name
            if not isinstance(value, kind) or isinstance(value, bool):
                raise InputError(
                    f"{where}.{field} is missing or not a {kind.__name__}",
                    path=name,
                    hint="write it again with --write-baseline",
                )
        ports = item["ports"]
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in ports) or item["count"] < 1:
            raise InputError(
                f"{where}: ports must be integers and count at least 1",
                path=name,
                hint="write it again with --write-baseline",
            )
        if find_rule(item["rule"]) is None:
            raise InputError(
                f"{where}.rule {item['rule']!r} is no rule", path=name, hint="`mdports rules` lists every rule"
            )
        counts[Key(item["file"], item["rule"], item["scope"], tuple(sorted(set(ports))))] += item["count"]
    return Baseline(name, counts)


class BaselineRun:
    """One run's use of a baseline: filter each report as it comes, then say what is stale or write.

    ``baseline`` is the file read (``--baseline``), ``target`` the file to write
    (``--write-baseline``): writing records every finding, so nothing is left to report.
    """

    def __init__(self, baseline: Baseline | None, target: Path | None) -> None:
        self.baseline = baseline
        self.target = target
        self._left: Counter[Key] = Counter(baseline.counts if baseline and target is None else ())
        self._seen: Counter[Key] = Counter()
        self._names: dict[str, str] = {}

    def filter(self, report: Report, registry: Registry) -> Report:
        """The report with the findings the baseline records (or all, when writing) set apart."""
        shown: list[Finding] = []
        known: list[Finding] = []
        for finding, key in zip(report.findings, finding_keys(report.findings, registry), strict=True):
            self._seen[key] += 1
            self._names[finding.rule.id] = finding.rule.name
            if self.target is not None or self._left[key] > 0:
                self._left[key] -= 1
                known.append(finding)
            else:
                shown.append(finding)
        return replace(report, findings=tuple(shown), baselined=report.baselined + tuple(known))

    def finish(self, ran: Collection[str], read: Collection[str]) -> list[str]:
        """Write the baseline (``--write-baseline``) or list its stale entries: the lines for stderr.

        ``ran`` are the rule ids this run checked and ``read`` the files it read: only an entry
        of both can be judged stale (a validate run cannot tell whether a drift finding is gone).
        """
        if self.target is not None:
            try:  # a first baseline: write_atomic replaces a file, so there must be one
                open(self.target, "a").close()
            except OSError as error:
                raise RefusedError(f"cannot write the baseline: {error.strerror}", path=str(self.target)) from None
            write_atomic(self.target, baseline_text(self._seen, self._names), name=str(self.target))
            total = sum(self._seen.values())
            return [f"mdports: wrote {total} finding(s) to the baseline {self.target}"]
        if self.baseline is None:
            return []
        lines = []
        for key, count in sorted(self._left.items()):
            if count <= 0 or key.rule not in ran or key.file not in read:
                continue
            what = " ".join(filter(None, (key.rule, key.scope, ", ".join(map(str, key.ports)))))
            times = f" ({count} of them)" if count > 1 else ""
            lines.append(
                f"mdports: info: {self.baseline.path}: stale entry: {what} in {key.file} is no longer found{times}; "
                "--write-baseline drops it"
            )
        return lines


def baseline_text(counts: Mapping[Key, int], names: Mapping[str, str]) -> str:
    """Findings counted by key as a baseline file: sorted, indented, one entry per key."""
    findings = [
        {
            "rule": key.rule,
            "name": names.get(key.rule, ""),
            "file": key.file,
            "scope": key.scope,
            "ports": list(key.ports),
            "count": count,
        }
        for key, count in sorted(counts.items())
    ]
    # One line per entry: a diff of the file shows one line per finding that came or went.
    lines = ",\n".join(f"    {json.dumps(finding, ensure_ascii=False)}" for finding in findings)
    body = f"\n{lines}\n  " if findings else ""
    return f'{{\n  "version": {BASELINE_VERSION},\n  "findings": [{body}]\n}}\n'

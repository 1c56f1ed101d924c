"""The wire records: every JSON output's shape, as typed records, on the ground floor.

The ``to_dict()`` of the domain's records (findings, changes, edits) return these TypedDicts, so
this module imports nothing of mdports: every layer may use it. They are printed by the one
serializer, :func:`mdports.syntax.escaping.dump`. ``diff --format json`` keeps its records beside
the diff (:mod:`mdports.output.diff_json`), drift its report and fix records in
:mod:`mdports.output.drift_live`; they use the same ``JSON_VERSION`` and :class:`FindingRecord`.

Every JSON output is an object with ``version`` (:data:`JSON_VERSION`); a section is named
the same way everywhere (:class:`SectionFields`: ``section`` is its slug, ``heading`` the
heading as written, ``range`` ``[lo, hi]`` or null). The JSON Schemas in
``mdports/schemas/`` describe the same shapes for other tools; ``tests/test_schemas.py``
holds every golden JSON output to them. Optional keys are marked ``NotRequired``: they
appear only when the document has what they describe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # typing.NotRequired from Python 3.11; the annotations are never evaluated
    from typing_extensions import NotRequired

JSON_VERSION = 1


class SectionFields(TypedDict):
    section: str  # the slug, what --range and diff use
    heading: str
    range: list[int] | None  # [lo, hi]


class PortRoleRecord(TypedDict):
    """A port of an entry with what its cell says of it: ``5100 HTTP``, ``8002 (via Caddy)``."""

    range: list[int]  # [lo, hi]: the port, or the span, the role is said of
    role: str
    side: str  # "own", "internal" (in its container or cluster) or "proxy" (a proxy's or tunnel's port)


class ViewRecord(TypedDict):
    """A second view of an entry: the row of another table that shows it again, and the cells it adds."""

    line: int
    cells: dict[str, str]


class EntryRecord(SectionFields):
    """An entry in ``list`` and ``show`` output."""

    ports: list[int]
    port_text: str
    service: str | None
    status: str
    protocols: list[str]
    line: int
    cells: dict[str, str]
    host: NotRequired[str]
    project: NotRequired[str]
    layer: NotRequired[str]  # "planned" or "running", when the document has a running layer
    address: NotRequired[str]  # the host's address, when its label gives one
    roles: NotRequired[list[PortRoleRecord]]  # what the port cell says of each port, when it says anything
    views: NotRequired[list[ViewRecord]]  # the rows of other tables that show the entry again
    view_of: NotRequired[int]  # the line of the entry this row shows again (a second view)


class ListOutput(TypedDict):
    version: int
    path: str | None
    entries: list[EntryRecord]


# "from" is a Python keyword: this record is declared the functional way.
ReferenceRecord = TypedDict(
    "ReferenceRecord", {"line": int, "column": int, "from": str | None, "column_header": str, "text": str}
)


class ShowOutput(EntryRecord):
    version: int
    path: str | None
    references: list[ReferenceRecord]
    layers: NotRequired[list[EntryRecord]]  # the service's other entries (planned, running per host)


class ColumnRecord(TypedDict):
    header: str
    read_as: str


class DeclaredRangeRecord(TypedDict):
    range: list[int]
    title: str
    line: int


class ReadingRecord(SectionFields):
    """How one table was read (``explain``)."""

    line: int
    role: str
    reason: str
    columns: list[ColumnRecord]
    entries: int
    ranges: list[DeclaredRangeRecord]


class ListReadingRecord(SectionFields):
    """How one list with port-looking numbers was read (``explain``): read as running ports or not."""

    line: int
    end_line: int
    under: str  # the heading the list is under
    read: bool
    reason: str
    items: int
    assignments: int
    hosts: list[str]
    entries: int


class ExplainOutput(TypedDict):
    version: int
    path: str | None
    tables: list[ReadingRecord]
    lists: NotRequired[list[ListReadingRecord]]  # only when the document has lists with port numbers


class RangeRecord(SectionFields):
    """A section in ``ranges`` output: counts of its ports and the next free one."""

    line: int
    assigned: int
    reserved: int
    free: int | None
    next_free: int | None


class RangesOutput(TypedDict):
    version: int
    path: str | None
    sections: list[RangeRecord]


class NextFreeOutput(SectionFields):
    version: int
    path: str | None
    ports: list[int]


class ErrorRecord(TypedDict):
    message: str
    path: str | None
    line: int | None
    column: int | None
    hint: str | None
    exit_code: int


class ErrorOutput(TypedDict):
    """What a command prints on stdout with ``--format json`` when it fails."""

    version: int
    error: ErrorRecord


class FileErrorOutput(ErrorOutput):
    """``validate --format json`` of several files: a file that cannot be read, among the reports."""

    path: str | None


class PositionRecord(TypedDict):
    line: int
    column: int


class TextEditRecord(TypedDict):
    start: PositionRecord
    end: PositionRecord  # exclusive
    content: str


class FixRecord(TypedDict):
    description: str
    applicability: str  # safe or unsafe
    edits: list[TextEditRecord]


class FindingRecord(TypedDict):
    rule: str
    name: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    hint: str
    ports: list[int]
    fix: NotRequired[FixRecord]  # in --format json when the rule has a fix for it
    layer: NotRequired[str]  # drift: the layer of the entry compared with, "planned" or "running"
    host: NotRequired[str | None]  # drift: that entry's host as the document writes it


class SourceRecord(TypedDict):
    """A deployment file ``drift`` read (``sources`` in its JSON)."""

    path: str
    kind: str


class ReportOutput(TypedDict):
    """``validate --format json`` (and ``drift``): the counts and every finding shown."""

    version: int
    path: str
    summary: dict[str, int]  # errors, warnings, infos, accepted, and what the command adds
    sources: NotRequired[list[SourceRecord]]  # drift: the deployment files read
    findings: list[FindingRecord]


class ExportEntryRecord(SectionFields):
    """An entry in ``export --format json|yaml``: no document positions, on purpose."""

    service: str | None
    port: int | None
    ports: list[int]
    protocols: list[str]
    status: str


class ExportOutput(TypedDict):
    version: int
    source: str | None
    entries: list[ExportEntryRecord]


class ChangeRecord(TypedDict):
    """One thing an edit did (``mdports.edits.Change``)."""

    action: str
    service: str | None
    ports: list[int]
    section: str | None
    heading: str | None
    message: str
    references: NotRequired[int]  # rename and move: how many cross-references followed
    old_ports: NotRequired[list[int]]
    old_service: NotRequired[str]


class EditOutput(TypedDict):
    """``add``, ``remove``, ``rename``, ``move``, ``set`` and ``fmt`` with ``--format json``."""

    version: int
    path: str
    changed: bool
    written: bool
    ports: list[int]
    changes: list[ChangeRecord]
    diff: NotRequired[str]  # with --diff


class PortEditRecord(TypedDict):
    """A host port ``drift --fix deployment`` changed in a deployment file."""

    path: str
    line: int
    column: int
    old: str
    new: str


class UnfixedRecord(FindingRecord):
    reason: str


class DriftFixOutput(TypedDict):
    """``drift --fix document|deployment --format json``."""

    version: int
    path: str
    fix: str  # document or deployment
    changed: bool
    written: bool
    fixed: int
    changes: list[ChangeRecord | PortEditRecord]  # one kind per output: document changes or port edits
    unfixed: list[UnfixedRecord]
    diff: NotRequired[str]  # with --diff
    written_files: NotRequired[list[str]]  # --fix deployment: the files written (all or none)
    follows: NotRequired[list[FindingRecord]]  # --fix document: what validate finds in the new document only


class RuleRecord(TypedDict):
    id: str
    name: str
    severity: str
    summary: str
    fix: str | None  # safe, unsafe, or null: no fix
    explanation: str  # Markdown: what it checks, why it matters, an example, the fix


class RulesOutput(TypedDict):
    version: int
    rules: list[RuleRecord]


class MergeOutput(TypedDict):
    """``merge --format json``: what was merged, what conflicts are left, what their rows bring."""

    version: int
    path: str
    clean: bool
    merged: list[str]
    conflicts: list[str]
    prose_conflicts: int
    findings: list[FindingRecord]
    errors: list[FindingRecord]

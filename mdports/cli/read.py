"""Commands that read the registry: ``validate``, ``list``, ``show``, ``ranges``, ``explain``, ``rules``, ``next-free``.

No ``from __future__ import annotations`` in the command modules: typer reads every command's
signature on every start, and real annotations save it evaluating strings.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import UsageError
from ..output import report
from ..rules.findings import Report
from ..rules.validation import validate as run_rules
from ..syntax.document import Document

if TYPE_CHECKING:
    from .. import edits
    from ..records import FileErrorOutput, ReportOutput, RulesOutput

from ._app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, command, error_record
from ._shared import (
    BASELINE,
    LOCK_TIMEOUT,
    MIN_SEVERITY,
    QUIET,
    STDIN,
    WRITE_BASELINE,
    ListFormat,
    ReportFormat,
    Severity,
    State,
    TextOrJson,
    baseline_run,
    say,
    say_diff,
    shown_severity,
    state,
)


@command()
def validate(
    ctx: typer.Context,
    files: list[Path] | None = typer.Argument(
        None, metavar="[FILE]...", help="Documents to check (default: the configured one); - reads stdin."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json, sarif or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
    min_severity: Severity = MIN_SEVERITY,
    quiet: bool = QUIET,
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes and write the document."),
    unsafe_fixes: bool = typer.Option(
        False, "--unsafe-fixes", help="Apply the unsafe fixes too (they change what the registry says)."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print the unified diff of the fixes; write nothing."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what the fixes would do; write nothing."),
    baseline: Path | None = BASELINE,
    write_baseline: Path | None = WRITE_BASELINE,
    add_accepts: bool = typer.Option(
        False, "--add-accepts", help="Write accept comments for today's findings into the document (like --add-noqa)."
    ),
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Check the registry: conflicts, ranges, malformed cells, dangling references.

    Every file is checked, even after one that cannot be read. With --fix (--unsafe-fixes,
    --diff, --dry-run) the findings that have a mechanical remedy are fixed and what remains
    is reported. With --baseline FILE only findings FILE does not record count. Exit 0 when
    nothing (left) reaches the failing severity, 1 when something does, 2 when a file could
    not be read or on usage errors.
    """
    from ..errors import InputError

    known = baseline_run(baseline, write_baseline)
    fixing = fix or unsafe_fixes or diff or dry_run
    if lock_timeout is not None and not (fixing or add_accepts):
        raise UsageError("--lock-timeout goes with --fix or --add-accepts")
    st = state(ctx)
    strict = strict or st.config.strict
    shown_from = shown_severity(min_severity, quiet)
    color = st.colored()
    reports: list[Report] = []
    outputs: list[ReportOutput | FileErrorOutput] = []
    unreadable = False
    nothing_checked = False
    for path in list(files) if files else [None]:
        try:
            name, document = st.load(path)
        except InputError as error:
            if len(files or ()) < 2:
                raise  # one document: the error is the whole answer
            # Several (as pre-commit passes them): say what is wrong with this one, check the rest.
            unreadable = True
            say(f"mdports: error: {error}", err=True)
            if fmt is ReportFormat.json:
                from ..records import JSON_VERSION

                record: FileErrorOutput = {"version": JSON_VERSION, "path": error.path, "error": error_record(error)}
                outputs.append(record)
            continue
        fixed: dict[str, int] = {}
        if add_accepts:
            document = _add_accepts(st, path, name, lock_timeout)
        if fixing:
            document, fixed["fixed"] = _fix(
                st,
                path,
                name,
                document,
                unsafe=unsafe_fixes,
                write=not (diff or dry_run),
                diff=diff,
                lock_timeout=lock_timeout,
            )
        registry = st.registry(document)
        if not registry.tables:
            # Nothing to check is most likely a mistake (a truncated file, the wrong path): say
            # so on stderr, and let --strict fail on it as on any warning.
            empty = not document.render().strip()
            what = "the document is empty" if empty else "no registry table (a table with a Port column)"
            say(f"mdports: warning: {name}: {what}; nothing to check", err=True)
            nothing_checked = True
        result = run_rules(registry, st.config, name)
        if fmt in (ReportFormat.json, ReportFormat.sarif):
            from ..fixes.fixers import attach, git_history

            source = path if path is not None else st.document_path()
            result = attach(result, document, registry, None if source == STDIN else git_history(source))
        if known is not None:
            result = known.filter(result, registry)
        reports.append(result)
        shown = result.at_least(shown_from)
        if fmt is ReportFormat.json:
            summary = report.to_json(result, entries=len(registry.entries), sections=len(registry.sections), **fixed)
            summary["findings"] = [finding.to_dict() for finding in shown.findings]
            outputs.append(summary)
        elif fmt is ReportFormat.github:
            say(report.format_github(shown))
        elif fmt is ReportFormat.text and not diff:  # --diff: stdout is the diff alone, as for edits
            quoted = not no_source and bool(shown.findings)  # the lines are needed only to quote them
            lines = report.source_lines(document) if quoted else []
            text = report.format_text(shown, {name: lines}, show_source=quoted, color=color, totals=result)
            say(text, color=color)  # click strips colour from what is not a terminal unless told
    if fmt is ReportFormat.json:
        from ..syntax.escaping import dump  # the text report, on every commit, does not load the record shapes

        say(dump(outputs[0] if len(outputs) == 1 else outputs))
    elif fmt is ReportFormat.sarif:
        from ..output.report import format_sarif

        say(format_sarif([r.at_least(shown_from) for r in reports]))
    elif fmt is ReportFormat.github:
        report.write_step_summary([r.at_least(shown_from) for r in reports])
    if known is not None:
        from ..rules.catalog import DOCUMENT_RULES

        for line in known.finish({r.id for r in DOCUMENT_RULES}, {r.path for r in reports}):
            say(line, err=True)
    failed = any(r.fails(strict) for r in reports) or (strict and nothing_checked)
    raise typer.Exit(EXIT_USAGE if unreadable else EXIT_FINDINGS if failed else EXIT_OK)


def _add_accepts(st: State, path: Path | None, name: str, lock_timeout: float | None) -> Document:
    """Write the document's accept comments for its findings (lock, verify, atomic write): the new document."""
    from ..api import edit_file
    from ..edits.repairs import add_accepts

    target = path if path is not None else st.writable_path()
    if target == STDIN:
        raise UsageError("cannot add accept comments to standard input", hint="give the file")

    def operation(document: Document, _today: object) -> "edits.Edit":
        registry = st.registry(document)
        return add_accepts(registry, run_rules(registry, st.config, name).findings)

    locking = st.locking(lock_timeout)  # here, not in validate: a run that writes nothing never imports it
    result = edit_file(
        target, operation, keep_date=True, name=name, lock_timeout=locking.timeout, waiting=locking.waiting
    )
    for change in result.edit.changes:
        say(f"{name}: {change.message} under {change.section!r}", err=True)
    say(f"{name}: {len(result.edit.changes)} accept comment(s) added", err=True)
    return result.edit.after


def _fix(
    st: State,
    path: Path | None,
    name: str,
    document: Document,
    *,
    unsafe: bool,
    write: bool,
    diff: bool,
    lock_timeout: float | None,
) -> tuple[Document, int]:
    """Apply the fixes to one document (written unless ``write`` is false): the fixed document, how many fixed."""
    from ..fixes.fix_rounds import fix_document, fix_file
    from ..fixes.fixers import git_history

    target = path if path is not None else st.document_path()
    if target == STDIN:
        if write:
            raise UsageError("cannot fix standard input in place", hint="give the file, or use --diff")
        outcome = fix_document(document, st.config, name, unsafe=unsafe)
    else:
        outcome = fix_file(
            target,
            st.config,
            name,
            unsafe=unsafe,
            write=write,
            history=git_history(target),
            locking=st.locking(lock_timeout),
        )
    if diff:
        say_diff(outcome.diff(name), st.colored())
    verb = "fixed" if write else "would fix"
    for finding in outcome.fixed:
        assert finding.fix is not None
        say(f"{finding.location}: {verb} {finding.rule.id}: {finding.fix.description}", err=True)
    for reason in outcome.refused:
        say(f"mdports: warning: fix not applied: {reason}", err=True)
    left = len(outcome.report.findings)
    fixable = sum(1 for f in outcome.report.findings if f.fix is not None and f.fix.applicability == "unsafe")
    note = f" ({fixable} with an unsafe fix: --unsafe-fixes)" if fixable and not unsafe else ""
    say(f"{name}: {len(outcome.fixed)} {verb}, {left} remaining{note}", err=True)
    return outcome.after, len(outcome.fixed)


@command("list")
def list_(
    ctx: typer.Context,
    range_: str = typer.Option(None, "--range", "-r", help="Only this section (range, port, slug or abbreviation)."),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table, json or csv."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Say on stderr how each table and list is read."),
) -> None:
    """List every entry: ports, service, status, section, line and cells.

    The entries of both layers: the plan's table rows, then the running ports read from lists
    (with a LAYER and a HOST column when the document has them).
    """
    from ..output import listing as records

    registry = state(ctx).registry()
    section = registry.section(range_) if range_ else None
    if verbose:  # on stderr, so that stdout stays what --format promises
        say(records.format_readings(registry, registry.readings, "text", registry.lists), err=True)
    say(records.format_entries(registry, records.entries_in(registry, section, running=True), fmt.value))


@command()
def explain(
    ctx: typer.Context,
    line: int = typer.Argument(
        None, metavar="[LINE]", help="A line of the table or list (default: every table and list)."
    ),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Say how each table is read: registry rows or not (and why), and what each column is.

    Each list with port numbers too: read as running ports or not, and why.
    """
    from ..output import listing as records

    registry = state(ctx).registry()
    tables, lists = records.readings_at(registry, line)
    say(records.format_readings(registry, tables, fmt.value, lists))


@command()
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="NAME|PORT", help="A service name or a port."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Show one entry, where it is, where it runs, and every cross-reference to it."""
    from ..errors import NotFoundError
    from ..output import listing as records

    registry = state(ctx).registry()
    try:
        entry = registry.entry(key)
    except NotFoundError:
        # A service that only runs (no planned entry) is shown from its list item.
        running = registry.named(key) or registry.running_on(key)
        if not running:
            raise
        entry = running[0]
    say(records.format_show(registry, entry, fmt.value))


@command()
def ranges(
    ctx: typer.Context,
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """Each section with its range, assigned/reserved/free counts and the next free port."""
    from ..output import listing as records

    say(records.format_ranges(state(ctx).registry(), fmt.value))


@command("rules")
def rules_(
    rule: str = typer.Argument(
        None, metavar="[RULE]", help="One rule, by id (MP101) or name (port-out-of-range): explained in full."
    ),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json."),
) -> None:
    """List every rule mdports checks (document and deployment): id, name, severity, what it finds.

    With a RULE, print its full explanation (what it checks, why it matters, an example, the fix).
    """
    from ..output.report import explained, rule_lines, rule_record
    from ..rules.catalog import ALL_RULES, check_rule_names, find_rule

    if rule is not None:
        check_rule_names([rule], "rules", None)
    chosen = [find_rule(rule)] if rule is not None else list(ALL_RULES)
    rules = [r for r in chosen if r]
    if fmt is TextOrJson.json:
        from ..records import JSON_VERSION
        from ..syntax.escaping import dump

        output: RulesOutput = {"version": JSON_VERSION, "rules": [rule_record(r) for r in rules]}
        say(dump(output))
    elif rule is not None:
        say(explained(rules[0]).rstrip("\n"))
    else:
        # The fix column is what `--fix` does for the rule: safe, unsafe (with --unsafe-fixes) or nothing.
        say("\n".join(rule_lines(rules)))


@command("next-free")
def next_free(
    ctx: typer.Context,
    range_: str = typer.Option(..., "--range", "-r", help="Section: range, port, slug or abbreviation."),
    count: int = typer.Option(1, "--count", "-n", min=1, help="How many ports."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text, or json for bots."),
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Print the next free ports of a range (writes nothing). Exit 1 when fewer are free."""
    from .. import edits

    registry = state(ctx).registry()
    section, ports = edits.next_free(registry, range_, count)
    if fmt is TextOrJson.json:
        from ..output.listing import section_fields
        from ..records import JSON_VERSION, NextFreeOutput
        from ..syntax.escaping import dump

        record: NextFreeOutput = {
            "version": JSON_VERSION,
            "path": registry.path,
            **section_fields(section),
            "ports": ports,
        }
        say(dump(record))
    else:
        for port in ports:
            say(str(port))

"""``mdports drift``: the registry against the deployment, and ``--fix`` in either direction.

It imports what it needs (PyYAML, the deployment readers, the drift rules) inside the
command, so that starting ``mdports validate`` never pays for them.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..errors import UsageError
from ..files.reading import STDIN_NAME
from ._app import EXIT_FINDINGS, EXIT_OK, command
from ._shared import (
    BASELINE,
    CLOUDFLARED,
    COMPOSE,
    ENV,
    KUBERNETES,
    LOCK_TIMEOUT,
    PROMETHEUS,
    QUIET,
    WRITE_BASELINE,
    ReportFormat,
    Severity,
    State,
    baseline_run,
    say,
    say_diff,
    shown_severity,
    state,
)

if TYPE_CHECKING:
    from ..deploy.deployment import Deployment
    from ..files.transaction import Locking
    from ..model.lookup import Registry
    from ..rules.findings import Report
    from ..syntax.document import Document


class FixTarget(str, Enum):
    document = "document"
    deployment = "deployment"


@command()
def drift(
    ctx: typer.Context,
    compose: list[Path] | None = COMPOSE,
    prometheus: list[Path] | None = PROMETHEUS,
    env: list[Path] | None = ENV,
    cloudflared: list[Path] | None = CLOUDFLARED,
    kubernetes: list[Path] | None = KUBERNETES,
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="text, json, sarif or github annotations."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    min_severity: Severity | None = typer.Option(
        None,
        "--min-severity",
        help="Show only findings of this severity or above (default info; warning for github). "
        "The exit code counts all.",
    ),
    quiet: bool = QUIET,
    no_source: bool = typer.Option(False, "--no-source", help="Text format: do not quote the source line."),
    fix: FixTarget | None = typer.Option(
        None,
        "--fix",
        help="document: the document adopts what is deployed; deployment: the deployment's host ports "
        "follow the document.",
    ),
    add_undocumented: bool = typer.Option(
        False, "--add-undocumented", help="--fix document: add rows for undocumented services (MP201)."
    ),
    keep_date: bool = typer.Option(False, "--keep-date", help='--fix document: leave the "Last updated" line.'),
    unsafe_fixes: bool = typer.Option(
        False,
        "--unsafe-fixes",
        help="--fix deployment: apply the fixes, which change where traffic goes (without it, they are listed).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="--fix: show what would change; write nothing."),
    diff: bool = typer.Option(False, "--diff", help="--fix: print the unified diff; write nothing."),
    lock_timeout: float = LOCK_TIMEOUT,
    baseline: Path | None = BASELINE,
    write_baseline: Path | None = WRITE_BASELINE,
) -> None:
    """Compare the registry with docker compose, Prometheus, env, cloudflared and Kubernetes files.

    Files given on the command line (one unnamed host) replace those configured in
    the configuration (compose, prometheus, env, cloudflared, kubernetes and [hosts.NAME] tables).
    With --baseline FILE only findings FILE does not record count. Exit 0 when nothing
    reaches the failing severity, 1 when something does, 2 on usage or input errors.
    """
    from ..deploy import drift as drift_rules
    from ..deploy.deployment import hosts_to_compare, load_hosts
    from ..output import report

    if fix is not None and (baseline or write_baseline):
        raise UsageError("--baseline and --write-baseline do not go with --fix", hint="run drift without --fix")
    known = baseline_run(baseline, write_baseline)
    st = state(ctx)
    config = st.config
    strict = strict or config.strict
    given = [compose, prometheus, env, cloudflared, kubernetes]
    try:
        hosts = hosts_to_compare(config, [group or [] for group in given])
        discovered = False
    except UsageError as nothing:
        if any(given):
            raise
        # No files given or configured: discover them as `mdports init` would (one discovery).
        from ..deploy.deployment import has_files
        from ..deploy.discover import discover
        from ..files.git import tracked_root

        hosts = list(discover(tracked_root(Path.cwd())).hosts(Path.cwd()))
        discovered = True
        if not any(has_files(host) for host in hosts):
            found_none = "none was found by name either (`mdports init --dry-run` shows what it looks for)"
            nothing.hint = f"{nothing.hint}; {found_none}"
            raise
    name, document = st.load()
    registry = st.registry(document)
    deployed = load_hosts(hosts)
    if discovered and fmt is not ReportFormat.json:
        read = ", ".join(f"{path} ({kind})" for kind, path in deployed.files)
        count = len(deployed.files)
        say(
            f"mdports drift: no configuration; read {count} file(s) found as `mdports init` finds them: {read}",
            err=True,
        )
    result = drift_rules.check(registry, deployed, config, name)
    if unsafe_fixes and fix is not FixTarget.deployment:
        raise UsageError("--unsafe-fixes goes with --fix deployment")
    if fix is not None:
        write = not (dry_run or diff)
        options = {"add_undocumented": add_undocumented, "keep_date": keep_date, "write": write, "diff": diff}
        options["unsafe"] = unsafe_fixes
        locking = st.locking(lock_timeout)
        left = _reconcile(st, fix, document, registry, deployed, result, **options, fmt=fmt, locking=locking)
        raise typer.Exit(EXIT_FINDINGS if left.fails(strict) else EXIT_OK)
    if add_undocumented or keep_date or dry_run or diff or lock_timeout is not None:
        raise UsageError("--add-undocumented, --keep-date, --dry-run, --diff and --lock-timeout go with --fix")
    if fmt in (ReportFormat.json, ReportFormat.sarif):
        from ..deploy.fix_deployment import with_fixes

        result = with_fixes(result, deployed, registry, config, name)
    if known is not None:
        from ..rules.catalog import DEPLOYMENT_RULES
        from ..rules.structure_rules import UNUSED_ACCEPT

        result = known.filter(result, registry)
        ran = {r.id for r in (*DEPLOYMENT_RULES, UNUSED_ACCEPT)}
        for line in known.finish(ran, {name, *deployed.sources}):
            say(line, err=True)
    if min_severity is None:
        # Annotations for infos bury the errors of a pull request: github shows warnings and up.
        min_severity = Severity.warning if fmt is ReportFormat.github else Severity.info
    shown = result.at_least(shown_severity(min_severity, quiet))
    if fmt is ReportFormat.json:
        from ..output.drift_live import DriftJson, dumps

        say(dumps(DriftJson.of(result, shown.findings, registry, deployed)))
    elif fmt is ReportFormat.sarif:
        from ..output.report import format_sarif

        say(format_sarif([shown]))
    elif fmt is ReportFormat.github:
        say(report.format_github(shown))
        report.write_step_summary([shown], "drift")
    else:
        color = st.colored()
        sources = {**deployed.sources, name: tuple(report.source_lines(document))}
        text = report.format_text(shown, sources, show_source=not no_source, color=color, totals=result)
        say(text, color=color)
    raise typer.Exit(EXIT_FINDINGS if result.fails(strict) else EXIT_OK)


def _reconcile(
    st: State,
    target: FixTarget,
    document: Document,
    registry: Registry,
    deployed: Deployment,
    result: Report,
    *,
    add_undocumented: bool,
    keep_date: bool,
    write: bool,
    diff: bool,
    unsafe: bool,
    fmt: ReportFormat,
    locking: Locking,
) -> Report:
    """``drift --fix``: change the document or the deployment files; the findings left as they were."""
    from ..deploy.fix_deployment import follow_document, write_deployment
    from ..deploy.fix_document import adopt_in_file
    from ..edits import today
    from ..output.drift_live import FixJson, dumps
    from ..rules.findings import Report

    name = result.path
    if target is FixTarget.document:
        if write and name == STDIN_NAME:
            raise UsageError("cannot fix standard input in place", hint="give the document's path with --file PATH")
        outcome = adopt_in_file(
            st.document_path(),
            document,
            result.findings,
            add_undocumented=add_undocumented,
            date=None if keep_date else today(),
            write=write,
            deployed=deployed,
            vocab=st.vocabulary,
            config=st.config,
            locking=locking,
        )
        record = FixJson(
            name,
            "document",
            outcome.changed,
            write and outcome.changed,
            len(outcome.fixed),
            outcome.changes,
            outcome.unfixed,
            outcome.diff(name) if diff else None,
            follows=outcome.follows,
        )
        messages = [change.message for change in outcome.changes]
        messages += [
            f"{f.location}: {f.severity} {f.rule.id} {f.message} (follows from this fix)" for f in outcome.follows
        ]
    else:
        if add_undocumented or keep_date:
            raise UsageError("--add-undocumented and --keep-date go with --fix document")
        followed = follow_document(deployed, registry, result.findings, config=st.config, path=name, unsafe=unsafe)
        written = write_deployment(followed, locking) if write else ()
        record = FixJson(
            name,
            "deployment",
            followed.changed,
            bool(written),
            len(followed.fixed),
            followed.changes,
            followed.unfixed,
            followed.diff() if diff else None,
            written,
        )
        messages = [f"{c.location}: {c.finding.rule.id} host port {c.old} -> {c.new}" for c in followed.changes]
    if fmt is ReportFormat.json:
        say(dumps(record))
    else:
        if record.diff is not None:
            say_diff(record.diff, st.colored())
        for message in messages:
            say(message, err=True)
        for item in record.unfixed:
            found = item.finding
            say(f"not fixed: {found.location}: {found.rule.id} {found.message}: {item.reason}", err=True)
        verb = "fixed" if write else "would fix"
        wrote = f"; wrote {', '.join(record.files)}" if record.files else ""
        say(f"{name}: {record.fixed} {verb}, {len(record.unfixed)} not fixed{wrote}", err=True)
    return Report(name, tuple(item.finding for item in record.unfixed))
